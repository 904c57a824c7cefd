# mypy: disable-error-code="func-returns-value"
"""String's methods (CRuby string.c): the representation lives in string.py. Text methods
work on the decoded characters of UTF-8 strings and on bytes of binary ones."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.encmethods import MULTIBYTE, compatible
from vmforms.yarv.core.encmethods import length as mb_length
from vmforms.yarv.core.inspect import inspect_str
from vmforms.yarv.core.object import RSymbol, intern
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import BYTES, RString, encoding_of_all, fresh, strings

_new = object.__new__


def new(vm: Any, s: RString, text: str) -> RString:
    return RString(text.encode("utf-8", "surrogateescape") if s.enc != "ASCII-8BIT"
                   else text.encode("latin-1"), s.enc, vm.cString)


def text(s: Any) -> str:
    return s.text()  # type: ignore[no-any-return]


def check_frozen(vm: Any, s: RString) -> None:
    if s.frozen:
        vm.raise_error("FrozenError", f"can't modify frozen String: {inspect_str(s)}")


def to_str(vm: Any, v: Any) -> RString:
    if type(v) is RString:
        return v
    if v is not None and vm.respond_to(v, "to_str") and not isinstance(v, (int, float)):
        return vm.send(v, "to_str")  # type: ignore[no-any-return]
    vm.type_error(v, "String")
    raise AssertionError


def s_plus(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    o = to_str(vm, a[0])
    return fresh(s.b + o.b, s.enc if s.enc is o.enc else compatible(vm, s, o), vm.cString)


def s_mul(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    if a[0] < 0:
        vm.raise_error("ArgumentError", "negative argument")
    return RString(bytes(s.b) * a[0], s.enc, vm.cString)


def s_append(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    check_frozen(vm, s)
    for o in a:
        if type(o) is int:
            s.b += chr(o).encode("utf-8") if s.enc == "UTF-8" else bytes([o])
        else:
            o = to_str(vm, o)
            if o.enc != s.enc:
                s.enc = compatible(vm, s, o)
            s.b += o.b
    return s


def s_eq(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    o = a[0]
    return type(o) is RString and o.b == s.b


def s_cmp(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) is not RString:
        return None
    x, y = bytes(s.b), bytes(o.b)
    return (x > y) - (x < y)


def _index(vm: Any, s: RString, a: list[Any]) -> Any:
    t = text(s)
    n = len(t)
    k = a[0]
    if type(k) is int:
        if len(a) > 1:
            start, length = k + n if k < 0 else k, a[1]
            if start < 0 or start > n or length < 0:
                return None
            return new(vm, s, t[start:start + length])
        i = k + n if k < 0 else k
        return new(vm, s, t[i]) if 0 <= i < n else None
    if type(k) is RRange:
        from vmforms.yarv.core.range import range_bounds

        bounds = range_bounds(vm, k, n)
        if bounds is None:
            return None
        return new(vm, s, t[bounds[0]:bounds[0] + bounds[1]])
    if type(k) is RString:
        return new(vm, s, text(k)) if text(k) in t else None
    if type(k) is RRegexp:
        from vmforms.yarv.core.regexp_methods import match

        m = match(vm, k, s, 0)
        if m is None:
            return None
        return vm.send(m, "[]", a[1] if len(a) > 1 else 0)
    vm.type_error(k, "Integer")


def s_aset(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    check_frozen(vm, s)
    t = text(s)
    k, v = a[0], a[-1]
    if type(k) is int:
        i = k + len(t) if k < 0 else k
        length = a[1] if len(a) == 3 else 1
        t = t[:i] + text(v) + t[i + length:]
    elif type(k) is RString:
        i = t.find(text(k))
        if i < 0:
            vm.raise_error("IndexError", "string not matched")
        t = t[:i] + text(v) + t[i + len(text(k)):]
    elif type(k) is RRange:
        from vmforms.yarv.core.range import range_bounds

        st, ln = range_bounds(vm, k, len(t)) or (0, 0)
        t = t[:st] + text(v) + t[st + ln:]
    else:
        from vmforms.yarv.core.regexp_methods import to_py

        t = to_py(vm, k).sub(lambda m: text(v), t, count=1)
    s.b = bytearray(t.encode("utf-8", "surrogateescape"))
    return v


def s_slice_bang(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    check_frozen(vm, s)
    part = _index(vm, s, a)
    if part is None:
        return None
    t = text(s)
    if type(a[0]) is int:
        start = a[0] + len(t) if a[0] < 0 else a[0]
        length = a[1] if len(a) > 1 else 1
    elif type(a[0]) is RRange:
        from vmforms.yarv.core.range import range_bounds

        start, length = range_bounds(vm, a[0], len(t)) or (0, 0)
    else:
        start, length = t.find(text(part)), len(text(part))
    rest = t[:start] + t[start + length:]
    s.b = bytearray(rest.encode("utf-8", "surrogateescape"))
    return part


def _sub(vm: Any, s: RString, a: list[Any], blk: Any, count: int) -> str:
    from vmforms.yarv.core.regexp_methods import expand_replacement, set_last_match, to_py

    pat = a[0]
    t = text(s)
    if type(pat) is RString:
        import re

        rx = re.compile(re.escape(text(pat)))
    else:
        rx = to_py(vm, pat)
    repl = a[1] if len(a) > 1 else None

    def do(m: Any) -> str:
        if type(repl) is RString:
            return expand_replacement(text(repl), m)
        if repl is not None and type(repl).__name__ == "RHash":
            return vm.to_s(repl.get(RString(m.group(0))))  # type: ignore[no-any-return]
        md = set_last_match(vm, m, s, pat)
        _ = md
        return vm.to_s(vm.call_proc(blk, [RString(m.group(0))]))  # type: ignore[no-any-return]
    out = rx.sub(do, t, count=count)
    return out


def s_sub(count: int, bang: bool) -> Any:
    def fn(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
        out = _sub(vm, s, a, b, count)
        if bang:
            check_frozen(vm, s)
            changed = out != text(s)
            s.b = bytearray(out.encode("utf-8", "surrogateescape"))
            return s if changed else None
        return new(vm, s, out)
    return fn


def s_tr(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    src, dst = _expand_tr(text(a[0])), _expand_tr(text(a[1]))
    neg = src.startswith("^") and len(src) > 1
    out = []
    for ch in text(s):
        if neg:
            if ch in src[1:]:
                out.append(ch)
            elif dst:
                out.append(dst[-1])
        elif ch in src:
            i = src.index(ch)
            if dst:
                out.append(dst[i] if i < len(dst) else dst[-1])
        else:
            out.append(ch)
    return new(vm, s, "".join(out))


def _expand_tr(spec: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


def _chars_in(specs: list[Any]) -> Any:
    sets = []
    for sp in specs:
        t = text(sp)
        neg = t.startswith("^") and len(t) > 1
        chars = set(_expand_tr(t[1:] if neg else t))
        sets.append((neg, chars))
    return lambda ch: all((ch not in c) if n else (ch in c) for n, c in sets)


def s_succ(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    t = list(text(s))
    if not t:
        return new(vm, s, "")
    i = len(t) - 1
    while i >= 0:
        c = t[i]
        if c.isalnum():
            if c == "z":
                t[i] = "a"
            elif c == "Z":
                t[i] = "A"
            elif c == "9":
                t[i] = "0"
            else:
                t[i] = chr(ord(c) + 1)
                return new(vm, s, "".join(t))
            j = i - 1
            while j >= 0 and not t[j].isalnum():
                j -= 1
            if j < 0:
                t.insert(i, {"a": "a", "A": "A", "0": "1"}[t[i]])
                return new(vm, s, "".join(t))
            i = j
        else:
            if all(not x.isalnum() for x in t):
                t[-1] = chr(ord(t[-1]) + 1)
                return new(vm, s, "".join(t))
            i -= 1
    return new(vm, s, "".join(t))


def _each(vm: Any, items: list[Any], blk: Any, s: Any) -> Any:
    if blk is None:
        return RArray(items, vm.cArray)
    for x in items:
        vm.call_proc(blk, [x])
    return s


def s_lines(vm: Any, s: RString) -> list[Any]:
    return [new(vm, s, line) for line in text(s).splitlines(keepends=True)]


def s_format(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.format import format_string

    args = a[0].items if type(a[0]) is RArray else a
    return RString(format_string(vm, text(s), list(args)))


def s_to_i(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    import re

    base = a[0] if a else 10
    t = text(s).strip().replace("_", "")
    if base == 0:
        low = t.lower().lstrip("+-")
        base = 16 if low.startswith("0x") else 2 if low.startswith("0b") else \
            8 if low.startswith("0o") or (low.startswith("0") and len(low) > 1) else 10
        if base != 10 and low[:2] in ("0x", "0b", "0o"):
            t = t.replace(low[:2], "", 1).replace(low[:2].upper(), "", 1)
    if not 2 <= base <= 36:
        vm.raise_error("ArgumentError", f"invalid radix {base}")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"[:base]
    m = re.match(rf"[+-]?[{digits}]+", t, re.I)
    if base == 16 and re.match(r"[+-]?0x", t, re.I):
        t = t.replace("0x", "", 1).replace("0X", "", 1)
        m = re.match(rf"[+-]?[{digits}]+", t, re.I)
    if m is None:
        return 0
    return int(m.group(0), base)


def s_to_f(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    import re

    m = re.match(r"\s*[+-]?(\d[\d_]*)?(\.\d+)?([eE][+-]?\d+)?", text(s))
    try:
        return float(m.group(0).replace("_", "")) if m and m.group(0).strip() else 0.0
    except ValueError:
        return 0.0


def s_ljust(kind: str) -> Any:
    def fn(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
        width = a[0]
        pad = text(a[1]) if len(a) > 1 else " "
        t = text(s)
        n = width - len(t)
        if n <= 0:
            return new(vm, s, t)
        if kind == "l":
            return new(vm, s, t + (pad * n)[:n])
        if kind == "r":
            return new(vm, s, (pad * n)[:n] + t)
        left = n // 2
        return new(vm, s, (pad * n)[:left] + t + (pad * n)[:n - left])
    return fn


def s_index(vm: Any, s: RString, a: list[Any], b: Any, rev: bool = False) -> Any:
    t = text(s)
    start = a[1] if len(a) > 1 else (len(t) if rev else 0)
    if start < 0:
        start += len(t)
    if type(a[0]) is RRegexp:
        from vmforms.yarv.core.regexp_methods import to_py

        rx = to_py(vm, a[0])
        found = [m.start() for m in rx.finditer(t)]
        found = [i for i in found if (i <= start if rev else i >= start)]
        return (found[-1] if rev else found[0]) if found else None
    i = t.rfind(text(a[0]), 0, start + len(text(a[0]))) if rev else t.find(text(a[0]), start)
    return None if i < 0 else i


def s_scan(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.regexp_methods import set_last_match, to_py

    pat = a[0]
    import re

    rx = to_py(vm, pat) if type(pat) is RRegexp else re.compile(re.escape(text(pat)))
    out: list[Any] = []
    for m in _matches(rx, text(s), type(pat) is RRegexp and pat.source.b.startswith(b"\\G")):
        if rx.groups:
            item: Any = RArray([None if g is None else new(vm, s, g) for g in m.groups()],
                               vm.cArray)
        else:
            item = new(vm, s, m.group(0))
        if b is not None:
            set_last_match(vm, m, s, pat)
            vm.call_proc(b, [item])
        else:
            out.append(item)
    return s if b is not None else RArray(out, vm.cArray)


def _matches(rx: Any, t: str, anchored: bool) -> Any:
    """finditer, or for a pattern starting with \\G each match where the last one ended."""
    if not anchored:
        yield from rx.finditer(t)
        return
    pos = 0
    while pos <= len(t):
        m = rx.match(t, pos)
        if m is None:
            return
        yield m
        pos = m.end() + (1 if m.end() == m.start() else 0)


def s_count(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    if len(a) == 1 and type(a[0]) is RString:
        spec = text(a[0])
        if "-" not in spec[1:-1] and not (spec.startswith("^") and len(spec) > 1):
            t = text(s)
            return sum(t.count(c) for c in set(spec))
    ok = _chars_in(a)
    return sum(1 for ch in text(s) if ok(ch))


def s_delete(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    ok = _chars_in(a)
    return new(vm, s, "".join(ch for ch in text(s) if not ok(ch)))


def s_squeeze(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    ok = _chars_in(a) if a else (lambda ch: True)
    out: list[str] = []
    for ch in text(s):
        if out and out[-1] == ch and ok(ch):
            continue
        out.append(ch)
    return new(vm, s, "".join(out))


def mutator(fn: Any) -> Any:
    """The bang form of a method returning a new string: in place, nil when unchanged."""
    def bang(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
        check_frozen(vm, s)
        r = fn(vm, s, a, b)
        if r.b == s.b:
            return None
        s.b = bytearray(r.b)
        return s
    return bang


def simple(f: Any, ascii: Any = None) -> Any:
    """A method mapping the text to a new String; ascii: the same mapping done on the
    bytes of an ASCII-only string (no decoding, no encoding)."""
    if ascii is None:
        return lambda vm, s, a, b: new(vm, s, f(text(s)))

    def fn(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
        data = s.b
        if data.isascii():  # (fresh's work written here: called 100 k times by a map)
            r: RString = _new(RString)
            r.cls = vm.cString
            r.ivars = None
            r.frozen = False
            r.b = ascii(data)
            r.enc = s.enc
            return r
        return new(vm, s, f(text(s)))

    def bulk(vm: Any, items: list[Any]) -> list[Any] | None:
        """fn over each of items (plain Strings, map(&:upcase)) when all are ASCII-only
        and of one encoding, the loops in C; None: call fn one by one."""
        enc = encoding_of_all(items)
        if enc is None:
            return None
        data = list(map(BYTES, items))
        if not all(map(bytearray.isascii, data)):
            return None
        return strings(list(map(ascii, data)), enc, vm.cString)
    fn.bulk = bulk  # type: ignore[attr-defined]
    return fn


def _capitalize(t: str) -> str:
    return t[:1].upper() + t[1:].lower()


def _chomp(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    t = text(s)
    if a:
        suf = text(a[0])
        return new(vm, s, t[:-len(suf)] if suf and t.endswith(suf) else t)
    if t.endswith("\r\n"):
        return new(vm, s, t[:-2])
    return new(vm, s, t[:-1] if t.endswith(("\n", "\r")) else t)


def install(vm: Any) -> None:
    from vmforms.yarv.core.strmethods2 import install as install_more

    S = vm.cString  # noqa: N806
    S.builtin_type = lambda vm, cls: RString(b"", "UTF-8", cls)
    b = vm.builtin
    b(S, "initialize", lambda vm, s, a, blk: (setattr(s, "b", bytearray(a[0].b)) if a
                                             else None), visibility="private")
    b(S, "+", s_plus, 1)
    b(S, "*", s_mul, 1)
    b(S, "%", s_format, 1)
    b(S, "<< concat", s_append)
    b(S, "== === eql?", s_eq, 1)
    b(S, "<=>", s_cmp, 1)
    b(S, "hash", lambda vm, s, a, blk: hash(bytes(s.b)) & ((1 << 62) - 1), 0)
    b(S, "[] slice", lambda vm, s, a, blk: _index(vm, s, a))
    b(S, "[]=", s_aset)
    b(S, "slice!", s_slice_bang)
    b(S, "length size", lambda vm, s, a, blk: len(s.b) if s.enc != "UTF-8" and
      s.enc not in MULTIBYTE else
      mb_length(s) if s.enc in MULTIBYTE else len(text(s)), 0)
    b(S, "bytesize", lambda vm, s, a, blk: len(s.b), 0)
    b(S, "to_s to_str", lambda vm, s, a, blk: s if type(s) is RString and s.cls in (
        None, vm.cString) else RString(s.b, s.enc, vm.cString), 0)
    b(S, "inspect", lambda vm, s, a, blk: RString(inspect_str(s)), 0)
    b(S, "dump", lambda vm, s, a, blk: RString(inspect_str(s)), 0)
    b(S, "to_sym intern", lambda vm, s, a, blk: intern(text(s)), 0)
    b(S, "to_i", s_to_i)
    b(S, "to_f", s_to_f, 0)
    b(S, "to_r", lambda vm, s, a, blk: vm.send(vm.main, "Rational", s), 0)
    b(S, "upcase", simple(str.upper, bytearray.upper))
    b(S, "downcase", simple(str.lower, bytearray.lower))
    b(S, "capitalize", simple(_capitalize))
    b(S, "swapcase", simple(str.swapcase, bytearray.swapcase))
    b(S, "reverse", simple(lambda t: t[::-1]), 0)
    b(S, "strip", simple(lambda t: t.strip(" \t\n\v\f\r\0")), 0)
    b(S, "lstrip", simple(lambda t: t.lstrip(" \t\n\v\f\r\0")), 0)
    b(S, "rstrip", simple(lambda t: t.rstrip(" \t\n\v\f\r\0")), 0)
    b(S, "chomp", _chomp)
    b(S, "chop", simple(lambda t: t[:-2] if t.endswith("\r\n") else t[:-1]), 0)
    b(S, "squeeze", s_squeeze)
    b(S, "delete", s_delete)
    b(S, "count", s_count)
    b(S, "tr", s_tr, 2)
    b(S, "sub", s_sub(1, False))
    b(S, "gsub", s_sub(0, False))
    b(S, "sub!", s_sub(1, True))
    b(S, "gsub!", s_sub(0, True))
    from vmforms.yarv.core.strsplit import s_split

    b(S, "split", s_split)
    b(S, "scan", s_scan, 1)
    b(S, "index", s_index)
    b(S, "rindex", lambda vm, s, a, blk: s_index(vm, s, a, blk, rev=True))
    b(S, "include?", lambda vm, s, a, blk: text(to_str(vm, a[0])) in text(s), 1)
    b(S, "start_with?", lambda vm, s, a, blk: any(
        (vm.truthy(vm.send(p, "match?", s)) and text(s).startswith(
            vm.to_s(vm.send(vm.send(p, "match", s), "[]", 0))))
        if type(p) is RRegexp else text(s).startswith(text(p)) for p in a))
    b(S, "end_with?", lambda vm, s, a, blk: any(text(s).endswith(text(p)) for p in a))
    b(S, "ljust", s_ljust("l"))
    b(S, "rjust", s_ljust("r"))
    b(S, "center", s_ljust("c"))
    b(S, "chars", lambda vm, s, a, blk: _each(vm, [new(vm, s, c) for c in text(s)], blk, s))
    b(S, "each_char", lambda vm, s, a, blk: _each(vm, [new(vm, s, c) for c in text(s)], blk,
                                                  s) if blk else vm.send(
        RArray([new(vm, s, c) for c in text(s)], vm.cArray), "each"))
    b(S, "bytes", lambda vm, s, a, blk: _each(vm, list(s.b), blk, s), 0)
    b(S, "each_byte", lambda vm, s, a, blk: _each(vm, list(s.b), blk, s), 0)
    b(S, "lines", lambda vm, s, a, blk: RArray(s_lines(vm, s), vm.cArray))
    b(S, "each_line", lambda vm, s, a, blk: _each(vm, s_lines(vm, s), blk, s))
    b(S, "succ next", s_succ, 0)
    b(S, "empty?", lambda vm, s, a, blk: not s.b, 0)
    b(S, "ord", lambda vm, s, a, blk: ord(text(s)[0]) if s.b else vm.raise_error(
        "ArgumentError", "empty string"), 0)
    b(S, "chr", lambda vm, s, a, blk: new(vm, s, text(s)[:1]), 0)
    b(S, "hex", lambda vm, s, a, blk: s_to_i(vm, s, [16], blk), 0)
    b(S, "oct", lambda vm, s, a, blk: s_to_i(vm, s, [8], blk), 0)
    b(S, "replace", lambda vm, s, a, blk: (check_frozen(vm, s), setattr(
        s, "b", bytearray(a[0].b)), s)[2], 1)
    b(S, "clear", lambda vm, s, a, blk: (check_frozen(vm, s), setattr(
        s, "b", bytearray()), s)[2], 0)
    b(S, "prepend", lambda vm, s, a, blk: (check_frozen(vm, s), setattr(
        s, "b", bytearray(b"".join(bytes(x.b) for x in a)) + s.b), s)[2])
    b(S, "insert", lambda vm, s, a, blk: (check_frozen(vm, s), setattr(
        s, "b", bytearray(_insert(text(s), a[0], text(a[1])).encode())), s)[2], 2)
    b(S, "freeze", lambda vm, s, a, blk: (setattr(s, "frozen", True), s)[1], 0)
    b(S, "-@ dedup", lambda vm, s, a, blk: s if s.frozen else _frozen_copy(vm, s), 0)
    b(S, "+@", lambda vm, s, a, blk: RString(s.b, s.enc, vm.cString) if s.frozen else s, 0)
    b(S, "upto", lambda vm, s, a, blk: _upto(vm, s, a, blk))
    for name in ("upcase", "downcase", "capitalize", "swapcase", "reverse", "strip",
                 "lstrip", "rstrip", "chomp", "chop", "squeeze", "delete", "tr", "succ"):
        fn = S.methods[name].fn
        b(S, name + "!", mutator(fn))
    b(S, "next!", mutator(s_succ))
    install_more(vm)
    _ = RSymbol


def _insert(t: str, i: int, x: str) -> str:
    if i < 0:
        i = len(t) + i + 1
    return t[:i] + x + t[i:]


def _frozen_copy(vm: Any, s: RString) -> RString:
    c = RString(s.b, s.enc, vm.cString)
    c.frozen = True
    return c


def _upto(vm: Any, s: RString, a: list[Any], blk: Any) -> Any:
    cur = s
    last = text(a[0])
    out = []
    while True:
        out.append(cur)
        if text(cur) == last or len(text(cur)) > len(last):
            break
        cur = s_succ(vm, cur, [], None)
    if out and text(out[-1]) != last:
        out.pop()
    return _each(vm, out, blk, s)
