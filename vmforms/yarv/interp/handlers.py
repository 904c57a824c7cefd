"""One handler per YARV instruction (CRuby insns.def), each a few lines: handler(vm, frame,
stack, op) -> next pc, where op is (handler, next pc, pc, operands...)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import ClassRef, RObject, intern
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.string import RString
from vmforms.yarv.insns import Insn, Op
from vmforms.yarv.interp import calls, fastops
from vmforms.yarv.interp.defs import (
    checkmatch,
    const_get,
    defineclass,
    defined,
    definemethod,
    expandarray,
    splat,
)
from vmforms.yarv.interp.frame import Frame
from vmforms.yarv.interp.ops import BINOPS, UNOPS
from vmforms.yarv.interp.registry import HANDLERS, OpT, handler


def _slot(iseq: Any, idx: int, level: int) -> int:
    target = iseq
    for _ in range(level):
        target = target.parent
    return len(target.local_table) - (idx - 3) - 1


def make_op(vm: Any, iseq: Any, insn: Insn, pc: int, nxt: int, operands: list[Any]) -> OpT:
    name = insn.name.removeprefix("trace_")
    ops = list(operands)
    for i, kind in enumerate(insn.operands):
        if kind is Op.CALLDATA and ops[i] is not None:
            ops[i] = calls.CallSite(ops[i])  # a cache of its own per call site
    if name in ("getlocal", "setlocal", "getblockparam", "setblockparam",
                "getblockparamproxy"):
        level = ops[1]
        ops[0] = _slot(iseq, ops[0], level)
        if name in ("getlocal", "setlocal") and level <= 1:
            name = f"{name}_WC_{level}"
    elif name in ("getlocal_WC_0", "setlocal_WC_0"):
        ops[0] = _slot(iseq, ops[0], 0)
    elif name in ("getlocal_WC_1", "setlocal_WC_1"):
        ops[0] = _slot(iseq, ops[0], 1)
    elif name in ("jump", "branchif", "branchunless", "branchnil"):
        ops[0] = nxt + ops[0]
    elif name == "opt_getinlinecache":
        ops[0] = nxt + ops[0]
        ops[1] = vm.inline_cache(iseq, ops[1])
    elif name == "opt_setinlinecache":
        ops[0] = vm.inline_cache(iseq, ops[0])
    elif name == "opt_case_dispatch":
        ops[1] = nxt + ops[1]
    elif name == "once":
        ops[1] = vm.inline_cache(iseq, ops[1])
    elif name == "putobject" and type(ops[0]) is ClassRef:
        ops[0] = vm.exc_class(ops[0].name)
    elif name in BINOPS:
        return (BINOPS[name], nxt, pc, *ops)
    elif name in UNOPS:
        return (UNOPS[name], nxt, pc, *ops)
    fn = HANDLERS.get(name)
    if fn is None:
        fn = _unsupported
    return (fn, nxt, pc, *ops)


def _unsupported(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    from vmforms.yarv.insns import INSNS

    code = f.iseq.code[op[2]]
    vm.raise_error("NotImplementedError", f"YARV instruction {INSNS[code].name} is not "
                   "supported by this interpreter")
    return -1


@handler("nop")
def _nop(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    return op[1]  # type: ignore[no-any-return]


@handler("getlocal_WC_0")
def _getlocal0(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(f.vars[op[3]])
    return op[1]  # type: ignore[no-any-return]


@handler("getlocal_WC_1")
def _getlocal1(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(f.env.parent.vars[op[3]])  # type: ignore[union-attr]
    return op[1]  # type: ignore[no-any-return]


def _env(f: Frame, level: int) -> Any:
    env = f.env
    for _ in range(level):
        env = env.parent  # type: ignore[assignment]
    return env


@handler("getlocal")
def _getlocal(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(_env(f, op[4]).vars[op[3]])
    return op[1]  # type: ignore[no-any-return]


@handler("setlocal_WC_0")
def _setlocal0(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.vars[op[3]] = st.pop()
    return op[1]  # type: ignore[no-any-return]


@handler("setlocal_WC_1")
def _setlocal1(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.env.parent.vars[op[3]] = st.pop()  # type: ignore[union-attr]
    return op[1]  # type: ignore[no-any-return]


@handler("setlocal")
def _setlocal(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    _env(f, op[4]).vars[op[3]] = st.pop()
    return op[1]  # type: ignore[no-any-return]


HANDLERS["getblockparam"] = HANDLERS["getblockparamproxy"] = _getlocal
HANDLERS["setblockparam"] = _setlocal


@handler("getspecial")
def _getspecial(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    key, typ = op[3], op[4]
    m = vm.globals.get("$~")
    if typ == 0:
        st.append(m if key == 1 else vm.globals.get("$_"))
    elif m is None:
        st.append(None)
    elif typ & 1:
        st.append(vm.backref(m, chr(typ >> 1)))
    else:
        st.append(vm.send(m, "[]", typ >> 1))
    return op[1]  # type: ignore[no-any-return]


@handler("setspecial")
def _setspecial(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    vm.globals[f"$flip{op[3]}"] = st.pop()
    return op[1]  # type: ignore[no-any-return]


@handler("getinstancevariable")
def _getivar(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    s = f.self_
    iv = s.ivars if isinstance(s, RObject) else vm.generic_ivars(s)
    st.append(iv.get(op[3].name) if iv else None)
    return op[1]  # type: ignore[no-any-return]


@handler("setinstancevariable")
def _setivar(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    vm.ivar_set(f.self_, op[3].name, st.pop())
    return op[1]  # type: ignore[no-any-return]


@handler("getclassvariable")
def _getcvar(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(vm.cvar_get(f.cref, op[3].name))
    return op[1]  # type: ignore[no-any-return]


@handler("setclassvariable")
def _setcvar(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    vm.cvar_set(f.cref, op[3].name, st.pop())
    return op[1]  # type: ignore[no-any-return]


@handler("getconstant")
def _getconstant(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    allow_nil = st.pop()
    klass = st.pop()
    f.pc = op[2]
    st.append(const_get(vm, f, klass, op[3].name, allow_nil))
    return op[1]  # type: ignore[no-any-return]


@handler("setconstant")
def _setconstant(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    cbase = st.pop()
    f.pc = op[2]
    vm.const_set(cbase, op[3].name, st.pop())
    return op[1]  # type: ignore[no-any-return]


@handler("getglobal")
def _getglobal(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(vm.gvar_get(op[3].name))
    return op[1]  # type: ignore[no-any-return]


@handler("setglobal")
def _setglobal(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    vm.gvar_set(op[3].name, st.pop())
    return op[1]  # type: ignore[no-any-return]


@handler("putnil")
def _putnil(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(None)
    return op[1]  # type: ignore[no-any-return]


@handler("putself")
def _putself(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(f.self_)
    return op[1]  # type: ignore[no-any-return]


@handler("putobject")
def _putobject(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(op[3])
    return op[1]  # type: ignore[no-any-return]


@handler("putobject_INT2FIX_0_")
def _put0(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(0)
    return op[1]  # type: ignore[no-any-return]


@handler("putobject_INT2FIX_1_")
def _put1(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(1)
    return op[1]  # type: ignore[no-any-return]


@handler("putspecialobject")
def _putspecialobject(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(vm.core if op[3] == 1 else f.cref.klass)
    return op[1]  # type: ignore[no-any-return]


@handler("putstring")
def _putstring(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    lit = op[3]
    st.append(RString(lit.b, lit.enc, vm.cString))
    return op[1]  # type: ignore[no-any-return]


@handler("concatstrings")
def _concatstrings(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    parts = st[-n:]
    del st[-n:]
    st.append(fastops.concat(vm, parts))
    return op[1]  # type: ignore[no-any-return]


@handler("anytostring")
def _anytostring(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    s = st.pop()
    st[-1] = fastops.any_to_string(vm, st[-1], s)
    return op[1]  # type: ignore[no-any-return]


@handler("objtostring")
def _objtostring(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.pc = op[2]
    st[-1] = fastops.obj_to_string(vm, st[-1])
    return op[1]  # type: ignore[no-any-return]


@handler("toregexp")
def _toregexp(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    opt, n = op[3], op[4]
    parts = st[-n:]
    del st[-n:]
    st.append(vm.new_regexp(RString(b"".join(p.b for p in parts)), opt))
    return op[1]  # type: ignore[no-any-return]


@handler("intern")
def _intern(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(intern(st.pop().text()))
    return op[1]  # type: ignore[no-any-return]


@handler("newarray")
def _newarray(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    if n:
        items = st[-n:]
        del st[-n:]
    else:
        items = []
    st.append(RArray(items, vm.cArray))
    return op[1]  # type: ignore[no-any-return]


@handler("newarraykwsplat")
def _newarraykwsplat(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    items = st[-n:]
    del st[-n:]
    if items and type(items[-1]) is RHash and not items[-1].table:
        items.pop()
    st.append(RArray(items, vm.cArray))
    return op[1]  # type: ignore[no-any-return]


@handler("duparray")
def _duparray(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(RArray(list(op[3].items), vm.cArray))
    return op[1]  # type: ignore[no-any-return]


@handler("duphash")
def _duphash(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    h = RHash(vm.cHash)
    h.table = dict(op[3].table)
    st.append(h)
    return op[1]  # type: ignore[no-any-return]


@handler("expandarray")
def _expandarray(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    expandarray(vm, st, op[3], op[4])
    return op[1]  # type: ignore[no-any-return]


@handler("concatarray")
def _concatarray(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    b = splat(vm, st.pop())
    a = splat(vm, st.pop())
    st.append(RArray(a + b, vm.cArray))
    return op[1]  # type: ignore[no-any-return]


@handler("splatarray")
def _splatarray(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    v = st.pop()
    if type(v) is RArray and not op[3]:
        st.append(v)
    else:
        st.append(RArray(splat(vm, v), vm.cArray))
    return op[1]  # type: ignore[no-any-return]


@handler("newhash")
def _newhash(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    h = RHash(vm.cHash)
    if n:
        items = st[-n:]
        del st[-n:]
        for i in range(0, n, 2):
            k = items[i]
            if type(k) is RString and not k.frozen:
                k = RString(k.b, k.enc, vm.cString)
                k.frozen = True
            h.put(k, items[i + 1])
    st.append(h)
    return op[1]  # type: ignore[no-any-return]


@handler("newrange")
def _newrange(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    last = st.pop()
    first = st.pop()
    st.append(RRange(first, last, bool(op[3]), vm.cRange))
    return op[1]  # type: ignore[no-any-return]


@handler("pop")
def _pop(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.pop()
    return op[1]  # type: ignore[no-any-return]


@handler("dup")
def _dup(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(st[-1])
    return op[1]  # type: ignore[no-any-return]


@handler("dupn")
def _dupn(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.extend(st[-op[3]:])
    return op[1]  # type: ignore[no-any-return]


@handler("swap")
def _swap(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st[-1], st[-2] = st[-2], st[-1]
    return op[1]  # type: ignore[no-any-return]


@handler("topn")
def _topn(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(st[-1 - op[3]])
    return op[1]  # type: ignore[no-any-return]


@handler("setn")
def _setn(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st[-1 - op[3]] = st[-1]
    return op[1]  # type: ignore[no-any-return]


@handler("adjuststack")
def _adjuststack(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    del st[-op[3]:]
    return op[1]  # type: ignore[no-any-return]


@handler("defined")
def _defined(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    v = st.pop()
    st.append(op[5] if defined(vm, f, op[3], op[4], v) else None)
    return op[1]  # type: ignore[no-any-return]


@handler("checkmatch")
def _checkmatch(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    pattern = st.pop()
    target = st.pop()
    f.pc = op[2]
    st.append(checkmatch(vm, target, pattern, op[3]))
    return op[1]  # type: ignore[no-any-return]


@handler("checkkeyword")
def _checkkeyword(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    bits = f.env.vars[len(f.env.vars) - (op[3] - 3) - 1]
    st.append(not (bits & (1 << op[4])))
    return op[1]  # type: ignore[no-any-return]


@handler("checktype")
def _checktype(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    v = st.pop()
    st.append(vm.type_code(v) == op[3])
    return op[1]  # type: ignore[no-any-return]


@handler("defineclass")
def _defineclass(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    superclass = st.pop()
    cbase = st.pop()
    f.pc = op[2]
    st.append(defineclass(vm, f, op[3].name, op[4], op[5], cbase, superclass))
    return op[1]  # type: ignore[no-any-return]


@handler("definemethod")
def _definemethod(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    definemethod(vm, f, None, op[3].name, op[4])
    return op[1]  # type: ignore[no-any-return]


@handler("definesmethod")
def _definesmethod(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    definemethod(vm, f, st.pop(), op[3].name, op[4])
    return op[1]  # type: ignore[no-any-return]


@handler("send")
def _send(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.pc = op[2]
    st.append(calls.send(vm, f, st, op[3], op[4]))
    return op[1]  # type: ignore[no-any-return]


@handler("opt_send_without_block")
def _send_simple(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.pc = op[2]
    st.append(calls.send(vm, f, st, op[3], None))
    return op[1]  # type: ignore[no-any-return]


@handler("invokesuper")
def _invokesuper(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.pc = op[2]
    st.append(calls.invokesuper(vm, f, st, op[3], op[4]))
    return op[1]  # type: ignore[no-any-return]


@handler("invokeblock")
def _invokeblock(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    f.pc = op[2]
    st.append(calls.invokeblock(vm, f, st, op[3]))
    return op[1]  # type: ignore[no-any-return]


@handler("opt_str_freeze")
def _opt_str_freeze(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    st.append(op[3])
    return op[1]  # type: ignore[no-any-return]


HANDLERS["opt_str_uminus"] = _opt_str_freeze


@handler("opt_newarray_max")
def _newarray_max(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    items = st[-n:]
    del st[-n:]
    st.append(vm.send(RArray(items, vm.cArray), "max"))
    return op[1]  # type: ignore[no-any-return]


@handler("opt_newarray_min")
def _newarray_min(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    n = op[3]
    items = st[-n:]
    del st[-n:]
    st.append(vm.send(RArray(items, vm.cArray), "min"))
    return op[1]  # type: ignore[no-any-return]


from vmforms.yarv.interp import flow  # noqa: E402 - registers the control-flow handlers

__all__ = ["HANDLERS", "make_op", "flow"]
