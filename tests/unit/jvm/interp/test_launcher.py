"""`vmforms java` as a command: the main-method forms (JEP 512 included), the launcher's
messages and exit codes for bad input, -jar and System.exit."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from interp_testlib import compile_java, run_vmforms

SOURCES = {
    "Hello": """
        public class Hello {
            public static void main() { System.out.println("Hello, world!"); }
        }""",
    "InstanceMain": """
        public class InstanceMain {
            String greeting = "instance";
            void main(String[] args) { System.out.println(greeting + " " + args.length); }
        }""",
    "NoMain": "public class NoMain { static void helper() {} }",
    "Exits": """
        public class Exits {
            public static void main(String[] args) {
                System.out.println("bye");
                System.exit(Integer.parseInt(args[0]));
            }
        }""",
    "Thrower": """
        public class Thrower {
            public static void main(String[] args) { throw new IllegalStateException("msg"); }
        }""",
}


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory.mktemp("launcher"), SOURCES)


def test_parameterless_static_main(classes: Path) -> None:
    r = run_vmforms(classes, "-cp", ".", "Hello")
    assert (r.stdout, r.stderr, r.returncode) == (b"Hello, world!\n", b"", 0)


def test_instance_main(classes: Path) -> None:
    r = run_vmforms(classes, "-cp", ".", "InstanceMain", "a", "b")
    assert (r.stdout, r.returncode) == (b"instance 2\n", 0)


def test_missing_class(classes: Path) -> None:
    r = run_vmforms(classes, "-cp", ".", "Missing")
    assert r.returncode == 1
    assert r.stderr == (b"Error: Could not find or load main class Missing\n"
                        b"Caused by: java.lang.ClassNotFoundException: Missing\n")


def test_class_without_main(classes: Path) -> None:
    r = run_vmforms(classes, "-cp", ".", "NoMain")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Error: Main method not found in class NoMain, please define")


def test_system_exit_status(classes: Path) -> None:
    r = run_vmforms(classes, "--class-path", ".", "Exits", "42")
    assert (r.stdout, r.returncode) == (b"bye\n", 42)


def test_uncaught_exception(classes: Path) -> None:
    r = run_vmforms(classes, "-classpath", ".", "Thrower")
    assert r.returncode == 1
    assert r.stderr == (b'Exception in thread "main" java.lang.IllegalStateException: msg\n'
                        b"\tat Thrower.main(Thrower.java:3)\n")


def test_jar_with_manifest(classes: Path, tmp_path: Path) -> None:
    jar = tmp_path / "app.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\nMain-Class: Exits\n\n")
        z.write(classes / "Exits.class", "Exits.class")
    r = run_vmforms(tmp_path, "-jar", str(jar), "7")
    assert (r.stdout, r.returncode) == (b"bye\n", 7)


def test_corrupt_jar(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jar"
    bad.write_bytes(b"not a zip")
    r = run_vmforms(tmp_path, "-jar", str(bad))
    assert (r.stderr, r.returncode) == (f"Error: Invalid or corrupt jarfile {bad}\n".encode(), 1)


def test_corrupt_class_names_the_problem(tmp_path: Path) -> None:
    (tmp_path / "Broken.class").write_bytes(b"\xca\xfe\xba\xbe\x00\x00\x00\x3d\x00")
    r = run_vmforms(tmp_path, "-cp", ".", "Broken")
    assert r.returncode == 1
    assert r.stderr.startswith(b"Error: LinkageError occurred while loading main class Broken")
    assert b"Traceback" not in r.stderr


def test_unrecognized_option_matches_java(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed")
    want = subprocess.run([java, "-Xbogus-option"], capture_output=True)
    got = run_vmforms(tmp_path, "-Xbogus-option")
    assert got.returncode == want.returncode


def test_assertions_follow_ea(tmp_path: Path) -> None:
    compile_java(tmp_path, {"Asserts": """
        public class Asserts {
            public static void main(String[] args) {
                assert args.length > 5 : "too few";
                System.out.println("passed");
            }
        }"""})
    off = run_vmforms(tmp_path, "-cp", ".", "Asserts")
    on = run_vmforms(tmp_path, "-ea", "-cp", ".", "Asserts")
    assert (off.stdout, off.returncode) == (b"passed\n", 0)
    assert on.returncode == 1
    assert on.stderr == (b'Exception in thread "main" java.lang.AssertionError: too few\n'
                         b"\tat Asserts.main(Asserts.java:4)\n")


def test_uncaught_stack_overflow_prints_1024_frames(tmp_path: Path) -> None:
    compile_java(tmp_path, {"Deep": """
        public class Deep {
            static int down(int n) { return down(n + 1) + 1; }
            public static void main(String[] args) { down(0); }
        }"""})
    r = run_vmforms(tmp_path, "-cp", ".", "Deep")
    lines = r.stderr.decode().splitlines()
    assert r.returncode == 1
    assert lines[0] == 'Exception in thread "main" java.lang.StackOverflowError'
    assert len(lines) == 1025 and lines[1] == "\tat Deep.down(Deep.java:3)"


def test_newer_class_file_version_is_refused_like_java(classes: Path, tmp_path: Path) -> None:
    data = bytearray((classes / "Exits.class").read_bytes())
    data[6:8] = (65).to_bytes(2, "big")
    (tmp_path / "Exits.class").write_bytes(bytes(data))
    r = run_vmforms(tmp_path, "-cp", ".", "Exits", "0")
    assert r.returncode == 1
    assert r.stderr.decode() == (
        "Error: LinkageError occurred while loading main class Exits\n"
        "\tjava.lang.UnsupportedClassVersionError: Exits has been compiled by a more recent "
        "version of the Java Runtime (class file version 65.0), this version of the Java "
        "Runtime only recognizes class file versions up to 61.0\n")
    java = shutil.which("java")
    if java is not None:
        want = subprocess.run([java, "-cp", ".", "Exits", "0"], cwd=tmp_path, capture_output=True)
        assert (r.stderr, r.returncode) == (want.stderr, want.returncode)


def test_version_comes_from_the_class_library(tmp_path: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed")
    want = subprocess.run([java, "-version"], capture_output=True).stderr.decode().splitlines()
    got = run_vmforms(tmp_path, "-version")
    lines = got.stderr.decode().splitlines()
    assert got.returncode == 0 and got.stdout == b""
    assert lines[:2] == want[:2]
    assert lines[2].endswith(", mixed mode)")  # the translation tier is on
    xint = run_vmforms(tmp_path, "-Xint", "-XX:CompileThreshold=5", "-version")
    assert xint.stderr.decode().splitlines()[2].endswith(", interpreted mode)")
    bad = run_vmforms(tmp_path, "-XX:CompileThreshold=x", "-version")
    want_bad = subprocess.run([java, "-XX:CompileThreshold=x", "-version"], capture_output=True)
    assert (bad.stdout, bad.stderr, bad.returncode) == \
        (want_bad.stdout, want_bad.stderr, want_bad.returncode)
