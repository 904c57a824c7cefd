"""javap -v's Module attribute (JVMS 17 4.7.25) as tables of indexes, and the attributes
outside JVMS 4.7 that javap still knows (jlink's ModuleHashes, ModuleTarget,
ModuleResolution; CharacterRangeTable; the CLDC StackMap)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vmforms.jvm.classfile.attributes import UnknownAttribute
from vmforms.jvm.classfile.module import ModuleAttribute, ModuleExports
from vmforms.jvm.classfile.rare import (
    RareAttributeError,
    parse_character_range_table,
    parse_cldc_stack_map,
    parse_module_hashes,
    parse_u2,
)
from vmforms.jvm.errors import JvmError

if TYPE_CHECKING:
    from vmforms.jvm.javap_attrs import AttributeWriter

ACC_OPEN = 0x0020
ACC_TRANSITIVE = 0x0020
ACC_STATIC_PHASE = 0x0040
ACC_SYNTHETIC = 0x1000
ACC_MANDATED = 0x8000

_RESOLUTION = ((0x1, "DO_NOT_RESOLVE_BY_DEFAULT"), (0x2, "WARN_DEPRECATED"),
               (0x4, "WARN_DEPRECATED_FOR_REMOVAL"), (0x8, "WARN_INCUBATING"))
_CRT_FLAGS = ((0x0001, "statement"), (0x0002, "block"), (0x0004, "assignment"),
              (0x0008, "flow-controller"), (0x0010, "flow-target"), (0x0020, "invoke"),
              (0x0040, "create"), (0x0080, "branch-true"), (0x0100, "branch-false"))


def module_attribute(w: AttributeWriter, a: ModuleAttribute) -> None:
    p = w.p
    sv = w.string_value
    p.println("Module:")
    p.indent(+1)
    p.tab(f"#{a.module_name_index},{a.module_flags:x}")
    p.print("// " + sv(a.module_name_index))
    for bit, word in ((ACC_OPEN, "ACC_OPEN"), (ACC_MANDATED, "ACC_MANDATED"),
                      (ACC_SYNTHETIC, "ACC_SYNTHETIC")):
        if a.module_flags & bit:
            p.print(" " + word)
    p.println()
    _index_line(w, a.module_version_index)

    p.tab(str(len(a.requires)), "requires")
    p.indent(+1)
    for r in a.requires:
        p.tab(f"#{r.requires_index},{r.requires_flags:x}")
        p.print("// " + sv(r.requires_index))
        for bit, word in ((ACC_TRANSITIVE, "ACC_TRANSITIVE"),
                          (ACC_STATIC_PHASE, "ACC_STATIC_PHASE"),
                          (ACC_SYNTHETIC, "ACC_SYNTHETIC"), (ACC_MANDATED, "ACC_MANDATED")):
            if r.requires_flags & bit:
                p.print(" " + word)
        p.println()
        _index_line(w, r.requires_version_index)
    p.indent(-1)

    for word, entries in (("exports", a.exports), ("opens", a.opens)):
        p.tab(str(len(entries)), word)
        p.indent(+1)
        for e in entries:
            _export_entry(w, e)
        p.indent(-1)

    p.tab(str(len(a.uses_index)), "uses")
    p.indent(+1)
    for i in a.uses_index:
        p.tab(f"#{i}", sv(i))
    p.indent(-1)

    p.tab(str(len(a.provides)), "provides")
    p.indent(+1)
    for pr in a.provides:
        p.tab(f"#{pr.provides_index}",
              sv(pr.provides_index) + f" with ... {len(pr.provides_with_index)}")
        p.indent(+1)
        for i in pr.provides_with_index:
            p.tab(f"#{i}", "... with " + sv(i))
        p.indent(-1)
    p.indent(-1)
    p.indent(-1)


def _index_line(w: AttributeWriter, index: int) -> None:
    if index:
        w.p.tab(f"#{index}", w.string_value(index))
    else:
        w.p.println(f"#{index}")


def _export_entry(w: AttributeWriter, e: ModuleExports) -> None:
    p = w.p
    p.tab(f"#{e.index},{e.flags:x}")
    p.print("// " + w.string_value(e.index))
    if e.flags & ACC_MANDATED:
        p.print(" ACC_MANDATED")
    if e.flags & ACC_SYNTHETIC:
        p.print(" ACC_SYNTHETIC")
    if not e.to_index:
        p.println()
        return
    p.println(f" to ... {len(e.to_index)}")
    p.indent(+1)
    for i in e.to_index:
        p.tab(f"#{i}", "... to " + w.string_value(i))
    p.indent(-1)


def _utf8_of(w: AttributeWriter, index: int, via_name: bool) -> str:
    try:
        if via_name:
            e = w.cp.entry(index)
            index = e.name_index  # type: ignore[union-attr]
        return w.cp.utf8(index)
    except (JvmError, AttributeError) as exc:
        return str(exc)


def unknown_known(w: AttributeWriter, a: UnknownAttribute) -> bool:
    """Write an attribute the class file reader left undecoded if javap knows it; False
    if it should be dumped in hex."""
    p = w.p
    try:
        if a.name == "ModuleHashes":
            h = parse_module_hashes(a.info)
            p.println("ModuleHashes:")
            p.indent(+1)
            p.tab(f"algorithm: #{h.algorithm_index}", _utf8_of(w, h.algorithm_index, False))
            p.tab(str(len(h.hashes)), "hashes")
            for e in h.hashes:
                p.tab(f"#{e.module_name_index}", _utf8_of(w, e.module_name_index, True))
                p.println(f"hash_length: {len(e.hash)}")
                p.println(f"hash: [{e.hash.hex()}]")
            p.indent(-1)
        elif a.name == "ModuleTarget":
            index = parse_u2(a.info)
            p.println("ModuleTarget:")
            p.indent(+1)
            if index:
                p.tab(f"target_platform: #{index}", _utf8_of(w, index, False))
            else:
                p.println(f"target_platform: #{index}")
            p.indent(-1)
        elif a.name == "ModuleResolution":
            flags = parse_u2(a.info)
            p.println("ModuleResolution:")
            p.indent(+1)
            p.tab(f"{flags:x}")
            p.print("// ")
            for bit, word in _RESOLUTION:
                if flags & bit:
                    p.print(" " + word)
            p.println()
            p.indent(-1)
        elif a.name == "CharacterRangeTable":
            table = parse_character_range_table(a.info)
            p.println("CharacterRangeTable:")
            p.indent(+1)
            for c in table:
                s, t = c.character_range_start, c.character_range_end
                p.tab(f"    {c.start_pc:2d}, {c.end_pc:2d}, {s:6x}, {t:6x}, {c.flags:4x}")
                p.print(f"// {c.start_pc:2d}, {c.end_pc:2d}, {s >> 10:4d}:{s & 0x3FF:02d}, "
                        f"{t >> 10:4d}:{t & 0x3FF:02d}")
                for bit, word in _CRT_FLAGS:
                    if c.flags & bit:
                        p.print(", " + word)
                p.println()
            p.indent(-1)
        elif a.name in ("CompilationID", "SourceID"):
            # javap writes the constant and no newline: what follows joins the line
            p.print(w.write_constant(parse_u2(a.info)))
        elif a.name == "StackMap":
            frames = parse_cldc_stack_map(a.info)
            p.println(f"StackMap: number_of_entries = {len(frames)}")
            p.indent(+1)
            for f in frames:
                p.println(f"frame_type = {f.frame_type} offset = {f.offset_delta}")
                p.indent(+1)
                w._map("locals", f.locals)
                w._map("stack", f.stack)
                p.indent(-1)
            p.indent(-1)
        else:
            return False
    except RareAttributeError:
        return False
    return True
