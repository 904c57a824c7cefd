# mypy: disable-error-code="func-returns-value"
"""String's encoding and matching methods, and Symbol (CRuby string.c, symbol.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.inspect import inspect_sym
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString


class REncoding(RObject):
    __slots__ = ("name",)

    def __init__(self, name: str, cls: Any) -> None:
        super().__init__(cls)
        self.name = name


def encoding(vm: Any, name: str) -> REncoding:
    encs = vm.__dict__.setdefault("_encodings", {})
    e = encs.get(name)
    if e is None:
        e = encs[name] = REncoding(name, vm.cEncoding)
    return e  # type: ignore[no-any-return]


def s_match_op(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    if type(a[0]) is RRegexp:
        return vm.send(a[0], "=~", s)
    return vm.send(a[0], "=~", s)


def sym_cmp(vm: Any, s: RSymbol, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) is not RSymbol:
        return None
    return (s.name > o.name) - (s.name < o.name)


def sym_to_proc(vm: Any, s: RSymbol, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.calls import to_block

    return to_block(vm, s)


def install(vm: Any) -> None:
    S, Y = vm.cString, vm.cSymbol  # noqa: N806
    b = vm.builtin
    b(S, "encoding", lambda vm, s, a, blk: encoding(vm, s.enc), 0)
    b(S, "b", lambda vm, s, a, blk: RString(s.b, "ASCII-8BIT", vm.cString), 0)
    b(S, "ascii_only?", lambda vm, s, a, blk: all(c < 0x80 for c in s.b), 0)
    b(S, "unicode_normalize", lambda vm, s, a, blk: RString(__import__(
        "unicodedata").normalize("NFC", s.text())))
    b(S, "encode", _encode)
    b(S, "=~", s_match_op, 1)
    b(S, "match", lambda vm, s, a, blk: vm.send(_rx(vm, a[0]), "match", s, *a[1:]))
    b(S, "match?", lambda vm, s, a, blk: vm.send(_rx(vm, a[0]), "match?", s), 1)
    b(S, "casecmp", lambda vm, s, a, blk: (lambda x, y: (x > y) - (x < y))(
        s.text().lower(), a[0].text().lower()), 1)
    b(S, "casecmp?", lambda vm, s, a, blk: s.text().lower() == a[0].text().lower(), 1)
    b(S, "sum", lambda vm, s, a, blk: sum(s.b) & 0xFFFF)
    b(S, "crypt", lambda vm, s, a, blk: vm.raise_error(
        "NotImplementedError", "String#crypt is not supported"))
    b(S, "unpack", lambda vm, s, a, blk: _unpack(vm, s, a, False))
    b(S, "unpack1", lambda vm, s, a, blk: _unpack(vm, s, a, True))
    b(S, "each_grapheme_cluster grapheme_clusters", lambda vm, s, a, blk: RArray(
        [RString(c) for c in s.text()], vm.cArray))
    b(S, "delete_prefix", lambda vm, s, a, blk: RString(s.text().removeprefix(
        a[0].text())), 1)
    b(S, "delete_suffix", lambda vm, s, a, blk: RString(s.text().removesuffix(
        a[0].text())), 1)
    b(S, "partition", lambda vm, s, a, blk: RArray([RString(x) for x in s.text().partition(
        a[0].text())], vm.cArray), 1)
    b(S, "rpartition", lambda vm, s, a, blk: RArray([RString(x) for x in s.text().rpartition(
        a[0].text())], vm.cArray), 1)
    b(S, "between?", lambda vm, s, a, blk: a[0].b <= s.b <= a[1].b, 2)
    b(vm.cEncoding, "to_s name", lambda vm, s, a, blk: RString(s.name), 0)
    b(vm.cEncoding, "inspect", lambda vm, s, a, blk: RString(f"#<Encoding:{s.name}>"), 0)
    for const, name in (("UTF_8", "UTF-8"), ("ASCII_8BIT", "ASCII-8BIT"),
                        ("BINARY", "ASCII-8BIT"), ("US_ASCII", "US-ASCII")):
        vm.cEncoding.consts[const] = encoding(vm, name)
    vm.sbuiltin(vm.cEncoding, "default_external default_internal",
                lambda vm, s, a, blk: encoding(vm, "UTF-8"))
    b(Y, "to_s id2name name", lambda vm, s, a, blk: RString(s.name), 0)
    b(Y, "to_sym", lambda vm, s, a, blk: s, 0)
    b(Y, "inspect", lambda vm, s, a, blk: RString(inspect_sym(s)), 0)
    b(Y, "to_proc", sym_to_proc, 0)
    b(Y, "<=>", sym_cmp, 1)
    b(Y, "== ===", lambda vm, s, a, blk: s is a[0], 1)
    b(Y, "length size", lambda vm, s, a, blk: len(s.name), 0)
    b(Y, "upcase", lambda vm, s, a, blk: intern(s.name.upper()), 0)
    b(Y, "downcase", lambda vm, s, a, blk: intern(s.name.lower()), 0)
    b(Y, "capitalize", lambda vm, s, a, blk: intern(s.name[:1].upper() + s.name[1:].lower()),
      0)
    b(Y, "succ", lambda vm, s, a, blk: intern(vm.send(RString(s.name), "succ").text()), 0)
    b(Y, "[]", lambda vm, s, a, blk: vm.send(RString(s.name), "[]", *a))
    b(Y, "start_with?", lambda vm, s, a, blk: any(s.name.startswith(p.text()) for p in a))
    b(Y, "end_with?", lambda vm, s, a, blk: any(s.name.endswith(p.text()) for p in a))
    b(Y, "empty?", lambda vm, s, a, blk: not s.name, 0)
    b(Y, "match", lambda vm, s, a, blk: vm.send(RString(s.name), "match", *a))
    b(Y, "match?", lambda vm, s, a, blk: vm.send(RString(s.name), "match?", *a))
    b(Y, "=~", lambda vm, s, a, blk: vm.send(RString(s.name), "=~", *a), 1)
    vm.sbuiltin(Y, "all_symbols", lambda vm, s, a, blk: RArray(
        list(RSymbol._table.values()), vm.cArray))


def _rx(vm: Any, p: Any) -> Any:
    if type(p) is RRegexp:
        return p
    import re

    return vm.new_regexp(RString(re.escape(p.text())), 0)


def _unpack(vm: Any, s: RString, a: list[Any], single: bool) -> Any:
    """unpack(fmt, offset: 0) and unpack1."""
    from vmforms.yarv.core.pack import unpack

    offset = 0
    if len(a) == 2 and type(a[1]) is RHash:
        value = a[1].get(intern("offset"))
        offset = value if type(value) is int else 0
        a = a[:1]
    if len(a) != 1:
        vm.arg_error(len(a), "1")
    if type(a[0]) is not RString:
        vm.raise_error("TypeError", f"no implicit conversion of {vm.real_class(a[0]).name} "
                       "into String")
    return unpack(vm, s, a[0], offset, single)


def _encode(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.encode import encode

    return encode(vm, s, a)
