"""The Ruby VM: the class tree, method lookup and calls, blocks, and exceptions
(CRuby vm_method.c, vm_insnhelper.c vm_call_*, vm_args.c setup_parameters_complex).

Method lookup walks the ancestors (prepends, the class, its includes, then the superclass)
and is cached per class; defining any method or including any module bumps `serial`, which
empties every cache.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import UNDEF, RObject, RSymbol, intern
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.frame import CFrame, Cref, Env, Frame
from vmforms.yarv.interp.loop import invoke_block
from vmforms.yarv.interp.objects import (
    Method,
    RClass,
    RException,
    RProc,
    RubyError,
)
from vmforms.yarv.interp.support import Support


class VM(Support):
    def __init__(self) -> None:
        self.stack: list[Any] = []  # Frames and CFrames, innermost last
        self.globals: dict[str, Any] = {}
        self.icount = 0
        self.counting = False  # count executed instructions (VMFORMS_YARV_STATS=1)
        self.loaded: set[str] = set()
        self.load_path: list[str] = []
        self.script = "-"
        self.out = sys.stdout.buffer
        self.err = sys.stderr.buffer
        self.verbose: bool | None = False
        self.at_exit: list[RProc] = []
        self.serial = 0
        self.object_ids: dict[int, int] = {}
        self.refined = False  # a `using` ran: calls consult their scope's refinements
        # call_proc(block, args, kw=None, blockarg=None) without a Python frame of its own
        self.call_proc = partial(invoke_block, self)  # type: ignore[method-assign]
        self.next_object_id = 8
        self._bootstrap()

    # --- the class tree -------------------------------------------------------------

    def _bootstrap(self) -> None:
        basic = RClass("BasicObject", None)
        obj = RClass("Object", basic)
        module = RClass("Module", obj)
        klass = RClass("Class", module)
        for c in (basic, obj, module, klass):
            c.cls = klass
        self.cBasicObject, self.cObject, self.cModule, self.cClass = basic, obj, module, klass
        for c in (basic, obj, module, klass):
            obj.consts[c.name or ""] = c
        self.mKernel = self.define_module("Kernel")
        obj.includes.append(self.mKernel)
        self.mComparable = self.define_module("Comparable")
        self.mEnumerable = self.define_module("Enumerable")
        dc = self.define_class
        self.cNilClass, self.cTrueClass = dc("NilClass"), dc("TrueClass")
        self.cFalseClass = dc("FalseClass")
        self.cNumeric = dc("Numeric")
        self.cNumeric.includes.append(self.mComparable)
        self.cInteger, self.cFloat = dc("Integer", self.cNumeric), dc("Float", self.cNumeric)
        self.cRational = dc("Rational", self.cNumeric)
        self.cComplex = dc("Complex", self.cNumeric)
        self.cString, self.cSymbol = dc("String"), dc("Symbol")
        self.cString.includes.append(self.mComparable)
        self.cSymbol.includes.append(self.mComparable)
        self.cArray, self.cHash, self.cRange = dc("Array"), dc("Hash"), dc("Range")
        for k in (self.cArray, self.cHash, self.cRange):
            k.includes.append(self.mEnumerable)
        self.cRegexp, self.cMatchData = dc("Regexp"), dc("MatchData")
        self.cProc, self.cMethod = dc("Proc"), dc("Method")
        self.cEncoding = dc("Encoding")
        self.cException = dc("Exception")
        self._TYPES: dict[type, RClass] = {
            type(None): self.cNilClass, int: self.cInteger, float: self.cFloat,
            RString: self.cString, RSymbol: self.cSymbol, RArray: self.cArray,
            RHash: self.cHash, RRange: self.cRange, RRegexp: self.cRegexp,
            RRational: self.cRational, RComplex: self.cComplex, RProc: self.cProc,
        }
        self.main = RObject(obj)
        self.serial = 0
        for c in (basic, obj, module, klass):
            self.singleton_class(c)

    def define_class(self, name: str, superclass: RClass | None = None,
                     under: RClass | None = None) -> RClass:
        owner = under or self.cObject
        existing = owner.consts.get(name)
        if isinstance(existing, RClass):
            return existing
        k = RClass(self.qualify(owner, name), superclass or self.cObject, meta=self.cClass)
        k.lexical_parent = owner
        if superclass is not None and superclass.builtin_type is not None:
            k.builtin_type = superclass.builtin_type
        owner.consts[name] = k
        self.singleton_class(k)
        return k

    def define_module(self, name: str, under: RClass | None = None) -> RClass:
        owner = under or self.cObject
        m = RClass(self.qualify(owner, name), None, is_module=True, meta=self.cModule)
        m.lexical_parent = owner
        owner.consts[name] = m
        return m

    def qualify(self, owner: RClass, name: str) -> str:
        if owner is self.cObject or owner.name is None:
            return name
        return f"{owner.name}::{name}"

    def class_of(self, v: Any) -> RClass:
        """The class a value's methods come from, singleton class included."""
        if v is True:
            return self.cTrueClass
        if v is False:
            return self.cFalseClass
        if isinstance(v, RObject):
            c = v.cls
            if c is not None:
                return c  # type: ignore[no-any-return]
        return self._TYPES.get(type(v), self.cObject)

    def real_class(self, v: Any) -> RClass:
        """#class: the class, past singleton classes."""
        c = self.class_of(v)
        while c.is_singleton:
            assert c.superclass is not None
            c = c.superclass
        return c

    def singleton_class(self, v: Any) -> RClass:
        if not isinstance(v, RObject):
            if v is None:
                return self.cNilClass
            if v is True:
                return self.cTrueClass
            if v is False:
                return self.cFalseClass
            self.raise_error("TypeError", "can't define singleton")
        c = self.class_of(v)
        if c.is_singleton and c.attached is v:
            return c
        meta: Any = self.cClass
        if isinstance(v, RClass):
            # a class's singleton class inherits its superclass's singleton class
            meta = self.cClass
            parent = self.singleton_class(v.superclass) if v.superclass is not None \
                else (self.cModule if v.is_module else self.cClass)
        else:
            parent = c
        s = RClass(None, parent, meta=meta)
        s.is_singleton = True
        s.attached = v
        v.cls = s
        self.serial += 1
        return s

    def ancestors(self, c: RClass) -> list[RClass]:
        if c.mro_cache is not None and c.mcache.get("__serial__") == self.serial:
            return c.mro_cache
        out: list[RClass] = []
        k: RClass | None = c
        while k is not None:
            for m in k.prepends:
                self._add_module(out, m)
            out.append(k)
            for m in reversed(k.includes):
                self._add_module(out, m)
            k = k.superclass
        c.mro_cache = out
        return out

    def _add_module(self, out: list[RClass], m: RClass) -> None:
        if m in out:
            return
        for p in m.prepends:
            self._add_module(out, p)
        out.append(m)
        for inc in reversed(m.includes):
            self._add_module(out, inc)

    def find_method(self, c: RClass, name: str) -> Method | None:
        cache = c.mcache
        if cache.get("__serial__") != self.serial:
            cache.clear()
            cache["__serial__"] = self.serial
            c.mro_cache = None
        try:
            return cache[name]  # type: ignore[no-any-return]
        except KeyError:
            pass
        found = None
        for k in self.ancestors(c):
            m = k.methods.get(name)
            if m is not None:
                found = m if m.fn is not None or m.iseq is not None else None
                break
        cache[name] = found
        return found

    def super_method(self, c: RClass, owner: RClass, name: str) -> Method | None:
        chain = self.ancestors(c)
        try:
            i = chain.index(owner)
        except ValueError:
            return None
        for k in chain[i + 1:]:
            m = k.methods.get(name)
            if m is not None:
                return m if m.fn is not None or m.iseq is not None else None
        return None

    def add_method(self, c: RClass, m: Method) -> None:
        c.methods[m.name] = m
        self.serial += 1

    def builtin(self, c: RClass, names: str, fn: Any, arity: int = -1,
                visibility: str = "public") -> None:
        for name in names.split():
            if name in ENUM_WITHOUT_BLOCK:
                fn = _enum_unless_block(fn, name)
            self.add_method(c, Method(name, c, fn=fn, arity=arity, visibility=visibility))

    def sbuiltin(self, c: RClass, names: str, fn: Any, arity: int = -1) -> None:
        self.builtin(self.singleton_class(c), names, fn, arity)

    # --- calls ---------------------------------------------------------------------

    def send(self, recv: Any, name: str, *args: Any, block: Any = None) -> Any:
        """Call a method as Ruby code does with a receiver (private methods allowed: the
        interpreter's own calls, like #inspect from p, are not visibility-checked)."""
        m = self.find_method(self.class_of(recv), name)
        if m is None:
            return self.method_missing(recv, name, list(args), block, fcall=True)
        return self.call_method(m, recv, list(args), block, None)

    def respond_to(self, recv: Any, name: str) -> bool:
        return self.find_method(self.class_of(recv), name) is not None

    def call_method(self, m: Method, recv: Any, args: list[Any], block: Any,
                    kw: RHash | None) -> Any:
        if m.fn is not None:
            if kw is not None and kw.table:
                args = args + [kw]
            if m.arity >= 0 and len(args) != m.arity:
                self.arg_error(len(args), str(m.arity), m.name)
            if block is not None:
                self.stack.append(CFrame(m.name))
                try:
                    return m.fn(self, recv, args, block)
                except RubyError as e:
                    if e.exc.backtrace is None:  # raised by the builtin: its frame is on top
                        e.exc.backtrace = self.backtrace()
                    raise
                finally:
                    self.stack.pop()
            try:
                return m.fn(self, recv, args, block)
            except RubyError as e:
                self.cframe_backtrace(e, m.name)
                raise
            except OverflowError as e:
                self.host_error(e, m.name)
        from vmforms.yarv.interp.loop import invoke_method

        return invoke_method(self, m, recv, args, block, kw)

    def host_error(self, e: Exception, name: str) -> Any:
        """A host limit a builtin did not foresee (a number too large to convert) raised
        as a Ruby RangeError from the builtin, not a Python traceback."""
        err = RubyError(self.make_error("RangeError", str(e)))
        self.cframe_backtrace(err, name)
        raise err from None

    def cframe_backtrace(self, e: RubyError, name: str) -> None:
        if e.exc.backtrace is None:
            self.stack.append(CFrame(name))
            try:
                e.exc.backtrace = self.backtrace()
            finally:
                self.stack.pop()

    def method_missing(self, recv: Any, name: str, args: list[Any], block: Any,
                       fcall: bool = False, vcall: bool = False) -> Any:
        mm = self.find_method(self.class_of(recv), "method_missing")
        if mm is not None and mm.owner is not self.cBasicObject:
            return self.call_method(mm, recv, [intern(name), *args], block, None)
        desc = self.describe(recv)
        if vcall:
            self.raise_name_error(f"undefined local variable or method `{name}' for {desc}",
                                  name)
        private = self.find_method(self.class_of(recv), name) is not None
        kind = "private method" if private else "method"
        exc = self.make_error("NoMethodError", f"undefined {kind} `{name}' for {desc}")
        exc.ivars = {"@name": intern(name), "@receiver": recv}
        raise RubyError(exc)

    def describe(self, recv: Any) -> str:
        """How NoMethodError names a receiver (rb_vm_... "for main:Object", "for nil:NilClass")."""
        if recv is None:
            return "nil:NilClass"
        if recv is True:
            return "true:TrueClass"
        if recv is False:
            return "false:FalseClass"
        if recv is self.main:
            return "main:Object"
        if isinstance(recv, RClass):
            from vmforms.yarv.core.module import mod_name

            kind = "module" if recv.is_module else "class"
            return f"{kind} {mod_name(self, recv)}"
        cls = self.real_class(recv)
        if type(recv) in (int, float, RSymbol):
            return f"{self.inspect(recv)}:{cls.name}"
        return f"an instance of {cls.name}" if False else f"#<{cls.name}>:{cls.name}" \
            if type(recv) is RObject else f"{self.inspect(recv)}:{cls.name}"

    def yield_(self, block: Any, *args: Any) -> Any:
        from vmforms.yarv.interp.loop import invoke_block

        if block is None:
            self.raise_error("LocalJumpError", "no block given (yield)")
        return invoke_block(self, block, list(args), None)

    def call_proc(self, block: Any, args: list[Any], kw: RHash | None = None,
                  blockarg: Any = None) -> Any:
        return invoke_block(self, block, args, kw, blockarg)

    # --- values ------------------------------------------------------------------------

    def inspect(self, v: Any) -> str:
        r = self.send(v, "inspect")
        return r.text() if isinstance(r, RString) else str(r)

    def to_s(self, v: Any) -> str:
        if type(v) is RString:
            return v.text()
        r = self.send(v, "to_s")
        if isinstance(r, RString):
            return r.text()
        return self.any_to_s(v)

    def any_to_s(self, v: Any) -> str:
        return f"#<{self.real_class(v).name}>"

    def truthy(self, v: Any) -> bool:
        return v is not None and v is not False

    def eq(self, a: Any, b: Any) -> bool:
        ta = type(a)
        if ta is type(b) and ta in (int, float, RSymbol, bool) or a is None or b is None:
            return bool(a == b) if ta is not RSymbol else a is b
        return self.truthy(self.send(a, "==", b))

    def eql(self, a: Any, b: Any) -> bool:
        from vmforms.yarv.core.hash import hash_key

        return bool(hash_key(a) == hash_key(b))

    # --- exceptions ------------------------------------------------------------------

    def exc_class(self, name: str) -> RClass:
        k: Any = self.cObject
        for part in name.split("::"):
            k = k.consts[part]
        return k  # type: ignore[no-any-return]

    def make_error(self, cls: RClass | str, message: str) -> RException:
        if isinstance(cls, str):
            cls = self.exc_class(cls)
        return RException(cls, RString(message))

    def raise_error(self, cls: RClass | str, message: str) -> Any:
        raise RubyError(self.make_error(cls, message))

    def raise_name_error(self, message: str, name: str) -> Any:
        exc = self.make_error("NameError", message)
        exc.ivars = {"@name": intern(name)}
        raise RubyError(exc)

    def arg_error(self, given: int, expected: str, name: str = "") -> Any:
        self.raise_error("ArgumentError",
                         f"wrong number of arguments (given {given}, expected {expected})")

    def type_error(self, v: Any, target: str) -> Any:
        self.raise_error("TypeError", f"no implicit conversion of {self.type_name(v)} "
                         f"into {target}")

    def type_name(self, v: Any) -> str:
        if v is None:
            return "nil"
        if v is True or v is False:
            return "true" if v else "false"
        return self.real_class(v).name or "?"

    def backtrace(self) -> list[str]:
        """`file:line:in 'label'` of each frame, innermost first (rb_ec_backtrace_str_ary)."""
        from vmforms.yarv.disasm import line_at

        out: list[str] = []
        loc = "?:0"
        pending: list[str] = []
        for fr in self.stack:
            if isinstance(fr, CFrame):
                pending.append(fr.name)
                continue
            path = fr.iseq.path.text() if isinstance(fr.iseq.path, RString) else "?"
            line = line_at(fr.iseq, fr.pc)[0] if fr.iseq.insns_info[0] else 0
            for name in pending:
                out.append(f"{loc}:in `{name}'")
            pending = []
            loc = f"{path}:{line}"
            out.append(f"{loc}:in `{frame_label(fr)}'")
        for name in pending:
            out.append(f"{loc}:in `{name}'")
        out.reverse()
        return out

    def object_id(self, v: Any) -> int:
        if type(v) is int:
            return 2 * v + 1
        if v is None:
            return 8
        if v is True:
            return 20
        if v is False:
            return 0
        key = id(v)
        oid = self.object_ids.get(key)
        if oid is None:
            oid = self.object_ids[key] = self.next_object_id
            self.next_object_id += 8
        return oid


