"""Variables and constants of the VM: instance, class and global variables, constant
assignment and lookup failures, inline caches (CRuby variable.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import RRegexp
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RClass

_MISSING = object()

# enum ruby_value_type, for checktype
T_OBJECT, T_CLASS, T_MODULE, T_FLOAT, T_STRING, T_REGEXP, T_ARRAY, T_HASH = \
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
T_STRUCT, T_BIGNUM, T_NIL, T_TRUE, T_FALSE, T_SYMBOL, T_FIXNUM = \
    0x09, 0x0A, 0x11, 0x12, 0x13, 0x14, 0x15


class Support:
    missing: Any = _MISSING
    const_serial = 0
    special_globals = ("$stdout", "$stderr", "$0", "$PROGRAM_NAME", "$:", "$LOAD_PATH",
                       "$\"", "$LOADED_FEATURES", "$,", "$/", "$;", "$$", "$DEBUG",
                       "$VERBOSE", "$FILENAME", "$*", "$!", "$@", "$~", "$_", "$stdin")

    def inline_cache(self: Any, iseq: Any, index: int) -> list[Any]:
        caches = self.__dict__.setdefault("_ics", {})
        key = (id(iseq), index)
        cell = caches.get(key)
        if cell is None:
            cell = caches[key] = [-1, None]
        return cell  # type: ignore[no-any-return]

    def generic_ivars(self: Any, obj: Any) -> dict[str, Any] | None:
        return None

    def ivar_set(self: Any, obj: Any, name: str, value: Any) -> None:
        if not isinstance(obj, RObject):
            self.raise_error("FrozenError", f"can't modify frozen {self.real_class(obj).name}"
                             f": {self.inspect(obj)}")
        if obj.frozen:
            self.raise_error("FrozenError", f"can't modify frozen {self.real_class(obj).name}"
                             f": {self.inspect(obj)}")
        iv = obj.ivars
        if iv is None:
            obj.ivars = {name: value}
        else:
            iv[name] = value

    def _cvar_base(self: Any, cref: Any) -> RClass:
        k = cref.klass
        while k.is_singleton and isinstance(k.attached, RClass):
            k = k.attached
        return k  # type: ignore[no-any-return]

    def cvar_get(self: Any, cref: Any, name: str) -> Any:
        base = self._cvar_base(cref)
        for k in self.ancestors(base):
            if name in k.cvars:
                return k.cvars[name]
        self.raise_name_error(f"uninitialized class variable {name} in {base.name}", name)

    def cvar_set(self: Any, cref: Any, name: str, value: Any) -> None:
        base = self._cvar_base(cref)
        for k in self.ancestors(base):
            if name in k.cvars:
                k.cvars[name] = value
                return
        base.cvars[name] = value

    def cvar_defined(self: Any, cref: Any, name: str) -> bool:
        return any(name in k.cvars for k in self.ancestors(self._cvar_base(cref)))

    def const_set(self: Any, cbase: Any, name: str, value: Any) -> None:
        if not isinstance(cbase, RClass):
            self.raise_error("TypeError", f"{self.inspect(cbase)} is not a class/module")
        locs = self.__dict__.setdefault("_const_locs", {})
        if name in cbase.consts and self.verbose is not None:
            self.warn(f"already initialized constant {self.qualify(cbase, name)}")
            prev = locs.get((id(cbase), name))
            if prev:
                self.write_err(f"{prev}: warning: previous definition of {name} was here\n")
        locs[(id(cbase), name)] = self.location()
        cbase.consts[name] = value
        if isinstance(value, RClass) and value.name is None:
            value.name = self.qualify(cbase, name)
        self.const_serial += 1

    def const_missing(self: Any, klass: RClass, name: str, top: bool) -> Any:
        m = self.find_method(self.class_of(klass), "const_missing")
        if m is not None and m.owner is not self.cModule:
            return self.send(klass, "const_missing", RSymbol(name))
        if top and klass is self.cObject or top:
            self.raise_name_error(f"uninitialized constant {name}", name)
        self.raise_name_error(f"uninitialized constant {klass.name}::{name}", name)

    def autoload(self: Any, klass: Any, name: str, value: Any) -> Any:
        return value

    def gvar_get(self: Any, name: str) -> Any:
        g = self.globals
        if name in g:
            return g[name]
        if name in ("$0", "$PROGRAM_NAME"):
            return RString(self.script)
        if name in ("$:", "$LOAD_PATH"):
            return g.setdefault("$:", RArray([RString(p) for p in self.load_path],
                                             self.cArray))
        if name in ("$\"", "$LOADED_FEATURES"):
            return RArray([RString(p) for p in sorted(self.loaded)], self.cArray)
        if name == "$$":
            import os

            return os.getpid()
        if name == "$VERBOSE":
            return self.verbose
        return None

    def gvar_set(self: Any, name: str, value: Any) -> None:
        if name == "$VERBOSE":
            self.verbose = None if value is None else bool(value)
            return
        if name == "$PROGRAM_NAME":
            name = "$0"
        self.globals[name] = value

    def location(self: Any) -> str:
        """`path:line` of the instruction running in the innermost Ruby frame."""
        fr = next((f for f in reversed(self.stack) if hasattr(f, "iseq")), None)
        if fr is None:
            return ""
        from vmforms.yarv.disasm import line_at

        path = fr.iseq.path.text() if isinstance(fr.iseq.path, RString) else "?"
        return f"{path}:{line_at(fr.iseq, fr.pc)[0]}"

    def warn(self: Any, message: str) -> None:
        where = self.location()
        self.write_err(f"{where + ': ' if where else ''}warning: {message}\n")

    def write_err(self: Any, text: str) -> None:
        self.flush_out()
        self.err.write(text.encode("utf-8", "surrogateescape"))
        self.err.flush()

    def flush_out(self: Any) -> None:
        try:
            self.out.flush()
        except (BrokenPipeError, ValueError):
            pass

    def type_code(self: Any, v: Any) -> int:
        t = type(v)
        if v is None:
            return T_NIL
        if v is True:
            return T_TRUE
        if v is False:
            return T_FALSE
        if t is int:
            return T_FIXNUM if -(1 << 62) <= v < (1 << 62) else T_BIGNUM
        return {float: T_FLOAT, RString: T_STRING, RArray: T_ARRAY, RHash: T_HASH,
                RSymbol: T_SYMBOL, RRegexp: T_REGEXP, RRange: T_STRUCT}.get(
            t, T_CLASS if t is RClass and not v.is_module else
            T_MODULE if t is RClass else T_OBJECT)

    def is_a(self: Any, v: Any, k: RClass) -> bool:
        return k in self.ancestors(self.class_of(v))

    def new_class(self: Any, superclass: RClass, name: str | None, under: RClass | None) -> RClass:
        k = RClass(None, superclass, meta=self.cClass)
        k.builtin_type = superclass.builtin_type
        if name is not None and under is not None:
            k.name = self.qualify(under, name)
            k.lexical_parent = under
            under.consts[name] = k
            self.const_serial += 1
        if superclass.is_singleton:
            self.raise_error("TypeError", "can't make subclass of singleton class")
        if superclass is self.cClass:
            self.raise_error("TypeError", "can't make subclass of Class")
        self.singleton_class(k)
        hook = self.find_method(self.class_of(superclass), "inherited")
        if hook is not None and hook.owner is not self.cClass:
            self.send(superclass, "inherited", k)
        return k

    def new_regexp(self: Any, source: RString, options: int) -> RRegexp:
        r = RRegexp(source, options, self.cRegexp)
        return r

    def backref(self: Any, m: Any, kind: str) -> Any:
        method = {"&": "to_s", "`": "pre_match", "'": "post_match", "+": "_last_group"}[kind]
        return self.send(m, method)

    def hash_new(self: Any) -> RHash:
        return RHash(self.cHash)
