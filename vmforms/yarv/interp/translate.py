"""The faster tier: each basic block of an iseq compiled to one Python function.

Inside a block the instructions follow each other without the dispatch loop: local
variables, constants, stack shuffles and Integer/Float arithmetic are written inline, any
other instruction is a direct call of its handler, and the block returns the next pc as a
handler does. Before every instruction that can raise, the block stores its pc in the
frame, so the loop finds the right catch-table entry and backtrace line. Instructions that
are not block leaders keep their plain handler tuples, so a jump into the middle of a block
(a catch table's continuation) still runs. VMFORMS_YARV_TRANSLATE=0 turns the tier off.
"""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.string import RString, fresh
from vmforms.yarv.insns import INSNS
from vmforms.yarv.interp import fastops
from vmforms.yarv.interp.calls import COMPLEX, dispatch, make_block, send
from vmforms.yarv.interp.frame import Frame
from vmforms.yarv.interp.loop import execute
from vmforms.yarv.interp.objects import RubyError
from vmforms.yarv.iseq.loader import VM_CALL_ARGS_BLOCKARG

_ENDS = frozenset(("jump", "branchif", "branchunless", "branchnil", "leave", "throw",
                   "opt_case_dispatch", "once"))
_ARITH = {"opt_plus": "+", "opt_minus": "-", "opt_mult": "*", "opt_lt": "<",
          "opt_le": "<=", "opt_gt": ">", "opt_ge": ">=", "opt_eq": "==", "opt_neq": "!="}


def _leaders(iseq: Any, starts: list[int]) -> set[int]:
    code = iseq.code
    leaders = {0}
    leaders.update(iseq.opt_table)
    for e in iseq.catch_table:
        leaders.update((e.start, e.end, e.cont))
    for pc in starts:
        insn = INSNS[code[pc]]
        name = insn.name.removeprefix("trace_")
        nxt = pc + insn.length
        if name in _ENDS:
            leaders.add(nxt)
        if name in ("jump", "branchif", "branchunless", "branchnil"):
            leaders.add(nxt + code[pc + 1])
        # opt_getinlinecache's target is not a leader: a compiled block reads the constant
        # (fastops.const) and goes on there; the plain handler's jump lands on plain ops
        if name == "opt_case_dispatch":
            leaders.add(nxt + code[pc + 2])
            leaders.update(nxt + v for _, v in code[pc + 1].table.values())
    return leaders


def translate(vm: Any, iseq: Any, plain: list[Any]) -> list[Any]:
    """ops with each block leader's tuple replaced by the block's compiled function."""
    code = iseq.code
    starts = [pc for pc in range(len(code)) if plain[pc] is not None]
    leaders = _leaders(iseq, starts)
    fast = list(plain)
    scope: dict[str, Any] = {"TYPES": vm._TYPES}  # the classes of values without one
    src: list[str] = []
    for leader in sorted(p for p in leaders if p < len(code) and plain[p] is not None):
        name = f"b{leader}"
        body = _block(iseq, plain, leader, leaders, scope, inline=True)
        src.append(f"def {name}(vm, f, st, op):\n    V = f.vars\n" + _indent(body))
        fast[leader] = (name, None, leader)
    if not src:
        return fast
    exec("\n".join(src), scope)  # noqa: S102 - generated from the iseq by the code above
    for pc, op in enumerate(fast):
        if op is not None and type(op[0]) is str:
            fast[pc] = (scope[op[0]], plain[pc][1], pc)
    return fast


_INT_ONLY = {"opt_div": "//", "opt_mod": "%"}
_DIRECT: dict[str, tuple[Any, int]] = {
    **{k: (v, 2) for k, v in fastops.BINARY.items() if k != "opt_eq"},
    **{k: (v, 1) for k, v in fastops.UNARY.items()},
    "opt_aset": (fastops.aset, 3),
}


