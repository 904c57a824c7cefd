"""String: a mutable byte buffer tagged with its encoding (UTF-8, ASCII-8BIT, US-ASCII ...)."""

from __future__ import annotations

import operator
from typing import Any

from vmforms.yarv.core.object import RObject

UTF_8 = "UTF-8"
BINARY = "ASCII-8BIT"
US_ASCII = "US-ASCII"


class RString(RObject):
    __slots__ = ("b", "enc")

    def __init__(self, data: bytes | bytearray | str = b"", enc: str = UTF_8,
                 cls: Any = None) -> None:
        # RObject's fields set here directly: strings are made often enough to matter
        self.cls = cls
        self.ivars = None
        self.frozen = False
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        self.b = bytearray(data)
        self.enc = enc

    def text(self) -> str:
        """The contents as Python text (invalid bytes kept as surrogate escapes)."""
        if self.enc in (UTF_8, US_ASCII):
            return self.b.decode("utf-8", "surrogateescape")
        return self.b.decode("latin-1")

    def __repr__(self) -> str:
        return f"RString({bytes(self.b)!r}, {self.enc})"


_new = object.__new__


def fresh(data: bytearray, enc: str, cls: Any) -> RString:
    """A String over data itself (a bytearray nobody else holds), not a copy: the hot
    builtins' constructor, about twice as fast as RString()."""
    s: RString = _new(RString)
    s.cls = cls
    s.ivars = None
    s.frozen = False
    s.b = data
    s.enc = enc
    return s


def strings(parts: list[bytearray], enc: str, cls: Any) -> list[RString]:
    """A String over each of parts (bytearrays nobody else holds), as fresh makes one: for
    the builtins that make thousands at once (split, map(&:upcase)). The objects are made
    by a map in C, then filled: about a third faster than fresh called in a loop."""
    out: list[RString] = list(map(_new, [RString] * len(parts)))
    for s, data in zip(out, parts, strict=True):
        s.cls = cls
        s.ivars = None
        s.frozen = False
        s.b = data
        s.enc = enc
    return out


def encoding_of_all(items: list[Any]) -> str | None:
    """The one encoding of items when all are Strings of it (else None), tested in C."""
    if not items or set(map(type, items)) != _ONLY_STRINGS:
        return None
    encs = set(map(_ENC, items))
    return encs.pop() if len(encs) == 1 else None


_ONLY_STRINGS = {RString}
_ENC, BYTES = operator.attrgetter("enc"), operator.attrgetter("b")
