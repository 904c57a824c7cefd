"""What the translation tier writes in place of a call, a division or an array access:
intrinsics for a few java.lang.Math methods, small methods inlined at the call site,
integer division by a positive constant as Python arithmetic (HotSpot's C2 does the same
three things), and array elements read and written with one test of the index.

An inlined method is one that cannot throw, so that no frame of its own is ever needed
for a stack trace: a single block of at most INLINE_MAX instructions, with no call but
Object's constructor, that reads and writes only its locals, static fields of
initialised classes and the fields of `this` (not null: the call site checked it). Its
locals and stack slots become Python locals of the caller, named after the call site.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vmforms.jvm.interp import decode as D
from vmforms.jvm.interp.blocks import Stack, literal

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JMethod

Straight = Callable[[Any, Stack, int, tuple[Any, ...], int], list[str]]

INLINE_MAX = 40
_DIVIDES = {0x6C: (1, "//"), 0x70: (1, "%"), 0x6D: (2, "//"), 0x71: (2, "%")}
_FIELDS = {D.GETFIELD_Q: 1, D.GETFIELD2_Q: 1, D.PUTFIELD_Q: 2, D.PUTFIELD2_Q: 3}
_STATICS = frozenset({D.GETSTATIC_Q, D.GETSTATIC2_Q, D.PUTSTATIC_Q, D.PUTSTATIC2_Q})
# Instructions that cannot throw once linked: stack and local moves, arithmetic but integer
# division (handled above), conversions, comparisons without a branch.
_SAFE = frozenset({
    D.LOAD, D.LOAD2, D.STORE, D.STORE2, D.CONST, D.CONST2, 0x00, 0x57, 0x58, 0x59, 0x5A,
    0x5B, 0x5C, 0x5D, 0x5E, 0x5F, 0x84,
    *range(0x60, 0x6C), 0x6E, 0x6F, *range(0x72, 0x84), *range(0x85, 0x99)})
_RETURNS = frozenset({D.RETURN_VALUE, D.RETURN2, 0xB1})
_IP = re.compile(r"^\s*(frame\[1\] = )?ip = \d+$")
_NAME = re.compile(r"'[^']*'|\b([lsq]\d+)\b")


def special(e: Any, st: Stack, i: int, ins: tuple[Any, ...], d: int,
            straight: Straight) -> list[str] | None:
    """Instruction `i`'s statements when it is one this module writes, else None."""
    op, a, _ = ins
    if op in _DIVIDES:
        return divide_by_constant(st, i, op, d)
    if op in _ARRAY_STORES or op == D.XALOAD or op == D.XALOAD2:
        return _array(e, st, i, op, d)
    if op == 0x6F:  # ddiv by a literal other than zero: IEEE division, no special case
        c = st.get(d - 2)
        if c is None or not _FLOAT.fullmatch(c) or float(c) == 0.0:
            return None
        out = st.before_write(f"s{d - 4}", "", d - 4)
        st.note_expression(d - 4, f"s{d - 4} / {c}")
        return out
    if op == D.INVOKESTATIC_Q or op == D.INVOKESPECIAL_Q:
        t, ns, rs = a
        if t.klass.name == "java/lang/Math" and t.klass.loader is None and op == D.INVOKESTATIC_Q:
            return _math(st, i, t.name + t.descriptor, d)
        if _object_init(t):
            # Object(): only a class with a finalizer has anything done
            lines = [f"if s{d - 1}.klass.finalizable is not False:", f"    frame[1] = ip = {i}",
                     f"    {e.const(t.native)}(th, [s{d - 1}])"]
            return [f"ip = {i}", *(x for line in lines for x in st.rewrite(line))]
        return _inline(e, st, i, op, t, d, straight)
    return None


