"""Marshal on values neither side wrote by hand: ruby builds hundreds of random nested
values and dumps them; `vmforms ruby` and `ruby` each load every dump and dump it again
(identical bytes and inspect output), and thousands of damaged copies load as one Ruby
exception each, never a crash."""

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

GENERATE = r"""
Pair = Struct.new(:left, :right)
rng = Random.new(Integer(ARGV[0]))
pool = []
gen = lambda do |depth|
  case rng.rand(depth > 3 ? 9 : 14)
  when 0 then [nil, true, false][rng.rand(3)]
  when 1 then rng.rand(-300..300)
  when 2 then rng.rand(-2**70..2**70)
  when 3 then [rng.rand * 10**rng.rand(-8..30), -0.0, 1.0 / 0, 2.5e-300, 100.0][rng.rand(5)]
  when 4 then ["", "abc", "héllo", "bin\xff\x00".b, "x" * rng.rand(300),
               "ascii".encode("US-ASCII")][rng.rand(6)]
  when 5 then [:a, :sym, :"with space", :"é"][rng.rand(4)]
  when 6 then pool.empty? ? 0 : pool[rng.rand(pool.size)]
  when 7 then Rational(rng.rand(-9..9), rng.rand(1..9))
  when 8 then (rng.rand(5)..rng.rand(5..9))
  when 9, 10 then Array.new(rng.rand(5)) { gen.(depth + 1) }.tap { |a| pool << a }
  when 11 then h = rng.rand(3).zero? ? Hash.new(rng.rand(9)) : {}
               rng.rand(4).times { h[gen.(depth + 1)] = gen.(depth + 1) }
               pool << h
               h
  when 12 then Pair.new(gen.(depth + 1), gen.(depth + 1)).tap { |s| pool << s }
  else
    case rng.rand(5)
    when 0 then Time.at(rng.rand(2**31), rng.rand(10**9), :nsec).utc
    when 1 then Time.at(rng.rand(2**31), rng.rand(10**6), :usec).localtime("+05:30")
    when 2 then Time.at(Rational(rng.rand(-99..99), rng.rand(1..99))).utc
    else "shared".tap { |s| pool << s }
    end
  end
end
Integer(ARGV[1]).times { puts Marshal.dump(gen.(0)).unpack1("H*") }
"""

CHECK = r"""
Pair = Struct.new(:left, :right)
File.foreach(ARGV[0]) do |line|
  value = Marshal.load([line.chomp].pack("H*"))
  puts Marshal.dump(value).unpack1("H*")
  p value
end
"""

FUZZ = r"""
Pair = Struct.new(:left, :right)
File.foreach(ARGV[0]) do |line|
  begin
    Marshal.load([line.chomp].pack("H*"))
    puts "ok"
  rescue StandardError => e
    puts e.class
  end
end
"""


def test_marshal_round_trips_ruby_dumps(tmp_path: Path) -> None:
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    env = {"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""),
           "VMFORMS_ROOT": str(tmp_path / "state"), "HOME": str(tmp_path)}
    for name, text in (("gen.rb", GENERATE), ("check.rb", CHECK), ("fuzz.rb", FUZZ)):
        (tmp_path / name).write_text(text)
    dumps = subprocess.run([ruby, str(tmp_path / "gen.rb"), "20261206", "300"], check=True,
                           capture_output=True, env=env, timeout=120).stdout
    (tmp_path / "dumps.txt").write_bytes(dumps)
    check = [str(tmp_path / "check.rb"), str(tmp_path / "dumps.txt")]
    want = subprocess.run([ruby, *check], capture_output=True, env=env, timeout=120)
    got = subprocess.run([VMFORMS, "ruby", *check], capture_output=True, env=env, timeout=300)
    assert want.returncode == 0, want.stderr
    assert got.returncode == 0, got.stderr.decode(errors="replace")[-2000:]
    w, g = want.stdout.decode().splitlines(), got.stdout.decode().splitlines()
    diffs = [f"line {i}:\n  ruby:    {a[:300]}\n  vmforms: {b[:300]}"
             for i, (a, b) in enumerate(zip(w, g, strict=False)) if a != b]
    assert not diffs and len(w) == len(g) == 600, "\n".join(diffs[:5])

    rng = random.Random(7)
    damaged = []
    for line in dumps.decode().split():
        data = bytearray.fromhex(line)
        damaged.append(data[:rng.randrange(len(data))].hex())
        for _ in range(8):
            copy = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                copy[rng.randrange(len(copy))] = rng.randrange(256)
            damaged.append(copy.hex())
    (tmp_path / "damaged.txt").write_text("\n".join(damaged) + "\n")
    fuzz = subprocess.run([VMFORMS, "ruby", str(tmp_path / "fuzz.rb"),
                           str(tmp_path / "damaged.txt")], capture_output=True, env=env,
                          timeout=300)
    assert fuzz.returncode == 0, fuzz.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in fuzz.stderr
    assert len(fuzz.stdout.splitlines()) == len(damaged)
