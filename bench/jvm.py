"""The JVM benchmark: CPU-bound programs under `vmforms java`, `java -Xint` and `java`.

Prints the wall time of each (ours with the interpreter alone, VMFORMS_JVM_TRANSLATE=0,
and with the translation tier), the ratios to HotSpot's interpreter and JIT, and the
bytecodes per second after boot (from VMFORMS_JVM_STATS) of both our tiers, plus the wall
time of Hello World and of Clojure's and Groovy's hellos. Translated code does not count
its instructions, so the translated tier's rate is the interpreter run's bytecode count
(the same program, so the same bytecodes) over the translated run's time. For the loop
benchmarks it also prints the rate of the loops alone (the full size's extra bytecodes
over the small size's, per extra second), which one-off work such as printf's locale
data does not blur.
Run: .venv/bin/python bench/jvm.py [--quick]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "jvm_programs"
# (class, argument for the full run, argument for --quick)
CASES = [
    ("Fib", "27", "22"),
    ("IntLoops", "400", "150"),
    ("DoubleLoops", "400", "150"),
    ("StringBuilding", "40000", "5000"),
    ("HashMapWork", "40000", "5000"),
    ("Allocation", "200000", "20000"),
]
LOOP_CASES = ("IntLoops", "DoubleLoops")  # the loop benchmarks of the 5 M bytecodes/s target
STATS = re.compile(r"vmforms-stats boot_s=(\S+) boot_bytecodes=(\d+) run_s=(\S+) "
                   r"run_bytecodes=(\d+) rate=(\d+)")


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return wall, r.stdout, r.stderr


def main() -> int:
    quick = "--quick" in sys.argv
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        print("bench/jvm.py: needs the JDK (make setup installs openjdk-17-jdk-headless)")
        return 1
    ours = [sys.executable, "-m", "vmforms", "java"]
    env = dict(os.environ, VMFORMS_JVM_STATS="1")
    interp_env = dict(env, VMFORMS_JVM_TRANSLATE="0")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([javac, "-d", tmp, *map(str, PROGRAMS.glob("*.java"))], check=True)
        hello = Path(tmp) / "Hello.java"
        hello.write_text('public class Hello { public static void main(String[] a) '
                         '{ System.out.println("Hello, world!"); } }')
        subprocess.run([javac, "-d", tmp, str(hello)], check=True)
        print(f"{'program':<16}{'interp s':>9}{'+transl s':>10}{'-Xint s':>8}{'java s':>7}"
              f"{'x Xint':>8}{'x java':>8}{'bytecodes':>11}{'interp bc/s':>13}"
              f"{'transl bc/s':>13}")
        rates, fast_rates = [], []
        for name, full, small in CASES:
            arg = small if quick else full
            ours_s, out, err = timed([*ours, "-cp", tmp, name, arg], interp_env)
            fast_s, fast_out, fast_err = timed([*ours, "-cp", tmp, name, arg], env)
            xint_s, want, _ = timed([java, "-Xint", "-cp", tmp, name, arg])
            jit_s, _, _ = timed([java, "-cp", tmp, name, arg])
            if out != want or fast_out != want:
                raise SystemExit(f"{name}: output differs from java:\n{out}\n{want}")
            m = STATS.search(err)
            count, rate = (int(m.group(4)), int(m.group(5))) if m else (0, 0)
            fast = STATS.search(fast_err)
            fast_run = float(fast.group(3)) if fast else 0.0
            fast_rate = round(count / fast_run) if fast_run else 0
            rates.append(rate)
            fast_rates.append(fast_rate)
            print(f"{name:<16}{ours_s:>9.2f}{fast_s:>10.2f}{xint_s:>8.2f}{jit_s:>7.2f}"
                  f"{fast_s / xint_s:>8.1f}{fast_s / jit_s:>8.1f}{count:>11}{rate:>13,}"
                  f"{fast_rate:>13,}")
        hello_s = min(timed([*ours, "-cp", tmp, "Hello"], env)[0] for _ in range(3))
        java_hello = min(timed([java, "-cp", tmp, "Hello"])[0] for _ in range(3))
        _, _, err = timed([*ours, "-cp", tmp, "Hello"], env)
        m = STATS.search(err)
        boot = float(m.group(1)) if m else 0.0
        print(f"Hello World: vmforms {hello_s:.3f} s (boot {boot:.3f} s), java {java_hello:.3f} s,"
              f" ratio {hello_s / java_hello:.1f}")
        print(f"interpreter: {min(rates):,} - {max(rates):,} bytecodes/s (target 5,000,000)")
        print(f"translated:  {min(fast_rates):,} - {max(fast_rates):,} bytecodes/s "
              f"(aim 30,000,000)")
        _language_hellos(ours, java, tmp)
        if not quick:
            _loop_rates(ours, tmp, interp_env, env)
    return 0


JAVA_LIB = Path("/usr/share/java")


def _language_hellos(ours: list[str], java: str, tmp: str) -> None:
    """Start-up of the other JVM languages: Clojure's `-e` and a compiled Groovy script,
    under both VMs (skipped when Debian's clojure or groovy is not installed)."""
    runs: list[tuple[str, list[str]]] = []
    clojure = JAVA_LIB / "clojure.jar"
    if clojure.exists():
        runs.append(("Clojure -e", ["-cp", str(clojure), "clojure.main", "-e",
                                    "(println (str \"hello, \" :world))"]))
    groovyc, groovy = shutil.which("groovyc"), JAVA_LIB / "groovy-all.jar"
    if groovyc is not None and groovy.exists():
        script = Path(tmp) / "HelloGroovy.groovy"
        script.write_text('println "hello, ${[1, 2, 3].sum()} worlds"\n')
        subprocess.run([groovyc, "-d", tmp, str(script)], check=True, capture_output=True)
        runs.append(("Groovy hello", ["-cp", f"{tmp}:{groovy}", "HelloGroovy"]))
    for label, args in runs:
        ours_s, out, _ = timed([*ours, *args])
        java_s, want, _ = timed([java, *args])
        if out != want:
            raise SystemExit(f"{label}: output differs from java:\n{out}\n{want}")
        print(f"{label}: vmforms {ours_s:.2f} s, java {java_s:.2f} s, "
              f"ratio {ours_s / java_s:.1f} (target 10)")


def _loop_rates(ours: list[str], cp: str, interp_env: dict[str, str],
                env: dict[str, str]) -> None:
    """The loops alone: the extra bytecodes and seconds of the full size over the small
    one, so that one-off work (class loading, printf's locale data) cancels out."""
    for name, full, small in CASES:
        if name not in LOOP_CASES:
            continue
        line = []
        for tier, tier_env in (("interpreter", interp_env), ("translated", env)):
            runs = {}
            for arg in (small, full):
                _, _, err = timed([*ours, "-cp", cp, name, arg], tier_env)
                m = STATS.search(err)
                runs[arg] = (float(m.group(3)), int(m.group(4))) if m else (0.0, 0)
            # translated code does not count its bytecodes: take the interpreter's count
            if tier == "interpreter":
                counts = {arg: runs[arg][1] for arg in runs}
            seconds = runs[full][0] - runs[small][0]
            extra = counts[full] - counts[small]
            line.append(f"{tier} {extra / seconds:,.0f}" if seconds > 0 else f"{tier} n/a")
        print(f"loops alone, {name}: bytecodes/s " + ", ".join(line))


if __name__ == "__main__":
    raise SystemExit(main())
