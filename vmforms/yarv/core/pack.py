"""Array#pack and String#unpack/unpack1 (CRuby pack.c): integers of every size and byte
order (C c S s L l Q q J j I i N n V v, with `_` `!` `<` `>`), floats (D d F f E e G g),
UTF-8 (U), BER integers (w), strings (a A Z), bit and hex strings (B b H h), base64 (m),
quoted-printable (M), uuencoding (u) and positioning (x X @), with counts and `*`."""

from __future__ import annotations

import math
import struct
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.string import RString

# (size, signed, byte order: "<" little, ">" big, "=" native (little on x86-64))
_INTS = {"c": (1, True, "="), "C": (1, False, "="), "s": (2, True, "="), "S": (2, False, "="),
         "l": (4, True, "="), "L": (4, False, "="), "q": (8, True, "="), "Q": (8, False, "="),
         "j": (8, True, "="), "J": (8, False, "="), "i": (4, True, "="), "I": (4, False, "="),
         "n": (2, False, ">"), "N": (4, False, ">"), "v": (2, False, "<"),
         "V": (4, False, "<")}
_NATIVE = {"l": 8, "L": 8}  # `_`/`!` sizes that differ: long is 64-bit on LP64
_FLOATS = {"d": ("<d", 8), "D": ("<d", 8), "f": ("<f", 4), "F": ("<f", 4), "e": ("<f", 4),
           "E": ("<d", 8), "g": (">f", 4), "G": (">d", 8)}
_MODIFIABLE = "sSiIlLqQjJ"
_B64 = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64_INDEX = {c: i for i, c in enumerate(_B64)}
_UU = b"`!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_"
_UTF8_LIMITS = (0x0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000)


class _Directive:
    __slots__ = ("kind", "count", "star", "size", "signed", "order", "explicit")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.count = 1
        self.star = False
        self.explicit = False  # a number was given
        self.size = 0
        self.signed = False
        self.order = "="


def _parse(vm: Any, fmt: bytes, what: str) -> list[_Directive]:
    out: list[_Directive] = []
    i, n = 0, len(fmt)
    while i < n:
        ch = chr(fmt[i])
        i += 1
        if ch.isspace():
            continue
        if ch == "#":
            while i < n and fmt[i] != 0x0A:
                i += 1
            continue
        d = _Directive(ch)
        if ch in _INTS:
            d.size, d.signed, d.order = _INTS[ch]
        endian = ""
        while i < n and chr(fmt[i]) in "_!<>":
            m = chr(fmt[i])
            if ch not in _MODIFIABLE:
                vm.raise_error("ArgumentError", f"'{m}' allowed only after types {_MODIFIABLE}")
            if m in "_!":
                d.size = _NATIVE.get(ch, d.size)
            else:
                if endian:
                    vm.raise_error("RangeError", "Can't use both '<' and '>'")
                endian = d.order = m
            i += 1
        if i < n and fmt[i] == 0x2A:  # *
            d.star = True
            i += 1
        elif i < n and 0x30 <= fmt[i] <= 0x39:
            j = i
            while j < n and 0x30 <= fmt[j] <= 0x39:
                j += 1
            d.count = int(fmt[i:j])
            if d.count >= 1 << 63:
                vm.raise_error("RangeError", "pack length too big")
            d.explicit = True
            i = j
        elif ch == "@" and what == "unpack" and i < n:
            d.count = 0  # unpack's bare '@' is 0, unless it ends the format (pack.c)
        if ch in _INTS or ch in _FLOATS or ch in "UwaAZBbHhmMuxX@":
            out.append(d)
        elif ch in "pP":
            vm.raise_error("NotImplementedError", f"{what} directive '{ch}' (a pointer) is "
                           "not supported")
        elif vm.verbose:
            line = 144 if what == "pack" else 276
            vm.err.write(f"<internal:pack>:{line}: warning: unknown {what} directive "
                         f"'{ch}' in '{fmt.decode('latin-1')}'\n".encode())
    return out


_HUGE = 1 << 30  # bytes or items beyond which ruby would fail to allocate as well


def _room(vm: Any, n: int) -> int:
    if n > _HUGE:
        vm.raise_error("NoMemoryError", "failed to allocate memory")
    return n


