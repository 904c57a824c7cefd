"""Call sites: send, opt_send_without_block, invokesuper and invokeblock (CRuby
vm_insnhelper.c vm_sendish, vm_caller_setup_arg_block, CALLER_SETUP_ARG).

The stack holds the receiver, the arguments and, with ARGS_BLOCKARG, a block argument; the
call info's flags say how to read them (splat, keywords, block argument, fcall).
"""

from __future__ import annotations

import operator
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.interp import refine
from vmforms.yarv.interp.frame import Frame
from vmforms.yarv.interp.loop import execute, invoke_block
from vmforms.yarv.interp.objects import RProc, RubyError
from vmforms.yarv.iseq.loader import (
    VM_CALL_ARGS_BLOCKARG,
    VM_CALL_ARGS_SPLAT,
    VM_CALL_FCALL,
    VM_CALL_KW_SPLAT,
    VM_CALL_KWARG,
    VM_CALL_VCALL,
)

COMPLEX = VM_CALL_ARGS_SPLAT | VM_CALL_KWARG | VM_CALL_KW_SPLAT


def make_block(vm: Any, f: Frame, iseq: Any) -> RProc:
    p = RProc(iseq, f.self_, f.env, None, f.cref)
    p.cls = vm.cProc
    p.creator = f
    p.outer_block = f.block
    p.from_method = f.method
    return p


def to_block(vm: Any, value: Any) -> Any:
    """A block argument (&x): a Proc, nil, or anything with to_proc."""
    if value is None or type(value) is RProc:
        return value
    if type(value) is RSymbol:
        name = value.name
        cache: list[Any] = [None, -1, None]  # class, serial, method: an inline cache

        def call(vm_: Any, args: list[Any], blockarg: Any) -> Any:
            if not args:
                vm.raise_error("ArgumentError", "no receiver given")
            recv = args[0]
            cls = vm.class_of(recv)
            if cache[0] is cls and cache[1] == vm.serial:
                m = cache[2]
            else:
                m = cache[2] = vm.find_method(cls, name)
                cache[0], cache[1] = cls, vm.serial
            if m is None:
                return vm.send(recv, name, *args[1:], block=blockarg)
            if m.fn is not None and blockarg is None and m.arity in (-1, len(args) - 1):
                try:
                    return m.fn(vm, recv, args[1:], None)
                except RubyError as e:
                    vm.cframe_backtrace(e, m.name)
                    raise
            return vm.call_method(m, recv, args[1:], blockarg, None)

        def one(recv: Any) -> Any:
            """call of one argument, as map and each give it: a builtin without
            arguments straight from the cache."""
            cls = getattr(recv, "cls", None) or vm.class_of(recv)
            if cache[0] is cls and cache[1] == vm.serial:
                m = cache[2]
                if m is not None and m.fn is not None and m.arity in (-1, 0):
                    try:
                        return m.fn(vm, recv, [], None)
                    except RubyError as e:
                        vm.cframe_backtrace(e, m.name)
                        raise
            return call(vm, [recv], None)
        def many(items: list[Any]) -> list[Any]:
            """one over each of items (map's loop): while the receivers keep the class
            of the cached builtin and no method changes, its function is called here."""
            first = items[0] if items else None
            k: Any = getattr(first, "cls", None)
            if k is not None and set(map(type, items)) == {type(first)} and \
                    set(map(_CLS, items)) == {k}:
                # receivers of one class: a builtin with a form over a list (bulk) is
                # called once (it calls no Ruby code: nothing can change on the way)
                if not (cache[0] is k and cache[1] == vm.serial):
                    cache[2] = vm.find_method(k, name)
                    cache[0], cache[1] = k, vm.serial
                m = cache[2]
                bulk = getattr(m.fn, "bulk", None) if m is not None else None
                if bulk is not None and m.arity in (-1, 0):
                    made = bulk(vm, items)
                    if made is not None:
                        return made  # type: ignore[no-any-return]
            out: list[Any] = []
            push = out.append
            k = None
            fn: Any = None
            serial = -1
            for x in items:
                if getattr(x, "cls", None) is k and vm.serial == serial:
                    try:
                        push(fn(vm, x, [], None))
                    except RubyError as e:
                        vm.cframe_backtrace(e, name)
                        raise
                    continue
                push(one(x))
                m = cache[2]
                k, serial = None, -1
                if cache[0] is getattr(x, "cls", None) and m is not None and \
                        m.fn is not None and m.arity in (-1, 0):
                    k, fn, serial = cache[0], m.fn, cache[1]
            return out
        call.one = one  # type: ignore[attr-defined]
        call.many = many  # type: ignore[attr-defined]
        p = RProc(None, None, None, None, None, is_lambda=True, fn=call)
        p.cls = vm.cProc
        return p
    converted = vm.send(value, "to_proc")
    if type(converted) is not RProc:
        vm.raise_error("TypeError", f"wrong argument type {vm.real_class(value).name} "
                       "(expected Proc)")
    return converted