def divide_by_constant(st: Stack, i: int, op: int, d: int) -> list[str] | None:
    """idiv, irem, ldiv, lrem by a positive literal: no exception and no overflow, only
    Java's rounding toward zero."""
    w, sym = _DIVIDES[op]
    c = st.get(d - w)
    if c is None or not c.isdigit() or int(c) == 0:
        return None
    slot, q = d - 2 * w, f"q{i}"
    out = st.rewrite(f"{q} = s{slot}")
    out += st.before_write(f"s{slot}", "", slot)
    st.note_expression(slot, f"{q} {sym} {c} if {q} >= 0 else -(-{q} {sym} {c})")
    return out


# the stored value's slot below the top, and how the element is narrowed
_ARRAY_STORES = {D.XASTORE: (1, "{v}"), D.XASTORE2: (2, "{v}"), 0x55: (1, "{v} & 0xFFFF"),
                 0x56: (1, "({v} + 0x8000 & 0xFFFF) - 0x8000"),
                 0x54: (1, "{v} & 1 if {a}.klass.element == 'Z' else ({v} + 128 & 0xFF) - 128")}
_SIMPLE = re.compile(r"[ls]\d+|\d+")
_FLOAT = re.compile(r"-?\d+\.\d+(e[-+]?\d+)?")


def _array(e: Any, st: Stack, i: int, op: int, d: int) -> list[str] | None:
    """An element load or store whose array and index are locals, slots or literals: one
    subscript, the index tested only against zero (Python would count from the end).
    Where the subscript is past the end, the handler rebuilds the index and length from
    the names recorded in `e.indexes` (they still hold their values: nothing was
    stored)."""
    w = _ARRAY_STORES[op][0] if op in _ARRAY_STORES else 0
    a_slot, i_slot = d - 2 - w, d - 1 - w
    a, idx = st.get(a_slot) or f"s{a_slot}", st.get(i_slot) or f"s{i_slot}"
    if not _SIMPLE.fullmatch(a) or not _SIMPLE.fullmatch(idx):
        return None
    e.indexes[i] = (a, idx)
    sa, si = f"s{a_slot}", f"s{i_slot}"
    if w == 0:
        if idx.isdigit():
            lines = [f"{sa} = {sa}.data[{idx}]"]
        else:
            lines = [f"{sa} = {sa}.data[{si}] if {si} >= 0 else negative_index({si}, {sa})"]
    else:
        value = _ARRAY_STORES[op][1].format(v=f"s{d - w}", a=sa)
        if idx.isdigit():
            lines = [f"{sa}.data[{idx}] = {value}"]
        else:
            lines = [f"if {si} < 0:", f"    negative_index({si}, {sa})",
                     f"{sa}.data[{si}] = {value}"]
    return [f"ip = {i}", *(x for line in lines for x in st.rewrite(line))]


def negative_index(i: int, arr: Any) -> None:
    raise IndexError(i, len(arr.data))


def index_error(err: IndexError, where: tuple[str, str], names: dict[str, Any]) -> IndexError:
    """The IndexError of a subscript past the end, with the index and length that
    host_error's message needs (a list's own IndexError carries neither)."""
    if len(err.args) == 2:
        return err
    a, i = where
    index = int(i) if i.isdigit() else names.get(i, 0)
    return IndexError(index, len(names[a].data)) if a in names else err


def _math(st: Stack, i: int, key: str, d: int) -> list[str] | None:
    """Math.sqrt (IEEE's correctly rounded square root, as math.sqrt; NaN below zero),
    abs and the int min and max."""
    if key == "sqrt(D)D":
        q = f"q{i}"
        out = st.rewrite(f"{q} = s{d - 2}")
        out += st.before_write(f"s{d - 2}", "", d - 2)
        st.note_expression(d - 2, f"sqrt({q}) if {q} >= 0.0 else NAN")
        return out
    forms = {"abs(D)D": (2, "abs(s{0})"), "abs(F)F": (1, "abs(s{0})"),
             "abs(I)I": (1, "(abs(s{0}) + 0x80000000 & 0xFFFFFFFF) - 0x80000000"),
             "min(II)I": (2, "min(s{0}, s{1})"), "max(II)I": (2, "max(s{0}, s{1})")}
    if key not in forms:
        return None
    pops, form = forms[key]
    slot = d - pops
    out = st.before_write(f"s{slot}", "", slot)
    st.note_expression(slot, form.format(slot, slot + 1))
    return out


