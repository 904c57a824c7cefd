"""ldc and ldc2_w of CONSTANT_Dynamic (JVMS 5.4.3.6), which javac 17 never emits: a crafted
class whose constants come from ConstantBootstraps.invoke, run by `java` and by us."""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from interp_testlib import run_vmforms

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from jvm_testlib import ClassBuilder, u1, u2, u4  # noqa: E402

LOOKUP = "Ljava/lang/invoke/MethodHandles$Lookup;"
INVOKE = f"({LOOKUP}Ljava/lang/String;Ljava/lang/Class;Ljava/lang/invoke/MethodHandle;" \
         "[Ljava/lang/Object;)Ljava/lang/Object;"


def crafted() -> bytes:
    """main prints a long (Long.sum(40, 2^32 + 2)), a double (Math.max(2.5, -1.0)) and an
    int (Integer.sum(-7, 3)) computed by bootstrap methods."""
    b = ClassBuilder("Condy")
    invoke = b.add(u1(10) + u2(b.klass("java/lang/invoke/ConstantBootstraps"))
                   + u2(b.name_and_type("invoke", INVOKE)))
    bsm = b.add(u1(15) + u1(6) + u2(invoke))

    def static_handle(owner: str, name: str, desc: str) -> int:
        ref = b.add(u1(10) + u2(b.klass(owner)) + u2(b.name_and_type(name, desc)))
        return b.add(u1(15) + u1(6) + u2(ref))

    hsum = static_handle("java/lang/Long", "sum", "(JJ)J")
    hmax = static_handle("java/lang/Math", "max", "(DD)D")
    hint = static_handle("java/lang/Integer", "sum", "(II)I")
    l1 = b.add(u1(5) + u4(0) + u4(40), 2)
    l2 = b.add(u1(5) + u4(1) + u4(2), 2)
    d1 = b.add(u1(6) + struct.pack(">d", 2.5), 2)
    d2 = b.add(u1(6) + struct.pack(">d", -1.0), 2)
    i1 = b.add(u1(3) + struct.pack(">i", -7))
    i2 = b.add(u1(3) + struct.pack(">i", 3))
    c_long = b.add(u1(17) + u2(0) + u2(b.name_and_type("sum", "J")))
    c_double = b.add(u1(17) + u2(1) + u2(b.name_and_type("max", "D")))
    c_int = b.add(u1(17) + u2(2) + u2(b.name_and_type("isum", "I")))
    out = b.add(u1(9) + u2(b.klass("java/lang/System"))
                + u2(b.name_and_type("out", "Ljava/io/PrintStream;")))
    ps = b.klass("java/io/PrintStream")
    prints = {t: b.add(u1(10) + u2(ps) + u2(b.name_and_type("println", f"({t})V")))
              for t in "JDI"}
    code = b""
    for op, const, t in ((0x14, c_long, "J"), (0x14, c_double, "D"), (0x13, c_int, "I")):
        code += bytes([0xB2]) + u2(out) + bytes([op]) + u2(const) + bytes([0xB6]) + u2(prints[t])
    b.method(0x0009, "main", "([Ljava/lang/String;)V", b.code(5, 1, code + bytes([0xB1])))
    bsms = (u2(3) + u2(bsm) + u2(3) + u2(hsum) + u2(l1) + u2(l2)
            + u2(bsm) + u2(3) + u2(hmax) + u2(d1) + u2(d2)
            + u2(bsm) + u2(3) + u2(hint) + u2(i1) + u2(i2))
    b.attributes.append(b.attribute("BootstrapMethods", bsms))
    return b.build()


def test_dynamic_constants_match_java(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (make setup installs openjdk-17-jdk-headless)")
    (tmp_path / "Condy.class").write_bytes(crafted())
    expected = subprocess.run([java, "-cp", ".", "Condy"], cwd=tmp_path, capture_output=True,
                              timeout=120)
    assert expected.stdout == b"4294967338\n2.5\n-4\n", expected.stderr
    got = run_vmforms(tmp_path, "-cp", ".", "Condy")
    assert (got.stdout, got.stderr, got.returncode) == (expected.stdout, b"", 0)
