"""Definitions and lookups the instructions need: classes, methods and constants, case/rescue
matching, defined?, multiple assignment (CRuby vm_insnhelper.c vm_define_class,
vm_get_ev_const, check_match, vm_defined, vm_expandarray)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.interp.frame import Cref, Env, Frame
from vmforms.yarv.interp.loop import execute
from vmforms.yarv.interp.objects import Method, RClass


def splat(vm: Any, v: Any) -> list[Any]:
    if type(v) is RArray:
        return list(v.items)
    if v is None:
        return []
    if isinstance(v, RObject) and vm.respond_to(v, "to_a"):
        r = vm.send(v, "to_a")
        if type(r) is RArray:
            return list(r.items)
    return [v]


def expandarray(vm: Any, st: list[Any], num: int, flag: int) -> None:
    v = st.pop()
    if type(v) is RArray:
        items = v.items
    elif isinstance(v, RObject) and not isinstance(v, RClass) and \
            vm.respond_to(v, "to_ary"):
        items = vm.send(v, "to_ary").items
    else:
        items = [v]
    n = len(items)
    if flag & 2:  # post: the last `num` elements, nils on top when short, rest below
        nils = max(0, num - n)
        taken = num - nils
        st.extend([None] * nils)
        st.extend(items[n - 1 - j] for j in range(taken))
        if flag & 1:
            st.append(RArray(list(items[:n - taken]), vm.cArray))
        return
    if flag & 1:
        st.append(RArray(list(items[num:]), vm.cArray))
    for i in range(num, 0, -1):
        st.append(items[i - 1] if i <= n else None)


def checkmatch(vm: Any, target: Any, pattern: Any, flag: int) -> bool:
    kind = flag & 3
    pats = pattern.items if flag & 4 and type(pattern) is RArray else [pattern]
    for p in pats:
        if kind == 3:  # rescue
            if not isinstance(p, RClass):
                vm.raise_error("TypeError", "class or module required for rescue clause")
            if vm.is_a(target, p):
                return True
        elif vm.truthy(vm.send(p, "===", target)):
            return True
    return False


def lookup_const(vm: Any, klass: RClass, name: str) -> Any:
    for k in vm.ancestors(klass):
        if name in k.consts:
            return k.consts[name]
        path = vm.autoloads.pop((id(k), name), None)
        if path is not None:
            vm.send(vm.main, "require", path)
            if name in k.consts:
                return k.consts[name]
    if klass.is_module and name in vm.cObject.consts:
        return vm.cObject.consts[name]
    return vm.missing


def const_get(vm: Any, f: Frame, klass: Any, name: str, allow_nil: Any) -> Any:
    if klass is None:
        cref: Cref | None = f.cref
        while cref is not None and cref.parent is not None:
            consts = cref.klass.consts
            if name in consts:
                return vm.autoload(cref.klass, name, consts[name])
            cref = cref.parent
        base = f.cref.klass
        value = lookup_const(vm, base, name)
        if value is vm.missing and base is not vm.cObject:
            value = lookup_const(vm, vm.cObject, name)
        if value is vm.missing:
            return vm.const_missing(base, name, top=True)
        return vm.autoload(None, name, value)
    if not isinstance(klass, RClass):
        vm.raise_error("TypeError", f"{vm.inspect(klass)} is not a class/module")
    value = lookup_const(vm, klass, name)
    if value is vm.missing:
        return vm.const_missing(klass, name, top=False)
    return vm.autoload(klass, name, value)


def defineclass(vm: Any, f: Frame, name: str, body: Any, flags: int, cbase: Any,
                superclass: Any) -> Any:
    kind = flags & 7
    if kind == 1:
        klass = vm.singleton_class(cbase)
    else:
        if not isinstance(cbase, RClass):
            cbase = f.cref.klass
        existing = cbase.consts.get(name)
        if kind == 0:
            if superclass is not None and not isinstance(superclass, RClass):
                vm.raise_error("TypeError", "superclass must be an instance of Class "
                               f"(given an instance of {vm.real_class(superclass).name})")
            if existing is not None:
                if not isinstance(existing, RClass) or existing.is_module:
                    vm.raise_error("TypeError", f"{name} is not a class")
                if superclass is not None and existing.superclass is not superclass:
                    vm.raise_error("TypeError", f"superclass mismatch for class {name}")
                klass = existing
            else:
                klass = vm.new_class(superclass or vm.cObject, name, cbase)
        else:
            if existing is not None:
                if not isinstance(existing, RClass) or not existing.is_module:
                    vm.raise_error("TypeError", f"{name} is not a module")
                klass = existing
            else:
                klass = vm.define_module(name, cbase)
                vm.const_serial += 1
    frame = Frame(body, klass, Env([None] * len(body.local_table), None), None, None,
                  Cref(klass, f.cref), None)
    return execute(vm, frame)


def definemethod(vm: Any, f: Frame, obj: Any, name: str, iseq: Any) -> None:
    cref = f.cref
    if obj is not None:
        target = vm.singleton_class(obj)
        visibility = "public"
    else:
        target = cref.klass
        visibility = cref.visibility
        if name in ("initialize", "initialize_copy", "respond_to_missing?"):
            visibility = "private"
    m = Method(name, target, iseq=iseq, visibility=visibility)
    m.cref = cref
    vm.add_method(target, m)
    if obj is None and cref.module_function:
        sm = Method(name, vm.singleton_class(target), iseq=iseq)
        sm.cref = cref
        vm.add_method(vm.singleton_class(target), sm)
    hook = "singleton_method_added" if obj is not None else "method_added"
    receiver = obj if obj is not None else target
    if vm.find_method(vm.class_of(receiver), hook).owner is not vm.cBasicObject:
        vm.send(receiver, hook, RSymbol_of(name))


def RSymbol_of(name: str) -> RSymbol:  # noqa: N802 - reads as the Ruby conversion
    from vmforms.yarv.core.object import intern

    return intern(name)


def defined(vm: Any, f: Frame, typ: int, obj: Any, v: Any) -> bool:
    name = obj.name if type(obj) is RSymbol else ""
    if typ == 2:  # instance variable
        s = f.self_
        return isinstance(s, RObject) and bool(s.ivars) and name in s.ivars  # type: ignore
    if typ == 4:  # global
        return name in vm.globals or name in vm.special_globals
    if typ == 5:  # class variable
        return vm.cvar_defined(f.cref, name)  # type: ignore[no-any-return]
    if typ == 6:  # constant
        try:
            const_get(vm, f, v, name, True)
        except Exception:  # noqa: BLE001 - NameError means "not defined"
            return False
        return True
    if typ == 17:  # constant from an expression
        return isinstance(v, RClass) and lookup_const(vm, v, name) is not vm.missing
    if typ == 16:  # function call on self
        return vm.find_method(vm.class_of(f.self_), name) is not None
    if typ == 7:  # method call on v
        m = vm.find_method(vm.class_of(v), name)
        return m is not None and m.visibility == "public"
    if typ == 8:  # yield
        return f.block is not None
    if typ == 9:  # super
        m = f.method
        return m is not None and vm.super_method(vm.class_of(f.self_), m.owner,
                                                 m.name) is not None
    if typ == 15:  # $1, $&
        m = vm.globals.get("$~")
        return m is not None
    return True
