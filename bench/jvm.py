"""The JVM benchmark: issue 18's speed set under `vmforms java` and `java -Xint` in one run.

The five Computer Language Benchmarks Game programs (bench/jvm_programs, sized so that
`java -Xint` spends about a second on each), Hello World warm, and the hellos of Clojure
(`clojure.main -e`) and Groovy (a compiled script). Each line gives CPU seconds (user +
system of the child, which the other work on a shared machine disturbs less than wall
time) and wall seconds of both VMs, and the CPU ratio against its target: 4x `java -Xint`
for the five, 0.15 s for Hello World, 10x `java` for the language hellos. Every output
is compared with java's first.
Run: .venv/bin/python bench/jvm.py [--quick] [--xint] [names...]
  --quick  small sizes (a check that everything runs, not a measurement)
  --xint   also ours with the translation tier off (`vmforms java -Xint`)
  names    only these programs (NBody, Hello, Clojure, Groovy, ...)
"""

from __future__ import annotations

import resource
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
    ("NBody", "500000", "20000"),
    ("FannkuchRedux", "10", "8"),
    ("SpectralNorm", "500", "120"),
    ("BinaryTrees", "14", "10"),
    ("Fasta", "1000000", "50000"),
]
TARGET_RATIO = 4.0
HELLO_TARGET_S = 0.15
LANGUAGE_TARGET_RATIO = 10.0
JAVA_LIB = Path("/usr/share/java")


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run cmd; return its CPU seconds (user + system), wall seconds and stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, r.stdout


def compare(label: str, got: str, want: str) -> None:
    if got != want:
        raise SystemExit(f"{label}: output differs from java:\n{got[:2000]}\n---\n{want[:2000]}")


def main() -> int:
    args = sys.argv[1:]
    quick, xint = "--quick" in args, "--xint" in args
    only = {a for a in args if not a.startswith("--")}
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        print("bench/jvm.py: needs the JDK (make setup installs openjdk-17-jdk-headless)")
        return 1
    ours = [sys.executable, "-m", "vmforms", "java"]
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([javac, "-d", tmp, *map(str, PROGRAMS.glob("*.java"))], check=True)
        print(f"{'program':<15}{'arg':>8}{'ours cpu':>9}{'wall':>7}{'-Xint cpu':>10}{'wall':>7}"
              f"{'ratio':>7}{'target':>7}" + (f"{'ours -Xint':>11}" if xint else ""))
        for name, full, small in CASES:
            if only and name not in only:
                continue
            arg = small if quick else full
            cpu, wall, out = timed([*ours, "-cp", tmp, name, arg])
            jcpu, jwall, want = timed([java, "-Xint", "-cp", tmp, name, arg])
            compare(name, out, want)
            extra = ""
            if xint:
                icpu, _, iout = timed([*ours, "-Xint", "-cp", tmp, name, arg])
                compare(name + " -Xint", iout, want)
                extra = f"{icpu:>11.2f}"
            print(f"{name:<15}{arg:>8}{cpu:>9.2f}{wall:>7.2f}{jcpu:>10.2f}{jwall:>7.2f}"
                  f"{cpu / jcpu:>7.1f}{TARGET_RATIO:>7.0f}{extra}", flush=True)
        if not only or "Hello" in only:
            _hello(ours, java, tmp)
        _language_hellos(ours, java, tmp, only)
    return 0


def _hello(ours: list[str], java: str, tmp: str) -> None:
    """Hello World warm: one run to warm the page cache (and any cache of ours), then the
    best of five."""
    hello = Path(tmp) / "Hello.java"
    hello.write_text('public class Hello { public static void main(String[] a) '
                     '{ System.out.println("Hello, world!"); } }')
    subprocess.run([shutil.which("javac") or "javac", "-d", tmp, str(hello)], check=True)
    timed([*ours, "-cp", tmp, "Hello"])
    runs = [timed([*ours, "-cp", tmp, "Hello"]) for _ in range(5)]
    jruns = [timed([java, "-cp", tmp, "Hello"]) for _ in range(5)]
    compare("Hello", runs[0][2], jruns[0][2])
    cpu, wall = min(r[0] for r in runs), min(r[1] for r in runs)
    jcpu, jwall = min(r[0] for r in jruns), min(r[1] for r in jruns)
    print(f"Hello World warm: vmforms {cpu:.3f} s CPU, {wall:.3f} s wall; java {jcpu:.3f} s "
          f"CPU, {jwall:.3f} s wall (target {HELLO_TARGET_S} s)", flush=True)


def _language_hellos(ours: list[str], java: str, tmp: str, only: set[str]) -> None:
    """Start-up of the other JVM languages: Clojure's `-e` and a compiled Groovy script,
    under both VMs (skipped when Debian's clojure or groovy is not installed)."""
    runs: list[tuple[str, str, list[str]]] = []
    clojure = JAVA_LIB / "clojure.jar"
    if clojure.exists() and (not only or "Clojure" in only):
        runs.append(("Clojure", "Clojure -e", ["-cp", str(clojure), "clojure.main", "-e",
                                               "(println (str \"hello, \" :world))"]))
    groovyc, groovy = shutil.which("groovyc"), JAVA_LIB / "groovy-all.jar"
    if groovyc is not None and groovy.exists() and (not only or "Groovy" in only):
        script = Path(tmp) / "HelloGroovy.groovy"
        script.write_text('println "hello, ${[1, 2, 3].sum()} worlds"\n')
        subprocess.run([groovyc, "-d", tmp, str(script)], check=True, capture_output=True)
        runs.append(("Groovy", "Groovy hello", ["-cp", f"{tmp}:{groovy}", "HelloGroovy"]))
    for _, label, args in runs:
        cpu, wall, out = timed([*ours, *args])
        jcpu, jwall, want = timed([java, *args])
        compare(label, out, want)
        print(f"{label}: vmforms {cpu:.2f} s CPU, {wall:.2f} s wall; java {jcpu:.2f} s CPU, "
              f"{jwall:.2f} s wall; ratio {cpu / jcpu:.1f} (target {LANGUAGE_TARGET_RATIO:.0f})",
              flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
