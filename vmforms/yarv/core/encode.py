"""String#encode (CRuby transcode.c): between the encodings of encodings.py, character by
character through Python's codecs, with CRuby's conversion paths and messages.

CRuby converts directly between UTF-8 and any encoding, and between Shift_JIS and EUC-JP;
any other pair goes through UTF-8, and its error messages name that path ("U+20AC to
ISO-8859-1 in conversion from Windows-1252 to UTF-8 to ISO-8859-1"). An invalid byte
sequence is reported as the bytes read ("\\xE3\\x81" followed by "a" on UTF-8, incomplete
"\\xFF" on UTF-16LE); an undefined character as U+XXXX when UTF-8 is being converted, else
as its bytes. The invalid:, undef:, replace:, fallback:, xml: and newline options apply
as in CRuby.
"""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core import encodings
from vmforms.yarv.core.encodings import INCOMPLETE, OK, Enc
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RSymbol, intern
from vmforms.yarv.core.string import RString

_UTF8 = encodings.ENCODINGS["UTF-8"]
_NAMED = {0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x0C: "\\f", 0x0B: "\\v", 0x08: "\\b",
          0x07: "\\a", 0x1B: "\\e", 0x22: '\\"', 0x5C: "\\\\"}
_XML = {0x26: b"&amp;", 0x3C: b"&lt;", 0x3E: b"&gt;", 0x22: b"&quot;", 0x27: b"&apos;"}


def enc_name(vm: Any, value: Any) -> str:
    """The canonical name of an Encoding or a name (as given when it names none)."""
    name = value.text() if type(value) is RString else str(getattr(value, "name", ""))
    e = encodings.find(name)
    if e is None:
        return name
    loaded(vm).add(e.name)
    return e.name


def loaded(vm: Any) -> set[str]:
    """The encodings a name lookup has loaded (CRuby loads most of them on first use)."""
    return vm.__dict__.setdefault("_enc_loaded", set(encodings.PRELOADED))  # type: ignore


def find_encoding(vm: Any, value: Any) -> str:
    """force_encoding's argument: an Encoding or a known name, else ArgumentError."""
    if type(value) is not RString and hasattr(value, "name"):
        return str(value.name)
    name = vm.to_s(value) if type(value) is not RString else value.text()
    e = encodings.find(name)
    if e is None:
        vm.raise_error("ArgumentError", f"unknown encoding name - {name}")
    assert e is not None
    loaded(vm).add(e.name)
    return e.name


def dump_bytes(data: bytes) -> str:
    """The bytes as rb_str_dump quotes them in an error message."""
    out = ['"']
    for i, c in enumerate(data):
        if c in _NAMED:
            out.append(_NAMED[c])
        elif c == 0x23 and i + 1 < len(data) and data[i + 1] in b"{$@":
            out.append("\\#")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        else:
            out.append(f"\\x{c:02X}")
    out.append('"')
    return "".join(out)


def _direct(se: Enc, de: Enc) -> bool:
    return se.kind == "utf8" or de.kind == "utf8" or {se.name, de.name} == {"Shift_JIS",
                                                                            "EUC-JP"}


def _sjis_to_euc(d: bytes) -> bytes | None:
    if len(d) == 1:
        return d if d[0] < 0x80 else bytes((0x8E, d[0]))
    s1, s2 = d[0], d[1]
    j1 = ((s1 - 0x40 if s1 >= 0xE0 else s1) - 0x81) * 2 + 0x21
    if s2 >= 0x9F:
        j1, j2 = j1 + 1, s2 - 0x9F + 0x21
    else:
        j2 = s2 - 0x40 + 0x21 - (1 if s2 >= 0x80 else 0)
    return bytes((j1 | 0x80, j2 | 0x80)) if j1 <= 0x7E else None


def _euc_to_sjis(d: bytes) -> bytes | None:
    if len(d) == 1:
        return d
    if d[0] == 0x8E:
        return d[1:]
    if len(d) != 2:
        return None  # JIS X 0212 has no Shift_JIS code
    j1, j2 = d[0] & 0x7F, d[1] & 0x7F
    s1 = ((j1 - 0x21) >> 1) + 0x81
    if s1 > 0x9F:
        s1 += 0x40
    s2 = j2 - 0x21 + 0x40 + (1 if j2 >= 0x60 else 0) if j1 & 1 else j2 - 0x21 + 0x9F
    return bytes((s1, s2))