class _Stack:
    """The operand stack as the generated code sees it: values pushed by the block but not
    yet appended to the frame's stack are Python expressions (pending). A stable one (a
    constant, self, a temporary) keeps its value whatever runs; a local variable read is
    copied to a temporary before anything that could assign the variable runs."""

    def __init__(self, out: list[str]) -> None:
        self.out = out
        self.pending: list[tuple[str, bool]] = []
        self.temps = 0

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def push(self, expr: str, stable: bool) -> None:
        self.pending.append((expr, stable))

    def settle(self) -> None:
        """Copy pending local reads to temporaries (before code that may assign locals)."""
        for i, (expr, stable) in enumerate(self.pending):
            if not stable:
                t = self.temp()
                self.out.append(f"{t} = {expr}")
                self.pending[i] = (t, True)

    def flush(self) -> None:
        """Append every pending value to the frame's stack."""
        if len(self.pending) == 1:
            self.out.append(f"st.append({self.pending[0][0]})")
        elif self.pending:
            self.out.append("st.extend((" + ", ".join(e for e, _ in self.pending) + "))")
        self.pending.clear()

    def pop(self) -> str:
        """An expression for the top value, taken off the stack."""
        if self.pending:
            return self.pending.pop()[0]
        return "st.pop()"

    def call(self, pc: int | None, fmt: str, argc: int) -> None:
        """Take argc values as the arguments of the call fmt, its result pending. With a
        pc, the call may run Ruby code: the frame's pc is set and local reads settled."""
        values = self.take(argc)
        t = self.temp()
        if pc is not None:
            self.settle()
            self.out.append(f"f.pc = {pc}")
        self.out.append(f"{t} = " + fmt.format(", ".join(values)))
        self.push(t, True)

    def take(self, n: int) -> list[str]:
        """Expressions for the top n values, bottom first, taken off the stack: the pending
        ones as they are, the others popped into temporaries now."""
        p = min(n, len(self.pending))
        exprs = [e for e, _ in self.pending[len(self.pending) - p:]]
        del self.pending[len(self.pending) - p:]
        popped = []
        for _ in range(n - p):
            t = self.temp()
            self.out.append(f"{t} = st.pop()")
            popped.append(t)
        return popped[::-1] + exprs


def _arith(out: list[str], stk: _Stack, name: str, pc: int, o: str,
           scope: dict[str, Any]) -> None:
    def const(i: int) -> tuple[Any, Any]:
        """(type, value) of the operand i from the top if it is a known constant."""
        if len(stk.pending) < i:
            return None, None
        e = stk.pending[-i][0]
        if e in ("0", "1"):
            return int, int(e)
        if e.startswith("K"):
            return type(scope[e]), scope[e]
        return None, None
    b_const, b_value = const(1)
    a_const, a_value = const(2)
    ea, eb = stk.take(2)
    stk.settle()  # the fallback is a method call
    out.append(f"b = {eb}")
    out.append(f"a = {ea}")
    if name in _INT_ONLY:
        checks = [f"type({v}) is int" for v, c in (("a", a_const), ("b", b_const))
                  if c is not int]
        if b_const is not int:
            checks.append("b")
        elif b_value == 0:
            checks.append("False")
        expr = f"a {_INT_ONLY[name]} b"
    elif _ARITH[name] in "+-*" and not (_small(a_const, a_value) or _small(b_const, b_value)):
        # mixed Integer and Float would convert a huge Integer to float and fail: the same
        # type only (or a small literal Integer with either), else the method
        if a_const is float or b_const is float:
            checks = [f"type({'b' if a_const is float else 'a'}) is float"]
        else:
            checks = ["((ta := type(a)) is int or ta is float) and type(b) is ta"]
        expr = f"a {_ARITH[name]} b"
    else:
        checks = [f"((t{v} := type({v})) is int or t{v} is float)"
                  for v, c in (("a", a_const), ("b", b_const)) if c not in (int, float)]
        expr = f"a {_ARITH[name]} b"
    t = stk.temp()
    scope[f"C{pc}"] = scope[o][-1]  # the call site (opt_neq's second, for !=)
    if name == "opt_eq":
        scope["EQ"] = fastops.eq
        other = f"EQ(vm, f, a, b, C{pc})"
    else:
        scope["DISPATCH"] = dispatch
        other = f"DISPATCH(vm, f, a, [b], None, None, C{pc})"
    out.append(f"if {' and '.join(checks) or 'True'}:\n    {t} = {expr}\n"
               f"else:\n    f.pc = {pc}\n    {t} = {other}")
    stk.push(t, True)


