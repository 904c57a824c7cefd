"""`vmforms vm run`: boot a RISC-V Linux guest on the software virt board.

With a command, the built-in guest's /init runs it and the command's output and exit
status become ours; without one, the serial console is the terminal (Ctrl-A X quits).
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import select
import sys
import termios
import tty
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.hypervisor.machine import MachineConfig

from vmforms.hypervisor.errors import HypervisorError

DEFAULT_APPEND = "console=ttyS0 quiet"
CTRL_A = 0x01
EXIT_TIMEOUT = 124
EXIT_GUEST_PANIC = 125  # the guest kernel panicked (its last console lines are on stderr)
PANIC_LINES = 25
COMMAND_LINE_SIZE = 1024  # arch/riscv/include/uapi/asm/setup.h, NUL included


def parse_size(text: str) -> int:
    """QEMU-style sizes: 128M, 1G, 65536K; a bare number is MiB."""
    m = re.fullmatch(r"(\d+)([KMG]?)(i?B)?", text.strip(), re.IGNORECASE)
    if not m:
        raise HypervisorError(f"--mem {text!r}: expected a size such as 128M or 1G")
    shift = {"": 20, "K": 10, "M": 20, "G": 30}[m.group(2).upper()]
    return int(m.group(1)) << shift


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vmforms vm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="boot a guest; run CMD in it or attach the console")
    run.add_argument("--kernel", type=Path, help="a RISC-V Linux Image (default: built-in)")
    run.add_argument("--initrd", type=Path, help="an initramfs (default: built-in)")
    run.add_argument("--append", default="", help="more kernel command line")
    run.add_argument("--mem", help="guest RAM (default 128M; with --restore, the snapshot's)")
    run.add_argument("--disk", action="append", default=[], metavar="FILE[,ro]")
    run.add_argument("--timeout", type=float, help="give up after S seconds of wall time")
    run.add_argument("--engine", choices=("interp", "translate"), default="translate")
    run.add_argument("--stats", action="store_true", help="print instructions and time")
    run.add_argument("--bios", type=Path, metavar="PATH",
                     help="M-mode firmware such as OpenSBI's fw_dynamic.bin, as QEMU's -bios "
                     "(default: SBI in Python)")
    run.add_argument("--machine", choices=("virt", "spike"), default="virt",
                     help="spike: run a bare-metal ELF (--kernel) with HTIF, as QEMU's -M spike")
    run.add_argument("--no-reboot", action="store_true",
                     help="a guest reboot ends the run instead of restarting the machine")
    run.add_argument("--accel", choices=("tcg", "kvm"), default="tcg",
                     help="tcg: our software RISC-V CPU (default); kvm: the host CPU via /dev/kvm")
    run.add_argument("--arch", choices=("riscv64", "x86_64"),
                     help="guest architecture (default: riscv64 with tcg, x86_64 with kvm)")
    run.add_argument("--cpus", type=int, default=1, help="vCPUs, one thread each (kvm)")
    run.add_argument("--irqchip", choices=("kernel", "none"), default="kernel",
                     help="kvm: KVM's in-kernel PIC/IOAPIC/LAPIC and PIT, or none (our own "
                     "8259 PIC and 8254 PIT; one vCPU; HLT exits)")
    run.add_argument("--net", nargs="?", const="auto", metavar="MODE",
                     help="virtio-net: bridge[=NETWORK] (a container network's bridge, QEMU's "
                     "-netdev bridge), user[,hostfwd=tcp:127.0.0.1:8080-:80] (loopback only, "
                     "QEMU's -netdev user), tap (a /30 of its own, QEMU's -netdev tap); "
                     "alone: bridge if the default container bridge exists, else user")
    run.add_argument("--snapshot-at", metavar="REGEX",
                     help="when a console line matches REGEX (a prompt, an agent's ready line), "
                     "save the machine into --snapshot-to and stop")
    run.add_argument("--snapshot-to", type=Path, metavar="DIR", help="see --snapshot-at")
    run.add_argument("--restore", type=Path, metavar="DIR",
                     help="resume a snapshot instead of booting: the console continues")
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="command to run in the guest")
    snap = sub.add_parser("snapshot", help="check a snapshot (vm run --snapshot-at) and show it")
    snap.add_argument("directory", type=Path, metavar="DIR")
    snap.set_defaults(cmd=[])
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    cmd = list(args.cmd)
    if cmd and cmd[0] == "--":
        cmd = cmd[1:]
    logging.basicConfig(level=logging.WARNING, format="vmforms vm: %(message)s")
    if args.command == "snapshot":
        from vmforms.hypervisor.snapshot import verify_snapshot

        sys.stdout.write("".join(f"{line}\n" for line in verify_snapshot(args.directory)))
        return 0
    if args.restore is not None:
        return run_restore(args, cmd)
    args.mem = args.mem or "128M"
    if (args.snapshot_at is None) != (args.snapshot_to is None):
        raise HypervisorError("--snapshot-at REGEX and --snapshot-to DIR go together")
    if args.snapshot_at is not None and (args.accel != "tcg" or args.machine != "virt"):
        raise HypervisorError("--snapshot-at: snapshots are of the software RISC-V virt board")
    return run(args, cmd)


def _config(args: argparse.Namespace, cmd: list[str], extra: str = ""
            ) -> tuple[MachineConfig, str | None]:
    """The machine, and the key its /init signs the command's exit mark with (None for an
    initrd whose /init predates keys: its marks are taken unsigned)."""
    from vmforms.hypervisor.boot.assets import AssetError, guest_assets
    from vmforms.hypervisor.boot.initramfs import command_parameter, new_key, signs_exit_marks
    from vmforms.hypervisor.machine import DiskSpec, MachineConfig

    kernel, initrd = args.kernel, args.initrd
    if kernel is None or initrd is None:
        try:
            builtin = guest_assets()
            kernel = kernel or builtin.kernel
            initrd = initrd or builtin.initrd
        except AssetError:
            if kernel is None:
                raise
    if initrd is not None and not initrd.is_file():
        raise HypervisorError(f"initrd '{initrd}': no such file")
    if args.bios is not None and not args.bios.is_file():
        raise HypervisorError(f"firmware '{args.bios}': no such file")
    disks = tuple(DiskSpec.parse(d) for d in args.disk)
    for disk in disks:
        if not disk.path.is_file():
            raise HypervisorError(f"disk image '{disk.path}': no such file")
    words = [DEFAULT_APPEND, args.append, extra]
    key = new_key() if cmd and initrd is not None and signs_exit_marks(initrd) else None
    if cmd:
        words.append(command_parameter(cmd, key))
    cmdline = " ".join(w for w in words if w)
    if len(cmdline) >= COMMAND_LINE_SIZE:
        raise HypervisorError(
            f"kernel command line of {len(cmdline)} bytes (the command is base64 on it) "
            f"exceeds RISC-V Linux's {COMMAND_LINE_SIZE - 1}; put a long script on a --disk"
        )
    return MachineConfig(
        kernel=kernel,
        initrd=initrd,
        cmdline=cmdline,
        mem_size=parse_size(args.mem),
        disks=disks,
        engine=args.engine,
        translation_cache=_translation_cache() if args.engine == "translate" else None,
        bios=args.bios,
    ), key


def _translation_cache() -> Path:
    """Where the translate engine keeps compiled blocks between runs (root's only)."""
    from vmforms.container.paths import state_root

    cache = state_root() / "cache"
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    return cache / "riscv.tcache"


Poll = Callable[[bool], None]


def run(args: argparse.Namespace, cmd: list[str]) -> int:
    arch = args.arch or ("x86_64" if args.accel == "kvm" else "riscv64")
    kvm = args.accel == "kvm" or arch == "x86_64"
    if not kvm and args.cpus != 1:
        raise HypervisorError("--cpus: the software RISC-V machine has one hart; use --accel kvm")
    if not kvm and args.machine == "spike":
        return run_spike(args, cmd)
    link = net = None
    if args.net:
        from vmforms.hypervisor.devices.virtio.net import VirtioNet
        from vmforms.hypervisor.net import open_link

        link = open_link(args.net)
        net = VirtioNet(link, link.plan.mac)
        sys.stderr.write(f"vmforms vm: network: {link.describe()}\n")
        sys.stderr.flush()
    try:
        net_param = link.plan.guest_parameter() if link else ""
        if kvm:
            return run_kvm(args, cmd, arch, net, net_param)
        return _run_riscv(args, cmd, net, net_param)
    finally:
        if link is not None:
            link.close()


def _run_riscv(args: argparse.Namespace, cmd: list[str], net: Any, net_param: str) -> int:
    from vmforms.hypervisor.boot.initramfs import GuestOutput
    from vmforms.hypervisor.machine import Machine
    from vmforms.hypervisor.progress import Status

    # The command's exit mark carries a key of this run, so that output the command prints
    # (a file from a disk it cats) cannot end the run with a status of its own making.
    config, key = _config(args, cmd, net_param)
    out = sys.stdout.buffer
    guest = GuestOutput(key)
    # On a terminal, until the command's output begins: the guest's last console line and
    # how far the boot has come, on stderr.
    booting = Status("vmforms vm: booting", enabled=None if cmd else False)

    def command_output(data: bytes) -> None:
        chunk = guest.feed(data)
        if chunk:
            booting.close()
            out.write(chunk)
            out.flush()
        elif not guest.begun and b"\n" in data:
            boot_status()

    def boot_status(idle: bool = False) -> None:
        if guest.begun or not booting.enabled:
            return
        lines = bytes(guest.boot_log[-400:]).decode("utf-8", "replace").splitlines()
        last = next((line.strip() for line in reversed(lines) if line.strip()), "")
        booting.show(f"{instret() / 1e6:.0f}M instructions" + (f"; {last}" if last else ""))

    def instret() -> int:
        return total_instr + (machine.cpu.instret if machine is not None else 0)

    machine: Machine | None = None
    terminal = None if cmd else _Terminal()
    console: Callable[[bytes], None] = terminal.write if terminal else command_output
    snap = _Snapshotter(args, guest, terminal) if args.snapshot_at else None
    console = snap.console(console) if snap else console
    total_instr, total_time = 0, 0.0
    result = None
    panic: list[str] = []
    try:
        with _raw_terminal(enabled=terminal is not None):
            while True:
                try:
                    machine = Machine(config, console, net=net)
                except ImportError as exc:
                    raise HypervisorError(
                        f"the RISC-V CPU backend is not available ({exc})"
                    ) from exc
                poll = terminal.poller(_console_input(machine)) if terminal else boot_status
                try:
                    left = None if args.timeout is None else max(args.timeout - total_time, 0)
                    result = machine.run(left, snap.poll(machine, poll) if snap else poll)
                finally:
                    machine.close()
                    total_instr += machine.cpu.instret
                total_time += result.seconds
                if result.reason == "panic":
                    panic = machine.watch.last_lines(PANIC_LINES)
                if result.reason != "reboot" or guest.exit_status is not None or args.no_reboot:
                    break
    except _Detach:
        result = None
    except _SnapshotTaken:
        sys.stderr.write(f"vmforms vm: snapshot saved in {args.snapshot_to}\n")
        return 0
    finally:
        booting.close()
    if args.stats:
        rate = total_instr / total_time if total_time else 0.0
        sys.stderr.write(
            f"vmforms vm: {total_instr} instructions in {total_time:.2f}s ({rate / 1e6:.2f} M/s)\n"
        )
    if result is None:
        return 0
    if result.reason == "panic":
        sys.stderr.write("".join(f"  {line}\n" for line in panic))
        raise HypervisorError(
            "the guest kernel panicked (its last console lines are above)",
            exit_code=EXIT_GUEST_PANIC,
        )
    if result.reason == "reboot" and guest.exit_status is None and cmd:
        raise HypervisorError("the guest rebooted before the command finished (--no-reboot)")
    if result.reason == "timeout":
        raise HypervisorError(
            f"guest did not power off within {args.timeout:g}s (--timeout)",
            exit_code=EXIT_TIMEOUT,
        )
    if not cmd:
        return 0
    if guest.exit_status is None:
        tail = bytes(guest.boot_log[-2000:]).decode("utf-8", "replace").strip()
        last = tail.splitlines()[-1] if tail else "no console output"
        raise HypervisorError(f"guest powered off before the command ran; last output: {last}")
    return guest.exit_status


def run_spike(args: argparse.Namespace, cmd: list[str]) -> int:
    """A bare-metal ELF on the spike board: its HTIF exit code becomes ours, as with QEMU."""
    from vmforms.hypervisor.spike import SpikeConfig, SpikeMachine

    # QEMU takes the program as -bios or -kernel: so do we, but only one of them
    program = args.kernel if args.bios is None else args.bios
    if (program is None or (args.kernel and args.bios) or cmd or args.initrd or args.disk
            or args.net):
        raise HypervisorError(
            "--machine spike runs one bare-metal ELF: give --kernel PROGRAM (or --bios "
            "PROGRAM) and nothing else"
        )
    if not program.is_file():
        raise HypervisorError(f"program '{program}': no such file")
    out = sys.stdout.buffer

    def console(data: bytes) -> None:
        out.write(data)
        out.flush()

    config = SpikeConfig(program, mem_size=parse_size(args.mem), engine=args.engine)
    result = SpikeMachine(config, console).run(args.timeout)
    if args.stats:
        rate = result.instructions / result.seconds if result.seconds else 0.0
        sys.stderr.write(
            f"vmforms vm: {result.instructions} instructions in {result.seconds:.2f}s "
            f"({rate / 1e6:.2f} M/s)\n"
        )
    if result.reason == "timeout":
        raise HypervisorError(
            f"program did not exit through HTIF within {args.timeout:g}s (--timeout)",
            exit_code=EXIT_TIMEOUT,
        )
    return result.exit_code


def _console_input(machine: Any) -> Callable[[bytes], None]:
    """Typed input goes to both consoles, the UART (ttyS0) and virtio-console (hvc0):
    whichever the guest reads takes it, with no key to switch (QEMU's -nographic mux gives
    it to one front end at a time, changed with Ctrl-A c)."""
    def receive(data: bytes) -> None:
        machine.uart.receive(data)
        machine.hvc_receive(data)

    return receive


class _Detach(Exception):
    """Ctrl-A X on the console."""


class _Terminal:
    """The serial console on our terminal: output straight through, input polled between
    CPU slices, Ctrl-A X to quit and Ctrl-A Ctrl-A for a literal Ctrl-A, as in QEMU."""

    def __init__(self, fd_in: int | None = None, fd_out: int | None = None) -> None:
        self._in = sys.stdin.fileno() if fd_in is None else fd_in
        self._out = sys.stdout.fileno() if fd_out is None else fd_out
        self._escape = False

    def write(self, data: bytes) -> None:
        os.write(self._out, data)

    def poller(self, receive: Callable[[bytes], None]) -> Poll:
        def poll(idle: bool) -> None:
            ready, _, _ = select.select([self._in], [], [], 0.02 if idle else 0)
            if not ready:
                return
            data = os.read(self._in, 256)
            if not data:
                return
            keep = bytearray()
            for b in data:
                if self._escape:
                    self._escape = False
                    if b in (ord("x"), ord("X")):
                        raise _Detach
                    if b == CTRL_A:
                        keep.append(CTRL_A)
                elif b == CTRL_A:
                    self._escape = True
                else:
                    keep.append(b)
            if keep:
                receive(bytes(keep))

        return poll


class _raw_terminal:  # noqa: N801 - used as a context manager, reads like one
    """The terminal in raw mode while the console is attached, restored on any exit."""

    def __init__(self, *, enabled: bool) -> None:
        self._saved: list[Any] | None = None
        self._enabled = enabled and sys.stdin.isatty()

    def __enter__(self) -> None:
        if self._enabled:
            fd = sys.stdin.fileno()
            self._saved = termios.tcgetattr(fd)
            tty.setraw(fd)

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._saved)


