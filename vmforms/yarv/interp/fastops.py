"""The opt_* instructions as the translation tier calls them: operands as arguments, the
result returned. Each takes CRuby's shortcut for the built-in receivers it knows (an Array
or a plain Hash indexed, a String appended to, sizes, nil?) and otherwise calls the method
through the call site's cache, as the instruction's fallback does (vm_opt_* in
vm_insnhelper.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.encmethods import compatible
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.integer import i_to_s
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.core.string import RString, fresh
from vmforms.yarv.interp.calls import dispatch
from vmforms.yarv.interp.loop import invoke_block


def aref(vm: Any, f: Any, a: Any, k: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RArray and type(k) is int and a.cls is vm.cArray:
        items = a.items
        return items[k] if -len(items) <= k < len(items) else None
    if ta is RHash and a.cls is vm.cHash and a.default_proc is None:
        tk = type(k)
        e = a.table.get(bytes(k.b) if tk is RString and not a.identity else
                        k if tk is int and not a.identity else a.key_of(k))
        return a.default if e is None else e[1]
    return dispatch(vm, f, a, [k], None, None, ci)


def aset(vm: Any, f: Any, a: Any, k: Any, v: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RArray and type(k) is int and a.cls is vm.cArray and not a.frozen and \
            0 <= k < len(a.items):
        a.items[k] = v
        return v
    if ta is RHash and a.cls is vm.cHash and not a.frozen:
        if type(k) is RString and not a.identity:
            key = bytes(k.b)
            table = a.table
            e = table.get(key)
            if e is not None:
                table[key] = (e[0], v)
                return v
            if not k.frozen:
                k = RString(key, k.enc, vm.cString)  # Hash#[]= keeps a frozen copy
                k.frozen = True
            table[key] = (k, v)
            return v
        a.put(k, v)
        return v
    return dispatch(vm, f, a, [k, v], None, None, ci)


def ltlt(vm: Any, f: Any, a: Any, b: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RArray and a.cls is vm.cArray and not a.frozen:
        a.items.append(b)
        return a
    if ta is RString and type(b) is RString and a.cls is vm.cString and not a.frozen:
        if a.enc is not b.enc and a.enc != b.enc and not (
                b.enc == "US-ASCII" and a.enc == "UTF-8" and b.b.isascii()):
            a.enc = compatible(vm, a, b)  # (digits appended to UTF-8 need no lookup)
        a.b += b.b
        return a
    return dispatch(vm, f, a, [b], None, None, ci)


def ltlt_lit(vm: Any, f: Any, a: Any, lit: Any, ci: Any) -> Any:
    """opt_ltlt of a string literal (putstring just before): a plain String appends its
    bytes, any other receiver gets the new String putstring would have made."""
    if type(a) is RString and a.cls is vm.cString and not a.frozen:
        if a.enc is not lit.enc and a.enc != lit.enc:
            a.enc = compatible(vm, a, lit)
        a.b += lit.b
        return a
    return ltlt(vm, f, a, fresh(bytearray(lit.b), lit.enc, vm.cString), ci)


def eq(vm: Any, f: Any, a: Any, b: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RString and type(b) is RString and a.cls is vm.cString:
        return a.b == b.b
    if ta is RSymbol:
        return a is b
    if a is None or ta is bool:
        return a is b
    return dispatch(vm, f, a, [b], None, None, ci)


def length(vm: Any, f: Any, a: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RArray:
        return len(a.items)
    if ta is RHash:
        return len(a.table)
    return dispatch(vm, f, a, [], None, None, ci)


def empty_p(vm: Any, f: Any, a: Any, ci: Any) -> Any:
    ta = type(a)
    if ta is RArray:
        return not a.items
    if ta is RHash:
        return not a.table
    if ta is RString:
        return not a.b
    return dispatch(vm, f, a, [], None, None, ci)


def nil_p(vm: Any, f: Any, a: Any, ci: Any) -> Any:
    if a is None:
        return True
    ta = type(a)
    if ta is int or ta is float or ta is bool or ta is RString or ta is RArray:
        return False
    return dispatch(vm, f, a, [], None, None, ci)


def not_(vm: Any, f: Any, a: Any, ci: Any) -> Any:
    if a is None or a is False:
        return True
    ta = type(a)
    if a is True or ta is int or ta is float or ta is RString or ta is RSymbol:
        return False
    return dispatch(vm, f, a, [], None, None, ci)


def succ(vm: Any, f: Any, a: Any, ci: Any) -> Any:
    if type(a) is int:
        return a + 1
    return dispatch(vm, f, a, [], None, None, ci)


def const(vm: Any, f: Any, plain: list[Any], op: Any) -> Any:
    """opt_getinlinecache through opt_setinlinecache: the cached constant, or the lookup
    (getconstant ...) run by its plain handlers on a stack of its own, which fills the
    cache."""
    cell = op[4]
    if cell[0] == vm.const_serial:
        return cell[1]
    tmp: list[Any] = [None]
    pc, end = op[1], op[3]
    while 0 <= pc < end:
        o = plain[pc]
        f.pc = pc
        pc = o[0](vm, f, tmp, o)
    return tmp[-1]


def ivar_get(vm: Any, s: Any, name: str) -> Any:
    """getinstancevariable: nil when unset."""
    iv = s.ivars if isinstance(s, RObject) else vm.generic_ivars(s)
    return iv.get(name) if iv else None


def yield_(vm: Any, f: Any, args: list[Any]) -> Any:
    """invokeblock of plain arguments: the frame's block, or LocalJumpError."""
    block = f.block
    if block is None:
        vm.raise_error("LocalJumpError", "no block given (yield)")
    return invoke_block(vm, block, args, None)