def _ltlt(stk: _Stack, pc: int, b: str, other: str, scope: dict[str, Any]) -> None:
    """opt_ltlt of a String to a plain String of the same encoding object (a literal, or
    what to_s gave appended to a UTF-8 String): its bytes appended here, without the call
    of fastops.ltlt; anything else through it (b: the argument's expression, taken off
    the stack already; other: the call, of a and b)."""
    scope["RSTRING"] = RString
    a = stk.take(1)[0]
    stk.settle()
    t = stk.temp()
    stk.out.append(
        f"b = {b}\na = {a}\n"
        f"if type(a) is RSTRING and type(b) is RSTRING and a.cls is vm.cString and "
        f"not a.frozen and (a.enc is b.enc or a.enc == 'UTF-8' and b.enc == 'US-ASCII' "
        f"and b.b.isascii()):\n"
        f"    a.b += b.b\n    {t} = a\n"
        f"else:\n    f.pc = {pc}\n    {t} = {other}")
    stk.push(t, True)


def _small(kind: Any, value: Any) -> bool:
    """A literal Integer that converts to float without overflow."""
    return kind is int and abs(value) < 1 << 1000


def _send(out: list[str], stk: _Stack, name: str, op: Any, pc: int, o: str,
          scope: dict[str, Any]) -> None:
    """A call: with the receiver and arguments still pending, straight to the dispatch
    (no trip through the stack); the result stays pending."""
    ci = op[3]
    blockiseq = op[4] if name == "send" else None
    scope["SEND"], scope["DISPATCH"], scope["MB"] = send, dispatch, make_block
    t = stk.temp()
    n = ci.argc + 1
    if not ci.flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG) and blockiseq is None:
        # the call site's cache tested here: on a hit, a method of required parameters
        # (FAST_ISEQ) gets its frame and a builtin (FAST_FN) its call without the trip
        # through dispatch
        values = stk.take(n)
        stk.settle()
        scope[f"C{pc}"], scope["FRAME"], scope["EXEC"] = ci, Frame, execute
        scope["RUBYERROR"] = RubyError
        args = "".join(f"{v}, " for v in values[1:])
        out.append(
            f"f.pc = {pc}\nr = {values[0]}\nc = C{pc}\nm = c.method\n"
            f"if c.serial == vm.serial and (type(r) is c.ptype or (getattr(r, 'cls', None) "
            f"or TYPES.get(type(r)) or vm.class_of(r)) is c.cls) and c.kind and "
            f"not vm.refined:\n"
            f"    if c.kind == 1:\n"
            f"        fr = FRAME(m.iseq, r, None, None, m, m.cref, None, [{args}*c.pad])\n"
            f"        fr.defined_class = m.owner\n"
            f"        {t} = EXEC(vm, fr)\n"
            f"    else:\n"
            f"        try:\n"
            f"            {t} = m.fn(vm, r, [{args}], None)\n"
            f"        except RUBYERROR as e:\n"
            f"            vm.cframe_backtrace(e, m.name)\n"
            f"            raise\n"
            f"        except OverflowError as e:\n"
            f"            vm.host_error(e, m.name)\n"
            f"else:\n    {t} = DISPATCH(vm, f, r, [{args}], None, None, c)")
    elif not ci.flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG):
        values = stk.take(n)
        stk.settle()
        scope[f"C{pc}"] = ci
        out.append(f"f.pc = {pc}\n{t} = DISPATCH(vm, f, {values[0]}, "
                   f"[{', '.join(values[1:])}], None, MB(vm, f, {o}[4]), C{pc})")
    else:
        stk.flush()
        blk = f"{o}[4]" if blockiseq is not None else "None"
        out.append(f"f.pc = {pc}\n{t} = SEND(vm, f, st, {o}[3], {blk})")
    stk.push(t, True)


