"""`vmforms javap`'s command line against the JDK 17 javap's: stdout, stderr and exit status
of usage errors, version and help, module and multi-release lookups, URLs and locales."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
VMFORMS = str(Path(sys.executable).with_name("vmforms"))


def _javap() -> str:
    path = shutil.which("javap")
    if path is None:
        pytest.skip("javap is not installed (make setup installs openjdk-17-jdk-headless)")
    return path


def _both(args: list[str], cwd: Path | None = None,
          env: dict[str, str] | None = None) -> tuple[tuple[int, bytes, bytes], ...]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("LC_", "LANG", "CLASSPATH", "JAVA_TOOL"))}
    base.update({"LC_ALL": "C.UTF-8"} if env is None else env)
    out = []
    for tool in ([_javap()], [VMFORMS, "javap"]):
        r = subprocess.run([*tool, *args], cwd=cwd, env=base, capture_output=True, timeout=120)
        # our usage names the command as it is run
        out.append((r.returncode, r.stdout.replace(b"vmforms javap", b"javap"),
                    r.stderr.replace(b"vmforms javap", b"javap")))
    return tuple(out)


@pytest.mark.parametrize("args", [
    ["-x"], ["-c"], ["-cp"], ["--module"], ["-version"], ["-fullversion"],
    ["-version", "java.lang.Void"], ["-sysinfo", "-version"],
    ["-private", "-public", "java.lang.Void"], ["-p", "-private", "java.lang.Void"],
    ["-protected", "-package", "-public", "java.lang.Void"],
    ["-public", "-protected", "-package", "-private", "java.lang.Void"],
    ["java.lang.Void", "-c"], ["--class-path=/tmp", "java.lang.Void"],
    ["--module=java.base", "java.lang.Void"], ["--system", "/nonexistent", "java.lang.Void"],
    ["-m", "java.base", "-m", "java.sql", "java.lang.Void"],
    ["-m", "nosuch", "a", "b"], ["-bootclasspath", "/tmp", "java.lang.Void"],
    ["-sysinfo", "java.lang.Void"], ["-v", "jrt:/java.base/java/lang/Object.class"],
    ["-m", "java.sql", "module-info"], ["module-info"], ["-v", "-m", "java.base", "module-info"],
    ["-XDx", "java.lang.Void"], ["no.such.Klass", "java.lang.Void"],
])
def test_command_line_matches_javap(args: list[str]) -> None:
    theirs, ours = _both(args)
    assert ours == theirs


def test_usage_on_stdout() -> None:
    theirs, ours = _both([])
    assert ours[0] == theirs[0] == 2 and ours[2] == theirs[2] == b""
    assert ours[1].startswith(b"Usage: javap <options> <classes>\n")
    _, out, _ = _both(["-help", "-c", "java.lang.Void"])[1]
    assert out.startswith(b"Usage: ") and b"class java.lang.Void" in out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    javac = shutil.which("javac")
    if javac is None:
        pytest.skip("javac is not installed")
    root = tmp_path_factory.mktemp("javapcli")
    src = root / "src"
    (src / "demo" / "api").mkdir(parents=True)
    (src / "demo" / "api" / "Impl.java").write_text(
        "package demo.api; public class Impl implements Runnable { public void run() {} }\n")
    (src / "module-info.java").write_text("module demo { exports demo.api; }\n")
    subprocess.run([javac, "-d", str(root / "mods" / "demo"), str(src / "module-info.java"),
                    str(src / "demo" / "api" / "Impl.java")], check=True, capture_output=True)
    with zipfile.ZipFile(root / "demo.jar", "w") as z:
        for p in (root / "mods" / "demo").rglob("*.class"):
            z.write(p, str(p.relative_to(root / "mods" / "demo")))
    versions = {"8": "base", "9": "nine", "11": "eleven"}
    for release, method in versions.items():
        d = root / f"v{release}" / "p"
        d.mkdir(parents=True)
        (d / "A.java").write_text(f"package p; public class A {{ public int {method}() "
                                  "{ return 1; } }\n")
        subprocess.run([javac, "--release", release, "-d", str(root / f"c{release}"),
                        str(d / "A.java")], check=True, capture_output=True)
    for name, multi in (("mr.jar", True), ("plain.jar", False)):
        with zipfile.ZipFile(root / name, "w") as z:
            z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n"
                       + ("Multi-Release: true\r\n" if multi else "") + "\r\n")
            z.write(root / "c8" / "p" / "A.class", "p/A.class")
            for release in ("9", "11"):
                z.write(root / f"c{release}" / "p" / "A.class",
                        f"META-INF/versions/{release}/p/A.class")
    other = root / "wrong" / "q"
    other.mkdir(parents=True)
    shutil.copy(root / "c8" / "p" / "A.class", other / "B.class")
    return root


@pytest.mark.parametrize("args", [
    ["--module-path", "mods", "-m", "demo", "demo.api.Impl"],
    ["--module-path", "mods/demo", "-m", "demo", "-v", "demo.api.Impl"],
    ["--module-path", "demo.jar", "-m", "demo", "-v", "module-info"],
    ["--module-path=mods", "-m", "demo", "-s", "demo.api.Impl"],
    ["-m", "demo", "demo.api.Impl"], ["--module-path", "mods", "demo.api.Impl"],
    ["-cp", "wrong", "q.B"], ["-cp", "wrong", "q/B"], ["-v", "-cp", "demo.jar", "demo.api.Impl"],
])
def test_lookups_match_javap(built: Path, args: list[str]) -> None:
    theirs, ours = _both(args, cwd=built)
    assert ours == theirs


@pytest.mark.parametrize("release", [None, "8", "9", "10", "11", "18", "runtime", "x"])
@pytest.mark.parametrize("jar", ["mr.jar", "plain.jar"])
def test_multi_release(built: Path, jar: str, release: str | None) -> None:
    args = ["-v", "-cp", jar] + (["--multi-release", release] if release else []) + ["p.A"]
    theirs, ours = _both(args, cwd=built)
    assert ours == theirs


def test_urls(built: Path) -> None:
    jar = built / "demo.jar"
    args = ["-v", f"jar:file:{jar}!/demo/api/Impl.class",
            f"file://{built}/mods/demo/demo/api/Impl.class", "jrt:/java.sql/java/sql/Date.class"]
    theirs, ours = _both(args, cwd=built)
    assert ours == theirs
    assert ours[1].count(b"Classfile ") == 3


@pytest.mark.parametrize("env", [{"LC_ALL": "C"}, {"LANG": "C"}, {}, {"LC_CTYPE": "POSIX"},
                                 {"LANG": "xx_NOWHERE.UTF-8"}, {"LANG": "C.UTF-8"}])
def test_locales(env: dict[str, str]) -> None:
    """Non-ASCII text is `?` wherever the C library's locale is C, however Python starts."""
    theirs, ours = _both(["-v", "sun.text.resources.FormatData_en_US"], env=env)
    assert ours == theirs
    assert (not ours[1].isascii()) == (env == {"LANG": "C.UTF-8"})  # UTF-8, or `?`


