"""The line discipline of the JDK 17 javap (its BasicWriter): two-space indent steps,
comments at a tab column, spaces held back until something follows them.

javap keeps spaces pending and writes them only before the next other character, so a line
never ends with a space (other white space, such as U+3000, stays). A newline inside
printed text starts a new line, indented at the level of that moment. `tab()` pads the
line, its indentation not counted, to column 40, or by one space past it.
"""

from __future__ import annotations

TAB_COLUMN = 40


class Printer:
    """Lines of output with javap's indentation; `parts` is joined by the caller."""

    __slots__ = ("parts", "level", "_buf", "_len", "_pending", "_line_level")

    def __init__(self, parts: list[str] | None = None) -> None:
        self.parts: list[str] = [] if parts is None else parts
        self.level = 0
        self._buf: list[str] = []
        self._len = 0  # characters in _buf
        self._pending = 0  # spaces not yet written
        self._line_level = 0  # the indentation the current line started at

    def print(self, text: str) -> None:
        if "\n" in text:
            first, *rest = text.split("\n")
            self.print(first)
            for piece in rest:
                self.println()
                self.print(piece)
            return
        core = text.rstrip(" ")
        if not core:
            self._pending += len(text)
            return
        trailing = len(text) - len(core)
        if not self._buf:
            self._line_level = self.level
        if self._pending:
            core = " " * self._pending + core
        self._buf.append(core)
        self._len += len(core)
        self._pending = trailing

    def println(self, text: str = "") -> None:
        if text:
            self.print(text)
        if self._buf:
            self.parts.append("  " * self._line_level + "".join(self._buf) + "\n")
            self._buf.clear()
            self._len = 0
        else:
            self.parts.append("\n")
        self._pending = 0

    line = println

    def tab(self, left: str = "", comment: str | None = None) -> None:
        """Print `left`, pad to the tab column; with `comment`, print `// comment` and end
        the line."""
        if left:
            self.print(left)
        column = self._len + self._pending
        self._pending += TAB_COLUMN - column if column < TAB_COLUMN else 1
        if comment is not None:
            self.println("// " + comment)

    def indent(self, step: int) -> None:
        self.level += step


def tab_pad(left: str) -> str:
    pad = TAB_COLUMN - len(left)
    return left + " " * (pad if pad > 0 else 1)
