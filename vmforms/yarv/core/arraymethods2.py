# mypy: disable-error-code="func-returns-value"
"""More of Array's methods: element access, in-place filters, sampling (CRuby array.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.arraymethods import a_flatten, a_uniq, arr, frozen_check, to_ary
from vmforms.yarv.core.hash import hash_key


def _inplace(fn: Any, keep_if_true: bool, nil_if_same: bool) -> Any:
    def run(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
        frozen_check(vm, s)
        before = len(s.items)
        s.items[:] = [x for x in list(s.items) if vm.truthy(vm.call_proc(b, [x])) ==
                      keep_if_true]
        if nil_if_same and len(s.items) == before:
            return None
        return s
    return run


def _map_bang(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    for i, x in enumerate(list(s.items)):
        s.items[i] = vm.call_proc(b, [x])
    return s


def _bang(fn: Any) -> Any:
    def run(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
        frozen_check(vm, s)
        r = fn(vm, s, a, b)
        if len(r.items) == len(s.items) and all(x is y for x, y in zip(
                r.items, s.items, strict=True)):
            return None
        s.items[:] = r.items
        return s
    return run


def _first(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if a:
        if a[0] < 0:
            vm.raise_error("ArgumentError", "negative array size")
        return arr(vm, s.items[:a[0]])
    return s.items[0] if s.items else None


def _fetch(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    i, n = a[0], len(s.items)
    if -n <= i < n:
        return s.items[i]
    if b is not None:
        return vm.call_proc(b, [i])
    if len(a) > 1:
        return a[1]
    vm.raise_error("IndexError", f"index {i} outside of array bounds: {-n}...{n}")


def _last(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if a:
        return arr(vm, s.items[max(0, len(s.items) - a[0]):])
    return s.items[-1] if s.items else None


def _index(vm: Any, s: RArray, a: list[Any], b: Any, rev: bool = False) -> Any:
    idx = range(len(s.items) - 1, -1, -1) if rev else range(len(s.items))
    for i in idx:
        x = s.items[i]
        if (vm.eq(x, a[0]) if a else vm.truthy(vm.call_proc(b, [x]))):
            return i
    return None


def _dig(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    v = vm.send(s, "[]", a[0])
    if len(a) == 1 or v is None:
        return v
    return vm.send(v, "dig", *a[1:])


def _rotate(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    n = a[0] if a else 1
    items = s.items
    if not items:
        return arr(vm, [])
    n %= len(items)
    return arr(vm, items[n:] + items[:n])


def _sample(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if a and type(a[0]) is int:
        return arr(vm, vm.rng.sample(s.items, min(a[0], len(s.items))))
    return vm.rng.choice(s.items) if s.items else None


def _shuffle(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    items = list(s.items)
    rng = vm.rng
    if a and type(a[-1]).__name__ == "RHash":
        r = a[-1].get(vm.sym("random"))
        rng = getattr(r, "rng", rng)
    rng.shuffle(items)
    return arr(vm, items)


def _bsearch(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    lo, hi = 0, len(s.items)
    while lo < hi:
        mid = (lo + hi) // 2
        r = vm.call_proc(b, [s.items[mid]])
        if r is True or (type(r) is int and r == 0):
            hi = mid
        elif r is False or r is None or (type(r) is int and r > 0):
            lo = mid + 1
        else:
            hi = mid
    return s.items[lo] if lo < len(s.items) and vm.truthy(vm.call_proc(
        b, [s.items[lo]])) else None


def _each_rev(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(arr(vm, list(reversed(s.items))), "each")
    for x in reversed(list(s.items)):
        vm.call_proc(b, [x])
    return s


def _count(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if a:
        return sum(1 for x in s.items if vm.eq(x, a[0]))
    if b is not None:
        return sum(1 for x in s.items if vm.truthy(vm.call_proc(b, [x])))
    return len(s.items)


def install(vm: Any) -> None:
    A = vm.cArray  # noqa: N806
    b = vm.builtin
    b(A, "first", _first)
    b(A, "deconstruct", lambda vm, s, a, blk: s, 0)
    b(A, "slice!", __import__("vmforms.yarv.core.arraymethods", fromlist=["a_slice_bang"])
      .a_slice_bang)

    b(A, "fetch", _fetch)
    b(A, "last", _last)
    b(A, "index find_index", _index)
    b(A, "rindex", lambda vm, s, a, blk: _index(vm, s, a, blk, rev=True))
    b(A, "include? member?", lambda vm, s, a, blk: any(x is a[0] or vm.eq(x, a[0])
                                                       for x in s.items), 1)
    b(A, "reverse", lambda vm, s, a, blk: arr(vm, s.items[::-1]), 0)
    b(A, "reverse!", lambda vm, s, a, blk: (frozen_check(vm, s), s.items.reverse(), s)[2], 0)
    b(A, "rotate", _rotate)
    b(A, "compact", lambda vm, s, a, blk: arr(vm, [x for x in s.items if x is not None]), 0)
    b(A, "compact!", _bang(lambda vm, s, a, blk: arr(vm, [x for x in s.items
                                                          if x is not None])), 0)
    b(A, "uniq!", _bang(a_uniq), 0)
    b(A, "flatten!", _bang(a_flatten))
    b(A, "map! collect!", _map_bang, 0)
    b(A, "select! filter!", _inplace(None, True, True), 0)
    b(A, "keep_if", _inplace(None, True, False), 0)
    b(A, "reject!", _inplace(None, False, True), 0)
    b(A, "delete_if", _inplace(None, False, False), 0)
    b(A, "sample", _sample)
    b(A, "shuffle", _shuffle)
    b(A, "shuffle!", lambda vm, s, a, blk: (vm.rng.shuffle(s.items), s)[1])
    b(A, "take", lambda vm, s, a, blk: arr(vm, s.items[:a[0]]), 1)
    b(A, "drop", lambda vm, s, a, blk: arr(vm, s.items[a[0]:]), 1)
    b(A, "dig", _dig)
    b(A, "values_at", lambda vm, s, a, blk: arr(vm, [s.items[i] if -len(s.items) <= i < len(
        s.items) else None for i in a]))
    b(A, "assoc", lambda vm, s, a, blk: next((x for x in s.items if type(x) is RArray and
                                              x.items and vm.eq(x.items[0], a[0])), None), 1)
    b(A, "bsearch", _bsearch, 0)
    b(A, "reverse_each", _each_rev, 0)
    b(A, "count", _count)
    b(A, "intersection", lambda vm, s, a, blk: arr(vm, [x for x in s.items if all(
        hash_key(x) in {hash_key(y) for y in to_ary(vm, o)} for o in a)]))
    b(A, "intersect?", lambda vm, s, a, blk: any(hash_key(x) in {
        hash_key(y) for y in to_ary(vm, a[0])} for x in s.items), 1)
    b(A, "freeze", lambda vm, s, a, blk: (setattr(s, "frozen", True), s)[1], 0)
    b(A, "sum", lambda vm, s, a, blk: __import__(
        "vmforms.yarv.core.enumerable", fromlist=["e_sum"]).e_sum(vm, s, a, blk))
    b(A, "min", lambda vm, s, a, blk: __import__(
        "vmforms.yarv.core.enumerable", fromlist=["e_minmax"]).e_minmax("min")(vm, s, a, blk))
    b(A, "max", lambda vm, s, a, blk: __import__(
        "vmforms.yarv.core.enumerable", fromlist=["e_minmax"]).e_minmax("max")(vm, s, a, blk))
