"""The object list of a binary iseq: CRuby 3.1 compile.c ibf_load_object and its kinds.

Each object starts with a header byte (type:5, special_const:1, frozen:1, internal:1) at the
offset the list gives; special constants follow as one small value (the raw VALUE), every
other kind as its own layout. Objects refer to each other by index, so they are loaded on
first use and remembered; a cycle of references is refused.
"""

from __future__ import annotations

import struct
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import UNDEF, ClassRef, intern
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString
from vmforms.yarv.iseq.reader import Reader

# ruby_value_type codes of include/ruby/internal/value_type.h
T_CLASS, T_FLOAT, T_STRING, T_REGEXP, T_ARRAY, T_HASH = 0x02, 0x04, 0x05, 0x06, 0x07, 0x08
T_STRUCT, T_BIGNUM, T_DATA, T_COMPLEX, T_RATIONAL, T_SYMBOL = 0x09, 0x0A, 0x0C, 0x0E, 0x0F, 0x14

# enum ibf_object_class_index
CLASS_NAMES = ("Object", "Array", "StandardError", "NoMatchingPatternError", "TypeError",
               "NoMatchingPatternKeyError")

# The encodings CRuby numbers itself (encindex.h); others are named by a string object.
BUILTIN_ENCODINGS = ("ASCII-8BIT", "UTF-8", "US-ASCII", "UTF-16BE", "UTF-16LE", "UTF-32BE",
                     "UTF-32LE", "UTF-16", "UTF-32", "UTF8-MAC", "EUC-JP", "Windows-31J")
ENCINDEX_BUILTIN_MAX = len(BUILTIN_ENCODINGS)

QFALSE, QNIL, QTRUE, QUNDEF = 0x00, 0x08, 0x14, 0x34
MAX_DEPTH = 200  # literal nesting; far beyond what source code writes


def special_const(raw: int) -> Any:
    """A VALUE that is its own representation: Fixnum, nil, true, false, undef."""
    if raw & 1:
        value = raw >> 1
        return value - (1 << 63) if value >= 1 << 62 else value
    if raw == QNIL:
        return None
    if raw == QTRUE:
        return True
    if raw == QFALSE:
        return False
    if raw == QUNDEF:
        return UNDEF
    raise ValueError(f"unsupported special constant {raw:#x}")


class ObjectList:
    def __init__(self, reader: Reader, offset: int, size: int) -> None:
        self.reader = reader
        reader.check(offset, 4 * size, "object list")
        self.offsets = struct.unpack_from(f"<{size}I", reader.data, offset)
        self.cache: dict[int, Any] = {0: None}
        self.loading: set[int] = set()

    def __len__(self) -> int:
        return len(self.offsets)

    def get(self, index: int) -> Any:
        if index in self.cache:
            return self.cache[index]
        r = self.reader
        if not 0 <= index < len(self.offsets):
            r.fail(0, f"object index {index} out of range (list has {len(self.offsets)})")
        if index in self.loading:
            r.fail(self.offsets[index], f"object {index} refers to itself")
        if len(self.loading) >= MAX_DEPTH:
            r.fail(self.offsets[index], f"objects nested deeper than {MAX_DEPTH}")
        self.loading.add(index)
        try:
            value = self._load(self.offsets[index])
        finally:
            self.loading.discard(index)
        self.cache[index] = value
        return value

    def _load(self, offset: int) -> Any:
        r = self.reader
        header = r.byte(offset)
        kind, special, frozen = header & 0x1F, header & 0x20, bool(header & 0x40)
        pos = offset + 1
        if special:
            raw, _ = r.small(pos)
            try:
                return special_const(raw)
            except ValueError as exc:
                r.fail(pos, str(exc))
        if kind == T_STRING:
            s = self._string(pos)
            s.frozen = frozen
            return s
        if kind == T_SYMBOL:
            return intern(self._string(pos).text())
        if kind == T_FLOAT:
            pos = _align(pos, 8)
            r.check(pos, 8, "float")
            return struct.unpack_from("<d", r.data, pos)[0]
        if kind == T_ARRAY:
            count, pos = r.small(pos)
            r.check(pos, count, "array")
            items = []
            for _ in range(count):
                idx, pos = r.small(pos)
                items.append(self.get(idx))
            a = RArray(items)
            a.frozen = frozen
            return a
        if kind == T_HASH:
            count, pos = r.small(pos)
            r.check(pos, 2 * count, "hash")
            h = RHash()
            for _ in range(count):
                k, pos = r.small(pos)
                v, pos = r.small(pos)
                h.put(self.get(k), self.get(v))
            h.frozen = frozen
            return h
        if kind == T_REGEXP:
            option = r.byte(pos)
            src, _ = r.small(pos + 1)
            source = self.get(src)
            if not isinstance(source, RString):
                r.fail(pos, "regexp source is not a string")
            return RRegexp(source, option)
        if kind == T_STRUCT:
            pos = _align(pos, 8)
            r.check(pos, 36, "range")
            _cls, _len, beg, end, excl = struct.unpack_from("<qqqqi", r.data, pos)
            return RRange(self.get(beg), self.get(end), bool(excl))
        if kind == T_BIGNUM:
            pos = _align(pos, 8)
            r.check(pos, 8, "bignum")
            (slen,) = struct.unpack_from("<q", r.data, pos)
            n = abs(slen)
            r.check(pos + 8, 4 * n, "bignum digits")
            value = int.from_bytes(r.data[pos + 8:pos + 8 + 4 * n], "little")
            return value if slen > 0 else -value
        if kind in (T_COMPLEX, T_RATIONAL):
            pos = _align(pos, 8)
            r.check(pos, 16, "complex or rational")
            a, b = struct.unpack_from("<qq", r.data, pos)
            parts = (self.get(a), self.get(b))
            if not all(isinstance(x, (int, float, RRational)) and not isinstance(x, bool)
                       for x in parts):
                r.fail(pos, "complex or rational part is not a number")
            if kind == T_COMPLEX:
                return RComplex(*parts)
            return RRational(*parts)
        if kind == T_CLASS:
            cindex, _ = r.small(pos)
            if cindex >= len(CLASS_NAMES):
                r.fail(pos, f"unknown class index {cindex}")
            return ClassRef(CLASS_NAMES[cindex])
        if kind == T_DATA:
            pos = _align(pos, 8)
            r.check(pos, 16, "data object")
            dtype, length = struct.unpack_from("<qq", r.data, pos)
            if dtype != 0 or not 0 < length <= 64:
                r.fail(pos, "unsupported data object")
            r.check(pos + 16, length, "encoding name")
            return ClassRef("Encoding:" + r.data[pos + 16:pos + 15 + length].decode("latin-1"))
        r.fail(offset, f"unsupported object type {kind:#x}")

    def _string(self, pos: int) -> RString:
        r = self.reader
        encindex, pos = r.small(pos)
        length, pos = r.small(pos)
        r.check(pos, length, "string")
        if encindex < ENCINDEX_BUILTIN_MAX:
            enc = BUILTIN_ENCODINGS[encindex]
        else:
            name = self.get(encindex - ENCINDEX_BUILTIN_MAX)
            if not isinstance(name, RString):
                r.fail(pos, "encoding name is not a string")
            enc = name.text()
        return RString(r.data[pos:pos + length], enc)


def _align(pos: int, align: int) -> int:
    return (pos + align - 1) // align * align
