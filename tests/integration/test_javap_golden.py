"""`vmforms javap` against the JDK 17 javap, byte for byte: a Java corpus compiled here, and
every class of the java.base module."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "java" / "corpus"
OPTION_SETS = [[], ["-c"], ["-c", "-p"], ["-p", "-s", "-l", "-constants"],
               ["-public", "-s"], ["-protected", "-l"], ["-v"], ["-v", "-p", "-constants"],
               ["-verbose", "-public"], ["-sysinfo", "-c"]]
pytestmark = pytest.mark.integration


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (make setup installs openjdk-17-jdk-headless)")
    return path


def _env(lang: str = "C.UTF-8") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LC_ALL"] = lang
    env.pop("CLASSPATH", None)
    return env


def _wide_source() -> str:
    """A class javac must compile with wide local indexes, wide iinc and goto_w."""
    lines = ["package corpus;", "public class Wide {", "  static double f(double a0, int n) {"]
    lines += [f"    double v{i} = a0 * {i};" for i in range(140)]
    lines += ["    int k = 5; k += 1000; k++; k -= 129;",
              "    for (int i = 0; i < n; i++) {"]
    lines += [f"      k += i * {i} + (k ^ {i * 7});" for i in range(1, 1500)]
    lines += ["    }", "    return v1 + v139 + k;", "  }", "}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    javac = _tool("javac")
    out = tmp_path_factory.mktemp("golden")
    src = out / "src"
    src.mkdir()
    (src / "Wide.java").write_text(_wide_source())
    sources = sorted(map(str, CORPUS.glob("*.java"))) + [str(src / "Wide.java")]
    subprocess.run([javac, "-encoding", "UTF-8", "-g", "-parameters", "-nowarn",
                    "-d", str(out / "classes"), *sources], check=True, capture_output=True)
    classes = sorted(str(p.relative_to(out / "classes"))
                     for p in (out / "classes").rglob("*.class"))
    return out / "classes", classes


def _split(output: str) -> list[str]:
    """One chunk per class: javap ends each class's output with a `}` line, or with -v
    begins it with a `Classfile ` line."""
    chunks: list[str] = []
    current: list[str] = []
    verbose = output.startswith("Classfile ")
    for line in output.splitlines(keepends=True):
        if verbose and line.startswith("Classfile ") and current:
            chunks.append("".join(current))
            current = []
        current.append(line)
        if line == "}\n" and not verbose:
            chunks.append("".join(current))
            current = []
    if current:
        chunks.append("".join(current))
    return chunks


def _run_both(vmforms_bin: str, args: list[str], cwd: Path | None,
              env: dict[str, str]) -> tuple[subprocess.CompletedProcess[bytes], ...]:
    """Run the JDK's javap and ours side by side, one process each."""
    theirs = subprocess.Popen([_tool("javap"), *args], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ours = subprocess.run([vmforms_bin, "javap", *args], cwd=cwd, env=env, capture_output=True)
    out, err = theirs.communicate()
    return subprocess.CompletedProcess(theirs.args, theirs.returncode, out, err), ours


def _compare(theirs: bytes, ours: bytes) -> list[str]:
    a = _split(theirs.decode("utf-8", "surrogateescape"))
    b = _split(ours.decode("utf-8", "surrogateescape"))
    bad = [x.splitlines()[1] if len(x.splitlines()) > 1 else x
           for x, y in zip(a, b, strict=False) if x != y]
    if len(a) != len(b):
        bad.append(f"{len(a)} classes from javap, {len(b)} from vmforms javap")
    return bad


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: " ".join(o) or "plain")
def test_corpus_matches_javap(vmforms_bin: str, compiled: tuple[Path, list[str]],
                              options: list[str]) -> None:
    classes_dir, classes = compiled
    assert len(classes) > 30
    theirs, ours = _run_both(vmforms_bin, [*options, *classes], classes_dir, _env())
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == theirs.stderr == b""
    bad = _compare(theirs.stdout, ours.stdout)
    assert not bad, f"{len(bad)} corpus classes differ: {bad[:5]}"
    assert ours.stdout == theirs.stdout


