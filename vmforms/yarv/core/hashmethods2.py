"""More of Hash's methods: ordering, grouping, min/max by value, shift (CRuby hash.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.hashmethods import frozen_check, new_hash, pairs


def _any(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    if b is None:
        return bool(s.table)
    return any(vm.truthy(vm.call_proc(b, [k, v])) for k, v in list(s.table.values()))


def _all(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    return all(vm.truthy(vm.call_proc(b, [k, v])) for k, v in list(s.table.values()))


def _find(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    for k, v in list(s.table.values()):
        if vm.truthy(vm.call_proc(b, [k, v])):
            return RArray([k, v], vm.cArray)
    return None


def _map(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    return RArray([vm.call_proc(b, [k, v]) for k, v in list(s.table.values())], vm.cArray)


def _shift(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    if not s.table:
        return None
    key = next(iter(s.table))
    k, v = s.table.pop(key)
    return RArray([k, v], vm.cArray)


def _invert(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    h = new_hash(vm)
    for k, v in s.table.values():
        h.put(v, k)
    return h


def _slice(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    h = new_hash(vm, s)
    for k in a:
        e = s.table.get(s.key_of(k))
        if e is not None:
            h.put(e[0], e[1])
    return h


def _except(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    h = new_hash(vm, s)
    drop = {s.key_of(k) for k in a}
    for key, (k, v) in s.table.items():
        if key not in drop:
            h.put(k, v)
    return h


def _group_sum(vm: Any, s: RHash, a: list[Any], b: Any) -> Any:
    total = a[0] if a else 0
    for k, v in list(s.table.values()):
        total = vm.send(total, "+", vm.call_proc(b, [k, v]) if b else RArray([k, v],
                                                                              vm.cArray))
    return total


def install(vm: Any) -> None:
    H = vm.cHash  # noqa: N806
    b = vm.builtin
    b(H, "any?", _any)
    b(H, "deconstruct_keys", lambda vm, s, a, blk: s, 1)
    b(H, "all?", _all)
    b(H, "find detect", _find, 0)
    b(H, "map collect flat_map", _map, 0)
    b(H, "shift", _shift, 0)
    b(H, "invert", _invert, 0)
    b(H, "slice", _slice)
    b(H, "except", _except)
    b(H, "filter_map", lambda vm, s, a, blk: RArray([r for r in (
        vm.call_proc(blk, [k, v]) for k, v in list(s.table.values())) if vm.truthy(r)],
        vm.cArray), 0)
    b(H, "sum", _group_sum)
    b(H, "sort_by", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray), "sort_by",
                                                  block=blk), 0)
    b(H, "min_by", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray), "min_by",
                                                 block=blk), 0)
    b(H, "max_by", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray), "max_by",
                                                 block=blk), 0)
    b(H, "group_by", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray),
                                                   "group_by", block=blk), 0)
    b(H, "partition", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray),
                                                    "partition", block=blk), 0)
    b(H, "each_with_object", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray),
                                                           "each_with_object", a[0],
                                                           block=blk), 1)
    b(H, "each_with_index", lambda vm, s, a, blk: vm.send(RArray(pairs(vm, s), vm.cArray),
                                                          "each_with_index", block=blk), 0)
    b(H, "sum", _group_sum)
    b(H, "hash", lambda vm, s, a, blk: len(s.table), 0)
    b(H, "compact", lambda vm, s, a, blk: _compact(vm, s), 0)
    b(H, "filter_map", lambda vm, s, a, blk: RArray([r for r in (
        vm.call_proc(blk, [k, v]) for k, v in list(s.table.values())) if vm.truthy(r)],
        vm.cArray), 0)


def _compact(vm: Any, s: RHash) -> RHash:
    h = new_hash(vm, s)
    for k, v in s.table.values():
        if v is not None:
            h.put(k, v)
    return h
