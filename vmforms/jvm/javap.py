"""javap of JDK 17, reproduced: the text of `javap [-c] [-p] [-s] [-l] [-constants]`.

Formatting only; the class file is decoded by vmforms.jvm.classfile. The layout follows
the JDK's output line for line: the class header with generics, members in class-file
order, `Code:` with one instruction a line and `// ` comments at column 44, exception
tables, and the -l line number and local variable tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vmforms.jvm import javap_text
from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.attributes import (
    CodeAttribute,
    ConstantValueAttribute,
    ExceptionsAttribute,
    LineNumberTableAttribute,
    LocalVariableTableAttribute,
    SignatureAttribute,
)
from vmforms.jvm.classfile.classfile import (
    ACC_ABSTRACT,
    ACC_FINAL,
    ACC_INTERFACE,
    ACC_MODULE,
    ACC_NATIVE,
    ACC_PRIVATE,
    ACC_PROTECTED,
    ACC_PUBLIC,
    ACC_STATIC,
    ACC_STRICT,
    ACC_SYNCHRONIZED,
    ACC_TRANSIENT,
    ACC_VARARGS,
    ACC_VOLATILE,
    ClassFile,
    FieldInfo,
    MethodInfo,
)
from vmforms.jvm.classfile.constants import ConstantClass, ConstantInteger, ConstantString
from vmforms.jvm.classfile.lenient import (
    PROBLEM,
    BrokenAttribute,
    ToolReadError,
    parse_lenient,
    utf8_or_problem,
)
from vmforms.jvm.classfile.signatures import (
    class_signature,
    field_type,
    method_signature,
)
from vmforms.jvm.errors import ClassFormatError, ClassNotFoundError, JvmError
from vmforms.jvm.javap_attrs import AttributeWriter
from vmforms.jvm.javap_code import exception_table, instructions
from vmforms.jvm.javap_find import Finder
from vmforms.jvm.javap_print import Printer
from vmforms.jvm.javap_text import (
    char_literal,
    constant_value,
    string_literal,
)
from vmforms.jvm.javap_verbose import (
    FIELD_FLAGS,
    METHOD_FLAGS,
    ClassOrigin,
    class_summary,
    constant_pool,
    file_header,
    flags_line,
)
from vmforms.jvm.runtime.classpath import ClassPath


@dataclass(frozen=True, slots=True)
class JavapOptions:
    code: bool = False  # -c
    descriptors: bool = False  # -s
    lines: bool = False  # -l
    constants: bool = False  # -constants
    access: str = "package"  # -public, -protected, -package or -p/-private
    verbose: bool = False  # -v: descriptors, flags, the constant pool, every attribute
    sysinfo: bool = False  # -sysinfo: where the class came from, its size and checksum


_FIELD_MODIFIERS = ((ACC_PUBLIC, "public "), (ACC_PRIVATE, "private "),
                    (ACC_PROTECTED, "protected "), (ACC_STATIC, "static "),
                    (ACC_FINAL, "final "), (ACC_VOLATILE, "volatile "),
                    (ACC_TRANSIENT, "transient "))
_METHOD_MODIFIERS = ((ACC_PUBLIC, "public "), (ACC_PRIVATE, "private "),
                     (ACC_PROTECTED, "protected "), (ACC_STATIC, "static "),
                     (ACC_FINAL, "final "), (ACC_SYNCHRONIZED, "synchronized "),
                     (ACC_NATIVE, "native "), (ACC_ABSTRACT, "abstract "),
                     (ACC_STRICT, "strictfp "))
_CLASS_MODIFIERS = ((ACC_PUBLIC, "public "), (ACC_FINAL, "final "),
                    (ACC_ABSTRACT, "abstract "))


def _modifiers(flags: int, table: tuple[tuple[int, str], ...]) -> str:
    return "".join(word for bit, word in table if flags & bit)


def _visible(flags: int, opts: JavapOptions) -> bool:
    access = opts.access
    if access == "package":
        return not flags & ACC_PRIVATE
    if access == "private":
        return True
    if access == "public":
        return bool(flags & ACC_PUBLIC)
    return bool(flags & (ACC_PUBLIC | ACC_PROTECTED))


def load_class_bytes(name: str, class_path: ClassPath) -> tuple[bytes, str]:
    """Find CLASS as javap does: an existing file path, else a class name (dots or
    slashes; a nested class may be written Outer.Inner) in the JDK or on the class path."""
    if os.path.isfile(name):
        try:
            with open(name, "rb") as f:
                return f.read(), name
        except OSError as exc:
            raise JvmError(f"cannot read {name}: {exc.strerror}") from None
    internal = name.replace(".", "/")
    while True:
        found = class_path.find(internal)
        if found is not None:
            return found
        head, sep, tail = internal.rpartition("/")
        if not sep:
            raise ClassNotFoundError(name)
        internal = head + "$" + tail


def disassemble_named(name: str, finder: Finder, opts: JavapOptions) -> tuple[str, str | None]:
    """Find NAME as javap does and disassemble it; also javap's warning, if it has one."""
    found = finder.find(name)
    if found is None:
        raise ClassNotFoundError(name)
    data, origin = found
    try:
        cf = parse_class(data, origin.name or origin.location)
    except ClassFormatError as strict:
        # javap's reader stops at fewer problems than ours: where it stops too, say it its
        # way; where it goes on, go on with what can be read
        try:
            cf = parse_lenient(data, origin.name or origin.location)
        except ToolReadError as exc:
            raise JvmError(exc.template.format(name)) from None
        except ClassFormatError:
            raise strict from None
    warning = None
    if not name.endswith(".class"):
        # a class name that led to a file holding some other class
        def canon(text: str) -> str:
            return text.replace("/", ".").replace("$", ".")

        try:
            differs = canon(cf.name) != canon(name)
        except ClassFormatError:
            differs = False
        if differs:
            warning = f"File {origin.name or origin.location} does not contain class {name}"
    return disassemble(cf, opts, origin), warning