def test_identifier_rules_are_java17s(tmp_path: Path) -> None:
    """Character.isJavaIdentifierStart/Part of JDK 17 (Unicode 13.0) over every code point,
    against the predicates javap's name quoting uses here (Python has Unicode 14.0)."""
    javac, java = shutil.which("javac"), shutil.which("java")
    if javac is None or java is None:
        pytest.skip("the JDK is not installed")
    (tmp_path / "U.java").write_text(
        "public class U { public static void main(String[] a) { StringBuilder sb = new "
        "StringBuilder(); for (int cp = 0; cp <= 0x10FFFF; cp++) sb.append((char) ('0' + "
        "(Character.isJavaIdentifierStart(cp) ? 2 : 0) + (Character.isJavaIdentifierPart(cp)"
        " ? 1 : 0))); System.out.print(sb); } }\n")
    subprocess.run([javac, "-d", str(tmp_path), str(tmp_path / "U.java")], check=True)
    theirs = subprocess.run([java, "-cp", str(tmp_path), "U"], check=True,
                            capture_output=True).stdout.decode()
    from vmforms.jvm.javap_text import _is_identifier_part, _is_identifier_start

    ours = "".join(str((2 if _is_identifier_start(chr(cp)) else 0)
                       + (1 if _is_identifier_part(chr(cp)) else 0)) for cp in range(0x110000))
    differ = [hex(cp) for cp in range(0x110000) if theirs[cp] != ours[cp]]
    assert not differ, differ[:20]


def test_unicode_14_names_are_quoted(tmp_path: Path) -> None:
    """A field named with a letter new in Unicode 14.0 is quoted by JDK 17's javap."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "jvm"))
    from jvm_testlib import ClassBuilder, u1, u2

    b = ClassBuilder("uni/Names")
    for name in ("a\u0870b", "\u08b5", "ok\u0915", "\u0890x", "x\u0890"):
        b.add(u1(9) + u2(b.this_class) + u2(b.name_and_type(name, "I")))
        b.add(u1(8) + u2(b.utf8(name)))
    (tmp_path / "Names.class").write_bytes(b.build())
    theirs, ours = _both(["-v", "Names.class"], cwd=tmp_path)
    assert b'"a\xe0\xa1\xb0b"' in theirs[1]
    assert ours == theirs


def test_rare_attributes(tmp_path: Path) -> None:
    """SourceDebugExtension, CompilationID (javap ends no line after it) and an unknown
    attribute, under -v."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "jvm"))
    from jvm_testlib import ClassBuilder, u2

    b = ClassBuilder("Smap")
    b.attributes.append(b.attribute("SourceDebugExtension",
                                    "SMAP\nFoo.java\r\nJava\n*S J\u00e9\n*E\n".encode()))
    b.attributes.append(b.attribute("CompilationID", u2(b.utf8("abc"))))
    b.attributes.append(b.attribute("Weird", b"\x01\x02" * 9))
    (tmp_path / "Smap.class").write_bytes(b.build())
    theirs, ours = _both(["-v", "Smap.class"], cwd=tmp_path)
    assert b"Utf8 abc  Weird: length = 0x12 (unknown attribute)" in theirs[1]
    assert ours == theirs
