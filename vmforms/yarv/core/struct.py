"""Struct (CRuby struct.c): Struct.new builds a class with accessors, positional or keyword
initialize, equality by members, to_a/to_h, and Ruby's `#<struct Name a=1>` inspect."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import Method, RClass


def _members(vm: Any, s: Any) -> list[str]:
    k = vm.real_class(s)
    while k is not None:
        m = k.consts.get("__members__")
        if m is not None:
            return m  # type: ignore[no-any-return]
        k = k.superclass
    return []


def _values(vm: Any, s: RObject) -> list[Any]:
    iv = s.ivars or {}
    return [iv.get("@" + m) for m in _members(vm, s)]


def struct_new(vm: Any, s: RClass, a: list[Any], b: Any) -> Any:
    if s is not vm.cObject.consts["Struct"]:
        from vmforms.yarv.core.module import m_new

        return m_new(vm, s, a, b)
    kw_init = False
    if a and type(a[-1]) is RHash:
        kw_init = vm.truthy(a[-1].get(intern("keyword_init")))
        a = a[:-1]
    name = None
    if a and type(a[0]) is RString:
        name, a = a[0].text(), a[1:]
    members = [m.name if type(m) is RSymbol else vm.to_s(m) for m in a]
    k = vm.new_class(s, None, None)
    if name is not None:
        vm.const_set(s, name, k)
    k.consts["__members__"] = members
    k.consts["__kw_init__"] = kw_init
    for m in members:
        vm.add_method(k, Method(m, k, fn=_getter("@" + m), arity=0))
        vm.add_method(k, Method(m + "=", k, fn=_setter("@" + m), arity=1))
    if b is not None:
        from vmforms.yarv.core.objectmethods import o_instance_exec

        o_instance_exec(vm, k, [k], b)
    return k


def _getter(iv: str) -> Any:
    return lambda vm, s, a, blk: (s.ivars or {}).get(iv)


def _setter(iv: str) -> Any:
    def set_(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
        vm.ivar_set(s, iv, a[0])
        return a[0]
    return set_


def s_initialize(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    members = _members(vm, s)
    k = vm.real_class(s)
    kw_init = any(c.consts.get("__kw_init__") for c in vm.ancestors(k))
    if len(a) > len(members):
        vm.raise_error("ArgumentError", "struct size differs")
    s.ivars = {"@" + m: None for m in members}
    if kw_init or (len(a) == 1 and type(a[0]) is RHash and kw_init):
        h = a[0] if a else RHash()
        for key, v in h.table.values():
            name = key.name if type(key) is RSymbol else vm.to_s(key)
            if name not in members:
                vm.raise_error("ArgumentError", f"unknown keywords: {name}")
            s.ivars["@" + name] = v
        return None
    for m, v in zip(members, a, strict=False):
        s.ivars["@" + m] = v
    return None


def s_inspect(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    k = vm.real_class(s)
    name = f" {k.name}" if k.name else ""
    parts = ", ".join(f"{m}={vm.inspect(v)}" for m, v in zip(_members(vm, s),
                                                             _values(vm, s), strict=True))
    return RString(f"#<struct{name} {parts}>" if parts else f"#<struct{name}>")


def s_aref(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    members = _members(vm, s)
    k = a[0]
    if type(k) is int:
        if not -len(members) <= k < len(members):
            vm.raise_error("IndexError", f"offset {k} too large for struct(size:{len(members)})")
        return _values(vm, s)[k]
    name = k.name if type(k) is RSymbol else vm.to_s(k)
    if name not in members:
        vm.raise_error("NameError", f"no member '{name}' in struct")
    return (s.ivars or {}).get("@" + name)


def s_aset(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    members = _members(vm, s)
    k = a[0]
    name = members[k] if type(k) is int else (k.name if type(k) is RSymbol else vm.to_s(k))
    vm.ivar_set(s, "@" + name, a[1])
    return a[1]


def install(vm: Any) -> None:
    S = vm.define_class("Struct")  # noqa: N806
    S.includes.append(vm.mEnumerable)
    b = vm.builtin
    vm.sbuiltin(S, "new", struct_new)
    vm.sbuiltin(S, "members", lambda vm, s, a, blk: RArray(
        [intern(m) for m in (s.consts.get("__members__") or [])], vm.cArray), 0)
    b(S, "initialize", s_initialize, visibility="private")
    b(S, "to_s inspect", s_inspect, 0)
    b(S, "to_a deconstruct values", lambda vm, s, a, blk: RArray(_values(vm, s), vm.cArray),
      0)
    b(S, "to_h", lambda vm, s, a, blk: _to_h(vm, s), 0)
    b(S, "deconstruct_keys", lambda vm, s, a, blk: _to_h(vm, s), 1)
    b(S, "members", lambda vm, s, a, blk: RArray([intern(m) for m in _members(vm, s)],
                                                 vm.cArray), 0)
    b(S, "each", lambda vm, s, a, blk: [vm.call_proc(blk, [v]) for v in _values(vm, s)]
      and s, 0)
    b(S, "each_pair", lambda vm, s, a, blk: [vm.call_proc(blk, [intern(m), v]) for m, v in zip(
        _members(vm, s), _values(vm, s), strict=True)] and s, 0)
    b(S, "[]", s_aref, 1)
    b(S, "[]=", s_aset, 2)
    b(S, "== eql?", lambda vm, s, a, blk: vm.real_class(a[0]) is vm.real_class(s) and all(
        vm.eq(x, y) for x, y in zip(_values(vm, s), _values(vm, a[0]), strict=True)), 1)
    b(S, "hash", lambda vm, s, a, blk: hash(tuple(vm.send(v, "hash") for v in _values(
        vm, s))), 0)
    b(S, "size length", lambda vm, s, a, blk: len(_members(vm, s)), 0)
    b(S, "dig", lambda vm, s, a, blk: (lambda v: v if len(a) == 1 or v is None else vm.send(
        v, "dig", *a[1:]))(s_aref(vm, s, a[:1], blk)))


def _to_h(vm: Any, s: RObject) -> RHash:
    h = RHash(vm.cHash)
    for m, v in zip(_members(vm, s), _values(vm, s), strict=True):
        h.put(intern(m), v)
    return h