def read_args(vm: Any, st: list[Any], ci: Any) -> tuple[list[Any], RHash | None, Any]:
    """Pop arguments per the call info: (positional, keywords, block argument)."""
    flag = ci.flag
    blockarg = to_block(vm, st.pop()) if flag & VM_CALL_ARGS_BLOCKARG else None
    argc = ci.argc
    if argc:
        args = st[-argc:]
        del st[-argc:]
    else:
        args = []
    kw: RHash | None = None
    if flag & COMPLEX:
        if flag & VM_CALL_KWARG:
            names = ci.kwargs
            kw = RHash()
            values = args[len(args) - len(names):]
            del args[len(args) - len(names):]
            for k, v in zip(names, values, strict=True):
                kw.put(k, v)
        if flag & VM_CALL_ARGS_SPLAT:
            arr = args.pop()
            if type(arr) is RArray:
                args.extend(arr.items)
            elif arr is not None:
                args.append(arr)
        if flag & VM_CALL_KW_SPLAT and not flag & VM_CALL_KWARG and args:
            last = args.pop()
            if last is not None:
                if type(last) is not RHash:
                    last = vm.send(last, "to_hash")
                kw = RHash()
                kw.table.update(last.table)
    return args, kw, blockarg


class CallSite:
    """One call site's call info and its inline cache (CRuby's call data: ci and cc).

    The cache holds the method found for the receiver's class at the VM's method serial,
    and how to call it: FAST_ISEQ (required parameters only, given exactly: straight into
    a new frame), FAST_FN (a builtin called without re-packing its arguments) or GENERAL.
    """

    __slots__ = ("mid", "name", "flag", "argc", "kwargs", "cls", "serial", "method", "kind",
                 "pad", "ptype")

    def __init__(self, ci: Any) -> None:
        self.mid = ci.mid
        self.name = ci.mid.name if ci.mid is not None else ""
        self.flag = ci.flag
        self.argc = ci.argc
        self.kwargs = ci.kwargs
        self.cls: Any = None
        self.serial = -1
        self.method: Any = None
        self.kind = GENERAL
        self.pad: list[Any] = []
        self.ptype: type = _NoType  # int or float when cls is Integer or Float


class _NoType:
    """The type of no value: a call site's ptype when its receivers have a class of their
    own (the compiled call's guard tests type(r) is ptype first, then the class)."""


GENERAL, FAST_ISEQ, FAST_FN = 0, 1, 2
_CLS = operator.attrgetter("cls")


def _kind(m: Any, ci: CallSite) -> int:
    flag = ci.flag
    if m.visibility != "public" and not flag & VM_CALL_FCALL:
        return GENERAL
    if flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG):
        return GENERAL
    iseq = m.iseq
    if iseq is not None:
        if iseq.param_flags <= 1 and ci.argc == iseq.lead_num and \
                m.name == m.original_name and iseq.type == "method":
            return FAST_ISEQ
        return GENERAL
    if m.fn is not None and (m.arity < 0 or m.arity == ci.argc):
        return FAST_FN
    return GENERAL


def send(vm: Any, f: Frame, st: list[Any], ci: Any, blockiseq: Any) -> Any:
    flag = ci.flag
    if flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG):
        args, kw, block = read_args(vm, st, ci)
    else:
        argc = ci.argc
        if argc:
            args = st[-argc:]
            del st[-argc:]
        else:
            args = []
        kw = block = None
    recv = st.pop()
    if blockiseq is not None:
        block = make_block(vm, f, blockiseq)
    return dispatch(vm, f, recv, args, kw, block, ci)


