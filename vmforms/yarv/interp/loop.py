"""The interpreter loop, argument setup, and the catch tables (CRuby vm_exec.c vm_exec,
vm_args.c setup_parameters_complex, vm.c vm_exec_handle_exception).

Each iseq is decoded once into `ops`: at every instruction's pc a tuple (handler, next pc,
pc, operands...). The loop calls handler(vm, frame, stack, op), which returns the next pc;
`leave` returns -1. Exceptions and Ruby's non-local exits are Python exceptions; the loop
looks them up in the frame's catch table with CRuby's rule (start < epc <= end, where epc
is the pc after the instruction that raised) and runs rescue and ensure iseqs as frames.
"""

from __future__ import annotations

import os
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import UNDEF, RSymbol
from vmforms.yarv.interp.frame import Env, Frame
from vmforms.yarv.interp.objects import (
    BreakSignal,
    Method,
    NextSignal,
    RetrySignal,
    ReturnSignal,
    RException,
    RProc,
    RubyError,
    Signal,
)


def decode(vm: Any, iseq: Any) -> list[Any]:
    from vmforms.yarv.interp.handlers import make_op

    ops: list[Any] = [None] * (len(iseq.code) + 1)
    from vmforms.yarv.insns import INSNS

    pc = 0
    code = iseq.code
    while pc < len(code):
        insn = INSNS[code[pc]]
        nxt = pc + insn.length
        ops[pc] = make_op(vm, iseq, insn, pc, nxt, code[pc + 1:nxt])
        pc = nxt
    return ops


TRANSLATE = os.environ.get("VMFORMS_YARV_TRANSLATE", "1") != "0"


def prepare(vm: Any, iseq: Any) -> tuple[list[Any], list[Any]]:
    """(plain ops, ops with blocks compiled): decoded once per iseq."""
    plain = decode(vm, iseq)
    fast = plain
    if TRANSLATE:
        from vmforms.yarv.interp.translate import translate

        fast = translate(vm, iseq, plain)
    iseq.cache = (plain, fast)
    return iseq.cache  # type: ignore[no-any-return]


def execute(vm: Any, f: Frame, pending: BaseException | None = None) -> Any:
    """Run f from its pc to its end; pending: an exception its first instruction raised,
    run outside (block_caller1), handled here as if raised in the loop."""
    cache = f.iseq.cache
    if cache is None:
        cache = prepare(vm, f.iseq)
    plain, fast = cache
    counting = vm.counting
    ops = plain if counting else fast
    st = f.stack
    pc = f.pc
    vm.stack.append(f)
    try:
        while True:
            try:
                if pending is not None:
                    exc, pending = pending, None
                    raise exc
                if counting:
                    n = 0
                    try:
                        while pc >= 0:
                            op = ops[pc]
                            n += 1
                            pc = op[0](vm, f, st, op)
                    finally:
                        vm.icount += n
                else:
                    while pc >= 0:
                        op = ops[pc]
                        pc = op[0](vm, f, st, op)
                return st.pop()
            except (RubyError, Signal) as exc:
                if ops[pc] is plain[pc]:
                    f.pc = pc
                else:
                    pc = f.pc  # a compiled block stored the pc of what raised
                if type(exc) is RubyError and exc.exc.backtrace is None:
                    exc.exc.backtrace = vm.backtrace()
                pc, final = _handle(vm, f, plain, exc, plain[pc][1])
                if pc == -2:
                    if isinstance(final, (ReturnSignal, NextSignal)) and final.target is f:
                        return final.value
                    if final is exc:
                        raise
                    raise final from None
    finally:
        vm.stack.pop()


