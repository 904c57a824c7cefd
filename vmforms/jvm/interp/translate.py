"""The translation tier: a hot method's quickened instructions become one Python function.

The operand stack becomes local variables (its depth at every instruction is fixed by
JVMS 4.10), each basic block a guarded run of statements, and control flow a block
number in a loop; so a loop body runs without per-instruction dispatch. A method is
translated after a number of calls (TRANSLATE_AT) once every instruction has been linked by the
interpreter; the result replaces it through JMethod.native, which every call site
checks. Exceptions, stack traces and helpful NPE messages work as in the interpreter:
the function keeps its frame's instruction index where an instruction can throw.
"""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any

from vmforms.jvm.interp import decode as D
from vmforms.jvm.interp import inline
from vmforms.jvm.interp.blocks import (
    FALLS_THROUGH_NOT,
    Block,
    Region,
    Stack,
    blocks,
    compare_branch,
    dynamic_jump,
    emit,
    jump,
    literal,
    loops,
    merge,
)
from vmforms.jvm.interp.coldops import f32 as _f32
from vmforms.jvm.interp.link import (
    array_store_check,
    check_array_size,
    checkcast_slow,
    find_handler,
    host_error,
    new_multi_array,
    new_primitive_array,
    stack_overflow,
    vm_exception,
)
from vmforms.jvm.interp.npe import _flow
from vmforms.jvm.interp.unlinked import LINKED_LATER, abstract, instanceof, perform, unlinked
from vmforms.jvm.runtime.heap import JArray, JavaThrowable, JObject
from vmforms.jvm.runtime.values import f2i, f2l, fcmp, fdiv, fmod, i64

if TYPE_CHECKING:
    from collections.abc import Callable

    from vmforms.jvm.runtime.klass import JMethod
    from vmforms.jvm.runtime.vm import JThread

# The translation tier takes over a method at one of these call counts (once all its
# instructions are linked); VMFORMS_JVM_TRANSLATE=0 keeps everything interpreted.
TRANSLATE = os.environ.get("VMFORMS_JVM_TRANSLATE", "1") != "0"
_FIRST = int(os.environ.get("VMFORMS_JVM_TRANSLATE_AFTER", "200"))
TRANSLATE_AT = frozenset({_FIRST, 5 * _FIRST, 25 * _FIRST} if TRANSLATE else ())
# A loop that goes round this often moves to translated code mid-call (on-stack
# replacement): the translated function starts at the loop head with the same locals.
LOOPS_BEFORE_OSR = max(2, int(_FIRST * 2.5))


def configure(enabled: bool | None, first: int | None) -> None:
    """The launcher's -Xint/-Xmixed and -XX:CompileThreshold=N, before the interpreter
    module binds these values (it is imported when the VM is made)."""
    global TRANSLATE, _FIRST, TRANSLATE_AT, LOOPS_BEFORE_OSR
    if enabled is not None:
        TRANSLATE = enabled
    if first is not None:
        _FIRST = max(1, first)
    TRANSLATE_AT = frozenset({_FIRST, 5 * _FIRST, 25 * _FIRST} if TRANSLATE else ())
    LOOPS_BEFORE_OSR = max(2, int(_FIRST * 2.5))


def osr(m: JMethod, loops: int) -> Any:
    """`m` translated for a loop that has gone round `loops` times in one call, or None
    while that would not pay: compiling costs about as much as interpreting a few
    turns of a loop per instruction of the method (a class initialiser's table-filling
    loop runs a few thousand times in a method of thousands of instructions). The bar
    scales with TRANSLATE_AFTER, so tests that lower it still get on-stack replacement."""
    if m.code is None or loops * 50 < len(m.code) * _FIRST:
        return None
    fn = translate(m)
    if fn is not None:
        m.native = fn
    return fn


I32 = "(({0}) + 0x80000000 & 0xFFFFFFFF) - 0x80000000"
I64 = "(({0}) + 0x8000000000000000 & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000"
_COND = {0x99: "{0} == 0", 0x9A: "{0} != 0", 0x9B: "{0} < 0", 0x9C: "{0} >= 0",
         0x9D: "{0} > 0", 0x9E: "{0} <= 0", 0x9F: "{1} == {0}", 0xA0: "{1} != {0}",
         0xA1: "{1} < {0}", 0xA2: "{1} >= {0}", 0xA3: "{1} > {0}", 0xA4: "{1} <= {0}",
         0xA5: "{1} is {0}", 0xA6: "{1} is not {0}", 0xC6: "{0} is None",
         0xC7: "{0} is not None"}
