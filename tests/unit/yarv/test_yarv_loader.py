"""The binary iseq loader and disassembler against CRuby 3.1's own, and under corruption."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import pytest

from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import RSymbol
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.string import RString
from vmforms.yarv.disasm import disasm
from vmforms.yarv.errors import IseqFormatError
from vmforms.yarv.iseq import load
from vmforms.yarv.iseq.reader import Reader

EVERY_KIND = """\
def f(a, b = 1, *r, c, d:, e: 2, **kw, &blk)
  x = [1, 2.5, -0.0, 1e20, 1.5e-7, "s\\u0001\\xff", "é", :sym, :"a b", :$=, 1..2, 3...,
       /r\\/e/mix, 10**30, -10**25, 2**64, 3r, 2i, 1.5ri, {a: 1, "b" => [nil, true, false]}]
  begin
    raise "x"
  rescue ArgumentError, TypeError => e
    retry
  ensure
    puts 1
  end
  case a
  when 1, "two", :three then 2
  when 3 then 4
  end
  for i in [1]; end
  [1].each { |z| break z }
  y = defined?(@foo) && defined?(String) && $~ && $1
  g(*r, **kw, &blk)
  super
end
class Foo < Struct.new(:a); def self.k(*, **) = 1; def m(...) = p(...); end
v = /a#{1}b/o
"""


def test_disasm_matches_ruby_on_every_object_kind(
        compile_rb: Callable[[str], bytes], ruby_disasm: Callable[[bytes], str]) -> None:
    binary = compile_rb(EVERY_KIND)
    assert disasm(load(binary).top) == ruby_disasm(binary)


def test_objects_load_as_ruby_values(compile_rb: Callable[[str], bytes]) -> None:
    f = load(compile_rb("x = [12345678901234567890123, -7, 2.5, :s, 1..3, 2r, 3i]\n"
                        "y = 'é'\n"))
    top = f.top
    assert top.type == "top" and top.label.text() == "<main>"
    # putobject operands, in source order (the array is built at run time)
    lits = [top.code[i + 1] for i in range(len(top.code) - 1) if top.code[i] == 18]
    big, neg, flo, sym, rng, rat, cpx = lits[:7]
    s = next(op for op in top.code if isinstance(op, RString))
    assert big == 12345678901234567890123 and neg == -7 and flo == 2.5
    assert isinstance(s, RString) and s.text() == "é" and s.enc == "UTF-8"
    assert isinstance(sym, RSymbol) and sym.name == "s"
    assert isinstance(rng, RRange) and (rng.first, rng.last, rng.excl) == (1, 3, False)
    assert isinstance(rat, RRational) and (rat.num, rat.den) == (2, 1)
    assert isinstance(cpx, RComplex) and (cpx.real, cpx.imag) == (0, 3)
    assert [v.name for v in top.local_table if v] == ["x", "y"]


def test_parameters_and_catch_table(compile_rb: Callable[[str], bytes]) -> None:
    f = load(compile_rb(EVERY_KIND))
    m = next(i for i in f.iseqs if i.label.text() == "f")
    assert (m.lead_num, m.opt_num, m.post_num) == (1, 1, 1)
    assert m.has_rest and m.has_kw and m.has_kwrest and m.has_block
    assert m.keyword is not None and m.keyword.num == 2 and m.keyword.required_num == 1
    assert [k.name for k in m.keyword.table if k] == ["d", "e"]
    assert {e.type for e in m.catch_table} >= {"rescue", "retry", "ensure", "break"}


@pytest.mark.parametrize("raw,value", [(b"\x03", 1), (b"\x02\x01", 0x40 | 0x01 << 0),
                                        (b"\x00" + b"\xff" * 8, (1 << 64) - 1)])
def test_small_values(raw: bytes, value: int) -> None:
    r = Reader(raw, "t", len(raw))
    got, end = r.small(0)
    assert end == len(raw)
    if raw == b"\x02\x01":
        assert got == (0x02 >> 2) << 8 | 0x01
    else:
        assert got == value


def test_refuses_what_is_not_an_iseq() -> None:
    with pytest.raises(IseqFormatError, match="no YARB magic"):
        load(b"\x7fELF" + bytes(60), "x")
    with pytest.raises(IseqFormatError, match="shorter than the header"):
        load(b"YARB", "x")


def test_fuzz_truncated_and_corrupted(compile_rb: Callable[[str], bytes]) -> None:
    """Every prefix and thousands of corrupted copies: loaded and printed, or one
    IseqFormatError; never another exception."""
    data = compile_rb(EVERY_KIND)
    rng = random.Random(15)
    cases = [data[:n] for n in range(0, len(data), 3)]
    for _ in range(2000):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        cases.append(bytes(b))
    loaded = 0
    for case in cases:
        try:
            disasm(load(case, "fuzz").top)
            loaded += 1
        except IseqFormatError as exc:
            assert str(exc).startswith("fuzz: offset ")
    assert loaded > 0  # some corruptions hit only operands and still load


def test_fuzz_a_standard_library_file(ruby: str, tmp_path: Path) -> None:
    """Corrupted copies of set.rb's iseq (many nested iseqs): never anything but
    IseqFormatError, including iseqs made to contain themselves."""
    import subprocess

    src = Path("/usr/lib/ruby/3.1.0/set.rb")
    if not src.exists():
        pytest.skip("no Ruby standard library under /usr/lib/ruby/3.1.0")
    data = subprocess.run([ruby, "-e", "STDOUT.binmode; print RubyVM::InstructionSequence"
                           ".compile_file(ARGV[0]).to_binary", str(src)],
                          check=True, capture_output=True).stdout
    rng = random.Random(7)
    for _ in range(400):
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        try:
            disasm(load(bytes(b), "fuzz").top)
        except IseqFormatError:
            pass
