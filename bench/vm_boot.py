"""Guest boot: `vmforms vm run -- uname -r` against qemu-system-riscv64 -M virt (TCG).

Both boot the same built-in kernel and initramfs with the same command line, to the same
point (the command has run and the guest has powered off), alternating. Prints the
medians, the ratio, and our guest instructions per second. QEMU runs its bundled OpenSBI
(`-bios default`); ours implements SBI in Python, and when Debian's opensbi is installed
also boots through that same firmware (`--bios fw_dynamic.bin`), the like-for-like row.
First, a boot with an empty translation cache (in this process, a temporary cache) gives
the cold first-boot time. Last, a CPU-bound guest program (`gzip -9` of `seq`'s output, in
the guest's shell) on both, whose instructions beyond the boot's give our rate on user code.
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
# About 110 KB of text for gzip -9: some 95 M guest instructions beyond the boot.
GZIP = "seq 1 20000 | gzip -9 | wc -c"


def cpu_run(argv: list[str], timeout: float | None = None) -> tuple[str, str, float, float]:
    """Run `argv`: its stdout, stderr, wall seconds and CPU seconds (user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, check=True, timeout=timeout)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    text = (proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))
    return *text, wall, cpu


def instructions(stderr: str) -> int:
    m = re.search(r"(\d+) instructions in ([\d.]+)s", stderr)
    assert m, stderr
    return int(m.group(1))


def cpu_bound(qemu: list[str], boot: tuple[int, float]) -> None:
    """gzip -9 inside the guest, ours against QEMU's TCG (CPU seconds of each process);
    `boot` is our boot's median instructions and CPU seconds, taken off for the rate."""
    from vmforms.cli.vm import DEFAULT_APPEND
    from vmforms.hypervisor.boot.initramfs import command_parameter

    argv = ["sh", "-c", GZIP]
    cmdline = f"{DEFAULT_APPEND} {command_parameter(argv)}"
    peer = [*qemu, "-append", cmdline]
    ours = [VMFORMS, "vm", "run", "--stats", "--", *argv]
    cpu_ours: list[float] = []
    cpu_qemu: list[float] = []
    counts: list[int] = []
    for _ in range(RUNS):
        out, err, _, cpu = cpu_run(ours)
        counts.append(instructions(err))
        cpu_ours.append(cpu)
        size = out.strip()
        assert size.isdigit(), out
        out, _, _, cpu = cpu_run(peer, timeout=300)
        cpu_qemu.append(cpu)
        assert re.search(rf"(?<!\d){size}\r?\n", out), (size, out[-500:])
    co, cq = statistics.median(cpu_ours), statistics.median(cpu_qemu)
    count = statistics.median(counts)
    rate = (count - boot[0]) / max(co - boot[1], 1e-3)
    print(f"CPU-bound guest program `{GZIP}`, {RUNS} runs each (CPU seconds, boot included)")
    print(f"  vmforms vm run   median {co:7.2f} CPU s, {count / 1e6:.0f} M instructions")
    print(f"  qemu TCG         median {cq:7.2f} CPU s")
    print(f"  ratio vmforms/qemu: {co / cq:.1f}x; beyond the boot: {rate / 1e6:.2f} M "
          f"instructions per CPU second (target >= {TARGET_IPS / 1e6:.0f} M)")


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
    boots: list[tuple[int, float]] = []  # instructions, CPU seconds
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
            boots.append((int(m.group(1)), cpu))
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
    if boots:
        boot = (int(statistics.median(b[0] for b in boots)), statistics.median(b[1] for b in boots))
        cpu_bound(peer[:-2], boot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
