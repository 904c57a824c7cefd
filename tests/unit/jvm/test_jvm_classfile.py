"""The class-file reader over javac output and hand-made class files (JVMS 17 chapter 4)."""

from __future__ import annotations

import dataclasses
import math
import struct
from pathlib import Path

import pytest
from jvm_testlib import ClassBuilder, javac, u1, u2, u4

from vmforms.jvm.classfile import attributes as A
from vmforms.jvm.classfile import constants as C
from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.code import decode_code
from vmforms.jvm.classfile.module import ModuleAttribute
from vmforms.jvm.errors import ClassFormatError, JvmError, UnsupportedClassVersionError


def load(classes: dict[str, Path], name: str):  # type: ignore[no-untyped-def]
    return parse_class(classes[name].read_bytes(), str(classes[name]))


def test_every_corpus_class_parses_with_all_lazy_parts(corpus_classes: dict[str, Path]) -> None:
    assert len(corpus_classes) > 30
    for name, path in corpus_classes.items():
        cf = parse_class(path.read_bytes(), str(path))
        assert cf.name == name
        for member in (*cf.fields, *cf.methods):
            for attr in member.attributes:
                if isinstance(attr, A.AnnotationsAttribute | A.TypeAnnotationsAttribute):
                    assert attr.annotations()
                if isinstance(attr, A.ParameterAnnotationsAttribute):
                    assert attr.parameter_annotations()
                if isinstance(attr, A.AnnotationDefaultAttribute):
                    assert attr.default_value().tag in "BCDFIJSZsec@["
        for m in cf.methods:
            code = m.code
            if code is None:
                continue
            instructions = list(decode_code(code.code))
            assert instructions[0].pc == 0
            for attr in code.attributes:
                if isinstance(attr, A.StackMapTableAttribute):
                    assert attr.entries()
                if isinstance(attr, A.LineNumberTableAttribute):
                    assert all(e.start_pc < len(code.code) for e in attr.entries())


def test_records_are_frozen(corpus_classes: dict[str, Path]) -> None:
    cf = load(corpus_classes, "corpus/Switches")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cf.access_flags = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cf.methods[0].name = "x"  # type: ignore[misc]


def test_java17_attributes(corpus_classes: dict[str, Path]) -> None:
    rec = load(corpus_classes, "corpus/Records")
    record = rec.attribute(A.RecordAttribute)
    assert record is not None
    cp = rec.constant_pool
    assert [cp.utf8(c.name_index) for c in record.components] == ["name", "count", "items"]
    assert rec.attribute(A.BootstrapMethodsAttribute) is not None  # ObjectMethods
    assert rec.signature is not None and rec.signature.startswith("<T::")

    sealed = load(corpus_classes, "corpus/Sealed")
    permitted = sealed.attribute(A.PermittedSubclassesAttribute)
    assert permitted is not None
    assert [cp2 for cp2 in map(sealed.constant_pool.class_name, permitted.classes)] == [
        "corpus/Sealed$Circle", "corpus/Sealed$Square", "corpus/Sealed$Other"]
    nest = sealed.attribute(A.NestMembersAttribute)
    assert nest is not None and len(nest.classes) == 3
    circle = load(corpus_classes, "corpus/Sealed$Circle")
    host = circle.attribute(A.NestHostAttribute)
    assert host is not None and circle.constant_pool.class_name(host.host_class_index) == \
        "corpus/Sealed"
    inner = circle.attribute(A.InnerClassesAttribute)
    assert inner is not None and inner.classes


def test_method_attributes(corpus_classes: dict[str, Path]) -> None:
    cf = load(corpus_classes, "corpus/Annotated")
    cp = cf.constant_pool
    method = next(m for m in cf.methods if m.name == "method")
    params = method.attribute(A.MethodParametersAttribute)
    assert params is not None
    assert [cp.utf8(p.name_index) for p in params.parameters] == ["param", "fin"]
    assert params.parameters[1].access_flags == 0x0010  # final
    exc = method.attribute(A.ExceptionsAttribute)
    assert exc is not None and cp.class_name(exc.exception_index_table[0]) == \
        "java/lang/RuntimeException"
    visible = [a for a in method.attributes if isinstance(a, A.TypeAnnotationsAttribute)]
    assert visible and visible[0].name == "RuntimeVisibleTypeAnnotations"
    targets = {t.target_type for t in visible[0].annotations()}
    assert {0x01, 0x14, 0x16, 0x17} <= targets  # type parameter, return, parameter, throws
    code = method.code
    assert code is not None
    local = [a for a in code.attributes if isinstance(a, A.TypeAnnotationsAttribute)]
    assert local and local[0].annotations()[0].target_type == 0x40  # local variable
    assert cf.attribute(A.DeprecatedAttribute) is not None
    field = cf.fields[0]
    anns = [a for a in field.attributes if isinstance(a, A.AnnotationsAttribute)]
    assert anns
    info = anns[0].annotations()[0]
    assert cp.utf8(info.type_index) == "Lcorpus/Annotated$Info;"
    tables = {type(a) for a in code.attributes}
    assert A.LocalVariableTypeTableAttribute in tables
    enclosing = load(corpus_classes, "corpus/Nested$1").attribute(A.EnclosingMethodAttribute)
    assert enclosing is not None and enclosing.method_index != 0


