"""Helpers for the JVM tests: compiling Java with the JDK and assembling class files by hand."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "data" / "java" / "corpus"


def javac(out: Path, sources: list[Path], *extra: str) -> list[Path]:
    """Compile `sources` into `out` with debug tables; return the class files, sorted."""
    tool = shutil.which("javac")
    if tool is None:
        pytest.skip("javac is not installed (make setup installs openjdk-17-jdk-headless)")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([tool, "-encoding", "UTF-8", "-g", "-parameters", "-nowarn", "-d", str(out),
                    *extra, *map(str, sources)], check=True, capture_output=True)
    return sorted(out.rglob("*.class"))


def u1(v: int) -> bytes:
    return struct.pack(">B", v)


def u2(v: int) -> bytes:
    return struct.pack(">H", v)


def u4(v: int) -> bytes:
    return struct.pack(">I", v)


def modified_utf8(text: str) -> bytes:
    """JVMS 4.4.7: U+0000 as two bytes, supplementary characters as surrogate pairs."""
    units = text.encode("utf-16-be", "surrogatepass")
    out = bytearray()
    for i in range(0, len(units), 2):
        u = (units[i] << 8) | units[i + 1]
        if 0 < u < 0x80:
            out.append(u)
        elif u < 0x800:
            out += bytes([0xC0 | (u >> 6), 0x80 | (u & 0x3F)])
        else:
            out += bytes([0xE0 | (u >> 12), 0x80 | ((u >> 6) & 0x3F), 0x80 | (u & 0x3F)])
    return bytes(out)


class ClassBuilder:
    """Assembles a class file (JVMS 4.1) from raw pieces, for shapes javac never emits."""

    def __init__(self, name: str = "Crafted", major: int = 61) -> None:
        self.major = major
        self.pool: list[bytes] = []
        self.count = 1
        self.fields: list[bytes] = []
        self.methods: list[bytes] = []
        self.attributes: list[bytes] = []
        self.this_class = self.klass(name)
        self.super_class = self.klass("java/lang/Object")

    def add(self, entry: bytes, slots: int = 1) -> int:
        index = self.count
        self.pool.append(entry)
        self.count += slots
        return index

    def utf8(self, text: str) -> int:
        data = modified_utf8(text)
        return self.add(u1(1) + u2(len(data)) + data)

    def klass(self, name: str) -> int:
        return self.add(u1(7) + u2(self.utf8(name)))

    def name_and_type(self, name: str, descriptor: str) -> int:
        return self.add(u1(12) + u2(self.utf8(name)) + u2(self.utf8(descriptor)))

    def attribute(self, name: str, body: bytes) -> bytes:
        return u2(self.utf8(name)) + u4(len(body)) + body

    def method(self, flags: int, name: str, descriptor: str, *attributes: bytes) -> None:
        self.methods.append(u2(flags) + u2(self.utf8(name)) + u2(self.utf8(descriptor))
                            + u2(len(attributes)) + b"".join(attributes))

    def field(self, flags: int, name: str, descriptor: str, *attributes: bytes) -> None:
        self.fields.append(u2(flags) + u2(self.utf8(name)) + u2(self.utf8(descriptor))
                           + u2(len(attributes)) + b"".join(attributes))

    def code(self, max_stack: int, max_locals: int, code: bytes, *attributes: bytes) -> bytes:
        body = (u2(max_stack) + u2(max_locals) + u4(len(code)) + code + u2(0)
                + u2(len(attributes)) + b"".join(attributes))
        return self.attribute("Code", body)

    def build(self, flags: int = 0x21) -> bytes:
        return (u4(0xCAFEBABE) + u2(0) + u2(self.major) + u2(self.count) + b"".join(self.pool)
                + u2(flags) + u2(self.this_class) + u2(self.super_class) + u2(0)
                + u2(len(self.fields)) + b"".join(self.fields)
                + u2(len(self.methods)) + b"".join(self.methods)
                + u2(len(self.attributes)) + b"".join(self.attributes))