class _Options:
    def __init__(self, vm: Any, opts: RHash | None, de: Enc) -> None:
        def opt(name: str) -> Any:
            return None if opts is None else opts.get(intern(name))
        self.invalid = opt("invalid") is intern("replace")
        self.undef = opt("undef") is intern("replace")
        self.xml = opt("xml")
        if self.xml is not None and self.xml not in (intern("text"), intern("attr")):
            vm.raise_error("ArgumentError", f"unexpected value for xml option: "
                           f"{vm.inspect(self.xml)}")
        self.fallback = opt("fallback")
        self.universal = bool(vm.truthy(opt("universal_newline")))
        self.crlf = bool(vm.truthy(opt("crlf_newline")))
        self.cr = bool(vm.truthy(opt("cr_newline")))
        replace = opt("replace")
        if replace is not None:
            self.rep = _to(vm, replace, de)
        else:
            self.rep = _encode_text("\ufffd" if de.kind in encodings.UNICODE else "?", de)
        self.decorated = self.xml is not None or self.universal or self.crlf or self.cr


def _encode_text(text: str, de: Enc) -> bytes:
    return b"".join(encodings.encode_char(de, ord(c)) or b"?" for c in text)


def _to(vm: Any, value: Any, de: Enc) -> bytes:
    """A replacement or fallback String in the destination encoding."""
    s = value if type(value) is RString else vm.send(value, "to_str")
    if s.enc == de.name:
        return bytes(s.b)
    return bytes(transcode(vm, bytes(s.b), encodings.get(s.enc), de, None))


def encode(vm: Any, s: RString, a: list[Any]) -> RString:
    opts = a[-1] if a and type(a[-1]) is RHash else None
    if opts is not None:
        a = a[:-1]
    if len(a) > 2:
        vm.arg_error(len(a), "0..2")
    dst = enc_name(vm, a[0]) if a else s.enc
    src = enc_name(vm, a[1]) if len(a) > 1 else s.enc
    se, de = encodings.find(src), encodings.find(dst)
    if se is None or de is None:
        vm.raise_error("Encoding::ConverterNotFoundError",
                       f"code converter not found ({src} to {dst})")
    assert se is not None and de is not None
    o = _Options(vm, opts, de)
    data = bytes(s.b)
    if not o.decorated:
        if se is de:
            if not o.invalid:
                return RString(data, de.name, vm.cString)
        elif se.kind in encodings.ASCII_COMPATIBLE and \
                de.kind in encodings.ASCII_COMPATIBLE and data.isascii():
            return RString(data, de.name, vm.cString)
        if se is de or not a:
            return RString(_scrub(data, se, o.rep), de.name, vm.cString)
    if se is de and se.kind in encodings.ASCII_COMPATIBLE:
        return RString(_decorate(data, o), de.name, vm.cString)
    return RString(transcode(vm, data, se, de, o), de.name, vm.cString)


def _scrub(data: bytes, e: Enc, rep: bytes) -> bytes:
    """invalid: :replace to the string's own encoding: each invalid sequence replaced."""
    out = bytearray()
    kind = encodings.bom_kind(e.kind, data)
    i = 0
    while i < len(data):
        status, size, _ = encodings.scan(kind, data, i)
        out += data[i:i + size] if status == OK else rep
        i += size
    return bytes(out)


def _decorate(data: bytes, o: _Options) -> bytes:
    """The xml and newline options alone (no conversion: CRuby runs only its decorators,
    on the bytes, which pass through unchecked)."""
    if o.universal:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if o.crlf or o.cr:
        data = data.replace(b"\n", b"\r\n" if o.crlf else b"\r")
    if o.xml is not None:
        attr = o.xml is intern("attr")
        data = b"".join(_XML[c] if c in (0x26, 0x3C, 0x3E) or attr and c in (0x22, 0x27)
                        else bytes((c,)) for c in data)
        if attr:
            data = b'"' + data + b'"'
    return data


def transcode(vm: Any, data: bytes, se: Enc, de: Enc, o: _Options | None) -> bytearray:
    path = [se, de] if _direct(se, de) else [se, _UTF8, de]
    return _convert(vm, data, se, de, o or _Options(vm, None, de), path)


