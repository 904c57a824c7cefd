"""Helpers of the interpreter tests: javac into a temp dir, `vmforms java` as a subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


def compile_java(out: Path, sources: dict[str, str]) -> Path:
    javac = shutil.which("javac")
    if javac is None:
        pytest.skip("javac is not installed (make setup installs openjdk-17-jdk-headless)")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in sources.items():
        p = out / f"{name}.java"
        p.write_text(text)
        paths.append(str(p))
    subprocess.run([javac, "-g", "-d", str(out), *paths], check=True, capture_output=True)
    return out


def run_vmforms(cwd: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "vmforms", "java", *args], cwd=cwd,
                          input=stdin, capture_output=True, timeout=300)


def interpreted_and_translated(machine: Any, th: Any, cls: str, name: str,
                               args: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """(interpreted result, translated result, translated function) of cls.name(args);
    the interpreted run links every instruction it runs (and its callees) first."""
    from vmforms.jvm.interp.translate import translate
    from vmforms.jvm.runtime.vm import slot_args

    m = next(m for m in machine.load(cls).methods.values() if m.name == name)
    m.native = None
    first = machine.invoke(th, m, slot_args(m.descriptor, list(args)))
    fn = translate(m)
    assert fn is not None, f"{name} was not translated"
    return first, fn(th, slot_args(m.descriptor, list(args))), fn
