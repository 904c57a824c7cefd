# mypy: disable-error-code="func-returns-value"
"""Enumerable, written over `each` (CRuby enum.c), and Comparable over `<=>` (compar.c).

`iterate` walks any enumerable: an Array's items directly, anything else through its
`each` with a Python block; a consumer may stop early (first, find, take_while ...).
"""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash, hash_key
from vmforms.yarv.interp.frame import CFrame
from vmforms.yarv.interp.loop import block_caller1
from vmforms.yarv.interp.objects import RProc


class _Stop(Exception):  # noqa: N818 - an early exit of iterate, never seen by Ruby code
    pass


def pyblock(vm: Any, fn: Any) -> RProc:
    def call(vm_: Any, args: list[Any], blockarg: Any) -> Any:
        return fn(args[0] if len(args) == 1 else RArray(list(args), vm.cArray))
    p = RProc(None, None, None, None, None, fn=call)
    p.cls = vm.cProc
    return p


# Methods CRuby's Array and Hash implement themselves; other Enumerable methods run
# through `each`, which then shows in a backtrace.
NATIVE = frozenset((
    "map", "collect", "select", "filter", "reject", "sum", "min", "max", "minmax", "count",
    "include?", "member?", "first", "take", "take_while", "drop", "drop_while", "sort",
    "uniq", "zip", "cycle", "find_index", "index", "to_h", "any?", "all?", "none?", "one?",
    "to_a", "entries", "each", "each_pair", "filter_map", "sort_by", "product", "sum"))


def iterate(vm: Any, obj: Any, fn: Any) -> None:
    """Call fn(item) for each element; fn returns True to stop."""
    if type(obj) in (RArray, RHash):
        top = vm.stack[-1] if vm.stack else None
        if isinstance(top, CFrame) and top.name not in NATIVE:
            vm.stack.append(CFrame("each"))
            try:
                _iterate_fast(vm, obj, fn)
            finally:
                vm.stack.pop()
            return
        _iterate_fast(vm, obj, fn)
        return
    marker = _Stop()

    def step(x: Any) -> Any:
        if fn(x):
            raise marker
        return None
    try:
        vm.send(obj, "each", block=pyblock(vm, step))
    except _Stop as s:
        if s is not marker:
            raise


def _iterate_fast(vm: Any, obj: Any, fn: Any) -> None:
    if type(obj) is RArray:
        items = obj.items
        i = 0
        while i < len(items):
            if fn(items[i]):
                return
            i += 1
        return
    if type(obj) is RHash:
        for k, v in list(obj.table.values()):
            if fn(RArray([k, v], vm.cArray)):
                return


def to_list(vm: Any, obj: Any) -> list[Any]:
    if type(obj) is RArray:
        return obj.items
    out: list[Any] = []
    iterate(vm, obj, lambda x: out.append(x))
    return out


def call(vm: Any, blk: Any, x: Any) -> Any:
    return vm.call_proc(blk, [x])


def arr(vm: Any, items: list[Any]) -> RArray:
    return RArray(items, vm.cArray)


def e_map(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("map"))
    many = getattr(b.fn, "many", None) if type(b) is RProc and b.fn is not None else None
    if many is not None:  # map(&:sym)
        return arr(vm, many(list(to_list(vm, s))))
    call = block_caller1(vm, b)
    return arr(vm, [call(x) for x in list(to_list(vm, s))])