def _block(iseq: Any, plain: list[Any], pc: int, leaders: set[int],
           scope: dict[str, Any], inline: bool) -> list[str]:
    """The lines of the function for the block at pc; inline: a conditional branch at its
    end has its two successor blocks written in (once, not recursively)."""
    out: list[str] = []
    stk = _Stack(out)
    code = iseq.code
    while True:
        op = plain[pc]
        insn = INSNS[code[pc]]
        name = insn.name.removeprefix("trace_")
        nxt = op[1]
        h, o = f"H{pc}", f"O{pc}"
        scope[h], scope[o] = op[0], op
        if name == "getlocal_WC_0":
            stk.push(f"V[{op[3]}]", False)
        elif name == "getlocal_WC_1":
            stk.push(f"f.env.parent.vars[{op[3]}]", False)
        elif name in ("setlocal_WC_0", "setlocal_WC_1"):
            value = stk.pop()
            stk.settle()
            target = "V" if name == "setlocal_WC_0" else "f.env.parent.vars"
            out.append(f"{target}[{op[3]}] = {value}")
        elif name in ("putobject_INT2FIX_0_", "putobject_INT2FIX_1_"):
            stk.push(name[-2], True)
        elif name == "putobject":
            scope[f"K{pc}"] = op[3]
            stk.push(f"K{pc}", True)
        elif name == "putstring" and nxt not in leaders and nxt < len(code) and \
                INSNS[code[nxt]].name.removeprefix("trace_") == "opt_ltlt":
            # `x << "lit"`: the literal goes to opt_ltlt as it is (a copy only if the
            # receiver is not a plain String, which could keep it)
            scope[f"LIT{pc}"] = op[3]
            stk.push(f"LIT{pc}", True)
        elif name == "opt_ltlt" and stk.pending and stk.pending[-1][0].startswith("LIT"):
            lit = stk.pending.pop()[0]
            scope["LTLTLIT"], scope[f"C{pc}"] = fastops.ltlt_lit, op[3]
            _ltlt(stk, pc, lit, f"LTLTLIT(vm, f, a, b, C{pc})", scope)
        elif name == "opt_ltlt":
            scope["LTLT"], scope[f"C{pc}"] = fastops.ltlt, op[3]
            _ltlt(stk, pc, stk.take(1)[0], f"LTLT(vm, f, a, b, C{pc})", scope)
        elif name == "putstring":  # a new String of the literal's bytes
            scope[f"K{pc}"], scope["FRESH"] = op[3], fresh
            t = stk.temp()
            out.append(f"{t} = FRESH(bytearray(K{pc}.b), K{pc}.enc, vm.cString)")
            stk.push(t, True)
        elif name == "putnil":
            stk.push("None", True)
        elif name == "putself":
            stk.push("f.self_", True)
        elif name == "dup":
            if stk.pending:
                if not stk.pending[-1][1]:
                    stk.settle()
                stk.push(stk.pending[-1][0], True)
            else:
                out.append("st.append(st[-1])")
        elif name == "pop":
            if stk.pending:
                stk.pending.pop()
            else:
                out.append("st.pop()")
        elif name == "nop":
            pass
        elif name in _ARITH or name in _INT_ONLY:
            _arith(out, stk, name, pc, o, scope)
        elif name in ("opt_send_without_block", "send"):
            _send(out, stk, name, op, pc, o, scope)
        elif name in _DIRECT:
            fn, argc = _DIRECT[name]
            scope[f"D{pc}"] = fn
            scope[f"C{pc}"] = op[3]
            stk.call(pc, f"D{pc}(vm, f, {{}}, C{pc})", argc)
        elif name == "opt_getinlinecache":
            scope["CONST"], scope["PLAIN"] = fastops.const, plain
            stk.call(pc, f"CONST(vm, f, PLAIN, {o}{{}})", 0)
            nxt = op[3]  # past the lookup and opt_setinlinecache
        elif name == "getinstancevariable":
            scope[f"N{pc}"], scope["IVG"] = op[3].name, fastops.ivar_get
            stk.call(None, f"IVG(vm, f.self_, N{pc}{{}})", 0)
        elif name == "setinstancevariable":
            value = stk.pop()
            stk.settle()  # a frozen receiver's FrozenError inspects it
            scope[f"N{pc}"] = op[3].name
            out.append(f"f.pc = {pc}\nvm.ivar_set(f.self_, N{pc}, {value})")
        elif name == "invokeblock" and not op[3].flag & (COMPLEX | VM_CALL_ARGS_BLOCKARG):
            scope["YIELD"] = fastops.yield_
            stk.call(pc, "YIELD(vm, f, [{}])", op[3].argc)
        elif name == "objtostring":
            scope["OTS"] = fastops.obj_to_string
            stk.call(pc, "OTS(vm, {})", 1)
        elif name == "anytostring":  # (obj, str): what to_s gave, checked
            scope["ATS"] = fastops.any_to_string
            stk.call(None, "ATS(vm, {})", 2)
        elif name == "concatstrings" and op[3] == 2:
            scope["CAT2"] = fastops.concat2
            stk.call(None, "CAT2(vm, {})", 2)
        elif name == "concatstrings":
            scope["CAT"] = fastops.concat
            stk.call(None, "CAT(vm, [{}])", op[3])
        elif name == "setn" and len(stk.pending) > op[3]:
            if not stk.pending[-1][1]:
                stk.settle()
            stk.pending[-1 - op[3]] = stk.pending[-1]
        elif name == "jump":
            stk.flush()
            out.append(f"return {op[3]}")
            break
        elif name in ("branchif", "branchunless", "branchnil"):
            out.append(f"v = {stk.pop()}")
            stk.flush()
            if name == "branchnil":
                cond, yes, no = "v is None", op[3], nxt
            else:
                cond = "v is not None and v is not False"
                yes, no = (op[3], nxt) if name == "branchif" else (nxt, op[3])
            arms = [_block(iseq, plain, t, leaders, scope, inline=False)
                    if inline and t < len(code) and plain[t] is not None else []
                    for t in (yes, no)]
            if all(0 < len(arm) <= _INLINE_LINES for arm in arms):
                # both successors written in: one call of a compiled block less per branch
                out.append(f"if {cond}:\n{_indent(arms[0])}else:\n{_indent(arms[1])}".rstrip())
            else:
                out.append(f"return {yes} if {cond} else {no}")
            break
        elif name == "leave":
            stk.flush()
            out.append("return -1")
            break
        elif name in _ENDS:
            stk.flush()
            out.append(f"f.pc = {pc}\nreturn {h}(vm, f, st, {o})")
            break
        else:
            stk.flush()
            out.append(f"f.pc = {pc}\n{h}(vm, f, st, {o})")
        pc = nxt
        if pc in leaders or pc >= len(code) or plain[pc] is None:
            stk.flush()
            out.append(f"return {pc}")
            break
    return "\n".join(out).split("\n")


_INLINE_LINES = 60  # the longest successor block written into a branch


def _indent(lines: list[str]) -> str:
    return "".join(f"    {line}\n" for line in lines)