def test_constants(corpus_classes: dict[str, Path]) -> None:
    cf = load(corpus_classes, "corpus/Constants")
    cp = cf.constant_pool
    values = {}
    for f in cf.fields:
        cv = f.attribute(A.ConstantValueAttribute)
        if cv is not None:
            values[f.name] = cp.entry(cv.constantvalue_index)
    assert values["INT_MIN"] == C.ConstantInteger(-(2**31))
    assert values["LONG_MIN"] == C.ConstantLong(-(2**63))
    nan = values["D_NAN"]
    assert isinstance(nan, C.ConstantDouble)
    assert math.isnan(struct.unpack(">d", struct.pack(">Q", nan.bits))[0])
    assert values["F_NEG_ZERO"] == C.ConstantFloat(0x80000000)
    unicode = values["UNICODE"]
    assert isinstance(unicode, C.ConstantString)
    assert cp.utf8(unicode.string_index) == "caf\u00e9 \u20ac \u4e2d\u6587 \U0001F600 \u00ff\u0100"
    lone = values["LONE_SURROGATE"]
    assert isinstance(lone, C.ConstantString)
    assert cp.utf8(lone.string_index) == "a\ud800b"
    escapes = values["ESCAPES"]
    assert isinstance(escapes, C.ConstantString)
    assert "\x00nul" in cp.utf8(escapes.string_index)


def test_decode_modified_utf8() -> None:
    assert C.decode_modified_utf8(b"abc") == "abc"
    assert C.decode_modified_utf8(b"\xc0\x80") == "\x00"
    assert C.decode_modified_utf8(b"a\x00") == "a\x00"
    assert C.decode_modified_utf8("é".encode()) == "é"
    assert C.decode_modified_utf8(b"\xed\xa0\xbd\xed\xb8\x80") == "\U0001F600"
    with pytest.raises(ValueError):
        C.decode_modified_utf8(b"\xf0\x9f\x98\x80")
    with pytest.raises(ValueError):
        C.decode_modified_utf8(b"\xc3")


def test_module_info(tmp_path: Path) -> None:
    src = tmp_path / "src"
    (src / "demo" / "api").mkdir(parents=True)
    (src / "module-info.java").write_text(
        "module demo { requires java.logging; exports demo.api; opens demo.api to java.base;"
        " uses java.lang.Runnable; provides java.lang.Runnable with demo.api.Impl; }\n")
    (src / "demo" / "api" / "Impl.java").write_text(
        "package demo.api; public class Impl implements Runnable { public void run() {} }\n")
    classes = javac(tmp_path / "out", [src / "module-info.java", src / "demo/api/Impl.java"])
    info = next(p for p in classes if p.name == "module-info.class")
    cf = parse_class(info.read_bytes(), str(info))
    cp = cf.constant_pool
    mod = cf.attribute(ModuleAttribute)
    assert mod is not None
    assert cp.utf8(cp.get(mod.module_name_index, C.ConstantModule).name_index) == "demo"
    assert {cp.utf8(cp.get(r.requires_index, C.ConstantModule).name_index)
            for r in mod.requires} == {"java.base", "java.logging"}
    assert cp.utf8(cp.get(mod.exports[0].index, C.ConstantPackage).name_index) == "demo/api"
    assert len(mod.opens) == 1 and len(mod.opens[0].to_index) == 1
    assert len(mod.uses_index) == 1 and len(mod.provides) == 1
    packages = cf.attribute(A.ModulePackagesAttribute)
    assert packages is None or len(packages.package_index) == 1


