"""VarHandles for fields and array elements (JDK 9+ java.lang.invoke.VarHandle, JLS
15.12.4.4 signature polymorphism): the library's atomics and java.util.concurrent use
them. Lookup.findVarHandle and friends return a VarHandle object whose host payload
names the variable; a call of one of its access modes is linked to a host function."""

from __future__ import annotations

import struct
import threading
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.natives import override

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
        self.var_type: JObject | None = None
        self.coordinates: list[JObject] = []
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
        if self.where == "bytes":
            view = ByteView(arr.data, self.statics)
            if not 0 <= i <= len(arr.data) - view.size:
                raise IndexError(i, len(arr.data) - view.size + 1)
            return view, i, vals[2:]
        if not 0 <= i < len(arr.data):
            raise IndexError(i, len(arr.data))
        return arr.data, i, vals[2:]


_VIEW_FORMATS = {"S": "h", "C": "H", "I": "i", "J": "q", "F": "f", "D": "d"}


class ByteView:
    """The elements of a byte[] seen as wider values (byteArrayViewVarHandle)."""

    def __init__(self, data: list[int], fmt: str) -> None:
        self.data = data
        self.fmt = fmt
        self.size = struct.calcsize(fmt)

    def __getitem__(self, i: int) -> Any:
        raw = bytes(b & 0xFF for b in self.data[i:i + self.size])
        return struct.unpack(self.fmt, raw)[0]

    def __setitem__(self, i: int, v: Any) -> None:
        raw = struct.pack(self.fmt, v)
        self.data[i:i + self.size] = [b - 256 if b > 127 else b for b in raw]


def _handle(th: JThread, var: Variable, var_type: JObject | None = None,
            coordinates: tuple[Any, ...] = ()) -> JObject:
    var.var_type = var_type
    var.coordinates = list(coordinates)
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
    return _handle(th, Variable("field", _kind(a[3]), slot=owner.field_slots[name]), a[3],
                   (a[1],))


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
    return _handle(th, Variable("static", _kind(a[3]), statics=owner.statics, name=name), a[3])


@override("java/lang/invoke/MethodHandles",
          "arrayElementVarHandle(Ljava/lang/Class;)Ljava/lang/invoke/VarHandle;")
def _array_var_handle(th: JThread, a: list[Any]) -> Any:
    comp = a[0].native.component
    int_mirror = th.vm.mirror(th.vm.primitive_class("I"))
    return _handle(th, Variable("array", comp.primitive or "L"), th.vm.mirror(comp),
                   (a[0], int_mirror))


@override("java/lang/invoke/MethodHandles",
          "byteArrayViewVarHandle(Ljava/lang/Class;Ljava/nio/ByteOrder;)"
          "Ljava/lang/invoke/VarHandle;")
def _byte_view_var_handle(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    comp = a[0].native.component if a[0] is not None else None
    if comp is None or comp.primitive not in _VIEW_FORMATS:
        vm.throw(th, "java/lang/UnsupportedOperationException",
                 "Not a view array class")
    if a[1] is None:
        vm.throw(th, "java/lang/NullPointerException")
    assert comp is not None
    big = vm.to_str(vm.call_virtual(th, a[1], "toString", "()Ljava/lang/String;")) \
        == "BIG_ENDIAN"
    fmt = (">" if big else "<") + _VIEW_FORMATS[comp.primitive]
    int_mirror = vm.mirror(vm.primitive_class("I"))
    return _handle(th, Variable("bytes", comp.primitive, statics=fmt), vm.mirror(comp),
                   (vm.mirror(vm.load("[B", th)), int_mirror))


@override(_LOOKUP, "unreflectVarHandle(Ljava/lang/reflect/Field;)Ljava/lang/invoke/VarHandle;")
def _unreflect_var_handle(th: JThread, a: list[Any]) -> Any:
    f = a[1]
    s = f.klass.field_slots
    k: JClass = f.fields[s["clazz"]].native
    name = th.vm.to_str(f.fields[s["name"]])
    kind = _kind(f.fields[s["type"]])
    if f.fields[s["modifiers"]] & 0x0008:
        th.vm.initialize(k, th)
        return _handle(th, Variable("static", kind, statics=k.statics, name=name),
                       f.fields[s["type"]])
    return _handle(th, Variable("field", kind, slot=k.field_slots[name]), f.fields[s["type"]],
                   (f.fields[s["clazz"]],))


@override(VH, "varType()Ljava/lang/Class;")
def _var_type(th: JThread, a: list[Any]) -> Any:
    return a[0].native.var_type


@override(VH, "coordinateTypes()Ljava/util/List;")
def _coordinate_types(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    arr = vm.new_array("[Ljava/lang/Object;", list(a[0].native.coordinates))
    return vm.call_static(th, "java/util/List", "of", "([Ljava/lang/Object;)Ljava/util/List;", arr)


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
        # The lock orders the read-modify-writes among themselves; a plain write (a
        # putfield of the same volatile field takes no lock) cannot fall between the read
        # and the write, which `_update` makes with no call in between.
        with _lock:
            return _update(box, key, base, name, var.kind, rest)

    return run


def _update(box: Any, key: Any, base: str, name: str, kind: str, rest: list[Any]) -> Any:
    """A read-modify-write of box[key] that no other thread's code can interleave: the
    interpreter hands the GIL over only at calls and backward jumps, and there is neither
    from the read to the write (a byte[] view's items are methods: only the lock there)."""
    arg = rest[0]
    identity = arg.__class__ is not int and arg.__class__ is not float
    if base in ("compareAndSet", "weakCompareAndSet", "compareAndExchange"):
        new = rest[1]
        cur = box[key]
        if cur is arg or (not identity and cur == arg):
            box[key] = new
            return cur if base == "compareAndExchange" else 1
        return cur if base == "compareAndExchange" else 0
    if base == "getAndSet":
        cur = box[key]
        box[key] = arg
        return cur
    if base == "getAndAdd":
        bits = 64 if kind == "J" else 32
        if kind in "FD":
            cur = box[key]
            box[key] = cur + arg
            return cur
        half, mask = 1 << (bits - 1), (1 << bits) - 1
        cur = box[key]
        box[key] = ((cur + arg + half) & mask) - half
        return cur
    if base == "getAndBitwiseOr":
        cur = box[key]
        box[key] = cur | arg
        return cur
    if base == "getAndBitwiseAnd":
        cur = box[key]
        box[key] = cur & arg
        return cur
    if base == "getAndBitwiseXor":
        cur = box[key]
        box[key] = cur ^ arg
        return cur
    raise NotImplementedError(name)


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
        var = vh.native
        try:
            return run(var, vals[1:])
        except IndexError as exc:
            if len(exc.args) != 2:
                raise
            cls = "java/lang/IndexOutOfBoundsException" if var.where == "bytes" else \
                "java/lang/ArrayIndexOutOfBoundsException"
            th.vm.throw(th, cls, f"Index {exc.args[0]} out of bounds for length {exc.args[1]}")

    return site


@override(VH, "withInvokeExactBehavior()Ljava/lang/invoke/VarHandle;",
          "withInvokeBehavior()Ljava/lang/invoke/VarHandle;")
def _same_handle(th: JThread, a: list[Any]) -> Any:
    return a[0]


@override(VH, "hasInvokeExactBehavior()Z")
def _exact_behavior(th: JThread, a: list[Any]) -> Any:
    return 0
