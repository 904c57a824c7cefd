"""A status line for long waits, as build tools and downloaders draw one on a terminal.

One line on stderr, rewritten in place (carriage return, erase to end of line) at most ten
times a second, with the elapsed time; cleared when the wait ends. When stderr is not a
terminal nothing at all is written, so logs and pipes see only the results.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

REFRESH = 0.1  # seconds between redraws


def format_elapsed(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())


class Status:
    """`show(text)` draws "what: text (elapsed)"; `close()` erases it."""

    def __init__(self, what: str, stream: TextIO | None = None, *, enabled: bool | None = None):
        self.what = what
        self.stream = sys.stderr if stream is None else stream
        if enabled is None:
            enabled = self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.enabled = enabled
        self.start = time.monotonic()
        self._drawn = 0.0
        self._visible = False

    def __enter__(self) -> Status:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def show(self, text: str = "", *, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REFRESH:
            return
        self._drawn = now
        line = f"{self.what}: {_printable(text)}" if text else self.what
        line += f" ({format_elapsed(now - self.start)})"
        width = max(20, shutil.get_terminal_size((80, 24)).columns - 1)
        if len(line) > width:
            line = line[: width - 1] + "…"
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._visible = True

    def close(self) -> None:
        if self._visible:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._visible = False