def e_flat_map(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    out: list[Any] = []
    for x in list(to_list(vm, s)):
        r = call(vm, b, x)
        out.extend(r.items if type(r) is RArray else [r])
    return arr(vm, out)


def e_select(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("select"))
    return arr(vm, [x for x in list(to_list(vm, s)) if vm.truthy(call(vm, b, x))])


def e_reject(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    return arr(vm, [x for x in list(to_list(vm, s)) if not vm.truthy(call(vm, b, x))])


def e_filter_map(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    out = []
    for x in list(to_list(vm, s)):
        r = call(vm, b, x)
        if vm.truthy(r):
            out.append(r)
    return arr(vm, out)


def e_find(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    found: list[Any] = []

    def f(x: Any) -> bool:
        if vm.truthy(call(vm, b, x)):
            found.append(x)
            return True
        return False
    iterate(vm, s, f)
    return found[0] if found else None


def e_find_index(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    for i, x in enumerate(list(to_list(vm, s))):
        if (vm.eq(x, a[0]) if a else vm.truthy(call(vm, b, x))):
            return i
    return None


def e_each_with_index(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("each_with_index"))
    i = [0]

    def f(x: Any) -> bool:
        vm.call_proc(b, [x, i[0]])
        i[0] += 1
        return False
    iterate(vm, s, f)
    return s


def e_each_with_object(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    memo = a[0]
    iterate(vm, s, lambda x: vm.call_proc(b, [x, memo]) and False)
    return memo


def e_inject(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    items = list(to_list(vm, s))
    op = None
    if a and type(a[-1]).__name__ == "RSymbol":
        op = a[-1].name
        a = a[:-1]
    if a:
        acc = a[0]
    elif items:
        acc, items = items[0], items[1:]
    else:
        return None
    for x in items:
        if op is not None:
            if op == "+" and type(acc) is int and type(x) is int:
                acc = acc + x
            else:
                acc = vm.send(acc, op, x)
        else:
            acc = vm.call_proc(b, [acc, x])
    return acc


def e_sum(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    acc = a[0] if a else 0
    floats = []
    for x in list(to_list(vm, s)):
        v = call(vm, b, x) if b else x
        if type(acc) in (int, float) and type(v) in (int, float):
            if type(v) is float or type(acc) is float:
                floats.append(v)
                continue
            acc = acc + v
        else:
            acc = vm.send(acc, "+", v)
    if floats:
        import math

        from vmforms.yarv.core.integer import to_float

        try:
            acc = math.fsum([acc, *floats])
        except OverflowError:  # an Integer beyond the Float range: +-Infinity, as ruby
            acc = sum((to_float(x) for x in floats), to_float(acc))
    return acc


def e_count(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    items = list(to_list(vm, s))
    if a:
        return sum(1 for x in items if vm.eq(x, a[0]))
    if b is not None:
        return sum(1 for x in items if vm.truthy(call(vm, b, x)))
    return len(items)


def _cmp(vm: Any, x: Any, y: Any) -> int:
    from vmforms.yarv.core.arraymethods import sort_key

    k = sort_key(vm)
    return -1 if k(x) < k(y) else (1 if k(y) < k(x) else 0)


def e_minmax(which: str) -> Any:
    def fn(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        from vmforms.yarv.core.arraymethods import block_key, sort_key

        items = list(to_list(vm, s))
        key = block_key(vm, b) if b else sort_key(vm)
        n = a[0] if a and type(a[0]) is int else None
        if n is not None:
            srt = sorted(items, key=key, reverse=which == "max")
            return arr(vm, srt[:n])
        if not items:
            return None
        return (max if which == "max" else min)(items, key=key)
    return fn


def e_by(which: str) -> Any:
    def fn(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        from vmforms.yarv.core.arraymethods import sort_key

        items = list(to_list(vm, s))
        if b is None:
            return vm.send(s, "enum_for", vm.sym(f"{which}_by"))
        keyed = [(call(vm, b, x), x) for x in items]
        if which == "sort":
            k = sort_key(vm)
            keyed.sort(key=lambda p: k(p[0]))
            return arr(vm, [x for _, x in keyed])
        if a and type(a[0]) is int:
            k = sort_key(vm)
            keyed.sort(key=lambda p: k(p[0]), reverse=which == "max")
            return arr(vm, [x for _, x in keyed[:a[0]]])
        if not keyed:
            return None
        k = sort_key(vm)
        pick = max if which == "max" else min
        return pick(keyed, key=lambda p: k(p[0]))[1]
    return fn


def e_group_by(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    h = RHash(vm.cHash)
    for x in list(to_list(vm, s)):
        k = call(vm, b, x)
        cur = h.get(k)
        if cur is None:
            h.put(k, arr(vm, [x]))
        else:
            cur.items.append(x)
    return h


def e_partition(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    yes: list[Any] = []
    no: list[Any] = []
    for x in list(to_list(vm, s)):
        (yes if vm.truthy(call(vm, b, x)) else no).append(x)
    return arr(vm, [arr(vm, yes), arr(vm, no)])


def e_each_slice(vm: Any, s: Any, a: list[Any], b: Any, cons: bool = False) -> Any:
    n = int(a[0]) if type(a[0]) in (int, float) else vm.send(a[0], "to_int")
    if n <= 0:
        vm.raise_error("ArgumentError", "invalid size" if cons else "invalid slice size")
    items = list(to_list(vm, s))
    if cons:
        groups = [arr(vm, items[i:i + n]) for i in range(len(items) - n + 1)]
    else:
        groups = [arr(vm, items[i:i + n]) for i in range(0, len(items), n)]
    if b is None:
        return vm.send(arr(vm, groups), "each")
    for g in groups:
        vm.call_proc(b, [g])
    return s if cons else None


def e_zip(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    items = list(to_list(vm, s))
    others = [list(to_list(vm, o)) for o in a]
    rows = [arr(vm, [x] + [o[i] if i < len(o) else None for o in others])
            for i, x in enumerate(items)]
    if b is not None:
        for r in rows:
            vm.call_proc(b, [r])
        return None
    return arr(vm, rows)


def e_first(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    n = a[0] if a else 1
    out: list[Any] = []
    if n > 0:
        iterate(vm, s, lambda x: out.append(x) or len(out) >= n)
    return arr(vm, out) if a else (out[0] if out else None)


def e_take_while(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    out: list[Any] = []
    iterate(vm, s, lambda x: not vm.truthy(call(vm, b, x)) or out.append(x))
    return arr(vm, out)


def e_drop_while(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    items = list(to_list(vm, s))
    i = 0
    while i < len(items) and vm.truthy(call(vm, b, items[i])):
        i += 1
    return arr(vm, items[i:])


def e_pred(kind: str) -> Any:
    def fn(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        def test(x: Any) -> bool:
            if a:
                return vm.truthy(vm.send(a[0], "===", x))  # type: ignore[no-any-return]
            return vm.truthy(call(vm, b, x) if b else x)  # type: ignore[no-any-return]
        hits = 0
        for x in list(to_list(vm, s)):
            t = test(x)
            if kind == "all" and not t:
                return False
            if kind in ("any", "none") and t:
                return kind == "any"
            if t:
                hits += 1
        if kind == "one":
            return hits == 1
        return kind in ("all", "none")
    return fn


def e_tally(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    h = RHash(vm.cHash)
    for x in list(to_list(vm, s)):
        h.put(x, (h.get(x) or 0) + 1)
    return h


def e_to_h(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    h = RHash(vm.cHash)
    for x in list(to_list(vm, s)):
        pair = call(vm, b, x) if b else x
        if type(pair) is not RArray or len(pair.items) != 2:
            vm.raise_error("TypeError", f"wrong element type {vm.real_class(pair).name} "
                           "(expected array)")
        h.put(pair.items[0], pair.items[1])
    return h


def e_uniq(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    seen, out = set(), []
    for x in list(to_list(vm, s)):
        k = hash_key(call(vm, b, x) if b else x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return arr(vm, out)


def e_chunk_while(vm: Any, s: Any, a: list[Any], b: Any, negate: bool = False) -> Any:
    items = list(to_list(vm, s))
    out: list[Any] = []
    for x in items:
        if out and vm.truthy(vm.call_proc(b, [out[-1].items[-1], x])) != negate:
            out[-1].items.append(x)
        else:
            out.append(arr(vm, [x]))
    return arr(vm, out)


def install(vm: Any) -> None:
    E = vm.mEnumerable  # noqa: N806
    b = vm.builtin
    b(E, "map collect", e_map, 0)
    b(E, "flat_map collect_concat", e_flat_map, 0)
    b(E, "select filter find_all", e_select, 0)
    b(E, "reject", e_reject, 0)
    b(E, "filter_map", e_filter_map, 0)
    b(E, "find detect", e_find)
    b(E, "find_index", e_find_index)
    b(E, "each_with_index", e_each_with_index)
    b(E, "each_with_object", e_each_with_object, 1)
    b(E, "inject reduce", e_inject)
    b(E, "sum", e_sum)
    b(E, "count", e_count)
    b(E, "min", e_minmax("min"))
    b(E, "max", e_minmax("max"))
    b(E, "minmax", lambda vm, s, a, blk: arr(vm, [e_minmax("min")(vm, s, a, blk),
                                                  e_minmax("max")(vm, s, a, blk)]))
    b(E, "min_by", e_by("min"))
    b(E, "max_by", e_by("max"))
    b(E, "sort_by", e_by("sort"), 0)
    b(E, "sort", lambda vm, s, a, blk: vm.send(arr(vm, list(to_list(vm, s))), "sort",
                                               block=blk), 0)
    b(E, "group_by", e_group_by, 0)
    b(E, "partition", e_partition, 0)
    b(E, "each_slice", e_each_slice, 1)
    b(E, "each_cons", lambda vm, s, a, blk: e_each_slice(vm, s, a, blk, cons=True), 1)
    b(E, "zip", e_zip)
    b(E, "first", e_first)
    b(E, "take", lambda vm, s, a, blk: e_first(vm, s, a, blk), 1)
    b(E, "take_while", e_take_while, 0)
    b(E, "drop", lambda vm, s, a, blk: arr(vm, list(to_list(vm, s))[a[0]:]), 1)
    b(E, "drop_while", e_drop_while, 0)
    b(E, "all?", e_pred("all"))
    b(E, "any?", e_pred("any"))
    b(E, "none?", e_pred("none"))
    b(E, "one?", e_pred("one"))
    b(E, "include? member?", lambda vm, s, a, blk: any(vm.eq(x, a[0]) for x in to_list(
        vm, s)), 1)
    b(E, "to_a entries", lambda vm, s, a, blk: arr(vm, list(to_list(vm, s))))
    b(E, "to_h", e_to_h, 0)
    b(E, "tally", e_tally, 0)
    b(E, "uniq", e_uniq, 0)
    b(E, "chunk_while", e_chunk_while, 0)
    b(E, "slice_when", lambda vm, s, a, blk: e_chunk_while(vm, s, a, blk, negate=True), 0)
    b(E, "reverse_each", lambda vm, s, a, blk: [vm.call_proc(blk, [x]) for x in reversed(
        list(to_list(vm, s)))] and s, 0)
    b(E, "each_entry", lambda vm, s, a, blk: vm.send(s, "each", block=blk))
    b(E, "cycle", lambda vm, s, a, blk: _cycle(vm, s, a, blk))
    b(E, "to_set", lambda vm, s, a, blk: vm.send(vm.cObject.consts["Set"], "new", s))
    for name in NATIVE:  # Array's own versions, as CRuby's Array defines them
        m = E.methods.get(name)
        if m is not None and name not in vm.cArray.methods:
            b(vm.cArray, name, m.fn)
    C = vm.mComparable  # noqa: N806

    def ccmp(op: str) -> Any:
        def fn(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
            c = vm.send(s, "<=>", a[0])
            if c is None:
                o = a[0]
                other = vm.inspect(o) if o is None or type(o) in (int, float) \
                    else vm.real_class(o).name
                vm.raise_error("ArgumentError", f"comparison of {vm.real_class(s).name} "
                               f"with {other} failed")
            return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[op]
        return fn
    for op in ("<", "<=", ">", ">="):
        b(C, op, ccmp(op), 1)
    b(C, "==", lambda vm, s, a, blk: s is a[0] or vm.send(s, "<=>", a[0]) == 0, 1)
    b(C, "between?", lambda vm, s, a, blk: ccmp(">=")(vm, s, a[:1], blk) and ccmp("<=")(
        vm, s, a[1:], blk), 2)
    b(C, "clamp", lambda vm, s, a, blk: _clamp(vm, s, a))


def _clamp(vm: Any, s: Any, a: list[Any]) -> Any:
    lo, hi = (a[0].first, a[0].last) if len(a) == 1 else (a[0], a[1])
    if lo is not None and vm.send(s, "<=>", lo) < 0:
        return lo
    if hi is not None and vm.send(s, "<=>", hi) > 0:
        return hi
    return s


def _cycle(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
    items = list(to_list(vm, s))
    n = a[0] if a else None
    i = 0
    while items and (n is None or i < n):
        for x in items:
            vm.call_proc(blk, [x])
        i += 1
    return None
