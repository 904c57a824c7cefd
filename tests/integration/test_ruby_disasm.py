"""`vmforms ruby --dump=insns` and our disassembler against CRuby 3.1's, byte for byte: the
project's Ruby corpus and every .rb file of Ruby's standard library that compiles."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "ruby_programs"
STDLIB = Path("/usr/lib/ruby/3.1.0")
pytestmark = pytest.mark.integration

# One ruby process compiles every file, writes N.yarb, and its disasm as N.txt.
_DUMP = """
out = ARGV.shift
ARGV.each_with_index do |f, i|
  begin
    bin = RubyVM::InstructionSequence.compile_file(f).to_binary
  rescue SyntaxError, StandardError
    next
  end
  File.binwrite("#{out}/#{i}.yarb", bin)
  File.binwrite("#{out}/#{i}.txt", RubyVM::InstructionSequence.load_from_binary(bin).disasm)
end
"""


def _ruby() -> str:
    path = shutil.which("ruby")
    if path is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    return path


def _compare(args: tuple[str, str]) -> str | None:
    from vmforms.yarv.disasm import disasm
    from vmforms.yarv.iseq import load

    stem, name = args
    want = Path(stem + ".txt").read_bytes().decode("utf-8", "surrogateescape")
    try:
        got = disasm(load(Path(stem + ".yarb").read_bytes(), name).top)
    except Exception as exc:  # reported with the file's name, below
        return f"{name}: {type(exc).__name__}: {exc}"
    if got == want:
        return None
    for n, (a, b) in enumerate(zip(want.splitlines(), got.splitlines(), strict=False)):
        if a != b:
            return f"{name}:{n + 1}:\n  ruby:    {a}\n  vmforms: {b}"
    return f"{name}: output lengths differ"


def _check_all(files: list[Path], tmp_path: Path) -> int:
    ruby = _ruby()
    subprocess.run([ruby, "--disable-gems", "-e", _DUMP, str(tmp_path)] + [str(f) for f in files],
                   check=True, env={"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")})
    jobs = [(str(tmp_path / str(i)), str(f)) for i, f in enumerate(files)
            if (tmp_path / f"{i}.yarb").exists()]
    # Two workers: the comparison is CPU-bound Python, about 10 ms a file.
    with multiprocessing.get_context("fork").Pool(2) as pool:
        failures = [r for r in pool.map(_compare, jobs, chunksize=16) if r is not None]
    assert not failures, f"{len(failures)} of {len(jobs)} differ:\n" + "\n".join(failures[:10])
    return len(jobs)


def test_every_stdlib_file_disassembles_as_ruby_does(tmp_path: Path) -> None:
    files = sorted(STDLIB.rglob("*.rb"))
    if not files:
        pytest.skip(f"no Ruby standard library under {STDLIB}")
    checked = _check_all(files, tmp_path)
    assert checked > 0.9 * len(files)  # nearly all of them compile


def test_corpus_disassembles_as_ruby_does(tmp_path: Path) -> None:
    files = sorted(CORPUS.glob("*.rb"))
    assert files, "the Ruby corpus is missing"
    assert _check_all(files, tmp_path) == len(files)


def test_cli_dump_insns_is_ruby_dump_insns(vmforms_bin: str, tmp_path: Path) -> None:
    ruby = _ruby()
    env = {"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""),
           "VMFORMS_ROOT": str(tmp_path / "state")}
    for args in (["-e", "puts 2+2"], [str(sorted(CORPUS.glob("*.rb"))[0])]):
        want = subprocess.run([ruby, "--dump=insns", *args], capture_output=True, env=env)
        got = subprocess.run([vmforms_bin, "ruby", "--dump=insns", *args], capture_output=True,
                             env=env)
        assert got.returncode == 0, got.stderr
        assert got.stdout == want.stdout
