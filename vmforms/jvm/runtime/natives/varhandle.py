"""VarHandles for fields and array elements (JDK 9+ java.lang.invoke.VarHandle, JLS
15.12.4.4 signature polymorphism): the library's atomics and java.util.concurrent use
them. Lookup.findVarHandle and friends return a VarHandle object whose host payload
names the variable; a call of one of its access modes is linked to a host function."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.natives import override
from vmforms.jvm.runtime.values import i32, i64

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass, JMethod
    from vmforms.jvm.runtime.vm import JThread

VH = "java/lang/invoke/VarHandle"
_lock = threading.RLock()
_LOOKUP = "java/lang/invoke/MethodHandles$Lookup"


class Variable:
    """Where a VarHandle points: an instance field slot, a static field, or array
    elements; `kind` is the variable's type descriptor letter."""

    def __init__(self, where: str, kind: str, slot: int = 0, statics: Any = None,
                 name: str = "") -> None:
        self.where = where
        self.kind = kind
        self.slot = slot
        self.statics = statics
        self.name = name

    def split(self, vals: list[Any]) -> tuple[Any, Any, list[Any]]:
        """(container, key, remaining values) for the coordinates at the front of `vals`."""
        if self.where == "field":
            return vals[0].fields, self.slot, vals[1:]
        if self.where == "static":
            return self.statics, self.name, vals
        arr: JArray = vals[0]
        i = vals[1]
        if not 0 <= i < len(arr.data):
            raise IndexError(i, len(arr.data))
        return arr.data, i, vals[2:]


def _handle(th: JThread, var: Variable) -> JObject:
    k = th.vm.load(VH, th)
    obj = JObject(k, list(k.slot_defaults))
    obj.native = var
    return obj


def _kind(mirror: JObject) -> str:
    k: JClass = mirror.native
    return k.primitive or "L"


@override(_LOOKUP, "findVarHandle(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/Class;)"
                   "Ljava/lang/invoke/VarHandle;")
def _find_var_handle(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.resolve import find_field

    vm = th.vm
    k: JClass = a[1].native
    name = vm.to_str(a[2])
    owner = find_field(k, name)
    if owner is None:
        vm.throw(th, "java/lang/NoSuchFieldException", name)
    assert owner is not None
    return _handle(th, Variable("field", _kind(a[3]), slot=owner.field_slots[name]))


@override(_LOOKUP, "findStaticVarHandle(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/Class;)"
                   "Ljava/lang/invoke/VarHandle;")
def _find_static_var_handle(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.resolve import find_field

    vm = th.vm
    name = vm.to_str(a[2])
    owner = find_field(a[1].native, name)
    if owner is None:
        vm.throw(th, "java/lang/NoSuchFieldException", name)
    assert owner is not None
    vm.initialize(owner, th)
    return _handle(th, Variable("static", _kind(a[3]), statics=owner.statics, name=name))


@override("java/lang/invoke/MethodHandles",
          "arrayElementVarHandle(Ljava/lang/Class;)Ljava/lang/invoke/VarHandle;")
def _array_var_handle(th: JThread, a: list[Any]) -> Any:
    comp = a[0].native.component
    return _handle(th, Variable("array", comp.primitive or "L"))


def _same(x: Any, y: Any) -> bool:
    return x is y if isinstance(x, JObject) or isinstance(y, JObject) else x == y


def _wrap(kind: str, v: Any) -> Any:
    return i64(v) if kind == "J" else i32(v) if kind in "IBSC" else v


def access(name: str) -> Any:
    """The host function of access mode `name` over (variable, values)."""
    base = name.replace("Volatile", "").replace("Acquire", "").replace("Release", "") \
        .replace("Opaque", "").replace("Plain", "")

    def run(var: Variable, vals: list[Any]) -> Any:
        box, key, rest = var.split(vals)
        if base == "get":
            return box[key]
        if base == "set":
            box[key] = rest[0]
            return None
        with _lock:
            cur = box[key]
            if base in ("compareAndSet", "weakCompareAndSet"):
                if _same(cur, rest[0]):
                    box[key] = rest[1]
                    return 1
                return 0
            if base == "compareAndExchange":
                if _same(cur, rest[0]):
                    box[key] = rest[1]
                return cur
            if base == "getAndSet":
                box[key] = rest[0]
            elif base == "getAndAdd":
                box[key] = _wrap(var.kind, cur + rest[0])
            elif base == "getAndBitwiseOr":
                box[key] = cur | rest[0]
            elif base == "getAndBitwiseAnd":
                box[key] = cur & rest[0]
            elif base == "getAndBitwiseXor":
                box[key] = cur ^ rest[0]
            else:
                raise NotImplementedError(name)
            return cur

    return run


def link_access(th: JThread, t: JMethod, desc: str) -> Any:
    """A call site (th, slot args) for VarHandle.`t.name` with call-site type `desc`."""
    from vmforms.jvm.runtime.natives.invoke import values_of

    run = access(t.name)
    full = "(L" + VH + ";" + desc[1:]

    def site(th: JThread, slots: list[Any]) -> Any:
        vals = values_of(full, slots)
        vh = vals[0]
        if vh is None:
            raise AttributeError("'NoneType' VarHandle")
        return run(vh.native, vals[1:])

    return site
