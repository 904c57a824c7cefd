"""The control-flow instructions (CRuby insns.def): leave, throw, jump and branches, the
constant inline cache, once and case dispatch."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RSymbol
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.frame import Frame
from vmforms.yarv.interp.objects import (
    BreakSignal,
    NextSignal,
    RetrySignal,
    ReturnSignal,
    RException,
    RubyError,
    Signal,
)
from vmforms.yarv.interp.registry import OpT, handler


@handler("leave")
def _leave(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    return -1


@handler("throw")
def _throw(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    state = op[3] & 0xFF
    value = st.pop()
    f.pc = op[2]
    if state == 0:
        if isinstance(value, RException):
            raise RubyError(value)
        if isinstance(value, Signal):
            raise value
        return op[1]  # type: ignore[no-any-return]
    base = f
    while base.parent_frame is not None:
        base = base.parent_frame
    if state == 1:  # return
        t = base
        while t.iseq.type == "block" and not t.is_lambda and t.proc is not None:
            t = t.proc.creator
            while t.parent_frame is not None:
                t = t.parent_frame
        if t.iseq.type == "block" and not t.is_lambda and t.proc is None:
            vm.raise_error("LocalJumpError", "unexpected return")
        raise ReturnSignal(t, value)
    if state == 2:  # break
        for e in base.iseq.catch_table:
            if e.type == "break" and e.start < base.pc + 1 <= e.end and base is not f:
                raise BreakSignal(base, value)
        if base.iseq.type == "block" and base.proc is not None:
            if base.is_lambda:
                raise ReturnSignal(base, value)
            raise BreakSignal(base.proc.creator, value)
        raise BreakSignal(base, value)
    if state == 3:  # next
        raise NextSignal(base, value)
    if state == 4:  # retry
        raise RetrySignal(f.parent_frame or f, value)
    vm.raise_error("NotImplementedError", f"throw state {state} is not supported")
    return -1


@handler("jump")
def _jump(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    return op[3]  # type: ignore[no-any-return]


@handler("branchif")
def _branchif(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    v = st.pop()
    return op[3] if v is not None and v is not False else op[1]  # type: ignore[no-any-return]


@handler("branchunless")
def _branchunless(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    v = st.pop()
    return op[1] if v is not None and v is not False else op[3]  # type: ignore[no-any-return]


@handler("branchnil")
def _branchnil(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    return op[3] if st.pop() is None else op[1]  # type: ignore[no-any-return]


@handler("opt_getinlinecache")
def _getinlinecache(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    cell = op[4]
    if cell[0] == vm.const_serial:
        st.append(cell[1])
        return op[3]  # type: ignore[no-any-return]
    st.append(None)
    return op[1]  # type: ignore[no-any-return]


@handler("opt_setinlinecache")
def _setinlinecache(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    cell = op[3]
    cell[0] = vm.const_serial
    cell[1] = st[-1]
    return op[1]  # type: ignore[no-any-return]


@handler("once")
def _once(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    cell = op[4]
    if cell[0] != "done":
        from vmforms.yarv.interp.loop import run_child

        cell[1] = run_child(vm, f, op[3], None)
        cell[0] = "done"
    st.append(cell[1])
    return op[1]  # type: ignore[no-any-return]


@handler("opt_case_dispatch")
def _case_dispatch(vm: Any, f: Frame, st: list[Any], op: OpT) -> int:
    key = st.pop()
    t = type(key)
    if t in (int, RSymbol, RString, bool) or key is None or t is float:
        if t is float and key.is_integer():
            key = int(key)
        target = op[3].get(key)
        return op[4] if target is None else op[1] + target  # type: ignore[no-any-return]
    return op[1]  # type: ignore[no-any-return]
