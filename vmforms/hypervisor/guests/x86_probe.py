"""The x86-64 probe guest (x86_probe.S, which includes x86_probe_irq.S and
x86_probe_virtio.S), assembled with the host's `as` and `ld` into an ELF linked at 0x8000
and cached under $VMFORMS_ROOT/assets by the sources' hash."""

from __future__ import annotations

from pathlib import Path

from vmforms.hypervisor.errors import HypervisorError

SOURCE = Path(__file__).with_name("x86_probe.S")
# the others are .include'd
SOURCES = (SOURCE, SOURCE.with_name("x86_probe_irq.S"), SOURCE.with_name("x86_probe_virtio.S"))
LOAD_ADDRESS = 0x8000
BOOT_FLAG_HLT_POWEROFF = 1  # ESI bit 0: no in-kernel irqchip, so HLT reaches the monitor
BOOT_FLAG_START_AP = 2  # ESI bit 1: a second vCPU waits for INIT/SIPI in the in-kernel LAPIC
BOOT_FLAG_PIT = 4  # ESI bit 2: program the 8254 and count its interrupts on IRQ 0

# The probe's markers (MARKER_PORT writes) and the stretches they bracket.
MARK_KERNEL_LOOP = (1, 2)
MARK_USER_LOOP = (3, 4)
MARK_SYSCALLS = (5, 6)
MARK_EXIT_BURST = (7, 8)
MARK_PIT_TICKS = (9, 10)  # PIT_TICKS periods of counter 0 at 1 kHz
MARK_PIT_COUNTER2 = (11, 12)  # counter 2 counting PIT_COUNTER2_SECONDS down
PIT_TICKS = 20
PIT_COUNTER2_SECONDS = 23864 / 1_193_182
EXIT_BURST = 1000  # port writes nobody claims, each a round trip through the monitor
KERNEL_LOOP_INSNS = 2 * 100_000  # dec ecx; jnz, KERNEL_LOOP turns
USER_LOOP_INSNS = 2 * 100_000_000  # dec rcx; jnz, USER_LOOP turns
USER_SYSCALLS = 200


class GuestBuildError(HypervisorError):
    """The probe could not be assembled: binutils missing or failing."""


def _tool(name: str) -> str:
    import shutil

    path = shutil.which(name)
    if path is None:
        raise GuestBuildError(f"'{name}' not found: install binutils to build the x86 probe guest")
    return path


def build_probe(out: Path, *, pvh: bool = False) -> Path:
    """Assemble and link the probe into `out` (an ELF file); `pvh` adds the PVH note."""
    # Imported here: a VM start with the probe already built needs none of them.
    import shutil
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="vmforms-x86-probe-") as tmp:
        obj = Path(tmp) / "probe.o"
        elf = Path(tmp) / "probe.elf"
        for argv in (
            [_tool("as"), "--64", *(["--defsym", "PVH=1"] if pvh else []), "-I",
             str(SOURCE.parent), "-o", str(obj), str(SOURCE)],
            [_tool("ld"), "-N", "-e", "_start", f"-Ttext=0x{LOAD_ADDRESS:x}",
             "--no-warn-rwx-segments", "-o", str(elf), str(obj)],
        ):
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            if proc.returncode != 0:
                detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise GuestBuildError(f"{Path(argv[0]).name} failed: {detail}")
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = out.with_name(out.name + ".tmp")
        shutil.copyfile(elf, staged)
        staged.rename(out)
    return out


def probe_path(*, pvh: bool = False) -> Path:
    """The cached probe for the current source, built on first use."""
    from vmforms.container.paths import locked, state_root

    try:  # CPython's own SHA-256: hashlib would load OpenSSL at every VM start
        from _sha256 import sha256  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from hashlib import sha256
    digest = sha256(b"".join(p.read_bytes() for p in SOURCES)).hexdigest()[:16]
    root = state_root() / "assets"
    out = root / f"x86-probe{'-pvh' if pvh else ''}-{digest}.elf"
    if out.is_file():
        return out
    with locked(root / ".x86-probe.lock"):
        if not out.is_file():
            build_probe(out, pvh=pvh)
    return out


def ensure_probe() -> str:
    """`vmforms setup` step."""
    return f"{probe_path()} and {probe_path(pvh=True).name}"
