"""Array#pack and String#unpack on generated inputs: hundreds of random formats, values and
byte strings, run by `ruby` and by `vmforms ruby`, results (and errors) identical."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
INTS = "cCsSlLqQjJnNvViI"
FLOATS = "dDfFeEgG"
STRS = "aAZBbHhmMu"


def _count(rng: random.Random) -> str:
    return rng.choice(["", "", "*", str(rng.randint(0, 9))])


def _int_value(rng: random.Random) -> str:
    bits = rng.choice([7, 8, 15, 16, 31, 32, 63, 64, 70])
    return str(rng.randint(-(1 << bits), 1 << bits))


def _bytes_literal(data: bytes) -> str:
    return '"' + "".join(f"\\x{b:02x}" for b in data) + '".b'


def _pack_case(rng: random.Random) -> str:
    fmt, values = [], []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["int", "int", "float", "str", "U", "w", "pos"])
        count = _count(rng)
        n = 1 if count in ("", "*") else int(count)
        if kind == "int":
            d = rng.choice(INTS)
            if d in "sSiIlLqQjJ":
                d += rng.choice(["", "", "_", "!", "<", ">"])
            fmt.append(d + count)
            values += [_int_value(rng) for _ in range(n if count != "*" else 3)]
        elif kind == "float":
            fmt.append(rng.choice(FLOATS) + count)
            values += [rng.choice([str(rng.uniform(-1e6, 1e6)), "1.5", "-0.0",
                                   str(rng.randint(-99, 99))])
                       for _ in range(n if count != "*" else 2)]
        elif kind == "str":
            fmt.append(rng.choice(STRS) + count)
            text = rng.choice(["", "abc", "hello world", "0110", "a1F", "=x\n\t y",
                               "a" * 70, "\u00e9t\u00e9"])
            values.append(repr(text).replace("'", '"') if "\\" not in repr(text)
                          else _bytes_literal(text.encode()))
        elif kind == "U":
            fmt.append("U" + count)
            values += [str(rng.choice([65, 233, 0x3042, 0x1F600, 0x10FFFF, 0xD800]))
                       for _ in range(n if count != "*" else 2)]
        elif kind == "w":
            fmt.append("w" + count)
            values += [str(rng.randint(0, 1 << rng.choice([6, 14, 40, 80])))
                       for _ in range(n if count != "*" else 2)]
        else:
            fmt.append(rng.choice("xX@") + count)
    return f"t {{ r = [{', '.join(values)}].pack({' '.join(fmt)!r}); [r, r.encoding] }}"


def _unpack_case(rng: random.Random) -> str:
    data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 24)))
    if rng.random() < 0.3:
        data = rng.choice([b"YWJjZA==", b"aGVsbG8gd29ybGQ=\n", b"=41=3D\n", b"%:&5L;&\\\n",
                           "h\u00e9llo".encode(), b"\x82\x2c\x05"]) + data[:3]
    fmt = []
    for _ in range(rng.randint(1, 4)):
        d = rng.choice(INTS + FLOATS + STRS + "UwxX@")
        if d in "sSiIlLqQjJ" and rng.random() < 0.3:
            d += rng.choice("_!<>")
        fmt.append(d + _count(rng))
    return f"t {{ {_bytes_literal(data)}.unpack({''.join(fmt)!r}) }}"


def compare_with_ruby(tmp_path: Path, lines: list[str], first: int) -> None:
    """Run the script of lines under ruby and vmforms ruby: each printed line (one per
    case, cases from line `first` on) the same. Shared by the generated-input tests."""
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    script = tmp_path / "cases.rb"
    script.write_text("\n".join(lines) + "\n")
    env = {"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""),
           "VMFORMS_ROOT": str(tmp_path / "state"), "HOME": str(tmp_path)}
    want = subprocess.run([ruby, str(script)], capture_output=True, env=env, timeout=120)
    got = subprocess.run([VMFORMS, "ruby", str(script)], capture_output=True, env=env,
                         timeout=300)
    assert want.returncode == 0, want.stderr
    assert got.returncode == 0, got.stderr.decode(errors="replace")[-2000:]
    w, g = want.stdout.decode().splitlines(), got.stdout.decode().splitlines()
    diffs = [f"{lines[first + i]}\n  ruby:    {a}\n  vmforms: {b}"
             for i, (a, b) in enumerate(zip(w, g, strict=False)) if a != b]
    assert not diffs and len(w) == len(g), f"{len(diffs)} differ:\n" + "\n".join(diffs[:12])


def test_pack_and_unpack_agree_with_ruby(tmp_path: Path) -> None:
    rng = random.Random(20261206)
    lines = ["def t", "  p yield", "rescue => e", "  p [e.class, e.message]", "end"]
    for _ in range(300):
        lines.append(_pack_case(rng))
        lines.append(_unpack_case(rng))
    compare_with_ruby(tmp_path, lines, 5)
