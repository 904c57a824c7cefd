"""`vmforms ruby`'s command line, read as ruby reads its own, and the compiler cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vmforms.cli.ruby import parse
from vmforms.yarv.errors import YarvError

VMFORMS = str(Path(sys.executable).with_name("vmforms"))


def test_parse_switches_script_and_arguments() -> None:
    o = parse(["-I", "lib", "-rset", "-w", "prog.rb", "-x", "y"])
    assert (o.load_path, o.requires, o.verbose, o.script, o.args) == (
        ["lib"], ["set"], True, "prog.rb", ["-x", "y"])
    o = parse(["-e", "a = 1", "-e", "p a", "arg"])
    assert o.code == ["a = 1", "p a"] and o.script is None and o.args == ["arg"]
    assert parse(["--dump=insns", "-"]).dump_insns
    assert parse([]).script == "-"
    assert parse(["-W0", "x.rb"]).verbose is None


def test_parse_refuses_bad_switches() -> None:
    with pytest.raises(YarvError, match="invalid option -z"):
        parse(["-z"])
    with pytest.raises(YarvError, match="no code specified for -e"):
        parse(["-e"])


def test_stdin_script_and_warm_cache(ruby: str, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "VMFORMS_ROOT": str(tmp_path), "HOME": str(tmp_path)}
    for _ in range(2):  # cold, then from the cache
        p = subprocess.run([VMFORMS, "ruby", "-", "a", "b"], input=b"p ARGV, $0\n",
                           capture_output=True, env=env)
        assert p.stdout == b'["a", "b"]\n"-"\n', p.stderr
    assert len(list((tmp_path / "cache" / "yarv").iterdir())) == 1