def _name(vm: Any, v: Any) -> str:
    """How a conversion error names a value: nil, true, false, else its class."""
    if v is None or type(v) is bool:
        return "nil" if v is None else str(v).lower()
    return str(vm.real_class(v).name)


def _to_int(vm: Any, v: Any) -> int:
    if type(v) is int:
        return v
    if type(v) is float:
        if v != v or v in (math.inf, -math.inf):
            vm.raise_error("FloatDomainError", "NaN" if v != v else
                           ("Infinity" if v > 0 else "-Infinity"))
        return int(v)
    vm.raise_error("TypeError", f"no implicit conversion of {_name(vm, v)} into Integer")
    raise AssertionError


def _to_str(vm: Any, v: Any) -> bytes:
    if type(v) is RString:
        return bytes(v.b)
    vm.raise_error("TypeError", f"no implicit conversion of {_name(vm, v)} into String")
    raise AssertionError


def _utf8(vm: Any, uv: int) -> bytes:
    if uv < 0:
        vm.raise_error("RangeError", "pack(U): value out of range")
    if uv < 0x80:
        return bytes([uv])
    for n, top in ((2, 0xC0), (3, 0xE0), (4, 0xF0), (5, 0xF8), (6, 0xFC)):
        if uv < 1 << (5 * n + 1):
            tail = [0x80 | (uv >> (6 * k)) & 0x3F for k in range(n - 2, -1, -1)]
            return bytes([top | uv >> (6 * (n - 1))] + tail)
    vm.raise_error("RangeError", "pack(U): value out of range")
    raise AssertionError


def _encodes(data: bytes, kind: str, tail_lf: bool) -> bytes:
    """One line of base64 ('m') or uuencoding ('u'), as pack.c's encodes."""
    table, pad = (_UU, 0x60) if kind == "u" else (_B64, 0x3D)
    out = bytearray([len(data) + 32]) if kind == "u" else bytearray()
    for i in range(0, len(data) - len(data) % 3, 3):
        a, b, c = data[i], data[i + 1], data[i + 2]
        out += bytes((table[a >> 2], table[(a << 4 & 0x30) | b >> 4],
                      table[(b << 2 & 0x3C) | c >> 6], table[c & 0x3F]))
    rest = data[len(data) - len(data) % 3:]
    if len(rest) == 2:
        a, b = rest
        out += bytes((table[a >> 2], table[(a << 4 & 0x30) | b >> 4], table[b << 2 & 0x3C], pad))
    elif len(rest) == 1:
        a = rest[0]
        out += bytes((table[a >> 2], table[a << 4 & 0x30], pad, pad))
    if tail_lf:
        out.append(0x0A)
    return bytes(out)


def _qp(data: bytes, width: int) -> bytes:
    out = bytearray()
    n, prev = 0, -1
    for c in data:
        if c > 126 or (c < 32 and c not in (0x0A, 0x09)) or c == 0x3D:
            out += b"=%02X" % c
            n += 3
            prev = -1
        elif c == 0x0A:
            if prev in (0x20, 0x09):
                out += b"=\n"
            out.append(c)
            n = 0
            prev = c
        else:
            out.append(c)
            n += 1
            prev = c
        if n > width:
            out += b"=\n"
            n = 0
            prev = 0x0A
    if n > 0:
        out += b"=\n"
    return bytes(out)


def _bits_hex(src: bytes, count: int, kind: str) -> bytes:
    """B/b (count bits, from each character's low bit) and H/h (count hex digits), most or
    least significant first; pack.c pads a count beyond the string with its odd NULs."""
    per = 8 if kind in "Bb" else 2
    pad = 0
    if count > len(src):
        pad = (count - len(src) + 1) // 2 if per == 8 else (count + 1) // 2 - (len(src) + 1) // 2
        count = len(src)
    if per == 8:
        digits = [c & 1 for c in src[:count]]
    else:  # a letter's digit is its low nibble plus 9 (pack.c's ISALPHA rule)
        digits = [((c & 15) + 9) & 15 if 0x61 <= c | 0x20 <= 0x7A else c & 15
                  for c in src[:count]]
    shift = 1 if per == 8 else 4
    out = bytearray()
    for i in range(0, count, per):
        group = digits[i:i + per]
        group += [0] * (per - len(group))
        if kind in "bh":
            group.reverse()
        value = 0
        for digit in group:
            value = value << shift | digit
        out.append(value)
    return bytes(out) + b"\0" * pad


