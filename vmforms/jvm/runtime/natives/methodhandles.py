"""Method handles (java.lang.invoke, JVMS 5.4.3.5) linked natively: a MethodHandle is
an object of the library's class whose host payload (a Handle) is a function over
argument values, so LambdaForms and the classes they spin are never run. Lookup's
find* and unreflect* build direct handles; `invoke` and `invokeExact` call sites
(signature polymorphism, JVMS 2.9.3) adapt the call site's types with asType's rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JObject
from vmforms.jvm.runtime.klass import JClass, JMethod, parse_arguments
from vmforms.jvm.runtime.natives import override
from vmforms.jvm.runtime.resolve import find_field, is_assignable
from vmforms.jvm.runtime.vm import spread_slots

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

MH = "java/lang/invoke/MethodHandle"
MT = "java/lang/invoke/MethodType"
LOOKUP = "java/lang/invoke/MethodHandles$Lookup"
Fn = Callable[["JThread", list[Any]], Any]
_MT_ARGS = "(Ljava/lang/Class;[Ljava/lang/Class;)Ljava/lang/invoke/MethodType;"

_WIDER = {"Z": "Z", "B": "BSIJFD", "S": "SIJFD", "C": "CIJFD", "I": "IJFD", "J": "JFD",
          "F": "FD", "D": "D"}
WRAPPERS = {"Z": "java/lang/Boolean", "B": "java/lang/Byte", "C": "java/lang/Character",
            "S": "java/lang/Short", "I": "java/lang/Integer", "J": "java/lang/Long",
            "F": "java/lang/Float", "D": "java/lang/Double"}
_UNWRAP = {v: k for k, v in WRAPPERS.items()}


class Handle:
    """The host side of a MethodHandle: `fn` over argument values (a long or double is
    one value, not two slots) and the handle's type as a method descriptor."""

    __slots__ = ("fn", "desc", "args", "ret", "varargs")

    def __init__(self, fn: Fn, desc: str, varargs: bool = False) -> None:
        self.fn = fn
        self.desc = desc
        self.args, self.ret = parse_arguments(desc)
        self.varargs = varargs  # a variable-arity collector (asVarargsCollector)


# -- descriptors and MethodType objects ---------------------------------------------------

def descriptor_of(k: JClass) -> str:
    if k.primitive:
        return k.primitive
    return k.name if k.is_array else f"L{k.name};"


def class_of(th: JThread, d: str) -> JClass:
    vm = th.vm
    if d[0] == "L":
        return vm.load(d[1:-1], th)
    return vm.load(d, th) if d[0] == "[" else vm.primitive_class(d)


def type_desc(mt: JObject) -> str:
    """The method descriptor of a java.lang.invoke.MethodType."""
    s = mt.klass.field_slots
    f = mt.fields
    params = "".join(descriptor_of(p.native) for p in f[s["ptypes"]].data)
    return f"({params}){descriptor_of(f[s['rtype']].native)}"


def method_type(th: JThread, desc: str) -> JObject:
    vm = th.vm
    args, ret = parse_arguments(desc)
    ptypes = vm.new_array("[Ljava/lang/Class;", [vm.mirror(class_of(th, a)) for a in args])
    r: JObject = vm.call_static(th, MT, "methodType", _MT_ARGS,
                                vm.mirror(class_of(th, ret)), ptypes)
    return r


def type_text(th: JThread, desc: str) -> str:
    """MethodType.toString of `desc`, e.g. (int,String)void."""
    vm = th.vm
    return vm.to_str(vm.call_virtual(th, method_type(th, desc), "toString",
                                     "()Ljava/lang/String;"))


def new_handle(th: JThread, fn: Fn, desc: str, mt: JObject | None = None,
               varargs: bool = False) -> JObject:
    k = th.vm.load(MH, th)
    obj = k.new_instance()
    obj.fields[k.field_slots["type"]] = mt
    obj.native = Handle(fn, desc, varargs)
    return obj