def test_corpus_under_an_ascii_locale(vmforms_bin: str, compiled: tuple[Path, list[str]]) -> None:
    classes_dir, classes = compiled
    # Java cannot open a non-ASCII file name under the C locale; the text inside still counts.
    ascii_named = [c for c in classes if c.isascii()]
    theirs, ours = _run_both(vmforms_bin, ["-c", "-constants", *ascii_named], classes_dir,
                             _env("C"))
    assert b"?" in theirs.stdout
    assert ours.stdout == theirs.stdout


def test_class_names_through_the_class_path(vmforms_bin: str,
                                            compiled: tuple[Path, list[str]]) -> None:
    classes_dir, _ = compiled
    args = ["-c", "-cp", str(classes_dir), "corpus.Switches", "corpus.Switches.Color",
            "java.lang.Object", "java.util.Map$Entry"]
    theirs, ours = _run_both(vmforms_bin, args, None, _env())
    assert ours.stdout == theirs.stdout
    assert b"final class corpus.Switches$Color extends java.lang.Enum" in ours.stdout


def test_every_java_base_class(vmforms_bin: str, tmp_path: Path) -> None:
    from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home

    home = default_jdk_home()
    if home is None:
        pytest.skip("no JDK found through JAVA_HOME or PATH")
    with ImageReader(str(Path(home) / "lib" / "modules")) as image:
        names = [n.replace("/", ".") for n in image.class_names("java.base")]
        info = image.find("/java.base/module-info.class")
        assert info is not None
        (tmp_path / "module-info.class").write_bytes(image.read(info))
    assert len(names) > 6000
    theirs, ours = _run_both(vmforms_bin, ["module-info.class"], tmp_path, _env())
    assert ours.stdout.startswith(b'Compiled from "module-info.java"\nmodule java.base@')
    assert ours.stdout == theirs.stdout
    theirs, ours = _run_both(vmforms_bin, ["-c", "-p", "-s", "-l", "-constants", *names],
                             None, _env())
    assert theirs.returncode == 0 and ours.returncode == 0, ours.stderr[-2000:]
    a = _split(theirs.stdout.decode("utf-8", "surrogateescape"))
    b = _split(ours.stdout.decode("utf-8", "surrogateescape"))
    assert len(a) == len(b) == len(names)
    differ = [name for name, x, y in zip(names, a, b, strict=True) if x != y]
    print(f"java.base: {len(names)} classes compared, {len(differ)} differ")
    assert not differ, f"{len(differ)} of {len(names)} java.base classes differ: {differ[:10]}"


def _module_classes(image_path: str) -> dict[str, list[str]]:
    from vmforms.jvm.runtime.jimage import ImageReader

    with ImageReader(image_path) as image:
        modules = sorted({loc.module for loc in image.locations()
                          if loc.module and loc.module not in ("modules", "packages")})
        return {m: [n.replace("/", ".") for n in image.class_names(m)] for m in modules}


def _compare_many(vmforms_bin: str, args: list[str], names: list[str]) -> list[str]:
    theirs, ours = _run_both(vmforms_bin, [*args, *names], None, _env())
    assert theirs.returncode == 0 and ours.returncode == 0, ours.stderr[-2000:]
    assert ours.stderr == theirs.stderr
    a = _split(theirs.stdout.decode("utf-8", "surrogateescape"))
    b = _split(ours.stdout.decode("utf-8", "surrogateescape"))
    assert len(a) == len(b) == len(names)
    return [name for name, x, y in zip(names, a, b, strict=True) if x != y]


def test_verbose_every_java_base_class() -> None:
    """-v -p over all of java.base (6,400 classes, about a minute for each tool)."""
    from vmforms.jvm.runtime.jimage import default_jdk_home

    home = default_jdk_home()
    if home is None or shutil.which("javap") is None:
        pytest.skip("the JDK's javap is not installed (make setup installs it)")
    import sys

    vmforms_bin = str(Path(sys.executable).with_name("vmforms"))
    names = _module_classes(str(Path(home) / "lib" / "modules"))["java.base"]
    differ = _compare_many(vmforms_bin, ["-v", "-p"], names)
    print(f"java.base -v -p: {len(names)} classes compared, {len(differ)} differ")
    assert not differ, f"{len(differ)} of {len(names)} java.base classes differ: {differ[:10]}"