def pack(vm: Any, items: list[Any], fmt: RString) -> RString:
    res = bytearray()
    idx = 0
    enc_info = 1  # 1: US-ASCII, 2: UTF-8 (U first), 0: binary

    def take() -> Any:
        nonlocal idx
        if idx >= len(items):
            vm.raise_error("ArgumentError", "too few arguments")
        idx += 1
        return items[idx - 1]

    for d in _parse(vm, bytes(fmt.b), "pack"):
        k = d.kind
        if k == "U":
            if enc_info == 1:
                enc_info = 2
        elif k not in "mMu":
            enc_info = 0
        if k in "aAZBbHh":
            src = _to_str(vm, take())
            count = (len(src) + (k == "Z")) if d.star else d.count
            if k in "aAZ":
                if len(src) >= count:
                    res += src[:count]
                else:
                    res += src + (b" " if k == "A" else b"\0") * _room(vm, count - len(src))
            else:
                res += _bits_hex(src, _room(vm, count), k)
            continue
        if k in "mu":
            src = _to_str(vm, take())
            width = 1 if d.star and k == "m" else 0 if d.star else d.count
            if width == 0 and k == "m" and d.explicit:
                res += _encodes(src, k, False)
                continue
            width = 45 if width <= 2 else 63 if width > 63 and k == "u" else width // 3 * 3
            for i in range(0, len(src), width):
                res += _encodes(src[i:i + width], k, True)
            continue
        if k == "M":
            v = take()
            src = bytes(v.b) if type(v) is RString else vm.to_s(v).encode()
            res += _qp(src, 72 if d.star or d.count <= 1 else d.count)
            continue
        if k == "x":
            res += b"\0" * _room(vm, 0 if d.star else d.count)
            continue
        if k == "X":
            n = 0 if d.star else d.count
            if n > len(res):
                vm.raise_error("ArgumentError", "X outside of string")
            del res[len(res) - n:]
            continue
        if k == "@":
            n = 0 if d.star else d.count
            if n > len(res):
                res += b"\0" * _room(vm, n - len(res))
            else:
                del res[n:]
            continue
        count = len(items) - idx if d.star else d.count
        for _ in range(count):
            v = take()
            if k in _FLOATS:
                if type(v) not in (int, float):
                    vm.raise_error("TypeError", f"can't convert {_name(vm, v)} into Float")
                code, _size = _FLOATS[k]
                res += struct.pack(code, float(v))
            elif k == "U":
                n = _to_int(vm, v)
                if not -1 << 63 <= n < 1 << 63:
                    vm.raise_error("RangeError", "bignum too big to convert into `long'")
                res += _utf8(vm, n)
            elif k == "w":
                n = _to_int(vm, v)
                if n < 0:
                    vm.raise_error("ArgumentError", "can't compress negative numbers")
                ber = [n & 0x7F]
                n >>= 7
                while n:
                    ber.append(0x80 | n & 0x7F)
                    n >>= 7
                res += bytes(reversed(ber))
            else:
                n = _to_int(vm, v) & ((1 << (8 * d.size)) - 1)
                res += n.to_bytes(d.size, "big" if d.order == ">" else "little")
    enc = ("ASCII-8BIT", "US-ASCII", "UTF-8")[enc_info]
    return RString(res, enc, vm.cString)


