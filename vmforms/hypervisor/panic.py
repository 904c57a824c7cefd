"""Seeing a guest kernel panic on the console (Linux kernel/panic.c) and keeping its text.

Linux prints "Kernel panic - not syncing: REASON", a register and stack dump, then either
reboots after `panic=N` seconds or prints "---[ end Kernel panic - not syncing: REASON ]---"
and spins. The board stops at whichever comes first (or a while after the first line, for
a kernel that does neither), and the user sees the last console lines instead of a hang.
"""

from __future__ import annotations

from collections.abc import Callable

PANIC_START = b"Kernel panic - not syncing"
PANIC_END = b"---[ end Kernel panic"
TAIL_BYTES = 16 << 10  # console bytes kept for the report
# Guest instructions after the first panic line before the board stops on its own.
PANIC_GRACE = 20_000_000


class ConsoleWatch:
    """Passes console bytes through, keeps the last TAIL_BYTES, and notices a panic."""

    def __init__(self, console: Callable[[bytes], None]) -> None:
        self._console = console
        self._tail = bytearray()
        self._line = bytearray()
        self.panicked = False  # the first panic line was seen
        self.panic_ended = False  # the closing line was seen: nothing more will happen
        self.reason = ""

    def write(self, data: bytes) -> None:
        self._console(data)
        tail = self._tail
        tail += data
        if len(tail) > 2 * TAIL_BYTES:
            del tail[:-TAIL_BYTES]
        if b"\n" not in data:
            self._line += data
            if len(self._line) > 4096:
                del self._line[:-4096]
            return
        lines = (bytes(self._line) + data).split(b"\n")
        self._line = bytearray(lines.pop())
        for line in lines:
            self._scan(line)

    def _scan(self, line: bytes) -> None:
        if PANIC_END in line:
            self.panic_ended = True
            self.panicked = True
        elif PANIC_START in line and not self.panicked:
            self.panicked = True
            text = line[line.index(PANIC_START) :].decode("utf-8", "replace").strip()
            self.reason = text

    def last_lines(self, count: int) -> list[str]:
        """The last `count` lines printed, without terminal control characters."""
        text = bytes(self._tail[-TAIL_BYTES:]).decode("utf-8", "replace")
        lines = [
            "".join(ch for ch in line if ch.isprintable() or ch == "\t").rstrip()
            for line in text.replace("\r", "").split("\n")
        ]
        while lines and not lines[-1]:
            lines.pop()
        return lines[-count:]
