"""javap -v's annotations (JVMS 17 4.7.16-4.7.22): each one twice, first by constant pool
index (`#20(#15=e#21.#22)`), then resolved on the lines below it."""

from __future__ import annotations

from vmforms.jvm.classfile.annotations import (
    Annotation,
    ElementValue,
    LocalvarTarget,
    TypeAnnotation,
)
from vmforms.jvm.classfile.constants import ConstantInteger, ConstantPool
from vmforms.jvm.classfile.signatures import field_type
from vmforms.jvm.errors import JvmError
from vmforms.jvm.javap_print import Printer
from vmforms.jvm.javap_text import constant_value

# TargetType of com.sun.tools.classfile, by target_type byte (JVMS 4.7.20-A/B/C).
TARGET_NAMES = {
    0x00: "CLASS_TYPE_PARAMETER", 0x01: "METHOD_TYPE_PARAMETER", 0x10: "CLASS_EXTENDS",
    0x11: "CLASS_TYPE_PARAMETER_BOUND", 0x12: "METHOD_TYPE_PARAMETER_BOUND", 0x13: "FIELD",
    0x14: "METHOD_RETURN", 0x15: "METHOD_RECEIVER", 0x16: "METHOD_FORMAL_PARAMETER",
    0x17: "THROWS", 0x40: "LOCAL_VARIABLE", 0x41: "RESOURCE_VARIABLE",
    0x42: "EXCEPTION_PARAMETER", 0x43: "INSTANCEOF", 0x44: "NEW",
    0x45: "CONSTRUCTOR_REFERENCE", 0x46: "METHOD_REFERENCE", 0x47: "CAST",
    0x48: "CONSTRUCTOR_INVOCATION_TYPE_ARGUMENT", 0x49: "METHOD_INVOCATION_TYPE_ARGUMENT",
    0x4A: "CONSTRUCTOR_REFERENCE_TYPE_ARGUMENT", 0x4B: "METHOD_REFERENCE_TYPE_ARGUMENT",
}
_PATH_KINDS = ("ARRAY", "INNER_TYPE", "WILDCARD", "TYPE_ARGUMENT")


class AnnotationWriter:
    def __init__(self, cp: ConstantPool, p: Printer) -> None:
        self.cp = cp
        self.p = p

    def _string_value(self, index: int) -> str:
        try:
            return constant_value(self.cp, index)
        except JvmError:
            return f"#{index}"

    def annotation_twice(self, a: Annotation) -> None:
        """The raw form, a newline, then the resolved form one level deeper."""
        self.annotation(a, False)
        self.p.println()
        self.p.indent(+1)
        self.annotation(a, True)
        self.p.indent(-1)

    def annotation(self, a: Annotation, resolve: bool) -> None:
        p = self.p
        p.print(self._descriptor(a.type_index, resolve))
        if resolve:
            if a.element_value_pairs:
                p.println("(")
                p.indent(+1)
            for pair in a.element_value_pairs:
                p.print(self._string_value(pair.element_name_index) + "=")
                self.value(pair.value, True)
                p.println()
            if a.element_value_pairs:
                p.indent(-1)
                p.print(")")
        else:
            p.print("(")
            for i, pair in enumerate(a.element_value_pairs):
                if i:
                    p.print(",")
                p.print(f"#{pair.element_name_index}=")
                self.value(pair.value, False)
            p.print(")")

    def _descriptor(self, index: int, resolve: bool) -> str:
        if resolve:
            try:
                return field_type(self.cp.utf8(index))
            except JvmError:
                pass
        return f"#{index}"

    def value_twice(self, v: ElementValue) -> None:
        self.value(v, False)
        self.p.println()
        self.p.indent(+1)
        self.value(v, True)
        self.p.indent(-1)

    def value(self, v: ElementValue, resolve: bool) -> None:
        p = self.p
        tag = v.tag
        if tag in "BCDFIJSZs":
            if not resolve:
                p.print(f"{tag}#{v.const_value_index}")
                return
            i = v.const_value_index
            if tag == "B":
                p.print("(byte) " + self._string_value(i))
            elif tag == "C":
                p.print("'" + self._char_value(i) + "'")
            elif tag == "S":
                p.print("(short) " + self._string_value(i))
            elif tag == "Z":
                p.print(self._boolean_value(i))
            elif tag == "s":
                p.print('"' + self._string_value(i) + '"')
            else:
                p.print(self._string_value(i))
        elif tag == "e":
            if resolve:
                p.print(self._string_value(v.type_name_index) + "."
                        + self._string_value(v.const_name_index))
            else:
                p.print(f"e#{v.type_name_index}.#{v.const_name_index}")
        elif tag == "c":
            if resolve:
                p.print("class " + self._string_value(v.class_info_index))
            else:
                p.print(f"c#{v.class_info_index}")
        elif tag == "@":
            p.print("@")
            assert v.annotation_value is not None
            self.annotation(v.annotation_value, resolve)
        else:
            p.print("[")
            for i, item in enumerate(v.values):
                if i:
                    p.print(",")
                self.value(item, resolve)
            p.print("]")

    def _int_constant(self, index: int) -> int | None:
        entries = self.cp.entries
        e = entries[index] if 0 < index < len(entries) else None
        return e.value if isinstance(e, ConstantInteger) else None

    def _char_value(self, index: int) -> str:
        value = self._int_constant(index)
        return f"#{index}" if value is None else chr(value & 0xFFFF)

    def _boolean_value(self, index: int) -> str:
        value = self._int_constant(index)
        if value == 0:
            return "false"
        if value == 1:
            return "true"
        return f"#{index}"

    def type_annotation(self, t: TypeAnnotation) -> None:
        p = self.p
        self.annotation(t.annotation, False)
        p.print(": " + position(t))
        p.println()
        p.indent(+1)
        self.annotation(t.annotation, True)
        p.indent(-1)


def position(t: TypeAnnotation) -> str:
    """The target of a type annotation as javap names it, with its location path."""
    kind = t.target_type
    name = TARGET_NAMES.get(kind, "UNKNOWN")
    info = t.target_info
    parts = [name]
    if kind in (0x43, 0x44, 0x45, 0x46):
        parts.append(f", offset={info[0]}")
    elif kind in (0x40, 0x41):
        ranges = [r for r in info if isinstance(r, LocalvarTarget)]
        parts.append(", {" + "; ".join(
            f"start_pc={r.start_pc}, length={r.length}, index={r.index}" for r in ranges) + "}")
    elif kind == 0x42:
        parts.append(f", exception_index={info[0]}")
    elif kind in (0x00, 0x01, 0x16):
        parts.append(f", param_index={info[0]}")
    elif kind in (0x11, 0x12):
        parts.append(f", param_index={info[0]}, bound_index={info[1]}")
    elif kind in (0x10, 0x17):
        parts.append(f", type_index={info[0]}")
    elif 0x47 <= kind <= 0x4B:
        parts.append(f", offset={info[0]}, type_index={info[1]}")
    if t.target_path:
        path = ", ".join(
            _PATH_KINDS[e.type_path_kind] + (f"({e.type_argument_index})"
                                             if e.type_path_kind == 3 else "")
            if e.type_path_kind < 4 else "UNKNOWN" for e in t.target_path)
        parts.append(f", location=[{path}]")
    return "".join(parts)