def _handle(vm: Any, f: Frame, ops: list[Any], exc: BaseException, epc: int
            ) -> tuple[int, BaseException]:
    """The pc to continue at after exc at epc, or -2 and the exception (or signal) that
    leaves the frame: re-raised, or a return/next whose value the frame returns."""
    st = f.stack
    while True:
        if isinstance(exc, (ReturnSignal, NextSignal)) and exc.target is f:
            if isinstance(exc, NextSignal):
                entry = _find(f, "next", epc)
                if entry is not None and f.iseq.type != "block":
                    del st[entry.sp:]
                    st.append(exc.value)
                    return entry.cont, exc
            # leaving the frame still runs its ensure clauses
            entry = _find(f, "ensure", epc)
            if entry is None:
                return -2, exc
        elif isinstance(exc, BreakSignal) and exc.target is f:
            entry = _find(f, "break", epc)
            if entry is not None:
                del st[entry.sp:]
                st.append(exc.value)
                return entry.cont, exc
            return -2, exc
        elif isinstance(exc, RetrySignal) and exc.target is f:
            entry = _find(f, "retry", epc)
            if entry is None:
                return -2, exc
            del st[entry.sp:]
            return entry.cont, exc
        else:
            kinds = ("rescue", "ensure") if isinstance(exc, RubyError) else ("ensure",)
            entry = None
            for e in f.iseq.catch_table:
                if e.type in kinds and e.start < epc <= e.end and e.iseq is not None:
                    entry = e
                    break
            if entry is None:
                return -2, exc
        errinfo = exc.exc if isinstance(exc, RubyError) else exc
        if isinstance(errinfo, RException):
            vm.globals["$!"] = errinfo
        epc = entry.cont
        try:
            value = run_child(vm, f, entry.iseq, errinfo)
        except (RubyError, Signal) as again:
            exc = again
            continue
        if entry.type == "ensure":
            # an ensure iseq ends by re-raising $!; returning means it left another way
            return -2, exc
        del st[entry.sp:]
        st.append(value)
        return entry.cont, exc


def _find(f: Frame, kind: str, epc: int) -> Any:
    for e in f.iseq.catch_table:
        if e.type == kind and e.start < epc <= e.end:
            return e
    return None


def run_child(vm: Any, f: Frame, iseq: Any, errinfo: Any) -> Any:
    """A rescue or ensure iseq, run as a frame whose environment extends f's."""
    vars_ = [None] * len(iseq.local_table)
    if vars_:
        vars_[0] = errinfo
    child = Frame(iseq, f.self_, Env(vars_, f.env), f.block, f.method, f.cref, None)
    child.parent_frame = f
    child.proc = f.proc
    child.label = None
    return execute(vm, child)


def invoke_method(vm: Any, m: Method, recv: Any, args: list[Any], block: Any,
                  kw: RHash | None) -> Any:
    iseq = m.iseq
    if iseq.param_flags <= 1 and kw is None and len(args) == iseq.lead_num:
        # only required positional parameters: the common case, set up directly
        vars_ = args + [None] * (len(iseq.local_table) - len(args))
        pc = 0
    else:
        vars_, pc = setup_args(vm, iseq, args, kw, block, "method", m.name)
    f = Frame(iseq, recv, Env(vars_, None), block, m, m.cref, None)
    f.pc = pc
    f.defined_class = m.owner
    if m.name != m.original_name or iseq.type != "method":
        f.label = m.name if iseq.type == "method" else None
    return execute(vm, f)


def invoke_block(vm: Any, proc: RProc, args: list[Any], kw: RHash | None = None,
                 blockarg: Any = None, self_: Any = UNDEF) -> Any:
    if proc is None:
        vm.raise_error("LocalJumpError", "no block given (yield)")
    if proc.fn is not None:
        return proc.fn(vm, args, blockarg)
    iseq = proc.iseq
    flags = iseq.param_flags
    n = len(args)
    if flags & ~128 <= 1 and kw is None and n == iseq.lead_num and (n != 1 or flags & 128):
        # required parameters only, given exactly: no splat, no padding to decide
        size = len(iseq.local_table)
        vars_ = list(args) + [None] * (size - n) if size > n else list(args)
        pc = 0
    else:
        kind = "lambda" if proc.is_lambda else "block"
        vars_, pc = setup_args(vm, iseq, args, kw, blockarg, kind, "block")
    f = Frame(iseq, proc.self_ if self_ is UNDEF else self_, Env(vars_, proc.env),
              proc.outer_block, proc.from_method, proc.cref, None)
    if pc:
        f.pc = pc
    f.proc = proc
    if proc.is_lambda:
        f.is_lambda = True
    return execute(vm, f)


