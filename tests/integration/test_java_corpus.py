"""The Java corpus: each program under tests/data/java_programs/ is compiled by javac,
then run by the JDK's `java` and by `vmforms java`; stdout, stderr and the exit status
must be identical. A program may come with NAME.in (its stdin), NAME.args (its
arguments, one a line) and NAME.jvmopts (options for both VMs, such as -Xmx32m, one a
line)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).resolve().parents[1] / "data" / "java_programs"
ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(PROGRAMS.glob("*.java"))
TIMEOUT = 240  # a program of the corpus takes seconds; a hang must not take the suite's budget

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make setup installs openjdk-17-jdk-headless)")
    return path


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("java_programs")
    subprocess.run([_tool("javac"), "-encoding", "UTF-8", "-g", "-d", str(out),
                    *map(str, SOURCES)], check=True, capture_output=True)
    return out


def run_java(cmd: list[str], name: str, cwd: Path,
             extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    stdin = PROGRAMS / f"{name}.in"
    args_file = PROGRAMS / f"{name}.args"
    args = args_file.read_text().splitlines() if args_file.exists() else []
    opts_file = PROGRAMS / f"{name}.jvmopts"
    opts = opts_file.read_text().split() if opts_file.exists() else []
    data = stdin.read_bytes() if stdin.exists() else b""
    env = dict(os.environ, LC_ALL="C.UTF-8", **(extra_env or {}))
    return subprocess.run([*cmd, *opts, "-cp", str(cwd), name, *args], input=data,
                          capture_output=True, timeout=TIMEOUT, cwd=cwd, env=env)


@pytest.mark.parametrize("source", SOURCES, ids=[s.stem for s in SOURCES])
def test_program_matches_java(source: Path, classes: Path) -> None:
    name = source.stem
    want = run_java([_tool("java"), "-Xshare:auto"], name, classes)
    got = run_java([sys.executable, "-m", "vmforms", "java"], name, classes)
    assert got.stderr.decode() == want.stderr.decode()
    assert got.stdout.decode() == want.stdout.decode()
    assert got.returncode == want.returncode


# Programs run a second time with the translation tier taking over after two calls (and
# loops after five iterations), so translated code meets exceptions, threads and the
# library as often as possible.
TRANSLATED = ["IntArithmetic", "LongArithmetic", "FloatingPoint", "Exceptions1", "Collections1",
              "Streams1", "Recursion", "HelpfulNpe", "VmExceptions", "Threads1", "BigNumbers",
              "NumericSim", "WordFrequency", "StringSwitch", "Uncaught", "HeapExhaustion",
              "HeapUncaught", "References1", "Exactness2"]


@pytest.mark.parametrize("name", TRANSLATED)
def test_translated_program_matches_java(name: str, classes: Path) -> None:
    want = run_java([_tool("java"), "-Xshare:auto"], name, classes)
    got = run_java([sys.executable, "-m", "vmforms", "java"], name, classes,
                   {"VMFORMS_JVM_TRANSLATE_AFTER": "2"})
    assert got.stderr.decode() == want.stderr.decode()
    assert got.stdout.decode() == want.stdout.decode()
    assert got.returncode == want.returncode


MODULES = Path(__file__).resolve().parents[1] / "data" / "java_modules"
# Command lines over a two-module program (tests/data/java_modules) compiled with
# javac --module-source-path into exploded modules (out/) and packaged as modular jars
# (lib/, com.greetings with a ModuleMainClass), then the launcher's refusals.
MODULE_RUNS = [
    ["-p", "out", "-m", "com.greetings/com.greetings.Main", "a", "b"],
    ["--module-path=lib", "-m", "com.greetings", "x"],
    ["-p", "out", "-m", "com.greetings/com.greetings.Nope"],
    ["-p", "out", "-m", "org.astro"],
    ["-m", "nomod"],
    ["--add-modules", "java.sql,nomod", "-p", "out", "-m", "com.greetings"],
    ["--add-opens", "java.base", "-p", "out", "-m", "com.greetings/com.greetings.Main"],
    ["--add-exports", "java.base/=x", "-p", "out", "-m", "com.greetings/com.greetings.Main"],
    ["-p", "lib", "--list-modules"],
]


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("java_modules")
    sources = sorted(map(str, MODULES.rglob("*.java")))
    subprocess.run([_tool("javac"), "-d", str(out / "out"), "--module-source-path",
                    str(MODULES), *sources], check=True, capture_output=True)
    (out / "lib").mkdir()
    jar = _tool("jar")
    subprocess.run([jar, "--create", "--file", str(out / "lib" / "org.astro.jar"),
                    "-C", str(out / "out" / "org.astro"), "."], check=True)
    subprocess.run([jar, "--create", "--file", str(out / "lib" / "com.greetings.jar"),
                    "--main-class", "com.greetings.Main",
                    "-C", str(out / "out" / "com.greetings"), "."], check=True)
    return out


@pytest.mark.parametrize("argv", MODULE_RUNS, ids=[" ".join(a) for a in MODULE_RUNS])
def test_modules_match_java(argv: list[str], modules: Path) -> None:
    env = dict(os.environ, LC_ALL="C.UTF-8")
    want = subprocess.run([_tool("java"), "-Xshare:auto", *argv], capture_output=True,
                          timeout=TIMEOUT, cwd=modules, env=env)
    got = subprocess.run([sys.executable, "-m", "vmforms", "java", *argv], capture_output=True,
                         timeout=TIMEOUT, cwd=modules, env=env)
    assert got.stderr.decode() == want.stderr.decode()
    assert got.stdout.decode() == want.stdout.decode()
    assert got.returncode == want.returncode
