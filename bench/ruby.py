"""The Ruby benchmark: CPU-bound programs under `vmforms ruby` and `ruby` (CRuby 3.1, no JIT).

Prints the wall time of each, the ratio, and the YARV instructions per second our
interpreter executed: the instructions counted in one run (VMFORMS_YARV_STATS=1) over the
time of the program in a run that does not count (VMFORMS_YARV_STATS=time), compiler cache
warm, by the wall clock and by the run's own CPU time (steadier on a shared machine); plus
the wall time of Hello World for both (warm cache). --best N times each program N times
and keeps the run of least CPU time (default 1; the machine may be shared).
Run: .venv/bin/python bench/ruby.py [--quick] [--best N]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAMS = {
    "loop": """
n = ARGV[0].to_i
i = 0
sum = 0
while i < n
  sum += i * 2 % 7
  i += 1
end
puts sum
""",
    "fib": """
def fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)
puts fib(ARGV[0].to_i)
""",
    "hash": """
n = ARGV[0].to_i
h = {}
n.times { |i| h["k#{i % 1000}"] = (h["k#{i % 1000}"] || 0) + i }
puts h.size, h.values.sum
""",
    "string": """
n = ARGV[0].to_i
s = +""
n.times { |i| s << i.to_s << "," }
words = s.split(",")
puts words.length, words.map(&:upcase).join.length, s.count("1")
""",
    "nbody": """
class Body
  attr_accessor :x, :y, :z, :vx, :vy, :vz, :m
  def initialize(x, y, z, vx, vy, vz, m)
    @x, @y, @z, @vx, @vy, @vz, @m = x, y, z, vx, vy, vz, m
  end
end
bodies = [Body.new(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 39.47),
          Body.new(4.84, -1.16, -0.10, 0.60, 2.81, -0.02, 0.037),
          Body.new(8.34, 4.12, -0.40, -1.01, 1.82, 0.008, 0.011),
          Body.new(12.89, -15.11, -0.22, 1.08, 0.86, -0.01, 0.0017)]
ARGV[0].to_i.times do
  bodies.each_with_index do |a, i|
    (i + 1...bodies.size).each do |j|
      b = bodies[j]
      dx, dy, dz = a.x - b.x, a.y - b.y, a.z - b.z
      d2 = dx * dx + dy * dy + dz * dz
      mag = 0.01 / (d2 * Math.sqrt(d2))
      a.vx -= dx * b.m * mag; a.vy -= dy * b.m * mag; a.vz -= dz * b.m * mag
      b.vx += dx * a.m * mag; b.vy += dy * a.m * mag; b.vz += dz * a.m * mag
    end
  end
  bodies.each { |b| b.x += 0.01 * b.vx; b.y += 0.01 * b.vy; b.z += 0.01 * b.vz }
end
printf("%.6f\\n", bodies[0].x)
""",
}
# (program, full size, --quick size)
CASES = [("loop", "1000000", "100000"), ("fib", "24", "18"), ("hash", "100000", "10000"),
         ("string", "100000", "10000"), ("nbody", "5000", "500")]
STATS = re.compile(r"vmforms-stats insns=(\d+) run_s=(\S+) rate=(\d+) cpu_s=(\S+)")


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return wall, r.stdout, r.stderr


def _cpu(err: str, wall: float) -> float:
    """The CPU seconds a run reported (its wall time if it reported none)."""
    m = STATS.search(err)
    return float(m.group(4)) if m else wall


def main() -> int:
    quick = "--quick" in sys.argv
    best = int(sys.argv[sys.argv.index("--best") + 1]) if "--best" in sys.argv else 1
    ruby = shutil.which("ruby")
    if ruby is None:
        print("bench/ruby.py: needs ruby (make setup installs Debian's ruby 3.1)")
        return 1
    ours = [sys.executable, "-m", "vmforms", "ruby"]
    env = dict(os.environ, VMFORMS_YARV_STATS="1", LANG="C.UTF-8")
    time_env = dict(env, VMFORMS_YARV_STATS="time")  # times the run without counting
    print(f"{'program':<8} {'arg':>8} {'vmforms s':>10} {'ruby s':>8} {'ratio':>7} "
          f"{'insns':>11} {'insns/s':>10} {'per CPU s':>10}")
    with tempfile.TemporaryDirectory(prefix="vmforms-bench-") as tmp:
        for name, full, small in CASES:
            arg = small if quick else full
            path = Path(tmp) / f"{name}.rb"
            path.write_text(PROGRAMS[name])
            _, _, err = timed(ours + [str(path), arg], env)  # counts (and warms the cache)
            m = STATS.search(err)
            insns = int(m.group(1)) if m else 0
            runs = [timed(ours + [str(path), arg], time_env) for _ in range(max(1, best))]
            t_ours, out_ours, err = min(runs, key=lambda r: _cpu(r[2], r[0]))
            t_ruby, out_ruby, _ = timed([ruby, str(path), arg], env)
            if out_ours != out_ruby:
                raise SystemExit(f"{name}: output differs:\n{out_ours}\n---\n{out_ruby}")
            m = STATS.search(err)
            run_s = float(m.group(2)) if m else t_ours
            cpu_s = float(m.group(4)) if m else t_ours
            rate = int(insns / run_s) if run_s > 0 else 0
            cpu_rate = int(insns / cpu_s) if cpu_s > 0 else 0
            print(f"{name:<8} {arg:>8} {t_ours:>10.2f} {t_ruby:>8.3f} "
                  f"{t_ours / t_ruby:>6.0f}x {insns:>11} {rate / 1e6:>8.2f} M "
                  f"{cpu_rate / 1e6:>8.2f} M")
        hello = Path(tmp) / "hello.rb"
        hello.write_text('puts "Hello, World!"\n')
        timed(ours + [str(hello)], env)
        t_ours = min(timed(ours + [str(hello)], env)[0] for _ in range(3))
        t_ruby = min(timed([ruby, str(hello)], env)[0] for _ in range(3))
        print(f"hello world (warm): vmforms {t_ours:.3f} s, ruby {t_ruby:.3f} s, "
              f"ratio {t_ours / t_ruby:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
