"""The encodings strings may carry (CRuby's enc/*.c): names and aliases, how a character is
delimited in each (for valid_encoding?, inspect and the transcoder), and the Python codec
that maps a character to and from Unicode.

Kinds: "utf8", "ascii" (US-ASCII), "binary" (ASCII-8BIT), "sbcs" (an ASCII-compatible
single-byte code page, every byte a character), "utf16le"/"utf16be"/"utf32le"/"utf32be",
"utf16"/"utf32" (the dummy encodings with a byte-order mark), "sjis", "eucjp".
"""

from __future__ import annotations

from typing import Literal, NamedTuple


class Enc(NamedTuple):
    name: str  # Ruby's canonical spelling (Encoding#name)
    kind: str
    codec: str  # Python's codec for the characters
    trans: str  # the name CRuby's transcoder tables give it (in error messages)
    aliases: tuple[str, ...] = ()


def _table() -> dict[str, Enc]:
    encs = [
        Enc("UTF-8", "utf8", "utf-8", "UTF-8", ("CP65001",)),
        Enc("US-ASCII", "ascii", "ascii", "US-ASCII", ("ASCII", "ANSI_X3.4-1968", "646")),
        Enc("ASCII-8BIT", "binary", "latin-1", "ASCII-8BIT", ("BINARY",)),
        Enc("UTF-16LE", "utf16le", "utf-16-le", "UTF-16LE"),
        Enc("UTF-16BE", "utf16be", "utf-16-be", "UTF-16BE", ("UCS-2BE",)),
        Enc("UTF-32LE", "utf32le", "utf-32-le", "UTF-32LE", ("UCS-4LE",)),
        Enc("UTF-32BE", "utf32be", "utf-32-be", "UTF-32BE", ("UCS-4BE",)),
        Enc("UTF-16", "utf16", "utf-16-be", "UTF-16"),
        Enc("UTF-32", "utf32", "utf-32-be", "UTF-32"),
        Enc("Shift_JIS", "sjis", "shift_jis", "Shift_JIS"),
        Enc("Windows-31J", "sjis", "cp932", "Windows-31J", ("CP932", "csWindows31J", "SJIS",
                                                              "PCK")),
        Enc("EUC-JP", "eucjp", "euc_jp", "EUC-JP", ("eucJP",)),
    ]
    for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16):
        encs.append(Enc(f"ISO-8859-{n}", "sbcs", f"iso8859_{n}", f"ISO-8859-{n}",
                        (f"ISO8859-{n}",)))
    for n in range(1250, 1259):
        encs.append(Enc(f"Windows-{n}", "sbcs", f"cp{n}", f"WINDOWS-{n}", (f"CP{n}",)))
    encs += [Enc("IBM437", "sbcs", "cp437", "IBM437", ("CP437",)),
             Enc("CP850", "sbcs", "cp850", "CP850", ("IBM850",)),
             Enc("IBM866", "sbcs", "cp866", "IBM866", ("CP866",)),
             Enc("Windows-874", "sbcs", "cp874", "WINDOWS-874", ("CP874",)),
             Enc("KOI8-R", "sbcs", "koi8_r", "KOI8-R", ("CP878",)),
             Enc("KOI8-U", "sbcs", "koi8_u", "KOI8-U")]
    return {e.name: e for e in encs}


ENCODINGS = _table()
_LOOKUP = {k.upper(): e for e in ENCODINGS.values() for k in (e.name, *e.aliases)}


# loaded when ruby starts; the others print as "(autoload)" until a name lookup loads them
PRELOADED = frozenset(("ASCII-8BIT", "UTF-8", "US-ASCII", "IBM437", "CP850", "IBM866",
                       "Windows-1258"))


def find(name: str) -> Enc | None:
    """The encoding a name or alias stands for (case-insensitive, as Encoding.find)."""
    return _LOOKUP.get(name.upper())


def get(name: str) -> Enc:
    """The encoding of a string (its enc field, always a canonical name)."""
    return ENCODINGS.get(name) or ENCODINGS["ASCII-8BIT"]