def _convert(vm: Any, data: bytes, se: Enc, de: Enc, o: _Options, path: list[Enc]
             ) -> bytearray:
    out = bytearray()
    kind = se.kind
    i, n = 0, len(data)
    actual = encodings.bom_kind(kind, data)
    if actual != kind:  # a dummy UTF-16/UTF-32 read by its byte-order mark, which goes
        i = 2 if kind == "utf16" else 4
        kind = actual
        reader = encodings.ENCODINGS[{"utf16le": "UTF-16LE", "utf16be": "UTF-16BE",
                                      "utf32le": "UTF-32LE", "utf32be": "UTF-32BE"}[kind]]
    else:
        reader = se
    japanese = {se.name, de.name} == {"Shift_JIS", "EUC-JP"}
    while i < n:
        status, size, again = encodings.scan(kind, data, i)
        chunk = data[i:i + size]
        if status != OK:
            if not o.invalid:
                dumped = dump_bytes(chunk)
                if status == INCOMPLETE:
                    msg = f"incomplete {dumped} on {se.trans}"
                elif again:
                    msg = f"{dumped} followed by {dump_bytes(data[i + size:i + size + again])}" \
                          f" on {se.trans}"
                else:
                    msg = f"{dumped} on {se.trans}"
                vm.raise_error("Encoding::InvalidByteSequenceError", msg)
            out += o.rep
            i += size
            continue
        i += size
        if japanese:
            conv = _sjis_to_euc(chunk) if se.name == "Shift_JIS" else _euc_to_sjis(chunk)
            if conv is None:
                out += _undefined(vm, o, dump_bytes(chunk), chunk, se, de, se, path)
            else:
                out += conv
            continue
        point = encodings.decode_char(reader, chunk)
        if point < 0:
            out += _undefined(vm, o, dump_bytes(chunk), chunk, se, path[1], se, path)
            continue
        if point == 0x0D and o.universal:  # CR LF and CR alone become LF
            if i < n and _next_point(reader, kind, data, i) == 0x0A:
                continue
            point = 0x0A
        if point == 0x0A and (o.crlf or o.cr):
            out += _encode_text("\r\n" if o.crlf else "\r", de)
            continue
        if o.xml is not None and (point in (0x26, 0x3C, 0x3E) or
                                  point in (0x22, 0x27) and o.xml is intern("attr")):
            out += _encode_text(_XML[point].decode(), de)
            continue
        enc = encodings.encode_char(de, point)
        if enc is None:
            text = chr(point).encode("utf-8", "surrogatepass")
            out += _undefined(vm, o, f"U+{point:04X}", text, path[-2], de, se, path)
            continue
        out += enc
    if o.xml is intern("attr"):
        quote = _encode_text('"', de)
        out[0:0] = quote
        out += quote
    if out and de.kind in ("utf16", "utf32"):  # the dummy encodings begin with a BOM
        out[0:0] = b"\xfe\xff" if de.kind == "utf16" else b"\x00\x00\xfe\xff"
    return out


def _next_point(se: Enc, kind: str, data: bytes, i: int) -> int:
    status, size, _ = encodings.scan(kind, data, i)
    return encodings.decode_char(se, data[i:i + size]) if status == OK else -1


def _undefined(vm: Any, o: _Options, dumped: str, text: bytes, step_src: Enc, step_dst: Enc,
               se: Enc, path: list[Enc]) -> bytes:
    """What an undefined character becomes (fallback, xml, undef: :replace), or CRuby's
    UndefinedConversionError naming the step that failed."""
    if o.fallback is not None:
        key = RString(text, step_src.name)
        fb = o.fallback
        value = fb.get(key) if type(fb) is RHash else \
            vm.send(fb, "[]" if type(fb) is RSymbol else "call", key)
        if value is not None:
            return _to(vm, value, path[-1])
    elif o.xml is not None and dumped.startswith("U+"):
        return _encode_text(f"&#x{int(dumped[2:], 16):X};", path[-1])
    elif o.undef:
        return o.rep
    if len(path) == 2 and step_src.trans == se.name and step_dst.trans == path[-1].name:
        msg = f"{dumped} from {step_src.trans} to {step_dst.trans}"
    else:
        msg = f"{dumped} to {step_dst.trans} in conversion from {se.name} to " + \
            " to ".join(p.trans for p in path[1:])
    vm.raise_error("Encoding::UndefinedConversionError", msg)
    raise AssertionError
