"""Build progress as `docker build` shows it: `--progress plain` (numbered vertices,
each output line with its time, `DONE 0.3s` or `CACHED`), or on a terminal a compact
view: one line per step, the running step's last output line rewritten in place, and
the whole output of a step that fails."""

from __future__ import annotations

import os
import shutil
import time
from typing import TextIO


class Progress:
    def __init__(self, out: TextIO, quiet: bool = False, live: bool = False) -> None:
        self.out = out
        self.quiet = quiet
        self.live = live and not quiet
        self.n = 0
        self.started = 0.0
        self.begun = time.monotonic()
        self.title = ""
        self.lines: list[str] = []

    def _write(self, text: str) -> None:
        if not self.quiet:
            self.out.write(text)
            self.out.flush()

    def _width(self) -> int:
        try:
            return shutil.get_terminal_size((100, 24)).columns
        except (OSError, ValueError):
            return 100

    def begin(self, title: str) -> int:
        self.n += 1
        self.started = time.monotonic()
        self.title = title
        self.lines = []
        if self.live:
            self._write(f"\r\033[K => {title}"[: self._width() + 5])
        else:
            self.line(f"#{self.n} {title}")
        return self.n

    def line(self, text: str) -> None:
        if self.live:
            if text.startswith(f"#{self.n} "):
                text = text[len(f"#{self.n} "):]
            self._write(f"\r\033[K    {text}\n => {self.title}"[: 2 * self._width()])
            return
        self._write(text + "\n")

    def output(self, data: bytes) -> None:
        text = data.decode("utf-8", "replace")
        stamp = time.monotonic() - self.started
        if self.live:
            self.lines.append(f"#{self.n} {stamp:.3f} {text}")
            last = f" => {self.title} | {text}".expandtabs()
            self._write("\r\033[K" + last[: self._width() - 1])
            return
        self._write(f"#{self.n} {stamp:.3f} {text}\n")

    def fail(self, message: str) -> None:
        if self.live:
            self._write("\r\033[K" + "".join(line + "\n" for line in self.lines))
            self._write(f" => ERROR {self.title}\n")
            return
        self._write(f"#{self.n} ERROR: {message}\n")

    def done(self, cached: bool = False) -> None:
        elapsed = time.monotonic() - self.started
        if self.live:
            word = "CACHED " if cached else ""
            text = f" => {word}{self.title}"
            pad = max(1, self._width() - len(text) - 6)
            self._write(f"\r\033[K{text[: self._width() - 8]}{' ' * pad}{elapsed:4.1f}s\n")
            return
        self._write(f"#{self.n} CACHED\n\n" if cached else f"#{self.n} DONE {elapsed:.1f}s\n\n")

    def finish(self) -> None:
        if self.live:
            self._write(f"[+] Building {time.monotonic() - self.begun:.1f}s ({self.n}/"
                        f"{self.n}) FINISHED\n")


def is_terminal(out: TextIO) -> bool:
    try:
        return os.isatty(out.fileno()) and os.environ.get("TERM") != "dumb"
    except (OSError, ValueError, AttributeError):
        return False
