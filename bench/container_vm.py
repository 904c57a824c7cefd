"""A container in the RISC-V VM: `container run --isolation vm --rm busybox true` booting
the guest (VMFORMS_VM_SNAPSHOT=off), resumed from the base snapshot shared by all images
(VMFORMS_VM_SNAPSHOT=base: the first run of a new image) and from the image's snapshot
at the agent's ready mark, against `container run --rm busybox true` on the host's kernel.

The anchor is QEMU's TCG (qemu-system-riscv64 -M virt, OpenSBI) booting the same kernel,
the same agent initramfs and the same image disk, and running the same container through
the same agent (the disk line and its description typed on the serial console at its
marks): the
difference is the emulator. crun itself inside the guest is not set up: Debian's
riscv64 crun needs a glibc userland (libc6, libseccomp2, libyajl2, libcap2 for riscv64)
that the busybox initramfs does not have.
Each time is from starting the command to its end; medians of BENCH_RUNS runs. With the
VM's own report (VMFORMS_VM_STATS) the guest instructions each start took are printed too:
unlike the times, they do not depend on what else the machine runs.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
RUN = [VMFORMS, "container", "run", "--rm"]
TIMEOUT = 900.0
STATS = re.compile(r"vmforms: (\d+) guest instructions in ([\d.]+)s")
instructions: dict[str, list[int]] = {"booting": [], "base snapshot": [], "snapshot": []}


def timed(argv: list[str], env: dict[str, str] | None = None, how: str = "") -> float:
    start = time.perf_counter()
    env = dict(env or os.environ, VMFORMS_VM_STATS="1")
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=TIMEOUT,
                          check=False)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {proc.stderr.strip()}")
    stats = STATS.search(proc.stderr)
    if how and stats:
        instructions[how].append(int(stats.group(1)))
    return took


def qemu_run() -> float | None:
    """The same container under qemu-system-riscv64, driven through our agent."""
    qemu = shutil.which("qemu-system-riscv64")
    if qemu is None:
        return None
    from vmforms.container.image.platform import parse_platform
    from vmforms.container.image.store import ImageStore
    from vmforms.container.vmisolation.agent import (
        BASE_MARK,
        GUEST_CMDLINE,
        READY_MARK,
        description,
        disk_line,
    )
    from vmforms.container.vmisolation.disk import layers_disk
    from vmforms.container.vmisolation.guest import agent_guest
    from vmforms.hypervisor.boot.initramfs import exit_mark, new_key

    store = ImageStore()
    image = store.resolve("busybox", parse_platform("linux/riscv64"))
    layers = list(store.layer_dirs(image))
    disk = layers_disk(image.id, layers)
    guest = agent_guest()
    key = new_key()
    text = description(key=key, layers=len(layers), hostname="qemu", args=["true"],
                       env=["PATH=/usr/bin:/bin"], cwd="/", uid=0, gid=0, groups=[],
                       memory=None, pids=None, tty=False, stdin=False)
    argv = [qemu, "-M", "virt", "-m", "128M", "-smp", "1", "-nographic", "-no-reboot",
            "-kernel", str(guest.kernel), "-initrd", str(guest.initrd),
            "-append", GUEST_CMDLINE,
            "-drive", f"file={disk},format=raw,if=none,id=d0,readonly=on",
            "-device", "virtio-blk-device,drive=d0",
            # hvc0, the container's stderr (dropped here)
            "-chardev", "null,id=err", "-device", "virtio-serial-device",
            "-device", "virtconsole,chardev=err"]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None and proc.stdout is not None
    seen, sent, attached = bytearray(), False, False
    try:
        while exit_mark(0, key) not in seen:
            if time.perf_counter() - start > TIMEOUT or proc.poll() is not None:
                raise SystemExit(f"qemu: no exit mark; last output {bytes(seen[-300:])!r}")
            if select.select([proc.stdout], [], [], 1.0)[0]:
                seen += os.read(proc.stdout.fileno(), 65536)
            if not attached and BASE_MARK in seen:  # the disk is there from the start
                # QEMU counts a last partial sector (our device does not)
                proc.stdin.write(disk_line(-(-disk.stat().st_size // 512)))
                proc.stdin.flush()
                attached = True
            if not sent and READY_MARK in seen:
                proc.stdin.write(text.encode())
                proc.stdin.flush()
                sent = True
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return time.perf_counter() - start


def main() -> None:
    cold_env = dict(os.environ, VMFORMS_VM_SNAPSHOT="off")
    base_env = dict(os.environ, VMFORMS_VM_SNAPSHOT="base")
    timed([*RUN, "busybox", "true"])
    timed([*RUN, "--isolation", "vm", "busybox", "true"])  # makes the snapshot
    native, cold, base, warm, qemu = [], [], [], [], []
    for _ in range(RUNS):
        native.append(timed([*RUN, "busybox", "true"]))
        warm.append(timed([*RUN, "--isolation", "vm", "busybox", "true"], how="snapshot"))
        cold.append(timed([*RUN, "--isolation", "vm", "busybox", "true"], cold_env,
                          how="booting"))
        base.append(timed([*RUN, "--isolation", "vm", "busybox", "true"], base_env,
                          how="base snapshot"))
        took = qemu_run()
        if took is not None:
            qemu.append(took)
    n, c, b, w = (statistics.median(x) for x in (native, cold, base, warm))
    print(f"run --rm busybox true, native:                  {n * 1e3:8.0f} ms")
    print(f"run --isolation vm --rm busybox true, booting:  {c * 1e3:8.0f} ms  "
          f"(x{c / n:.0f} native)")
    print(f"  the same, a new image (base snapshot):        {b * 1e3:8.0f} ms  "
          f"(x{b / n:.0f} native, x{c / b:.1f} faster than booting)")
    print(f"run --isolation vm --rm busybox true, snapshot: {w * 1e3:8.0f} ms  "
          f"(x{w / n:.0f} native, x{c / w:.1f} faster than booting)")
    if qemu:
        q = statistics.median(qemu)
        print(f"qemu-system-riscv64 TCG, same kernel, agent:    {q * 1e3:8.0f} ms  "
              f"(our cold boot x{c / q:.1f} of it, our snapshot x{w / q:.2f})")
    else:
        print("qemu-system-riscv64 is not installed: no anchor")
    for how, counts in instructions.items():
        if counts:
            print(f"guest instructions, {how}: {statistics.median(counts) / 1e6:.2f} M")
    print(f"(medians of {RUNS}; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