def _resolved(text: str) -> str:
    """A member's name or descriptor; a PROBLEM one is reported, as javap does, and `???`."""
    if text.startswith(PROBLEM):
        return javap_text.report(javap_text.ConstantPoolProblem(text[1:]))
    return text


def _this_name(cf: ClassFile) -> str:
    """The class's own name with dots; if this_class leads nowhere, reported and `???`."""
    return _class_name_at(cf, cf.this_class)


def _class_name_at(cf: ClassFile, index: int) -> str:
    """The name of the CONSTANT_Class at INDEX with dots, or a reported problem and `???`."""
    cp = cf.constant_pool
    e = cp.entries[index] if 0 < index < len(cp.entries) else None
    if e is None:
        problem = f"invalid index #{index}"
    elif not isinstance(e, ConstantClass):
        problem = f"unexpected entry at #{index} -- expected tag 7, found {e.tag}"
    else:
        name = utf8_or_problem(cp, e.name_index)
        return _java_name(_resolved(name))
    return javap_text.report(javap_text.ConstantPoolProblem(problem))


def _java_name(internal: str) -> str:
    return internal.replace("/", ".")


def disassemble(cf: ClassFile, opts: JavapOptions, origin: ClassOrigin | None = None) -> str:
    """The whole javap output for one class, ending with a newline. A constant that a
    reference does not lead to is reported on an `Error:` line of its own, as javap does."""
    out: list[str] = []
    javap_text.report_to = out
    try:
        return _disassemble(cf, opts, origin, out)
    finally:
        javap_text.report_to = None