def block_caller1(vm: Any, proc: Any) -> Any:
    """A function calling proc with one argument as invoke_block(vm, proc, [x]) does, its
    checks made once: for the builtins that call a block in a loop (times, each, map)."""
    if proc is None:
        return lambda x: vm.raise_error("LocalJumpError", "no block given (yield)")
    fn = proc.fn
    if fn is not None:
        return getattr(fn, "one", None) or (lambda x: fn(vm, [x], None))
    iseq = proc.iseq
    if not (iseq.param_flags & ~128 <= 1 and iseq.lead_num == 1 and iseq.param_flags & 128):
        return lambda x: invoke_block(vm, proc, [x])
    pad = [None] * (len(iseq.local_table) - 1)
    self_, env, outer, method, cref = (proc.self_, proc.env, proc.outer_block,
                                       proc.from_method, proc.cref)
    lam = proc.is_lambda

    def run(x: Any) -> Any:
        f = Frame(iseq, self_, Env([x, *pad], env), outer, method, cref, None)
        f.proc = proc
        if lam:
            f.is_lambda = True
        return execute(vm, f)
    if not closed(iseq):
        return run
    frame: list[Any] = [None]

    def steps(xs: Any) -> Any:
        """The block run for each of xs (times, each), in one frame whose locals are
        renewed: no closure, binding or eval can see that its environment is not a new
        one. Its first (compiled) block is called here, not through execute's loop; what
        does not end there goes on in execute (an exception is handed to it, handled as
        if raised in its loop). The value of the last run is returned."""
        f = frame[0]
        frame[0] = None  # reused only after a normal end: a raise may leave values on it
        result = None
        for x in xs:
            if f is None or vm.counting:
                if f is None:
                    f = Frame(iseq, self_, Env([x, *pad], env), outer, method, cref, None)
                    f.proc = proc
                    if lam:
                        f.is_lambda = True
                else:
                    f.vars = f.env.vars = [x, *pad]
                    f.pc = 0
                result = execute(vm, f)
                continue
            f.vars = f.env.vars = [x, *pad]
            f.pc = 0
            vm.stack.append(f)
            try:
                op = f.iseq.cache[1][0]
                pc = op[0](vm, f, f.stack, op)
            except (RubyError, Signal) as exc:
                vm.stack.pop()
                result = execute(vm, f, exc)
                continue
            except BaseException:
                vm.stack.pop()
                raise
            vm.stack.pop()
            if pc == -1:
                result = f.stack.pop()
            else:
                f.pc = pc
                result = execute(vm, f)
        frame[0] = f
        return result

    def rerun(x: Any) -> Any:
        return steps((x,))
    rerun.steps = steps  # type: ignore[attr-defined]
    return rerun


# calls that reach their caller's frame: its environment (binding, eval) or its block
_CAPTURING = frozenset(("binding", "eval", "local_variables", "instance_eval", "class_eval",
                        "module_eval", "instance_exec", "class_exec", "module_exec", "proc",
                        "lambda", "block_given?", "iterator?", "define_method", "catch",
                        "loop", "__method__", "require", "require_relative", "load", "send",
                        "__send__", "public_send", "method", "tap", "then", "yield_self"))


def closed(iseq: Any) -> bool:
    """Whether no instruction of iseq makes a block or calls a method that could keep
    or inspect its frame (a child iseq, a call in _CAPTURING): decided once."""
    cached = iseq.closed_p
    if cached is None:
        from vmforms.yarv.insns import INSNS, Op

        cached = True
        code, pc = iseq.code, 0
        while pc < len(code) and cached:
            insn = INSNS[code[pc]]
            for k, kind in enumerate(insn.operands):
                v = code[pc + 1 + k]
                if kind is Op.ISEQ and v is not None or kind is Op.CALLDATA and (
                        v is not None and v.mid is not None and v.mid.name in _CAPTURING):
                    cached = False
            pc += insn.length
        iseq.closed_p = cached
    return bool(cached)


def _arity_text(req: int, opt: int, rest: bool) -> str:
    if rest:
        return f"{req}+"
    if opt:
        return f"{req}..{req + opt}"
    return str(req)


