"""Helpers of the YARV unit tests: Debian's ruby compiles the sources (skip without it)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def ruby() -> str:
    path = shutil.which("ruby")
    if path is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    return path


@pytest.fixture
def compile_rb(ruby: str, tmp_path: Path) -> Callable[[str], bytes]:
    def run(source: str) -> bytes:
        src = tmp_path / "t.rb"
        src.write_text(source)
        return subprocess.run(
            [ruby, "-e", "STDOUT.binmode; print RubyVM::InstructionSequence"
             ".compile_file(ARGV[0]).to_binary", "t.rb"],
            cwd=tmp_path, check=True, capture_output=True).stdout
    return run


@pytest.fixture
def ruby_disasm(ruby: str, tmp_path: Path) -> Callable[[bytes], str]:
    def run(binary: bytes) -> str:
        path = tmp_path / "t.yarb"
        path.write_bytes(binary)
        return subprocess.run(
            [ruby, "-e", "print RubyVM::InstructionSequence.load_from_binary("
             "File.binread(ARGV[0])).disasm", str(path)],
            check=True, capture_output=True, env={"LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        ).stdout.decode("utf-8", "surrogateescape")
    return run
