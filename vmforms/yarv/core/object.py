"""The object model's roots: plain objects, symbols, the undefined marker and class references.

Ruby's immediates map onto Python's: nil is None, true and false are the bools, Integer is
int and Float is float. Everything else is an RObject (or a subclass carrying its payload).
"""

from __future__ import annotations

from typing import Any


class RObject:
    """A heap object: its class (None until the interpreter gives it one), ivars, frozen bit."""

    __slots__ = ("cls", "ivars", "frozen")

    def __init__(self, cls: Any = None) -> None:
        self.cls = cls
        self.ivars: dict[str, Any] | None = None
        self.frozen = False


class RSymbol:
    """An interned symbol: one Python object per name, so identity is equality."""

    __slots__ = ("name",)
    _table: dict[str, RSymbol] = {}

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"RSymbol({self.name!r})"


def intern(name: str) -> RSymbol:
    sym = RSymbol._table.get(name)
    if sym is None:
        sym = RSymbol._table[name] = RSymbol(name)
    return sym


class _Undef:
    """CRuby's Qundef: a keyword default computed at run time, an absent value."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNDEF"


UNDEF: Any = _Undef()


class ClassRef:
    """A class named in an iseq's literals (rescue clauses name StandardError and the like)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
