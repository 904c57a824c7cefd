"""Runtime-visible annotations for core reflection (JVMS 4.7.16-4.7.22): the raw
attribute bytes handed to Field/Method/Constructor/Class, the class's constant pool as
jdk.internal.reflect.ConstantPool reads it, and Class.getRecordComponents0."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.annotations import (
    AnnotationDefaultAttribute,
    AnnotationsAttribute,
    ParameterAnnotationsAttribute,
    TypeAnnotationsAttribute,
)
from vmforms.jvm.classfile.attributes import RecordAttribute, SignatureAttribute
from vmforms.jvm.classfile.constants import (
    ConstantClass,
    ConstantDouble,
    ConstantFloat,
    ConstantInteger,
    ConstantLong,
    ConstantString,
    ConstantUtf8,
)
from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.natives import native
from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

C = "java/lang/Class"
CP = "jdk/internal/reflect/ConstantPool"
VISIBLE = "RuntimeVisibleAnnotations"
VISIBLE_PARAMS = "RuntimeVisibleParameterAnnotations"
VISIBLE_TYPES = "RuntimeVisibleTypeAnnotations"


def byte_array(th: JThread, data: bytes) -> JArray:
    return th.vm.new_array("[B", [b - 256 if b > 127 else b for b in data])


def raw(th: JThread, attributes: tuple[Any, ...], name: str) -> JArray | None:
    """The bytes of attribute `name` (a RuntimeVisible* one, or AnnotationDefault)."""
    for a in attributes:
        if isinstance(a, AnnotationsAttribute | ParameterAnnotationsAttribute
                      | TypeAnnotationsAttribute) and a.name == name:
            return byte_array(th, a.data)
        if isinstance(a, AnnotationDefaultAttribute) and name == "AnnotationDefault":
            return byte_array(th, a.data)
    return None


@native(C, "getRawAnnotations()[B")
def _class_annotations(th: JThread, a: list[Any]) -> Any:
    k: JClass = a[0].native
    return raw(th, k.cf.attributes, VISIBLE) if k.cf is not None else None


@native(C, "getRawTypeAnnotations()[B")
def _class_type_annotations(th: JThread, a: list[Any]) -> Any:
    k: JClass = a[0].native
    return raw(th, k.cf.attributes, VISIBLE_TYPES) if k.cf is not None else None


@native(C, "getConstantPool()Ljdk/internal/reflect/ConstantPool;")
def _constant_pool(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    k = vm.load(CP, th)
    pool = k.new_instance()
    pool.fields[k.field_slots["constantPoolOop"]] = a[0]
    return pool


def _entry(a: list[Any]) -> tuple[Any, Any]:
    k: JClass = a[1].native
    assert k.cf is not None
    cp = k.cf.constant_pool
    return cp, cp.entry(a[2])


@native(CP, "getSize0(Ljava/lang/Object;)I")
def _cp_size(th: JThread, a: list[Any]) -> Any:
    k: JClass = a[1].native
    return len(k.cf.constant_pool) if k.cf is not None else 0


@native(CP, "getUTF8At0(Ljava/lang/Object;I)Ljava/lang/String;")
def _cp_utf8(th: JThread, a: list[Any]) -> Any:
    _, e = _entry(a)
    if not isinstance(e, ConstantUtf8):
        th.vm.throw(th, "java/lang/IllegalArgumentException", "Wrong type at constant pool index")
    return th.vm.intern(e.value)


@native(CP, "getStringAt0(Ljava/lang/Object;I)Ljava/lang/String;")
def _cp_string(th: JThread, a: list[Any]) -> Any:
    cp, e = _entry(a)
    if not isinstance(e, ConstantString):
        th.vm.throw(th, "java/lang/IllegalArgumentException", "Wrong type at constant pool index")
    return th.vm.intern(cp.utf8(e.string_index))


def _number(kind: type, convert: Any) -> Any:
    def get(th: JThread, a: list[Any]) -> Any:
        _, e = _entry(a)
        if not isinstance(e, kind):
            th.vm.throw(th, "java/lang/IllegalArgumentException",
                        "Wrong type at constant pool index")
        return convert(e)
    return get


native(CP, "getIntAt0(Ljava/lang/Object;I)I")(_number(ConstantInteger, lambda e: e.value))
native(CP, "getLongAt0(Ljava/lang/Object;I)J")(_number(ConstantLong, lambda e: e.value))
native(CP, "getFloatAt0(Ljava/lang/Object;I)F")(
    _number(ConstantFloat, lambda e: bits_to_float(e.bits)))
native(CP, "getDoubleAt0(Ljava/lang/Object;I)D")(
    _number(ConstantDouble, lambda e: bits_to_double(e.bits)))


@native(CP, "getClassAt0(Ljava/lang/Object;I)Ljava/lang/Class;",
        "getClassAtIfLoaded0(Ljava/lang/Object;I)Ljava/lang/Class;")
def _cp_class(th: JThread, a: list[Any]) -> Any:
    cp, e = _entry(a)
    if not isinstance(e, ConstantClass):
        th.vm.throw(th, "java/lang/IllegalArgumentException", "Wrong type at constant pool index")
    return th.vm.mirror(th.vm.load(cp.class_name(a[2]), th))


@native(C, "getRecordComponents0()[Ljava/lang/reflect/RecordComponent;")
def _record_components(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.reflect import method_object, type_mirror

    vm = th.vm
    k: JClass = a[0].native
    rec = k.cf.attribute(RecordAttribute) if k.cf is not None else None
    if rec is None:
        return None
    assert k.cf is not None
    cp = k.cf.constant_pool
    rk = vm.load("java/lang/reflect/RecordComponent", th)
    s = rk.field_slots
    out: list[JObject] = []
    methods = list(k.methods.values())
    for c in rec.components:
        name, desc = cp.utf8(c.name_index), cp.utf8(c.descriptor_index)
        obj = rk.new_instance()
        f = obj.fields
        f[s["clazz"]] = a[0]
        f[s["name"]] = vm.intern(name)
        f[s["type"]] = type_mirror(th, desc)
        key = f"{name}(){desc}"
        for slot, m in enumerate(methods):
            if m.key == key:
                f[s["accessor"]] = method_object(th, a[0], m, slot)
        sig = next((x for x in c.attributes if isinstance(x, SignatureAttribute)), None)
        f[s["signature"]] = vm.intern(sig.signature) if sig is not None else None
        f[s["annotations"]] = raw(th, c.attributes, VISIBLE)
        f[s["typeAnnotations"]] = raw(th, c.attributes, VISIBLE_TYPES)
        out.append(obj)
    return vm.new_array("[Ljava/lang/reflect/RecordComponent;", out)


def _executable(obj: JObject) -> Any:
    s = obj.klass.field_slots
    k: JClass = obj.fields[s["clazz"]].native
    return list(k.methods.values())[obj.fields[s["slot"]]]


@native("java/lang/reflect/Executable", "getParameters0()[Ljava/lang/reflect/Parameter;")
def _parameters(th: JThread, a: list[Any]) -> Any:
    """The MethodParameters attribute (javac -parameters), else null: the library then
    names the parameters arg0, arg1, ..."""
    from vmforms.jvm.classfile.attributes import MethodParametersAttribute

    vm = th.vm
    m = _executable(a[0])
    mp = m.info.attribute(MethodParametersAttribute)
    if mp is None:
        return None
    cp = m.klass.cf.constant_pool
    out = [vm.new_object(th, "java/lang/reflect/Parameter",
                         "(Ljava/lang/String;ILjava/lang/reflect/Executable;I)V",
                         [vm.intern(cp.utf8(p.name_index)) if p.name_index else None,
                          p.access_flags, a[0], i])
           for i, p in enumerate(mp.parameters)]
    return vm.new_array("[Ljava/lang/reflect/Parameter;", out)


@native("java/lang/reflect/Executable", "getTypeAnnotationBytes0()[B")
def _executable_type_annotations(th: JThread, a: list[Any]) -> Any:
    return raw(th, _executable(a[0]).info.attributes, VISIBLE_TYPES)


@native("java/lang/reflect/Field", "getTypeAnnotationBytes0()[B")
def _field_type_annotations(th: JThread, a: list[Any]) -> Any:
    s = a[0].klass.field_slots
    k: JClass = a[0].fields[s["clazz"]].native
    name = th.vm.to_str(a[0].fields[s["name"]])
    for f in k.cf.fields if k.cf is not None else ():
        if f.name == name:
            return raw(th, f.attributes, VISIBLE_TYPES)
    return None


@native(C, "getPermittedSubclasses0()[Ljava/lang/Class;")
def _permitted(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.classfile.attributes import PermittedSubclassesAttribute

    vm = th.vm
    k: JClass = a[0].native
    ps = k.cf.attribute(PermittedSubclassesAttribute) if k.cf is not None else None
    if ps is None:
        return None
    cp = k.cf.constant_pool  # type: ignore[union-attr]
    return vm.new_array("[Ljava/lang/Class;",
                        [vm.mirror(vm.load(cp.class_name(i), th)) for i in ps.classes])
