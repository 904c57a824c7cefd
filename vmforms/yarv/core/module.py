# mypy: disable-error-code="func-returns-value"
"""Module and Class: naming, ancestry, include/prepend, attr_*, define_method, visibility,
constants and class variables, new/allocate (CRuby class.c, object.c, vm_method.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import Method, RClass, RProc


def _name(vm: Any, v: Any) -> str:
    if type(v) is RSymbol:
        return v.name  # type: ignore[no-any-return]
    if type(v) is RString:
        return v.text()  # type: ignore[no-any-return]
    vm.raise_error("TypeError", f"{vm.inspect(v)} is not a symbol nor a string")
    raise AssertionError


def mod_name(vm: Any, k: RClass) -> str:
    if k.name is not None:
        return k.name
    if k.is_singleton:
        return f"#<Class:{vm.inspect(k.attached)}>"
    kind = "Module" if k.is_module else "Class"
    return f"#<{kind}:0x{0x7f0000000000 + vm.object_id(k) * 8:016x}>"


def m_to_s(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    return RString(mod_name(vm, s))


def m_include(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    for m in a:
        if not isinstance(m, RClass) or not m.is_module:
            vm.raise_error("TypeError", f"wrong argument type {vm.real_class(m).name} "
                           "(expected Module)")
        if m not in vm.ancestors(s):
            s.includes.append(m)
            vm.serial += 1
            vm.const_serial += 1
        hook = vm.find_method(vm.class_of(m), "included")
        if hook is not None and hook.owner is not vm.cModule:
            vm.send(m, "included", s)
    return s


def m_prepend(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    for m in a:
        if m not in s.prepends:
            s.prepends.insert(0, m)
            vm.serial += 1
        hook = vm.find_method(vm.class_of(m), "prepended")
        if hook is not None and hook.owner is not vm.cModule:
            vm.send(m, "prepended", s)
    return s


def _attr(vm: Any, s: RClass, names: list[Any], reader: bool, writer: bool) -> Any:
    out = []
    for n in names:
        name = _name(vm, n)
        ivar = "@" + name
        if reader:
            vm.add_method(s, Method(name, s, fn=_reader(ivar), arity=0,
                                    visibility=_default_vis(vm)))
            out.append(intern(name))
        if writer:
            vm.add_method(s, Method(name + "=", s, fn=_writer(ivar), arity=1,
                                    visibility=_default_vis(vm)))
            out.append(intern(name + "="))
    return RArray(out, vm.cArray)


def _default_vis(vm: Any) -> str:
    fr = next((f for f in reversed(vm.stack) if hasattr(f, "cref")), None)
    return fr.cref.visibility if fr is not None and fr.iseq.type == "class" else "public"


def _reader(ivar: str) -> Any:
    def read(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        iv = s.ivars if isinstance(s, RObject) else None
        return iv.get(ivar) if iv else None
    return read


def _writer(ivar: str) -> Any:
    def write(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        vm.ivar_set(s, ivar, a[0])
        return a[0]
    return write


def define_method_from(vm: Any, target: RClass, name: str, body: Any) -> None:
    if isinstance(body, RProc):
        proc = body

        if proc.iseq is not None:
            m = Method(name, target, iseq=proc.iseq)
            m.fn = None
            m.cref = proc.cref
            m.arity = -1
            # a block body run as a method: its self is the receiver, its env the block's
            def call(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
                from vmforms.yarv.interp.loop import invoke_block

                lam = RProc(proc.iseq, s, proc.env, None, proc.cref, is_lambda=True)
                lam.creator, lam.outer_block, lam.cls = proc.creator, b, vm.cProc
                lam.from_method = m
                return invoke_block(vm, lam, a, None, b, self_=s)
            m.fn = call
            m.iseq = None
        else:
            m = Method(name, target, fn=lambda vm, s, a, b: vm.call_proc(proc, a, None, b))
    elif hasattr(body, "ivars") and body is not None and (body.ivars or {}).get("@method"):
        um = body.ivars["@method"]
        m = Method(name, target, iseq=um.iseq, fn=um.fn, arity=um.arity)
        m.cref = um.cref
    else:
        vm.raise_error("ArgumentError", "tried to create Proc object without a block")
        return
    m.visibility = _default_vis(vm)
    vm.add_method(target, m)


def m_define_method(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    define_method_from(vm, s, _name(vm, a[0]), a[1] if len(a) > 1 else b)
    return intern(_name(vm, a[0]))


def m_alias_method(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    alias(vm, s, _name(vm, a[0]), _name(vm, a[1]))
    return intern(_name(vm, a[0]))


def alias(vm: Any, s: RClass, new: str, old: str) -> None:
    m = vm.find_method(s, old)
    if m is None:
        vm.raise_name_error(f"undefined method `{old}' for class `{mod_name(vm, s)}'", old)
    copy = Method(new, m.owner, iseq=m.iseq, fn=m.fn, visibility=m.visibility, arity=m.arity)
    copy.cref = m.cref
    copy.original_name = m.original_name
    s.methods[new] = copy
    vm.serial += 1


def _visibility(level: str) -> Any:
    def setvis(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
        if not a:
            fr = next((f for f in reversed(vm.stack) if hasattr(f, "cref")), None)
            if fr is not None:
                fr.cref.visibility = level
                fr.cref.module_function = False
            return None
        names = a[0].items if len(a) == 1 and type(a[0]) is RArray else a
        for n in names:
            name = _name(vm, n)
            m = vm.find_method(s, name)
            if m is None:
                vm.raise_name_error(f"undefined method `{name}' for class "
                                    f"`{mod_name(vm, s)}'", name)
            if m.owner is s:
                m.visibility = level
            else:
                copy = Method(name, s, iseq=m.iseq, fn=m.fn, visibility=level, arity=m.arity)
                copy.cref = m.cref
                s.methods[name] = copy
            vm.serial += 1
        return a[0] if len(a) == 1 else RArray(list(a), vm.cArray)
    return setvis


def m_module_function(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    if not a:
        fr = next((f for f in reversed(vm.stack) if hasattr(f, "cref")), None)
        if fr is not None:
            fr.cref.module_function = True
            fr.cref.visibility = "private"
        return None
    sc = vm.singleton_class(s)
    for n in a:
        name = _name(vm, n)
        m = vm.find_method(s, name)
        copy = Method(name, sc, iseq=m.iseq, fn=m.fn, arity=m.arity)
        copy.cref = m.cref
        vm.add_method(sc, copy)
        m.visibility = "private"
    return None


def m_instance_methods(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    inherit = not a or vm.truthy(a[0])
    seen: dict[str, None] = {}
    for k in (vm.ancestors(s) if inherit else [s]):
        for n, m in k.methods.items():
            if m.visibility != "private" and (m.fn is not None or m.iseq is not None):
                seen.setdefault(n)
    return RArray([intern(n) for n in seen], vm.cArray)


def m_method_defined(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    m = vm.find_method(s, _name(vm, a[0]))
    return m is not None and m.visibility != "private"


def m_const_get(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.defs import lookup_const

    k: Any = s
    for part in _name(vm, a[0]).split("::"):
        if not part:
            k = vm.cObject
            continue
        v = lookup_const(vm, k, part)
        if v is vm.missing:
            return vm.const_missing(k, part, top=k is vm.cObject)
        k = v
    return k


def m_const_defined(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.defs import lookup_const

    return lookup_const(vm, s, _name(vm, a[0])) is not vm.missing


def m_new(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    obj = vm.send(s, "allocate")
    m = vm.find_method(vm.class_of(obj), "initialize")
    if m is not None:
        kw = None
        if a and type(a[-1]) is RHash and m.iseq is not None and m.iseq.param_flags & 48:
            kw = a[-1]
            a = a[:-1]
        vm.call_method(m, obj, list(a), b, kw)
    return obj


def m_allocate(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    t = s.builtin_type
    if t is not None:
        return t(vm, s)
    if s.is_singleton:
        vm.raise_error("TypeError", "can't create instance of singleton class")
    return RObject(s)


def c_new(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    sup = a[0] if a else vm.cObject
    k = vm.new_class(sup, None, None)
    if b is not None:
        from vmforms.yarv.core.objectmethods import o_instance_exec

        o_instance_exec(vm, k, [k], b)
    return k


def mod_new(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    m = RClass(None, None, is_module=True, meta=vm.cModule)
    if b is not None:
        from vmforms.yarv.core.objectmethods import o_instance_exec

        o_instance_exec(vm, m, [m], b)
    return m


def m_cmp(op: str) -> Any:
    def cmp(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
        o = a[0]
        if not isinstance(o, RClass):
            vm.raise_error("TypeError", "compared with non class/module")
        if s is o:
            return op in ("<=", ">=")
        if o in vm.ancestors(s):
            return op in ("<", "<=")
        if s in vm.ancestors(o):
            return op in (">", ">=")
        return None
    return cmp


def install(vm: Any) -> None:
    M, C = vm.cModule, vm.cClass  # noqa: N806 - Ruby's names
    b = vm.builtin
    b(M, "name", lambda vm, s, a, blk: RString(s.name) if s.name else None, 0)
    b(M, "to_s inspect", m_to_s, 0)
    b(M, "===", lambda vm, s, a, blk: vm.is_a(a[0], s), 1)
    b(M, "==", lambda vm, s, a, blk: s is a[0], 1)
    b(M, "hash", lambda vm, s, a, blk: vm.object_id(s), 0)
    for op in ("<", "<=", ">", ">="):
        b(M, op, m_cmp(op), 1)
    b(M, "ancestors", lambda vm, s, a, blk: RArray(list(vm.ancestors(s)), vm.cArray), 0)
    b(M, "include", m_include)
    b(M, "prepend", m_prepend)
    b(M, "include?", lambda vm, s, a, blk: a[0] is not s and a[0] in vm.ancestors(s), 1)
    b(M, "included_modules", lambda vm, s, a, blk: RArray(
        [k for k in vm.ancestors(s) if k.is_module], vm.cArray), 0)
    b(M, "included extended prepended inherited method_added", lambda vm, s, a, blk: None,
      visibility="private")
    b(M, "attr_reader attr", lambda vm, s, a, blk: _attr(vm, s, a, True, False))
    b(M, "attr_writer", lambda vm, s, a, blk: _attr(vm, s, a, False, True))
    b(M, "attr_accessor", lambda vm, s, a, blk: _attr(vm, s, a, True, True))
    b(M, "define_method", m_define_method)
    b(M, "alias_method", m_alias_method, 2)
    b(M, "remove_method undef_method", lambda vm, s, a, blk: [
        (s.methods.__setitem__(_name(vm, n), Method(_name(vm, n), s)),
         setattr(vm, "serial", vm.serial + 1)) for n in a] and s)
    b(M, "public", _visibility("public"))
    b(M, "private", _visibility("private"))
    b(M, "protected", _visibility("protected"))
    b(M, "module_function", m_module_function)
    b(M, "private_constant public_constant", lambda vm, s, a, blk: None)
    b(M, "ruby2_keywords", lambda vm, s, a, blk: None, visibility="private")
    b(M, "private_class_method", lambda vm, s, a, blk: _visibility("private")(
        vm, vm.singleton_class(s), a, blk))
    b(M, "public_class_method", lambda vm, s, a, blk: None)
    b(M, "instance_methods public_instance_methods", m_instance_methods)
    b(M, "private_instance_methods", lambda vm, s, a, blk: RArray([intern(n) for k in (
        vm.ancestors(s) if not a or vm.truthy(a[0]) else [s]) for n, m in k.methods.items()
        if m.visibility == "private"], vm.cArray))
    b(M, "protected_instance_methods", lambda vm, s, a, blk: RArray([], vm.cArray))
    b(M, "method_defined? public_method_defined?", m_method_defined)
    b(M, "private_method_defined?", lambda vm, s, a, blk: (
        (m := vm.find_method(s, _name(vm, a[0]))) is not None and m.visibility == "private"))
    b(M, "instance_method", lambda vm, s, a, blk: _instance_method(vm, s, a[0]), 1)
    b(M, "const_get", m_const_get)
    b(M, "const_set", lambda vm, s, a, blk: (vm.const_set(s, _name(vm, a[0]), a[1]), a[1])[1])
    b(M, "const_defined?", m_const_defined)
    b(M, "constants", lambda vm, s, a, blk: RArray([intern(n) for n in s.consts],
                                                   vm.cArray))
    b(M, "class_variable_get", lambda vm, s, a, blk: next(
        (k.cvars[_name(vm, a[0])] for k in vm.ancestors(s) if _name(vm, a[0]) in k.cvars),
        None), 1)
    b(M, "class_variable_set", lambda vm, s, a, blk: s.cvars.__setitem__(
        _name(vm, a[0]), a[1]) or a[1], 2)
    b(M, "class_variables", lambda vm, s, a, blk: RArray([intern(n) for n in s.cvars],
                                                         vm.cArray))
    b(M, "class_variable_defined?", lambda vm, s, a, blk: any(
        _name(vm, a[0]) in k.cvars for k in vm.ancestors(s)), 1)
    from vmforms.yarv.core.objectmethods import o_instance_exec

    b(M, "class_exec module_exec",
      lambda vm, s, a, blk: o_instance_exec(vm, s, a or [s], blk))
    b(M, "class_eval module_eval", _class_eval)
    b(M, "freeze", lambda vm, s, a, blk: setattr(s, "frozen", True) or s, 0)
    b(M, "module_function", m_module_function)
    b(C, "new", m_new)
    b(C, "allocate", m_allocate, 0)
    b(C, "superclass", lambda vm, s, a, blk: _superclass(s), 0)
    b(C, "class", lambda vm, s, a, blk: vm.cModule if s.is_module else vm.cClass, 0)
    vm.sbuiltin(C, "new", c_new)
    vm.builtin(vm.singleton_class(vm.main), "define_method", lambda vm, s, a, blk:
               m_define_method(vm, vm.cObject, a, blk))
    vm.builtin(vm.singleton_class(vm.main), "include", lambda vm, s, a, blk:
               m_include(vm, vm.cObject, a, blk))
    vm.builtin(vm.singleton_class(vm.main), "public private", lambda vm, s, a, blk:
               _visibility("private")(vm, vm.cObject, a, blk))
    vm.sbuiltin(M, "new", mod_new)


def _superclass(k: RClass) -> Any:
    s = k.superclass
    while s is not None and s.is_singleton:
        s = s.superclass
    return s


def _instance_method(vm: Any, s: RClass, name: Any) -> Any:
    from vmforms.yarv.core.proc import unbound_method

    m = vm.find_method(s, _name(vm, name))
    if m is None:
        n = _name(vm, name)
        vm.raise_name_error(f"undefined method `{n}' for class `{mod_name(vm, s)}'", n)
    return unbound_method(vm, m)


def _class_eval(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    """class_eval with a block (as class_exec), or of a string (compiled, see evals.py)."""
    if b is not None:
        from vmforms.yarv.core.objectmethods import o_instance_exec

        return o_instance_exec(vm, s, [s], b)
    if not 1 <= len(a) <= 3:
        vm.arg_error(len(a), "1..3")
    from vmforms.yarv.interp.evals import string_eval

    return string_eval(vm, s, a, "class_eval")
