"""Every YARV instruction of CRuby 3.1, in the order and numbering of its insns.def.

One table, read by the loader (how many operands follow an opcode and of which kind), the
disassembler (how each operand prints) and the interpreter (which handler runs). Each row
gives the mnemonic, the operand types as insns.def declares them, and the operand-stack
effect as (pops, pushes); VARIES marks an effect that depends on an operand or a call site.
The trace_ variants that CRuby generates for TracePoint share the operands of their base
instruction and follow it in the numbering at offset TRACE_BASE.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Op(Enum):
    """Operand types of insns.def (the TS_* codes of CRuby's tool/ruby_vm)."""

    NUM = "rb_num_t"  # an unsigned number, or an enum coded as one
    LINDEX = "lindex_t"  # a local variable slot, counted from the environment's end
    OFFSET = "OFFSET"  # a branch displacement from the end of the instruction
    VALUE = "VALUE"  # an object of the object list
    ID = "ID"  # a symbol's name
    ISEQ = "ISEQ"  # a child instruction sequence (or none)
    IC = "IC"  # an inline constant cache
    IVC = "IVC"  # an inline instance variable cache
    ICVARC = "ICVARC"  # an inline class variable cache
    ISE = "ISE"  # an inline storage entry (once)
    CALLDATA = "CALL_DATA"  # call info (method id, argc, flags, keywords) and its cache
    CDHASH = "CDHASH"  # the jump table of a case/when
    BUILTIN = "RB_BUILTIN"  # a builtin function of CRuby's own Ruby sources


VARIES = -1


@dataclass(frozen=True, slots=True)
class Insn:
    opcode: int
    name: str
    operands: tuple[Op, ...]
    pops: int
    pushes: int

    @property
    def length(self) -> int:
        return 1 + len(self.operands)


N, L, OFS, V, ID, S = Op.NUM, Op.LINDEX, Op.OFFSET, Op.VALUE, Op.ID, Op.ISEQ
CD = Op.CALLDATA

_BASE: tuple[tuple[str, tuple[Op, ...], int, int], ...] = (
    ("nop", (), 0, 0),
    ("getlocal", (L, N), 0, 1),  # local at (slot, level)
    ("setlocal", (L, N), 1, 0),
    ("getblockparam", (L, N), 0, 1),  # the block parameter as a Proc
    ("setblockparam", (L, N), 1, 0),
    ("getblockparamproxy", (L, N), 0, 1),  # the block parameter, not yet a Proc
    ("getspecial", (N, N), 0, 1),  # $~ $_ and back references
    ("setspecial", (N,), 1, 0),  # flip-flop state
    ("getinstancevariable", (ID, Op.IVC), 0, 1),
    ("setinstancevariable", (ID, Op.IVC), 1, 0),
    ("getclassvariable", (ID, Op.ICVARC), 0, 1),
    ("setclassvariable", (ID, Op.ICVARC), 1, 0),
    ("getconstant", (ID,), 2, 1),  # (klass, allow_nil) -> value
    ("setconstant", (ID,), 2, 0),  # (value, cbase)
    ("getglobal", (ID,), 0, 1),
    ("setglobal", (ID,), 1, 0),
    ("putnil", (), 0, 1),
    ("putself", (), 0, 1),
    ("putobject", (V,), 0, 1),
    ("putspecialobject", (N,), 0, 1),  # 1 VMCore, 2 cbase, 3 const base
    ("putstring", (V,), 0, 1),  # a new unfrozen copy of the literal
    ("concatstrings", (N,), VARIES, 1),
    ("anytostring", (), 2, 1),  # (obj, obj.to_s) -> string for interpolation
    ("toregexp", (N, N), VARIES, 1),  # (options, count)
    ("intern", (), 1, 1),
    ("newarray", (N,), VARIES, 1),
    ("newarraykwsplat", (N,), VARIES, 1),
    ("duparray", (V,), 0, 1),
    ("duphash", (V,), 0, 1),
    ("expandarray", (N, N), 1, VARIES),  # (count, flags: 1 splat, 2 post)
    ("concatarray", (), 2, 1),
    ("splatarray", (V,), 1, 1),  # flag: copy the array
    ("newhash", (N,), VARIES, 1),
    ("newrange", (N,), 2, 1),  # flag: 1 excludes the end
    ("pop", (), 1, 0),
    ("dup", (), 1, 2),
    ("dupn", (N,), VARIES, VARIES),
    ("swap", (), 2, 2),
    ("topn", (N,), VARIES, VARIES),
    ("setn", (N,), VARIES, VARIES),
    ("adjuststack", (N,), VARIES, 0),
    ("defined", (N, V, V), 1, 1),  # (type, object, value pushed when defined)
    ("checkmatch", (N,), 2, 1),  # flag: when / rescue / case, array bit
    ("checkkeyword", (L, L), 0, 1),  # (bits slot, keyword index)
    ("checktype", (N,), 1, 1),  # a T_* code
    ("defineclass", (ID, S, N), 2, 1),  # (name, body, flags) over (cbase, superclass)
    ("definemethod", (ID, S), 0, 0),
    ("definesmethod", (ID, S), 1, 0),
    ("send", (CD, S), VARIES, 1),
    ("opt_send_without_block", (CD,), VARIES, 1),
    ("objtostring", (CD,), 1, 1),
    ("opt_str_freeze", (V, CD), 0, 1),
    ("opt_nil_p", (CD,), 1, 1),
    ("opt_str_uminus", (V, CD), 0, 1),
    ("opt_newarray_max", (N,), VARIES, 1),
    ("opt_newarray_min", (N,), VARIES, 1),
    ("invokesuper", (CD, S), VARIES, 1),
    ("invokeblock", (CD,), VARIES, 1),
    ("leave", (), 1, 1),
    ("throw", (N,), 1, 1),  # state: 1 return, 2 break, 3 next, 4 retry, 5 redo
    ("jump", (OFS,), 0, 0),
    ("branchif", (OFS,), 1, 0),
    ("branchunless", (OFS,), 1, 0),
    ("branchnil", (OFS,), 1, 0),
    ("opt_getinlinecache", (OFS, Op.IC), 0, 1),  # jumps past the lookup when cached
    ("opt_setinlinecache", (Op.IC,), 1, 1),
    ("once", (S, Op.ISE), 0, 1),
    ("opt_case_dispatch", (Op.CDHASH, OFS), 1, 0),
    ("opt_plus", (CD,), 2, 1),
    ("opt_minus", (CD,), 2, 1),
    ("opt_mult", (CD,), 2, 1),
    ("opt_div", (CD,), 2, 1),
    ("opt_mod", (CD,), 2, 1),
    ("opt_eq", (CD,), 2, 1),
    ("opt_neq", (CD, CD), 2, 1),  # call data of == and of !=
    ("opt_lt", (CD,), 2, 1),
    ("opt_le", (CD,), 2, 1),
    ("opt_gt", (CD,), 2, 1),
    ("opt_ge", (CD,), 2, 1),
    ("opt_ltlt", (CD,), 2, 1),
    ("opt_and", (CD,), 2, 1),
    ("opt_or", (CD,), 2, 1),
    ("opt_aref", (CD,), 2, 1),
    ("opt_aset", (CD,), 3, 1),
    ("opt_aset_with", (V, CD), 2, 1),  # recv[str] = val with a literal key
    ("opt_aref_with", (V, CD), 1, 1),
    ("opt_length", (CD,), 1, 1),
    ("opt_size", (CD,), 1, 1),
    ("opt_empty_p", (CD,), 1, 1),
    ("opt_succ", (CD,), 1, 1),
    ("opt_not", (CD,), 1, 1),
    ("opt_regexpmatch2", (CD,), 2, 1),
    ("invokebuiltin", (Op.BUILTIN,), VARIES, 1),
    ("opt_invokebuiltin_delegate", (Op.BUILTIN, N), 0, 1),
    ("opt_invokebuiltin_delegate_leave", (Op.BUILTIN, N), 0, 1),
    ("getlocal_WC_0", (L,), 0, 1),  # getlocal at level 0
    ("getlocal_WC_1", (L,), 0, 1),
    ("setlocal_WC_0", (L,), 1, 0),
    ("setlocal_WC_1", (L,), 1, 0),
    ("putobject_INT2FIX_0_", (), 0, 1),
    ("putobject_INT2FIX_1_", (), 0, 1),
)

TRACE_BASE = len(_BASE)

INSNS: tuple[Insn, ...] = tuple(
    Insn(i, name, ops, pops, pushes) for i, (name, ops, pops, pushes) in enumerate(_BASE)
) + tuple(
    Insn(TRACE_BASE + i, "trace_" + name, ops, pops, pushes)
    for i, (name, ops, pops, pushes) in enumerate(_BASE)
)

BY_NAME: dict[str, Insn] = {insn.name: insn for insn in INSNS}

# The disassembler pads mnemonics to the longest name CRuby knows (rb_vm_max_insn_name_size).
MAX_NAME_LENGTH = max(len(insn.name) for insn in INSNS)


def base_opcode(opcode: int) -> int:
    """The instruction a trace_ variant stands for (the opcode itself otherwise)."""
    return opcode - TRACE_BASE if opcode >= TRACE_BASE else opcode


# getlocal_WC_n and setlocal_WC_n carry their level in the name.
UNIFIED_LEVEL: dict[str, int] = {
    "getlocal_WC_0": 0, "getlocal_WC_1": 1, "setlocal_WC_0": 0, "setlocal_WC_1": 1,
}
