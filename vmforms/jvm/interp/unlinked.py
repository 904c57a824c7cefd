"""Instructions of a translated method that had not run when it was translated: they
are linked on first use and then carried out on the popped values (slower, but such
code is cold; the method is translated again once one of them has run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.interp import decode as D
from vmforms.jvm.interp.link import (
    check_array_size,
    checkcast_slow,
    link_instruction,
    vm_exception,
)
from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.resolve import is_assignable

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod
    from vmforms.jvm.runtime.vm import JThread


def abstract(th: JThread, k: Any, key: str) -> None:
    vm_exception(th, "java/lang/AbstractMethodError",
                 f"Receiver class {k.java_name} does not define or inherit an "
                 f"implementation of the resolved method '{key}'")


def instanceof(v: Any, k: Any) -> int:
    if v is None:
        return 0
    if v.klass is k or k.name in v.klass.ancestors and not k.shadowed:
        return 1
    return 1 if is_assignable(v.klass, k) else 0



# Instructions not yet run when the method is translated: they are linked on first use and
# then performed by perform() on the popped values (slower, but such code is cold).
LINKED_LATER = frozenset({D.LDC, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7, 0xB8, 0xB9, 0xBA,
                           0xBB, 0xBD, 0xC0, 0xC1})


def unlinked(e: Any, i: int, op: int, a: Any, d: int) -> list[str]:
    from vmforms.jvm.classfile.code import Instruction
    from vmforms.jvm.interp.npe import _effect

    m = e.m
    assert m.klass.cf is not None
    cp = m.klass.cf.constant_pool
    if op == D.LDC or op in (0xBB,):
        pops, pushes = 0, 1
    elif op in (0xBD, 0xC0, 0xC1):
        pops, pushes = 1, 1
    else:
        pops, pushes = _effect(Instruction(m.pcs[i], op, a), cp)
    args = ", ".join(f"s{k}" for k in range(d - pops, d))
    out = [f"frame[1] = ip = {i}", f"r = _perform(th, M, {i}, [{args}])"]
    if pushes:
        out.append(f"s{d - pops} = r")
    return out


def perform(th: JThread, m: JMethod, i: int, vals: list[Any]) -> Any:
    """Link instruction `i` of `m` if the interpreter has not, then carry it out."""
    from vmforms.jvm.interp import translate as tier

    code = m.code
    assert code is not None
    q = code[i]
    if q[0] in LINKED_LATER:
        q = code[i] = link_instruction(th, m, q[0], q[1], q[2])
        if m.relinked < 2 and getattr(m.native, "__name__", "") == "translated":
            # Translated before this path ran: translate again at the next call, so the
            # instruction is inline (a field, a call that can be inlined) from then on.
            m.relinked += 1
            m.native = None
            m.calls = tier._FIRST - 1
    op, a, b = q
    if op == D.CONST:
        return a
    if op in (D.GETSTATIC_Q, D.GETSTATIC2_Q):
        return a[b]
    if op in (D.PUTSTATIC_Q, D.PUTSTATIC2_Q):
        a[b] = vals[0]
        return None
    if op in (D.GETFIELD_Q, D.GETFIELD2_Q):
        return vals[0].fields[a]
    if op in (D.PUTFIELD_Q, D.PUTFIELD2_Q):
        vals[0].fields[a] = vals[1]
        return None
    if op in (D.INVOKESTATIC_Q, D.INVOKESPECIAL_Q):
        t = a[0]
        if op == D.INVOKESPECIAL_Q and vals[0] is None:
            raise AttributeError("'NoneType' invokespecial")
        return t.native(th, vals) if t.native else execute(th, t, vals)
    if op == D.INVOKEVIRTUAL_Q:
        k = vals[0].klass
        t = k.vcache.get(a[0]) or k.select_virtual(a[0])
        if t is None:
            abstract(th, k, a[0])
        return t.native(th, vals) if t.native else execute(th, t, vals)
    if op == D.INVOKEDYNAMIC_Q:
        return a[0](th, vals)
    if op == D.NEW_Q:
        return JObject(a, list(b))
    if op == D.CHECKCAST_Q:
        if vals[0] is not None and (a.name not in vals[0].klass.ancestors or a.shadowed):
            checkcast_slow(th, vals[0], a)
        return vals[0]
    if op == D.INSTANCEOF_Q:
        return instanceof(vals[0], a)
    if op == D.ANEWARRAY_Q:
        if vals[0] < 0 or vals[0] > th.vm.max_array:
            check_array_size(th, vals[0])
        return JArray(a, [None] * vals[0])
    raise AssertionError(f"cannot perform op {op}")


def execute(th: JThread, t: JMethod, vals: list[Any]) -> Any:
    from vmforms.jvm.interp import interpreter

    return interpreter.execute(th, t, vals)
