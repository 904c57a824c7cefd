"""Range's methods (CRuby range.c); the representation lives in range.py."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.loop import block_caller1


def _each(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("each"))
    first, last = s.first, s.last
    if type(first) is int and (type(last) is int or last is None):
        i = first
        stop = None if last is None else (last if s.excl else last + 1)
        call = block_caller1(vm, b)
        while stop is None or i < stop:
            call(i)
            i += 1
        return s
    if type(first) is float:
        vm.raise_error("TypeError", "can't iterate from Float")
    cur = first
    while True:
        c = vm.send(cur, "<=>", last)
        if c is None or c > 0 or (c == 0 and s.excl):
            break
        vm.call_proc(b, [cur])
        if c == 0:
            break
        nxt = vm.send(cur, "succ")
        if type(cur) is RString and len(nxt.b) > len(last.b):
            break
        cur = nxt
    return s


def _to_a(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    if s.last is None:
        vm.raise_error("RangeError", "cannot convert endless range to an array")
    if type(s.first) is int and type(s.last) is int:
        return RArray(list(range(s.first, s.last if s.excl else s.last + 1)), vm.cArray)
    out: list[Any] = []
    from vmforms.yarv.core.enumerable import pyblock

    _each(vm, s, [], pyblock(vm, out.append))
    return RArray(out, vm.cArray)


def _include(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    v = a[0]
    if type(v) is RRange:
        return bool(_include(vm, s, [v.first], b)) and (
            bool(_include(vm, s, [v.last], b)) or (v.excl and vm.eq(v.last, s.last)))
    if s.first is not None:
        c = vm.send(s.first, "<=>", v)
        if c is None or c > 0:
            return False
    if s.last is not None:
        c = vm.send(v, "<=>", s.last)
        if c is None or c > 0 or (c == 0 and s.excl):
            return False
    return True


def _step(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    n = a[0]
    out = []
    i = s.first
    while s.last is None or (i < s.last if s.excl else i <= s.last):
        out.append(i)
        if b is not None:
            vm.call_proc(b, [i])
        i += n
    return s if b is not None else RArray(out, vm.cArray)


def _size(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    if type(s.first) is not int:
        return None
    if s.last is None:
        return float("inf")
    n = int(s.last) - s.first + (0 if s.excl and s.last == int(s.last) else 1)
    return max(0, n)


def _sum(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
    if b is None and type(s.first) is int and type(s.last) is int:
        last = s.last - 1 if s.excl else s.last
        if last < s.first:
            return a[0] if a else 0
        return (s.first + last) * (last - s.first + 1) // 2 + (a[0] if a else 0)
    from vmforms.yarv.core.enumerable import e_sum

    return e_sum(vm, s, a, b)


def _inspect(kind: str) -> Any:
    def fn(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
        show = vm.inspect if kind == "inspect" else vm.to_s
        first = "" if s.first is None and (kind == "to_s" or s.last is not None) \
            else show(s.first)
        last = "" if s.last is None else show(s.last)
        return RString(first + ("..." if s.excl else "..") + last)
    return fn


def _minmax(which: str) -> Any:
    def fn(vm: Any, s: RRange, a: list[Any], b: Any) -> Any:
        if b is not None or a:
            from vmforms.yarv.core.enumerable import e_minmax

            return e_minmax(which)(vm, _to_a(vm, s, [], None), a, b)
        if which == "min":
            c = vm.send(s.first, "<=>", s.last)
            return None if c is None or c > 0 or (c == 0 and s.excl) else s.first
        if s.excl:
            if type(s.last) is not int:
                vm.raise_error("TypeError", "cannot exclude non Integer end value")
            return s.last - 1 if s.last - 1 >= s.first else None
        c = vm.send(s.first, "<=>", s.last)
        return None if c is None or c > 0 else s.last
    return fn


def install(vm: Any) -> None:
    R = vm.cRange  # noqa: N806
    b = vm.builtin
    vm.sbuiltin(R, "new", lambda vm, s, a, blk: RRange(a[0], a[1], len(a) > 2 and vm.truthy(
        a[2]), vm.cRange))
    b(R, "each", _each, 0)
    b(R, "to_a to_ary entries", _to_a, 0)
    from vmforms.yarv.core.enumerable import e_first

    b(R, "first", lambda vm, s, a, blk: s.first if not a else e_first(vm, s, a, blk))
    b(R, "begin", lambda vm, s, a, blk: s.first, 0)
    b(R, "last end", lambda vm, s, a, blk: s.last if not a else vm.send(
        _to_a(vm, s, [], None), "last", a[0]))
    b(R, "min", _minmax("min"))
    b(R, "max", _minmax("max"))
    b(R, "exclude_end?", lambda vm, s, a, blk: s.excl, 0)
    b(R, "include? member? === cover?", _include, 1)
    b(R, "step %", _step)
    b(R, "size count", lambda vm, s, a, blk: _size(vm, s, a, blk) if not a and blk is None
      else __import__("vmforms.yarv.core.enumerable", fromlist=["e_count"]).e_count(
          vm, s, a, blk))
    b(R, "sum", _sum)
    b(R, "inspect", _inspect("inspect"), 0)
    b(R, "to_s", _inspect("to_s"), 0)
    b(R, "== eql?", lambda vm, s, a, blk: type(a[0]) is RRange and vm.eq(s.first, a[0].first)
      and vm.eq(s.last, a[0].last) and s.excl == a[0].excl, 1)
    b(R, "hash", lambda vm, s, a, blk: hash((vm.send(s.first, "hash"), s.excl)), 0)
