"""Hash: insertion-ordered, keyed by Ruby's eql? (1 and 1.0 are different keys)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString


def hash_key(value: Any) -> Any:
    """The Python dict key standing for a Ruby key under eql?: an Integer is itself and a
    String its bytes (the commonest keys, no wrapper to make); Floats, true, false and nil
    are tagged (Python's True == 1 == 1.0), other objects stand for themselves (identity)."""
    t = type(value)
    if t is int:
        return value
    if t is RString:
        return bytes(value.b)
    if t is float:
        return ("f", value)
    if t is bool or value is None:
        return ("b", value)
    if t is RArray:
        return ("a", tuple(hash_key(v) for v in value.items))
    if CUSTOM is not None and isinstance(value, RObject):
        return CUSTOM(value)
    return value


# Set by the interpreter: the key of an object whose class defines #hash and #eql?.
CUSTOM: Any = None


class RHash(RObject):
    __slots__ = ("table", "default", "default_proc", "identity")

    def __init__(self, cls: Any = None) -> None:
        super().__init__(cls)
        self.table: dict[Any, tuple[Any, Any]] = {}
        self.default: Any = None
        self.default_proc: Any = None
        self.identity = False

    def key_of(self, key: Any) -> Any:
        return id(key) if self.identity else hash_key(key)

    def get(self, key: Any, missing: Any = None) -> Any:
        entry = self.table.get(self.key_of(key))
        return missing if entry is None else entry[1]

    def put(self, key: Any, value: Any) -> None:
        k = self.key_of(key)
        old = self.table.get(k)
        self.table[k] = (key if old is None else old[0], value)


class UserKey:
    """A dict key that asks Ruby: __hash__ is #hash, __eq__ is #eql?."""

    __slots__ = ("vm", "obj", "h")

    def __init__(self, vm: Any, obj: Any, h: int) -> None:
        self.vm = vm
        self.obj = obj
        self.h = h

    def __hash__(self) -> int:
        return self.h

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UserKey):
            return False
        return self.obj is other.obj or bool(self.vm.truthy(
            self.vm.send(self.obj, "eql?", other.obj)))
