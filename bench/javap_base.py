"""Bench: `vmforms javap -c` and `-v` against the JDK's javap over every class of java.base.

Each tool runs once over the same class list (one process each), output discarded; then
both disassemble one small Hello.class (best of three runs). Prints times and ratios.
Run with the project's venv: .venv/bin/python bench/javap_base.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
VMFORMS = str(VENV_BIN / "vmforms")


def timed(argv: list[str], cwd: str | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    return time.perf_counter() - start


def main() -> int:
    from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home

    javap = shutil.which("javap")
    javac = shutil.which("javac")
    home = default_jdk_home()
    if javap is None or javac is None or home is None:
        print("javap_base: needs the JDK (make setup installs openjdk-17-jdk-headless)")
        return 1
    with ImageReader(str(Path(home) / "lib" / "modules")) as image:
        names = [n.replace("/", ".") for n in image.class_names("java.base")]
    for option in ("-c", "-v"):
        theirs = timed([javap, option, *names])
        ours = timed([VMFORMS, "javap", option, *names])
        print(f"java.base, {len(names)} classes, javap {option}: JDK {theirs:.2f} s, "
              f"vmforms {ours:.2f} s, ratio {ours / theirs:.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "Hello.java").write_text(
            'public class Hello { public static void main(String[] a) '
            '{ System.out.println("Hello, world"); } }\n')
        subprocess.run([javac, "-d", tmp, str(Path(tmp, "Hello.java"))], check=True)
        for option in ("-c", "-v"):
            theirs1 = min(timed([javap, option, "Hello.class"], cwd=tmp) for _ in range(3))
            ours1 = min(timed([VMFORMS, "javap", option, "Hello.class"], cwd=tmp)
                        for _ in range(3))
            print(f"Hello.class, javap {option}: JDK {theirs1:.3f} s, vmforms {ours1:.3f} s, "
                  f"ratio {ours1 / theirs1:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
