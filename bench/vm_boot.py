"""Guest boot: `vmforms vm run -- uname -r` against qemu-system-riscv64 -M virt (TCG).

Both boot the same built-in kernel and initramfs with the same command line, to the same
point (the command has run and the guest has powered off), alternating. Prints the
medians, the ratio, and our guest instructions per second. QEMU runs its bundled OpenSBI
(`-bios default`); ours implements SBI in Python, and when Debian's opensbi is installed
also boots through that same firmware (`--bios fw_dynamic.bin`), the like-for-like row.
First, a boot with an empty translation cache (in this process, a temporary cache) gives
the cold first-boot time.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
TARGET_IPS = 20_000_000
TARGET_BOOT_S = 10.0
TARGET_RATIO = 6.0
OPENSBI = Path("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin")


def cold_boot(cmdline: str) -> tuple[float, float, int]:
    """A first boot with an empty translation cache, in this process: wall seconds, CPU
    seconds (time.process_time: steady on a busy host) and guest instructions."""
    from vmforms.hypervisor.boot.assets import guest_assets
    from vmforms.hypervisor.machine import Machine, MachineConfig

    guest = guest_assets()
    out = bytearray()
    with tempfile.TemporaryDirectory(prefix="vmforms-bench-") as tmp:
        config = MachineConfig(kernel=guest.kernel, initrd=guest.initrd, cmdline=cmdline,
                               engine="translate", translation_cache=Path(tmp) / "riscv.tcache")
        wall, cpu = time.perf_counter(), time.process_time()
        machine = Machine(config, out.extend)
        try:
            result = machine.run(None)
        finally:
            machine.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert guest.release.encode() in out, "the cold boot did not print the release"
    return wall, cpu, result.instructions


def main() -> int:
    from vmforms.cli.vm import DEFAULT_APPEND
    from vmforms.hypervisor.boot.assets import guest_assets
    from vmforms.hypervisor.boot.initramfs import command_parameter

    qemu = shutil.which("qemu-system-riscv64")
    if qemu is None:
        print("qemu-system-riscv64 is not installed: apt-get install qemu-system-misc",
              file=sys.stderr)
        return 1
    guest = guest_assets()
    cmdline = f"{DEFAULT_APPEND} {command_parameter(['uname', '-r'])}"
    peer = [qemu, "-M", "virt", "-m", "128M", "-bios", "default", "-nographic", "-no-reboot",
            "-kernel", str(guest.kernel), "-initrd", str(guest.initrd), "-append", cmdline]
    ours = [VMFORMS, "vm", "run", "--stats", "--", "uname", "-r"]
    cold_wall, cold_cpu, cold_count = cold_boot(cmdline)
    subprocess.run(ours, capture_output=True, check=True)  # warm the translation cache
    times: dict[str, list[float]] = {"ours": [], "qemu": [], "opensbi": []}
    with_bios = [*ours[:3], "--bios", str(OPENSBI), *ours[3:]] if OPENSBI.exists() else None
    rates: list[float] = []
    cpu_rates: list[float] = []  # per CPU second of the whole process: steady on a busy host
    for _ in range(RUNS):
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(ours, capture_output=True, text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times["ours"].append(time.perf_counter() - t0)
        assert proc.stdout.strip() == guest.release, proc.stdout
        m = re.search(r"(\d+) instructions in ([\d.]+)s", proc.stderr)
        if m:
            rates.append(int(m.group(1)) / float(m.group(2)))
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            cpu_rates.append(int(m.group(1)) / cpu)
        t0 = time.perf_counter()
        out = subprocess.run(peer, capture_output=True, timeout=120, check=True).stdout
        times["qemu"].append(time.perf_counter() - t0)
        assert guest.release.encode() in out
        if with_bios is not None:
            t0 = time.perf_counter()
            proc = subprocess.run(with_bios, capture_output=True, text=True, check=True)
            times["opensbi"].append(time.perf_counter() - t0)
            assert proc.stdout.strip() == guest.release, proc.stdout
    mo, mq = statistics.median(times["ours"]), statistics.median(times["qemu"])
    rate = statistics.median(rates) if rates else 0.0
    cpu_rate = statistics.median(cpu_rates) if cpu_rates else 0.0
    print(f"guest boot to `uname -r` and power-off, {RUNS} runs each, alternating")
    print(f"  vmforms vm run (translate, cached blocks)  median {mo:7.2f} s")
    print(f"  qemu-system-riscv64 -M virt (TCG)          median {mq:7.2f} s")
    print(f"  ratio vmforms/qemu: {mo / mq:.1f}x (target <= {TARGET_RATIO:.0f}x)")
    print(f"  first boot, empty translation cache: {cold_wall:.2f} s, {cold_cpu:.2f} CPU s "
          f"(target < {TARGET_BOOT_S:.0f} s), {cold_count / cold_cpu / 1e6:.2f} M instructions "
          "per CPU second")
    if times["opensbi"]:
        mb = statistics.median(times["opensbi"])
        print(f"  vmforms vm run --bios {OPENSBI.name}      median {mb:7.2f} s "
              f"(ratio to qemu, same firmware: {mb / mq:.1f}x)")
    print(f"  our guest instructions/s: {rate / 1e6:.2f} M")
    print(f"  per CPU second of the whole process (start-up included): {cpu_rate / 1e6:.2f} M "
          f"(target >= {TARGET_IPS / 1e6:.0f} M)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