def _crafted() -> ClassBuilder:
    """A class using the tags and attributes javac leaves out of ordinary classes."""
    b = ClassBuilder()
    handle = b.add(u1(15) + u1(6) + u2(b.add(u1(10) + u2(b.this_class)
                                            + u2(b.name_and_type("m", "()V")))))
    b.add(u1(16) + u2(b.utf8("()V")))
    b.add(u1(9) + u2(b.this_class) + u2(b.name_and_type("f", "I")))
    b.add(u1(11) + u2(b.klass("java/lang/Runnable")) + u2(b.name_and_type("run", "()V")))
    b.add(u1(17) + u2(0) + u2(b.name_and_type("c", "I")))
    b.add(u1(18) + u2(0) + u2(b.name_and_type("r", "()Ljava/lang/Runnable;")))
    b.add(u1(19) + u2(b.utf8("mod")))
    b.add(u1(20) + u2(b.utf8("pkg")))
    b.add(u1(5) + struct.pack(">q", -5), slots=2)
    b.add(u1(6) + struct.pack(">d", 2.5), slots=2)
    b.add(u1(4) + struct.pack(">f", 1.5))
    b.add(u1(3) + struct.pack(">i", -3))
    b.add(u1(8) + u2(b.utf8("s")))
    b.attributes.append(b.attribute("BootstrapMethods", u2(1) + u2(handle) + u2(0)))
    b.attributes.append(b.attribute("SourceDebugExtension", b"SMAP"))
    b.attributes.append(b.attribute("Synthetic", b""))
    b.attributes.append(b.attribute("ModuleMainClass", u2(b.this_class)))
    b.attributes.append(b.attribute("Vendor-Specific", b"\x01\x02"))
    b.method(0x0009, "m", "()V", b.code(0, 0, b"\xb1"))
    return b


def test_every_constant_tag_and_rare_attributes() -> None:
    cf = parse_class(_crafted().build(), "Crafted.class")
    tags = {type(e).tag for e in cf.constant_pool.entries if e is not None}
    assert tags == set(C.TAG_NAMES)
    kinds = {type(a) for a in cf.attributes}
    assert {A.BootstrapMethodsAttribute, A.SourceDebugExtensionAttribute, A.SyntheticAttribute,
            A.ModuleMainClassAttribute, A.UnknownAttribute} <= kinds
    unknown = cf.attribute(A.UnknownAttribute)
    assert unknown == A.UnknownAttribute("Vendor-Specific", b"\x01\x02")


@pytest.mark.parametrize(("data", "offset", "problem"), [
    (b"", 0, "bad magic"),
    (b"\xca\xfe\xba\xbe\x00\x00", 6, "truncated"),
    (b"PK\x03\x04" + bytes(20), 0, "bad magic"),
    (u4(0xCAFEBABE) + u2(0) + u2(99) + u2(1), 6, "unsupported class file version 99"),
    (u4(0xCAFEBABE) + u2(0) + u2(61) + u2(2) + u1(2) + bytes(8), 10, "unknown constant pool tag 2"),
    (u4(0xCAFEBABE) + u2(0) + u2(61) + u2(2) + u1(7) + u2(9), 10, "is not a Utf8"),
    (u4(0xCAFEBABE) + u2(0) + u2(61) + u2(3) + u1(1) + u2(10) + b"abc", 10, "truncated"),
])
def test_bad_input_names_offset_and_problem(data: bytes, offset: int, problem: str) -> None:
    with pytest.raises(ClassFormatError) as info:
        parse_class(data, "bad.class")
    assert info.value.offset == offset
    assert problem in info.value.problem
    assert str(info.value).startswith(f"bad.class: offset {offset}: ")
    if "version" in problem:
        assert isinstance(info.value, UnsupportedClassVersionError)


def test_every_truncation_is_a_class_format_error(corpus_classes: dict[str, Path]) -> None:
    data = corpus_classes["corpus/Records"].read_bytes()
    for cut in range(len(data)):
        with pytest.raises(ClassFormatError) as info:
            parse_class(data[:cut], "cut.class")
        assert 0 <= info.value.offset <= cut
    with pytest.raises(ClassFormatError, match="extra bytes"):
        parse_class(data + b"\x00", "long.class")


def test_bad_constant_index_from_code_is_an_error() -> None:
    b = ClassBuilder()
    b.method(0x0009, "m", "()V", b.code(1, 0, b"\x12\x63\xb1"))  # ldc #99
    cf = parse_class(b.build(), "ldc.class")
    code = cf.methods[0].code
    assert code is not None
    ins = list(decode_code(code.code))
    with pytest.raises(JvmError, match="bad constant pool index #99"):
        cf.constant_pool.entry(ins[0].operand)


def test_attribute_length_mismatch() -> None:
    b = ClassBuilder()
    b.attributes.append(b.attribute("SourceFile", u2(b.utf8("X.java")) + b"\x00"))
    with pytest.raises(ClassFormatError, match="SourceFile attribute has length 3, expected 2"):
        parse_class(b.build(), "sf.class")
