"""Natives of java.lang.reflect.Array: creation, length, and element access with the
widening conversions of JLS 5.1.2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray
from vmforms.jvm.runtime.natives import native
from vmforms.jvm.runtime.natives.reflect import box, unbox

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

ARR = "java/lang/reflect/Array"


def _array_desc(k: JClass) -> str:
    if k.primitive:
        return "[" + k.primitive
    if k.is_array:
        return "[" + k.name
    return f"[L{k.name};"


@native(ARR, "newArray(Ljava/lang/Class;I)Ljava/lang/Object;")
def _new_array(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.interp.link import new_array, vm_exception

    k: JClass = a[0].native
    if k.primitive == "V":
        vm_exception(th, "java/lang/IllegalArgumentException", None)
    if a[1] < 0:
        vm_exception(th, "java/lang/NegativeArraySizeException", str(a[1]))
    return new_array(th, _array_desc(k), [a[1]])


@native(ARR, "multiNewArray(Ljava/lang/Class;[I)Ljava/lang/Object;")
def _multi_new_array(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.interp.link import new_multi_array

    dims = list(a[1].data)
    desc = "[" * (len(dims) - 1) + _array_desc(a[0].native)
    return new_multi_array(th, a[0].native, desc, dims)


@native(ARR, "getLength(Ljava/lang/Object;)I")
def _array_length(th: JThread, a: list[Any]) -> Any:
    if a[0] is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    if not isinstance(a[0], JArray):
        th.vm.throw(th, "java/lang/IllegalArgumentException", "Argument is not an array")
    return len(a[0].data)


@native(ARR, "get(Ljava/lang/Object;I)Ljava/lang/Object;")
def _array_get(th: JThread, a: list[Any]) -> Any:
    arr, i = a[0], a[1]
    if not 0 <= i < len(arr.data):
        th.vm.throw(th, "java/lang/ArrayIndexOutOfBoundsException",
                    f"Index {i} out of bounds for length {len(arr.data)}")
    return box(th, arr.klass.element, arr.data[i])


@native(ARR, "set(Ljava/lang/Object;ILjava/lang/Object;)V")
def _array_set(th: JThread, a: list[Any]) -> Any:
    arr, i, v = a[0], a[1], a[2]
    if not 0 <= i < len(arr.data):
        th.vm.throw(th, "java/lang/ArrayIndexOutOfBoundsException",
                    f"Index {i} out of bounds for length {len(arr.data)}")
    arr.data[i] = unbox(th, arr.klass.element, v)


# The primitive types each one widens to (JLS 5.1.2), itself included.
_WIDER = {"Z": "Z", "B": "BSIJFD", "S": "SIJFD", "C": "CIJFD", "I": "IJFD", "J": "JFD",
          "F": "FD", "D": "D"}
_NAMES = {"Boolean": "Z", "Byte": "B", "Char": "C", "Short": "S", "Int": "I", "Long": "J",
          "Float": "F", "Double": "D"}


def _checked(th: JThread, arr: Any, i: int) -> JArray:
    if arr is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    if not isinstance(arr, JArray):
        th.vm.throw(th, "java/lang/IllegalArgumentException", "Argument is not an array")
    if not 0 <= i < len(arr.data):
        th.vm.throw(th, "java/lang/ArrayIndexOutOfBoundsException",
                    f"Index {i} out of bounds for length {len(arr.data)}")
    checked: JArray = arr
    return checked


def _typed_get(want: str) -> Any:
    def get(th: JThread, a: list[Any]) -> Any:
        arr = _checked(th, a[0], a[1])
        have = arr.klass.element
        if have not in _WIDER or want not in _WIDER[have]:
            th.vm.throw(th, "java/lang/IllegalArgumentException", "argument type mismatch")
        v = arr.data[a[1]]
        return float(v) if want in "FD" else v
    return get


def _typed_set(have: str) -> Any:
    def put(th: JThread, a: list[Any]) -> Any:
        arr = _checked(th, a[0], a[1])
        want = arr.klass.element
        if want not in _WIDER or want not in _WIDER[have]:
            th.vm.throw(th, "java/lang/IllegalArgumentException", "argument type mismatch")
        v = a[2]
        arr.data[a[1]] = float(v) if want in "FD" else v
    return put


for _n, _d in _NAMES.items():
    native(ARR, f"get{_n}(Ljava/lang/Object;I){_d}")(_typed_get(_d))
    native(ARR, f"set{_n}(Ljava/lang/Object;I{_d})V")(_typed_set(_d))
