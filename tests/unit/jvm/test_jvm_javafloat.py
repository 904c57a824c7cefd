"""Float.toString/Double.toString of JDK 17, checked against the JDK itself."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from jvm_testlib import javac

from vmforms.jvm.javafloat import double_to_string, float_to_string


def d(value: float) -> str:
    return double_to_string(struct.unpack(">Q", struct.pack(">d", value))[0])


def f(value: float) -> str:
    return float_to_string(struct.unpack(">I", struct.pack(">f", value))[0])


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (0.1, "0.1"), (100.0, "100.0"),
    (1e7, "1.0E7"), (1234567.0, "1234567.0"), (0.001, "0.001"), (0.0001, "1.0E-4"),
    (float("nan"), "NaN"), (float("inf"), "Infinity"), (float("-inf"), "-Infinity"),
    (5e-324, "4.9E-324"), (1.7976931348623157e308, "1.7976931348623157E308"),
    (2.82879384806159e17, "2.82879384806159008E17"), (1.0e23, "9.999999999999999E22"),
    (2.2250738585072014e-308, "2.2250738585072014E-308"),
])
def test_double_quirks(value: float, text: str) -> None:
    assert d(value) == text


@pytest.mark.parametrize(("value", "text"), [
    (0.1, "0.1"), (1.0e10, "1.0E10"), (3.4028234663852886e38, "3.4028235E38"),
    (1.401298464324817e-45, "1.4E-45"), (1.0 / 3, "0.33333334"), (-2.5, "-2.5"),
    (2.0e-3, "0.002"), (1.1754943508222875e-38, "1.17549435E-38"),
])
def test_float_quirks(value: float, text: str) -> None:
    assert f(value) == text


JAVA_SOURCE = """
import java.util.Random;
public class Dump {
    public static void main(String[] a) {
        Random r = new Random(17);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 20000; i++) {
            long bits;
            switch (i % 4) {
                case 0: bits = r.nextLong(); break;
                case 1: bits = Double.doubleToRawLongBits(
                    r.nextInt(1000000) * Math.pow(10, r.nextInt(40) - 20)); break;
                case 2: bits = r.nextLong() >>> r.nextInt(64); break;
                default: bits = Double.doubleToRawLongBits(Math.scalb(1.0, r.nextInt(2100) - 1075));
            }
            int fbits = (i % 4 == 1)
                ? Float.floatToRawIntBits((float) Double.longBitsToDouble(bits))
                : (int) (bits >>> (i % 33));
            sb.append(Long.toHexString(bits)).append(' ')
              .append(Double.longBitsToDouble(bits)).append(' ')
              .append(Integer.toHexString(fbits)).append(' ')
              .append(Float.intBitsToFloat(fbits)).append('\\n');
        }
        System.out.print(sb);
    }
}
"""


def test_random_values_match_the_jdk(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (make setup installs openjdk-17-jdk-headless)")
    src = tmp_path / "Dump.java"
    src.write_text(JAVA_SOURCE)
    javac(tmp_path, [src])
    out = subprocess.run([java, "-cp", str(tmp_path), "Dump"], check=True, capture_output=True,
                         text=True).stdout
    lines = out.splitlines()
    assert len(lines) == 20000
    bad = []
    for line in lines:
        dbits, dtext, fbits, ftext = line.split()
        ours = double_to_string(int(dbits, 16)), float_to_string(int(fbits, 16))
        if ours != (dtext, ftext):
            bad.append((line, ours))
    assert not bad, bad[:5]