def unpack(vm: Any, s: RString, fmt: RString, offset: int = 0, single: bool = False) -> Any:
    data = bytes(s.b)
    if offset < 0 or offset > len(data):
        vm.raise_error("ArgumentError", "offset outside of string")
    pos = offset
    out: list[Any] = []
    for d in _parse(vm, bytes(fmt.b), "unpack"):
        if single and out:
            break
        k = d.kind
        rest = len(data) - pos
        count = rest if d.star else d.count
        if k in "aAZ":
            n = min(count, rest)
            chunk = data[pos:pos + n]
            if k == "Z":
                cut = chunk.find(b"\0")
                if cut >= 0:
                    chunk = chunk[:cut]
                    if d.star:
                        n = cut + 1
            elif k == "A":
                chunk = chunk.rstrip(b" \0")
            pos += n
            out.append(RString(chunk, "ASCII-8BIT", vm.cString))
        elif k in "BbHh":
            per, width = (8, "08b") if k in "Bb" else (2, "02x")
            n = rest * per if d.star else min(count, rest * per)
            used = (n + per - 1) // per
            text = "".join(format(b, width) if k in "BH" else format(b, width)[::-1]
                           for b in data[pos:pos + used])
            pos += used
            out.append(RString(text[:n], "US-ASCII", vm.cString))
        elif k in "mMu":
            decoded, used = _unbase64(vm, data[pos:], d.explicit and d.count == 0) \
                if k == "m" else _unqp(data[pos:]) if k == "M" else _unuu(data[pos:])
            out.append(RString(decoded, "ASCII-8BIT", vm.cString))
            pos += used
        elif k == "x":
            if count > rest:
                vm.raise_error("ArgumentError", "x outside of string")
            pos += count
        elif k == "X":
            if count > pos:
                vm.raise_error("ArgumentError", "X outside of string")
            pos -= count
        elif k == "@":
            if count > len(data) - offset:
                vm.raise_error("ArgumentError", "@ outside of string")
            pos = offset + count
        elif k == "U":
            n = min(count, rest)
            while n > 0 and pos < len(data):
                uv, size = _utf8_decode(vm, data, pos)
                out.append(uv)
                pos += size
                n -= 1
        elif k == "w":
            n = count
            value = 0
            while n > 0 and pos < len(data):
                value = value << 7 | data[pos] & 0x7F
                if not data[pos] & 0x80:
                    out.append(value)
                    value = 0
                    n -= 1
                pos += 1
        else:
            size = _FLOATS[k][1] if k in _FLOATS else d.size
            fits = rest // size
            n = min(count, fits)
            for _ in range(n):
                raw = data[pos:pos + size]
                pos += size
                if k in _FLOATS:
                    out.append(struct.unpack(_FLOATS[k][0], raw)[0])
                else:
                    out.append(int.from_bytes(raw, "big" if d.order == ">" else "little",
                                              signed=d.signed))
            if not d.star and count > fits:
                out.extend([None] * _room(vm, count - fits))
    if single:
        return out[0] if out else None
    return RArray(out, vm.cArray)


def _utf8_decode(vm: Any, data: bytes, pos: int) -> tuple[int, int]:
    c = data[pos]
    if not c & 0x80:
        return c, 1
    if not c & 0x40:
        vm.raise_error("ArgumentError", "malformed UTF-8 character")
    n = 2
    while c & (0x80 >> n):  # the length is the count of leading one bits
        n += 1
        if n > 6:
            vm.raise_error("ArgumentError", "malformed UTF-8 character")
    avail = len(data) - pos
    if n > avail:
        vm.raise_error("ArgumentError", f"malformed UTF-8 character (expected {n} bytes, "
                       f"given {avail} bytes)")
    uv = c & (0x7F >> n)
    for b in data[pos + 1:pos + n]:
        if b & 0xC0 != 0x80:
            vm.raise_error("ArgumentError", "malformed UTF-8 character")
        uv = uv << 6 | b & 0x3F
    if uv < _UTF8_LIMITS[n - 1]:
        vm.raise_error("ArgumentError", "redundant UTF-8 sequence")
    return uv, n


