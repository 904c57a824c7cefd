"""Proc, Method and UnboundMethod, with Ruby's arity rules (CRuby proc.c), and the small
classes NilClass, TrueClass and FalseClass (object.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import Method, RProc


def iseq_arity(iseq: Any, is_lambda: bool) -> int:
    """Proc#arity and Method#arity (rb_iseq_min_max_arity, rb_proc_arity)."""
    kw = iseq.keyword
    lo = iseq.lead_num + iseq.post_num + (1 if iseq.has_kw and kw is not None
                                          and kw.required_num > 0 else 0)
    hi = None if iseq.has_rest else iseq.lead_num + iseq.opt_num + iseq.post_num + (
        1 if iseq.has_kw or iseq.has_kwrest else 0)
    if is_lambda:
        return lo if lo == hi else -lo - 1  # type: ignore[no-any-return]
    return lo if hi is not None else -lo - 1  # type: ignore[no-any-return]


def p_arity(vm: Any, s: RProc, a: list[Any], b: Any) -> Any:
    if s.iseq is None:
        return -1 if not s.is_lambda else -2
    return iseq_arity(s.iseq, s.is_lambda)


def p_call(vm: Any, s: RProc, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.loop import invoke_block
    from vmforms.yarv.interp.objects import BreakSignal

    try:
        return invoke_block(vm, s, list(a), None, b)
    except BreakSignal as sig:
        if s.is_lambda:
            return sig.value
        raise


def p_inspect(vm: Any, s: RProc, a: list[Any], b: Any) -> Any:
    oid = f"0x{0x7f0000000000 + vm.object_id(s) * 8:016x}"
    if s.iseq is None:
        return RString(f"#<Proc:{oid}(&:?){' (lambda)' if s.is_lambda else ''}>")
    path = s.iseq.path.text() if isinstance(s.iseq.path, RString) else "?"
    lam = " (lambda)" if s.is_lambda else ""
    return RString(f"#<Proc:{oid} {path}:{s.iseq.first_lineno}{lam}>")


def p_curry(vm: Any, s: RProc, a: list[Any], b: Any) -> Any:
    n = a[0] if a else abs(p_arity(vm, s, [], None))
    got: list[Any] = []

    def make(got: list[Any]) -> RProc:
        def call(vm_: Any, args: list[Any], blockarg: Any) -> Any:
            now = got + list(args)
            if len(now) >= n:
                return p_call(vm, s, now, None)
            return make(now)
        p = RProc(None, None, None, None, None, is_lambda=True, fn=call)
        p.cls = vm.cProc
        return p
    return make(got)


def method_object(vm: Any, recv: Any, m: Method) -> RObject:
    obj = RObject(vm.cMethod)
    obj.ivars = {"@method": m, "@receiver": recv}
    return obj


def unbound_method(vm: Any, m: Method) -> RObject:
    obj = RObject(vm.cObject.consts["UnboundMethod"])
    obj.ivars = {"@method": m}
    return obj


def m_call(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    iv = s.ivars or {}
    return vm.call_method(iv["@method"], iv["@receiver"], list(a), b, None)


def m_to_proc(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    def call(vm_: Any, args: list[Any], blockarg: Any) -> Any:
        return m_call(vm, s, args, blockarg)
    p = RProc(None, None, None, None, None, is_lambda=True, fn=call)
    p.cls = vm.cProc
    return p


def m_arity(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    m = (s.ivars or {})["@method"]
    if m.iseq is not None:
        return iseq_arity(m.iseq, True)
    return m.arity


def install(vm: Any) -> None:
    P, M = vm.cProc, vm.cMethod  # noqa: N806
    UM = vm.define_class("UnboundMethod")  # noqa: N806
    b = vm.builtin
    vm.sbuiltin(P, "new", lambda vm, s, a, blk: blk if blk is not None else vm.raise_error(
        "ArgumentError", "tried to create Proc object without a block"))
    b(P, "call () yield === []", p_call)
    b(P, "to_proc", lambda vm, s, a, blk: s, 0)
    b(P, "lambda?", lambda vm, s, a, blk: s.is_lambda, 0)
    b(P, "arity", p_arity, 0)
    b(P, "parameters", lambda vm, s, a, blk: RArray([], vm.cArray), 0)
    b(P, "inspect to_s", p_inspect, 0)
    b(P, "curry", p_curry)
    b(P, ">>", lambda vm, s, a, blk: _compose(vm, s, a[0]), 1)
    b(P, "<<", lambda vm, s, a, blk: _compose(vm, a[0], s), 1)
    b(M, "call () [] ===", m_call)
    b(M, "to_proc", m_to_proc, 0)
    b(M, ">>", lambda vm, s, a, blk: _compose(vm, s, a[0]), 1)
    b(M, "<<", lambda vm, s, a, blk: _compose(vm, a[0], s), 1)
    b(M, "arity", m_arity, 0)
    b(M, "name", lambda vm, s, a, blk: intern((s.ivars or {})["@method"].name), 0)
    b(M, "owner", lambda vm, s, a, blk: (s.ivars or {})["@method"].owner, 0)
    b(M, "receiver", lambda vm, s, a, blk: (s.ivars or {})["@receiver"], 0)
    b(M, "unbind", lambda vm, s, a, blk: unbound_method(vm, (s.ivars or {})["@method"]), 0)
    b(M, "inspect to_s", lambda vm, s, a, blk: RString(
        f"#<Method: {vm.real_class((s.ivars or {})['@receiver']).name}"
        f"#{(s.ivars or {})['@method'].name}>"), 0)
    b(UM, "bind", lambda vm, s, a, blk: method_object(vm, a[0], (s.ivars or {})["@method"]), 1)
    b(UM, "bind_call", lambda vm, s, a, blk: vm.call_method(
        (s.ivars or {})["@method"], a[0], list(a[1:]), blk, None))
    b(UM, "name", lambda vm, s, a, blk: intern((s.ivars or {})["@method"].name), 0)
    b(UM, "owner", lambda vm, s, a, blk: (s.ivars or {})["@method"].owner, 0)
    b(UM, "arity", m_arity, 0)
    for k in (M, UM):
        b(k, "source_location", _source_location, 0)
    b(P, "source_location", lambda vm, s, a, blk: None if s.iseq is None else RArray(
        [s.iseq.path, s.iseq.first_lineno], vm.cArray), 0)
    N, T, F = vm.cNilClass, vm.cTrueClass, vm.cFalseClass  # noqa: N806
    b(N, "to_s", lambda vm, s, a, blk: RString("", "US-ASCII"), 0)
    b(N, "to_a", lambda vm, s, a, blk: RArray([], vm.cArray), 0)
    b(N, "to_h", lambda vm, s, a, blk: vm.hash_new(), 0)
    b(N, "to_i", lambda vm, s, a, blk: 0, 0)
    b(N, "to_f", lambda vm, s, a, blk: 0.0, 0)
    b(N, "inspect", lambda vm, s, a, blk: RString("nil"), 0)
    b(N, "&", lambda vm, s, a, blk: False, 1)
    b(N, "|", lambda vm, s, a, blk: vm.truthy(a[0]), 1)
    b(T, "to_s inspect", lambda vm, s, a, blk: RString("true"), 0)
    b(T, "&", lambda vm, s, a, blk: vm.truthy(a[0]), 1)
    b(T, "|", lambda vm, s, a, blk: True, 1)
    b(T, "^", lambda vm, s, a, blk: not vm.truthy(a[0]), 1)
    b(F, "to_s inspect", lambda vm, s, a, blk: RString("false"), 0)
    b(F, "&", lambda vm, s, a, blk: False, 1)
    b(F, "| ^", lambda vm, s, a, blk: vm.truthy(a[0]), 1)
    for k in (N, T, F):
        b(k, "==", lambda vm, s, a, blk: s is a[0], 1)


def _source_location(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    """[file, line] of a method written in Ruby, nil for a builtin."""
    iseq = (s.ivars or {})["@method"].iseq
    return None if iseq is None else RArray([iseq.path, iseq.first_lineno], vm.cArray)


def _compose(vm: Any, first: Any, second: Any) -> RProc:
    def call(vm_: Any, args: list[Any], blockarg: Any) -> Any:
        return vm.send(second, "call", vm.send(first, "call", *args))
    p = RProc(None, None, None, None, None, is_lambda=True, fn=call)
    p.cls = vm.cProc
    return p