def _disassemble(cf: ClassFile, opts: JavapOptions, origin: ClassOrigin | None,
                 out: list[str]) -> str:
    verbose = opts.verbose
    p = Printer(out)
    if (verbose or opts.sysinfo) and origin is not None:
        file_header(origin, p)
    source_file = cf.source_file
    if source_file is not None:
        if verbose or opts.sysinfo:
            p.indent(+1)
        p.println(f'Compiled from "{source_file}"')
        p.level = 0
    if cf.access_flags & ACC_MODULE:
        from vmforms.jvm.javap_module import module_declaration, module_header

        if not verbose:
            out.append(module_declaration(cf))
            return "".join(out)
        p.print(module_header(cf))
    else:
        p.print(_class_header(cf, verbose))
    writer = None
    if verbose:
        p.println()
        class_summary(cf, p)
        constant_pool(cf, p)
        p.println("{")
        writer = AttributeWriter(cf, p, opts.access)
    else:
        p.println(" {")
    # javap ends each field with a blank line when -c or -l is given, and puts one
    # between methods when -c, -l or -s print something under them.
    blank = opts.code or opts.lines or verbose
    method_blank = blank or opts.descriptors
    for f in cf.fields:
        if _visible(f.access_flags, opts):
            _field(cf, f, opts, out, writer)
            if blank:
                out.append("\n")
    first = True
    for m in cf.methods:
        if _visible(m.access_flags, opts):
            # the blank line is javap's pending newline: an error met while making the
            # method's first line comes before it
            _method(cf, m, opts, out, writer, method_blank and not first)
            first = False
    out.append("}\n")
    if writer is not None:
        writer.write_all(cf.attributes)
    return "".join(out)


def _class_header(cf: ClassFile, verbose: bool = False) -> str:
    flags = cf.access_flags
    is_interface = bool(flags & ACC_INTERFACE)
    if is_interface:
        flags &= ~ACC_ABSTRACT
    parts = [_modifiers(flags, _CLASS_MODIFIERS),
             "interface " if is_interface else "class ", _this_name(cf)]
    sig = cf.signature
    if sig is None:
        if not is_interface and cf.super_class:
            sup = _class_name_at(cf, cf.super_class)
            if sup != "java.lang.Object":
                parts.append(" extends " + sup)
        for i, index in enumerate(cf.interfaces):
            parts.append((" extends " if is_interface else " implements ") if i == 0 else ",")
            parts.append(_class_name_at(cf, index))
    else:
        cs = class_signature(sig, verbose)
        if cs.type_parameters:
            parts.append("<" + ", ".join(cs.type_parameters) + ">")
        if is_interface:
            if cs.interfaces:
                parts.append(" extends " + ", ".join(cs.interfaces))
        else:
            if verbose or not cs.superclass_is_object:
                parts.append(" extends " + cs.superclass)
            if cs.interfaces:
                parts.append(" implements " + ", ".join(cs.interfaces))
    return "".join(parts)


def _field(cf: ClassFile, f: FieldInfo, opts: JavapOptions, out: list[str],
           writer: AttributeWriter | None) -> None:
    sig = f.attribute(SignatureAttribute)
    if sig is None and f.descriptor.startswith(PROBLEM):
        type_text = _resolved(f.descriptor)
    else:
        type_text = field_type(sig.signature if sig else f.descriptor)
    line = ("  " + _modifiers(f.access_flags, _FIELD_MODIFIERS) + type_text + " "
            + _resolved(f.name))
    if opts.constants:
        cv = f.attribute(ConstantValueAttribute)
        if cv is not None:
            line += " = " + _constant_literal(cf, f.descriptor, cv.constantvalue_index)
    out.append(line + ";\n")
    if opts.descriptors or writer is not None:
        out.append(f"    descriptor: {_resolved(f.descriptor)}\n")
    if writer is not None:
        writer.p.level = 2
        writer.p.println(flags_line(f.access_flags, FIELD_FLAGS))
        writer.write_all(f.attributes)
        writer.p.level = 0


def _constant_literal(cf: ClassFile, descriptor: str, index: int) -> str:
    """A ConstantValue as -constants shows it: chars and booleans by the field's type,
    strings as Java literals, numbers as in the `// ` comments (5l, 1.0f, NaNd)."""
    cp = cf.constant_pool
    e = cp.entry(index)
    if isinstance(e, ConstantInteger):
        if descriptor == "C":
            return char_literal(e.value)
        if descriptor == "Z":
            return "true" if e.value == 1 else "false"
        return str(e.value)
    if isinstance(e, ConstantString):
        return string_literal(cp.utf8(e.string_index))
    return constant_value(cp, index)


