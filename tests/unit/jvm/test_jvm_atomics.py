"""Compare-and-set and the other read-modify-writes of Unsafe and VarHandle, as Java
defines them: ints by value, references by identity, wrap-around of getAndAdd, the
value seen returned by compareAndExchange."""

from __future__ import annotations

from typing import Any

from vmforms.jvm.runtime.natives.unsafe import _compare_and_set
from vmforms.jvm.runtime.natives.varhandle import Variable, access


class _Obj:
    def __init__(self, *values: Any) -> None:
        self.fields: list[Any] = list(values)


def test_unsafe_compare_and_set_by_value_and_by_identity() -> None:
    a, b = _Obj(), _Obj()
    obj = _Obj(5, a, 1 << 40)
    assert _compare_and_set(None, obj, 0, 4, 9, 0, "") == (False, 5)  # type: ignore[arg-type]
    assert _compare_and_set(None, obj, 0, 5, 9, 0, "") == (True, 5)  # type: ignore[arg-type]
    assert obj.fields[0] == 9
    assert _compare_and_set(None, obj, 1, b, None, 0, "")[0] is False  # type: ignore[arg-type]
    assert _compare_and_set(None, obj, 1, a, b, 0, "") == (True, a)  # type: ignore[arg-type]
    assert obj.fields[1] is b
    big = (1 << 40) + 0  # an equal long that is another Python object
    assert _compare_and_set(None, obj, 2, big, -1, 8, "q") == (True, 1 << 40)  # type: ignore[arg-type]
    assert obj.fields[2] == -1


def test_varhandle_read_modify_writes() -> None:
    var = Variable("field", "I", slot=0)
    obj = _Obj(0x7FFFFFFF)
    assert access("getAndAdd")(var, [obj, 1]) == 0x7FFFFFFF
    assert obj.fields[0] == -0x80000000  # an int wraps around
    assert access("compareAndSet")(var, [obj, 0, 3]) == 0
    assert access("compareAndExchange")(var, [obj, -0x80000000, 3]) == -0x80000000
    assert access("getAndBitwiseOr")(var, [obj, 4]) == 3 and obj.fields[0] == 7
    assert access("getAndSet")(var, [obj, 1]) == 7 and obj.fields[0] == 1
    long_var = Variable("field", "J", slot=0)
    wide = _Obj((1 << 63) - 1)
    access("getAndAdd")(long_var, [wide, 1])
    assert wide.fields[0] == -(1 << 63)
    ref = Variable("field", "L", slot=0)
    x, y = _Obj(), _Obj()
    holder = _Obj(x)
    assert access("weakCompareAndSetVolatile")(ref, [holder, y, None]) == 0
    assert access("compareAndSet")(ref, [holder, x, y]) == 1 and holder.fields[0] is y
