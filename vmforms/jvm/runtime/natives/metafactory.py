"""LambdaMetafactory called by a program (not through invokedynamic): the factory
handle of the returned CallSite makes instances of a class built by the VM, as
invoke.py does for lambda call sites, whose interface method runs the implementation
handle with the captured values in front."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.classfile import MethodInfo
from vmforms.jvm.runtime.heap import JObject
from vmforms.jvm.runtime.klass import INITIALIZED, JClass, JMethod, parse_arguments
from vmforms.jvm.runtime.natives import override
from vmforms.jvm.runtime.natives.methodhandles import (
    Handle,
    as_type,
    handle_of,
    new_handle,
    type_desc,
    unspread,
)

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

LMF = "java/lang/invoke/LambdaMetafactory"
_SIG = ("(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;"
        "Ljava/lang/invoke/MethodType;")


def functional_class(th: JThread, caller: JClass, interfaces: list[JClass], name: str,
                     descs: list[str], impl: Handle, captured: list[str]) -> JClass:
    """A class implementing `interfaces` whose method `name` (for each descriptor in
    `descs`) calls `impl` with an instance's captured values and the arguments."""
    from vmforms.jvm.runtime.natives.invoke import _lambda_ids

    vm = th.vm
    lname = f"{caller.name}$$Lambda${next(_lambda_ids)}"
    lk = JClass(lname, None, vm.load("java/lang/Object", th), interfaces)
    lk.access = 0x1030
    lk.state = INITIALIZED
    from vmforms.jvm.runtime.natives.dynamic import make_hidden
    from vmforms.jvm.runtime.natives.reflect import nest_host

    make_hidden(lk, nest_host(th, caller))  # HotSpot spins them as hidden nestmates
    lk.heap = vm.heap
    lk.module = caller.module
    lk.instance_size = max(16, (12 + 4 * len(captured) + 7) & -8)
    for d in descs:
        args, ret = parse_arguments(d)
        call = as_type(th, impl, "(" + "".join(captured) + "".join(args) + ")" + ret)

        def body(th: JThread, slots: list[Any], args: list[str] = args, call: Any = call) -> Any:
            return call(th, list(slots[0].native) + unspread(args, slots[1:]))

        jm = JMethod(lk, MethodInfo(0x0001, name, d, ()))
        jm.native = body
        lk.methods.setdefault(jm.key, jm)
    vm.classes[lname] = lk
    return lk


def _call_site(th: JThread, a: list[Any], bridges: list[str], markers: list[JClass]) -> Any:
    vm = th.vm
    lookup, name, factory = a[0], vm.to_str(a[1]), type_desc(a[2])
    caller: JClass = lookup.fields[lookup.klass.field_slots["lookupClass"]].native
    captured, iface_desc = parse_arguments(factory)
    if iface_desc[0] != "L":
        vm.throw(th, "java/lang/invoke/LambdaConversionException",
                 f"Functional interface {iface_desc} is not an interface")
    iface = vm.load(iface_desc[1:-1], th)
    sam, impl, inst = type_desc(a[3]), handle_of(th, a[4]), type_desc(a[5])
    descs = list(dict.fromkeys([sam, inst, *bridges]))
    lk = functional_class(th, caller, [iface, *markers], name, descs, impl, captured)
    singleton: list[JObject] = []

    def make(th: JThread, vals: list[Any]) -> Any:
        if not captured and singleton:
            return singleton[0]
        obj = JObject(lk, [])
        obj.native = list(vals)
        if not captured:
            singleton.append(obj)
        return obj

    target = new_handle(th, make, factory, a[2])
    return vm.new_object(th, "java/lang/invoke/ConstantCallSite",
                         "(Ljava/lang/invoke/MethodHandle;)V", [target])


@override(LMF, "metafactory" + _SIG + "Ljava/lang/invoke/MethodType;"
          "Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
          "Ljava/lang/invoke/CallSite;")
def _metafactory(th: JThread, a: list[Any]) -> Any:
    return _call_site(th, a, [], [])


@override(LMF, "altMetafactory" + _SIG + "[Ljava/lang/Object;)Ljava/lang/invoke/CallSite;")
def _alt_metafactory(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    extra = list(a[3].data)
    flags = vm.call_virtual(th, extra[3], "intValue", "()I")
    i = 4
    markers: list[JClass] = []
    bridges: list[str] = []
    if flags & 1:  # FLAG_SERIALIZABLE
        markers.append(vm.load("java/io/Serializable", th))
    if flags & 2:  # FLAG_MARKERS
        n = vm.call_virtual(th, extra[i], "intValue", "()I")
        markers += [m.native for m in extra[i + 1:i + 1 + n]]
        i += 1 + n
    if flags & 4:  # FLAG_BRIDGES
        n = vm.call_virtual(th, extra[i], "intValue", "()I")
        bridges = [type_desc(t) for t in extra[i + 1:i + 1 + n]]
    return _call_site(th, [a[0], a[1], a[2], *extra[:3]], bridges, markers)
