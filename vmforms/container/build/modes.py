"""`COPY --chmod` and `ADD --chmod`: an octal mode, or a symbolic one as chmod(1) reads it
and BuildKit accepts it (dockerfile 1.14): clauses `[ugoa]*[-+=][rwxXst]*` separated by
commas (`u+x`, `go-w`, `a=rX`, `+x`), applied to each copied file's own mode.
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass

from vmforms.container.errors import ContainerError

_CLAUSE = re.compile(r"^([ugoa]*)([-+=])([rwxXst]*)$")
_WHO = {"u": stat.S_IRWXU | stat.S_ISUID, "g": stat.S_IRWXG | stat.S_ISGID,
        "o": stat.S_IRWXO, "a": 0o7777}
_PERM = {"r": 0o444, "w": 0o222, "x": 0o111, "s": stat.S_ISUID | stat.S_ISGID,
         "t": stat.S_ISVTX}


@dataclass(frozen=True, slots=True)
class Chmod:
    """A parsed --chmod: `octal` for an absolute mode, else the symbolic clauses."""

    text: str
    octal: int | None
    clauses: tuple[tuple[str, str, str], ...] = ()

    def apply(self, mode: int, is_dir: bool) -> int:
        """The new permission bits of an entry whose mode is `mode`."""
        if self.octal is not None:
            return self.octal
        bits = stat.S_IMODE(mode)
        for who, op, perms in self.clauses:
            # No `who` means all, less the umask chmod(1) would apply: BuildKit uses none.
            mask = 0
            for w in who or "a":
                mask |= _WHO[w]
            value = 0
            for p in perms:
                if p == "X":
                    if is_dir or bits & 0o111:
                        value |= 0o111
                else:
                    value |= _PERM[p]
            value &= mask
            if op == "+":
                bits |= value
            elif op == "-":
                bits &= ~value
            else:  # `=`: the named classes' bits are cleared, then set
                bits = (bits & ~mask) | value
        return bits & 0o7777


def parse_chmod(text: str, what: str = "--chmod") -> Chmod:
    """An octal (`755`, `0644`) or symbolic (`u+x,go-w`) mode; anything else is refused."""
    if not text or len(text) > 64:
        raise ContainerError(f"invalid {what} value {text!r}")
    if text.isdigit():
        try:
            value = int(text, 8)
        except ValueError:
            raise ContainerError(f"invalid {what} value {text!r}: not an octal mode") \
                from None
        if value > 0o7777:
            raise ContainerError(f"invalid {what} value {text!r}: more than 4 octal digits")
        return Chmod(text, value)
    clauses = []
    for part in text.split(","):
        found = _CLAUSE.match(part)
        if found is None:
            raise ContainerError(f"invalid {what} value {text!r}: neither an octal mode nor "
                                 "a symbolic one like u+x,go-w")
        clauses.append((found.group(1), found.group(2), found.group(3)))
    return Chmod(text, None, tuple(clauses))