def _unbase64(vm: Any, src: bytes, strict: bool) -> tuple[bytes, int]:
    """The decoded bytes and how many bytes of src they took."""
    out = bytearray()
    if strict:
        if len(src) % 4:
            vm.raise_error("ArgumentError", "invalid base64")
        for i in range(0, len(src), 4):
            q = src[i:i + 4]
            last = i + 4 == len(src)
            vals = [_B64_INDEX.get(c, -1) for c in q]
            if vals[0] < 0 or vals[1] < 0:
                vm.raise_error("ArgumentError", "invalid base64")
            if q[2] == 0x3D:
                if q[3] != 0x3D or not last or vals[1] & 0xF:
                    vm.raise_error("ArgumentError", "invalid base64")
                out.append(vals[0] << 2 | vals[1] >> 4)
            elif q[3] == 0x3D:
                if vals[2] < 0 or not last or vals[2] & 0x3:
                    vm.raise_error("ArgumentError", "invalid base64")
                out += bytes(((vals[0] << 2 | vals[1] >> 4) & 0xFF,
                              (vals[1] << 4 | vals[2] >> 2) & 0xFF))
            else:
                if vals[2] < 0 or vals[3] < 0:
                    vm.raise_error("ArgumentError", "invalid base64")
                out += bytes(((vals[0] << 2 | vals[1] >> 4) & 0xFF,
                              (vals[1] << 4 | vals[2] >> 2) & 0xFF,
                              (vals[2] << 6 | vals[3]) & 0xFF))
        return bytes(out), len(src)
    # lenient, as pack.c: characters outside the alphabet are skipped, a '=' in the
    # third or fourth place ends the data (and is where the next directive reads)
    i, n = 0, len(src)
    a = b = c = -1
    while i < n:
        a = b = c = d = -1
        while i < n and (a := _B64_INDEX.get(src[i], -1)) == -1:
            i += 1
        if i >= n:
            break
        i += 1
        while i < n and (b := _B64_INDEX.get(src[i], -1)) == -1:
            i += 1
        if i >= n:
            break
        i += 1
        while i < n and (c := _B64_INDEX.get(src[i], -1)) == -1 and src[i] != 0x3D:
            i += 1
        if i >= n or src[i] == 0x3D:
            break
        i += 1
        while i < n and (d := _B64_INDEX.get(src[i], -1)) == -1 and src[i] != 0x3D:
            i += 1
        if i >= n or src[i] == 0x3D:
            break
        i += 1
        out += bytes(((a << 2 | b >> 4) & 0xFF, (b << 4 | c >> 2) & 0xFF, (c << 6 | d) & 0xFF))
        a = -1
    if a != -1 and b != -1:
        out.append((a << 2 | b >> 4) & 0xFF)
        if c != -1:
            out.append((b << 4 | c >> 2) & 0xFF)
    return bytes(out), i


def _hexval(c: int) -> int:
    ch = chr(c)
    return int(ch, 16) if ch in "0123456789abcdefABCDEF" else -1


def _unqp(src: bytes) -> tuple[bytes, int]:
    """The decoded bytes (the undecodable rest appended) and where decoding stopped."""
    out = bytearray()
    i, n, ss = 0, len(src), 0
    while i < n:
        if src[i] == 0x3D:
            i += 1
            if i == n:
                break
            if i + 1 < n and src[i] == 0x0D and src[i + 1] == 0x0A:
                i += 1
            if src[i] != 0x0A:
                c1 = _hexval(src[i])
                if c1 < 0:
                    break
                i += 1
                if i == n:
                    break
                c2 = _hexval(src[i])
                if c2 < 0:
                    break
                out.append(c1 << 4 | c2)
        else:
            out.append(src[i])
        i += 1
        ss = i
    return bytes(out) + src[ss:], i


def _unuu(src: bytes) -> tuple[bytes, int]:
    """The decoded lines and how many bytes they took."""
    out = bytearray()
    limit = len(src) * 3 // 4
    i, n = 0, len(src)
    while i < n and 0x20 < src[i] < 0x61:
        length = (src[i] - 0x20) & 0x3F
        i += 1
        if len(out) + length > limit:
            length = limit - len(out)
        while length > 0:
            quad = []
            for _ in range(4):
                if i < n and 0x20 <= src[i] < 0x61:
                    quad.append((src[i] - 0x20) & 0x3F)
                    i += 1
                else:
                    quad.append(0)
            a, b, c, d = quad
            hunk = bytes(((a << 2 | b >> 4) & 0xFF, (b << 4 | c >> 2) & 0xFF,
                          (c << 6 | d) & 0xFF))
            out += hunk[:min(3, length)]
            length -= 3
        if i < n and src[i] not in (0x0D, 0x0A):
            i += 1  # a possible checksum character
        if i < n and src[i] == 0x0D:
            i += 1
        if i < n and src[i] == 0x0A:
            i += 1
    return bytes(out), i