UNICODE = frozenset(("utf8", "utf16le", "utf16be", "utf32le", "utf32be", "utf16", "utf32"))
ASCII_COMPATIBLE = frozenset(("utf8", "ascii", "binary", "sbcs", "sjis", "eucjp"))

# scan results: (status, length of the character or of the bad bytes, bytes to read again)
OK, INVALID, INCOMPLETE = 0, 1, 2


def scan(kind: str, d: bytes, i: int) -> tuple[int, int, int]:
    """The character at d[i:] in an encoding of kind: OK and its length, INVALID and the
    length of the bad bytes plus how many following bytes are read again, or INCOMPLETE
    and the length of what is there."""
    n = len(d)
    c = d[i]
    if kind == "utf8":
        if c < 0x80:
            return OK, 1, 0
        if c < 0xC2 or c > 0xF4:
            return INVALID, 1, 0
        if c < 0xE0:
            need, lo, hi = 1, 0x80, 0xBF
        elif c < 0xF0:
            need, lo, hi = 2, 0xA0 if c == 0xE0 else 0x80, 0x9F if c == 0xED else 0xBF
        else:
            need, lo, hi = 3, 0x90 if c == 0xF0 else 0x80, 0x8F if c == 0xF4 else 0xBF
        j = i + 1
        for k in range(need):
            if j >= n:
                return INCOMPLETE, j - i, 0
            if not (lo <= d[j] <= hi if k == 0 else 0x80 <= d[j] <= 0xBF):
                return INVALID, j - i, 1
            j += 1
        return OK, j - i, 0
    if kind in ("sbcs", "binary"):
        return OK, 1, 0
    if kind == "ascii":
        return (OK, 1, 0) if c < 0x80 else (INVALID, 1, 0)
    if kind in ("utf16", "utf32"):  # a dummy encoding without its byte-order mark
        unit = 2 if kind == "utf16" else 4
        return (INVALID, unit, 0) if n - i >= unit else (INCOMPLETE, n - i, 0)
    if kind in ("utf16le", "utf16be"):
        return _scan_utf16(d, i, kind == "utf16be")
    if kind in ("utf32le", "utf32be"):
        if n - i < 4:  # short: CRuby's big-endian reader knows from the first bytes
            if kind == "utf32be" and (c or n - i > 1 and d[i + 1] > 0x10) or \
                    kind == "utf32le" and n - i > 2 and d[i + 2] > 0x10:
                return INVALID, n - i, 0
            return INCOMPLETE, n - i, 0
        v = int.from_bytes(d[i:i + 4], "little" if kind == "utf32le" else "big")
        return (OK, 4, 0) if v < 0x110000 and not 0xD800 <= v < 0xE000 else (INVALID, 4, 0)
    if kind == "sjis":
        if c < 0x80 or 0xA1 <= c <= 0xDF:
            return OK, 1, 0
        if not (0x81 <= c <= 0x9F or 0xE0 <= c <= 0xFC):
            return INVALID, 1, 0
        if i + 1 >= n:
            return INCOMPLETE, 1, 0
        t = d[i + 1]
        return (OK, 2, 0) if 0x40 <= t <= 0x7E or 0x80 <= t <= 0xFC else (INVALID, 1, 1)
    if kind == "eucjp":
        if c < 0x80:
            return OK, 1, 0
        if c == 0x8E:
            need, lo, hi = 1, 0xA1, 0xDF
        elif c == 0x8F:
            need, lo, hi = 2, 0xA1, 0xFE
        elif 0xA1 <= c <= 0xFE:
            need, lo, hi = 1, 0xA1, 0xFE
        else:
            return INVALID, 1, 0
        for k in range(need):
            if i + 1 + k >= n:
                return INCOMPLETE, 1 + k, 0
            if not lo <= d[i + 1 + k] <= hi:
                return INVALID, 1 + k, 1
        return OK, 1 + need, 0
    return OK, 1, 0


