"""Marshal.load (CRuby marshal.c r_object): format 4.8 read back into this interpreter's
objects. Every read is bounded by the data: a short or malformed dump is ruby's one-line
ArgumentError or TypeError, never a Python error."""

from __future__ import annotations

import re
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.marshal import MAX_DEPTH
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import RObject, intern
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RClass, RException

_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class Loader:
    def __init__(self, vm: Any, data: bytes, proc: Any, freeze: bool) -> None:
        self.vm = vm
        self.freeze = freeze
        self.data = data
        self.pos = 0
        self.symbols: list[str] = []
        self.objects: list[Any] = []
        self.proc = proc
        self.fstrings: dict[tuple[bytes, str], RString] = {}

    def short(self) -> Any:
        return self.vm.raise_error("ArgumentError", "marshal data too short")

    def byte(self) -> int:
        if self.pos >= len(self.data):
            self.short()
        self.pos += 1
        return self.data[self.pos - 1]

    def long(self) -> int:
        c = self.byte()
        if c == 0:
            return 0
        if c < 128:
            if c > 4:
                return c - 5
            return int.from_bytes(self.take(c), "little")
        c -= 256
        if c < -4:
            return c + 5
        raw = self.take(-c)
        return int.from_bytes(raw, "little") - (1 << (8 * len(raw)))

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            self.short()
        self.pos += n
        return self.data[self.pos - n:self.pos]

    def bytes_(self) -> bytes:
        return self.take(self.long())

    def symbol(self) -> str:
        c = self.byte()
        if c == 0x3B:  # ;
            i = self.long()
            if not 0 <= i < len(self.symbols):
                self.vm.raise_error("ArgumentError", "bad symbol")
            return self.symbols[i]
        if c == 0x49:  # I: a symbol with its encoding
            name = self.symbol_body()
            for _ in range(self.long()):
                self.symbol()
                self.value(1)
            return name
        if c != 0x3A:
            self.vm.raise_error("ArgumentError", f"dump format error for symbol(0x{c:x})")
        return self.symbol_body()

    def symbol_body(self) -> str:
        name = self.bytes_().decode("utf-8", "surrogateescape")
        self.symbols.append(name)
        return name

    def entry(self, obj: Any) -> Any:
        self.objects.append(obj)
        return obj

    def path(self, name: str, module: bool | None = None) -> RClass:
        vm = self.vm
        k: Any = vm.cObject
        for part in name.split("::"):
            k = k.consts.get(part) if isinstance(k, RClass) else None
        if not isinstance(k, RClass):
            vm.raise_error("ArgumentError", f"undefined class/module {name}")
        if module is not None and k.is_module != module:
            vm.raise_error("ArgumentError", f"{name} does not refer to "
                           f"{'module' if module else 'class'}")
        found: RClass = k
        return found

    def value(self, depth: int) -> Any:
        obj = self.read(depth)
        if self.freeze and isinstance(obj, RObject) and not isinstance(obj, RClass):
            obj.frozen = True
        if self.proc is not None:
            obj = self.vm.call_proc(self.proc, [obj])
        return obj

    def read(self, depth: int) -> Any:
        vm = self.vm
        if depth > MAX_DEPTH:
            vm.raise_error("ArgumentError", "exceed depth limit")
        depth += 1
        c = self.byte()
        if c == 0x30:
            return None
        if c in (0x54, 0x46):
            return c == 0x54
        if c == 0x69:  # i
            return self.long()
        if c in (0x3A, 0x3B):
            self.pos -= 1
            return intern(self.symbol())
        if c == 0x40:  # @
            i = self.long()
            if not 0 <= i < len(self.objects):
                vm.raise_error("ArgumentError", "dump format error (unlinked)")
            return self.objects[i]
        if c == 0x49:  # I: an object, then its instance variables (a string's encoding)
            if self.pos < len(self.data) and self.data[self.pos] == 0x75:
                self.pos += 1  # _load's string: its encoding is read before the call
                cls = self.path(self.symbol(), False)
                data = RString(self.bytes_(), "ASCII-8BIT", vm.cString)
                self.ivars(data, depth)
                return self.user_load(cls, data)
            obj = self.read(depth)
            self.ivars(obj, depth)
            return obj
        if c == 0x6C:  # l: Bignum
            sign = self.byte()
            n = int.from_bytes(self.take(2 * self.long()), "little")
            return self.entry(-n if sign == 0x2D else n)
        if c == 0x66:  # f
            text = self.bytes_().split(b"\0")[0].decode("latin-1")
            if text in ("inf", "-inf", "nan"):
                return self.entry(float(text))  # a new float: only flonums are shared
            m = _FLOAT.match(text)  # strtod: the longest number at the start, else 0.0
            return self.entry(float(m.group(0)) if m else 0.0)
        if c == 0x22:  # "
            return self.entry(RString(self.bytes_(), "ASCII-8BIT", vm.cString))
        if c == 0x2F:  # /
            src = self.bytes_()
            options = self.byte()
            return self.entry(RRegexp(RString(src, "ASCII-8BIT"), options, vm.cRegexp))
        if c == 0x5B:  # [
            arr = self.entry(RArray([], vm.cArray))
            for _ in range(self.long()):
                arr.items.append(self.value(depth))
            return arr
        if c in (0x7B, 0x7D):  # { }
            h = self.entry(RHash(vm.cHash))
            for _ in range(self.long()):
                key = self.value(depth)
                self.h_set(h, key, self.value(depth))
            if c == 0x7D:
                h.default = self.value(depth)
            return h
        if c in (0x63, 0x6D, 0x4D):  # c m M
            name = self.bytes_().decode("utf-8", "surrogateescape")
            return self.entry(self.path(name, None if c == 0x4D else c == 0x6D))
        if c == 0x6F:  # o
            return self.object(self.path(self.symbol(), False), depth)
        if c == 0x53:  # S
            return self.struct(self.path(self.symbol(), False), depth)
        if c == 0x55:  # U
            cls = self.path(self.symbol(), False)
            return self.user_marshal(cls, depth)
        if c == 0x75:  # u
            cls = self.path(self.symbol(), False)
            return self.user_load(cls, RString(self.bytes_(), "ASCII-8BIT", vm.cString))
        if c == 0x65:  # e: extended by a module
            mod = self.path(self.symbol(), True)
            obj = self.read(depth)
            vm.send(obj, "extend", mod)
            return obj
        if c == 0x43:  # C: a String, Array, Hash or Regexp of a subclass
            cls = self.path(self.symbol(), False)
            obj = self.read(depth)
            if not isinstance(obj, RObject) or vm.real_class(obj) not in vm.ancestors(cls):
                vm.raise_error("ArgumentError", "dump format error (user class)")
            obj.cls = cls
            return obj
        if c == 0x64:  # d
            vm.raise_error("TypeError", "loading T_DATA objects is not supported")
        vm.raise_error("ArgumentError", f"dump format error(0x{c:x})")
        return None

    def ivars(self, obj: Any, depth: int) -> None:
        for _ in range(self.long()):
            name = self.symbol()
            self.set_ivar(obj, name, self.value(depth))

    def user_load(self, cls: RClass, data: RString) -> Any:
        vm = self.vm
        if not vm.respond_to(cls, "_load"):
            vm.raise_error("TypeError", f"class {cls.name} needs to have method `_load'")
        return self.entry(vm.send(cls, "_load", data))

    def h_set(self, h: RHash, key: Any, value: Any) -> None:
        """Hash#[]= as CRuby's: an unfrozen String key is stored as its frozen interned
        copy (rb_fstring), so equal keys of one load are one object."""
        if type(key) is RString and not key.frozen and key.cls is self.vm.cString and \
                not key.ivars:
            interned = (bytes(key.b), key.enc)
            key = self.fstrings.get(interned)
            if key is None:
                key = self.fstrings[interned] = RString(interned[0], interned[1],
                                                        self.vm.cString)
                key.frozen = True
        h.put(key, value)

    def set_ivar(self, obj: Any, name: str, value: Any) -> None:
        if type(obj) in (RString, RRegexp) and name in ("E", "encoding"):
            enc = ("UTF-8" if value else "US-ASCII") if name == "E" else \
                self.vm.to_s(value)
            target = obj if type(obj) is RString else obj.source
            target.enc = enc
            return
        if isinstance(obj, RObject):
            if obj.ivars is None:
                obj.ivars = {}
            obj.ivars[name] = value

    def object(self, cls: RClass, depth: int) -> Any:
        vm = self.vm
        if cls is vm.cRange:
            idx = len(self.objects)
            self.entry(None)
            fields = {}
            for _ in range(self.long()):
                name = self.symbol()
                fields[name] = self.value(depth)
            r = RRange(fields.get("begin"), fields.get("end"), vm.truthy(fields.get("excl")),
                       vm.cRange)
            self.objects[idx] = r
            return r
        if cls.builtin_type is not None and vm.exc_class("Exception") in vm.ancestors(cls):
            exc = self.entry(RException(cls, None))
            for _ in range(self.long()):
                name = self.symbol()
                value = self.value(depth)
                if name == "mesg":
                    exc.message = value
                elif name == "bt":
                    exc.backtrace = None if value is None else [vm.to_s(x) for x in
                                                                value.items]
                elif name != "bt_locations":
                    self.set_ivar(exc, name, value)
            self.set_ivar(exc, "bt_locations", None)
            return exc
        obj = self.entry(vm.send(cls, "allocate"))
        for _ in range(self.long()):
            name = self.symbol()
            self.set_ivar(obj, name, self.value(depth))
        return obj

    def struct(self, cls: RClass, depth: int) -> Any:
        from vmforms.yarv.core.struct import _members

        vm = self.vm
        obj = self.entry(vm.send(cls, "allocate"))
        members = _members(vm, obj)
        n = self.long()
        if n != len(members):
            vm.raise_error("TypeError", f"struct {cls.name} not compatible (struct size "
                           "differs)")
        for m in members:
            name = self.symbol()
            if name != m:
                vm.raise_error("TypeError", f"struct {cls.name} not compatible (:{name} for "
                               f":{m})")
            self.set_ivar(obj, "@" + m, self.value(depth))
        return obj

    def user_marshal(self, cls: RClass, depth: int) -> Any:
        vm = self.vm
        if cls is vm.cRational or cls is vm.cComplex:
            idx = len(self.objects)
            self.entry(None)
            pair = self.value(depth)
            if type(pair) is not RArray or len(pair.items) != 2:
                vm.raise_error("ArgumentError", f"marshaled {cls.name.lower()} must have an "
                               "array whose length is 2 but %d" % (
                                   len(pair.items) if type(pair) is RArray else 0))
            a, b = pair.items
            obj = RRational(a, b) if cls is vm.cRational else RComplex(a, b)
            obj.cls = cls
            self.objects[idx] = obj
            return obj
        obj = self.entry(vm.send(cls, "allocate"))
        if not vm.respond_to(obj, "marshal_load"):
            vm.raise_error("TypeError", f"instance of {cls.name} needs to have method "
                           "`marshal_load'")
        vm.send(obj, "marshal_load", self.value(depth))
        return obj




