"""String#encode between the encodings this interpreter's strings carry: UTF-8, US-ASCII,
ASCII-8BIT and ISO-8859-1 (CRuby transcode.c's messages, its invalid:/undef:/replace:/
fallback:/xml: options). Other encodings are refused by name."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RSymbol, intern
from vmforms.yarv.core.string import RString

_ALIASES = {"BINARY": "ASCII-8BIT", "ASCII": "US-ASCII", "UTF8": "UTF-8",
            "ISO8859-1": "ISO-8859-1", "LATIN1": "ISO-8859-1", "ANSI_X3.4-1968": "US-ASCII"}
_KNOWN = ("UTF-8", "US-ASCII", "ASCII-8BIT", "ISO-8859-1")
_UNICODE = ("UTF-8",)


def enc_name(vm: Any, value: Any) -> str:
    name = value.text() if type(value) is RString else str(getattr(value, "name", ""))
    return _ALIASES.get(name.upper(), name.upper() if name.upper() in _KNOWN else name)


def _decode(vm: Any, data: bytes, src: str, dst: str, invalid: Any,
            undef: Any) -> list[int | bytes]:
    """Code points of data; a bytes item is an invalid or unconvertible byte sequence
    already replaced (or to be replaced) by the caller."""
    out: list[int | bytes] = []
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c < 0x80 or src == "ISO-8859-1":
            out.append(c)
            i += 1
            continue
        if src == "ASCII-8BIT" and dst != src:
            if undef is None:
                vm.raise_error("Encoding::UndefinedConversionError",
                               f'"\\x{c:02X}" from ASCII-8BIT to {dst}')
            out.append(b"")
            i += 1
            continue
        if src == "UTF-8":
            size = 2 if c >> 5 == 6 else 3 if c >> 4 == 14 else 4 if c >> 3 == 30 else 0
            try:
                point = ord(data[i:i + size].decode("utf-8")) if size else -1
            except (UnicodeDecodeError, TypeError):
                point = -1
            if point >= 0:
                out.append(point)
                i += size
                continue
        if invalid is None:
            vm.raise_error("Encoding::InvalidByteSequenceError", f'"\\x{c:02X}" on {src}')
        out.append(b"")
        i += 1
    return out


def encode(vm: Any, s: RString, a: list[Any]) -> RString:
    opts = a[-1] if a and type(a[-1]) is RHash else None
    if opts is not None:
        a = a[:-1]
    dst = enc_name(vm, a[0]) if a else s.enc
    src = enc_name(vm, a[1]) if len(a) > 1 else s.enc

    def opt(name: str) -> Any:
        return None if opts is None else opts.get(intern(name))
    for name in (dst, src):
        if name not in _KNOWN:
            if name.upper() in ("UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32", "UTF-32LE",
                                "UTF-32BE", "SHIFT_JIS", "EUC-JP", "WINDOWS-1252"):
                vm.raise_error("NotImplementedError", f"String#encode to or from {name} is "
                               "not supported (strings here are UTF-8, US-ASCII, ASCII-8BIT "
                               "or ISO-8859-1)")
            vm.raise_error("Encoding::ConverterNotFoundError",
                           f"code converter not found ({src} to {name})")
    invalid, undef, xml = opt("invalid"), opt("undef"), opt("xml")
    fallback = opt("fallback")
    replace = opt("replace")
    rep = vm.to_s(replace) if replace is not None else \
        ("\ufffd" if dst in _UNICODE else "?")
    if src == dst and invalid is None and xml is None:
        return RString(s.b, dst, vm.cString)
    points = _decode(vm, bytes(s.b), src, dst, invalid, undef)
    out = bytearray()
    for p in points:
        if isinstance(p, bytes):
            out += rep.encode("utf-8") if dst == "UTF-8" else rep.encode("latin-1", "replace")
            continue
        if xml is not None and p in (0x26, 0x3C, 0x3E) or (
                xml is not None and xml is intern("attr") and p == 0x22):
            out += {0x26: b"&amp;", 0x3C: b"&lt;", 0x3E: b"&gt;", 0x22: b"&quot;"}[p]
            continue
        limit = {"UTF-8": 0x110000, "ISO-8859-1": 0x100}.get(dst, 0x80)
        if p < limit:
            out += chr(p).encode("utf-8", "surrogatepass") if dst == "UTF-8" else bytes([p])
            continue
        if xml is not None:
            out += f"&#x{p:X};".encode()
        elif fallback is not None:
            key = RString(chr(p))
            value = fallback.get(key) if type(fallback) is RHash else \
                vm.send(fallback, "call" if type(fallback) is not RSymbol else "[]", key)
            if value is None:
                vm.raise_error("Encoding::UndefinedConversionError",
                               f"U+{p:04X} from UTF-8 to {dst}")
            out += bytes(value.b) if type(value) is RString else vm.to_s(value).encode()
        elif undef is not None:
            out += rep.encode("utf-8") if dst == "UTF-8" else rep.encode("latin-1", "replace")
        else:
            vm.raise_error("Encoding::UndefinedConversionError",
                           f"U+{p:04X} from UTF-8 to {dst}")
    if xml is intern("attr"):
        out = bytearray(b'"') + out + b'"'
    return RString(bytes(out), dst, vm.cString)
