"""Bench: guest instructions per second of each RISC-V CPU engine on a loop program.

The same loop (loads, stores, ALU, a compressed mix, a branch; a kernel-like inner loop)
runs on our interpreter, our translation tier, and QEMU's qemu-riscv64 (TCG) as the peer.
Prints instructions per CPU second of each (the host may be busy with other work) and the
ratio to QEMU. With --kernel (and --initrd) it also boots that guest on the `virt` machine
for --boot-instructions with each engine, and with the translate engine a second time
from a warm on-disk translation cache.
Run with the project's venv: .venv/bin/python bench/riscv_cpu.py [--profile ENGINE]
    [--kernel Image --initrd initramfs.cpio --boot-instructions N]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from vmforms.hypervisor.cpu.riscv import Cpu
from vmforms.hypervisor.errors import BusError
from vmforms.hypervisor.memory import GuestMemory

RAM = 0x80000000
ITERATIONS = 200_000
LOOP = f"""
    .globl _start
_start:
    li s0, {ITERATIONS}
    la s1, buf
    li s2, 0
    li t2, 0
1:  andi t5, s2, 0x3f8
    add t6, s1, t5
    ld t0, 0(t6)
    addi t0, t0, 1
    sd t0, 0(t6)
    xor t1, t0, s0
    add t2, t2, t1
    slli t3, t2, 3
    srli t4, t3, 5
    sltu t3, t4, t2
    or t2, t2, t3
    addi s2, s2, 8
    addi s0, s0, -1
    bnez s0, 1b
    li a0, 0
    li a7, 93
    ecall
    .data
    .balign 8
buf: .zero 1024
"""
# The same work split over a call and a two-way branch: many short blocks, as in a kernel.
CALLS = f"""
    .globl _start
_start:
    li s0, {ITERATIONS}
    la s1, buf
    li s2, 0
    li t2, 0
1:  mv a0, s2
    call step
    andi t0, a0, 1
    beqz t0, 2f
    addi t2, t2, 3
    j 3f
2:  addi t2, t2, -1
3:  addi s2, s2, 8
    addi s0, s0, -1
    bnez s0, 1b
    li a0, 0
    li a7, 93
    ecall
step:
    andi t5, a0, 0x3f8
    add t6, s1, t5
    ld t0, 0(t6)
    addi t0, t0, 1
    sd t0, 0(t6)
    xor a0, t0, s0
    ret
    .data
    .balign 8
buf: .zero 1024
"""
PROGRAMS = {"loop": LOOP, "calls": CALLS}


class NoBus:
    def read(self, addr: int, size: int) -> int:
        raise BusError("read", addr, size)

    def write(self, addr: int, size: int, value: int) -> None:
        raise BusError("write", addr, size)


class Exit:
    def ecall(self, cpu: Cpu) -> None:
        cpu.halted = True


def build(workdir: Path, source: str) -> tuple[Path, bytes]:
    src = workdir / "loop.S"
    src.write_text(source)
    subprocess.run(["riscv64-linux-gnu-as", "-march=rv64gc", "-o", str(workdir / "loop.o"),
                    str(src)], check=True)
    elf = workdir / "loop.elf"
    subprocess.run(["riscv64-linux-gnu-ld", "-static", "-Ttext", hex(RAM), "-o", str(elf),
                    str(workdir / "loop.o")], check=True)
    raw = workdir / "loop.bin"
    subprocess.run(["riscv64-linux-gnu-objcopy", "-O", "binary", str(elf), str(raw)], check=True)
    return elf, raw.read_bytes()


def run_ours(engine: str, image: bytes) -> tuple[int, float]:
    mem = GuestMemory(RAM, 1 << 20)
    mem.load(RAM, image)
    cpu = Cpu(mem, NoBus(), Exit(), engine=engine)
    cpu.reset(RAM, 0, 0)
    start = time.process_time()  # CPU seconds: steady while others load the host
    done = cpu.run(100 * ITERATIONS)
    elapsed = time.process_time() - start
    assert cpu.halted, f"{engine}: the loop did not finish (pc={cpu.pc:#x})"
    return done, elapsed


def boot(kernel: Path, initrd: Path | None, count: int) -> None:
    """Boot a guest for `count` instructions with each engine; print instructions/s."""
    from vmforms.hypervisor.machine import Machine, MachineConfig

    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "riscv.tcache"
        runs = [("interp", None), ("translate", None), ("translate", cache),
                ("translate", cache)]
        for engine, tcache in runs:
            def factory(*a: object, tc: Path | None = tcache, **k: object) -> Cpu:
                return Cpu(*a, translation_cache=tc, **k)  # type: ignore[arg-type]

            machine = Machine(MachineConfig(kernel=kernel, initrd=initrd, engine=engine),
                              lambda _b: None, cpu_factory=factory)
            start = time.process_time()
            result = machine.run(max_instructions=count)
            elapsed = time.process_time() - start
            cpu = machine.cpu
            if isinstance(cpu, Cpu) and cpu.translation_cache is not None:
                cpu.translation_cache.save()
            label = engine + (" (cache)" if tcache else "")
            print(f"boot  {label:18s} {result.instructions:>9d} instructions in "
                  f"{elapsed:6.2f} CPU s: {result.instructions / elapsed / 1e6:6.2f} M "
                  "instructions/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile", choices=("interp", "translate"))
    parser.add_argument("--kernel", type=Path)
    parser.add_argument("--initrd", type=Path)
    parser.add_argument("--boot-instructions", type=int, default=34_000_000)
    args = parser.parse_args()
    if args.kernel:
        boot(args.kernel, args.initrd, args.boot_instructions)
    if not shutil.which("riscv64-linux-gnu-as"):
        print("riscv_cpu: needs binutils-riscv64-linux-gnu", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in PROGRAMS.items():
            elf, image = build(Path(tmp), source)
            if args.profile:
                prof = cProfile.Profile()
                prof.runcall(run_ours, args.profile, image)
                print(f"--- {name} ---")
                pstats.Stats(prof).sort_stats("tottime").print_stats(12)
                continue
            results = {}
            for engine in ("interp", "translate"):
                done, elapsed = run_ours(engine, image)
                results[engine] = done / elapsed
                print(f"{name:6s} {engine:10s} {done:>9d} instructions in {elapsed:6.2f} CPU s: "
                      f"{done / elapsed / 1e6:6.2f} M instructions/s")
            qemu = shutil.which("qemu-riscv64")
            if qemu:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([qemu, str(elf)], check=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                elapsed = max((after.ru_utime - before.ru_utime)
                              + (after.ru_stime - before.ru_stime), 1e-3)
                rate = done / elapsed
                print(f"{name:6s} {'qemu-user':10s} {done:>9d} instructions in "
                      f"{elapsed:6.2f} CPU s: {rate / 1e6:6.2f} M instructions/s "
                      "(with process start-up)")
                for engine, ours in results.items():
                    print(f"{name:6s} ratio qemu/{engine}: {rate / ours:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
