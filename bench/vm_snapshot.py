"""VM snapshots: a cold boot of the built-in guest to its shell prompt and the first
command's output, against a restore of a snapshot taken at that prompt to the same output.

Ours: `vmforms vm run` (translate engine, cached blocks), then `vm run --snapshot-at` once,
then `vm run --restore` typing `uname -r`. The peer, qemu-system-riscv64 -M virt (TCG): a
cold boot, its migration stream saved at the prompt (`migrate "exec:cat > FILE"` on the
monitor: savevm needs a qcow2 disk, which this guest has none of) and `-incoming` from it.
Each time is from starting the process to the release appearing on the console; medians of
BENCH_RUNS runs, alternating, and the ratios.
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
PROMPT = b"/ # "
TIMEOUT = 300.0
TARGET_RESTORE_S = 1.0


def _read_until(proc: subprocess.Popen[bytes], want: bytes, start: float, seen: bytearray) -> float:
    """Seconds from `start` until `want` shows in the process's output."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = start + TIMEOUT
    while want not in seen:
        left = deadline - time.perf_counter()
        if left <= 0 or proc.poll() is not None and not select.select([fd], [], [], 0)[0]:
            raise RuntimeError(f"no {want!r} in the console output: {bytes(seen[-300:])!r}")
        if select.select([fd], [], [], min(left, 1.0))[0]:
            chunk = os.read(fd, 65536)
            if not chunk and proc.poll() is not None:
                continue
            seen += chunk
    return time.perf_counter() - start


def session(argv: list[str], release: bytes, *, wait_prompt: bool) -> tuple[float, float]:
    """(seconds to the prompt, seconds to `uname -r`'s output) of one console session."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    assert proc.stdin is not None
    seen = bytearray()
    try:
        prompt = _read_until(proc, PROMPT, start, seen) if wait_prompt else 0.0
        # a first newline: ash may still be reading the reply to its cursor query (ESC [6n)
        proc.stdin.write(b"\nuname -r\n")
        proc.stdin.flush()
        output = _read_until(proc, b"\n" + release, start, seen)
        proc.stdin.write(b"exit\n")  # the guest powers off: compiled blocks are kept
        proc.stdin.flush()
        proc.wait(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    return prompt, output


def qemu_argv(qemu: str, kernel: Path, initrd: Path, monitor: Path | None,
              incoming: Path | None) -> list[str]:
    argv = [qemu, "-M", "virt", "-m", "128M", "-bios", "default", "-display", "none",
            "-serial", "stdio", "-no-reboot", "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", "console=ttyS0 quiet"]
    if monitor is not None:
        argv += ["-monitor", f"unix:{monitor},server=on,wait=off"]
    if incoming is not None:
        argv += ["-incoming", f"exec:cat {incoming}"]
    return argv


def qemu_save(argv: list[str], monitor: Path, state: Path) -> None:
    """Boot QEMU to the prompt and write its migration stream to `state`."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        _read_until(proc, PROMPT, time.perf_counter(), bytearray())
        with socket.socket(socket.AF_UNIX) as mon:
            mon.connect(str(monitor))
            for command in (f'migrate "exec:cat > {state}"',):
                mon.sendall(command.encode() + b"\n")
            reply = b""
            while b"Migration status: completed" not in reply:
                time.sleep(0.2)
                mon.sendall(b"info migrate\n")
                reply += mon.recv(65536)
                if b"failed" in reply:
                    raise RuntimeError("QEMU's migration to a file failed")
    finally:
        proc.kill()
        proc.wait()


def main() -> int:
    from vmforms.hypervisor.boot.assets import guest_assets

    guest = guest_assets()
    release = guest.release.encode()
    work = Path(tempfile.mkdtemp(prefix="vmforms-bench-snapshot-"))
    try:
        snap = work / "snapshot"
        ours_cold = [VMFORMS, "vm", "run"]
        subprocess.run([*ours_cold, "--", "true"], capture_output=True)  # warm the block cache
        t0 = time.perf_counter()
        subprocess.run([*ours_cold, "--snapshot-at", "^/ # $", "--snapshot-to", str(snap)],
                       stdin=subprocess.DEVNULL, capture_output=True, check=True)
        taken = time.perf_counter() - t0
        ours_restore = [VMFORMS, "vm", "run", "--restore", str(snap)]
        first = session(ours_restore, release, wait_prompt=False)[1]  # compiles its blocks
        qemu = shutil.which("qemu-system-riscv64")
        qstate = work / "qemu.state"
        if qemu is not None:
            qemu_save(qemu_argv(qemu, guest.kernel, guest.initrd, work / "mon", None),
                      work / "mon", qstate)
        names = ("prompt", "cold", "restore", "qprompt", "qcold", "qrestore")
        times: dict[str, list[float]] = {k: [] for k in names}
        for _ in range(RUNS):
            prompt, cold = session(ours_cold, release, wait_prompt=True)
            times["prompt"].append(prompt)
            times["cold"].append(cold)
            times["restore"].append(session(ours_restore, release, wait_prompt=False)[1])
            if qemu is not None:
                argv = qemu_argv(qemu, guest.kernel, guest.initrd, None, None)
                prompt, cold = session(argv, release, wait_prompt=True)
                times["qprompt"].append(prompt)
                times["qcold"].append(cold)
                argv = qemu_argv(qemu, guest.kernel, guest.initrd, None, qstate)
                times["qrestore"].append(session(argv, release, wait_prompt=False)[1])
        med = {k: statistics.median(v) for k, v in times.items() if v}
        size = sum(f.stat().st_blocks * 512 for f in snap.iterdir())
        print(f"snapshot of the built-in guest at its shell prompt, {RUNS} runs each, alternating")
        print(f"  taking it (vm run --snapshot-at, a boot)   {taken:7.2f} s, {size >> 20} MiB "
              "on disk (sparse)")
        print(f"  vmforms cold boot to the prompt            median {med['prompt']:7.2f} s")
        print(f"  vmforms cold boot to `uname -r` output     median {med['cold']:7.2f} s")
        print(f"  vmforms first restore to `uname -r` output        {first:7.2f} s "
              "(compiling the blocks kept for later ones)")
        print(f"  vmforms restore to `uname -r` output       median {med['restore']:7.2f} s "
              f"(target < {TARGET_RESTORE_S:.0f} s)")
        print(f"  ratio cold/restore: {med['cold'] / med['restore']:.1f}x")
        if qemu is None:
            print("  qemu-system-riscv64 is not installed: no peer row "
                  "(apt-get install qemu-system-misc)")
        else:
            print(f"  qemu cold boot to the prompt               median {med['qprompt']:7.2f} s")
            print(f"  qemu cold boot to `uname -r` output        median {med['qcold']:7.2f} s")
            print(f"  qemu -incoming to `uname -r` output        median {med['qrestore']:7.2f} s")
            print(f"  ratio qemu cold/restore: {med['qcold'] / med['qrestore']:.1f}x; "
                  f"restore vmforms/qemu: {med['restore'] / med['qrestore']:.1f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