def run_kvm(
    args: argparse.Namespace, cmd: list[str], arch: str, net: Any = None, net_param: str = ""
) -> int:
    """The x86-64 board on KVM: the built-in probe guest, or a Linux bzImage/PVH vmlinux."""
    if arch != "x86_64" or args.accel != "kvm":
        raise HypervisorError("x86_64 guests run with --accel kvm; the software CPU is RISC-V")
    from vmforms.hypervisor.boot.initramfs import (
        GuestOutput,
        command_parameter,
        new_key,
        signs_exit_marks,
    )
    from vmforms.hypervisor.cpu.kvm.launch import build_config, launch, probe_rates
    from vmforms.hypervisor.machine import DiskSpec

    if cmd and (args.kernel is None or args.initrd is None):
        raise HypervisorError(
            "a command on x86_64 needs a Linux --kernel and an --initrd with vmforms' /init"
        )
    disks = [(d.path, d.read_only) for d in map(DiskSpec.parse, args.disk)]
    key = new_key() if cmd and signs_exit_marks(args.initrd) else None
    words = (args.append, net_param, command_parameter(cmd, key) if cmd else "")
    append = " ".join(w for w in words if w)
    config = build_config(
        args.kernel, args.initrd, append, parse_size(args.mem), disks, args.cpus,
        args.irqchip == "kernel",
    )
    guest = GuestOutput(key)

    def command_output(data: bytes) -> None:
        chunk = guest.feed(data)
        if chunk:
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()

    terminal = None if cmd else _Terminal()
    with _raw_terminal(enabled=terminal is not None):
        try:
            console = terminal.write if terminal else command_output
            poller = terminal.poller if terminal else None
            outcome = launch(config, console, args.timeout, poller, net)
        except _Detach:
            return 0
    result = outcome.result
    if args.stats:
        exits = sum(result.exits.values())
        first = result.first_exit_seconds
        sys.stderr.write(
            f"vmforms vm: board set-up {result.setup_seconds * 1e3:.2f} ms; "
            f"{result.reason} after {result.seconds:.3f}s, {exits} exits "
            f"({exits / result.seconds if result.seconds else 0:.0f}/s)"
            + (f", first exit after {first * 1e3:.2f} ms" if first is not None else "")
            + (f" ({result.first_exit_cpu_seconds * 1e3:.1f} ms of CPU since exec)"
               if result.first_exit_cpu_seconds is not None else "")
            + "\n"
        )
        for name, count in sorted(result.exits.items()):
            sys.stderr.write(f"vmforms vm:   {name} {count}\n")
        for name, value in probe_rates(outcome.marks).items():
            sys.stderr.write(f"vmforms vm:   {name} {value:.4g}\n")
    if result.reason == "timeout":
        raise HypervisorError(
            f"guest did not power off within {args.timeout:g}s (--timeout)", exit_code=EXIT_TIMEOUT
        )
    if result.reason == "triple-fault" and not cmd:
        raise HypervisorError("guest triple-faulted (a CPU reset with no handler left)")
    if not cmd:
        return 0
    if guest.exit_status is None:
        tail = bytes(guest.boot_log[-2000:]).decode("utf-8", "replace").strip()
        last = tail.splitlines()[-1] if tail else "no console output"
        raise HypervisorError(f"guest stopped before the command ran; last output: {last}")
    return guest.exit_status


