"""Four JVM languages on one JVM: programs under tests/data/jvm_languages/ compiled by
Debian's scalac, kotlinc and groovyc, and Clojure namespaces compiled ahead of time (and
loaded from source as scripts), each run by the JDK's `java` and by `vmforms java` on the
same class files; stdout, stderr and the exit status must be identical.

Compiling is slow (scalac and kotlinc take tens of seconds), so each language's classes
are built once and kept under a cache directory named by a hash of the sources and the
compiler ($VMFORMS_TEST_CACHE, else ~/.cache/vmforms)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "jvm_languages"
JAVA_LIB = Path("/usr/share/java")
TIMEOUT = 900

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@dataclass(frozen=True)
class Language:
    name: str
    suffix: str
    compiler: str  # the Debian command, or "java" for Clojure's own compiler
    runtime: tuple[str, ...]  # jars under /usr/share/java the programs run with
    package: str  # the Debian package that brings both

    def sources(self) -> list[Path]:
        return sorted((DATA / self.name).rglob(f"*{self.suffix}"))

    def main_class(self, source: Path) -> str:
        if self.name == "kotlin":
            return source.stem + "Kt"
        if self.name == "clojure":
            return f"progs.{source.stem.replace('_', '-')}"
        return source.stem


LANGUAGES = {
    lang.name: lang for lang in (
        Language("scala", ".scala", "scalac", ("scala-library.jar",), "scala"),
        Language("kotlin", ".kt", "kotlinc", ("kotlin-stdlib.jar",), "kotlin"),
        Language("groovy", ".groovy", "groovyc", ("groovy-all.jar",), "groovy"),
        Language("clojure", ".clj", "java", ("clojure.jar",), "clojure"),
    )
}


def _require(lang: Language) -> str:
    tool = shutil.which(lang.compiler)
    missing = [j for j in lang.runtime if not (JAVA_LIB / j).exists()]
    if tool is None or missing or shutil.which("java") is None:
        pytest.skip(f"{lang.name}: {lang.compiler} or {', '.join(lang.runtime)} is not "
                    f"installed (make setup installs Debian's {lang.package})")
    return tool


def _cache_root() -> Path:
    root = os.environ.get("VMFORMS_TEST_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "vmforms"


def _key(lang: Language, tool: str) -> str:
    h = hashlib.sha256(lang.name.encode())
    real = os.path.realpath(tool)
    for dep in [real, *(str(JAVA_LIB / j) for j in lang.runtime)]:
        st = os.stat(os.path.realpath(dep))
        h.update(f"{dep}:{st.st_size}:{st.st_mtime_ns}".encode())
    for src in lang.sources():
        h.update(src.relative_to(DATA).as_posix().encode() + b"\0" + src.read_bytes())
    return h.hexdigest()[:16]


def _compile(lang: Language, tool: str, out: Path) -> None:
    srcs = [str(s) for s in lang.sources()]
    if lang.name == "clojure":
        cp = os.pathsep.join([str(DATA / "clojure"), *(str(JAVA_LIB / j) for j in lang.runtime)])
        cmd = [tool, f"-Dclojure.compile.path={out}", "-cp", f"{cp}:{out}",
               "clojure.lang.Compile", *(lang.main_class(Path(s)) for s in srcs)]
    else:
        cmd = [tool, "-d", str(out), *srcs]
    r = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd[:2])} failed:\n{r.stderr.decode()[-4000:]}")


def compiled(lang: Language) -> Path:
    """The language's classes, compiled on first use and then taken from the cache."""
    tool = _require(lang)
    root = _cache_root() / "jvm-languages"
    target = root / f"{lang.name}-{_key(lang, tool)}"
    if target.is_dir():
        return target
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{lang.name}-", dir=root))
    try:
        _compile(lang, tool, work)
        try:
            work.rename(target)
        except OSError:  # another session finished first
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@pytest.fixture(scope="session")
def classes() -> dict[str, Path]:
    return {}


def _classes_of(cache: dict[str, Path], lang: Language) -> Path:
    if lang.name not in cache:
        cache[lang.name] = compiled(lang)
    return cache[lang.name]


def run(cmd: list[str], cp: list[str], args: list[str]) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, LC_ALL="C.UTF-8")
    return subprocess.run([*cmd, "-cp", os.pathsep.join(cp), *args], capture_output=True,
                          timeout=TIMEOUT, env=env, stdin=subprocess.DEVNULL)


def assert_same(cp: list[str], args: list[str]) -> None:
    java = shutil.which("java")
    assert java is not None
    want = run([java, "-Xshare:auto"], cp, args)
    got = run([sys.executable, "-m", "vmforms", "java"], cp, args)
    assert got.stderr.decode() == want.stderr.decode()
    assert got.stdout.decode() == want.stdout.decode()
    assert got.returncode == want.returncode


CASES = [(name, src) for name, lang in LANGUAGES.items() for src in lang.sources()]


@pytest.mark.parametrize(("language", "source"), CASES,
                         ids=[f"{n}-{s.stem}" for n, s in CASES])
def test_compiled_program_matches_java(language: str, source: Path,
                                       classes: dict[str, Path]) -> None:
    lang = LANGUAGES[language]
    out = _classes_of(classes, lang)
    cp = [str(out), *(str(JAVA_LIB / j) for j in lang.runtime)]
    assert_same(cp, [lang.main_class(source)])


SCRIPTS = ["collections", "lazy", "exceptions"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_clojure_namespace_from_source_matches_java(name: str) -> None:
    """The namespace compiled by Clojure at run time (classes defined by its
    DynamicClassLoader), as `clojure -m` runs a script."""
    lang = LANGUAGES["clojure"]
    _require(lang)
    cp = [str(DATA / "clojure"), *(str(JAVA_LIB / j) for j in lang.runtime)]
    assert_same(cp, ["clojure.main", "-m", f"progs.{name}"])


def test_clojure_eval_matches_java() -> None:
    lang = LANGUAGES["clojure"]
    _require(lang)
    cp = [str(JAVA_LIB / j) for j in lang.runtime]
    assert_same(cp, ["clojure.main", "-e",
                     "(println (reduce + (map #(* % %) (range 10))) (str :a \"b\"))"])
