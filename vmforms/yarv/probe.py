"""The demo's Ruby column: the probe run by `vmforms ruby`, and the seed's own example
(`puts 2+2`) disassembled as `vmforms ruby --dump=insns -e 'puts 2+2'` prints it."""

from __future__ import annotations

import os
import re
import subprocess
import time
from typing import Any

from vmforms.yarv.errors import YarvError

PROBE = r"""
require 'etc'
u = Etc.uname
puts "kernel=#{u[:release]}"
puts "machine=#{u[:machine]}"
puts "cpus=#{Etc.nprocessors}"
def nxt(x) = x + 1
n = (ARGV[0] || 20000).to_i
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
acc = 0
i = 0
while i < n
  acc = nxt(acc)
  i += 1
end
t1 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
puts "call_ns=#{((t1 - t0) * 1e9 / n).round}"
puts "calls=#{acc}"
"""
CALLS = 20_000


def measure(vmforms: str) -> dict[str, Any]:
    """Run the probe under `vmforms ruby`; the values of the demo's Ruby column."""
    env = dict(os.environ, VMFORMS_YARV_STATS="1")
    start = time.perf_counter()
    try:
        proc = subprocess.run([vmforms, "ruby", "-e", PROBE, str(CALLS)], capture_output=True,
                              text=True, env=env, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise YarvError(f"vmforms ruby probe: {exc}") from None
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise YarvError(f"vmforms ruby probe failed ({proc.returncode}): "
                        f"{proc.stderr.strip()[-200:]}")
    fields = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
    m = re.search(r"vmforms-stats insns=(\d+)", proc.stderr)
    insns = int(m.group(1)) if m else 0
    values: dict[str, Any] = {
        "kernel": fields.get("kernel", ""),
        "machine": fields.get("machine", ""),
        "pid1": "(no processes: one host process runs the VM)",
        "hostname": "",
        "cpus": int(fields.get("cpus", "0") or 0),
        "kernel_inside": False,
        "startup_s": elapsed,
        "instructions": insns,
        "executes": f"our YARV interpreter ({insns:,} instructions)",
        "kernel_is_host": fields.get("kernel") == os.uname().release,
        "isolation": "YARV instructions; the VM is one host process",
    }
    if "call_ns" in fields:
        values["call_ns"] = float(fields["call_ns"])
        values["call"] = "one Ruby method call"
    values["insns"] = seed_disasm(vmforms)
    return values


def seed_disasm(vmforms: str) -> str:
    """`vmforms ruby --dump=insns -e 'puts 2+2'`: the seed's example, disassembled."""
    proc = subprocess.run([vmforms, "ruby", "--dump=insns", "-e", "puts 2+2"],
                          capture_output=True, text=True, timeout=120)
    return proc.stdout.rstrip("\n") if proc.returncode == 0 else ""