def test_verbose_sample_of_the_other_modules() -> None:
    """-v over every 10th class of each other module of the jimage (about 2,000 of their
    20,000 classes: the whole set takes minutes), and -v of every module-info."""
    from vmforms.jvm.runtime.jimage import default_jdk_home

    home = default_jdk_home()
    if home is None or shutil.which("javap") is None:
        pytest.skip("the JDK's javap is not installed (make setup installs it)")
    import sys

    vmforms_bin = str(Path(sys.executable).with_name("vmforms"))
    modules = _module_classes(str(Path(home) / "lib" / "modules"))
    sample = [n for m, names in modules.items() if m != "java.base" for n in names[::10]]
    assert len(modules) > 30 and len(sample) > 1000
    differ = _compare_many(vmforms_bin, ["-v", "-p", "-c"], sample)
    print(f"other modules -v: {len(sample)} classes compared, {len(differ)} differ")
    assert not differ, f"{len(differ)} of {len(sample)} classes differ: {differ[:10]}"
    # every module-info at once, named by jrt: URLs
    urls = [f"jrt:/{m}/module-info.class" for m in modules]
    theirs, ours = _run_both(vmforms_bin, ["-v", *urls], None, _env())
    assert ours.stdout.count(b"\nModule:\n") == len(modules)
    assert ours.stdout == theirs.stdout
    theirs, ours = _run_both(vmforms_bin, ["-v", "--module", "jdk.jshell", "module-info"],
                             None, _env())
    assert b"Classfile jrt:/jdk.jshell/module-info.class" in ours.stdout
    assert ours.stdout == theirs.stdout


def test_module_declaration(vmforms_bin: str, tmp_path: Path) -> None:
    javac = _tool("javac")
    src = tmp_path / "src"
    for pkg in ("demo/api", "demo/x", "demo/y"):
        (src / pkg).mkdir(parents=True)
        (src / pkg / "Impl.java").write_text(
            f"package {pkg.replace('/', '.')}; public class Impl implements Runnable "
            "{ public void run() {} }\n")
    (src / "module-info.java").write_text(
        "module demo { requires java.logging; requires transitive java.sql;"
        " requires static java.desktop; exports demo.api; exports demo.x to java.base, java.sql;"
        " opens demo.y; uses java.lang.Runnable;"
        " provides java.lang.Runnable with demo.api.Impl, demo.x.Impl; }\n")
    subprocess.run([javac, "-d", str(tmp_path / "out"), *map(str, src.rglob("*.java"))],
                   check=True, capture_output=True)
    theirs, ours = _run_both(vmforms_bin, ["-c", "module-info.class"], tmp_path / "out", _env())
    assert b"provides  java.lang.Runnable with" in theirs.stdout
    assert ours.stdout == theirs.stdout


