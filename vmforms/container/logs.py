"""The json-file log format Docker writes: one JSON object per line of output,
`{"log": "...\\n", "stream": "stdout", "time": "RFC 3339 with nanoseconds"}`."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from vmforms.container.state import now_rfc3339


class LogWriter:
    """Splits each stream into lines and appends them to the log file."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o640)
        self._partial: dict[str, bytes] = {}

    def write(self, stream: str, data: bytes) -> None:
        buf = self._partial.pop(stream, b"") + data
        lines = buf.split(b"\n")
        rest = lines.pop()
        if rest:
            self._partial[stream] = rest
        if lines:
            self._emit(stream, [line + b"\n" for line in lines])

    def _emit(self, stream: str, chunks: list[bytes]) -> None:
        stamp = now_rfc3339()
        out = "".join(
            json.dumps({"log": c.decode(errors="replace"), "stream": stream, "time": stamp}) + "\n"
            for c in chunks
        )
        os.write(self._fd, out.encode())

    def close(self) -> None:
        for stream, rest in self._partial.items():
            self._emit(stream, [rest])
        self._partial.clear()
        os.close(self._fd)


def read_entries(path: Path, *, follow: Callable[[], bool] | None = None
                 ) -> Iterator[tuple[str, str]]:
    """(stream, text) per log entry; with `follow`, keep reading while it returns True."""
    try:
        f = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return
    with f:
        pending = ""
        while True:
            line = f.readline()
            if line:
                pending += line
                if not pending.endswith("\n"):
                    continue
                try:
                    entry = json.loads(pending)
                except json.JSONDecodeError:
                    pending = ""
                    continue
                pending = ""
                yield entry.get("stream", "stdout"), entry.get("log", "")
                continue
            if follow is None or not follow():
                # One last read: the writer may have flushed between our read and the check.
                rest = f.read()
                for raw in rest.splitlines():
                    try:
                        entry = json.loads(pending + raw)
                    except json.JSONDecodeError:
                        continue
                    yield entry.get("stream", "stdout"), entry.get("log", "")
                return
            time.sleep(0.05)


def print_entries(entries: Iterator[tuple[str, str]]) -> None:
    for stream, text in entries:
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(text)
        out.flush()
