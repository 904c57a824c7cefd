"""invokedynamic (JVMS 6.5.invokedynamic, 5.4.3.6) for the bootstraps javac 17 emits,
linked natively instead of running java.lang.invoke in bytecode:
StringConcatFactory.makeConcatWithConstants, LambdaMetafactory.metafactory and
altMetafactory, and ObjectMethods.bootstrap (records' toString/equals/hashCode)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.attributes import BootstrapMethodsAttribute
from vmforms.jvm.classfile.classfile import MethodInfo
from vmforms.jvm.classfile.constants import (
    ConstantClass,
    ConstantInteger,
    ConstantInvokeDynamic,
    ConstantMethodHandle,
    ConstantMethodType,
    ConstantString,
)
from vmforms.jvm.javafloat import double_to_string, float_to_string
from vmforms.jvm.runtime.heap import JObject
from vmforms.jvm.runtime.klass import JClass, JMethod, parse_arguments
from vmforms.jvm.runtime.resolve import member_ref
from vmforms.jvm.runtime.values import double_to_raw_bits, float_to_raw_bits, i32
from vmforms.jvm.runtime.vm import spread_slots

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

Site = Callable[["JThread", list[Any]], Any]
_lambda_ids = itertools.count(14)


def signature_polymorphic(th: JThread, k: JClass, index: int,
                          t: JMethod) -> tuple[Any, ...] | None:
    """A quick instruction for a signature-polymorphic call (JVMS 2.9.3): VarHandle access
    modes and MethodHandle.invoke/invokeExact are linked to host functions."""
    owner = t.klass.name
    if not t.is_native or owner not in ("java/lang/invoke/VarHandle",
                                        "java/lang/invoke/MethodHandle"):
        return None
    from vmforms.jvm.interp.decode import INVOKEDYNAMIC_Q

    _, _, desc, _ = member_ref(k, index)
    if owner == "java/lang/invoke/MethodHandle":
        if t.name not in ("invoke", "invokeExact"):
            return None
        from vmforms.jvm.runtime.natives.methodhandles import link_invoke

        site = link_invoke(th, t, desc)
    else:
        from vmforms.jvm.runtime.natives.varhandle import link_access

        site = link_access(th, t, desc)
    return (INVOKEDYNAMIC_Q, (site, _slots(desc) + 1, _ret_slots(desc)), 0)


def method_constant(th: JThread, k: JClass, index: int) -> Any:
    """The value of ldc of a CONSTANT_MethodType or CONSTANT_MethodHandle (JVMS 5.4.3.5)."""
    from vmforms.jvm.runtime.natives.methodhandles import constant_handle, method_type

    assert k.cf is not None
    cp = k.cf.constant_pool
    e = cp.entry(index)
    if isinstance(e, ConstantMethodType):
        return method_type(th, cp.utf8(e.descriptor_index))
    assert isinstance(e, ConstantMethodHandle)
    owner, name, desc, _ = member_ref(k, e.reference_index)
    return constant_handle(th, e.reference_kind, owner, name, desc)


def _slots(desc: str) -> int:
    args, _ = parse_arguments(desc)
    return sum(2 if a in ("J", "D") else 1 for a in args)


def _ret_slots(desc: str) -> int:
    r = desc[desc.index(")") + 1:]
    return 0 if r == "V" else 2 if r in ("J", "D") else 1


def values_of(desc: str, slots: list[Any]) -> list[Any]:
    """Drop the None halves of longs and doubles from arguments in slot form."""
    args, _ = parse_arguments(desc)
    out = []
    i = 0
    for a in args:
        out.append(slots[i])
        i += 2 if a in ("J", "D") else 1
    return out


def to_java_string(th: JThread, desc: str, v: Any) -> str:
    """String.valueOf for a value of type `desc`."""
    c = desc[0]
    if c == "I" or c == "J" or c == "S" or c == "B":
        return str(v)
    if c == "Z":
        return "true" if v else "false"
    if c == "C":
        return chr(v)
    if c == "F":
        return float_to_string(float_to_raw_bits(v) & 0xFFFFFFFF)
    if c == "D":
        return double_to_string(double_to_raw_bits(v) & 0xFFFFFFFFFFFFFFFF)
    if v is None:
        return "null"
    vm = th.vm
    if v.klass.name == "java/lang/String":
        return vm.to_str(v)
    s = vm.call_virtual(th, v, "toString", "()Ljava/lang/String;")
    return vm.to_str(s)


def link_call_site(th: JThread, k: JClass, index: int) -> tuple[Site, int, int]:
    vm = th.vm
    assert k.cf is not None
    cp = k.cf.constant_pool
    e = cp.get(index, ConstantInvokeDynamic)
    name, desc = cp.name_and_type(e.name_and_type_index)
    bsms = k.cf.attribute(BootstrapMethodsAttribute)
    assert bsms is not None
    bsm = bsms.bootstrap_methods[e.bootstrap_method_attr_index]
    mh = cp.get(bsm.bootstrap_method_ref, ConstantMethodHandle)
    owner, bname, _, _ = member_ref(k, mh.reference_index)
    statics = [cp.entry(i) for i in bsm.bootstrap_arguments]
    ns, rs = _slots(desc), _ret_slots(desc)
    if owner == "java/lang/invoke/StringConcatFactory":
        return _concat(th, k, desc, statics), ns, rs
    if owner == "java/lang/invoke/LambdaMetafactory":
        return _lambda(th, k, name, desc, statics, bname == "altMetafactory"), ns, rs
    if owner == "java/lang/runtime/ObjectMethods":
        return _object_methods(th, k, name, desc, statics), ns, rs
    vm.throw(th, "java/lang/BootstrapMethodError",
             f"bootstrap method {owner}.{bname} is not supported")
    raise AssertionError


def _concat(th: JThread, k: JClass, desc: str, statics: list[Any]) -> Site:
    assert k.cf is not None
    cp = k.cf.constant_pool
    if statics:
        recipe = cp.utf8(statics[0].string_index)
    else:
        recipe = "\1" * len(parse_arguments(desc)[0])
    consts = []
    for c in statics[1:]:
        if isinstance(c, ConstantString):
            consts.append(cp.utf8(c.string_index))
        elif isinstance(c, ConstantInteger):
            consts.append(str(c.value))
        else:
            consts.append(str(c))
    args, _ = parse_arguments(desc)
    # Split the recipe into literal text and argument/constant references once.
    parts: list[tuple[int, Any]] = []
    ai = ci = 0
    lit: list[str] = []
    for ch in recipe:
        if ch == "\1":
            if lit:
                parts.append((0, "".join(lit)))
                lit = []
            parts.append((1, (ai, args[ai])))
            ai += 1
        elif ch == "\2":
            lit.append(consts[ci])
            ci += 1
        else:
            lit.append(ch)
    if lit:
        parts.append((0, "".join(lit)))

    def site(th: JThread, slots: list[Any]) -> Any:
        vals = values_of(desc, slots)
        out = []
        for kind, p in parts:
            if kind == 0:
                out.append(p)
            else:
                out.append(to_java_string(th, p[1], vals[p[0]]))
        return th.vm.new_string("".join(out))

    return site


def _handle(th: JThread, k: JClass, c: Any) -> tuple[int, JMethod]:
    owner, name, desc, _ = member_ref(k, c.reference_index)
    vm = th.vm
    target = vm.load(owner, th)
    m = target.find_method(name + desc)
    if m is None:
        vm.throw(th, "java/lang/NoSuchMethodError", f"{owner}.{name}{desc}")
    assert m is not None
    return c.reference_kind, m


def _convert(th: JThread, v: Any, src: str, dst: str) -> Any:
    """Adapt a value between the interface's and the implementation's types (boxing,
    unboxing and primitive widening, as LambdaMetafactory's adapters do)."""
    if src == dst:
        return v
    sp, dp = src[0] not in "L[", dst[0] not in "L["
    from vmforms.jvm.runtime.natives.reflect import box, unbox

    if sp and dp:
        if dst in ("F", "D") and src not in ("F", "D"):
            return float(v)
        return v
    if sp and not dp:
        return box(th, src, v)
    if dp and not sp:
        if v is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        name = v.klass.name
        prim = _UNBOX_OF.get(name)
        if prim is None:
            return unbox(th, dst, v)
        val = unbox(th, prim, v)
        return float(val) if dst in ("F", "D") and prim not in ("F", "D") else val
    return v


_UNBOX_OF = {"java/lang/Integer": "I", "java/lang/Long": "J", "java/lang/Short": "S",
             "java/lang/Byte": "B", "java/lang/Character": "C", "java/lang/Boolean": "Z",
             "java/lang/Float": "F", "java/lang/Double": "D"}


def _lambda(th: JThread, k: JClass, name: str, desc: str, statics: list[Any],
            alt: bool) -> Site:
    vm = th.vm
    assert k.cf is not None
    cp = k.cf.constant_pool
    sam_desc = cp.utf8(statics[0].descriptor_index)
    kind, impl = _handle(th, k, statics[1])
    inst_desc = cp.utf8(statics[2].descriptor_index)
    captured_types, iface_ret = parse_arguments(desc)
    iface = vm.load(iface_ret[1:-1], th)
    interfaces = [iface]
    bridges: list[str] = []
    if alt:
        flags = statics[3].value
        i = 4
        if flags & 1:  # FLAG_SERIALIZABLE
            interfaces.append(vm.load("java/io/Serializable", th))
        if flags & 2:  # FLAG_MARKERS
            count = statics[i].value
            interfaces += [vm.load(cp.class_name(_idx(cp, statics[j])), th)
                           for j in range(i + 1, i + 1 + count)]
            i += 1 + count
        if flags & 4:  # FLAG_BRIDGES
            count = statics[i].value
            bridges = [cp.utf8(statics[j].descriptor_index)
                       for j in range(i + 1, i + 1 + count)]
    lname = f"{k.name}$$Lambda${next(_lambda_ids)}"
    lk = JClass(lname, None, vm.load("java/lang/Object", th), interfaces)
    lk.access = 0x1030
    lk.state = 2
    from vmforms.jvm.runtime.natives.dynamic import make_hidden
    from vmforms.jvm.runtime.natives.reflect import nest_host

    make_hidden(lk, nest_host(th, k))  # HotSpot spins them as hidden nestmates
    inst_args, inst_ret = parse_arguments(inst_desc)
    impl_params = list(impl.args)
    if not impl.is_static and kind != 8:
        impl_params = [f"L{impl.klass.name};", *impl_params]
    impl_ret = impl.ret if kind != 8 else f"L{impl.klass.name};"
    ncap = len(captured_types)
    # Its instances hold the captured values as fields would (natively here).
    lk.heap = vm.heap
    lk.module = k.module
    lk.instance_size = max(16, (12 + 4 * ncap + 7) & -8)

    def make_body(sdesc: str) -> Callable[[JThread, list[Any]], Any]:
        s_args, s_ret = parse_arguments(sdesc)

        def body(th: JThread, slots: list[Any]) -> Any:
            this = slots[0]
            vals = list(this.native) + values_of(sdesc, slots[1:])
            types = list(captured_types) + s_args
            conv = [_convert(th, v, t, p) for v, t, p in zip(vals, types, impl_params,
                                                                strict=True)]
            vm_ = th.vm
            if kind == 8:  # REF_newInvokeSpecial
                vm_.initialize(impl.klass, th)
                obj = impl.klass.new_instance()
                vm_.invoke(th, impl, spread_slots(["L;", *impl_params], [obj, *conv]))
                r: Any = obj
            elif kind in (5, 9) and not impl.access & 0x0002:
                recv = conv[0]
                if recv is None:
                    vm_.throw(th, "java/lang/NullPointerException")
                m = recv.klass.select_virtual(impl.key) or impl
                r = vm_.invoke(th, m, spread_slots(impl_params, conv))
            else:
                if impl.is_static:
                    vm_.initialize(impl.klass, th)
                r = vm_.invoke(th, impl, spread_slots(impl_params, conv))
            if s_ret == "V":
                return None
            return _convert(th, r, impl_ret, s_ret)

        return body

    for d in [sam_desc, *bridges, inst_desc]:
        mi = MethodInfo(0x0001, name, d, ())
        jm = JMethod(lk, mi)
        jm.native = make_body(d)
        lk.methods.setdefault(jm.key, jm)
    _ = inst_args, inst_ret
    singleton: list[JObject] = []

    def site(th: JThread, slots: list[Any]) -> Any:
        if ncap == 0 and singleton:
            return singleton[0]
        obj = JObject(lk, [])
        obj.native = values_of(desc, slots)
        if ncap == 0:
            singleton.append(obj)
        return obj

    vm.classes[lname] = lk
    return site


def _idx(cp: Any, c: Any) -> int:
    for i, e in enumerate(cp.entries):
        if e is c:
            return i
    raise KeyError(c)


def _object_methods(th: JThread, k: JClass, name: str, desc: str, statics: list[Any]) -> Site:
    assert k.cf is not None
    cp = k.cf.constant_pool
    rec_cls = th.vm.load(cp.class_name(_idx(cp, statics[0])), th)
    names_c = statics[1]
    names = cp.utf8(names_c.string_index).split(";") if isinstance(names_c, ConstantString) \
        else []
    names = [n for n in names if n]
    getters = []
    for g in statics[2:]:
        owner, fname, fdesc, _ = member_ref(k, g.reference_index)
        getters.append((rec_cls.field_slots[fname], fdesc))

    if name == "toString":
        vm = th.vm  # ObjectMethods names the record by Class.getSimpleName (local records)
        simple = vm.to_str(vm.call_virtual(th, vm.mirror(rec_cls), "getSimpleName",
                                           "()Ljava/lang/String;"))

        def to_string(th: JThread, slots: list[Any]) -> Any:
            obj = slots[0]
            parts = [f"{n}={to_java_string(th, d, obj.fields[s])}"
                     for n, (s, d) in zip(names, getters, strict=True)]
            return th.vm.new_string(f"{simple}[{', '.join(parts)}]")

        return to_string
    if name == "hashCode":
        def hash_code(th: JThread, slots: list[Any]) -> Any:
            obj = slots[0]
            h = 0
            for s, d in getters:
                h = i32(h * 31 + value_hash(th, d, obj.fields[s]))
            return h

        return hash_code

    def equals(th: JThread, slots: list[Any]) -> Any:
        a, b = slots[0], slots[1]
        if a is b:
            return 1
        if b is None or b.klass is not a.klass:
            return 0
        for s, d in getters:
            x, y = a.fields[s], b.fields[s]
            if d in ("F", "D"):
                bits = float_to_raw_bits if d == "F" else double_to_raw_bits
                if not ((x != x and y != y) or bits(x) == bits(y)):
                    return 0
            elif d[0] not in "L[":
                if x != y:
                    return 0
            elif x is not y:
                if x is None or y is None:
                    return 0
                if not th.vm.call_virtual(th, x, "equals", "(Ljava/lang/Object;)Z", y):
                    return 0
        return 1

    return equals


def value_hash(th: JThread, d: str, v: Any) -> int:
    c = d[0]
    if c in "IBSC":
        return int(v)
    if c == "Z":
        return 1231 if v else 1237
    if c == "J":
        return i32(v ^ ((v & 0xFFFFFFFFFFFFFFFF) >> 32))
    if c == "F":
        return 0x7FC00000 if v != v else float_to_raw_bits(v)
    if c == "D":
        bits = 0x7FF8000000000000 if v != v else double_to_raw_bits(v)
        return i32(bits ^ ((bits & 0xFFFFFFFFFFFFFFFF) >> 32))
    if v is None:
        return 0
    return int(th.vm.call_virtual(th, v, "hashCode", "()I"))


__all__ = ["link_call_site", "ConstantClass", "ConstantMethodType"]


# -- dynamically-computed constants (JVMS 5.4.3.6, CONSTANT_Dynamic) ---------------------

_FULL_POWER = 0x5F  # Lookup: PUBLIC | PRIVATE | PROTECTED | PACKAGE | MODULE | ORIGINAL


def dynamic_constant(th: JThread, k: JClass, index: int) -> Any:
    """The value of a CONSTANT_Dynamic: its bootstrap method called with a full-power
    lookup on `k`, the constant's name and type, and the static arguments; a primitive
    result is unboxed, as ldc and ldc2_w push it."""
    from vmforms.jvm.classfile.constants import (
        ConstantDouble,
        ConstantDynamic,
        ConstantFloat,
        ConstantLong,
    )
    from vmforms.jvm.runtime.natives.methodhandles import invoke_with
    from vmforms.jvm.runtime.natives.reflect import box, unbox
    from vmforms.jvm.runtime.resolve import resolve_constant
    from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

    vm = th.vm
    assert k.cf is not None
    cp = k.cf.constant_pool
    e = cp.get(index, ConstantDynamic)
    name, desc = cp.name_and_type(e.name_and_type_index)
    bsms = k.cf.attribute(BootstrapMethodsAttribute)
    if bsms is None:
        vm.throw(th, "java/lang/ClassFormatError", f"{k.java_name}: no BootstrapMethods")
    assert bsms is not None
    bsm = bsms.bootstrap_methods[e.bootstrap_method_attr_index]
    handle = resolve_constant(th, k, bsm.bootstrap_method_ref)
    lookup_class = vm.load("java/lang/invoke/MethodHandles$Lookup", th)
    vm.initialize(lookup_class, th)
    lookup = lookup_class.new_instance()
    slots = lookup_class.field_slots
    lookup.fields[slots["lookupClass"]] = vm.mirror(k)
    lookup.fields[slots["allowedModes"]] = _FULL_POWER
    if desc in ("Z", "B", "C", "S", "I", "J", "F", "D"):
        type_class = vm.primitive_class(desc)
    else:
        type_class = vm.load_for(k, desc[1:-1] if desc[0] == "L" else desc, th)
    args: list[Any] = [lookup, vm.intern(name), vm.mirror(type_class)]
    for i in bsm.bootstrap_arguments:
        c = cp.entry(i)
        if isinstance(c, ConstantInteger):
            args.append(box(th, "I", c.value))
        elif isinstance(c, ConstantLong):
            args.append(box(th, "J", c.value))
        elif isinstance(c, ConstantFloat):
            args.append(box(th, "F", bits_to_float(c.bits)))
        elif isinstance(c, ConstantDouble):
            args.append(box(th, "D", bits_to_double(c.bits)))
        else:
            args.append(resolve_constant(th, k, i))
    result = invoke_with(th, handle.native, args)
    return unbox(th, desc, result)