class _SnapshotTaken(Exception):
    """The machine was saved at --snapshot-at's line."""


class _Snapshotter:
    """--snapshot-at/--snapshot-to: watch the console for the line; between two CPU slices
    after it shows (the CPU between two instructions), save the machine and stop."""

    def __init__(self, args: argparse.Namespace, guest: Any, terminal: Any) -> None:
        from vmforms.hypervisor.snapshot import ConsoleMarker

        self._marker = ConsoleMarker(args.snapshot_at)
        self._directory: Path = args.snapshot_to
        self._guest = guest
        self._mode = "command" if terminal is None else "terminal"

    def console(self, write: Callable[[bytes], None]) -> Callable[[bytes], None]:
        def watched(data: bytes) -> None:
            write(data)
            self._marker.feed(data)

        return watched

    def poll(self, machine: Any, poll: Poll) -> Poll:
        def check(idle: bool) -> None:
            if self._marker.matched:
                extra = {"console": self._mode, "begun": self._guest.begun,
                         "key": self._guest.key}
                machine.save_snapshot(self._directory, extra)
                raise _SnapshotTaken
            poll(idle)

        return check


def run_restore(args: argparse.Namespace, cmd: list[str]) -> int:
    """`vm run --restore DIR`: the machine resumes where the snapshot left it, and so does
    its console: a terminal's, or a command's output framing and exit status."""
    from vmforms.hypervisor.boot.initramfs import KEY_RE, GuestOutput
    from vmforms.hypervisor.machine import Machine
    from vmforms.hypervisor.snapshot import (
        read_snapshot,
        snapshot_config,
        translation_cache_path,
    )

    given = [name for name in ("kernel", "initrd", "bios", "disk", "append", "snapshot_at",
                               "net") if getattr(args, name)]
    if cmd or given or args.machine != "virt" or args.accel != "tcg":
        # A snapshot holds no network device's host side (a TAP, a lease, libslirp's
        # state): --net is refused rather than ignored.
        raise HypervisorError(
            "--restore resumes the machine the snapshot saved: give no command, --kernel, "
            "--initrd, --bios, --disk, --append, --snapshot-at or --net"
        )
    snapshot = read_snapshot(args.restore)
    command = snapshot.extra.get("console") == "command"
    key = snapshot.extra.get("key")
    if key is not None and not (isinstance(key, str) and KEY_RE.fullmatch(key)):
        raise HypervisorError(f"snapshot {args.restore}: its exit-mark key is malformed",
                              exit_code=125)
    guest = GuestOutput(key)
    guest.begun = True
    out = sys.stdout.buffer
    terminal = _Terminal()

    def command_output(data: bytes) -> None:
        chunk = guest.feed(data)
        if chunk:
            out.write(chunk)
            out.flush()

    cache = None
    if args.engine == "translate":
        cache = translation_cache_path(_translation_cache().parent, snapshot)
    options: dict[str, Any] = {"engine": args.engine, "translation_cache": cache}
    if args.mem is not None:
        config = snapshot_config(snapshot, engine=args.engine, translation_cache=cache)
        options = {"config": replace(config, mem_size=parse_size(args.mem))}
    machine, _ = Machine.restore_snapshot(
        args.restore, command_output if command else terminal.write, **options
    )
    try:
        with _raw_terminal(enabled=not command):
            result = machine.run(args.timeout, terminal.poller(machine.uart.receive))
    except _Detach:
        return 0
    finally:
        machine.close()
    if args.stats:
        sys.stderr.write(f"vmforms vm: {result.instructions} instructions in "
                         f"{result.seconds:.2f}s after the restore\n")
    if result.reason == "panic":
        raise HypervisorError("the guest kernel panicked", exit_code=EXIT_GUEST_PANIC)
    if result.reason == "timeout":
        raise HypervisorError(
            f"guest did not power off within {args.timeout:g}s (--timeout)", exit_code=EXIT_TIMEOUT
        )
    if command:
        if guest.exit_status is None:
            raise HypervisorError("the guest stopped before the command finished")
        return guest.exit_status
    return 0
