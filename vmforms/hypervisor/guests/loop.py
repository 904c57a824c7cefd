"""The probe guest's user-mode loop run the two other ways, for the demo's comparison: the
same `dec rcx; jnz` on the host itself (a static x86-64 program assembled with the host's
binutils, as the probe is), and its RISC-V twin `addi t0, t0, -1; bnez t0` on our software
CPU. Under KVM the probe times the loop in guest ring 3 (launch.probe_rates'
user_insns_per_s); these give the host's rate and the emulator's for the same work."""

from __future__ import annotations

import resource
import struct
import time
from pathlib import Path

HOST_LOOP_TURNS = 100_000_000  # as the probe's USER_LOOP
RISCV_LOOP_TURNS = 1_000_000
RISCV_BASE = 0x80000000
# addi t0, t0, -1; bne t0, zero, -4 (RISC-V unprivileged spec, I- and B-type encodings)
RISCV_LOOP = struct.pack("<2I", 0xFFF28293, 0xFE029EE3)
RISCV_T0 = 5

HOST_SOURCE = f"""        .intel_syntax noprefix
        .globl _start
_start: mov rcx, {HOST_LOOP_TURNS}
1:      dec rcx
        jnz 1b
        mov eax, 60
        xor edi, edi
        syscall
"""


def host_program() -> Path:
    """The loop as a static host program, built once into the assets directory."""
    import subprocess
    import tempfile

    from vmforms.container.paths import locked, state_root
    from vmforms.hypervisor.guests.x86_probe import GuestBuildError, _tool

    root = state_root() / "assets"
    out = root / f"host-loop-{HOST_LOOP_TURNS}"
    if out.is_file():
        return out
    root.mkdir(parents=True, exist_ok=True)
    with locked(root / ".host-loop.lock"):
        if out.is_file():
            return out
        with tempfile.TemporaryDirectory(prefix="vmforms-host-loop-") as tmp:
            src, obj, exe = (Path(tmp) / n for n in ("loop.S", "loop.o", "loop"))
            src.write_text(HOST_SOURCE)
            for argv in ([_tool("as"), "--64", "-o", str(obj), str(src)],
                         [_tool("ld"), "-static", "-e", "_start", "-o", str(exe), str(obj)]):
                proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                if proc.returncode != 0:
                    detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                    raise GuestBuildError(f"{Path(argv[0]).name} failed: {detail}")
            staged = out.with_name(out.name + ".tmp")
            staged.write_bytes(exe.read_bytes())
            staged.chmod(0o755)
            staged.rename(out)
    return out


def host_rate() -> float:
    """Instructions a second of the loop on the host CPU: its CPU time as a child."""
    import subprocess

    program = str(host_program())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([program], check=True, timeout=60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return 2 * HOST_LOOP_TURNS / max(seconds, 1e-6)


def riscv_rate(turns: int = RISCV_LOOP_TURNS) -> float:
    """Instructions a second of the loop's RISC-V twin on our CPU (the translating engine
    the RISC-V machine runs, which compiles the loop's block)."""
    from vmforms.hypervisor.bus import Bus
    from vmforms.hypervisor.cpu.riscv import Cpu
    from vmforms.hypervisor.memory import GuestMemory

    memory = GuestMemory(RISCV_BASE, 1 << 16)
    memory.load(RISCV_BASE, RISCV_LOOP)
    cpu = Cpu(memory, Bus(), None, engine="translate")
    cpu.reset(RISCV_BASE, 0, 0)
    cpu.x[RISCV_T0] = turns
    start = time.perf_counter()
    done = cpu.run(2 * turns)
    seconds = time.perf_counter() - start
    if cpu.x[RISCV_T0] != 0:
        raise RuntimeError(f"RISC-V loop stopped with {cpu.x[RISCV_T0]} turns left")
    return done / max(seconds, 1e-6)