def obj_to_string(vm: Any, obj: Any) -> Any:
    """objtostring: a String as it is, an Integer's digits while Integer#to_s is the
    builtin (vm_objtostring's BASIC_OP_UNREDEFINED_P), else obj.to_s."""
    t = type(obj)
    if t is RString:
        return obj
    if t is int:
        known = _INT_TO_S
        if known[0] is not vm or known[1] != vm.serial:
            m = vm.find_method(vm.cInteger, "to_s")
            known[:] = [vm, vm.serial, m is not None and m.fn is i_to_s]
        if known[2]:
            return fresh(bytearray(b"%d" % obj), "US-ASCII", vm.cString)
    return vm.send(obj, "to_s")


# whether Integer#to_s is the builtin: (the VM, its method serial, the answer)
_INT_TO_S: list[Any] = [None, -1, False]


def any_to_string(vm: Any, obj: Any, s: Any) -> Any:
    """anytostring: what to_s gave, or #<Class> when it was not a String."""
    return s if type(s) is RString else RString(vm.any_to_s(obj))


def concat(vm: Any, parts: list[Any]) -> RString:
    """concatstrings: one new String; a non-ASCII result of mixed encodings is UTF-8."""
    enc = parts[0].enc
    out = fresh(bytearray().join([p.b for p in parts]), enc, vm.cString)
    for p in parts:
        if p.enc != enc:
            if not out.b.isascii():
                out.enc = "UTF-8"
            break
    return out


def concat2(vm: Any, a: Any, b: Any) -> RString:
    """concatstrings of two parts (the commonest interpolation, "k#{i}")."""
    enc = a.enc
    out = fresh(a.b + b.b, enc, vm.cString)
    if b.enc != enc and not out.b.isascii():
        out.enc = "UTF-8"
    return out


BINARY = {"opt_aref": aref, "opt_ltlt": ltlt, "opt_eq": eq}
UNARY = {"opt_length": length, "opt_size": length, "opt_empty_p": empty_p,
         "opt_nil_p": nil_p, "opt_not": not_, "opt_succ": succ}
