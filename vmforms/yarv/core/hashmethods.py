# mypy: disable-error-code="func-returns-value"
"""Hash's methods: insertion order, default values and procs, compare_by_identity
(CRuby hash.c); the representation lives in hash.py."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.string import RString


def frozen_check(vm: Any, s: RHash) -> None:
    if s.frozen:
        vm.raise_error("FrozenError", f"can't modify frozen Hash: {vm.inspect(s)}")


def new_hash(vm: Any, s: RHash | None = None) -> RHash:
    h = RHash(vm.cHash)
    if s is not None:
        h.identity = s.identity
    return h


def h_aref(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    k = a[0]
    e = s.table.get(s.key_of(k))
    if e is not None:
        return e[1]
    if s.default_proc is not None:
        return vm.call_proc(s.default_proc, [s, k])
    if s.cls is not vm.cHash and s.cls is not None:
        return vm.send(s, "default", k)
    return s.default


def h_aset(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    k = a[0]
    if type(k) is RString and not k.frozen and not s.identity:
        k = RString(k.b, k.enc, vm.cString)
        k.frozen = True
    s.put(k, a[1])
    return a[1]


def h_fetch(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    e = s.table.get(s.key_of(a[0]))
    if e is not None:
        return e[1]
    if b is not None:
        return vm.call_proc(b, [a[0]])
    if len(a) > 1:
        return a[1]
    exc = vm.make_error("KeyError", f"key not found: {vm.inspect(a[0])}")
    exc.ivars = {"@key": a[0], "@receiver": s}
    from vmforms.yarv.interp.objects import RubyError

    raise RubyError(exc)


def h_inspect(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    guard = vm.__dict__.setdefault("_inspecting", set())
    if id(s) in guard:
        return RString("{...}")
    guard.add(id(s))
    try:
        if not s.table:
            return RString("{}")
        return RString("{" + ", ".join(f"{vm.inspect(k)}=>{vm.inspect(v)}"
                                       for k, v in s.table.values()) + "}")
    finally:
        guard.discard(id(s))


def pairs(vm: Any, s: RHash) -> list[RArray]:
    return [RArray([k, v], vm.cArray) for k, v in list(s.table.values())]


def h_each(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(RArray(pairs(vm, s), vm.cArray), "each")
    for k, v in list(s.table.values()):
        vm.call_proc(b, [RArray([k, v], vm.cArray)])
    return s


def _two(vm: Any, b: Any, k: Any, v: Any) -> Any:
    return vm.call_proc(b, [k, v])


def h_select(keep: bool) -> Any:
    def fn(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
        h = new_hash(vm, s)
        for k, v in list(s.table.values()):
            if vm.truthy(_two(vm, b, k, v)) == keep:
                h.put(k, v)
        return h
    return fn


def h_select_bang(keep: bool, nil_if_same: bool) -> Any:
    def fn(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
        frozen_check(vm, s)
        before = len(s.table)
        for key, (k, v) in list(s.table.items()):
            if vm.truthy(_two(vm, b, k, v)) != keep:
                del s.table[key]
        return None if nil_if_same and len(s.table) == before else s
    return fn


def h_merge(vm: Any, s: RHash, a: list[Any], b: Any, into: RHash | None = None) -> Any:
    h = into
    if h is None:
        h = new_hash(vm, s)
        h.table = dict(s.table)
        h.default, h.default_proc = s.default, s.default_proc
    for o in a:
        for k, v in o.table.values():
            if b is not None and h.key_of(k) in h.table:
                v = vm.call_proc(b, [k, h.table[h.key_of(k)][1], v])
            h.put(k, v)
    return h


def h_delete(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    e = s.table.pop(s.key_of(a[0]), None)
    if e is None:
        return vm.call_proc(b, [a[0]]) if b is not None else None
    return e[1]


def h_transform(which: str) -> Any:
    def fn(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
        h = new_hash(vm, s)
        for k, v in list(s.table.values()):
            if which == "v":
                h.put(k, vm.call_proc(b, [v]))
            else:
                h.put(vm.call_proc(b, [k]) if b else a[0].get(k, k), v)
        return h
    return fn


def h_initialize(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    if b is not None:
        s.default_proc = b
    elif a and type(a[-1]) is not RHash or (a and len(a) == 1):
        s.default = a[0]
    return None


def h_sort_by_default(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    return vm.send(RArray(pairs(vm, s), vm.cArray), "sort", block=b)


def h_eq(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) is not RHash or len(o.table) != len(s.table):
        return False
    for key, (_, v) in s.table.items():
        e = o.table.get(key)
        if e is None or not vm.eq(v, e[1]):
            return False
    return True


def install(vm: Any) -> None:
    from vmforms.yarv.core.hashmethods2 import install as install_more

    H = vm.cHash  # noqa: N806
    H.builtin_type = lambda vm, cls: RHash(cls)
    b = vm.builtin
    vm.sbuiltin(H, "[]", lambda vm, s, a, blk: h_merge(vm, RHash(vm.cHash), a, None) if a
                and type(a[0]) is RHash else _from_pairs(vm, a))
    b(H, "initialize", h_initialize, visibility="private")
    b(H, "[]", h_aref, 1)
    b(H, "[]= store", h_aset, 2)
    b(H, "fetch", h_fetch)
    b(H, "dig", lambda vm, s, a, blk: (lambda v: v if len(a) == 1 or v is None else vm.send(
        v, "dig", *a[1:]))(h_aref(vm, s, a[:1], blk)))
    b(H, "key? has_key? include? member?", lambda vm, s, a, blk: s.key_of(a[0]) in s.table, 1)
    b(H, "value? has_value?", lambda vm, s, a, blk: any(vm.eq(v, a[0]) for _, v in
                                                        s.table.values()), 1)
    b(H, "key", lambda vm, s, a, blk: next((k for k, v in s.table.values() if vm.eq(v, a[0])),
                                           None), 1)
    b(H, "keys", lambda vm, s, a, blk: RArray([k for k, _ in s.table.values()], vm.cArray), 0)
    b(H, "values", lambda vm, s, a, blk: RArray([v for _, v in s.table.values()], vm.cArray),
      0)
    b(H, "values_at", lambda vm, s, a, blk: RArray([h_aref(vm, s, [k], blk) for k in a],
                                                   vm.cArray))
    b(H, "fetch_values", lambda vm, s, a, blk: RArray([h_fetch(vm, s, [k], blk) for k in a],
                                                      vm.cArray))
    b(H, "length size count", lambda vm, s, a, blk: len(s.table) if blk is None and not a else
      sum(1 for k, v in s.table.values() if vm.truthy(_two(vm, blk, k, v))))
    b(H, "empty?", lambda vm, s, a, blk: not s.table, 0)
    b(H, "inspect to_s", h_inspect, 0)
    b(H, "each each_pair", h_each, 0)
    b(H, "each_key", lambda vm, s, a, blk: [vm.call_proc(blk, [k]) for k, _ in list(
        s.table.values())] and s, 0)
    b(H, "each_value", lambda vm, s, a, blk: [vm.call_proc(blk, [v]) for _, v in list(
        s.table.values())] and s, 0)
    b(H, "select filter", h_select(True), 0)
    b(H, "reject", h_select(False), 0)
    b(H, "select! filter!", h_select_bang(True, True), 0)
    b(H, "keep_if", h_select_bang(True, False), 0)
    b(H, "reject!", h_select_bang(False, True), 0)
    b(H, "delete_if", h_select_bang(False, False), 0)
    b(H, "merge", h_merge)
    b(H, "merge! update", lambda vm, s, a, blk: (frozen_check(vm, s), h_merge(
        vm, s, a, blk, into=s))[1])
    b(H, "delete", h_delete, 1)
    b(H, "transform_values", h_transform("v"), 0)
    b(H, "transform_keys", h_transform("k"))
    b(H, "to_h", lambda vm, s, a, blk: s if blk is None else _to_h_block(vm, s, blk), 0)
    b(H, "to_a entries", lambda vm, s, a, blk: RArray(pairs(vm, s), vm.cArray), 0)
    b(H, "== eql?", h_eq, 1)
    b(H, "sort", h_sort_by_default, 0)
    b(H, "default", lambda vm, s, a, blk: s.default, -1)
    b(H, "default=", lambda vm, s, a, blk: setattr(s, "default", a[0]) or a[0], 1)
    b(H, "default_proc", lambda vm, s, a, blk: s.default_proc, 0)
    b(H, "compare_by_identity", lambda vm, s, a, blk: _identity(s), 0)
    b(H, "compare_by_identity?", lambda vm, s, a, blk: s.identity, 0)
    b(H, "clear", lambda vm, s, a, blk: (frozen_check(vm, s), s.table.clear(), s)[2], 0)
    b(H, "freeze", lambda vm, s, a, blk: (setattr(s, "frozen", True), s)[1], 0)
    install_more(vm)


def _identity(s: RHash) -> RHash:
    s.identity = True
    s.table = {id(k): (k, v) for k, v in s.table.values()}
    return s


def _to_h_block(vm: Any, s: RHash, blk: Any) -> RHash:
    h = RHash(vm.cHash)
    for k, v in list(s.table.values()):
        pair = vm.call_proc(blk, [k, v])
        h.put(pair.items[0], pair.items[1])
    return h


def _from_pairs(vm: Any, a: list[Any]) -> RHash:
    h = RHash(vm.cHash)
    if len(a) == 1 and type(a[0]) is RArray:
        for p in a[0].items:
            h.put(p.items[0], p.items[1] if len(p.items) > 1 else None)
        return h
    if len(a) % 2:
        vm.raise_error("ArgumentError", "odd number of arguments for Hash")
    for i in range(0, len(a), 2):
        h.put(a[i], a[i + 1])
    return h
