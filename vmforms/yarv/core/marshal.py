"""Marshal (CRuby marshal.c), format 4.8: dump writes the bytes ruby writes for the core
types (nil, booleans, Integers as fixnum or bignum, Floats as ruby spells them, Strings
with their encoding, Symbols and symbol links, Arrays, Hashes with a default, Ranges,
Structs, Regexps, Classes and Modules, Rational, Complex, exceptions, plain objects, object
links, marshal_dump/_dump); load reads them back, bounded by the data it is given."""

from __future__ import annotations

import math
import struct
from decimal import Decimal
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RClass, RException, RProc

MAX_DEPTH = 3000  # nesting a load follows before it refuses (Python's own stack is the limit)


def _is_flonum(d: float) -> bool:
    """Whether CRuby keeps this Float as an immediate (equal ones are one object)."""
    bits = struct.unpack("<Q", struct.pack("<d", d))[0]
    return bits == 0 or (bits != 0x3000000000000000 and (bits >> 60 & 7) in (3, 4))


def float_repr(d: float) -> bytes:
    """w_float: inf, -inf, nan, 0, -0, else the shortest digits as 1.5, 1e2, 1e-5."""
    if math.isinf(d):
        return b"-inf" if d < 0 else b"inf"
    if d != d:
        return b"nan"
    if d == 0.0:
        return b"-0" if math.copysign(1, d) < 0 else b"0"
    sign, digit_tuple, exp = Decimal(repr(abs(d))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exp, int)
    decpt = len(digit_tuple) + exp
    out = "-" if d < 0 else ""
    n = len(digits)
    if decpt < -3 or decpt > n:
        out += digits[0] + ("." + digits[1:] if n > 1 else "") + f"e{decpt - 1}"
    elif decpt > 0:
        out += digits[:decpt] + ("." + digits[decpt:] if n > decpt else "")
    else:
        out += "0." + "0" * -decpt + digits
    return out.encode()