def load(vm: Any, data: bytes, proc: Any = None, freeze: bool = False) -> Any:
    r = Loader(vm, data, proc, freeze)
    major, minor = r.byte(), r.byte()
    if major != 4 or minor > 8:
        vm.raise_error("TypeError", "incompatible marshal file format (can't be read)\n"
                       f"\tformat version 4.8 required; {major}.{minor} given")
    try:
        return r.value(0)
    except RecursionError:  # nesting deeper than Python's stack, before MAX_DEPTH
        vm.raise_error("ArgumentError", "exceed depth limit")


def install(vm: Any) -> None:
    marshal = vm.define_module("Marshal")
    marshal.consts["MAJOR_VERSION"] = 4
    marshal.consts["MINOR_VERSION"] = 8
    vm.sbuiltin(marshal, "dump", _dump)
    vm.sbuiltin(marshal, "load restore", _load)


def _dump(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.marshal import dump

    if not 1 <= len(a) <= 3:
        vm.arg_error(len(a), "1..3")
    io, limit = None, -1
    for x in a[1:]:
        if type(x) is int:
            limit = x
        elif x is not None:
            io = x
    if io is not None and not vm.respond_to(io, "write"):
        vm.raise_error("TypeError", "instance of IO needed")
    data = dump(vm, a[0], limit)
    if io is None:
        return data
    vm.send(io, "write", data)
    return io


def _load(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    freeze = False
    if a and type(a[-1]) is RHash:
        freeze = vm.truthy(a[-1].get(intern("freeze")))
        a = a[:-1]
    if not 1 <= len(a) <= 2:
        vm.arg_error(len(a), "1..2")
    src = a[0]
    if type(src) is not RString:
        if not vm.respond_to(src, "read"):
            vm.raise_error("TypeError", "instance of IO needed")
        src = vm.send(src, "read")
        if type(src) is not RString:
            vm.raise_error("ArgumentError", "marshal data too short")
    return load(vm, bytes(src.b), a[1] if len(a) > 1 else None, freeze)
