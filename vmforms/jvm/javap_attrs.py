"""javap -v's listing of attributes (JVMS 17 4.7), every one javap knows, in class-file
order; an attribute it does not know is dumped in hex."""

from __future__ import annotations

from vmforms.jvm.classfile.annotations import (
    AnnotationDefaultAttribute,
    AnnotationsAttribute,
    ParameterAnnotationsAttribute,
    TypeAnnotationsAttribute,
)
from vmforms.jvm.classfile.attributes import (
    Attribute,
    BootstrapMethodsAttribute,
    CodeAttribute,
    ConstantValueAttribute,
    DeprecatedAttribute,
    EnclosingMethodAttribute,
    ExceptionsAttribute,
    InnerClassesAttribute,
    LineNumberTableAttribute,
    LocalVariableTableAttribute,
    LocalVariableTypeTableAttribute,
    MethodParametersAttribute,
    ModuleMainClassAttribute,
    ModulePackagesAttribute,
    NestHostAttribute,
    NestMembersAttribute,
    PermittedSubclassesAttribute,
    RecordAttribute,
    SignatureAttribute,
    SourceDebugExtensionAttribute,
    SourceFileAttribute,
    StackMapTableAttribute,
    SyntheticAttribute,
    UnknownAttribute,
)
from vmforms.jvm.classfile.classfile import ClassFile, MethodInfo
from vmforms.jvm.classfile.lenient import BrokenAttribute
from vmforms.jvm.classfile.module import ModuleAttribute
from vmforms.jvm.classfile.signatures import field_type, method_signature
from vmforms.jvm.classfile.stackmap import (
    ITEM_Object,
    ITEM_Uninitialized,
    StackMapFrame,
    VerificationTypeInfo,
)
from vmforms.jvm.errors import JvmError
from vmforms.jvm.javap_annotations import AnnotationWriter
from vmforms.jvm.javap_code import exception_table, instructions
from vmforms.jvm.javap_modattrs import module_attribute, unknown_known
from vmforms.jvm.javap_print import Printer
from vmforms.jvm.javap_text import (
    ConstantPoolProblem,
    constant_comment,
    constant_value,
    report,
)

_INNER_MODIFIERS = ((0x0001, "public"), (0x0002, "private"), (0x0004, "protected"),
                    (0x0008, "static"), (0x0010, "final"), (0x0400, "abstract"))
_ITEM_NAMES = ("top", "int", "float", "double", "long", "null", "this", "CP", "uninitialized")
_PARAM_FORMAT = "{:<31}{}"


def visible(flags: int, access: str) -> bool:
    """javap's Options.checkAccess for -public, -protected, -package and -private."""
    if access == "private":
        return True
    if access == "package":
        return not flags & 0x0002
    if access == "public":
        return bool(flags & 0x0001)
    return bool(flags & 0x0005)


