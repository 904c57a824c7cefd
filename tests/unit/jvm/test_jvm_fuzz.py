"""Mutated class files must give a JvmError (one line for the user), never another exception."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vmforms.jvm.classfile import attributes as A
from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.signatures import field_type, method_signature
from vmforms.jvm.errors import JvmError
from vmforms.jvm.javap import JavapOptions, disassemble

SEEDS = ("corpus/Switches", "corpus/Records", "corpus/Annotated", "corpus/Lambdas",
         "corpus/Constants", "corpus/Generics$Inner$Deeper", "corpus/Exceptions")
ALL = JavapOptions(code=True, descriptors=True, lines=True, constants=True, access="private")


def exercise(data: bytes) -> None:
    """Everything a reader of the class could ask for, eager and lazy."""
    cf = parse_class(data, "fuzz.class")
    disassemble(cf, ALL)
    disassemble(cf, JavapOptions())
    for member in (*cf.fields, *cf.methods):
        field_type(member.descriptor) if member in cf.fields else method_signature(
            member.descriptor)
        for attr in member.attributes:
            if isinstance(attr, A.AnnotationsAttribute | A.TypeAnnotationsAttribute):
                attr.annotations()
            elif isinstance(attr, A.ParameterAnnotationsAttribute):
                attr.parameter_annotations()
            elif isinstance(attr, A.AnnotationDefaultAttribute):
                attr.default_value()
            elif isinstance(attr, A.CodeAttribute):
                for sub in attr.attributes:
                    if isinstance(sub, A.StackMapTableAttribute):
                        sub.entries()


mutation = st.one_of(
    st.tuples(st.just("set"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("u2"), st.integers(0, 1 << 20), st.integers(0, 0xFFFF)),
    st.tuples(st.just("cut"), st.integers(0, 1 << 20), st.just(0)),
    st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.integers(0, 255)),
    st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 8)),
)


def mutate(data: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    buf = bytearray(data)
    for kind, where, value in steps:
        if not buf:
            break
        pos = where % len(buf)
        if kind == "set":
            buf[pos] = value
        elif kind == "u2":
            buf[pos:pos + 2] = value.to_bytes(2, "big")
        elif kind == "cut":
            del buf[pos:]
        elif kind == "insert":
            buf.insert(pos, value)
        else:
            del buf[pos:pos + value]
    return bytes(buf)


@pytest.fixture(scope="module")
def seeds(corpus_classes: dict[str, Path]) -> list[bytes]:
    return [corpus_classes[name].read_bytes() for name in SEEDS]


def test_seeds_are_valid(seeds: list[bytes]) -> None:
    for data in seeds:
        exercise(data)


@settings(max_examples=600, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(which=st.integers(0, len(SEEDS) - 1), steps=st.lists(mutation, min_size=1, max_size=4))
def test_mutated_class_files_raise_only_jvm_errors(
        seeds: list[bytes], which: int, steps: list[tuple[str, int, int]]) -> None:
    data = mutate(seeds[which], steps)
    try:
        exercise(data)
    except JvmError as exc:
        assert "\n" not in str(exc)