def handle_of(th: JThread, obj: Any) -> Handle:
    if obj is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    h = obj.native
    if not isinstance(h, Handle):
        th.vm.throw(th, "java/lang/UnsupportedOperationException",
                    f"method handle of class {obj.klass.java_name}")
    return h  # type: ignore[no-any-return]


@override(MH, "type()Ljava/lang/invoke/MethodType;")
def _type(th: JThread, a: list[Any]) -> Any:
    obj = a[0]
    slot = obj.klass.field_slots["type"]
    mt = obj.fields[slot]
    if mt is None:
        mt = obj.fields[slot] = method_type(th, handle_of(th, obj).desc)
    return mt


@override(MH, "toString()Ljava/lang/String;")
def _to_string(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    text = vm.call_virtual(th, _type(th, a), "toString", "()Ljava/lang/String;")
    return vm.new_string("MethodHandle" + vm.to_str(text))


# -- conversions (MethodHandle.asType) -------------------------------------------------------

spread = spread_slots  # values into slot form (longs and doubles take two)


def unspread(descs: list[str], slots: list[Any]) -> list[Any]:
    out: list[Any] = []
    i = 0
    for d in descs:
        out.append(slots[i])
        i += 2 if d in ("J", "D") else 1
    return out


Conv = Callable[["JThread", Any], Any] | None


def _cast(th: JThread, v: Any, target: JClass) -> Any:
    if v is not None and not is_assignable(v.klass, target):
        from vmforms.jvm.interp.link import checkcast_slow

        checkcast_slow(th, v, target)
    return v


def converter(th: JThread, src: str, dst: str) -> Conv | bool:
    """How a value of type `src` becomes a `dst` under asType: None when nothing is
    needed, a function, or False when the conversion is not allowed."""
    from vmforms.jvm.runtime.natives.reflect import box, unbox

    if src == dst:
        return None
    if dst == "V":
        return lambda th, v: None
    if src == "V":
        zero: Any = None if dst[0] in "L[" else 0.0 if dst in "FD" else 0
        return lambda th, v: zero
    sp, dp = src[0] not in "L[", dst[0] not in "L["
    if sp and dp:
        if dst not in _WIDER[src]:
            return False
        return (lambda th, v: float(v)) if dst in "FD" and src not in "FD" else None
    if sp:
        wrapper = th.vm.load(WRAPPERS[src], th)
        target = class_of(th, dst)
        if not is_assignable(wrapper, target):
            return False
        return lambda th, v: box(th, src, v)
    if dp:
        name = src[1:-1] if src[0] == "L" else ""
        prim = _UNWRAP.get(name)
        if prim is not None:
            if dst not in _WIDER[prim]:
                return False
            fl = dst in "FD" and prim not in "FD"

            def unwrap(th: JThread, v: Any) -> Any:
                if v is None:
                    th.vm.throw(th, "java/lang/NullPointerException")
                r = unbox(th, prim, v)
                return float(r) if fl else r
            return unwrap
        srck = class_of(th, src)
        if not is_assignable(th.vm.load(WRAPPERS[dst], th), srck):
            return False
        wrapper_k = th.vm.load(WRAPPERS[dst], th)

        def cast_unwrap(th: JThread, v: Any) -> Any:
            if v is None:
                th.vm.throw(th, "java/lang/NullPointerException")
            _cast(th, v, wrapper_k)
            return unbox(th, dst, v)
        return cast_unwrap
    if dst == "Ljava/lang/Object;":
        return None
    target = class_of(th, dst)
    if target.is_interface:
        return None
    return lambda th, v: _cast(th, v, target)


def adapt(th: JThread, h: Handle, desc: str) -> Fn | None:
    """`h` seen with type `desc` (asType), or None when the types do not convert. A
    variable-arity handle collects trailing arguments into its array parameter."""
    if desc == h.desc:
        return h.fn
    args, ret = parse_arguments(desc)
    if h.varargs and h.args:
        last = h.args[-1]
        fixed = len(args) == len(h.args) and (
            args[-1] == last or args[-1][0] in "L[" and converter(th, args[-1], last) is None)
        if not fixed and len(args) >= len(h.args) - 1:
            from vmforms.jvm.runtime.natives.combinators import collect

            h = collect(th, h, len(h.args) - 1, len(args) - len(h.args) + 1)
    if len(args) != len(h.args):
        return None
    convs = [converter(th, s, d) for s, d in zip(args, h.args, strict=True)]
    rconv = converter(th, h.ret, ret)
    if rconv is False or any(c is False for c in convs):
        return None
    fn = h.fn
    pairs = [(i, c) for i, c in enumerate(convs) if c is not None]

    def adapted(th: JThread, vals: list[Any]) -> Any:
        if pairs:
            vals = list(vals)
            for i, c in pairs:
                vals[i] = c(th, vals[i])  # type: ignore[operator]
        r = fn(th, vals)
        return rconv(th, r) if rconv is not None else r  # type: ignore[operator]

    return adapted


def wrong_type(th: JThread, msg: str) -> None:
    th.vm.throw(th, "java/lang/invoke/WrongMethodTypeException", msg)


def as_type(th: JThread, h: Handle, desc: str) -> Fn:
    fn = adapt(th, h, desc)
    if fn is None:
        wrong_type(th, f"cannot convert MethodHandle{type_text(th, h.desc)} to "
                       f"{type_text(th, desc)}")
    assert fn is not None
    return fn


def link_invoke(th: JThread, t: JMethod, desc: str) -> Any:
    """The call site of MethodHandle.invoke/invokeExact with call-site type `desc`."""
    exact = t.name == "invokeExact"
    args, ret = parse_arguments(desc)
    full = ["L" + MH + ";", *args]
    cache: list[Any] = [None, None]

    def site(th: JThread, slots: list[Any]) -> Any:
        vals = unspread(full, slots)
        mh = vals[0]
        if mh is None:
            raise AttributeError("'NoneType' MethodHandle")
        h = mh.native
        if h.desc == desc:
            return h.fn(th, vals[1:])
        if exact:
            wrong_type(th, f"expected {type_text(th, h.desc)} but found {type_text(th, desc)}")
        if cache[0] is not h:
            cache[1] = as_type(th, h, desc)
            cache[0] = h
        return cache[1](th, vals[1:])

    return site


# -- direct handles ----------------------------------------------------------------------

def _static_fn(m: JMethod) -> Fn:
    def call(th: JThread, vals: list[Any]) -> Any:
        th.vm.initialize(m.klass, th)
        return th.vm.invoke(th, m, spread(m.args, vals))
    return call


def _virtual_fn(m: JMethod, special: bool) -> Fn:
    descs = ["L;", *m.args]

    def call(th: JThread, vals: list[Any]) -> Any:
        recv = vals[0]
        if recv is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        target = m if special else (recv.klass.select_virtual(m.key) or m)
        return th.vm.invoke(th, target, spread(descs, vals))
    return call


def _constructor_fn(m: JMethod) -> Fn:
    descs = ["L;", *m.args]

    def call(th: JThread, vals: list[Any]) -> Any:
        vm = th.vm
        k = m.klass
        vm.initialize(k, th)
        obj = k.new_instance()
        vm.invoke(th, m, spread(descs, [obj, *vals]))
        return obj
    return call


def method_handle(th: JThread, m: JMethod, kind: str, refc: JClass | None = None) -> JObject:
    """A direct handle: kind is static, virtual, special or constructor."""
    own = descriptor_of(refc or m.klass)
    params = "".join(m.args)
    va = bool(m.access & 0x0080)  # ACC_VARARGS
    if kind == "static":
        return new_handle(th, _static_fn(m), m.descriptor, varargs=va)
    if kind == "constructor":
        return new_handle(th, _constructor_fn(m), f"({params}){own}", varargs=va)
    return new_handle(th, _virtual_fn(m, kind == "special"), f"({own}{params}){m.ret}",
                      varargs=va)


def field_handle(th: JThread, owner: JClass, name: str, desc: str, static: bool,
                 setter: bool, refc: JClass | None = None) -> JObject:
    own = descriptor_of(refc or owner)
    if static:
        statics = owner.statics

        def sget(th: JThread, vals: list[Any]) -> Any:
            th.vm.initialize(owner, th)
            return statics[name]

        def sset(th: JThread, vals: list[Any]) -> Any:
            th.vm.initialize(owner, th)
            statics[name] = vals[0]
        return new_handle(th, sset, f"({desc})V") if setter else \
            new_handle(th, sget, f"(){desc}")
    slot = owner.field_slots[name]

    def get(th: JThread, vals: list[Any]) -> Any:
        if vals[0] is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        return vals[0].fields[slot]

    def put(th: JThread, vals: list[Any]) -> Any:
        if vals[0] is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        vals[0].fields[slot] = vals[1]
    return new_handle(th, put, f"({own}{desc})V") if setter else \
        new_handle(th, get, f"({own}){desc}")


# -- Lookup ------------------------------------------------------------------------------

def _lookup_class(lookup: JObject) -> JClass:
    k: JClass = lookup.fields[lookup.klass.field_slots["lookupClass"]].native
    return k


def _private_ok(th: JThread, lookup: JObject, member: JClass) -> bool:
    from vmforms.jvm.runtime.natives.reflect import nest_host

    modes = lookup.fields[lookup.klass.field_slots["allowedModes"]]
    if not modes & 0x2:  # Lookup.PRIVATE
        return False
    return nest_host(th, _lookup_class(lookup)) is nest_host(th, member)


def _accessible(th: JThread, lookup: JObject, member: JClass, flags: int) -> bool:
    """JVMS 5.4.4 for a Lookup: public members, private ones within the nest, others
    within the package (protected ones also from subclasses)."""
    if flags & 0x0001:
        return True
    if flags & 0x0002:
        return _private_ok(th, lookup, member)
    modes = lookup.fields[lookup.klass.field_slots["allowedModes"]]
    if not modes & 0x8:  # Lookup.PACKAGE
        return False
    caller = _lookup_class(lookup)
    if caller.name.rpartition("/")[0] == member.name.rpartition("/")[0]:
        return True
    return bool(flags & 0x0004) and caller.is_subclass_of(member)


def _find(th: JThread, refc: JClass, name: str, desc: str) -> JMethod | None:
    m = refc.find_method(name + desc)
    if m is None and refc.is_interface:
        m = refc.methods.get(name + desc) or \
            th.vm.load("java/lang/Object", th).methods.get(name + desc)
    return m


def _no_member(th: JThread, cls: str, what: str, refc: JClass, name: str, tail: str) -> None:
    th.vm.throw(th, cls, f"no such {what}: {refc.java_name}.{name}{tail}")


def _find_method(th: JThread, a: list[Any], kind: str) -> JObject:
    vm = th.vm
    lookup, refc = a[0], a[1].native
    name = vm.to_str(a[2])
    desc = type_desc(a[3])
    m = _find(th, refc, name, desc)
    ref_kind = {"static": "invokeStatic", "virtual": "invokeVirtual",
                "special": "invokeSpecial"}[kind]
    if kind == "virtual" and refc.is_interface:
        ref_kind = "invokeInterface"
    tail = f"{type_text(th, desc)}/{ref_kind}"
    if m is None or name.startswith("<"):
        _no_member(th, "java/lang/NoSuchMethodException", "method", refc, name, tail)
    assert m is not None
    if m.is_static != (kind == "static") or not _accessible(th, lookup, m.klass, m.access):
        _no_member(th, "java/lang/IllegalAccessException", "method", refc, name, tail)
    if kind == "virtual" and m.access & 0x0002:
        kind = "special"
    h = method_handle(th, m, kind, refc)
    if kind == "static":
        h.fields[h.klass.field_slots["type"]] = a[3]
    return h


@override(LOOKUP, "findStatic(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _find_static(th: JThread, a: list[Any]) -> Any:
    return _find_method(th, a, "static")


@override(LOOKUP, "findVirtual(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _find_virtual(th: JThread, a: list[Any]) -> Any:
    return _find_method(th, a, "virtual")


@override(LOOKUP, "findSpecial(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                  "Ljava/lang/Class;)Ljava/lang/invoke/MethodHandle;")
def _find_special(th: JThread, a: list[Any]) -> Any:
    refc: JClass = a[1].native
    if a[4] is not None and not refc.is_interface and \
            not a[4].native.is_subclass_of(refc):
        th.vm.throw(th, "java/lang/IllegalAccessException",
                    f"caller class must be a subclass below the method: {refc.java_name}."
                    f"{th.vm.to_str(a[2])}{type_text(th, type_desc(a[3]))}/invokeSpecial")
    h = _find_method(th, a, "special")
    if a[4] is not None and a[4].native is not refc:
        # The receiver is typed as the special caller class.
        hh: Handle = h.native
        params = [descriptor_of(a[4].native), *hh.args[1:]]
        h.native = Handle(hh.fn, f"({''.join(params)}){hh.ret}", hh.varargs)
    return h


@override(LOOKUP, "findConstructor(Ljava/lang/Class;Ljava/lang/invoke/MethodType;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _find_constructor(th: JThread, a: list[Any]) -> Any:
    refc: JClass = a[1].native
    desc = type_desc(a[2])
    m = refc.methods.get("<init>" + desc)
    if m is None or refc.is_interface or refc.access & 0x0400 or refc.is_array:
        _no_member(th, "java/lang/NoSuchMethodException", "constructor", refc, "<init>",
                   f"{type_text(th, desc)}/newInvokeSpecial")
    assert m is not None
    if not _accessible(th, a[0], refc, m.access):
        _no_member(th, "java/lang/IllegalAccessException", "constructor", refc, "<init>",
                   f"{type_text(th, desc)}/newInvokeSpecial")
    return method_handle(th, m, "constructor")


def _find_field(th: JThread, a: list[Any], static: bool, setter: bool) -> Any:
    vm = th.vm
    refc: JClass = a[1].native
    name = vm.to_str(a[2])
    fk: JClass = a[3].native
    desc = descriptor_of(fk)
    owner = find_field(refc, name)
    op = ("put" if setter else "get") + ("Static" if static else "Field")
    simple = vm.to_str(vm.call_virtual(th, a[3], "getSimpleName", "()Ljava/lang/String;"))
    info = None
    if owner is not None and owner.cf is not None:
        info = next((f for f in owner.cf.fields if f.name == name), None)
    if info is None or info.descriptor != desc:
        _no_member(th, "java/lang/NoSuchFieldException", "field", refc, name, f"/{simple}/{op}")
    assert info is not None and owner is not None
    if bool(info.access_flags & 0x0008) != static:
        actual = ("put" if setter else "get") + ("Field" if static else "Static")
        vm.throw(th, "java/lang/IllegalAccessException",
                 f"expected a{' ' if static else ' non-'}static field: "
                 f"{refc.java_name}.{name}/{simple}/{actual}")
    if not _accessible(th, a[0], owner, info.access_flags):
        _no_member(th, "java/lang/IllegalAccessException", "field", refc, name,
                   f"/{simple}/{op}")
    if setter and info.access_flags & 0x0010:
        vm.throw(th, "java/lang/IllegalAccessException",
                 f"{refc.java_name}.{name}/{simple}/{op}: final field")
    return field_handle(th, owner, name, desc, static, setter, refc)


def _field_op(static: bool, setter: bool) -> Any:
    return lambda th, a: _find_field(th, a, static, setter)


for _name, _st, _set in (("findGetter", False, False), ("findSetter", False, True),
                         ("findStaticGetter", True, False), ("findStaticSetter", True, True)):
    override(LOOKUP, f"{_name}(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/Class;)"
                     "Ljava/lang/invoke/MethodHandle;")(_field_op(_st, _set))


def _reflected(obj: JObject) -> tuple[JClass, JMethod]:
    s = obj.klass.field_slots
    k: JClass = obj.fields[s["clazz"]].native
    return k, list(k.methods.values())[obj.fields[s["slot"]]]


@override(LOOKUP, "unreflect(Ljava/lang/reflect/Method;)Ljava/lang/invoke/MethodHandle;")
def _unreflect(th: JThread, a: list[Any]) -> Any:
    _, m = _reflected(a[1])
    if m.is_static:
        return method_handle(th, m, "static")
    return method_handle(th, m, "special" if m.access & 0x0002 else "virtual")


@override(LOOKUP, "unreflectSpecial(Ljava/lang/reflect/Method;Ljava/lang/Class;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _unreflect_special(th: JThread, a: list[Any]) -> Any:
    _, m = _reflected(a[1])
    return method_handle(th, m, "special")


@override(LOOKUP, "unreflectConstructor(Ljava/lang/reflect/Constructor;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _unreflect_constructor(th: JThread, a: list[Any]) -> Any:
    _, m = _reflected(a[1])
    return method_handle(th, m, "constructor")


def _unreflect_field(setter: bool) -> Any:
    def make(th: JThread, a: list[Any]) -> Any:
        f = a[1]
        s = f.klass.field_slots
        k: JClass = f.fields[s["clazz"]].native
        name = th.vm.to_str(f.fields[s["name"]])
        desc = descriptor_of(f.fields[s["type"]].native)
        static = bool(f.fields[s["modifiers"]] & 0x0008)
        return field_handle(th, k, name, desc, static, setter)
    return make


override(LOOKUP, "unreflectGetter(Ljava/lang/reflect/Field;)Ljava/lang/invoke/MethodHandle;")(
    _unreflect_field(False))
override(LOOKUP, "unreflectSetter(Ljava/lang/reflect/Field;)Ljava/lang/invoke/MethodHandle;")(
    _unreflect_field(True))


@override(LOOKUP, "bind(Ljava/lang/Object;Ljava/lang/String;Ljava/lang/invoke/MethodType;)"
                  "Ljava/lang/invoke/MethodHandle;")
def _bind(th: JThread, a: list[Any]) -> Any:
    if a[1] is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    h = _find_method(th, [a[0], th.vm.mirror(a[1].klass), a[2], a[3]], "virtual")
    from vmforms.jvm.runtime.natives.combinators import bind_to

    return bind_to(th, h.native, a[1])


def constant_handle(th: JThread, kind: int, owner: str, name: str, desc: str) -> JObject:
    """The value of a CONSTANT_MethodHandle (JVMS 5.4.3.5) of reference kind `kind`."""
    vm = th.vm
    k = vm.load(owner, th)
    if kind <= 4:
        d = find_field(k, name)
        if d is None:
            vm.throw(th, "java/lang/NoSuchFieldError", name)
        assert d is not None
        return field_handle(th, d, name, desc, kind in (2, 4), kind in (3, 4))
    m = _find(th, k, name, desc)
    if m is None:
        vm.throw(th, "java/lang/NoSuchMethodError", f"{k.java_name}.{name}{desc}")
    assert m is not None
    kinds = {5: "virtual", 6: "static", 7: "special", 8: "constructor", 9: "virtual"}
    return method_handle(th, m, kinds[kind])


def invoke_with(th: JThread, h: Handle, values: list[Any]) -> Any:
    """Call `h` with boxed arguments, returning a boxed result (invokeWithArguments)."""
    obj_desc = "(" + "Ljava/lang/Object;" * len(values) + ")Ljava/lang/Object;"
    fn = adapt(th, h, obj_desc)
    if fn is None:
        wrong_type(th, f"cannot convert MethodHandle{type_text(th, h.desc)} to "
                       f"{type_text(th, obj_desc)}")
    assert fn is not None
    return fn(th, values)
