"""The `vmforms javap` front end: options, lookup, and one-line errors for bad input."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest


def run(vmforms_bin: str, *args: str, cwd: Path | None = None,
        lang: str = "C.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "CLASSPATH"))}
    env["LC_ALL"] = lang
    return subprocess.run([vmforms_bin, "javap", *args], cwd=cwd, capture_output=True,
                          text=True, errors="replace", env=env)


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "unexpected end of file while reading {}"),
    (b"hello world\n", "error while reading constant pool for {}: unexpected tag at #1: 100"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x3d\x00\x05\x01\x00",
     "unexpected end of file while reading {}"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x3d\x00\x02\x0e",
     "error while reading constant pool for {}: unexpected tag at #1: 14"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x3d\x00\x02\x01\x00\x02\xc3\x28",
     "IO error reading {}: malformed input around byte 2"),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x3d\x00\x02\x01\x00\x01\xe3",
     "IO error reading {}: malformed input: partial character at end"),
])
def test_unreadable_class_file_is_one_line(vmforms_bin: str, tmp_path: Path, data: bytes,
                                           problem: str) -> None:
    """Where the JDK's class reader gives up, one line in javap's words (the name as given)."""
    bad = tmp_path / "Bad.class"
    bad.write_bytes(data)
    result = run(vmforms_bin, "-c", str(bad))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "Error: " + problem.format(bad) + "\n"


def test_truncated_corpus_class(vmforms_bin: str, tmp_path: Path,
                                corpus_classes: dict[str, Path]) -> None:
    data = corpus_classes["corpus/Lambdas"].read_bytes()
    cut = tmp_path / "Cut.class"
    cut.write_bytes(data[:len(data) // 2])
    result = run(vmforms_bin, "Cut.class", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == "Error: unexpected end of file while reading Cut.class\n"


def test_attribute_too_big(vmforms_bin: str, tmp_path: Path) -> None:
    from jvm_testlib import ClassBuilder, u2

    b = ClassBuilder("Big")
    signature = b.utf8("Signature")
    data = b.build()
    assert data.endswith(u2(0))  # no class attributes: give it one whose u4 length has the top
    (tmp_path / "Big.class").write_bytes(data[:-2] + u2(1) + u2(signature) + b"\x80\0\0\0")
    result = run(vmforms_bin, "Big.class", cwd=tmp_path)
    assert result.stderr == "Error: Fatal error: attribute Signature too big to handle\n"
    assert result.returncode == 1


def test_missing_class_matches_javap_and_goes_on(vmforms_bin: str,
                                                 corpus_classes: dict[str, Path]) -> None:
    good = corpus_classes["corpus/Enums"]
    result = run(vmforms_bin, "NoSuchClass", str(good))
    assert result.stderr == "Error: class not found: NoSuchClass\n"
    assert result.stdout.startswith('Compiled from "Enums.java"\npublic class corpus.Enums ')
    # javap's exit status is that of the last class named
    assert result.returncode == 0
    assert run(vmforms_bin, str(good), "NoSuchClass").returncode == 1


def test_bad_constant_reference_in_code(vmforms_bin: str, tmp_path: Path) -> None:
    """An operand that names no constant is printed bare, as javap prints it."""
    from jvm_testlib import ClassBuilder

    b = ClassBuilder("BadLdc")
    b.method(0x0009, "m", "()V", b.code(1, 0, b"\x00\x12\x63\xb1"))  # nop; ldc #99; return
    (tmp_path / "BadLdc.class").write_bytes(b.build())
    result = run(vmforms_bin, "-c", "BadLdc.class", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert "       1: ldc           #99                 // #99\n" in result.stdout


def test_bad_references_reported_inline(vmforms_bin: str, tmp_path: Path) -> None:
    """A reference to a constant that is not there: javap's `Error:` line, then `???`."""
    from jvm_testlib import ClassBuilder, u1, u2

    b = ClassBuilder("BadRef")
    fref = b.add(u1(9) + u2(500) + u2(b.name_and_type("f", "I")))  # class_index #500
    b.method(0x0009, "m", "()V", b.code(1, 0, b"\xb2" + u2(fref) + b"\x57\xb1"))
    (tmp_path / "BadRef.class").write_bytes(b.build())
    result = run(vmforms_bin, "-c", "BadRef.class", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ("    Code:\nError: invalid index #500\n"
            f"       0: getstatic     #{fref}                  // Field ???.f:I\n"
            in result.stdout)


def test_usage_errors(vmforms_bin: str) -> None:
    result = run(vmforms_bin, "-x", "Foo")
    assert result.returncode == 2 and result.stderr.startswith("Error: unknown option: -x\n")
    result = run(vmforms_bin)  # javap prints its whole usage, on stdout, and fails
    assert result.returncode == 2 and result.stderr == ""
    assert result.stdout.startswith("Usage: vmforms javap <options> <classes>\n")
    result = run(vmforms_bin, "-c")
    assert result.returncode == 2 and result.stderr == "Error: no classes specified\n"
    result = run(vmforms_bin, "-cp")
    assert result.returncode == 2
    assert "Usage" in run(vmforms_bin, "--help").stdout


def test_class_path_forms(vmforms_bin: str, corpus_classes: dict[str, Path]) -> None:
    root = corpus_classes["corpus/Enums"].parent.parent
    outputs = {run(vmforms_bin, flag, str(root), "corpus.Enums").stdout
               for flag in ("-cp", "-classpath", "--class-path")}
    outputs.add(run(vmforms_bin, f"--class-path={root}", "corpus/Enums").stdout)
    assert len(outputs) == 1
    assert "class corpus.Enums" in outputs.pop()


def test_jdk_class_by_name(vmforms_bin: str) -> None:
    result = run(vmforms_bin, "java.lang.Runnable")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ('Compiled from "Runnable.java"\n'
                             "public interface java.lang.Runnable {\n"
                             "  public abstract void run();\n}\n")


def test_non_ascii_under_c_locale(vmforms_bin: str, corpus_classes: dict[str, Path]) -> None:
    path = str(corpus_classes["corpus/Unicode"])
    utf8 = run(vmforms_bin, "-p", path)
    ascii_ = run(vmforms_bin, "-p", path, lang="C")
    assert "int café;" in utf8.stdout
    assert "int caf?;" in ascii_.stdout


@pytest.mark.parametrize(("env", "encoding"), [
    ({}, "ascii"), ({"LANG": "C"}, "ascii"), ({"LANG": "C.UTF-8"}, "utf-8"),
    ({"LC_ALL": "POSIX", "LANG": "C.UTF-8"}, "ascii"), ({"LC_CTYPE": "C"}, "ascii"),
    ({"LC_ALL": "C.UTF-8", "LANG": "C"}, "utf-8"),
    ({"LANG": "xx_NOWHERE.UTF-8"}, "ascii"),  # not installed: the C library falls back to C
])
def test_output_encoding(env: dict[str, str], encoding: str) -> None:
    """Decided in a fresh interpreter, for Python rewrites LC_CTYPE at start-up (PEP 538)."""
    import sys

    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("LC_", "LANG", "PYTHONUTF8"))}
    result = subprocess.run(
        [sys.executable, "-c", "from vmforms.cli import javap; print(javap._output_encoding())"],
        env={**clean, **env}, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == encoding