def _crafted_class() -> bytes:
    """Instructions and constants javac no longer emits: jsr/ret, wide ret, ldc of method
    handles, method types and dynamic constants, every newarray type, empty switches."""
    import struct
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "jvm"))
    from jvm_testlib import ClassBuilder, u1, u2

    b = ClassBuilder("old/Crafted", major=49)
    mref = b.add(u1(10) + u2(b.this_class) + u2(b.name_and_type("m", "()V")))
    other = b.add(u1(10) + u2(b.klass("java/lang/String")) + u2(b.name_and_type("<init>", "()V")))
    iref = b.add(u1(11) + u2(b.klass("java/lang/Runnable")) + u2(b.name_and_type("run", "()V")))
    handle = b.add(u1(15) + u1(6) + u2(mref))
    handle2 = b.add(u1(15) + u1(8) + u2(other))
    mtype = b.add(u1(16) + u2(b.utf8("(I)Ljava/lang/Object;")))
    condy = b.add(u1(17) + u2(0) + u2(b.name_and_type("const", "Ljava/lang/Object;")))
    indy = b.add(u1(18) + u2(0) + u2(b.name_and_type("go", "()Ljava/lang/Runnable;")))
    arr = b.klass("[[Ljava/lang/Object;")
    lng = b.add(u1(5) + struct.pack(">q", -(2**63)), slots=2)
    dbl = b.add(u1(6) + struct.pack(">Q", 0x7FF8000000000001), slots=2)
    flt = b.add(u1(4) + struct.pack(">I", 0x00000001))
    s = b.add(u1(8) + u2(b.utf8("tab\t\u0000 \U0001F600 \\ end  ")))
    code = bytearray()
    code += bytes([0x12, handle, 0x12, handle2, 0x12, mtype, 0x12, condy, 0x13]) + u2(s)
    code += bytes([0x14]) + u2(lng) + bytes([0x14]) + u2(dbl) + bytes([0x12, flt])
    code += bytes([0x10, 0x80, 0x11, 0x80, 0x00, 0x84, 0x02, 0x80])
    for atype in range(4, 12):
        code += bytes([0x04, 0xBC, atype, 0x57])
    code += bytes([0x05, 0x05, 0xC5]) + u2(arr) + bytes([0x02, 0x57])
    code += bytes([0xB9]) + u2(iref) + bytes([0x01, 0x00])
    code += bytes([0xBA]) + u2(indy) + bytes([0x00, 0x00])
    code += bytes([0xC4, 0xA9, 0x01, 0x00])  # wide ret 256
    code += bytes([0xA8, 0x00, 0x03, 0xA9, 0x01])  # jsr +3; ret 1
    code += bytes([0xC9, 0x00, 0x00, 0x00, 0x05])  # jsr_w +5
    code += bytes([0xC8, 0xFF, 0xFF, 0xFF, 0xFB])  # goto_w back to the jsr_w
    while (len(code) + 1) % 4:
        code += b"\x00"  # nop so that the switch padding is predictable
    start = len(code)
    code += bytes([0x03, 0xAB]) + bytes((-(start + 2)) % 4) + struct.pack(">ii", 6, 0)
    start = len(code)
    code += bytes([0x03, 0xAA]) + bytes((-(start + 2)) % 4) + struct.pack(">iiii", 2, 7, 7, 2)
    code += bytes([0xB1])
    b.method(0x0009, "m", "()V", b.code(10, 300, bytes(code)))
    b.attributes.append(b.attribute("BootstrapMethods", u2(1) + u2(handle) + u2(0)))
    return b.build()


def test_crafted_old_class(vmforms_bin: str, tmp_path: Path) -> None:
    (tmp_path / "Crafted.class").write_bytes(_crafted_class())
    for options in (["-c"], ["-c", "-p", "-s", "-l", "-constants"], []):
        theirs, ours = _run_both(vmforms_bin, [*options, "Crafted.class"], tmp_path, _env())
        assert theirs.returncode == 0, theirs.stderr
        assert b"jsr_w" in theirs.stdout or not options
        assert ours.stdout == theirs.stdout


def test_many_classes_with_failures_match_the_jdk_in_order() -> None:
    """Over many classes the work is shared among processes; output order, errors and
    the exit status must be what one process (and the JDK) gives."""
    import sys
    from pathlib import Path

    from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home

    javap = shutil.which("javap")
    home = default_jdk_home()
    if javap is None or home is None:
        pytest.skip("the JDK's javap is not installed (make setup installs it)")
    with ImageReader(str(Path(home) / "lib" / "modules")) as image:
        names = sorted(n.replace("/", ".") for n in image.class_names("java.base"))[:600]
    names[450:450] = ["no.such.Klass"]  # a failure inside a later run
    ours = subprocess.run([str(Path(sys.executable).with_name("vmforms")), "javap", "-c",
                           *names], capture_output=True, timeout=300)
    theirs = subprocess.run([javap, "-c", *names], capture_output=True, timeout=300)
    assert ours.stdout == theirs.stdout
    assert ours.stderr.decode().strip() == "Error: class not found: no.such.Klass"
    assert ours.returncode == theirs.returncode == 0
