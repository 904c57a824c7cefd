"""Regexp and MatchData. Onigmo syntax is translated to Python's `re` where the two mean
the same; constructs with no equivalent are refused with a RegexpError naming them
(CRuby re.c; Onigmo doc/RE)."""

from __future__ import annotations

import re
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.inspect import inspect_regexp
from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.regexp import EXTENDED, IGNORECASE, MULTILINE, RRegexp
from vmforms.yarv.core.string import RString

_POSIX = {"alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z",
          "lower": "a-z", "space": r"\s", "punct": r"!-/:-@\[-`{-~", "xdigit": "0-9a-fA-F",
          "word": r"\w", "cntrl": r"\x00-\x1f", "blank": r" \t", "print": r"\x20-\x7e",
          "graph": r"\x21-\x7e"}


def translate(vm: Any, src: str) -> str:
    out: list[str] = []
    i, n = 0, len(src)
    in_class = 0
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n:
            d = src[i + 1]
            if d == "A":
                out.append(r"\A")
            elif d == "z":
                out.append(r"\Z")
            elif d == "Z":
                out.append(r"(?=\n?\Z)")
            elif d == "G" and i == 0:
                pass  # anchored at the search position: callers match instead of search
            elif d == "h":
                out.append("[0-9a-fA-F]" if not in_class else "0-9a-fA-F")
            elif d == "H":
                out.append("[^0-9a-fA-F]")
            elif d in "pPkgRXK":
                vm.raise_error("RegexpError", f"unsupported Onigmo construct \\{d} in "
                               f"/{src}/ (no Python re equivalent)")
            else:
                out.append(c + d)
            i += 2
            continue
        if c == "[":
            if src.startswith("[[:", i) or (in_class and src.startswith("[:", i)):
                j = src.find(":]", i)
                start = i + (3 if src.startswith("[[:", i) else 2)
                name = src[start:j]
                neg = name.startswith("^")
                cls = _POSIX.get(name.lstrip("^"), "")
                if not cls:
                    vm.raise_error("RegexpError", f"invalid POSIX bracket type [:{name}:]")
                if src.startswith("[[:", i):
                    out.append(("[^" if neg else "[") + cls)
                    in_class += 1
                    i = j + 2
                    continue
                out.append(cls)
                i = j + 2
                continue
            in_class += 1
            out.append(c)
            if src.startswith("[^]", i) or src.startswith("[]", i):
                pass
        elif c == "]" and in_class:
            in_class -= 1
            out.append(c)
        elif c == "(" and src.startswith("(?<", i) and not src.startswith("(?<=", i) \
                and not src.startswith("(?<!", i):
            out.append("(?P<")
            i += 3
            continue
        elif c == "(" and src.startswith("(?>", i):
            out.append("(?:")
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


def to_py(vm: Any, rx: RRegexp) -> Any:
    if rx.compiled is None:
        flags = re.MULTILINE
        if rx.options & IGNORECASE:
            flags |= re.IGNORECASE
        if rx.options & MULTILINE:
            flags |= re.DOTALL
        if rx.options & EXTENDED:
            flags |= re.VERBOSE
        src = rx.source.text()
        try:
            rx.compiled = re.compile(translate(vm, src), flags)
        except re.error as exc:
            vm.raise_error("RegexpError", f"{exc}: /{src}/")
    return rx.compiled


class RMatch(RObject):
    __slots__ = ("m", "string", "regexp")

    def __init__(self, m: Any, string: RString, regexp: Any, cls: Any) -> None:
        super().__init__(cls)
        self.m = m
        self.string = string
        self.regexp = regexp


def set_last_match(vm: Any, m: Any, s: RString, rx: Any) -> Any:
    md = RMatch(m, s, rx, vm.cMatchData) if m is not None else None
    vm.globals["$~"] = md
    return md


def match(vm: Any, rx: RRegexp, s: RString, pos: int) -> Any:
    m = to_py(vm, rx).search(s.text(), pos)
    return set_last_match(vm, m, s, rx)


def expand_replacement(repl: str, m: Any) -> str:
    out: list[str] = []
    i = 0
    while i < len(repl):
        c = repl[i]
        if c == "\\" and i + 1 < len(repl):
            d = repl[i + 1]
            if d.isdigit():
                out.append(str(m.group(int(d)) or "") if int(d) <= m.re.groups else "")
            elif d == "k" and repl[i + 2:i + 3] == "<":
                j = repl.index(">", i)
                out.append(str(m.group(repl[i + 3:j]) or ""))
                i = j + 1
                continue
            elif d == "&":
                out.append(str(m.group(0)))
            elif d == "\\":
                out.append("\\")
            else:
                out.append(c + d)
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def _str(vm: Any, v: Any) -> RString:
    if type(v) is RString:
        return v
    if type(v).__name__ == "RSymbol":
        return RString(v.name)
    vm.type_error(v, "String")
    raise AssertionError


def rx_match(vm: Any, s: RRegexp, a: list[Any], b: Any) -> Any:
    if a[0] is None:
        vm.globals["$~"] = None
        return None
    md = match(vm, s, _str(vm, a[0]), a[1] if len(a) > 1 else 0)
    if md is not None and b is not None:
        return vm.call_proc(b, [md])
    return md


def rx_eqtilde(vm: Any, s: RRegexp, a: list[Any], b: Any) -> Any:
    if a[0] is None:
        vm.globals["$~"] = None
        return None
    md = match(vm, s, _str(vm, a[0]), 0)
    return None if md is None else md.m.start()


