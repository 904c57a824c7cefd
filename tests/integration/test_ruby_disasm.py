"""`vmforms ruby --dump=insns` and our disassembler against CRuby 3.1's, byte for byte: the
project's Ruby corpus and every .rb file of Ruby's standard library that compiles."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "ruby_programs"
STDLIB = Path("/usr/lib/ruby/3.1.0")
pytestmark = pytest.mark.integration

# One ruby process compiles every file and streams, per file that compiles, its index,
# the binary iseq and ruby's disasm of it; the comparisons run while it goes on.
_DUMP = """
STDOUT.binmode
ARGV.each_with_index do |f, i|
  begin
    bin = RubyVM::InstructionSequence.compile_file(f).to_binary
  rescue SyntaxError, StandardError
    next
  end
  txt = RubyVM::InstructionSequence.load_from_binary(bin).disasm.b
  STDOUT.write([i, bin.bytesize, txt.bytesize].pack("NNN"), bin, txt)
end
"""


def _ruby() -> str:
    path = shutil.which("ruby")
    if path is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    return path


def _compare(job: tuple[str, bytes, bytes]) -> str | None:
    from vmforms.yarv.disasm import disasm
    from vmforms.yarv.iseq import load

    name, binary, text = job
    want = text.decode("utf-8", "surrogateescape")
    try:
        got = disasm(load(binary, name).top)
    except Exception as exc:  # reported with the file's name, below
        return f"{name}: {type(exc).__name__}: {exc}"
    if got == want:
        return None
    for n, (a, b) in enumerate(zip(want.splitlines(), got.splitlines(), strict=False)):
        if a != b:
            return f"{name}:{n + 1}:\n  ruby:    {a}\n  vmforms: {b}"
    return f"{name}: output lengths differ"


def _records(stream: IO[bytes], files: list[Path]) -> Iterator[tuple[str, bytes, bytes]]:
    while header := stream.read(12):
        i, nbin, ntxt = struct.unpack(">III", header)
        yield str(files[i]), stream.read(nbin), stream.read(ntxt)


def _check_all(files: list[Path]) -> int:
    ruby = _ruby()
    proc = subprocess.Popen([ruby, "--disable-gems", "-e", _DUMP] + [str(f) for f in files],
                            stdout=subprocess.PIPE,
                            env={"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", "")})
    assert proc.stdout is not None
    # Two workers: the comparison is CPU-bound Python, about 10 ms a file.
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = list(pool.imap_unordered(_compare, _records(proc.stdout, files),
                                               chunksize=8))
    finally:
        proc.stdout.close()
        assert proc.wait(timeout=60) == 0
    failures = [r for r in results if r is not None]
    assert not failures, f"{len(failures)} of {len(results)} differ:\n" + "\n".join(failures[:10])
    return len(results)


def test_every_stdlib_file_disassembles_as_ruby_does() -> None:
    files = sorted(STDLIB.rglob("*.rb"))
    if not files:
        pytest.skip(f"no Ruby standard library under {STDLIB}")
    checked = _check_all(files)
    assert checked > 0.9 * len(files)  # nearly all of them compile


def test_corpus_disassembles_as_ruby_does() -> None:
    files = sorted(CORPUS.glob("*.rb"))
    assert files, "the Ruby corpus is missing"
    assert _check_all(files) == len(files)


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