def _scan_utf16(d: bytes, i: int, big: bool) -> tuple[int, int, int]:
    n = len(d)
    if n - i < 2:
        return INCOMPLETE, n - i, 0
    order: Literal["big", "little"] = "big" if big else "little"
    u = int.from_bytes(d[i:i + 2], order)
    if 0xD800 <= u < 0xDC00:
        if n - i < 4:
            return INCOMPLETE, n - i, 0
        u2 = int.from_bytes(d[i + 2:i + 4], order)
        return (OK, 4, 0) if 0xDC00 <= u2 < 0xE000 else (INVALID, 2, 2)
    if 0xDC00 <= u < 0xE000:
        return INVALID, 2, 0
    return OK, 2, 0


def valid(name: str, d: bytes) -> bool:
    """String#valid_encoding?: every character well formed."""
    e = get(name)
    if e.kind in ("sbcs", "binary"):
        return True
    if e.kind == "utf8":
        try:
            d.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    if e.kind == "ascii":
        return d.isascii()
    i = 0
    kind = bom_kind(e.kind, d)
    while i < len(d):
        status, size, _ = scan(kind, d, i)
        if kind in ("utf32le", "utf32be") and len(d) - i >= 4:
            status, size = (OK, 4) if utf32_char(kind, d[i:i + 4]) else (INVALID, 4)
        if status != OK:
            return False
        i += size
    return True


def utf32_char(kind: str, unit: bytes) -> bool:
    """Whether CRuby 3.1's UTF-32 encoding takes four bytes as a character: its check
    compares a signed int, so a value with the top bit set passes."""
    v = int.from_bytes(unit, "little" if kind == "utf32le" else "big")
    return v >= 0x80000000 or v < 0x110000 and not 0xD800 <= v < 0xE000


def bom_kind(kind: str, d: bytes) -> str:
    """How a string of a dummy UTF-16/UTF-32 encoding reads: by its byte-order mark (else
    it is all invalid, as CRuby sees it)."""
    if kind == "utf16":
        return "utf16be" if d.startswith(b"\xfe\xff") else \
            "utf16le" if d.startswith(b"\xff\xfe") else kind
    if kind == "utf32":
        return "utf32be" if d.startswith(b"\x00\x00\xfe\xff") else \
            "utf32le" if d.startswith(b"\xff\xfe\x00\x00") else kind
    return kind


# where CRuby's JIS tables differ from Python's: 0x815C is EM DASH, not HORIZONTAL BAR
_TO_UNICODE = {("Shift_JIS", b"\x81\x5c"): 0x2014, ("EUC-JP", b"\xa1\xbd"): 0x2014}
_FROM_UNICODE = {("Shift_JIS", 0x2014): b"\x81\x5c", ("EUC-JP", 0x2014): b"\xa1\xbd"}


def decode_char(e: Enc, d: bytes) -> int:
    """The code point of one well-formed character, or -1 when it has none (a code
    page's unassigned byte, a multibyte character outside the codec's table)."""
    if e.kind == "binary":
        return d[0] if d[0] < 0x80 else -1
    if (e.name, d) in _TO_UNICODE:
        return _TO_UNICODE[e.name, d]
    try:
        text = d.decode(e.codec)
    except UnicodeDecodeError:
        return -1
    return ord(text) if len(text) == 1 else -1


def encode_char(e: Enc, point: int) -> bytes | None:
    """One code point in encoding e, or None when e cannot represent it."""
    if e.kind == "binary" or e.kind == "ascii":
        return bytes((point,)) if point < 0x80 else None
    if (e.name, point) in _FROM_UNICODE:
        return _FROM_UNICODE[e.name, point]
    try:
        out = chr(point).encode(e.codec)
    except UnicodeEncodeError:
        return None
    if point >= 0x80 and len(out) == 1 and out[0] < 0x80:
        return None  # Python's Japanese codecs fold YEN SIGN and OVERLINE into ASCII
    return out