def dispatch(vm: Any, f: Frame, recv: Any, args: list[Any], kw: RHash | None, block: Any,
             ci: CallSite) -> Any:
    """Call ci's method on recv with the arguments read: through the call site's cache."""
    tr = type(recv)
    if tr is int:
        cls = vm.cInteger
    elif tr is float:
        cls = vm.cFloat
    else:
        cls = recv.cls if isinstance(recv, RObject) and recv.cls is not None \
            else vm.class_of(recv)
    if vm.refined and (refs := refine.active(f.cref)):
        m = refine.find(vm, cls, ci.name, refs)  # not cached: the scope decides
        if m is None:
            return vm.method_missing(recv, ci.name, args, block,
                                     fcall=bool(ci.flag & VM_CALL_FCALL),
                                     vcall=bool(ci.flag & VM_CALL_VCALL))
        kind = _kind(m, ci)
        pad = [None] * (len(m.iseq.local_table) - ci.argc) if kind == FAST_ISEQ else None
    elif ci.cls is cls and ci.serial == vm.serial:
        m = ci.method
        kind = ci.kind
        pad = ci.pad
    else:
        m = vm.find_method(cls, ci.name)
        if m is None:
            return vm.method_missing(recv, ci.name, args, block,
                                     fcall=bool(ci.flag & VM_CALL_FCALL),
                                     vcall=bool(ci.flag & VM_CALL_VCALL))
        kind = _kind(m, ci)
        ci.cls, ci.serial, ci.method, ci.kind = cls, vm.serial, m, kind
        ci.ptype = tr if tr is int or tr is float else _NoType
        if kind == FAST_ISEQ:
            ci.pad = [None] * (len(m.iseq.local_table) - ci.argc)
        pad = ci.pad
    if kind == FAST_ISEQ:
        # the common call: required parameters only, straight into a new frame
        if pad:
            args += pad  # the method's other locals
        fr = Frame(m.iseq, recv, None, block, m, m.cref, None, args)
        fr.defined_class = m.owner
        return execute(vm, fr)
    if kind == FAST_FN and block is None:
        try:
            return m.fn(vm, recv, args, None)
        except RubyError as e:
            vm.cframe_backtrace(e, m.name)
            raise
        except OverflowError as e:  # a host limit a builtin did not foresee: a Ruby error
            vm.host_error(e, m.name)
    name = ci.name
    if m.visibility != "public" and not ci.flag & VM_CALL_FCALL:
        if m.visibility == "private" and not (name.endswith("=") and recv is f.self_):
            _visibility_error(vm, "private", name, recv)
        if m.visibility == "protected" and not vm.truthy(
                vm.send(f.self_, "is_a?", m.owner)):
            _visibility_error(vm, "protected", name, recv)
    return vm.call_method(m, recv, args, block, kw)


def _visibility_error(vm: Any, visibility: str, name: str, recv: Any) -> None:
    """NoMethodError for a private or protected method, with its name and receiver."""
    exc = vm.make_error("NoMethodError", f"{visibility} method `{name}' called for "
                        f"{vm.describe(recv)}")
    exc.ivars = {"@name": vm.sym(name),
                 "@receiver": recv}
    raise RubyError(exc)


def invokesuper(vm: Any, f: Frame, st: list[Any], ci: Any, blockiseq: Any) -> Any:
    args, kw, block = read_args(vm, st, ci)
    recv = st.pop()  # the receiver slot (self)
    home = f
    while home.method is None and home.parent_frame is not None:
        home = home.parent_frame
    method = f.method
    if method is None:
        vm.raise_error("RuntimeError", "super called outside of method")
    if blockiseq is not None:
        block = make_block(vm, f, blockiseq)
    elif block is None and not ci.flag & VM_CALL_ARGS_BLOCKARG:
        block = f.block
    recv = f.self_
    refined = refine.refined_class(method)
    m = vm.find_method(refined, method.name) if refined is not None else \
        vm.super_method(vm.class_of(recv), method.owner, method.name)
    if m is None:
        if method.name == "initialize" or method.name == "respond_to_missing?":
            return None
        if method.name == "method_missing":
            return vm.method_missing(recv, args[0].name, args[1:], block)
        vm.raise_error("NoMethodError", f"super: no superclass method `{method.name}' for "
                       f"{vm.describe(recv)}")
    return vm.call_method(m, recv, args, block, kw)


def invokeblock(vm: Any, f: Frame, st: list[Any], ci: Any) -> Any:
    if ci.flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG):
        args, kw, blockarg = read_args(vm, st, ci)
    else:
        argc = ci.argc
        if argc:
            args = st[-argc:]
            del st[-argc:]
        else:
            args = []
        kw = blockarg = None
    block = f.block
    if block is None:
        vm.raise_error("LocalJumpError", "no block given (yield)")
    return invoke_block(vm, block, args, kw, blockarg)
