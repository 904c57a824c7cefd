"""The String builtins' short cuts (a String made in place by to_s, split and upcase, `<<`
appended in the compiled code, map(&:sym) over a list, join of one encoding) against
CRuby on the cases where each must step aside: other encodings, frozen and singleton
receivers, subclasses, methods redefined in the middle of a map, mixed receivers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VMFORMS = str(Path(sys.executable).with_name("vmforms"))

PROGRAM = r'''
s = +""
5.times { |i| s << i.to_s << "," }
p s, s.encoding, s.split(","), s.split(",").map(&:upcase).join
b = "x".b
b << 1.to_s << "é".b
p b, b.encoding
u = +"\u00e9"
u << 2.to_s << "!"
p u, u.encoding
a = +"ascii".force_encoding("US-ASCII")
a << "\u00e9"
p a, a.encoding
begin
  f = "lit".freeze
  f << 3.to_s
rescue => e
  p e.class, e.message
end
class Sub < String
  def <<(o) = super("<" + o + ">")
end
t = Sub.new("sub")
t << 4.to_s << "-"
p t, t.class
o = +"single"
def o.<<(x) = "caught #{x}"
p(o << 5.to_s)
arr = [1] ; arr << "two" << 3
p arr
p 255.to_s, 255.to_s(16), -7.to_s, (2**70).to_s, 10.to_s(2)
words = %w[ab cd ef gh]
p words.map(&:upcase), [1, "x", :y, 2.5, nil].map(&:to_s)
class String
  alias old_upcase upcase
end
class Trigger
  def upcase
    String.class_eval { def upcase = "redefined" }
    "trigger"
  end
end
p ["a", "b", Trigger.new, "c", "d"].map(&:upcase)
class String
  alias upcase old_upcase
end
class Word < String; def upcase = "word"; end
p ["a", Word.new("b"), "c", Word.new("d")].map(&:upcase)
def (x = +"q").upcase = "single"
p ["p", x, "r"].map(&:upcase)
begin
  ["a", 1, "b"].map(&:upcase)
rescue NoMethodError => e
  p e.name, e.receiver
end
p ["é", "a".b, "c"].map(&:upcase).map(&:encoding)
class Plain < String; end
up = [Plain.new("a"), Plain.new("b")].map(&:upcase)
p up, up.map(&:class), %w[aB Cd].map(&:swapcase), ["ab", "é"].map(&:upcase)
p ["x".b, "y".b].map(&:upcase).map(&:encoding), ["k".freeze].map(&:upcase)[0].frozen?
p ["a".b, "b"].map(&:upcase).map(&:encoding)
p [1, 2].map(&:to_s), [:a, :b].map(&:upcase), [].map(&:upcase)
p %w[a b c].join, %w[a b c].join("-"), ["a", "é".encode("ISO-8859-1")].join.encoding
p ["x", 1, [2, ["y"]]].join(","), [].join, ["a".b, "é"].join
begin
  ["é".encode("ISO-8859-1"), "é"].join
rescue => e
  p e.class
end
p "a,b,,c,,".split(","), "é,ü".split(","), "x".b.split(",").map(&:encoding)
acc = []
r = 5.times { |i| acc << i * 2 }
p r, acc, 10.times { |i| break i * 3 if i == 4 }, 0.times { |i| p i }
3.times { |i| next if i == 1; acc << -i }
begin
  4.times { |i| acc << i; raise ArgumentError, "at #{i}" if i == 2 }
rescue ArgumentError => e
  p e.message, e.backtrace.length
end
2.times { |i| 2.times { |j| acc << [i, j] } }
p acc
list = [1, 2, 3]
list.each { |x| list << x * 10 if x < 3 }
p list
list.each { |x| list.pop if x == 1 }
p list, [4, 5].each { |x| x }
p((1..3).each { |x| x }, 3.times.map { |i| i + 1 })
puts "#{7}-#{-8}-#{2**80}"
class Integer
  alias old_to_s to_s
  def to_s(*) = "int"
end
puts "#{7}-#{:sym}", 7.to_s
class Integer
  alias to_s old_to_s
end
puts "#{7}"
'''


@pytest.mark.parametrize("mode", [{}, {"VMFORMS_YARV_TRANSLATE": "0"},
                                  {"VMFORMS_YARV_STATS": "1"}],
                         ids=["compiled", "plain", "counting"])
def test_string_short_cuts_as_under_ruby(ruby: str, tmp_path: Path,
                                         mode: dict[str, str]) -> None:
    src = tmp_path / "paths.rb"
    src.write_text(PROGRAM)
    env = {"PATH": "/usr/bin:/bin", "VMFORMS_ROOT": str(tmp_path / "state"),
           "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    want = subprocess.run([ruby, str(src)], capture_output=True, env=env, timeout=60)
    got = subprocess.run([VMFORMS, "ruby", str(src)], capture_output=True,
                         env=dict(env, **mode), timeout=60)
    assert want.returncode == 0, want.stderr
    err = b"".join(line for line in got.stderr.splitlines(keepends=True)
                   if not line.startswith(b"vmforms-stats "))
    assert (got.returncode, got.stdout, err) == (0, want.stdout, b"")