_ENDS = FALLS_THROUGH_NOT | set(_COND)
_JUMPS = frozenset({0xA7, *_COND})
_RETURNS = frozenset({D.RETURN_VALUE, D.RETURN2, 0xB1})
# Instructions whose translation is one assignment of an expression that cannot fail or
# have an effect, with the stack slots they pop (the result goes to the lowest).
_POPS = {0x60: 2, 0x64: 2, 0x68: 2, 0x7E: 2, 0x80: 2, 0x82: 2, 0x78: 2, 0x7A: 2, 0x7C: 2,
         0x61: 4, 0x65: 4, 0x69: 4, 0x7F: 4, 0x81: 4, 0x83: 4, 0x63: 4, 0x67: 4, 0x6B: 4,
         0x74: 1, 0x87: 1, 0x8A: 2, 0x88: 2, 0x91: 1, 0x92: 1, 0x93: 1, 0x77: 2, 0x94: 4}
_PURE = frozenset(_POPS)


class Unsupported(Exception):  # noqa: N818 - a signal, not an error
    pass


def _idiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return ((q if (a < 0) == (b < 0) else -q) + 0x80000000 & 0xFFFFFFFF) - 0x80000000


def _ldiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return i64(q if (a < 0) == (b < 0) else -q)


def _rem(a: int, b: int) -> int:
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _monitor(th: JThread, v: Any, enter: bool) -> None:
    if v is None:
        raise AttributeError("'NoneType' monitor")
    from vmforms.jvm.runtime.natives.threads import monitor_enter, monitor_exit

    (monitor_enter if enter else monitor_exit)(th, v)


class _Emitter:
    def __init__(self, m: JMethod) -> None:
        self.m = m
        self.consts: dict[str, Any] = {}
        self.region: Region | None = None
        # instruction index -> names of the array and index of an element access
        self.indexes: dict[int, tuple[str, str]] = {}

    def const(self, v: Any) -> str:
        """A name for `v` in the translated function's globals (a literal if it is one)."""
        lit = literal(v)
        if lit is not None and type(v) is not float:
            return lit
        name = f"K{len(self.consts)}"
        self.consts[name] = v
        return name


def translate(m: JMethod) -> Callable[[JThread, list[Any]], Any] | None:
    """A Python function equivalent to `m`, or None when it uses what we do not translate."""
    if m.code is None:
        return None
    try:
        return _translate(m)
    except Unsupported:
        return None


