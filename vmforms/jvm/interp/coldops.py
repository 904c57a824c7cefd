"""Instructions too rare to earn a place in the interpreter's dispatch chain (JVMS 6.5).

The loop tests the frequent ops inline; everything else lands here through one call:
the rarer conversions and stack shuffles, monitors, jsr/ret, multianewarray, and the
first run of an instruction that still refers to the constant pool, which is linked
(interp/link.py), fused with the LOAD before it where it can be (decode.fuse_linked),
and run again by the loop.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from vmforms.jvm.interp.decode import fuse_linked
from vmforms.jvm.interp.link import link_instruction, new_multi_array
from vmforms.jvm.runtime.values import f2i, f2l, fcmp, fdiv, fmod, i64

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod
    from vmforms.jvm.runtime.vm import JThread

_F = struct.Struct("f")
_fpack = _F.pack
_funpack = _F.unpack


def f32(v: float) -> float:
    """`v` rounded to float32 (JVMS 2.8), overflowing to an infinity."""
    try:
        return _funpack(_fpack(v))[0]  # type: ignore[no-any-return]
    except OverflowError:
        from vmforms.jvm.runtime.values import f32 as slow

        return slow(v)


# What linking turns an instruction into: a constant, a quick op or a superinstruction.
_QUICK = frozenset({0x12, *range(0xCB, 0xF0)})


def perform(th: JThread, m: JMethod, pc: int, stack: list[Any], loc: list[Any]) -> int:
    """Carry out instruction pc - 1 of `m` on the frame's stack and locals; return the
    index of the next instruction (pc - 1 itself after linking it)."""
    code = m.code
    assert code is not None
    op, a, b = code[pc - 1]
    pop = stack.pop
    if op == 0x62:  # fadd
        v = pop()
        stack[-1] = f32(stack[-1] + v)
    elif op == 0x66:  # fsub
        v = pop()
        stack[-1] = f32(stack[-1] - v)
    elif op == 0x6A:  # fmul
        v = pop()
        stack[-1] = f32(stack[-1] * v)
    elif op == 0x6E:  # fdiv
        v = pop()
        stack[-1] = f32(fdiv(stack[-1], v))
    elif op == 0x56:  # sastore
        v = pop()
        i = pop()
        d = pop().data
        if i < 0:
            raise IndexError(i, len(d))
        d[i] = ((v + 0x8000) & 0xFFFF) - 0x8000
    elif op == 0x86:  # i2f
        stack[-1] = f32(float(stack[-1]))
    elif op == 0x8B:  # f2i
        stack[-1] = f2i(stack[-1])
    elif op == 0x8E:  # d2i
        pop()
        stack[-1] = f2i(stack[-1])
    elif op == 0x8F:  # d2l
        stack[-2] = f2l(stack[-2])
    elif op == 0x90:  # d2f
        pop()
        stack[-1] = f32(stack[-1])
    elif op == 0x8A:  # l2d
        stack[-2] = float(stack[-2])
    elif op == 0x89:  # l2f
        pop()
        stack[-1] = f32(float(stack[-1]))
    elif op == 0x8C:  # f2l
        stack[-1] = f2l(stack[-1])
        stack.append(None)
    elif op == 0x95 or op == 0x96:  # fcmpl, fcmpg
        v = pop()
        stack[-1] = fcmp(stack[-1], v, -1 if op == 0x95 else 1)
    elif op == 0x6D or op == 0x71:  # ldiv, lrem
        v = stack[-2]
        del stack[-2:]
        x = stack[-2]
        if op == 0x6D:
            q = abs(x) // abs(v)
            stack[-2] = i64(q if (x < 0) == (v < 0) else -q)
        else:
            r = abs(x) % abs(v)
            stack[-2] = -r if x < 0 else r
    elif op == 0x72:  # frem
        v = pop()
        stack[-1] = f32(fmod(stack[-1], v))
    elif op == 0x73:  # drem
        v = stack[-2]
        del stack[-2:]
        stack[-2] = fmod(stack[-2], v)
    elif op == 0x75:  # lneg
        stack[-2] = i64(-stack[-2])
    elif op == 0x76:  # fneg
        stack[-1] = -stack[-1]
    elif op == 0x77:  # dneg
        stack[-2] = -stack[-2]
    elif op == 0x5B:  # dup_x2
        stack.insert(-3, stack[-1])
    elif op == 0x5D:  # dup2_x1
        stack[-3:-3] = stack[-2:]
    elif op == 0x5E:  # dup2_x2
        stack[-4:-4] = stack[-2:]
    elif op == 0x5F:  # swap
        stack[-1], stack[-2] = stack[-2], stack[-1]
    elif op == 0xC5:  # multianewarray
        dims = stack[-b:]
        del stack[-b:]
        stack.append(new_multi_array(th, m.klass, a, dims))
    elif op == 0xC2 or op == 0xC3:  # monitorenter, monitorexit
        v = pop()
        if v is None:
            raise AttributeError("'NoneType' monitor")
        from vmforms.jvm.runtime.natives.threads import monitor_enter, monitor_exit

        (monitor_enter if op == 0xC2 else monitor_exit)(th, v)
    elif op == 0xA8 or op == 0xC9:  # jsr, jsr_w
        stack.append(pc)
        return a  # type: ignore[no-any-return]
    elif op == 0xA9:  # ret
        return loc[a]  # type: ignore[no-any-return]
    elif op == 0x00:  # nop
        pass
    else:
        # Another thread may have linked the instruction since the loop fetched it; then
        # the loop just runs the quick form. Anything else is refused by the linker.
        if op not in _QUICK:
            code[pc - 1] = link_instruction(th, m, op, a, b)
            fuse_linked(code, pc - 1)
        th.count -= 1  # the loop counts the instruction again when it reruns it
        return pc - 1
    return pc


def abstract_method(th: JThread, k: Any, key: str) -> Any:
    from vmforms.jvm.interp.link import vm_exception

    vm_exception(th, "java/lang/AbstractMethodError",
                 f"Receiver class {k.java_name} does not define or inherit an "
                 f"implementation of the resolved method '{key}'")


def enter_synchronized(th: JThread, m: JMethod, loc: list[Any]) -> Any:
    """Take the monitor a synchronized method holds while it runs (JVMS 2.11.10): its
    receiver's, or its class's for a static method. Returns it for the exit."""
    from vmforms.jvm.runtime.natives.threads import monitor_enter

    sync = loc[0] if not m.is_static else th.vm.mirror(m.klass)
    monitor_enter(th, sync)
    return sync


def exit_synchronized(th: JThread, sync: Any) -> None:
    from vmforms.jvm.runtime.natives.threads import monitor_exit

    monitor_exit(th, sync)
