"""The interpreter: one dispatch loop over pre-decoded instructions (JVMS 2.6, chapter 6).

Modelled on Lua's lvm.c: the frame's state lives in local variables, each handler is a
few lines, the hottest ops and the superinstructions of decode.fuse are tested first and
the rare ones are a call away (coldops.py). A long or double takes two stack and local
slots, the value then None, so pop2/dup2 and the argument layout follow JVMS exactly.
Host errors that Java defines as exceptions are turned into Java exceptions at the
faulting instruction: AttributeError on None is a NullPointerException, a zero
divisor an ArithmeticException, Python recursion exhaustion a StackOverflowError. A fused
superinstruction moves the instruction index to its last part before that part can fail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.interp import decode as D
from vmforms.jvm.interp import translate as tier
from vmforms.jvm.interp.coldops import (
    abstract_method,
    enter_synchronized,
    exit_synchronized,
    perform,
)
from vmforms.jvm.interp.link import (
    array_store_check,
    check_array_size,
    checkcast_slow,
    find_handler,
    host_error,
    new_primitive_array,
    stack_overflow,
    vm_exception,
)
from vmforms.jvm.runtime.heap import JArray, JavaThrowable, JObject
from vmforms.jvm.runtime.resolve import is_assignable
from vmforms.jvm.runtime.values import fcmp, fdiv, i32

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod
    from vmforms.jvm.runtime.vm import JThread

# A backward branch taken this often offers the frame to the translation tier (never
# when translation is off); declined, the offer is repeated after twice as many.
OSR_AT = tier.LOOPS_BEFORE_OSR if tier.TRANSLATE else 1 << 62
TRANSLATE_AT = tier.TRANSLATE_AT


def execute(th: JThread, m: JMethod, args: list[Any]) -> Any:
    """Run bytecode method `m` with `args` (slot form) in thread `th`; return its value."""
    code = m.code
    if code is None:
        if m.info.code is None:
            vm_exception(th, "java/lang/AbstractMethodError", f"{m.klass.java_name}.{m.name}")
        D.decode_method(m)
        code = m.code
        assert code is not None
    calls = m.calls = m.calls + 1
    if calls in TRANSLATE_AT:
        fn = tier.translate(m)
        if fn is not None:
            m.native = fn
            return fn(th, args)
    loc = args
    if len(loc) < m.max_locals:
        loc.extend([None] * (m.max_locals - len(loc)))
    stack: list[Any] = []
    push = stack.append
    pop = stack.pop
    frame = [m, 0]
    pushed = True
    frames = th.frames
    frames.append(frame)
    if len(frames) > th.limit:
        frames.pop()
        stack_overflow(th)
    sync = enter_synchronized(th, m, loc) if m.access & 0x20 else None
    pc = 0
    n = 0
    loops = 0
    osr_at = OSR_AT
    try:
        while True:
            try:
                while True:
                    op, a, b = code[pc]
                    pc += 1
                    n += 1
                    if op == 0x15:  # LOAD
                        push(loc[a])
                    elif op >= 0xDB:  # superinstructions (decode.fuse)
                        if op <= 0xE3:
                            if op == 0xDB:  # F_XALOAD_LL
                                pc += 2
                                n += 2
                                i = loc[b]
                                d = loc[a].data
                                if i < 0:
                                    raise IndexError(i, len(d))
                                push(d[i])
                            elif op == 0xDD:  # F_IFGE_LL
                                n += 2
                                pc = code[pc + 1][1] if loc[a] >= loc[b] else pc + 2
                            elif op == 0xE3:  # F_IINC_GOTO
                                loc[a] = ((loc[a] + b + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                                n += 1
                                t = code[pc][1]
                                if t < pc:
                                    loops += 1
                                    if loops >= osr_at and not stack:
                                        fn = tier.osr(m, loops)
                                        if fn is not None:
                                            frames.pop()
                                            pushed = False
                                            return fn(th, loc, t)
                                        osr_at = 2 * loops
                                pc = t
                            elif op == 0xE2:  # F_IADD_LC
                                pc += 2
                                n += 2
                                push(((loc[a] + b + 0x80000000) & 0xFFFFFFFF) - 0x80000000)
                            elif op == 0xE0:  # F_IFGE_LC
                                n += 2
                                pc = code[pc + 1][1] if loc[a] >= b else pc + 2
                            elif op == 0xDE:  # F_IFLT_LL
                                n += 2
                                pc = code[pc + 1][1] if loc[a] < loc[b] else pc + 2
                            elif op == 0xDC:  # F_XALOAD2_LL
                                pc += 2
                                n += 2
                                i = loc[b]
                                d = loc[a].data
                                if i < 0:
                                    raise IndexError(i, len(d))
                                push(d[i])
                                push(None)
                            elif op == 0xE1:  # F_IFLT_LC
                                n += 2
                                pc = code[pc + 1][1] if loc[a] < b else pc + 2
                            else:  # F_IFLE_LL
                                n += 2
                                pc = code[pc + 1][1] if loc[a] <= loc[b] else pc + 2
                        else:
                            n += 1
                            if op == 0xE6:  # F_LOAD_GETFIELD
                                pc += 1
                                push(loc[a].fields[b])
                            elif op == 0xE4:  # F_LOAD_LOAD
                                pc += 1
                                push(loc[a])
                                push(loc[b])
                            elif op == 0xE5:  # F_LOAD_CONST
                                pc += 1
                                push(loc[a])
                                push(b)
                            elif op == 0xE7:  # F_STORE_LOAD
                                pc += 1
                                loc[a] = pop()
                                push(loc[b])
                            elif op == 0xE8:  # F_DUP_STORE
                                pc += 1
                                loc[a] = stack[-1]
                            elif op == 0xE9:  # F_LOAD_IFNULL
                                pc = code[pc][1] if loc[a] is None else pc + 1
                            elif op == 0xEA:  # F_LOAD_IFNONNULL
                                pc = code[pc][1] if loc[a] is not None else pc + 1
                            else:  # F_LOAD_ARRAYLENGTH
                                pc += 1
                                push(len(loc[a].data))
                    elif op <= 0x5F:  # constants, loads, stores, arrays, stack
                        if op == 0x12:  # CONST
                            push(a)
                        elif op == 0x36:  # STORE
                            loc[a] = pop()
                        elif op == 0x2E:  # XALOAD
                            i = pop()
                            d = pop().data
                            if i < 0:
                                raise IndexError(i, len(d))
                            push(d[i])
                        elif op == 0x59:  # dup
                            push(stack[-1])
                        elif op == 0x16:  # LOAD2
                            push(loc[a])
                            push(None)
                        elif op == 0x37:  # STORE2
                            pop()
                            loc[a] = pop()
                        elif op == 0x14:  # CONST2
                            push(a)
                            push(None)
                        elif op == 0x2F:  # XALOAD2
                            i = pop()
                            d = pop().data
                            if i < 0:
                                raise IndexError(i, len(d))
                            push(d[i])
                            push(None)
                        elif op == 0x4F:  # XASTORE (int, float)
                            v = pop()
                            i = pop()
                            d = pop().data
                            if i < 0:
                                raise IndexError(i, len(d))
                            d[i] = v
                        elif op == 0x57:  # pop
                            pop()
                        elif op == 0x53:  # aastore
                            v = pop()
                            i = pop()
                            arr = pop()
                            d = arr.data
                            if i < 0:
                                raise IndexError(i, len(d))
                            if v is not None and i < len(d):
                                array_store_check(th, arr, v)
                            d[i] = v
                        elif op == 0x55:  # castore
                            v = pop()
                            i = pop()
                            d = pop().data
                            if i < 0:
                                raise IndexError(i, len(d))
                            d[i] = v & 0xFFFF
                        elif op == 0x54:  # bastore
                            v = pop()
                            i = pop()
                            arr = pop()
                            d = arr.data
                            if i < 0:
                                raise IndexError(i, len(d))
                            if arr.klass.element == "Z":
                                d[i] = v & 1
                            else:
                                d[i] = (v + 128 & 0xFF) - 128
                        elif op == 0x50:  # XASTORE2
                            pop()
                            v = pop()
                            i = pop()
                            d = pop().data
                            if i < 0:
                                raise IndexError(i, len(d))
                            d[i] = v
                        elif op == 0x58:  # pop2
                            del stack[-2:]
                        elif op == 0x5A:  # dup_x1
                            stack.insert(-2, stack[-1])
                        elif op == 0x5C:  # dup2
                            stack.extend(stack[-2:])
                        else:
                            frame[1] = pc - 1
                            pc = perform(th, m, pc, stack, loc)
                    elif op >= 0xB2:  # fields, calls, objects
                        if op == 0xCB:  # GETFIELD_Q
                            push(pop().fields[a])
                        elif op == 0xD3:  # INVOKEVIRTUAL_Q: a = (key, nslots, ret_slots)
                            key, ns, rs = a
                            cargs = stack[-ns:]
                            del stack[-ns:]
                            frame[1] = pc - 1
                            k = cargs[0].klass
                            t = k.vcache.get(key) or k.select_virtual(key) or abstract_method(
                                th, k, key)
                            f = t.native
                            if rs == 1:  # a reference result is not kept in `r`
                                push(f(th, cargs) if f else execute(th, t, cargs))
                            else:
                                r = f(th, cargs) if f else execute(th, t, cargs)
                                if rs:
                                    push(r)
                                    push(None)
                        elif op == 0xD4 or op == 0xD5:  # INVOKESTATIC_Q / INVOKESPECIAL_Q
                            t, ns, rs = a
                            if ns:
                                cargs = stack[-ns:]
                                del stack[-ns:]
                                if op == 0xD5 and cargs[0] is None:
                                    raise AttributeError("'NoneType' invokespecial")
                            else:
                                cargs = []
                            frame[1] = pc - 1
                            f = t.native
                            if rs == 1:  # a reference result is not kept in `r`
                                push(f(th, cargs) if f else execute(th, t, cargs))
                            else:
                                r = f(th, cargs) if f else execute(th, t, cargs)
                                if rs:
                                    push(r)
                                    push(None)
                        elif op == 0xCF:  # GETSTATIC_Q
                            push(a[b])
                        elif op == 0xCD:  # PUTFIELD_Q
                            v = pop()
                            pop().fields[a] = v
                        elif op == 0xD6:  # NEW_Q
                            push(JObject(a, list(b)))
                        elif op == 0xC6:  # ifnull
                            if pop() is None:
                                pc = a
                        elif op == 0xC7:  # ifnonnull
                            if pop() is not None:
                                pc = a
                        elif op == 0xBE:  # arraylength
                            push(len(pop().data))
                        elif op == 0xD7:  # CHECKCAST_Q
                            v = stack[-1]
                            if v is not None and (a.name not in v.klass.ancestors or a.shadowed):
                                frame[1] = pc - 1
                                checkcast_slow(th, v, a)
                        elif op == 0xD8:  # INSTANCEOF_Q
                            v = pop()
                            if v is None:
                                push(0)
                            elif v.klass is a or a.name in v.klass.ancestors and not a.shadowed:
                                push(1)
                            else:
                                push(1 if is_assignable(v.klass, a) else 0)
                        elif op == 0xCC:  # GETFIELD2_Q
                            push(pop().fields[a])
                            push(None)
                        elif op == 0xCE:  # PUTFIELD2_Q
                            pop()
                            v = pop()
                            pop().fields[a] = v
                        elif op == 0xD0:  # GETSTATIC2_Q
                            push(a[b])
                            push(None)
                        elif op == 0xD1:  # PUTSTATIC_Q
                            a[b] = pop()
                        elif op == 0xD2:  # PUTSTATIC2_Q
                            pop()
                            a[b] = pop()
                        elif op == 0xDA:  # INVOKEDYNAMIC_Q: a = (call site, nslots, ret_slots)
                            site, ns, rs = a
                            if ns:
                                cargs = stack[-ns:]
                                del stack[-ns:]
                            else:
                                cargs = []
                            frame[1] = pc - 1
                            if rs == 1:
                                push(site(th, cargs))
                            else:
                                r = site(th, cargs)
                                if rs:
                                    push(r)
                                    push(None)
                        elif op == 0xD9:  # ANEWARRAY_Q
                            c = stack[-1]
                            if c < 0 or c > th.vm.max_array:
                                frame[1] = pc - 1
                                check_array_size(th, c)
                            stack[-1] = JArray(a, [None] * c)
                        elif op == 0xBC:  # newarray
                            frame[1] = pc - 1
                            stack[-1] = new_primitive_array(th, a, stack[-1])
                        elif op == 0xBF:  # athrow
                            v = stack[-1]
                            if v is None:
                                raise AttributeError("'NoneType' athrow")
                            raise JavaThrowable(v)
                        else:
                            frame[1] = pc - 1
                            pc = perform(th, m, pc, stack, loc)
                    elif op >= 0x99:  # branches and returns
                        if op == 0xAC:  # ireturn, freturn, areturn
                            return pop()
                        elif op <= 0xA6:  # conditional branches
                            if op < 0x9F:
                                if op == 0x99:  # ifeq
                                    if pop() == 0:
                                        pc = a
                                elif op == 0x9A:  # ifne
                                    if pop() != 0:
                                        pc = a
                                elif op == 0x9B:  # iflt
                                    if pop() < 0:
                                        pc = a
                                elif op == 0x9C:  # ifge
                                    if pop() >= 0:
                                        pc = a
                                elif op == 0x9D:  # ifgt
                                    if pop() > 0:
                                        pc = a
                                else:  # ifle
                                    if pop() <= 0:
                                        pc = a
                            elif op == 0xA2:  # if_icmpge
                                if pop() <= pop():
                                    pc = a
                            elif op == 0xA1:  # if_icmplt
                                if pop() > pop():
                                    pc = a
                            elif op == 0xA0:  # if_icmpne
                                if pop() != pop():
                                    pc = a
                            elif op == 0x9F:  # if_icmpeq
                                if pop() == pop():
                                    pc = a
                            elif op == 0xA3:  # if_icmpgt
                                if pop() < pop():
                                    pc = a
                            elif op == 0xA4:  # if_icmple
                                if pop() >= pop():
                                    pc = a
                            elif op == 0xA5:  # if_acmpeq
                                if pop() is pop():
                                    pc = a
                            else:  # if_acmpne
                                if pop() is not pop():
                                    pc = a
                        elif op == 0xA7:  # goto
                            if a < pc:
                                loops += 1
                                if loops >= osr_at and not stack:
                                    fn = tier.osr(m, loops)
                                    if fn is not None:
                                        frames.pop()
                                        pushed = False
                                        return fn(th, loc, a)
                                    osr_at = 2 * loops
                            pc = a
                        elif op == 0xB1:  # return
                            return None
                        elif op == 0xAD:  # lreturn, dreturn
                            return stack[-2]
                        elif op == 0xAB:  # tableswitch / lookupswitch
                            pc = b.get(pop(), a)
                        else:
                            frame[1] = pc - 1
                            pc = perform(th, m, pc, stack, loc)
                    elif op <= 0x73:  # arithmetic
                        if op == 0x60:  # iadd
                            v = pop()
                            stack[-1] = ((stack[-1] + v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x64:  # isub
                            v = pop()
                            stack[-1] = ((stack[-1] - v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x68:  # imul
                            v = pop()
                            stack[-1] = ((stack[-1] * v + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x61:  # ladd
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] = ((stack[-2] + v + 0x8000000000000000)
                                         & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                        elif op == 0x63:  # dadd
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] += v
                        elif op == 0x6B:  # dmul
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] *= v
                        elif op == 0x6F:  # ddiv
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] = stack[-2] / v if v else fdiv(stack[-2], v)
                        elif op == 0x67:  # dsub
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] -= v
                        elif op == 0x70:  # irem
                            v = pop()
                            x = stack[-1]
                            r = abs(x) % abs(v)
                            stack[-1] = -r if x < 0 else r
                        elif op == 0x6C:  # idiv
                            v = pop()
                            x = stack[-1]
                            q = abs(x) // abs(v)
                            stack[-1] = i32(q if (x < 0) == (v < 0) else -q)
                        elif op == 0x65:  # lsub
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] = ((stack[-2] - v + 0x8000000000000000)
                                         & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                        elif op == 0x69:  # lmul
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] = ((stack[-2] * v + 0x8000000000000000)
                                         & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                        else:
                            frame[1] = pc - 1
                            pc = perform(th, m, pc, stack, loc)
                    else:  # iinc, logic, shifts, conversions, comparisons
                        if op == 0x84:  # iinc
                            loc[a] = ((loc[a] + b + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x7E:  # iand
                            v = pop()
                            stack[-1] &= v
                        elif op == 0x85:  # i2l
                            push(None)
                        elif op == 0x80:  # ior
                            v = pop()
                            stack[-1] |= v
                        elif op == 0x82:  # ixor
                            v = pop()
                            stack[-1] ^= v
                        elif op == 0x78:  # ishl
                            v = pop() & 31
                            stack[-1] = ((stack[-1] << v) + 0x80000000 & 0xFFFFFFFF) - 2**31
                        elif op == 0x7A:  # ishr
                            v = pop() & 31
                            stack[-1] >>= v
                        elif op == 0x7C:  # iushr
                            v = pop() & 31
                            x = (stack[-1] & 0xFFFFFFFF) >> v
                            stack[-1] = x - 0x100000000 if x & 0x80000000 else x
                        elif op == 0x88:  # l2i
                            pop()
                            stack[-1] = ((stack[-1] + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x92:  # i2c
                            stack[-1] &= 0xFFFF
                        elif op == 0x87:  # i2d
                            stack[-1] = float(stack[-1])
                            push(None)
                        elif op == 0x94:  # lcmp
                            v = stack[-2]
                            del stack[-2:]
                            x = stack[-2]
                            del stack[-2:]
                            push(1 if x > v else -1 if x < v else 0)
                        elif op == 0x97 or op == 0x98:  # dcmpl, dcmpg
                            v = stack[-2]
                            del stack[-2:]
                            x = stack[-2]
                            del stack[-2:]
                            push(fcmp(x, v, -1 if op == 0x97 else 1))
                        elif op == 0x7F:  # land
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] &= v
                        elif op == 0x81:  # lor
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] |= v
                        elif op == 0x83:  # lxor
                            v = stack[-2]
                            del stack[-2:]
                            stack[-2] ^= v
                        elif op == 0x79:  # lshl
                            v = pop() & 63
                            stack[-2] = ((stack[-2] << v) + 0x8000000000000000
                                         & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000
                        elif op == 0x7B:  # lshr
                            v = pop() & 63
                            stack[-2] >>= v
                        elif op == 0x7D:  # lushr
                            v = pop() & 63
                            x = (stack[-2] & 0xFFFFFFFFFFFFFFFF) >> v
                            stack[-2] = x - (1 << 64) if x >> 63 else x
                        elif op == 0x74:  # ineg
                            stack[-1] = ((-stack[-1] + 0x80000000) & 0xFFFFFFFF) - 0x80000000
                        elif op == 0x91:  # i2b
                            stack[-1] = ((stack[-1] + 0x80) & 0xFF) - 0x80
                        elif op == 0x93:  # i2s
                            stack[-1] = ((stack[-1] + 0x8000) & 0xFFFF) - 0x8000
                        elif op == 0x8D:  # f2d
                            push(None)
                        else:
                            frame[1] = pc - 1
                            pc = perform(th, m, pc, stack, loc)
            except JavaThrowable as exc:
                if not pushed:  # thrown out of the translated code we handed over to
                    raise
                frame[1] = pc - 1
                ex = exc.obj
                pc = find_handler(m, pc - 1, ex)
                if pc < 0:
                    raise
                stack.clear()
                push(ex)
            except (AttributeError, TypeError, IndexError, ZeroDivisionError,
                    RecursionError, MemoryError) as err:
                if not pushed:
                    raise
                frame[1] = pc - 1
                ex = host_error(th, m, pc - 1, err)
                pc = find_handler(m, pc - 1, ex)
                if pc < 0:
                    raise JavaThrowable(ex) from None
                stack.clear()
                push(ex)
    finally:
        if pushed:
            frames.pop()
        th.count += n
        if sync is not None:
            exit_synchronized(th, sync)


__all__ = ["execute", "i32"]
