"""KVM: `vmforms vm run --accel kvm` against `qemu-system-x86_64 -accel kvm -M microvm` on
the same guest, the project's x86 probe with its PVH note (both boot it by PVH).

Measured from outside, alternating, medians of BENCH_RUNS runs:
- start to the guest's first serial byte (process start, VMM set-up, guest entry, the
  first exit), and to the end of the run (the guest's i8042 reset);
- CPU time of the monitor process, in which KVM counts the vCPU threads' guest time;
- our board's own set-up time to the first exit (Firecracker's budget: about 8 ms of CPU
  to start a VMM);
- the cost of an exit as the guest sees it: 1000 port writes no device claims, timed by
  the guest with RDTSC, converted with the TSC rate our markers measure.
On a nested kvm_pvm host, guest kernel code is emulated, so every number here includes
that emulation for both monitors alike.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
FIRECRACKER_START_CPU_S = 0.008
_EXITS = re.compile(rb"1000 port exits in 0x([0-9a-f]+) TSC ticks")
_EXIT_SECONDS = re.compile(r"exit_seconds ([0-9.e+-]+)")
_SETUP = re.compile(r"board set-up ([0-9.]+) ms; \w+ after [0-9.]+s, \d+ exits \(\d+/s\), "
                    r"first exit after ([0-9.]+) ms(?: \(([0-9.]+) ms of CPU since exec\))?")


def measure(argv: list[str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.read(1)
    t_first = time.perf_counter() - t0
    out = first + proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    total = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0 or b"exit 0" not in out:
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {err.decode()[-500:]}")
    m = _EXITS.search(out)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = {"first_byte": t_first, "total": total, "cpu": cpu}
    if m:
        result["exit_ticks"] = int(m.group(1), 16) / 1000
    e = _EXIT_SECONDS.search(err.decode())
    if e:
        result["exit_seconds"] = float(e.group(1))
    s = _SETUP.search(err.decode())
    if s:
        result["setup_to_first_exit"] = (float(s.group(1)) + float(s.group(2))) / 1e3
        if s.group(3):
            result["cpu_to_first_exit"] = float(s.group(3)) / 1e3
    return result


def main() -> int:
    from vmforms.hypervisor.guests.x86_probe import probe_path

    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        print("qemu-system-x86_64 is not installed: apt-get install qemu-system-x86",
              file=sys.stderr)
        return 1
    guest = str(probe_path(pvh=True))
    ours = [VMFORMS, "vm", "run", "--accel", "kvm", "--stats", "--kernel", guest]
    peer = [qemu, "-accel", "kvm", "-M", "microvm,rtc=off", "-nodefaults", "-no-user-config",
            "-nographic", "-serial", "stdio", "-no-reboot", "-m", "128", "-device", "i8042",
            "-kernel", guest]
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "qemu": []}
    for _ in range(RUNS):
        runs["ours"].append(measure(ours))
        runs["qemu"].append(measure(peer))

    def med(who: str, key: str) -> float:
        values = [r[key] for r in runs[who] if key in r]
        return statistics.median(values) if values else float("nan")

    # The guest's TSC runs at the host's rate: our markers give seconds for the same burst.
    tsc_hz = med("ours", "exit_ticks") / med("ours", "exit_seconds")
    print(f"kvm bench: {RUNS} runs each of the x86 probe (PVH), medians; the host is shared "
          "and busy, so numbers are noisy")
    for key, label in (("first_byte", "start to first guest output"),
                       ("total", "start to guest reset"),
                       ("cpu", "process CPU, guest time included")):
        a, b = med("ours", key), med("qemu", key)
        print(f"  {label:32s} ours {a * 1e3:8.1f} ms   qemu {b * 1e3:8.1f} ms   "
              f"ratio {a / b:5.2f}")
    a, b = med("ours", "exit_ticks") / tsc_hz, med("qemu", "exit_ticks") / tsc_hz
    print(f"  {'port exit, guest-timed':32s} ours {a * 1e6:8.1f} us   qemu {b * 1e6:8.1f} us   "
          f"ratio {a / b:5.2f}   ({1 / a:.0f} vs {1 / b:.0f} exits/s)")
    print(f"  {'ours inside: board set-up to first exit':32s} "
          f"{med('ours', 'setup_to_first_exit') * 1e3:.1f} ms (KVM fds, RAM, devices, kernel "
          "load, vCPU registers, thread start, guest entry)")
    print(f"  {'ours: CPU from exec to first exit':32s} "
          f"{med('ours', 'cpu_to_first_exit') * 1e3:.1f} ms (Python's own start-up included)   "
          f"Firecracker's start budget: {FIRECRACKER_START_CPU_S * 1e3:.0f} ms of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