def _translate(m: JMethod) -> Callable[[JThread, list[Any]], Any]:
    assert m.code is not None
    code = [D.plain(m.code, i) for i in range(len(m.code))]
    _, states = _flow(m)
    depth = {i: len(states[pc]) for i, pc in enumerate(m.pcs) if pc in states}
    entries = {0} | {h[2] for h in m.handlers}  # instructions entered other than in turn
    leaders = set(entries)
    for i, (op, a, b) in enumerate(code):
        if op in _ENDS:
            leaders.add(i + 1)
            if op in _COND or op == 0xA7:
                entries.add(a)
            elif op == 0xAB:
                entries.add(a)
                entries.update(b.values())
    leaders |= entries
    e = _Emitter(m)

    def block(bb: Block, region: Region | None) -> list[str]:
        e.region = region
        st = Stack()
        out: list[str] = []
        start, end = bb
        skip = -1
        for i in range(start, end + 1):
            if i == skip:
                continue
            op, a, _ = ins = code[i]
            d = depth[i]
            st.drop(d)
            if 0x95 <= op <= 0x98 and i < end and 0x99 <= code[i + 1][0] <= 0x9E:
                # fcmp and the branch on its result: one comparison of the two values
                out += compare_branch(st, op, code[i + 1], d, region)
                skip = i + 1
                continue
            if op in _COND:
                out += st.flush(d - (2 if "{1}" in _COND[op] else 1))
            elif op == 0xA7 and code[a][0] in _RETURNS and a in depth:
                # A jump to a return returns: the ternary's tail, a loop's exit.
                for line in _statement(e, a, code[a], depth[a]):
                    out += st.rewrite(line)
                return out
            elif op == 0xA7:
                out += st.flush(d)
            elif op == 0xAB:
                out += st.flush(d - 1)
            out += _straight(e, st, i, ins, d)
        if code[end][0] not in FALLS_THROUGH_NOT:
            out += st.flush(depth.get(end + 1))
            out.append(f"bb = {end + 1}")
            if region is not None and end + 1 > region[1]:
                out.append("break")
        return _stored(out) or ["pass"]

    bbs = blocks(code, depth, leaders)
    regions = loops(code, bbs, _JUMPS)
    body = emit(code, depth, merge(bbs, entries, regions), regions, block, 16)
    nstack = max(depth.values(), default=0) + 4
    sync = m.access & 0x20
    src = ["def translated(th, loc, bb=0):", "    frames = th.frames",
           "    frame = [M, 0]", "    frames.append(frame)",
           "    if len(frames) > th.limit:", "        frames.pop()",
           "        stack_overflow(th)",
           f"    loc.extend([None] * ({m.max_locals} - len(loc)))"
           if m.max_locals > m.arg_slots else "    pass",
           "    " + "".join(f"l{k}, " for k in range(m.max_locals)) + "= loc"
           if m.max_locals else "    pass",
           # A synchronized method holds its receiver's or class's monitor (JVMS 2.11.10).
           ("    sync = l0" if not m.is_static else "    sync = th.vm.mirror(M.klass)")
           if sync else "    pass",
           "    _monitor(th, sync, True)" if sync else "    pass",
           # The caller's list would keep the locals' first values reachable.
           "    loc.clear()" if m.max_locals else "    pass",
           # The second slot of a long or double is never written, but calls pass it on.
           "    " + " = ".join(f"s{k}" for k in range(nstack)) + " = None",
           "    try:", "        while True:", "            try:",
           *body,
           "            except JavaThrowable as exc:",
           "                frame[1] = ip = IPS[exc.__traceback__.tb_lineno]",
           "                ex = exc.obj",
           "                bb = find_handler(M, ip, ex)", "                if bb < 0:",
           "                    raise", "                s0 = ex",
           "            except (AttributeError, TypeError, IndexError, ZeroDivisionError,"
           " RecursionError, MemoryError) as err:",
           "                frame[1] = ip = IPS[err.__traceback__.tb_lineno]",
           "                if type(err) is IndexError and ip in IDX:",
           "                    err = index_error(err, IDX[ip], locals())",
           "                ex = host_error(th, M, ip, err)",
           "                bb = find_handler(M, ip, ex)", "                if bb < 0:",
           "                    raise JavaThrowable(ex) from None", "                s0 = ex",
           "    finally:", "        frames.pop()",
           "        _monitor(th, sync, False)" if sync else "        pass"]
    from vmforms.jvm.interp.interpreter import execute

    src, ips = _instruction_lines(src)
    env: dict[str, Any] = {
        "M": m, "IPS": ips, "IDX": e.indexes, "index_error": inline.index_error,
        "negative_index": inline.negative_index, "JavaThrowable": JavaThrowable, "JObject": JObject,
        "JArray": JArray, "find_handler": find_handler, "host_error": host_error,
        "stack_overflow": stack_overflow, "execute": execute, "_idiv": _idiv, "_ldiv": _ldiv,
        "_rem": _rem, "_f32": _f32, "fdiv": fdiv, "fmod": fmod, "fcmp": fcmp, "f2i": f2i,
        "f2l": f2l, "_abstract": abstract, "_instanceof": instanceof,
        "checkcast_slow": checkcast_slow, "array_store_check": array_store_check,
        "new_primitive_array": new_primitive_array, "new_multi_array": new_multi_array,
        "vm_exception": vm_exception, "_monitor": _monitor, "_perform": perform,
        "check_array_size": check_array_size, "sqrt": math.sqrt, "NAN": math.nan,
        **e.consts,
    }
    exec(compile("\n".join(src), f"<translated {m}>", "exec"), env)  # noqa: S102
    fn: Callable[[JThread, list[Any]], Any] = env["translated"]
    return fn


_IP = re.compile(r"^(\s*)(frame\[1\] = )?ip = (\d+)$")


