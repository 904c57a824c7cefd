# mypy: disable-error-code="func-returns-value"
"""Array's methods (CRuby array.c); the representation lives in array.py."""

from __future__ import annotations

import functools
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash, hash_key
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.string import BYTES, RString, encoding_of_all, fresh
from vmforms.yarv.interp.loop import block_caller1


def frozen_check(vm: Any, s: RArray) -> None:
    if s.frozen:
        vm.raise_error("FrozenError", f"can't modify frozen Array: {vm.inspect(s)}")


def arr(vm: Any, items: list[Any]) -> RArray:
    return RArray(items, vm.cArray)


def to_ary(vm: Any, v: Any) -> list[Any]:
    if type(v) is RArray:
        return v.items
    if isinstance(v, RArray):
        return v.items
    if v is not None and not isinstance(v, (int, float)) and vm.respond_to(v, "to_ary"):
        return vm.send(v, "to_ary").items  # type: ignore[no-any-return]
    vm.type_error(v, "Array")
    raise AssertionError


def a_inspect(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    guard = vm.__dict__.setdefault("_inspecting", set())
    if id(s) in guard:
        return RString("[...]")
    guard.add(id(s))
    try:
        return RString("[" + ", ".join(vm.inspect(x) for x in s.items) + "]")
    finally:
        guard.discard(id(s))


def a_aref(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    items = s.items
    n = len(items)
    k = a[0]
    if type(k) is int and len(a) == 1:
        return items[k] if -n <= k < n else None
    if type(k) is int:
        start = k + n if k < 0 else k
        if start < 0 or start > n or a[1] < 0:
            return None
        return arr(vm, items[start:start + a[1]])
    if type(k) is RRange:
        from vmforms.yarv.core.range import range_bounds

        bounds = range_bounds(vm, k, n)
        if bounds is None:
            return None
        return arr(vm, items[bounds[0]:bounds[0] + bounds[1]])
    if type(k) is float:
        return a_aref(vm, s, [int(k)] + a[1:], b)
    vm.type_error(k, "Integer")


def a_aset(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    items = s.items
    n = len(items)
    k, v = a[0], a[-1]
    if type(k) is int and len(a) == 2:
        i = k + n if k < 0 else k
        if i < 0:
            vm.raise_error("IndexError", f"index {k} too small for array; minimum: -{n}")
        if i >= n:
            items.extend([None] * (i - n + 1))
        items[i] = v
        return v
    if type(k) is RRange:
        from vmforms.yarv.core.range import range_bounds

        start, length = range_bounds(vm, k, n) or (k.first, 0)
    else:
        start, length = (k + n if k < 0 else k), a[1]
    if start > n:
        items.extend([None] * (start - n))
    items[start:start + length] = v.items if type(v) is RArray else [v]
    return v


def a_plus(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    return arr(vm, s.items + to_ary(vm, a[0]))


def a_minus(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    drop = {hash_key(x) for x in to_ary(vm, a[0])}
    return arr(vm, [x for x in s.items if hash_key(x) not in drop])


def a_mul(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if type(a[0]) is RString:
        return a_join(vm, s, a, b)
    return arr(vm, s.items * a[0])


def _join(vm: Any, items: list[Any], sep: RString | None, seen: set[int],
          out: list[RString]) -> None:
    for i, x in enumerate(items):
        if i and sep is not None:
            out.append(sep)
        if type(x) is RArray:
            if id(x) in seen:
                vm.raise_error("ArgumentError", "recursive array join")
            seen.add(id(x))
            _join(vm, x.items, sep, seen, out)
            seen.discard(id(x))
        else:
            out.append(x if type(x) is RString else RString(vm.to_s(x)))


def a_join(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    sep = a[0] if a and a[0] is not None else None
    if sep is not None and type(sep) is not RString:
        sep = RString(vm.to_s(sep))
    items = s.items
    enc = encoding_of_all(items)
    if enc is not None and (sep is None or sep.enc == enc):
        # Strings of one encoding (the common join): their bytes joined at once
        glue = sep.b if sep is not None else bytearray()
        return fresh(glue.join(list(map(BYTES, items))), enc, vm.cString)
    parts: list[RString] = []
    _join(vm, s.items, sep, {id(s)}, parts)
    # the first string's encoding; an ASCII-only result takes a non-ASCII part's
    # (rb_enc_cr_str_buf_cat), two different non-ASCII encodings are incompatible
    enc = parts[0].enc if s.items and type(s.items[0]) is RString else "US-ASCII"
    ascii = True
    for part in parts:
        if part.enc != enc and not part.b.isascii():
            if not ascii:
                vm.raise_error("Encoding::CompatibilityError", "incompatible character "
                               f"encodings: {enc} and {part.enc}")
            enc = part.enc
        ascii = ascii and part.b.isascii()
    return RString(b"".join([p.b for p in parts]), enc, vm.cString)


def a_eq(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    o = a[0]
    if not isinstance(o, RArray):
        return False
    if len(o.items) != len(s.items):
        return False
    return all(x is y or vm.eq(x, y) for x, y in zip(s.items, o.items, strict=True))


def a_cmp(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) is not RArray:
        return None
    for x, y in zip(s.items, o.items, strict=False):
        c = vm.send(x, "<=>", y)
        if c != 0:
            return c
    return (len(s.items) > len(o.items)) - (len(s.items) < len(o.items))


def sort_key(vm: Any) -> Any:
    def cmp(x: Any, y: Any) -> int:
        if type(x) in (int, float) and type(y) in (int, float):
            return (x > y) - (x < y)  # type: ignore[no-any-return]
        if type(x) is RString and type(y) is RString:
            return (x.b > y.b) - (x.b < y.b)
        c = vm.send(x, "<=>", y)
        if c is None:
            other = vm.inspect(y) if y is None or type(y) in (int, float) \
                else vm.real_class(y).name
            vm.raise_error("ArgumentError", f"comparison of {vm.real_class(x).name} with "
                           f"{other} failed")
        return int(c)
    return functools.cmp_to_key(cmp)


def block_key(vm: Any, blk: Any) -> Any:
    def cmp(x: Any, y: Any) -> int:
        c = vm.call_proc(blk, [x, y])
        if c is None:
            vm.raise_error("ArgumentError", f"comparison of {vm.real_class(x).name} with "
                           f"{vm.real_class(y).name} failed")
        return int(c)
    return functools.cmp_to_key(cmp)


def a_sort(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    return arr(vm, sorted(s.items, key=block_key(vm, b) if b else sort_key(vm)))


def a_sort_bang(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    s.items.sort(key=block_key(vm, b) if b else sort_key(vm))
    return s


def a_flatten(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    depth = a[0] if a and a[0] is not None else -1

    def flat(items: list[Any], d: int, seen: set[int]) -> list[Any]:
        out: list[Any] = []
        for x in items:
            if type(x) is RArray and d != 0:
                if id(x) in seen:
                    vm.raise_error("ArgumentError", "tried to flatten recursive array")
                out.extend(flat(x.items, d - 1, seen | {id(x)}))
            else:
                out.append(x)
        return out
    return arr(vm, flat(s.items, depth, {id(s)}))


def a_uniq(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    seen: set[Any] = set()
    out = []
    for x in s.items:
        k = hash_key(vm.call_proc(b, [x]) if b else x)
        if k not in seen:
            seen.add(k)
            out.append(x)
    return arr(vm, out)


def _each(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("each"))
    items = s.items
    i = 0
    call = block_caller1(vm, b)
    steps = getattr(call, "steps", None)
    if steps is not None:
        steps(iter(items))  # (a list's iterator sees the items added on the way, as each)
        return s
    while i < len(items):
        call(items[i])
        i += 1
    return s


def a_each_index(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    for i in range(len(s.items)):
        vm.call_proc(b, [i])
    return s


def a_delete(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    found = None
    keep = []
    for x in s.items:
        if vm.eq(x, a[0]):
            found = x
        else:
            keep.append(x)
    s.items[:] = keep
    return found if found is not None or any(True for _ in []) else (
        a[0] if len(keep) != len(s.items) else None)


def a_delete_at(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    i = a[0]
    n = len(s.items)
    if not -n <= i < n:
        return None
    return s.items.pop(i)


def a_fill(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    if b is not None:
        for i in range(len(s.items)):
            s.items[i] = vm.call_proc(b, [i])
    else:
        start = a[1] if len(a) > 1 else 0
        length = a[2] if len(a) > 2 else len(s.items) - start
        for i in range(start, start + length):
            if i < len(s.items):
                s.items[i] = a[0]
            else:
                s.items.append(a[0])
    return s


def a_product(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    import itertools

    return arr(vm, [arr(vm, list(t)) for t in itertools.product(
        s.items, *[to_ary(vm, x) for x in a])])


def a_combination(vm: Any, s: RArray, a: list[Any], b: Any, perm: bool = False) -> Any:
    import itertools

    n = a[0] if a else len(s.items)
    gen = itertools.permutations(s.items, n) if perm else itertools.combinations(s.items, n)
    items = [arr(vm, list(t)) for t in gen]
    if b is None:
        return vm.send(arr(vm, items), "each")
    for t in items:
        vm.call_proc(b, [t])
    return s


def a_transpose(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    rows = [to_ary(vm, r) for r in s.items]
    if rows and any(len(r) != len(rows[0]) for r in rows):
        vm.raise_error("IndexError", f"element size differs ({len(rows[1])} should be "
                       f"{len(rows[0])})")
    return arr(vm, [arr(vm, list(c)) for c in zip(*rows, strict=False)])


def a_pack(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.pack import pack

    if type(a[0]) is not RString:
        vm.raise_error("TypeError", f"no implicit conversion of {vm.real_class(a[0]).name} "
                       "into String")
    return pack(vm, s.items, a[0])


def a_insert(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    i = a[0]
    if i < 0:
        i += len(s.items) + 1
    s.items[i:i] = a[1:]
    return s


def a_slice_bang(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    frozen_check(vm, s)
    r = a_aref(vm, s, a, b)
    if r is None:
        return None
    if len(a) == 1 and type(a[0]) is int:
        s.items.pop(a[0])
    else:
        from vmforms.yarv.core.range import range_bounds

        if type(a[0]) is RRange:
            st, ln = range_bounds(vm, a[0], len(s.items)) or (0, 0)
        else:
            st, ln = a[0], a[1]
        del s.items[st:st + ln]
    return r


def install(vm: Any) -> None:
    from vmforms.yarv.core.arraymethods2 import install as install_more

    A = vm.cArray  # noqa: N806
    A.builtin_type = lambda vm, cls: RArray([], cls)
    b = vm.builtin
    vm.sbuiltin(A, "[]", lambda vm, s, a, blk: RArray(list(a), s))
    b(A, "inspect to_s", a_inspect, 0)
    b(A, "[] slice", a_aref)
    b(A, "[]=", a_aset)
    b(A, "at", lambda vm, s, a, blk: a_aref(vm, s, a[:1], blk), 1)
    b(A, "+", a_plus, 1)
    b(A, "-", a_minus, 1)
    b(A, "difference", lambda vm, s, a, blk: functools.reduce(
        lambda acc, x: a_minus(vm, acc, [x], blk), a, s))
    b(A, "*", a_mul, 1)
    b(A, "&", lambda vm, s, a, blk: a_uniq(vm, arr(vm, [x for x in s.items if hash_key(x) in {
        hash_key(y) for y in to_ary(vm, a[0])}]), [], None), 1)
    b(A, "|", lambda vm, s, a, blk: a_uniq(vm, arr(vm, s.items + to_ary(vm, a[0])), [], None),
      1)
    b(A, "union", lambda vm, s, a, blk: a_uniq(vm, arr(vm, s.items + [
        y for x in a for y in to_ary(vm, x)]), [], None))
    b(A, "== eql?", a_eq, 1)
    b(A, "<=>", a_cmp, 1)
    b(A, "hash", lambda vm, s, a, blk: hash(hash_key(s)) & ((1 << 62) - 1), 0)
    b(A, "join", a_join)
    b(A, "length size", lambda vm, s, a, blk: len(s.items), 0)
    b(A, "empty?", lambda vm, s, a, blk: not s.items, 0)
    b(A, "push append <<", lambda vm, s, a, blk: (frozen_check(vm, s), s.items.extend(a), s)[2])
    b(A, "pop", lambda vm, s, a, blk: (frozen_check(vm, s), (s.items.pop() if s.items else None)
                                       if not a else arr(vm, [s.items.pop(0) for _ in range(0)]
                                                         ) if False else _pop_n(vm, s, a))[1])
    b(A, "shift", lambda vm, s, a, blk: (frozen_check(vm, s), _shift(vm, s, a))[1])
    b(A, "unshift prepend", lambda vm, s, a, blk: (frozen_check(vm, s), s.items.__setitem__(
        slice(0, 0), a), s)[2])
    b(A, "insert", a_insert)
    b(A, "concat", lambda vm, s, a, blk: (frozen_check(vm, s), [s.items.extend(to_ary(vm, x))
                                                                for x in a], s)[2])
    b(A, "each", _each, 0)
    b(A, "each_index", a_each_index, 0)
    b(A, "sort", a_sort, 0)
    b(A, "sort!", a_sort_bang, 0)
    b(A, "flatten", a_flatten)
    b(A, "uniq", a_uniq, 0)
    b(A, "delete", a_delete, 1)
    b(A, "delete_at", a_delete_at, 1)
    b(A, "slice!", a_slice_bang)
    b(A, "fill", a_fill)
    b(A, "product", a_product)
    b(A, "combination", a_combination)
    b(A, "permutation", lambda vm, s, a, blk: a_combination(vm, s, a, blk, perm=True))
    b(A, "transpose", a_transpose, 0)
    b(A, "pack", a_pack, 1)
    b(A, "to_a entries", lambda vm, s, a, blk: s if type(s) is RArray and s.cls in (
        None, vm.cArray) else arr(vm, list(s.items)), 0)
    b(A, "to_ary", lambda vm, s, a, blk: s, 0)
    b(A, "clear", lambda vm, s, a, blk: (frozen_check(vm, s), s.items.clear(), s)[2], 0)
    b(A, "replace", lambda vm, s, a, blk: (frozen_check(vm, s), s.items.__setitem__(
        slice(None), list(to_ary(vm, a[0]))), s)[2], 1)
    b(A, "initialize", _initialize, visibility="private")
    install_more(vm)


def _initialize(vm: Any, s: RArray, a: list[Any], b: Any) -> Any:
    if not a:
        s.items = []
    elif type(a[0]) is RArray:
        s.items = list(a[0].items)
    elif b is not None:
        s.items = [vm.call_proc(b, [i]) for i in range(a[0])]
    else:
        if a[0] < 0:
            vm.raise_error("ArgumentError", "negative array size")
        s.items = [a[1] if len(a) > 1 else None] * a[0]
    return None


def _pop_n(vm: Any, s: RArray, a: list[Any]) -> Any:
    n = a[0]
    out = s.items[len(s.items) - n:] if n else []
    del s.items[len(s.items) - len(out):]
    return arr(vm, out)


def _shift(vm: Any, s: RArray, a: list[Any]) -> Any:
    if not a:
        return s.items.pop(0) if s.items else None
    out = s.items[:a[0]]
    del s.items[:a[0]]
    return arr(vm, out)


__all__ = ["install", "RHash"]