# Iterators that return an Enumerator when called without a block.
ENUM_WITHOUT_BLOCK = frozenset((
    "each", "map", "collect", "flat_map", "select", "filter", "reject", "each_with_index",
    "each_slice", "each_cons", "cycle", "times", "upto", "downto", "each_char", "each_byte",
    "each_line", "each_key", "each_value", "each_pair", "filter_map", "map!", "collect!",
    "select!", "reject!", "group_by", "partition", "min_by", "max_by", "sort_by", "find",
    "detect", "find_index", "each_index", "reverse_each", "step", "each_entry", "chars"))


def _enum_unless_block(fn: Any, name: str) -> Any:
    def call(vm: VM, s: Any, args: list[Any], blk: Any) -> Any:
        if blk is None and name != "chars" and not (name in ("find_index", "step") and args):
            return vm.send(s, "enum_for", intern(name), *args)
        return fn(vm, s, args, blk)
    return call


def frame_label(fr: Frame) -> str:
    if fr.label is not None:
        return fr.label
    label = fr.iseq.label
    return label.text() if isinstance(label, RString) else "?"


__all__ = ["VM", "Cref", "Env", "Frame", "UNDEF", "frame_label"]


def _sym(name: str) -> RSymbol:
    return intern(name)


VM.sym = staticmethod(_sym)  # type: ignore[attr-defined]
