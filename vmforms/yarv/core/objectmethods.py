"""Methods every object has (BasicObject, Object via Kernel): identity, equality, class
queries, send, freeze/dup, instance variables, singleton methods (CRuby object.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash, hash_key
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import Method, RClass, RException, RProc


def _name(vm: Any, v: Any) -> str:
    if type(v) is RSymbol:
        return v.name  # type: ignore[no-any-return]
    if type(v) is RString:
        return v.text()  # type: ignore[no-any-return]
    vm.raise_error("TypeError", f"{vm.inspect(v)} is not a symbol nor a string")
    raise AssertionError


def addr(vm: Any, v: Any) -> str:
    return f"0x{0x7f0000000000 + vm.object_id(v) * 8:016x}"


def o_inspect(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if s is vm.main:
        return RString("main")
    cls = vm.real_class(s)
    if isinstance(s, RObject) and s.ivars:
        parts = ", ".join(f"{k}={vm.inspect(v)}" for k, v in s.ivars.items())
        return RString(f"#<{cls.name}:{addr(vm, s)} {parts}>")
    return RString(f"#<{cls.name}:{addr(vm, s)}>")


def o_to_s(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if s is vm.main:
        return RString("main")
    return RString(f"#<{vm.real_class(s).name}:{addr(vm, s)}>")


def o_send(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if not a:
        vm.raise_error("ArgumentError", "no method name given")
    name = _name(vm, a[0])
    m = vm.find_method(vm.class_of(s), name)
    if vm.refined:  # send sees the caller's refinements, as ruby's
        from vmforms.yarv.interp import refine
        from vmforms.yarv.interp.evals import caller_frame

        refs = refine.active(caller_frame(vm).cref)
        if refs:
            m = refine.find(vm, vm.class_of(s), name, refs)
    if m is None:
        return vm.method_missing(s, name, a[1:], b, fcall=True)
    args = a[1:]
    kw = None
    if args and type(args[-1]) is RHash and m.iseq is not None and m.iseq.param_flags & 48:
        kw = args.pop()
    return vm.call_method(m, s, args, b, kw)


def o_public_send(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    name = _name(vm, a[0])
    m = vm.find_method(vm.class_of(s), name)
    if m is not None and m.visibility != "public":
        vm.raise_error("NoMethodError", f"{m.visibility} method `{name}' called for "
                       f"{vm.describe(s)}")
    return o_send(vm, s, a, b)


def o_respond_to(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    name = _name(vm, a[0])
    m = vm.find_method(vm.class_of(s), name)
    if m is not None and (m.visibility == "public" or (len(a) > 1 and vm.truthy(a[1]))):
        return True
    return vm.truthy(vm.send(s, "respond_to_missing?", intern(name), len(a) > 1 and a[1]))


def o_method_missing(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    name = _name(vm, a[0])
    desc = vm.describe(s)
    from vmforms.yarv.interp.objects import RubyError

    exc = vm.make_error("NoMethodError", f"undefined method `{name}' for {desc}")
    exc.ivars = {"@name": intern(name), "@receiver": s}
    raise RubyError(exc)


def o_freeze(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if isinstance(s, RObject):
        s.frozen = True
    return s


def o_frozen(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if isinstance(s, RObject):
        return s.frozen
    return True


def o_dup(vm: Any, s: Any, a: list[Any], b: Any, clone: bool = False) -> Any:
    if not isinstance(s, RObject) or isinstance(s, RClass) and not clone:
        if isinstance(s, RClass):
            return _dup_class(vm, s)
        return s
    import copy

    c = copy.copy(s)
    if isinstance(c, RArray):
        c.items = list(s.items)  # type: ignore[attr-defined]
    elif isinstance(c, RHash):
        c.table = dict(s.table)  # type: ignore[attr-defined]
    elif isinstance(c, RString):
        c.b = bytearray(s.b)  # type: ignore[attr-defined]
    if s.ivars is not None:
        c.ivars = dict(s.ivars)
    if not clone:
        c.frozen = False
        c.cls = vm.real_class(s)
    vm.send(c, "initialize_clone" if clone else "initialize_dup", s)
    return c


def _dup_class(vm: Any, k: RClass) -> RClass:
    n = RClass(None, k.superclass, is_module=k.is_module, meta=k.cls)
    n.methods = dict(k.methods)
    n.consts = dict(k.consts)
    n.includes = list(k.includes)
    return n


def o_clone(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    return o_dup(vm, s, a, b, clone=True)


def o_ivar_get(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    return (s.ivars or {}).get(_name(vm, a[0])) if isinstance(s, RObject) else None


def o_ivar_set(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    vm.ivar_set(s, _name(vm, a[0]), a[1])
    return a[1]


def o_ivar_defined(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    return isinstance(s, RObject) and _name(vm, a[0]) in (s.ivars or {})


def o_ivars(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    names = list((s.ivars or {}).keys()) if isinstance(s, RObject) else []
    # names without @ are internal (an exception's bt_locations), hidden as in CRuby
    return RArray([intern(n) for n in names if n.startswith("@")], vm.cArray)


def o_extend(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    sc = vm.singleton_class(s)
    for m in a:
        if m not in sc.includes:
            sc.includes.append(m)
        vm.serial += 1
        hook = vm.find_method(vm.class_of(m), "extended")
        if hook is not None and hook.owner is not vm.cModule:
            vm.send(m, "extended", s)
    return s


def o_instance_eval(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.loop import invoke_block

    if b is None:
        if not 1 <= len(a) <= 3:
            vm.arg_error(len(a), "1..3")
        from vmforms.yarv.interp.evals import string_eval

        return string_eval(vm, s, a, "instance_eval")
    return _with_cref(vm, s, b, lambda: invoke_block(vm, b, a if a else [s], None,
                                                     self_=s))


def _with_cref(vm: Any, s: Any, blk: RProc, run: Any) -> Any:
    from vmforms.yarv.interp.frame import Cref

    if blk.iseq is None:
        return run()
    old = blk.cref
    target = s if isinstance(s, RClass) else vm.singleton_class(s) \
        if isinstance(s, RObject) else vm.class_of(s)
    blk.cref = Cref(target, old)
    try:
        return run()
    finally:
        blk.cref = old


def o_instance_exec(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.loop import invoke_block

    return _with_cref(vm, s, b, lambda: invoke_block(vm, b, a, None, self_=s))


def o_define_singleton_method(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.module import define_method_from

    define_method_from(vm, vm.singleton_class(s), _name(vm, a[0]), a[1] if len(a) > 1 else b)
    return intern(_name(vm, a[0]))


def o_singleton_methods(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    c = vm.class_of(s)
    names = list(c.methods) if c.is_singleton else []
    return RArray([intern(n) for n in names], vm.cArray)


def o_methods(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    seen: dict[str, None] = {}
    for k in vm.ancestors(vm.class_of(s)):
        for n, m in k.methods.items():
            if m.visibility != "private":
                seen.setdefault(n)
    return RArray([intern(n) for n in seen], vm.cArray)


def o_method(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.proc import method_object

    name = _name(vm, a[0])
    m = vm.find_method(vm.class_of(s), name)
    if m is None:
        vm.raise_name_error(f"undefined method `{name}' for {vm.describe(s)}", name)
    return method_object(vm, s, m)


def install(vm: Any) -> None:
    bo, k = vm.cBasicObject, vm.mKernel
    b = vm.builtin
    b(bo, "initialize", lambda vm, s, a, blk: None, visibility="private")
    b(bo, "== equal?", lambda vm, s, a, blk: s is a[0] or (
        type(s) in (int, float) and type(a[0]) in (int, float) and s == a[0]), 1)
    b(bo, "!", lambda vm, s, a, blk: s is None or s is False, 0)
    b(bo, "!=", lambda vm, s, a, blk: not vm.eq(s, a[0]), 1)
    b(bo, "__id__", lambda vm, s, a, blk: vm.object_id(s), 0)
    b(bo, "__send__", o_send)
    b(bo, "instance_eval", o_instance_eval)
    b(bo, "instance_exec", o_instance_exec)
    b(bo, "method_missing", o_method_missing, visibility="private")
    b(bo, "singleton_method_added", lambda vm, s, a, blk: None, visibility="private")
    b(k, "eql?", lambda vm, s, a, blk: hash_key(s) == hash_key(a[0]) if type(s) in (
        int, float, RString) else s is a[0], 1)
    b(k, "===", lambda vm, s, a, blk: vm.eq(s, a[0]), 1)
    b(k, "=~", lambda vm, s, a, blk: None, 1)
    b(k, "<=>", lambda vm, s, a, blk: 0 if s is a[0] or vm.eq(s, a[0]) else None, 1)
    b(k, "!~", lambda vm, s, a, blk: not vm.truthy(vm.send(s, "=~", a[0])), 1)
    b(k, "hash", lambda vm, s, a, blk: hash(hash_key(s)) & ((1 << 62) - 1), 0)
    b(k, "object_id", lambda vm, s, a, blk: vm.object_id(s), 0)
    b(k, "class", lambda vm, s, a, blk: vm.real_class(s), 0)
    b(k, "singleton_class", lambda vm, s, a, blk: vm.singleton_class(s), 0)
    b(k, "inspect", o_inspect, 0)
    b(k, "to_s", o_to_s, 0)
    b(k, "nil?", lambda vm, s, a, blk: s is None, 0)
    b(k, "is_a? kind_of?", lambda vm, s, a, blk: vm.is_a(s, a[0]), 1)
    b(k, "instance_of?", lambda vm, s, a, blk: vm.real_class(s) is a[0], 1)
    b(k, "respond_to?", o_respond_to)
    b(k, "respond_to_missing?", lambda vm, s, a, blk: False, visibility="private")
    b(k, "send", o_send)
    b(k, "public_send", o_public_send)
    b(k, "method public_method", o_method, 1)
    b(k, "methods public_methods", o_methods)
    b(k, "singleton_methods", o_singleton_methods)
    b(k, "freeze", o_freeze, 0)
    b(k, "frozen?", o_frozen, 0)
    b(k, "dup", o_dup, 0)
    b(k, "clone", o_clone)
    b(k, "initialize_copy", lambda vm, s, a, blk: s, 1, visibility="private")
    b(k, "initialize_dup initialize_clone", lambda vm, s, a, blk: vm.send(
        s, "initialize_copy", a[0]), visibility="private")
    b(k, "tap", lambda vm, s, a, blk: (vm.call_proc(blk, [s]), s)[1], 0)
    b(k, "then yield_self", lambda vm, s, a, blk: vm.call_proc(blk, [s]), 0)
    b(k, "itself", lambda vm, s, a, blk: s, 0)
    b(k, "instance_variable_get", o_ivar_get, 1)
    b(k, "instance_variable_set", o_ivar_set, 2)
    b(k, "instance_variable_defined?", o_ivar_defined, 1)
    b(k, "instance_variables", o_ivars, 0)
    b(k, "extend", o_extend)
    b(k, "define_singleton_method", o_define_singleton_method)
    b(k, "display", lambda vm, s, a, blk: vm.send(vm.main, "print", s), 0)
    _ = (Method, RException)