class AttributeWriter:
    """Writes attributes of one class; `access` filters InnerClasses entries."""

    def __init__(self, cf: ClassFile, p: Printer, access: str) -> None:
        self.cf = cf
        self.cp = cf.constant_pool
        self.p = p
        self.access = access
        self.annotations = AnnotationWriter(self.cp, p)
        self.method: MethodInfo | None = None

    def string_value(self, index: int) -> str:
        try:
            return constant_value(self.cp, index)
        except JvmError:
            return f"#{index}"

    def write_constant(self, index: int) -> str:
        """ConstantWriter.write: the kind and the value, `#0` for none."""
        if index == 0:
            return "#0"
        try:
            return constant_comment(self.cp, index, self.cf.this_class)
        except JvmError:
            return f"#{index}"

    def write_all(self, attributes: tuple[Attribute, ...]) -> None:
        for a in attributes:
            self.write(a)

    def write(self, a: Attribute) -> None:  # noqa: C901 - one case per attribute kind
        p = self.p
        kind = type(a)
        if kind is CodeAttribute:
            assert isinstance(a, CodeAttribute)
            self._code(a)
        elif kind is LineNumberTableAttribute:
            assert isinstance(a, LineNumberTableAttribute)
            p.println("LineNumberTable:")
            ind = "  " * (p.level + 1)
            p.parts.extend(f"{ind}line {e.line_number}: {e.start_pc}\n" for e in a.entries())
        elif kind is LocalVariableTableAttribute or kind is LocalVariableTypeTableAttribute:
            assert isinstance(a, LocalVariableTableAttribute | LocalVariableTypeTableAttribute)
            name = ("LocalVariableTable" if kind is LocalVariableTableAttribute
                    else "LocalVariableTypeTable")
            p.println(name + ":")
            p.indent(+1)
            p.println("Start  Length  Slot  Name   Signature")
            sv = self.string_value
            for v in a.entries():
                p.println(f"{v.start_pc:5d} {v.length:7d} {v.index:5d} {sv(v.name_index):>5}   "
                          f"{sv(v.descriptor_or_signature_index)}")
            p.indent(-1)
        elif kind is StackMapTableAttribute:
            assert isinstance(a, StackMapTableAttribute)
            frames = a.entries()
            p.println(f"StackMapTable: number_of_entries = {len(frames)}")
            p.indent(+1)
            for f in frames:
                self._frame(f)
            p.indent(-1)
        elif kind is SignatureAttribute:
            assert isinstance(a, SignatureAttribute)
            p.tab(f"Signature: #{a.signature_index}", a.signature)
        elif kind is ExceptionsAttribute:
            assert isinstance(a, ExceptionsAttribute)
            p.println("Exceptions:")
            p.indent(+1)
            p.println("throws " + ", ".join(self._java_class(i)
                                            for i in a.exception_index_table))
            p.indent(-1)
        elif kind is ConstantValueAttribute:
            assert isinstance(a, ConstantValueAttribute)
            p.println("ConstantValue: " + self.write_constant(a.constantvalue_index))
        elif kind is SourceFileAttribute:
            assert isinstance(a, SourceFileAttribute)
            p.println(f'SourceFile: "{a.sourcefile}"')
        elif kind is AnnotationsAttribute or kind is TypeAnnotationsAttribute:
            assert isinstance(a, AnnotationsAttribute | TypeAnnotationsAttribute)
            p.println(a.name + ":")
            p.indent(+1)
            if isinstance(a, AnnotationsAttribute):
                for i, ann in enumerate(a.annotations()):
                    p.print(f"{i}: ")
                    self.annotations.annotation_twice(ann)
                    p.println()
            else:
                for i, t in enumerate(a.annotations()):
                    p.print(f"{i}: ")
                    self.annotations.type_annotation(t)
                    p.println()
            p.indent(-1)
        elif kind is ParameterAnnotationsAttribute:
            assert isinstance(a, ParameterAnnotationsAttribute)
            p.println(a.name + ":")
            p.indent(+1)
            for n, anns in enumerate(a.parameter_annotations()):
                p.println(f"parameter {n}: ")
                p.indent(+1)
                for i, ann in enumerate(anns):
                    p.print(f"{i}: ")
                    self.annotations.annotation_twice(ann)
                    p.println()
                p.indent(-1)
            p.indent(-1)
        elif kind is AnnotationDefaultAttribute:
            assert isinstance(a, AnnotationDefaultAttribute)
            p.println("AnnotationDefault:")
            p.indent(+1)
            p.print("default_value: ")
            self.annotations.value_twice(a.default_value())
            p.indent(-1)
            p.println()
        elif kind is InnerClassesAttribute:
            assert isinstance(a, InnerClassesAttribute)
            self._inner_classes(a)
        elif kind is BootstrapMethodsAttribute:
            assert isinstance(a, BootstrapMethodsAttribute)
            p.println("BootstrapMethods:")
            for i, bsm in enumerate(a.bootstrap_methods):
                p.indent(+1)
                p.println(f"{i}: #{bsm.bootstrap_method_ref} "
                          + self.string_value(bsm.bootstrap_method_ref))
                p.indent(+1)
                p.println("Method arguments:")
                p.indent(+1)
                for arg in bsm.bootstrap_arguments:
                    p.println(f"#{arg} " + self.string_value(arg))
                p.indent(-3)
        elif kind is NestHostAttribute:
            assert isinstance(a, NestHostAttribute)
            p.println("NestHost: " + self.write_constant(a.host_class_index))
        elif kind is NestMembersAttribute or kind is PermittedSubclassesAttribute:
            assert isinstance(a, NestMembersAttribute | PermittedSubclassesAttribute)
            p.println("NestMembers:" if kind is NestMembersAttribute else "PermittedSubclasses:")
            p.indent(+1)
            for c in a.classes:
                p.println(self.string_value(c))
            p.indent(-1)
        elif kind is EnclosingMethodAttribute:
            assert isinstance(a, EnclosingMethodAttribute)
            comment = self._java_class(a.class_index)
            if a.method_index:
                try:
                    comment += "." + self.cp.name_and_type(a.method_index)[0]
                except JvmError:
                    comment += f".#{a.method_index}"
            p.tab(f"EnclosingMethod: #{a.class_index}.#{a.method_index}", comment)
        elif kind is MethodParametersAttribute:
            assert isinstance(a, MethodParametersAttribute)
            p.println("MethodParameters:")
            p.indent(+1)
            p.println(_PARAM_FORMAT.format("Name", "Flags"))
            for mp in a.parameters:
                name = self.string_value(mp.name_index) if mp.name_index else "<no name>"
                flags = (("final " if mp.access_flags & 0x0010 else "")
                         + ("mandated " if mp.access_flags & 0x8000 else "")
                         + ("synthetic" if mp.access_flags & 0x1000 else ""))
                p.println(_PARAM_FORMAT.format(name, flags))
            p.indent(-1)
        elif kind is RecordAttribute:
            assert isinstance(a, RecordAttribute)
            self._record(a)
        elif kind is SyntheticAttribute:
            p.println("Synthetic: true")
        elif kind is DeprecatedAttribute:
            p.println("Deprecated: true")
        elif kind is SourceDebugExtensionAttribute:
            assert isinstance(a, SourceDebugExtensionAttribute)
            self._source_debug(a)
        elif kind is ModuleAttribute:
            assert isinstance(a, ModuleAttribute)
            module_attribute(self, a)
        elif kind is ModulePackagesAttribute:
            assert isinstance(a, ModulePackagesAttribute)
            p.println("ModulePackages: ")
            p.indent(+1)
            for i in a.package_index:
                p.tab(f"#{i}", self._java_name_of(i))
            p.indent(-1)
        elif kind is ModuleMainClassAttribute:
            assert isinstance(a, ModuleMainClassAttribute)
            p.tab(f"ModuleMainClass: #{a.main_class_index}",
                  self._java_class(a.main_class_index))
        elif isinstance(a, BrokenAttribute):
            if a.name_problem:
                report(ConstantPoolProblem(a.name_problem))
                self.hex_dump(f"attribute name = #{a.name_index}", a.info, a.reason)
            else:
                self.hex_dump(a.name, a.info, a.reason)
        else:
            assert isinstance(a, UnknownAttribute)
            if not unknown_known(self, a):
                self.hex_dump(a.name, a.info, "unknown attribute")

    def hex_dump(self, name: str, data: bytes, reason: str | None = None) -> None:
        p = self.p
        p.print("  " + name + ": length = 0x" + f"{len(data):X}")
        if reason is not None:
            p.print(f" ({reason})")
        p.println()
        p.print("   ")
        for i, b in enumerate(data):
            p.print(f"{b:02X}")
            if i % 16 == 15:
                p.println()
                p.print("   ")
            else:
                p.print(" ")
        p.println()

    def _java_class(self, index: int) -> str:
        try:
            return self.cp.class_name(index).replace("/", ".")
        except JvmError:
            return f"#{index}"

    def _java_name_of(self, index: int) -> str:
        """The name a Class, Module or Package constant holds, with dots."""
        try:
            e = self.cp.entry(index)
            name = self.cp.utf8(e.name_index)  # type: ignore[union-attr]
        except (JvmError, AttributeError):
            return f"#{index}"
        return name.replace("/", ".")

    def _code(self, code: CodeAttribute) -> None:
        p = self.p
        p.println("Code:")
        p.indent(+1)
        m = self.method
        args = "?"
        if m is not None:
            try:
                n = len(method_signature(m.descriptor).parameters)
                args = str(n if m.access_flags & 0x0008 else n + 1)
            except JvmError as exc:
                args = str(exc)
        p.println(f"stack={code.max_stack}, locals={code.max_locals}, args_size={args}")
        ind = "  " * p.level
        instructions(self.cf, code, p.parts, ind)
        exception_table(self.cf, code, p.parts, ind)
        self.write_all(code.attributes)
        p.indent(-1)

    def _frame(self, f: StackMapFrame) -> None:
        p = self.p
        ft = f.frame_type
        if ft < 64:
            p.println(f"frame_type = {ft} /* same */")
            return
        if ft < 128:
            p.println(f"frame_type = {ft} /* same_locals_1_stack_item */")
            p.indent(+1)
            self._map("stack", f.stack)
            p.indent(-1)
            return
        names = {247: "same_locals_1_stack_item_frame_extended", 251: "same_frame_extended",
                 255: "full_frame"}
        name = names.get(ft) or ("chop" if ft < 251 else "append")
        p.println(f"frame_type = {ft} /* {name} */")
        p.indent(+1)
        p.println(f"offset_delta = {f.offset_delta}")
        if ft == 247:
            self._map("stack", f.stack)
        elif ft == 255:
            self._map("locals", f.locals)
            self._map("stack", f.stack)
        elif ft > 251:
            self._map("locals", f.locals)
        p.indent(-1)

    def _map(self, name: str, items: tuple[VerificationTypeInfo, ...]) -> None:
        parts = [name, " = ["]
        last = len(items) - 1
        for i, v in enumerate(items):
            if v.tag == ITEM_Object:
                parts.append(" " + self.write_constant(v.cpool_index))
            elif v.tag == ITEM_Uninitialized:
                parts.append(f" uninitialized {v.offset}")
            else:
                parts.append(" " + _ITEM_NAMES[v.tag])
            parts.append(" " if i == last else ",")
        parts.append("]")
        self.p.println("".join(parts))

    def _inner_classes(self, a: InnerClassesAttribute) -> None:
        p = self.p
        first = True
        for ic in a.classes:
            flags = ic.inner_class_access_flags
            if not visible(flags, self.access):
                continue
            if first:
                p.println("InnerClasses:")
                p.indent(+1)
                first = False
            mflags = flags & ~0x0400 if flags & 0x0200 else flags
            left = "".join(word + " " for bit, word in _INNER_MODIFIERS if mflags & bit)
            comment = ""
            if ic.inner_name_index:
                left += f"#{ic.inner_name_index}= "
                try:
                    comment = self.cp.utf8(ic.inner_name_index) + "="
                except JvmError:
                    comment = f"#{ic.inner_name_index}="
            left += f"#{ic.inner_class_info_index}"
            comment += self.write_constant(ic.inner_class_info_index)
            if ic.outer_class_info_index:
                left += f" of #{ic.outer_class_info_index}"
                comment += " of " + self.write_constant(ic.outer_class_info_index)
            p.tab(left + ";", comment)
        if not first:
            p.indent(-1)

    def _record(self, a: RecordAttribute) -> None:
        p = self.p
        p.println("Record:")
        p.indent(+1)
        for c in a.components:
            descriptor = self.cp.utf8(c.descriptor_index)
            sig = next((x for x in c.attributes if isinstance(x, SignatureAttribute)), None)
            try:
                type_text = field_type(sig.signature if sig else descriptor)
            except JvmError:
                type_text = field_type(descriptor)
            p.println(f"{type_text} {self.cp.utf8(c.name_index)};")
            p.indent(+1)
            p.println("descriptor: " + descriptor)
            self.write_all(c.attributes)
            p.println()
            p.indent(-1)
        p.indent(-1)

    def _source_debug(self, a: SourceDebugExtensionAttribute) -> None:
        from vmforms.jvm.classfile.constants import decode_modified_utf8

        p = self.p
        p.println("SourceDebugExtension:")
        p.indent(+1)
        try:
            text = decode_modified_utf8(a.debug_extension)
        except ValueError:
            text = a.debug_extension.decode("utf-8", "replace")
        import re

        lines = re.split(r"[\r\n]+", text)
        while lines and not lines[-1]:
            lines.pop()  # String.split drops trailing empty strings
        for line in lines:
            p.println(line)
        p.indent(-1)