def md_aref(vm: Any, s: RMatch, a: list[Any], b: Any) -> Any:
    k = a[0]
    try:
        if type(k) is int:
            g = s.m.group(k) if k <= s.m.re.groups else None
        else:
            g = s.m.group(k.text() if type(k) is RString else k.name)
    except (IndexError, re.error):
        vm.raise_error("IndexError", f"undefined group name reference: {vm.to_s(k)}")
    return None if g is None else RString(g)


def error_type() -> type:
    return re.error


def install(vm: Any) -> None:
    R, M = vm.cRegexp, vm.cMatchData  # noqa: N806
    b = vm.builtin
    b(R, "match", rx_match)
    b(R, "match?", lambda vm, s, a, blk: a[0] is not None and to_py(vm, s).search(
        _str(vm, a[0]).text()) is not None)
    b(R, "=~", rx_eqtilde, 1)
    b(R, "===", lambda vm, s, a, blk: (type(a[0]) is RString or type(
        a[0]).__name__ == "RSymbol") and rx_eqtilde(vm, s, a, blk) is not None, 1)
    b(R, "source", lambda vm, s, a, blk: s.source, 0)
    b(R, "inspect", lambda vm, s, a, blk: RString(inspect_regexp(s)), 0)
    b(R, "to_s", lambda vm, s, a, blk: RString("(?-mix:" + s.source.text() + ")"), 0)
    b(R, "options", lambda vm, s, a, blk: s.options, 0)
    b(R, "names", lambda vm, s, a, blk: RArray([RString(n) for n in to_py(
        vm, s).groupindex], vm.cArray), 0)
    b(R, "== eql?", lambda vm, s, a, blk: type(a[0]) is RRegexp and a[0].source.b ==
      s.source.b and a[0].options == s.options, 1)
    vm.sbuiltin(R, "new compile", lambda vm, s, a, blk: a[0] if type(a[0]) is RRegexp else
                vm.new_regexp(a[0], (a[1] if type(a[1]) is int else IGNORECASE if vm.truthy(
                    a[1]) else 0) if len(a) > 1 else 0))
    vm.sbuiltin(R, "escape quote", lambda vm, s, a, blk: RString(re.sub(
        r"([.*?+^$|()\[\]{}\\/\-])", r"\\\1", _str(vm, a[0]).text()).replace(
        "\n", "\\n").replace("\t", "\\t").replace(" ", "\\ ")), 1)
    vm.sbuiltin(R, "last_match", lambda vm, s, a, blk: vm.globals.get("$~") if not a else
                md_aref(vm, vm.globals["$~"], a, blk))
    vm.sbuiltin(R, "union", lambda vm, s, a, blk: vm.new_regexp(RString("|".join(
        x.source.text() if type(x) is RRegexp else re.escape(x.text()) for x in (
            a[0].items if len(a) == 1 and type(a[0]) is RArray else a))), 0))
    R.consts.update({"IGNORECASE": IGNORECASE, "EXTENDED": EXTENDED,
                     "MULTILINE": MULTILINE})
    b(M, "[]", md_aref)
    b(M, "to_s", lambda vm, s, a, blk: RString(s.m.group(0)), 0)
    b(M, "to_a", lambda vm, s, a, blk: RArray([None if g is None else RString(g) for g in (
        s.m.group(0), *s.m.groups())], vm.cArray), 0)
    b(M, "captures", lambda vm, s, a, blk: RArray([None if g is None else RString(g)
                                                   for g in s.m.groups()], vm.cArray), 0)
    b(M, "named_captures", lambda vm, s, a, blk: _named(vm, s), 0)
    b(M, "names", lambda vm, s, a, blk: RArray([RString(n) for n in s.m.re.groupindex],
                                               vm.cArray), 0)
    b(M, "pre_match", lambda vm, s, a, blk: RString(s.m.string[:s.m.start()]), 0)
    b(M, "post_match", lambda vm, s, a, blk: RString(s.m.string[s.m.end():]), 0)
    b(M, "begin", lambda vm, s, a, blk: s.m.start(a[0]), 1)
    b(M, "end", lambda vm, s, a, blk: s.m.end(a[0]), 1)
    b(M, "offset", lambda vm, s, a, blk: RArray(list(s.m.span(a[0])), vm.cArray), 1)
    b(M, "size length", lambda vm, s, a, blk: s.m.re.groups + 1, 0)
    b(M, "string", lambda vm, s, a, blk: s.string, 0)
    b(M, "regexp", lambda vm, s, a, blk: s.regexp, 0)
    b(M, "values_at", lambda vm, s, a, blk: RArray([md_aref(vm, s, [i], blk) for i in a],
                                                   vm.cArray))
    b(M, "_last_group", lambda vm, s, a, blk: next((RString(g) for g in reversed(
        s.m.groups()) if g is not None), None), 0)
    b(M, "inspect", lambda vm, s, a, blk: RString(_md_inspect(vm, s)), 0)


def _named(vm: Any, s: RMatch) -> RHash:
    h = RHash(vm.cHash)
    for name in s.m.re.groupindex:
        g = s.m.group(name)
        h.put(RString(name), None if g is None else RString(g))
    return h


def _md_inspect(vm: Any, s: RMatch) -> str:
    parts = [vm.inspect(RString(s.m.group(0)))]
    names = {v: k for k, v in s.m.re.groupindex.items()}
    for i, g in enumerate(s.m.groups(), 1):
        parts.append(f"{names.get(i, i)}:{'nil' if g is None else vm.inspect(RString(g))}")
    return "#<MatchData " + " ".join(parts) + ">"