def setup_args(vm: Any, iseq: Any, args: list[Any], kw: RHash | None, block: Any,
               kind: str, name: str) -> tuple[list[Any], int]:
    """Locals for a call: lead, optional, rest, post, keyword and block parameters."""
    size = len(iseq.local_table)
    vars_: list[Any] = [None] * size
    lead, opt, post = iseq.lead_num, iseq.opt_num, iseq.post_num
    flags = iseq.param_flags
    has_rest, has_kw, has_kwrest = flags & 4, flags & 16, flags & 32
    if kw is None and (has_kw or has_kwrest) and kind != "block" and args and \
            type(args[-1]) is RHash and all(type(k) is RSymbol for k, _ in
                                            args[-1].table.values()):
        # keywords that came through a builtin (Proc#call, send) as a trailing hash
        kw = args[-1]
        args = args[:-1]
    if kw is not None and not (has_kw or has_kwrest):
        if kw.table:
            args = args + [kw]
        kw = None
    n = len(args)
    if kind == "block":
        # a lone array argument spreads over |a, b| (vm_callee_setup_block_arg)
        if n == 1 and type(args[0]) is RArray and not flags & 128 and (
                lead + post > 0 or opt > 1 or has_kw or has_kwrest):
            args = list(args[0].items)
            n = len(args)
        need = lead + post
        if n < need:
            args = args + [None] * (need - n)
            n = need
        elif not has_rest and n > need + opt:
            args = args[:need + opt]
            n = need + opt
    else:
        if n < lead + post or (not has_rest and n > lead + post + opt):
            if has_kw and kw is None and n > 0 and type(args[-1]) is RHash and \
                    n - 1 >= lead + post:
                kw = args[-1]
                args = args[:-1]
                n -= 1
            if n < lead + post or (not has_rest and n > lead + post + opt):
                vm.arg_error(n, _arity_text(lead + post, opt, bool(has_rest)), name)
    for i in range(lead):
        vars_[i] = args[i]
    given_opt = min(opt, n - lead - post)
    for i in range(given_opt):
        vars_[lead + i] = args[lead + i]
    rest_end = n - post
    if has_rest:
        vars_[iseq.rest_start] = RArray(list(args[lead + given_opt:rest_end]))
    if post:
        ps = iseq.post_start
        for i in range(post):
            vars_[ps + i] = args[rest_end + i]
    if has_kw or has_kwrest:
        _setup_kw(vm, iseq, vars_, kw, kind)
    if flags & 64:
        vars_[iseq.block_start] = block
    pc = iseq.opt_table[given_opt] if opt else 0
    return vars_, pc


def _setup_kw(vm: Any, iseq: Any, vars_: list[Any], kw: RHash | None, kind: str) -> None:
    k = iseq.keyword
    given: dict[str, Any] = {}
    extra = RHash()
    if kw is not None:
        for key, value in kw.table.values():
            if type(key) is RSymbol:
                given[key.name] = (key, value)
            else:
                extra.put(key, value)
    if k is not None:
        base = k.bits_start - k.num
        bits = 0
        missing = []
        for i, sym in enumerate(k.table):
            name = sym.name if sym is not None else ""
            if name in given:
                vars_[base + i] = given.pop(name)[1]
            elif i < k.required_num:
                missing.append(name)
            else:
                dv = k.default_values[i - k.required_num]
                if dv is UNDEF:
                    bits |= 1 << (i - k.required_num)
                    vars_[base + i] = None
                else:
                    vars_[base + i] = dv
        if missing:
            word = "keyword" if len(missing) == 1 else "keywords"
            vm.raise_error("ArgumentError", f"missing {word}: "
                           + ", ".join(":" + m for m in missing))
        if k.num:
            vars_[k.bits_start] = bits
        if iseq.param_flags & 32:
            rest = RHash()
            for key, value in given.values():
                rest.put(key, value)
            for key, value in extra.table.values():
                rest.put(key, value)
            vars_[k.rest_start] = rest
        elif given or extra.table:
            names = [":" + n for n in given]
            word = "keyword" if len(names) == 1 else "keywords"
            vm.raise_error("ArgumentError", f"unknown {word}: " + ", ".join(names))