class Dumper:
    def __init__(self, vm: Any, limit: int) -> None:
        self.vm = vm
        self.limit = limit
        self.out = bytearray(b"\x04\x08")
        self.symbols: dict[str, int] = {}
        self.objects: dict[Any, int] = {}
        self.keep: list[Any] = []  # objects keyed by id stay alive until the dump ends

    def w_long(self, x: int) -> None:
        if x == 0:
            self.out.append(0)
        elif 0 < x < 123:
            self.out.append(x + 5)
        elif -124 < x < 0:
            self.out.append((x - 5) & 0xFF)
        else:
            raw = bytearray()
            for i in range(1, 5):
                raw.append(x & 0xFF)
                x >>= 8
                if x == 0:
                    self.out.append(i)
                    break
                if x == -1:
                    self.out.append(256 - i)
                    break
            self.out += raw

    def w_bytes(self, data: bytes) -> None:
        self.w_long(len(data))
        self.out += data

    def w_symbol(self, name: str) -> None:
        if name in self.symbols:
            self.out.append(0x3B)  # ;
            self.w_long(self.symbols[name])
            return
        data = name.encode("utf-8", "surrogateescape")
        if not data.isascii():
            self.out.append(0x49)  # I
        self.out.append(0x3A)  # :
        self.w_bytes(data)
        self.symbols[name] = len(self.symbols)
        if not data.isascii():
            self.w_long(1)
            self.w_symbol("E")
            self.out.append(0x54)

    def remember(self, key: Any, obj: Any) -> bool:
        """Write a link if obj was dumped before; else number it."""
        if key in self.objects:
            self.out.append(0x40)  # @
            self.w_long(self.objects[key])
            return True
        self.objects[key] = len(self.objects)
        self.keep.append(obj)
        return False

    def class_path(self, cls: RClass) -> str:
        vm = self.vm
        real = vm.real_class(cls) if cls.is_singleton else cls
        if real.name is None:
            vm.raise_error("TypeError", f"can't dump anonymous class {vm.inspect(real)}")
        return str(real.name)

    def w_class(self, type_byte: int, obj: Any) -> None:
        vm = self.vm
        cls = vm.class_of(obj)
        if cls.is_singleton:
            if cls.methods or cls.consts:
                vm.raise_error("TypeError", "singleton can't be dumped")
            for m in reversed(cls.includes):
                self.out.append(0x65)  # e
                self.w_symbol(self.class_path(m))
        self.out.append(type_byte)
        self.w_symbol(self.class_path(cls))

    def w_uclass(self, obj: Any, base: RClass) -> None:
        cls = self.vm.real_class(obj)
        if cls is not base:
            self.out.append(0x43)  # C
            self.w_symbol(self.class_path(cls))

    def w_encoding(self, enc: str) -> None:
        if enc in ("UTF-8", "US-ASCII"):
            self.w_symbol("E")
            self.out.append(0x54 if enc == "UTF-8" else 0x46)
        else:
            self.w_symbol("encoding")
            self.dump(RString(enc, "US-ASCII"), self.limit)

    def dump(self, obj: Any, limit: int) -> None:
        vm = self.vm
        if limit == 0:
            vm.raise_error("ArgumentError", "exceed depth limit")
        limit -= 1
        t = type(obj)
        if obj is None:
            self.out.append(0x30)
        elif obj is True or obj is False:
            self.out.append(0x54 if obj else 0x46)
        elif t is int and -(1 << 30) <= obj < 1 << 30:
            self.out.append(0x69)  # i
            self.w_long(obj)
        elif t is int:
            # a Fixnum beyond 31 bits becomes a new Bignum; a Bignum is one object
            if abs(obj) >= 1 << 62 and self.remember(("id", id(obj)), obj):
                return
            if abs(obj) < 1 << 62:
                self.remember(("fresh", len(self.objects)), obj)
            shorts = (abs(obj).bit_length() + 15) // 16
            self.out += b"l+" if obj >= 0 else b"l-"
            self.w_long(shorts)
            self.out += abs(obj).to_bytes(shorts * 2, "little")
        elif t is RSymbol:
            self.w_symbol(obj.name)
        elif t is float:
            key = ("flo", struct.pack("<d", obj)) if _is_flonum(obj) else ("id", id(obj))
            if self.remember(key, obj):
                return
            self.out.append(0x66)  # f
            self.w_bytes(float_repr(obj))
        else:
            self.dump_object(obj, limit)

    def dump_object(self, obj: Any, limit: int) -> None:
        vm = self.vm
        if self.remember(("id", id(obj)), obj):
            return
        if not isinstance(obj, RClass) and vm.respond_to(obj, "marshal_dump"):
            value = vm.send(obj, "marshal_dump")
            self.w_class(0x55, obj)  # U
            self.dump(value, limit)
            return
        if not isinstance(obj, RClass) and vm.respond_to(obj, "_dump"):
            self.objects.pop(("id", id(obj)))  # _dump's object is numbered after its data
            data = vm.send(obj, "_dump", limit)
            if type(data) is not RString:
                vm.raise_error("TypeError", "_dump() must return string")
            has_enc = data.enc != "ASCII-8BIT"
            ivars = data.ivars or {}
            if has_enc or ivars:
                self.out.append(0x49)
            self.w_class(0x75, obj)  # u
            self.w_bytes(bytes(data.b))
            if has_enc or ivars:  # the String's encoding, then its instance variables
                self.w_long(int(has_enc) + len(ivars))
                if has_enc:
                    self.w_encoding(data.enc)
                for name, value in ivars.items():
                    self.w_symbol(name)
                    self.dump(value, limit)
            self.objects[("id", id(obj))] = len(self.objects)
            return
        t = type(obj)
        if t is RString:
            has_enc = obj.enc != "ASCII-8BIT"
            if has_enc:
                self.out.append(0x49)
            self.w_uclass(obj, vm.cString)
            self.out.append(0x22)  # "
            self.w_bytes(bytes(obj.b))
            if has_enc:
                self.w_long(1)
                self.w_encoding(obj.enc)
        elif t is RArray:
            self.w_uclass(obj, vm.cArray)
            self.out.append(0x5B)  # [
            self.w_long(len(obj.items))
            for item in list(obj.items):
                self.dump(item, limit)
        elif t is RHash:
            if obj.default_proc is not None:
                vm.raise_error("TypeError", "can't dump hash with default proc")
            if obj.identity:
                self.out.append(0x43)
                self.w_symbol("Hash")
            else:
                self.w_uclass(obj, vm.cHash)
            self.out.append(0x7B if obj.default is None else 0x7D)
            self.w_long(len(obj.table))
            for key, value in list(obj.table.values()):
                self.dump(key, limit)
                self.dump(value, limit)
            if obj.default is not None:
                self.dump(obj.default, limit)
        elif t is RRegexp:
            src = obj.source
            enc = "UTF-8" if obj.options & 16 or not src.b.isascii() else "US-ASCII"
            self.out.append(0x49)
            self.w_uclass(obj, vm.cRegexp)
            self.out.append(0x2F)  # /
            self.w_bytes(bytes(src.b))
            self.out.append(obj.options & 0xFF)
            self.w_long(1)
            self.w_encoding(enc)
        elif t is RRange:
            self.w_class(0x6F, obj)  # o
            self.w_long(3)
            for name, value in (("excl", obj.excl), ("begin", obj.first), ("end", obj.last)):
                self.w_symbol(name)
                self.dump(value, limit)
        elif t in (RRational, RComplex):
            self.w_class(0x55, obj)
            pair = (obj.num, obj.den) if t is RRational else (obj.real, obj.imag)
            self.dump(RArray(list(pair), vm.cArray), limit)
        elif isinstance(obj, RClass):
            if obj.is_singleton:
                vm.raise_error("TypeError", "singleton class can't be dumped")
            self.out.append(0x6D if obj.is_module else 0x63)  # m / c
            self.w_bytes(self.class_path(obj).encode())
        elif t is RException:
            # CRuby's ivars mesg and bt; a raised exception also has bt_locations (the same
            # array), a loaded one nil (kept, as CRuby, among its ivars)
            self.w_class(0x6F, obj)
            ivars = dict(obj.ivars or {})
            bt = None if obj.backtrace is None else RArray(
                [RString(line) for line in obj.backtrace], vm.cArray)
            if bt is not None and "bt_locations" not in ivars:
                ivars["bt_locations"] = bt
            self.w_long(2 + len(ivars))
            self.w_symbol("mesg")
            self.dump(obj.message, limit)
            self.w_symbol("bt")
            self.dump(bt, limit)
            self._ivars(ivars, limit)
        elif t is RObject:
            from vmforms.yarv.core.struct import _members

            members = _members(vm, obj)
            ivars = dict(obj.ivars or {})
            if members:
                self.w_class(0x53, obj)  # S
                self.w_long(len(members))
                for m in members:
                    self.w_symbol(m)
                    self.dump(ivars.get("@" + m), limit)
                return
            self.w_class(0x6F, obj)
            self.w_long(len(ivars))
            self._ivars(ivars, limit)
        else:
            name = "Proc" if t is RProc else vm.real_class(obj).name
            vm.raise_error("TypeError", f"no _dump_data is defined for class {name}")

    def _ivars(self, ivars: dict[str, Any], limit: int) -> None:
        for name, value in ivars.items():
            self.w_symbol(name)
            self.dump(value, limit)


def dump(vm: Any, obj: Any, limit: int = -1) -> RString:
    d = Dumper(vm, limit)
    try:
        d.dump(obj, limit)
    except RecursionError:
        vm.raise_error("SystemStackError", "stack level too deep")
    return RString(bytes(d.out), "ASCII-8BIT", vm.cString)