def _instruction_lines(src: list[str]) -> tuple[list[str], list[int]]:
    """The source without its `ip = N` statements, and the instruction index of each of
    its lines. An instruction that can throw is preceded by `ip = N` in its block; the
    line that raises gives the index back (from the traceback, only when something is
    thrown), so the straight-line code does not keep it. A call still stores its index
    in the frame, which stack traces read while the callee runs."""
    out: list[str] = []
    ips = [0, 0]  # line numbers start at 1
    ip = 0
    for n, line in enumerate(src):
        m = _IP.match(line)
        if m:
            pad, ip = m.group(1), int(m.group(3))
            if m.group(2):
                line = f"{pad}frame[1] = {ip}"
            else:  # a statement that ends its suite stays one
                after = src[n + 1] if n + 1 < len(src) else ""
                alone = len(after) - len(after.lstrip()) < len(pad)
                line = f"{pad}pass  # ip {ip}" if alone else f"{pad}# ip {ip}"
        out.append(line)
        ips.append(ip)
    return out, ips


_SLOT_WRITE = re.compile(r"^(\s*)([sr]\d*) = (.+)$")
_LOCAL_STORE = re.compile(r"^(\s*)([ls]\d+) = ([sr]\d*)$")


def _stored(lines: list[str]) -> list[str]:
    """`sK = expr` followed by `lN = sK` (a result stored to a local) as `lN = expr`, and
    a call's `r = f(...)` followed by `sK = r` as `sK = f(...)`: the slot is popped by
    the store (a later read of it follows a new write), and `r` is read only there."""
    out: list[str] = []
    for line in lines:
        store = _LOCAL_STORE.match(line)
        write = _SLOT_WRITE.match(out[-1]) if store and out else None
        if store and write and write.group(1) == store.group(1) \
                and write.group(2) == store.group(3) and (store.group(3) == "r") \
                == (store.group(2)[0] == "s"):
            out[-1] = f"{store.group(1)}{store.group(2)} = {write.group(3)}"
            continue
        out.append(line)
    return out


def _straight(e: _Emitter, st: Stack, i: int, ins: tuple[Any, ...], d: int) -> list[str]:
    """Instruction `i` at stack depth `d` in a block whose symbolic stack is `st`: a load,
    a constant or a pure result only noted, the rest as statements reading noted slots."""
    op, a, _ = ins
    if op == D.LOAD or op == D.LOAD2:
        st.note(d, f"l{a}")
        return []
    if op == D.CONST or op == D.CONST2:
        lit = literal(a)
        if lit is not None:
            st.note(d, lit)
            return []
    noted = st.get(d - 1) if op == 0x59 else None
    if noted is not None and "(" not in noted:  # dup of a noted local or literal
        st.note(d, noted)
        return []
    special = inline.special(e, st, i, ins, d, _straight)
    if special is not None:
        return special
    out: list[str] = []
    lines = _statement(e, i, ins, d)
    if op in _PURE and len(lines) == 1 and lines[0].startswith(f"s{d - _POPS[op]} = "):
        # A result without side effects stays an expression until it is used.
        slot = d - _POPS[op]
        out += st.before_write(f"s{slot}", "", slot)
        st.note_expression(slot, lines[0].split(" = ", 1)[1])
        return out
    for line in lines:
        out += st.rewrite(line)
    return out


def _call(e: _Emitter, i: int, d: int, ns: int, rs: int, target: str) -> list[str]:
    args = ", ".join(f"s{k}" for k in range(d - ns, d))
    out = [f"frame[1] = ip = {i}", f"r = {target}(th, [{args}])"]
    if rs:
        out.append(f"s{d - ns} = r")
    return out


