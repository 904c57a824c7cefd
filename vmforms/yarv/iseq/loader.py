"""Load a binary iseq: CRuby 3.1 compile.c (ibf_load_setup, ibf_load_iseq_each, ibf_load_code).

Layout: a 36-byte header (magic YARB, version 3.1, size, extra size, iseq and object list
sizes and offsets), RUBY_PLATFORM as a C string, then the iseqs (bytecode, tables, and a
body of small values whose offsets count back from the body), the object list, and the two
offset lists. Every iseq of the file is loaded up front; references between them are direct.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from vmforms.yarv.core.object import RSymbol
from vmforms.yarv.insns import INSNS, Op
from vmforms.yarv.iseq.objects import ObjectList
from vmforms.yarv.iseq.reader import Reader

MAGIC = b"YARB"
MAJOR, MINOR = 3, 1
HEADER = struct.Struct("<4sIIIIIIII")
MAX_ISEQ_SIZE = 1 << 24  # instruction words of one iseq: far beyond any real program

# enum iseq_type
ISEQ_TYPES = ("top", "method", "block", "class", "rescue", "ensure", "eval", "main", "plain")
# enum catch_type, as dumped (INT2FIX of 1..6)
CATCH_TYPES = {3: "rescue", 5: "ensure", 7: "retry", 9: "break", 11: "redo", 13: "next"}

# VM_CALL_* flag bits (vm_callinfo.h)
VM_CALL_ARGS_SPLAT, VM_CALL_ARGS_BLOCKARG, VM_CALL_FCALL, VM_CALL_VCALL = 1, 2, 4, 8
VM_CALL_ARGS_SIMPLE, VM_CALL_BLOCKISEQ, VM_CALL_KWARG, VM_CALL_KW_SPLAT = 16, 32, 64, 128
VM_CALL_TAILCALL, VM_CALL_SUPER, VM_CALL_ZSUPER, VM_CALL_OPT_SEND = 256, 512, 1024, 2048
VM_CALL_KW_SPLAT_MUT = 4096


@dataclass(frozen=True, slots=True)
class CallInfo:
    mid: RSymbol | None
    flag: int
    argc: int
    kwargs: tuple[RSymbol, ...]


@dataclass(frozen=True, slots=True)
class CatchEntry:
    type: str
    start: int
    end: int
    cont: int
    sp: int
    iseq: Iseq | None


@dataclass(frozen=True, slots=True)
class Keyword:
    num: int
    required_num: int
    bits_start: int
    rest_start: int
    table: tuple[RSymbol | None, ...]
    default_values: tuple[Any, ...]


class Iseq:
    """One instruction sequence. Filled once by the loader, then only read."""

    __slots__ = (
        "index", "type", "iseq_size", "code", "param_flags", "param_size", "lead_num",
        "opt_num", "rest_start", "post_start", "post_num", "block_start", "opt_table",
        "keyword", "path", "realpath", "base_label", "label", "first_lineno", "node_id",
        "code_location", "insns_info", "local_table", "catch_table", "parent",
        "local_iseq", "mandatory_only", "call_info", "flip_count", "is_size", "stack_max",
        "catch_except_p", "builtin_inline_p", "cache", "closed_p",
    )

    index: int
    type: str
    iseq_size: int
    code: list[Any]
    param_flags: int
    param_size: int
    lead_num: int
    opt_num: int
    rest_start: int
    post_start: int
    post_num: int
    block_start: int
    opt_table: tuple[int, ...]
    keyword: Keyword | None
    path: Any
    realpath: Any
    base_label: Any
    label: Any
    first_lineno: int
    node_id: int
    code_location: tuple[int, int, int, int]
    insns_info: tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]
    local_table: tuple[RSymbol | None, ...]
    catch_table: tuple[CatchEntry, ...]
    parent: Iseq | None
    local_iseq: Iseq | None
    mandatory_only: Iseq | None
    call_info: tuple[CallInfo | None, ...]
    flip_count: int
    is_size: int
    stack_max: int
    catch_except_p: bool
    builtin_inline_p: bool
    cache: Any
    closed_p: bool | None

    def __init__(self, index: int) -> None:
        self.index = index
        self.cache: Any = None  # the interpreter's per-iseq data
        self.closed_p: bool | None = None  # (interp.loop.closed)

    @property
    def has_lead(self) -> bool:
        return bool(self.param_flags & 1)

    @property
    def has_opt(self) -> bool:
        return bool(self.param_flags & 2)

    @property
    def has_rest(self) -> bool:
        return bool(self.param_flags & 4)

    @property
    def has_post(self) -> bool:
        return bool(self.param_flags & 8)

    @property
    def has_kw(self) -> bool:
        return bool(self.param_flags & 16)

    @property
    def has_kwrest(self) -> bool:
        return bool(self.param_flags & 32)

    @property
    def has_block(self) -> bool:
        return bool(self.param_flags & 64)

    @property
    def ambiguous_param0(self) -> bool:
        return bool(self.param_flags & 128)

    @property
    def accepts_no_kwarg(self) -> bool:
        return bool(self.param_flags & 256)


@dataclass(frozen=True, slots=True)
class IseqFile:
    platform: str
    iseqs: tuple[Iseq, ...]
    extra: bytes

    @property
    def top(self) -> Iseq:
        return self.iseqs[0]


def load(data: bytes, source: str = "<binary>") -> IseqFile:
    """Parse a whole binary iseq; IseqFormatError names the offset of any problem."""
    r = Reader(data, source, len(data))
    if len(data) < HEADER.size:
        r.fail(len(data), "truncated: shorter than the header")
    magic, major, minor, size, extra, n_iseq, n_obj, iseq_off, obj_off = \
        HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        r.fail(0, "not a binary iseq (no YARB magic)")
    if (major, minor) != (MAJOR, MINOR):
        r.fail(4, f"unmatched version file ({major}.{minor} for {MAJOR}.{MINOR})")
    if size > len(data) or size + extra > len(data):
        r.fail(12, f"truncated: header says {size + extra} bytes, file has {len(data)}")
    r.limit = size
    end = data.find(b"\0", HEADER.size, size)
    if end < 0:
        r.fail(HEADER.size, "truncated: no platform string")
    platform = data[HEADER.size:end].decode("latin-1")
    if iseq_off % 4 or obj_off % 4:
        r.fail(24, "unaligned iseq or object list offset")
    if n_iseq == 0:
        r.fail(20, "no instruction sequence")
    r.check(iseq_off, 4 * n_iseq, "iseq list")
    iseq_offsets = struct.unpack_from(f"<{n_iseq}I", data, iseq_off)
    objects = ObjectList(r, obj_off, n_obj)
    iseqs = tuple(Iseq(i) for i in range(n_iseq))
    for iseq, offset in zip(iseqs, iseq_offsets, strict=True):
        _load_body(r, objects, iseqs, iseq, offset)
    return IseqFile(platform, iseqs, data[size:size + extra])


def _iseq_ref(r: Reader, iseqs: tuple[Iseq, ...], index: int, at: int) -> Iseq | None:
    if index == -1 or index == (1 << 64) - 1:
        return None
    if not 0 <= index < len(iseqs):
        r.fail(at, f"iseq index {index} out of range")
    return iseqs[index]


def _id(objects: ObjectList, index: int, r: Reader, at: int) -> RSymbol | None:
    if index == 0:
        return None
    value = objects.get(index)
    if not isinstance(value, RSymbol):
        if isinstance(value, int) and not isinstance(value, bool):
            return None  # a hidden local variable, dumped as its number
        r.fail(at, "expected a symbol")
    return value


def _load_body(r: Reader, objects: ObjectList, iseqs: tuple[Iseq, ...], iseq: Iseq,
               offset: int) -> None:
    fields: list[int] = []
    pos = offset
    for _ in range(41):
        value, pos = r.signed(pos)
        fields.append(value)
    (typ, iseq_size, bc_off, bc_size, flags, psize, lead, opt, rest_start, post_start,
     post_num, block_start, opt_table_off, kw_off, path_i, base_label_i, label_i,
     first_lineno, node_id, beg_line, beg_col, end_line, end_col, ii_body_off, ii_pos_off,
     ii_size, lt_off, catch_size, catch_off, parent_i, local_i, mandatory_i, ci_off,
     _outer_off, flip_count, lt_size, is_size, ci_size, stack_max, catch_except_p,
     builtin_inline_p) = fields
    if not 0 <= typ < len(ISEQ_TYPES):
        r.fail(offset, f"unknown iseq type {typ}")
    for name, value in (("iseq size", iseq_size), ("local table size", lt_size),
                        ("call info count", ci_size), ("catch table size", catch_size),
                        ("line table size", ii_size), ("optional count", opt)):
        if not 0 <= value <= MAX_ISEQ_SIZE:
            r.fail(offset, f"{name} {value} out of range")
    iseq.type = ISEQ_TYPES[typ]
    iseq.iseq_size = iseq_size
    iseq.param_flags, iseq.param_size, iseq.lead_num, iseq.opt_num = flags, psize, lead, opt
    iseq.rest_start, iseq.post_start, iseq.post_num = rest_start, post_start, post_num
    iseq.block_start = block_start
    pathobj = objects.get(path_i)
    if hasattr(pathobj, "items"):  # [path, realpath]
        items = pathobj.items
        iseq.path, iseq.realpath = (items + [None, None])[:2]
    else:
        iseq.path, iseq.realpath = pathobj, pathobj
    iseq.base_label = objects.get(base_label_i)
    iseq.label = objects.get(label_i)
    iseq.first_lineno = first_lineno >> 1 if first_lineno & 1 else first_lineno
    iseq.node_id = node_id
    iseq.code_location = (beg_line, beg_col, end_line, end_col)
    iseq.flip_count, iseq.is_size, iseq.stack_max = flip_count, is_size, stack_max
    iseq.catch_except_p, iseq.builtin_inline_p = bool(catch_except_p), bool(builtin_inline_p)
    iseq.parent = _iseq_ref(r, iseqs, parent_i, offset)
    iseq.local_iseq = _iseq_ref(r, iseqs, local_i, offset)
    iseq.mandatory_only = _iseq_ref(r, iseqs, mandatory_i, offset)
    # optional parameter jump table: opt_num + 1 raw words
    iseq.opt_table = r.u64s(offset - opt_table_off, opt + 1, "optional parameter table") \
        if opt else ()
    iseq.keyword = _keyword(r, objects, kw_off) if kw_off else None
    raw_locals = r.u64s(offset - lt_off, lt_size, "local table")
    iseq.local_table = tuple(_id(objects, i, r, offset - lt_off) for i in raw_locals)
    iseq.call_info = _call_info(r, objects, offset - ci_off, ci_size)
    iseq.insns_info = _insns_info(r, offset - ii_body_off, offset - ii_pos_off, ii_size)
    iseq.catch_table = _catch_table(r, iseqs, offset - catch_off, catch_size)
    iseq.code = _code(r, objects, iseqs, iseq, offset - bc_off, bc_size)


def _keyword(r: Reader, objects: ObjectList, offset: int) -> Keyword:
    r.check(offset, 32, "keyword parameters")
    num, required, bits_start, rest_start, table_off, dv_off = \
        struct.unpack_from("<iiiiQQ", r.data, offset)
    if not 0 <= required <= num <= 4096:
        r.fail(offset, "bad keyword parameter counts")
    table = tuple(_id(objects, i, r, table_off) for i in r.u64s(table_off, num, "keywords"))
    dvs = tuple(objects.get(i) for i in r.u64s(dv_off, num - required, "keyword defaults"))
    return Keyword(num, required, bits_start, rest_start, table, dvs)


def _call_info(r: Reader, objects: ObjectList, pos: int, count: int
               ) -> tuple[CallInfo | None, ...]:
    out: list[CallInfo | None] = []
    for _ in range(count):
        at = pos
        mid_i, pos = r.small(pos)
        if mid_i == (1 << 64) - 1:
            out.append(None)  # a call site the compiler dropped (no call info)
            continue
        flag, pos = r.small(pos)
        argc, pos = r.small(pos)
        kwlen, pos = r.small(pos)
        if kwlen > 4096:
            r.fail(at, "too many keywords in a call")
        kws = []
        for _ in range(kwlen):
            k, pos = r.small(pos)
            sym = objects.get(k)
            if not isinstance(sym, RSymbol):
                r.fail(at, "call keyword is not a symbol")
            kws.append(sym)
        out.append(CallInfo(_id(objects, mid_i, r, at), flag, argc, tuple(kws)))
    return tuple(out)


def _insns_info(r: Reader, body: int, positions: int, size: int
                ) -> tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """(positions, line numbers, event flags), one entry per change of line or events."""
    lines, events, pos_list = [], [], []
    for _ in range(size):
        line, body = r.small(body)
        _node, body = r.small(body)
        ev, body = r.small(body)
        lines.append(line)
        events.append(ev)
    last = 0
    for _ in range(size):
        delta, positions = r.small(positions)
        last += delta
        pos_list.append(last)
    return tuple(pos_list), tuple(lines), tuple(events)


def _catch_table(r: Reader, iseqs: tuple[Iseq, ...], pos: int, size: int
                 ) -> tuple[CatchEntry, ...]:
    out = []
    for _ in range(size):
        at = pos
        idx, pos = r.signed(pos)
        typ, pos = r.small(pos)
        start, pos = r.small(pos)
        end, pos = r.small(pos)
        cont, pos = r.small(pos)
        sp, pos = r.small(pos)
        if typ not in CATCH_TYPES:
            r.fail(at, f"unknown catch type {typ}")
        out.append(CatchEntry(CATCH_TYPES[typ], start, end, cont, sp,
                              _iseq_ref(r, iseqs, idx, at)))
    return tuple(out)


def _code(r: Reader, objects: ObjectList, iseqs: tuple[Iseq, ...], iseq: Iseq, pos: int,
          size: int) -> list[Any]:
    """The instruction words: each opcode followed by its decoded operands."""
    r.check(pos, size, "bytecode")
    end = pos + size
    code: list[Any] = []
    cd_index = 0
    calls = iseq.call_info
    n_insns = len(INSNS)
    while len(code) < iseq.iseq_size:
        at = pos
        if pos >= end:
            r.fail(pos, "bytecode shorter than the iseq size")
        opcode, pos = r.small(pos)
        if opcode >= n_insns:
            r.fail(at, f"unknown instruction {opcode}")
        code.append(opcode)
        for kind in INSNS[opcode].operands:
            if kind is Op.CALLDATA:
                if cd_index >= len(calls):
                    r.fail(at, "more call sites than call infos")
                code.append(calls[cd_index])
                cd_index += 1
                continue
            if kind is Op.BUILTIN:
                index, pos = r.small(pos)
                length, pos = r.small(pos)
                r.check(pos, length, "builtin name")
                name = r.data[pos:pos + length].decode("latin-1")
                pos += length
                code.append((index, name))
                continue
            raw, pos = r.small(pos)
            if kind is Op.VALUE or kind is Op.CDHASH:
                code.append(objects.get(raw))
            elif kind is Op.ISEQ:
                code.append(_iseq_ref(r, iseqs, raw - (1 << 64) if raw >= 1 << 63 else raw,
                                      at))
            elif kind is Op.ID:
                code.append(_id(objects, raw, r, at))
            elif kind is Op.OFFSET:
                code.append(raw - (1 << 64) if raw >= 1 << 63 else raw)
            else:
                code.append(raw)
    if len(code) != iseq.iseq_size:
        r.fail(pos, "operand size mismatch")
    if pos != end:
        r.fail(pos, "bytecode longer than the iseq size")
    return code
