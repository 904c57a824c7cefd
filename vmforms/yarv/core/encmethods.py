"""Encoding and the String methods that read a string through its encoding: force_encoding,
valid_encoding?, length of multibyte strings, inspect of strings in encodings other than
UTF-8 and the single-byte ones (CRuby encoding.c, string.c rb_str_inspect)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core import encodings
from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.encodings import OK
from vmforms.yarv.core.string import RString

# encodings whose characters are not one byte or UTF-8: read by encodings.scan
MULTIBYTE = frozenset(name for name, e in encodings.ENCODINGS.items()
                      if e.kind not in ("utf8", "ascii", "binary", "sbcs"))
_ESC = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0C: "\\f", 0x0B: "\\v", 0x08: "\\b",
        0x07: "\\a", 0x1B: "\\e"}
_ASCII_BASED = frozenset(name for name, e in encodings.ENCODINGS.items()
                         if e.kind in encodings.ASCII_COMPATIBLE)
_MINLEN = {"utf16le": 2, "utf16be": 2, "utf32le": 4, "utf32be": 4}


_BY_KIND = {e.kind: e for e in encodings.ENCODINGS.values() if e.kind.endswith(("le", "be"))}


def _actual(e: encodings.Enc, d: bytes) -> encodings.Enc:
    """A dummy UTF-16/UTF-32 string read by its byte-order mark (else all invalid)."""
    return _BY_KIND.get(encodings.bom_kind(e.kind, d), e)


def chars(name: str, d: bytes) -> list[tuple[bool, bytes]]:
    """The characters of d, each (well formed, bytes); an invalid sequence yields its
    bytes one minimal unit at a time, as CRuby walks a broken string."""
    e = _actual(encodings.get(name), d)
    out: list[tuple[bool, bytes]] = []
    i, n = 0, len(d)
    while i < n:
        status, size, _ = encodings.scan(e.kind, d, i)
        if e.kind in ("utf32le", "utf32be") and n - i >= 4:
            status, size = (OK, 4) if encodings.utf32_char(e.kind, d[i:i + 4]) else (1, 4)
        if status != OK:
            size = min(_MINLEN.get(e.kind, 1), n - i)  # a dummy's bytes one by one
        out.append((status == OK, d[i:i + size]))
        i += size
    return out


def _point(e: encodings.Enc, chunk: bytes) -> int:
    if e.kind in ("utf32le", "utf32be"):
        return int.from_bytes(chunk, "little" if e.kind == "utf32le" else "big")
    if e.kind in encodings.UNICODE:
        return ord(chunk.decode(e.codec, "surrogatepass"))
    return int.from_bytes(chunk, "big")  # CRuby's code of a multibyte character: its bytes


def inspect(s: RString) -> str:
    """rb_str_inspect for a string of a MULTIBYTE encoding, shown in UTF-8."""
    d = bytes(s.b)
    e = _actual(encodings.get(s.enc), d)
    unicode = e.kind in encodings.UNICODE
    items = chars(s.enc, d)
    points = [_point(e, c) if ok else -1 for ok, c in items]
    out = ['"']
    for k, (ok, chunk) in enumerate(items):
        if not ok:
            out.extend(f"\\x{b:02X}" for b in chunk)
            continue
        c = points[k]
        nxt = points[k + 1] if k + 1 < len(points) else -1
        if c in (0x22, 0x5C):
            out.append("\\" + chr(c))
        elif c == 0x23 and nxt in (0x7B, 0x24, 0x40):
            out.append("\\#")
        elif c in _ESC:
            out.append(_ESC[c])
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        elif unicode:
            out.append(f"\\u{c:04X}" if c < 0x10000 else f"\\u{{{c:X}}}")
        else:
            out.append(f"\\x{c:02X}" if c < 0x100 else f"\\x{{{c:X}}}")
    out.append('"')
    return "".join(out)


def length(s: RString) -> int:
    d = bytes(s.b)
    kind = encodings.get(s.enc).kind
    if kind == "utf32" and encodings.bom_kind(kind, d) == kind and 0 < len(d) < 4:
        return 1  # CRuby counts a short dummy UTF-32 string as one character
    return len(chars(s.enc, d))


def compatible(vm: Any, a: RString, b: RString) -> str:
    """The encoding of a and b joined (rb_enc_compatible), or Encoding::CompatibilityError."""
    ea, eb = a.enc, b.enc
    if ea == eb or not b.b:
        return ea
    if ea in _ASCII_BASED and eb in _ASCII_BASED and b.b.isascii():
        return ea  # the common case: ASCII appended (an Integer's digits to UTF-8)
    compat = encodings.ASCII_COMPATIBLE
    if not a.b:
        return ea if encodings.get(ea).kind in compat and b.b.isascii() else eb
    if encodings.get(ea).kind in compat and encodings.get(eb).kind in compat:
        if b.b.isascii():
            return ea
        if a.b.isascii():
            return eb
    vm.raise_error("Encoding::CompatibilityError",
                   f"incompatible character encodings: {ea} and {eb}")
    raise AssertionError


def install(vm: Any) -> None:
    from vmforms.yarv.core.encode import find_encoding
    from vmforms.yarv.core.strmethods2 import encoding
    from vmforms.yarv.interp.objects import Method

    S, E = vm.cString, vm.cEncoding  # noqa: N806
    b = vm.builtin

    def force(vm: Any, s: RString, a: list[Any], blk: Any) -> Any:
        name = find_encoding(vm, a[0])
        if s.frozen:
            vm.send(s, "<<", RString(""))  # FrozenError as ruby words it
        s.enc = name
        return s
    b(S, "force_encoding", force, 1)
    b(S, "valid_encoding?", lambda vm, s, a, blk: encodings.valid(s.enc, bytes(s.b)), 0)
    for e in encodings.ENCODINGS.values():
        for name in (e.name, *e.aliases):
            const = name.replace("-", "_").replace(".", "_")
            if not const[0].isalpha():
                continue
            for c in (const, const[0].upper() + const[1:], const.upper()):
                if c[0].isupper():
                    E.consts.setdefault(c, encoding(vm, e.name))
    b(E, "names", lambda vm, s, a, blk: RArray(
        [RString(n, "US-ASCII", vm.cString) for n in _names(s.name)], vm.cArray), 0)
    b(E, "ascii_compatible?", lambda vm, s, a, blk: encodings.get(s.name).kind in
      encodings.ASCII_COMPATIBLE, 0)
    b(E, "dummy?", lambda vm, s, a, blk: encodings.get(s.name).kind in ("utf16", "utf32"), 0)
    vm.add_method(vm.singleton_class(E), Method(  # not Enumerable's find
        "find", E, fn=lambda vm, s, a, blk: encoding(vm, find_encoding(vm, a[0])), arity=1))
    b(E, "inspect", lambda vm, s, a, blk: RString(f"#<Encoding:{s.name}{_state(vm, s.name)}>"),
      0)
    vm.sbuiltin(E, "list", lambda vm, s, a, blk: RArray(
        [encoding(vm, n) for n in encodings.ENCODINGS], vm.cArray), 0)
    vm.sbuiltin(E, "name_list", lambda vm, s, a, blk: RArray(
        [RString(n, "US-ASCII", vm.cString) for e in encodings.ENCODINGS.values()
         for n in _names(e.name)], vm.cArray), 0)


def _state(vm: Any, name: str) -> str:
    from vmforms.yarv.core.encode import loaded

    if encodings.get(name).kind in ("utf16", "utf32"):
        return " (dummy)"
    return "" if name in loaded(vm) or name not in encodings.ENCODINGS else " (autoload)"


def _names(name: str) -> list[str]:
    e = encodings.ENCODINGS.get(name)
    return [name] if e is None else [e.name, *e.aliases]