def _statement(e: _Emitter, i: int, ins: tuple[Any, ...], d: int) -> list[str]:
    op, a, b = ins
    t = d - 1  # the top of stack variable index
    s = [f"s{k}" for k in range(max(d, 0) + 6)]
    if op == D.LOAD or op == D.LOAD2:
        return [f"s{d} = l{a}"]
    if op == D.STORE:
        return [f"l{a} = s{t}"]
    if op == D.STORE2:
        return [f"l{a} = s{d - 2}"]
    if op == D.CONST or op == D.CONST2:
        return [f"s{d} = {e.const(a)}"]
    if op == 0x84:
        # One comparison instead of the wrap-around's three operations on big ints.
        if b >= 0:
            return [f"l{a} = l{a} + {b}", f"if l{a} > 2147483647:", f"    l{a} -= 4294967296"]
        return [f"l{a} = l{a} - {-b}", f"if l{a} < -2147483648:", f"    l{a} += 4294967296"]
    if op in (0x60, 0x64, 0x68):
        sym = {0x60: "+", 0x64: "-", 0x68: "*"}[op]
        return [f"s{d - 2} = " + I32.format(f"s{d - 2} {sym} s{t}")]
    if op in (0x61, 0x65, 0x69):
        sym = {0x61: "+", 0x65: "-", 0x69: "*"}[op]
        return [f"s{d - 4} = " + I64.format(f"s{d - 4} {sym} s{d - 2}")]
    if op in (0x7E, 0x80, 0x82):
        return [f"s{d - 2} = s{d - 2} {dict([(0x7E, '&'), (0x80, '|'), (0x82, '^')])[op]} s{t}"]
    if op in (0x7F, 0x81, 0x83):
        return [f"s{d - 4} = s{d - 4} {dict([(0x7F, '&'), (0x81, '|'), (0x83, '^')])[op]} "
                f"s{d - 2}"]
    if op in (0x63, 0x67, 0x6B):
        return [f"s{d - 4} = s{d - 4} {dict([(0x63, '+'), (0x67, '-'), (0x6B, '*')])[op]} "
                f"s{d - 2}"]
    if op == 0x6F:  # a zero divisor gives an infinity or NaN, not an exception
        return [f"v = s{d - 2}", f"s{d - 4} = s{d - 4} / v if v else fdiv(s{d - 4}, v)"]
    if op == 0x72:
        return [f"s{d - 2} = _f32(fmod(s{d - 2}, s{t}))"]
    if op == 0x73:
        return [f"s{d - 4} = fmod(s{d - 4}, s{d - 2})"]
    if op == 0x75:
        return [f"s{d - 2} = " + I64.format(f"-s{d - 2}")]
    if op == 0x76:
        return [f"s{t} = -s{t}"]
    if op == 0x77:
        return [f"s{d - 2} = -s{d - 2}"]
    if op == 0x89:
        return [f"s{d - 2} = _f32(float(s{d - 2}))"]
    if op == 0x8C:
        return [f"s{t} = f2l(s{t})"]
    if op in (0x62, 0x66, 0x6A):
        sym = {0x62: "+", 0x66: "-", 0x6A: "*"}[op]
        return [f"s{d - 2} = _f32(s{d - 2} {sym} s{t})"]
    if op == 0x6E:
        return [f"s{d - 2} = _f32(fdiv(s{d - 2}, s{t}))"]
    if op == 0x6C:
        return [f"ip = {i}", f"s{d - 2} = _idiv(s{d - 2}, s{t})"]
    if op == 0x70:
        return [f"ip = {i}", f"s{d - 2} = _rem(s{d - 2}, s{t})"]
    if op == 0x6D:
        return [f"ip = {i}", f"s{d - 4} = _ldiv(s{d - 4}, s{d - 2})"]
    if op == 0x71:
        return [f"ip = {i}", f"s{d - 4} = _rem(s{d - 4}, s{d - 2})"]
    if op == 0x74:
        return [f"s{t} = " + I32.format(f"-s{t}")]
    if op == 0x78:
        return [f"s{d - 2} = " + I32.format(f"s{d - 2} << (s{t} & 31)")]
    if op == 0x7A:
        return [f"s{d - 2} = s{d - 2} >> (s{t} & 31)"]
    if op == 0x7C:
        return [f"s{d - 2} = " + I32.format(f"(s{d - 2} & 0xFFFFFFFF) >> (s{t} & 31)")]
    if op == 0x79:
        return [f"s{d - 3} = " + I64.format(f"s{d - 3} << (s{t} & 63)")]
    if op == 0x7B:
        return [f"s{d - 3} = s{d - 3} >> (s{t} & 63)"]
    if op == 0x7D:
        return [f"s{d - 3} = " + I64.format(f"(s{d - 3} & 0xFFFFFFFFFFFFFFFF) >> (s{t} & 63)")]
    if op == 0x85 or op == 0x8D:
        return []
    if op == 0x87:
        return [f"s{t} = float(s{t})"]
    if op == 0x8A:
        return [f"s{d - 2} = float(s{d - 2})"]
    if op == 0x88:
        return [f"s{d - 2} = " + I32.format(f"s{d - 2}")]
    if op == 0x8E:
        return [f"s{d - 2} = f2i(s{d - 2})"]
    if op == 0x8F:
        return [f"s{d - 2} = f2l(s{d - 2})"]
    if op == 0x86:
        return [f"s{t} = _f32(float(s{t}))"]
    if op == 0x8B:
        return [f"s{t} = f2i(s{t})"]
    if op == 0x90:
        return [f"s{d - 2} = _f32(s{d - 2})"]
    if op == 0x91:
        return [f"s{t} = (s{t} + 0x80 & 0xFF) - 0x80"]
    if op == 0x92:
        return [f"s{t} = s{t} & 0xFFFF"]
    if op == 0x93:
        return [f"s{t} = (s{t} + 0x8000 & 0xFFFF) - 0x8000"]
    if op == 0x94:
        return [f"s{d - 4} = (s{d - 4} > s{d - 2}) - (s{d - 4} < s{d - 2})"]
    if op in (0x97, 0x98):
        return [f"s{d - 4} = fcmp(s{d - 4}, s{d - 2}, {-1 if op == 0x97 else 1})"]
    if op in (0x95, 0x96):
        return [f"s{d - 2} = fcmp(s{d - 2}, s{t}, {-1 if op == 0x95 else 1})"]
    if op in _COND:
        return [f"if {_COND[op].format(s[t], s[d - 2] if d >= 2 else '')}:",
                *("    " + x for x in jump(a, e.region))]
    if op == 0xA7:
        return jump(a, e.region)
    if op == 0xAB:
        return dynamic_jump(f"{e.const(b)}.get(s{t}, {a})", e.region)
    if op == D.RETURN_VALUE:
        return [f"return s{t}"]
    if op == D.RETURN2:
        return [f"return s{d - 2}"]
    if op == 0xB1:
        return ["return None"]
    if op == D.XALOAD or op == D.XALOAD2:
        return [f"ip = {i}", f"d = s{d - 2}.data", f"i = s{t}",
                "if i < 0:", "    raise IndexError(i, len(d))", f"s{d - 2} = d[i]"]
    if op in (D.XASTORE, D.XASTORE2, 0x53, 0x54, 0x55, 0x56):
        w = 2 if op == D.XASTORE2 else 1
        arr, idx, val = f"s{d - 2 - w}", f"s{d - 1 - w}", f"s{d - w}"
        out = [f"ip = {i}", f"d = {arr}.data", f"i = {idx}", "if i < 0:",
               "    raise IndexError(i, len(d))"]
        if op == 0x53:
            out += [f"if {val} is not None and i < len(d):",
                    f"    array_store_check(th, {arr}, {val})", f"d[i] = {val}"]
        elif op == 0x54:
            out += [f"d[i] = {val} & 1 if {arr}.klass.element == 'Z' else "
                    f"({val} + 128 & 0xFF) - 128"]
        elif op == 0x55:
            out += [f"d[i] = {val} & 0xFFFF"]
        elif op == 0x56:
            out += [f"d[i] = ({val} + 0x8000 & 0xFFFF) - 0x8000"]
        else:
            out += [f"d[i] = {val}"]
        return out
    if op == 0xBE:
        return [f"ip = {i}", f"s{t} = len(s{t}.data)"]
    if op == D.GETFIELD_Q or op == D.GETFIELD2_Q:
        return [f"ip = {i}", f"s{t} = s{t}.fields[{a}]"]
    if op == D.PUTFIELD_Q:
        return [f"ip = {i}", f"s{d - 2}.fields[{a}] = s{t}"]
    if op == D.PUTFIELD2_Q:
        return [f"ip = {i}", f"s{d - 3}.fields[{a}] = s{d - 2}"]
    if op == D.GETSTATIC_Q or op == D.GETSTATIC2_Q:
        # Names go in as constants: the stack's rewriting would take a field named `s1`
        # in a string literal for slot 1.
        return [f"s{d} = {e.const(a)}[{e.const(b)}]"]
    if op == D.PUTSTATIC_Q:
        return [f"{e.const(a)}[{e.const(b)}] = s{t}"]
    if op == D.PUTSTATIC2_Q:
        return [f"{e.const(a)}[{e.const(b)}] = s{d - 2}"]
    if op in (D.INVOKESTATIC_Q, D.INVOKESPECIAL_Q):
        target, ns, rs = a
        k = e.const(target)
        out = []
        if op == D.INVOKESPECIAL_Q:
            out = [f"ip = {i}", f"if s{d - ns} is None:",
                   "    raise AttributeError(\"'NoneType' invokespecial\")"]
        args = ", ".join(f"s{x}" for x in range(d - ns, d))
        out += [f"frame[1] = ip = {i}", f"f = {k}.native",
                f"r = f(th, [{args}]) if f else execute(th, {k}, [{args}])"]
        if rs:
            out.append(f"s{d - ns} = r")
        return out
    if op == D.INVOKEVIRTUAL_Q:
        key, ns, rs = a
        args = ", ".join(f"s{x}" for x in range(d - ns, d))
        kn = e.const(key)
        out = [f"frame[1] = ip = {i}", f"k = s{d - ns}.klass",
               f"t = k.vcache.get({kn}) or k.select_virtual({kn})",
               "if t is None:", f"    _abstract(th, k, {kn})",
               "f = t.native", f"r = f(th, [{args}]) if f else execute(th, t, [{args}])"]
        if rs:
            out.append(f"s{d - ns} = r")
        return out
    if op == D.INVOKEDYNAMIC_Q:
        site, ns, rs = a
        return _call(e, i, d, ns, rs, e.const(site))
    if op == 0x59:
        return [f"s{d} = s{t}"]
    if op == 0x00:
        return []
    if op == 0x5B:
        return [f"s{d} = s{t}", f"s{t} = s{d - 2}", f"s{d - 2} = s{d - 3}", f"s{d - 3} = s{d}"]
    if op == 0x5D:
        return [f"s{d + 1} = s{t}", f"s{d} = s{d - 2}", f"s{t} = s{d - 3}",
                f"s{d - 3} = s{d}", f"s{d - 2} = s{d + 1}"]
    if op == 0x5E:
        return [f"s{d + 1} = s{t}", f"s{d} = s{d - 2}", f"s{t} = s{d - 3}",
                f"s{d - 2} = s{d - 4}", f"s{d - 4} = s{d}", f"s{d - 3} = s{d + 1}"]
    if op == 0xC5:
        dims = ", ".join(f"s{k}" for k in range(d - b, d))
        return [f"frame[1] = ip = {i}",
                f"s{d - b} = new_multi_array(th, M.klass, {e.const(a)}, [{dims}])"]
    if op == 0x57:
        return []
    if op == 0x58:
        return []
    if op == 0x5F:
        return [f"s{t}, s{d - 2} = s{d - 2}, s{t}"]
    if op == 0x5A:
        return [f"s{d} = s{t}", f"s{t} = s{d - 2}", f"s{d - 2} = s{d}"]
    if op == 0x5C:
        return [f"s{d} = s{d - 2}", f"s{d + 1} = s{t}"]
    if op == D.NEW_Q:
        return [f"ip = {i}", f"s{d} = JObject({e.const(a)}, list({e.const(b)}))"]
    if op == D.CHECKCAST_Q:
        k = e.const(a)
        return [f"if s{t} is not None and ({k}.name not in s{t}.klass.ancestors"
                f" or {k}.shadowed):",
                f"    frame[1] = ip = {i}", f"    checkcast_slow(th, s{t}, {k})"]
    if op == D.INSTANCEOF_Q:
        return [f"s{t} = _instanceof(s{t}, {e.const(a)})"]
    if op == D.ANEWARRAY_Q:
        return [f"frame[1] = ip = {i}", f"if s{t} < 0 or s{t} > th.vm.max_array:",
                f"    check_array_size(th, s{t})",
                f"s{t} = JArray({e.const(a)}, [None] * s{t})"]
    if op == 0xBC:
        return [f"frame[1] = ip = {i}", f"s{t} = new_primitive_array(th, {a}, s{t})"]
    if op == 0xBF:
        return [f"ip = {i}", f"if s{t} is None:", "    raise AttributeError(\"'NoneType' athrow\")",
                f"raise JavaThrowable(s{t})"]
    if op in (0xC2, 0xC3):
        return [f"ip = {i}", f"_monitor(th, s{t}, {op == 0xC2})"]
    if op in LINKED_LATER:
        return unlinked(e, i, op, a, d)
    raise Unsupported(op)
