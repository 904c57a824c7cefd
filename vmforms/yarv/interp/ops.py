"""The opt_* instructions: arithmetic and comparison with fast paths for Integer and Float,
falling back to a method call as CRuby does when a receiver is not a plain number or string
(insns.def opt_plus ... opt_succ; vm_opt_* in vm_insnhelper.c)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.interp import calls

OpT = tuple[Any, ...]

_NUM = (int, float)


def _fallback(vm: Any, f: Any, st: list[Any], op: OpT, argc: int) -> int:
    f.pc = op[2]
    ci = op[-1]
    st.append(calls.send(vm, f, st, ci, None))
    return op[1]  # type: ignore[no-any-return]


_TEMPLATE = """
def {name}(vm, f, st, op):
    b = st[-1]
    a = st[-2]
    ta = type(a)
    if {test}:
        st.pop()
        st[-1] = a {sym} b
        return op[1]
    return _fallback(vm, f, st, op, 1)
"""
# Comparisons of an Integer with a Float are exact in Python as in Ruby; + - * of mixed
# operands would convert a huge Integer to float and fail, so those go to the method
# (which gives Infinity, as ruby).
SAME_TYPE = "(ta is int or ta is float) and type(b) is ta"
NUMBERS = "(ta is int or ta is float) and (type(b) is int or type(b) is float)"


def _inline(name: str, sym: str) -> Any:
    """A handler with the operator written in, saving a call per instruction."""
    scope: dict[str, Any] = {"_fallback": _fallback}
    test = SAME_TYPE if sym in "+-*" else NUMBERS
    exec(_TEMPLATE.format(name=name, sym=sym, test=test), scope)  # noqa: S102 - fixed
    return scope[name]


def _binop(name: str, fast: Any) -> Any:
    def h(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
        b = st[-1]
        a = st[-2]
        ta = type(a)
        if (ta is int or ta is float) and type(b) in _NUM:
            r = fast(a, b)
            if r is not NotImplemented:
                del st[-2:]
                st.append(r)
                return op[1]  # type: ignore[no-any-return]
        return _fallback(vm, f, st, op, 1)
    h.__name__ = name
    return h


def _div(a: Any, b: Any) -> Any:
    if type(a) is int and type(b) is int:
        return NotImplemented if b == 0 else a // b
    if b == 0 or type(a) is not type(b):  # mixed: the method (a huge Integer overflows)
        return NotImplemented
    return a / b


def _mod(a: Any, b: Any) -> Any:
    if b == 0 or type(a) is not type(b):  # mixed: the method (a huge Integer overflows)
        return NotImplemented
    if type(a) is float or type(b) is float:
        import math

        r = math.fmod(a, b)
        if r != 0 and (r < 0) != (b < 0):
            r += b
        return r
    return a % b


def _ltlt(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    a = st[-2]
    if type(a) is RArray and not a.frozen:
        a.items.append(st.pop())
        return op[1]  # type: ignore[no-any-return]
    return _fallback(vm, f, st, op, 1)


def _aref(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    a = st[-2]
    k = st[-1]
    ta = type(a)
    if ta is RArray and type(k) is int:
        items = a.items
        del st[-2:]
        st.append(items[k] if -len(items) <= k < len(items) else None)
        return op[1]  # type: ignore[no-any-return]
    if ta is RHash and a.default_proc is None and a.cls is vm.cHash:
        v = a.table.get(a.key_of(k), a)
        if v is not a:
            del st[-2:]
            st.append(v[1])
            return op[1]  # type: ignore[no-any-return]
    return _fallback(vm, f, st, op, 1)


def _aset(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    a = st[-3]
    k = st[-2]
    if type(a) is RArray and type(k) is int and not a.frozen and 0 <= k < len(a.items):
        v = st.pop()
        del st[-2:]
        a.items[k] = v
        st.append(v)
        return op[1]  # type: ignore[no-any-return]
    return _fallback(vm, f, st, op, 2)


def _eq(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    b = st[-1]
    a = st[-2]
    ta = type(a)
    if (ta is int or ta is float) and type(b) in _NUM:
        del st[-2:]
        st.append(a == b)
        return op[1]  # type: ignore[no-any-return]
    if ta is type(b) and ta.__name__ == "RSymbol":
        del st[-2:]
        st.append(a is b)
        return op[1]  # type: ignore[no-any-return]
    return _fallback(vm, f, st, op, 1)


def _neq(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    b = st[-1]
    a = st[-2]
    if type(a) in _NUM and type(b) in _NUM:
        del st[-2:]
        st.append(a != b)
        return op[1]  # type: ignore[no-any-return]
    return _fallback(vm, f, st, op, 1)


def _unop(name: str, fast: Any) -> Any:
    def h(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
        a = st[-1]
        r = fast(a)
        if r is not NotImplemented:
            st[-1] = r
            return op[1]  # type: ignore[no-any-return]
        return _fallback(vm, f, st, op, 0)
    h.__name__ = name
    return h


def _length(a: Any) -> Any:
    t = type(a)
    if t is RArray:
        return len(a.items)
    if t is RHash:
        return len(a.table)
    return NotImplemented


def _succ(a: Any) -> Any:
    return a + 1 if type(a) is int else NotImplemented


def _not(a: Any) -> Any:
    return NotImplemented


def _nil_p(a: Any) -> Any:
    return NotImplemented


BINOPS: dict[str, Any] = {
    "opt_plus": _inline("opt_plus", "+"),
    "opt_minus": _inline("opt_minus", "-"),
    "opt_mult": _inline("opt_mult", "*"),
    "opt_div": _binop("opt_div", _div),
    "opt_mod": _binop("opt_mod", _mod),
    "opt_lt": _inline("opt_lt", "<"),
    "opt_le": _inline("opt_le", "<="),
    "opt_gt": _inline("opt_gt", ">"),
    "opt_ge": _inline("opt_ge", ">="),
    "opt_and": _binop("opt_and", lambda a, b: a & b if type(a) is int and type(b) is int
                      else NotImplemented),
    "opt_or": _binop("opt_or", lambda a, b: a | b if type(a) is int and type(b) is int
                     else NotImplemented),
    "opt_eq": _eq,
    "opt_neq": _neq,
    "opt_ltlt": _ltlt,
    "opt_aref": _aref,
    "opt_aset": _aset,
    "opt_regexpmatch2": _binop("opt_regexpmatch2", lambda a, b: NotImplemented),
}

UNOPS: dict[str, Any] = {
    "opt_length": _unop("opt_length", _length),
    "opt_size": _unop("opt_size", _length),
    "opt_empty_p": _unop("opt_empty_p", lambda a: NotImplemented),
    "opt_succ": _unop("opt_succ", _succ),
    "opt_not": _unop("opt_not", _not),
    "opt_nil_p": _unop("opt_nil_p", _nil_p),
}


def _with_key(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    """opt_aref_with / opt_aset_with: a literal string key pushed before the call."""
    key = op[3]
    from vmforms.yarv.core.string import RString

    k = RString(key.b, key.enc, vm.cString)
    k.frozen = True
    if op[0] is _aset_with:
        val = st.pop()
        st.append(k)
        st.append(val)
    else:
        st.append(k)
    return _fallback(vm, f, st, op, 1)


def _aref_with(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    return _with_key(vm, f, st, op)


def _aset_with(vm: Any, f: Any, st: list[Any], op: OpT) -> int:
    return _with_key(vm, f, st, op)


UNOPS["opt_aref_with"] = _aref_with
UNOPS["opt_aset_with"] = _aset_with
