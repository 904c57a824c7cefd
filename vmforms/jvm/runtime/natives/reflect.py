"""Natives of java.lang.Class and core reflection (JDK 17): class queries, Class.forName,
the Field/Method/Constructor objects of getDeclared*0 and their invocation."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.attributes import (
    InnerClassesAttribute,
    NestHostAttribute,
    RecordAttribute,
)
from vmforms.jvm.runtime.heap import JArray, JavaThrowable, JObject
from vmforms.jvm.runtime.klass import PRIMITIVE_NAMES, parse_arguments
from vmforms.jvm.runtime.natives import constant, native, override
from vmforms.jvm.runtime.natives.annotations import VISIBLE, VISIBLE_PARAMS, raw
from vmforms.jvm.runtime.resolve import is_assignable

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass, JMethod
    from vmforms.jvm.runtime.vm import JThread

C = "java/lang/Class"
_BY_NAME = {v: k for k, v in PRIMITIVE_NAMES.items()}


@native(C, "getPrimitiveClass(Ljava/lang/String;)Ljava/lang/Class;")
def _primitive(th: JThread, a: list[Any]) -> Any:
    return th.vm.mirror(th.vm.primitive_class(_BY_NAME[th.vm.to_str(a[0])]))


@native(C, "desiredAssertionStatus0(Ljava/lang/Class;)Z")
def _assert_status(th: JThread, a: list[Any]) -> Any:
    return 1 if th.vm.assertions and not a[0].native.module else 0


@native(C, "isInterface()Z")
def _is_interface(th: JThread, a: list[Any]) -> Any:
    return 1 if a[0].native.is_interface else 0


@native(C, "isArray()Z")
def _is_array(th: JThread, a: list[Any]) -> Any:
    return 1 if a[0].native.is_array else 0


@native(C, "isPrimitive()Z")
def _is_primitive(th: JThread, a: list[Any]) -> Any:
    return 1 if a[0].native.primitive else 0


@native(C, "isHidden()Z")
def _is_hidden(th: JThread, a: list[Any]) -> Any:
    return int(a[0].native.hidden)


@native(C, "isRecord0()Z")
def _is_record(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    return 1 if k.cf is not None and k.cf.attribute(RecordAttribute) is not None and \
        k.superclass is not None and k.superclass.name == "java/lang/Record" else 0


@native(C, "getModifiers()I")
def _modifiers(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    flags = k.access
    if k.cf is not None:
        ic = k.cf.attribute(InnerClassesAttribute)
        if ic is not None:
            for e in ic.classes:
                if e.inner_class_info_index and \
                        k.cf.constant_pool.class_name(e.inner_class_info_index) == k.name:
                    flags = e.inner_class_access_flags
    return flags & ~0x20 & 0xFFFF


@native(C, "getSuperclass()Ljava/lang/Class;")
def _superclass(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    if k.is_interface or k.primitive or k.superclass is None:
        return None
    return th.vm.mirror(k.superclass)


@native(C, "getInterfaces0()[Ljava/lang/Class;")
def _interfaces(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    return th.vm.new_array("[Ljava/lang/Class;", [th.vm.mirror(i) for i in k.interfaces])


@native(C, "initClassName()Ljava/lang/String;")
def _init_name(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    name = k.java_name if not k.primitive else k.name
    s = th.vm.intern(name)
    a[0].fields[a[0].klass.field_slots["name"]] = s
    return s


@native(C, "isInstance(Ljava/lang/Object;)Z")
def _is_instance(th: JThread, a: list[Any]) -> Any:
    return 1 if a[1] is not None and is_assignable(a[1].klass, a[0].native) else 0


@native(C, "isAssignableFrom(Ljava/lang/Class;)Z")
def _is_assignable_from(th: JThread, a: list[Any]) -> Any:
    if a[1] is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    return 1 if is_assignable(a[1].native, a[0].native) else 0


@native(C, "forName0(Ljava/lang/String;ZLjava/lang/ClassLoader;Ljava/lang/Class;)"
           "Ljava/lang/Class;")
def _for_name(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    name = vm.to_str(a[0])
    internal = name.replace(".", "/")
    # Class.c: a name with slashes is refused as given; one that is no valid binary
    # name (or array descriptor) is refused in its slashed form; the primitive types'
    # names are valid but name no class.
    if "/" in name:
        vm.throw(th, "java/lang/ClassNotFoundException", name)
    if not valid_class_name(internal):
        vm.throw(th, "java/lang/ClassNotFoundException", internal)
    try:
        if internal in PRIMITIVE_TYPE_NAMES:
            raise KeyError(internal)
        k = vm.load(internal, th)
    except (KeyError, JavaThrowable, Exception) as exc:
        if isinstance(exc, JavaThrowable) and \
                exc.obj.klass.name != "java/lang/NoClassDefFoundError":
            raise
        vm.throw(th, "java/lang/ClassNotFoundException", name)
        raise
    if a[1]:
        vm.initialize(k, th)
    return vm.mirror(k)


PRIMITIVE_TYPE_NAMES = frozenset(("boolean", "byte", "char", "short", "int", "long", "float",
                                  "double", "void"))


def valid_class_name(name: str) -> bool:
    """HotSpot's VerifyClassname with arrays allowed: a binary name in internal form, or an
    array descriptor whose element is a primitive (not void) or an L...; class name."""
    if name.startswith("["):
        elem = name.lstrip("[")
        if len(name) - len(elem) > 255:
            return False
        if len(elem) == 1:
            return elem in "BCDFIJSZ"
        return elem.startswith("L") and elem.endswith(";") and \
            _valid_plain_name(elem[1:-1])
    return _valid_plain_name(name)


def _valid_plain_name(name: str) -> bool:
    return bool(name) and not any(c in name for c in ".;[") and \
        all(part for part in name.split("/"))


@native(C, "getNestHost0()Ljava/lang/Class;")
def _nest_host(th: JThread, a: list[Any]) -> Any:
    return th.vm.mirror(nest_host(th, a[0].native))


def nest_host(th: JThread, k: JClass) -> JClass:
    if k.nest_host is not None:
        return k.nest_host
    if k.cf is None or k.hidden:
        return k
    nh = k.cf.attribute(NestHostAttribute)
    if nh is None:
        return k
    return th.vm.load(k.cf.constant_pool.class_name(nh.host_class_index), th)


def _inner_entry(k: JClass) -> Any:
    if k.cf is None:
        return None
    ic = k.cf.attribute(InnerClassesAttribute)
    if ic is None:
        return None
    cp = k.cf.constant_pool
    for e in ic.classes:
        if e.inner_class_info_index and cp.class_name(e.inner_class_info_index) == k.name:
            return e
    return None


@native(C, "getDeclaringClass0()Ljava/lang/Class;")
def _declaring(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    e = _inner_entry(k)
    if e is None or not e.outer_class_info_index:
        return None
    return th.vm.mirror(th.vm.load(k.cf.constant_pool.class_name(e.outer_class_info_index), th))


@native(C, "getSimpleBinaryName0()Ljava/lang/String;")
def _simple_binary(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    e = _inner_entry(k)
    if e is None:
        return None
    if not e.inner_name_index:  # an anonymous class
        return None
    return th.vm.intern(k.cf.constant_pool.utf8(e.inner_name_index))


@native(C, "getEnclosingMethod0()[Ljava/lang/Object;")
def _enclosing(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.classfile.attributes import EnclosingMethodAttribute

    k = a[0].native
    if k.cf is None:
        return None
    em = k.cf.attribute(EnclosingMethodAttribute)
    if em is None:
        return None
    vm = th.vm
    cp = k.cf.constant_pool
    outer = vm.mirror(vm.load(cp.class_name(em.class_index), th))
    name = desc = None
    if em.method_index:
        n, d = cp.name_and_type(em.method_index)
        name, desc = vm.intern(n), vm.intern(d)
    return vm.new_array("[Ljava/lang/Object;", [outer, name, desc])


@native(C, "getGenericSignature0()Ljava/lang/String;")
def _signature(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    sig = k.cf.signature if k.cf is not None else None
    return th.vm.intern(sig) if sig else None




@native(C, "getProtectionDomain0()Ljava/security/ProtectionDomain;")
def _protection_domain(th: JThread, a: list[Any]) -> Any:
    """A class-path class's domain as the application loader makes it: a CodeSource of
    its jar or directory URL, no certificates, one domain per code source (the loader's
    own cache); a system class has none."""
    k = a[0].native
    if k.protection_domain is None and k.code_source is not None:
        vm = th.vm
        path = os.path.abspath(k.code_source)
        if os.path.isdir(path):
            path = path.rstrip("/") + "/"
        url = vm.new_object(th, "java/net/URL", "(Ljava/lang/String;)V",
                            [vm.new_string("file:" + path)])
        cs = vm.new_object(th, "java/security/CodeSource",
                           "(Ljava/net/URL;[Ljava/security/cert/Certificate;)V", [url, None])
        loader = vm.call_static(th, "java/lang/ClassLoader", "getSystemClassLoader",
                                "()Ljava/lang/ClassLoader;")
        k.protection_domain = vm.call_virtual(
            th, loader, "getProtectionDomain",
            "(Ljava/security/CodeSource;)Ljava/security/ProtectionDomain;", cs)
    return k.protection_domain


constant(C, "getSigners()[Ljava/lang/Object;", None)


@native(C, "getDeclaredClasses0()[Ljava/lang/Class;")
def _declared_classes(th: JThread, a: list[Any]) -> Any:
    k = a[0].native
    out = []
    if k.cf is not None:
        ic = k.cf.attribute(InnerClassesAttribute)
        cp = k.cf.constant_pool
        for e in ic.classes if ic is not None else ():
            if e.outer_class_info_index and cp.class_name(e.outer_class_info_index) == k.name:
                out.append(th.vm.mirror(th.vm.load(cp.class_name(e.inner_class_info_index), th)))
    return th.vm.new_array("[Ljava/lang/Class;", out)


def type_mirror(th: JThread, desc: str) -> JObject:
    vm = th.vm
    if desc[0] == "L":
        return vm.mirror(vm.load(desc[1:-1], th))
    if desc[0] == "[":
        return vm.mirror(vm.load(desc, th))
    return vm.mirror(vm.primitive_class(desc))


def _class_array(th: JThread, descs: list[str]) -> JArray:
    return th.vm.new_array("[Ljava/lang/Class;", [type_mirror(th, d) for d in descs])


def _exceptions(th: JThread, m: JMethod) -> JArray:
    from vmforms.jvm.classfile.attributes import ExceptionsAttribute

    ex = m.info.attribute(ExceptionsAttribute)
    names = []
    if ex is not None:
        cp = m.klass.cf.constant_pool  # type: ignore[union-attr]
        names = [f"L{cp.class_name(i)};" for i in ex.exception_index_table]
    return _class_array(th, names)


@native(C, "getDeclaredFields0(Z)[Ljava/lang/reflect/Field;")
def _declared_fields(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    k: JClass = a[0].native
    out = []
    if k.cf is not None:
        for f in k.cf.fields:
            if a[1] and not f.access_flags & 0x0001:
                continue
            sig = None
            from vmforms.jvm.classfile.attributes import SignatureAttribute

            s = f.attribute(SignatureAttribute)
            if s is not None:
                sig = vm.intern(s.signature)
            slot = k.field_slots.get(f.name, 0) if not f.access_flags & 0x8 else 0
            trusted = 1 if f.access_flags & 0x10 and (f.access_flags & 0x8 or k.cf.attribute(
                RecordAttribute) is not None) else 0
            out.append(vm.new_object(
                th, "java/lang/reflect/Field",
                "(Ljava/lang/Class;Ljava/lang/String;Ljava/lang/Class;IZILjava/lang/String;[B)V",
                [a[0], vm.intern(f.name), type_mirror(th, f.descriptor), f.access_flags & 0xFFFF,
                 trusted, slot, sig, raw(th, f.attributes, VISIBLE)]))
    return vm.new_array("[Ljava/lang/reflect/Field;", out)


def _method_list(k: JClass) -> list[JMethod]:
    return list(k.methods.values())


@native(C, "getDeclaredMethods0(Z)[Ljava/lang/reflect/Method;")
def _declared_methods(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    k: JClass = a[0].native
    out = []
    for slot, m in enumerate(_method_list(k)):
        if m.name.startswith("<") or (a[1] and not m.access & 0x0001):
            continue
        out.append(method_object(th, a[0], m, slot))
    return vm.new_array("[Ljava/lang/reflect/Method;", out)


def _signature_of(th: JThread, m: JMethod) -> Any:
    from vmforms.jvm.classfile.attributes import SignatureAttribute

    s = m.info.attribute(SignatureAttribute)
    return th.vm.intern(s.signature) if s is not None else None


def method_object(th: JThread, mirror: JObject, m: JMethod, slot: int) -> JObject:
    """A java.lang.reflect.Method for `m`, the `slot`-th method of its class."""
    vm = th.vm
    attrs = m.info.attributes
    return vm.new_object(
        th, "java/lang/reflect/Method",
        "(Ljava/lang/Class;Ljava/lang/String;[Ljava/lang/Class;Ljava/lang/Class;"
        "[Ljava/lang/Class;IILjava/lang/String;[B[B[B)V",
        [mirror, vm.intern(m.name), _class_array(th, m.args), type_mirror(th, m.ret),
         _exceptions(th, m), m.access & 0xFFFF, slot, _signature_of(th, m),
         raw(th, attrs, VISIBLE), raw(th, attrs, VISIBLE_PARAMS),
         raw(th, attrs, "AnnotationDefault")])


@native(C, "getDeclaredConstructors0(Z)[Ljava/lang/reflect/Constructor;")
def _declared_constructors(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    k: JClass = a[0].native
    out = []
    for slot, m in enumerate(_method_list(k)):
        if m.name != "<init>" or (a[1] and not m.access & 0x0001):
            continue
        out.append(constructor_object(th, a[0], m, slot))
    return vm.new_array("[Ljava/lang/reflect/Constructor;", out)


def constructor_object(th: JThread, mirror: JObject, m: JMethod, slot: int) -> JObject:
    """A java.lang.reflect.Constructor for `m`, the `slot`-th method of its class."""
    return th.vm.new_object(
        th, "java/lang/reflect/Constructor",
        "(Ljava/lang/Class;[Ljava/lang/Class;[Ljava/lang/Class;IILjava/lang/String;[B[B)V",
        [mirror, _class_array(th, m.args), _exceptions(th, m), m.access & 0xFFFF, slot,
         _signature_of(th, m), raw(th, m.info.attributes, VISIBLE),
         raw(th, m.info.attributes, VISIBLE_PARAMS)])


_BOX = {"Z": ("java/lang/Boolean", "booleanValue"), "B": ("java/lang/Byte", "byteValue"),
        "C": ("java/lang/Character", "charValue"), "S": ("java/lang/Short", "shortValue"),
        "I": ("java/lang/Integer", "intValue"), "J": ("java/lang/Long", "longValue"),
        "F": ("java/lang/Float", "floatValue"), "D": ("java/lang/Double", "doubleValue")}


def box(th: JThread, desc: str, v: Any) -> Any:
    if desc[0] in "L[":
        return v
    if desc == "V":
        return None
    cls, _ = _BOX[desc]
    return th.vm.call_static(th, cls, "valueOf", f"({desc})L{cls};", v)


def unbox(th: JThread, desc: str, v: Any) -> Any:
    if desc[0] in "L[":
        return v
    if v is None:
        th.vm.throw(th, "java/lang/IllegalArgumentException")
    cls, getter = _BOX[desc]
    if v.klass.name != cls:
        th.vm.throw(th, "java/lang/IllegalArgumentException", "argument type mismatch")
    return th.vm.call_virtual(th, v, getter, f"(){desc}")


def _invoke(th: JThread, m: JMethod, obj: Any, args: Any) -> Any:
    vm = th.vm
    values = list(args.data) if args is not None else []
    if len(values) != len(m.args):
        vm.throw(th, "java/lang/IllegalArgumentException", "wrong number of arguments")
    slots: list[Any] = [] if m.is_static else [obj]
    for d, v in zip(m.args, values, strict=True):
        slots.append(unbox(th, d, v))
        if d in ("J", "D"):
            slots.append(None)
    try:
        return vm.invoke(th, m, slots)
    except JavaThrowable as exc:
        ite = vm.new_object(th, "java/lang/reflect/InvocationTargetException",
                            "(Ljava/lang/Throwable;)V", [exc.obj])
        raise JavaThrowable(ite) from None


def _target(obj: JObject, owner: str = "clazz") -> tuple[JClass, int]:
    f = obj.fields
    s = obj.klass.field_slots
    return f[s[owner]].native, f[s["slot"]]


@native("jdk/internal/reflect/NativeMethodAccessorImpl",
        "invoke0(Ljava/lang/reflect/Method;Ljava/lang/Object;[Ljava/lang/Object;)"
        "Ljava/lang/Object;")
def _method_invoke(th: JThread, a: list[Any]) -> Any:
    k, slot = _target(a[0])
    m = _method_list(k)[slot]
    obj = a[1]
    if not m.is_static:
        if obj is None:
            th.vm.throw(th, "java/lang/NullPointerException")
        sel = obj.klass.select_virtual(m.key)
        if sel is not None and not m.access & 0x0002:
            m = sel
    else:
        th.vm.initialize(k, th)
    return box(th, m.ret, _invoke(th, m, obj, a[2]))


@native("jdk/internal/reflect/NativeConstructorAccessorImpl",
        "newInstance0(Ljava/lang/reflect/Constructor;[Ljava/lang/Object;)Ljava/lang/Object;")
def _constructor_invoke(th: JThread, a: list[Any]) -> Any:
    k, slot = _target(a[0])
    if k.access & 0x0400:
        th.vm.throw(th, "java/lang/InstantiationException")
    th.vm.initialize(k, th)
    obj = k.new_instance()
    _invoke(th, _method_list(k)[slot], obj, a[1])
    return obj


__all__ = ["box", "unbox", "nest_host", "type_mirror", "parse_arguments"]


@override(C, "forName(Ljava/lang/Module;Ljava/lang/String;)Ljava/lang/Class;")
def _for_name_module(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    name = vm.to_str(a[1]).replace(".", "/")
    try:
        return vm.mirror(vm.load(name, th))
    except JavaThrowable as exc:
        if exc.obj.klass.name == "java/lang/NoClassDefFoundError":
            return None
        raise
    except Exception:
        return None


@native("java/lang/ClassLoader", "findBootstrapClass(Ljava/lang/String;)Ljava/lang/Class;")
def _find_bootstrap(th: JThread, a: list[Any]) -> Any:
    return _for_name_module(th, [None, a[0]])


@native("java/lang/ClassLoader", "findLoadedClass0(Ljava/lang/String;)Ljava/lang/Class;")
def _find_loaded(th: JThread, a: list[Any]) -> Any:
    """The class this loader defined under the name; the JDK's own loaders see the VM's
    shared namespace (the class path and the system modules are loaded by the VM)."""
    vm = th.vm
    name = vm.to_str(a[1]).replace(".", "/")
    own = vm.loader_classes.get(a[0])
    k = own.get(name) if own is not None else None
    if k is None and a[0].klass.name.startswith("jdk/internal/loader/"):
        k = vm.classes.get(name)
    elif k is None:
        shared = vm.classes.get(name)
        k = shared if shared is not None and shared.loader is a[0] else None
    return vm.mirror(k) if k is not None else None