def _inline(e: Any, st: Stack, i: int, op: int, t: JMethod, d: int,
            straight: Straight) -> list[str] | None:
    body = _body(e, t, straight)
    if body is None:
        return None
    lines, result, reads = body
    prefix = f"i{i}_"

    def rename(text: str) -> str:
        return _NAME.sub(lambda g: prefix + g.group(1) if g.group(1) else g.group(0), text)

    ns, base = t.arg_slots, d - t.arg_slots
    out = [f"ip = {i}"]
    if op == D.INVOKESPECIAL_Q:
        out += st.rewrite(f"if s{base} is None:")
        out.append("    raise AttributeError(\"'NoneType' invokespecial\")")
    for k in range(ns):
        if k in reads:
            out += st.rewrite(f"{prefix}l{k} = s{base + k}")
    out += [rename(line) for line in lines]
    if result is not None:
        out += st.before_write(f"s{base}", "", base)
        st.note_expression(base, rename(result))
    return out


def _body(e: Any, t: JMethod, straight: Straight) -> tuple[list[str], str | None, set[int]] | None:
    """The statements of `t` in its own names (l, s, q), the expression it returns, and
    the argument slots it reads; None when it cannot be inlined."""
    from vmforms.jvm.interp.npe import _flow

    code = t.code
    if (code is None or len(code) > INLINE_MAX or t.handlers or t.access & 0x0120
            or (t.native is not None and getattr(t.native, "__name__", "") != "translated")):
        return None
    plain = [D.plain(code, j) for j in range(len(code))]
    if any(op in _RETURNS for op, _, _ in plain[:-1]) or plain[-1][0] not in _RETURNS:
        return None
    if not t.is_static and any(op == D.STORE and a == 0 for op, a, _ in plain):
        return None  # `this` is no longer known to be non-null
    _, states = _flow(t)
    depth = [len(states[pc]) if pc in states else -1 for pc in t.pcs]
    if -1 in depth:
        return None
    st = Stack()
    out: list[str] = []
    for j, ins in enumerate(plain[:-1]):
        op, a, _ = ins
        dj = depth[j]
        st.drop(dj)
        if op in _FIELDS:
            if t.is_static or st.get(dj - _FIELDS[op]) != "l0":
                return None
        elif op == D.INVOKESPECIAL_Q:
            target = a[0]
            if not _object_init(target) or st.get(dj - 1) != "l0":
                return None
            init = e.const(target.native)
            out += ["if l0.klass.finalizable is not False:", f"    {init}(th, [l0])"]
            continue
        elif op not in _SAFE and op not in _STATICS and op not in _DIVIDES:
            return None
        lines = straight(e, st, j, ins, dj)
        if op in _DIVIDES and any("_idiv" in x or "_ldiv" in x or "_rem" in x for x in lines):
            return None  # a divisor that is not a positive constant
        out += [x for x in lines if not _IP.match(x)]
    last, dl = plain[-1][0], depth[-1]
    st.drop(dl)
    result = None
    if last != 0xB1:
        result = st.get(dl - (2 if last == D.RETURN2 else 1))
        if result is None:
            result = f"s{dl - (2 if last == D.RETURN2 else 1)}"
    if result is not None and not _defined(result, out):
        return None
    reads = {int(n[1:]) for line in [*out, result or ""] for n in re.findall(r"\bl\d+\b", line)}
    return out, result, reads


def _object_init(t: JMethod) -> bool:
    return (t.klass.name == "java/lang/Object" and t.name == "<init>" and t.native is not None
            and t.klass.loader is None)


def _defined(result: str, lines: list[str]) -> bool:
    """The returned expression reads only literals, locals and slots the body wrote."""
    names = set(re.findall(r"\b[sq]\d+\b", result))
    return all(any(re.match(rf"\s*{n} = ", line) for line in lines) for n in names)


__all__ = ["INLINE_MAX", "divide_by_constant", "index_error", "literal", "negative_index",
           "special"]