def _method(cf: ClassFile, m: MethodInfo, opts: JavapOptions, out: list[str],
            writer: AttributeWriter | None, blank_first: bool = False) -> None:
    flags = m.access_flags
    mods = _modifiers(flags, _METHOD_MODIFIERS)
    if (cf.access_flags & ACC_INTERFACE and not flags & (ACC_ABSTRACT | ACC_STATIC | ACC_PRIVATE)
            and m.name != "<clinit>" and cf.major_version >= 52):
        mods += "default "
    sig_attr = m.attribute(SignatureAttribute)
    ms = method_signature(sig_attr.signature if sig_attr else m.descriptor, writer is not None)
    parts = ["  ", mods]
    if ms.type_parameters:
        parts.append("<" + ", ".join(ms.type_parameters) + "> ")
    params = "(" + ", ".join(ms.parameters) + ")"
    if flags & ACC_VARARGS:
        i = params.rfind("[]")
        if i > 0:
            params = params[:i] + "..." + params[i + 2:]
    if m.name == "<init>":
        parts += [_this_name(cf), params]
    elif m.name == "<clinit>":
        parts.append("{}")
    else:
        parts += [ms.return_type, " ", _resolved(m.name), params]
    exc = m.attribute(ExceptionsAttribute)
    broken = {a.name for a in m.attributes if isinstance(a, BrokenAttribute)}
    if "Exceptions" in broken and exc is None:
        if blank_first:  # this report goes through javap's line buffer, after the newline
            out.append("\n")
            blank_first = False
        out.append("Error: Unexpected or invalid value for Exceptions attribute\n")
    if exc is not None:
        parts.append(" throws ")
        if ms.throws:
            parts.append(", ".join(ms.throws))
        else:
            cp = cf.constant_pool
            parts.append(", ".join(_java_name(cp.class_name(i))
                                   for i in exc.exception_index_table))
    if blank_first:
        out.append("\n")
    out.append("".join(parts) + ";\n")
    if opts.descriptors or writer is not None:
        out.append(f"    descriptor: {_resolved(m.descriptor)}\n")
    if "Code" in broken and m.code is None and writer is None:
        out.append("Error: Unexpected or invalid value for Code attribute\n")
    if writer is not None:
        writer.p.level = 2
        writer.p.println(flags_line(flags, METHOD_FLAGS))
        if "Code" in broken and m.code is None:
            out.append("Error: Unexpected or invalid value for Code attribute\n")
        writer.method = m
        writer.write_all(m.attributes)
        writer.method = None
        writer.p.level = 0
        return
    code = m.code
    if code is None:
        return
    if opts.code:
        out.append("    Code:\n")
        instructions(cf, code, out)
        exception_table(cf, code, out)
    if opts.lines:
        _line_tables(cf, code, out)


def _line_tables(cf: ClassFile, code: CodeAttribute, out: list[str]) -> None:
    """-l: the first LineNumberTable, then the first LocalVariableTable, each by name; one
    that could not be decoded is dumped in hex, as javap does."""
    cp = cf.constant_pool
    for name, kind in (("LineNumberTable", LineNumberTableAttribute),
                       ("LocalVariableTable", LocalVariableTableAttribute)):
        a = next((x for x in code.attributes if type(x) is kind
                  or (isinstance(x, BrokenAttribute) and x.name == name)), None)
        if isinstance(a, BrokenAttribute):
            p = Printer(out)
            p.level = 2
            AttributeWriter(cf, p, "private").hex_dump(a.name, a.info, a.reason)
        elif isinstance(a, LineNumberTableAttribute):
            out.append("    LineNumberTable:\n")
            out += [f"      line {e.line_number}: {e.start_pc}\n" for e in a.entries()]
        elif isinstance(a, LocalVariableTableAttribute):
            out.append("    LocalVariableTable:\n      Start  Length  Slot  Name   Signature\n")
            for v in a.entries():
                out.append(f"      {v.start_pc:5d} {v.length:7d} {v.index:5d} "
                           f"{constant_value(cp, v.name_index):>5}   "
                           f"{constant_value(cp, v.descriptor_or_signature_index)}\n")
