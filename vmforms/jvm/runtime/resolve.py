"""Resolution of symbolic references from the constant pool (JVMS 5.4.3) and the
access/assignability checks of checkcast, instanceof and aastore (JVMS 6.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.constants import (
    ConstantClass,
    ConstantDynamic,
    ConstantInterfaceMethodref,
    ConstantMethodHandle,
    ConstantMethodType,
    ConstantString,
)
from vmforms.jvm.runtime.klass import JClass, JMethod

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread


def member_ref(k: JClass, index: int) -> tuple[str, str, str, bool]:
    """(class name, member name, descriptor, is_interface_ref) of a Fieldref/Methodref."""
    assert k.cf is not None
    cp = k.cf.constant_pool
    e = cp.entry(index)
    cls = cp.class_name(e.class_index)  # type: ignore[union-attr]
    name, desc = cp.name_and_type(e.name_and_type_index)  # type: ignore[union-attr]
    return cls, name, desc, isinstance(e, ConstantInterfaceMethodref)


def resolve_field(th: JThread, k: JClass, index: int) -> tuple[JClass, str, str]:
    """The class that declares the field (JVMS 5.4.3.2), its name and descriptor."""
    vm = th.vm
    cls, name, desc, _ = member_ref(k, index)
    c = vm.load_for(k, cls, th)
    d = find_field(c, name)
    if d is None:
        vm.throw(th, "java/lang/NoSuchFieldError", name)
    assert d is not None
    return d, name, desc


def find_field(c: JClass, name: str) -> JClass | None:
    cur: JClass | None = c
    while cur is not None:
        cf = cur.cf
        if cf is not None and any(f.name == name for f in cf.fields):
            return cur
        for i in cur.interfaces:
            found = find_field(i, name)
            if found is not None:
                return found
        cur = cur.superclass
    return None


def resolve_method(th: JThread, k: JClass, index: int) -> JMethod:
    vm = th.vm
    cls, name, desc, is_iface = member_ref(k, index)
    c = vm.load_for(k, cls, th)
    if c.is_array:
        c = vm.load("java/lang/Object", th)
    m = c.find_method(name + desc)
    if m is None and is_iface:
        m = vm.load("java/lang/Object", th).methods.get(name + desc)
    if m is None and c.name in ("java/lang/invoke/VarHandle", "java/lang/invoke/MethodHandle"):
        # Signature polymorphic methods match any descriptor (JVMS 2.9.3).
        m = next((x for x in c.methods.values() if x.name == name
                  and x.access & 0x0180 == 0x0180), None)
    if m is None:
        prefix = "'" + _return_name(desc) + " "
        vm.throw(th, "java/lang/NoSuchMethodError",
                 f"{prefix}{c.java_name}.{name}{_params_name(desc)}'")
    assert m is not None
    if k.loader is not m.klass.loader:
        from vmforms.jvm.runtime.loaders import check_constraints

        check_constraints(th, k, m)
    return m


def _type_name(d: str) -> str:
    dims = 0
    while d[dims] == "[":
        dims += 1
    base = d[dims:]
    from vmforms.jvm.runtime.klass import PRIMITIVE_NAMES

    name = base[1:-1].replace("/", ".") if base[0] == "L" else PRIMITIVE_NAMES[base[0]]
    return name + "[]" * dims


def _return_name(desc: str) -> str:
    return _type_name(desc[desc.index(")") + 1:])


def _params_name(desc: str) -> str:
    from vmforms.jvm.runtime.klass import parse_arguments

    args, _ = parse_arguments(desc)
    return "(" + ", ".join(_type_name(a) for a in args) + ")"


def is_assignable(s: JClass, t: JClass) -> bool:
    """JVMS 6.5.checkcast: may a value of class `s` be used as a `t`?"""
    if s is t:
        return True
    if t.name in s.ancestors:
        return not t.shadowed or s.has_ancestor(t)
    if s.is_array and t.is_array:
        sc, tc = s.component, t.component
        assert sc is not None and tc is not None
        if sc.primitive or tc.primitive:
            return sc is tc
        return is_assignable(sc, tc)
    return False


def resolve_constant(th: JThread, k: JClass, index: int) -> Any:
    """The value ldc pushes for a String, Class, MethodType, MethodHandle or dynamically
    computed constant."""
    vm = th.vm
    assert k.cf is not None
    cp = k.cf.constant_pool
    e = cp.entry(index)
    if isinstance(e, ConstantString):
        return vm.intern(cp.utf8(e.string_index))
    if isinstance(e, ConstantClass):
        return vm.mirror(vm.load_for(k, cp.class_name(index), th))
    if isinstance(e, ConstantMethodType | ConstantMethodHandle):
        from vmforms.jvm.runtime.natives.invoke import method_constant

        return method_constant(th, k, index)
    if isinstance(e, ConstantDynamic):
        from vmforms.jvm.runtime.natives.invoke import dynamic_constant

        return dynamic_constant(th, k, index)
    vm.throw(th, "java/lang/IncompatibleClassChangeError", f"ldc of constant #{index}")
    return None
