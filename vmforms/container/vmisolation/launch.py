"""A container's virtual machine: the host process that stands where a container's PID 1
would (the monitor waits for it, signals it, relays its output and records its status)
and runs the RISC-V board with the agent's guest, the image disk and the container's
description. The serial console carries stdin, stdout and the agent's exit mark, which
becomes this process's exit status (only the mark with this run's key, which the
description hands the agent after the snapshot point); without a terminal the
container's stderr comes out of the virtio console (the guest's hvc0) onto this
process's stderr, so the two streams stay apart as a native container's do (with -t
both are the terminal, as in Docker).
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

from vmforms.container.errors import ContainerError
from vmforms.container.vmisolation.agent import (
    BASE_MARK,
    GUEST_CMDLINE,
    READY_MARK,
    disk_line,
)
from vmforms.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container import state as st
    from vmforms.container.runtime import Stdio
    from vmforms.container.spec import Spec

DEFAULT_GUEST_RAM = 128 << 20
# Above a --memory limit the guest's kernel and agent need about this much of their own.
GUEST_OVERHEAD = 64 << 20
MAX_GUEST_RAM = 2 << 30
# VEOF of the guest's terminal in canonical mode: the first ends a partial line, the
# second is then the end of file (one at the start of a line is, and the other waits)
EOF = b"\x04\x04"
PRE_READY_LIMIT = 64 << 10
INPUT_CHUNK = 1024  # at most this much waits in the UART's receive FIFO (4 KiB)
EXIT_VM_FAILED = 125
IDLE_WAIT = 0.05  # the longest wait for input between two looks at the console


def guest_ram(memory_limit: int | None) -> int:
    """The VM's RAM: the default, or enough for --memory and the guest itself."""
    if memory_limit is None:
        return DEFAULT_GUEST_RAM
    need = memory_limit + GUEST_OVERHEAD
    if need > MAX_GUEST_RAM:
        raise ContainerError(f"--memory {memory_limit} with --isolation vm: the guest's RAM "
                             f"would exceed {MAX_GUEST_RAM >> 20} MiB")
    return max(DEFAULT_GUEST_RAM, (need + (1 << 20) - 1) & ~((1 << 20) - 1))


@record
class VmPlan:
    config: Any  # vmforms.hypervisor.machine.MachineConfig, with the image's disk
    description: bytes
    tty: bool
    interactive: bool
    snapshot: Any = None  # Path of the VM saved at the agent's ready mark, or None
    key: str | None = None  # the run's exit-mark key, in the description
    base_config: Any = None  # the machine the guest boots: the placeholder disk
    base_snapshot: Any = None  # Path of the VM saved at the agent's base mark, or None


def snapshots_dir() -> Any:
    from vmforms.container.paths import state_root

    root = state_root() / "vm" / "snapshots"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    return root


def snapshot_disks(snapshot: Any) -> list[str] | None:
    """The disk images a snapshot's machine has (resolved paths); None when it cannot be
    read (not ours to judge: a damaged one goes when it is next used)."""
    from vmforms.hypervisor.errors import SnapshotError
    from vmforms.hypervisor.snapshot import read_snapshot

    try:
        disks = read_snapshot(snapshot).shape["disks"]
        return [str(d["path"]) for d in disks]
    except (SnapshotError, KeyError, TypeError):
        return None


def snapshot_dir(config: Any) -> Any:
    """Where the machine of `config` is kept, booted to the agent's ready mark: one per
    kernel, initramfs, image disk, RAM size and command line (a snapshot restores only
    onto the machine it was taken of)."""
    import hashlib
    import json

    files = [config.kernel, config.initrd, *(d.path for d in config.disks)]
    stats = [(str(f), os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]
    key = hashlib.sha256(json.dumps([stats, config.mem_size, config.cmdline]).encode())
    return snapshots_dir() / key.hexdigest()[:24]


def plan(c: st.Container, spec: Spec, tty_size: tuple[int, int] | None = None) -> VmPlan:
    """Everything the VM needs, made before the fork so that errors reach the caller."""
    from dataclasses import replace
    from pathlib import Path

    from vmforms.container.paths import state_root
    from vmforms.container.vmisolation.agent import description
    from vmforms.container.vmisolation.disk import layers_disk, placeholder_disk
    from vmforms.container.vmisolation.guest import agent_guest
    from vmforms.hypervisor.boot.initramfs import new_key
    from vmforms.hypervisor.machine import DiskSpec, MachineConfig

    guest = agent_guest()
    key = new_key()
    layers = [Path(p) for p in c.record["Layers"]]
    disk = layers_disk(c.record["Image"], layers)
    proc, res = spec.process, spec.linux.resources
    text = description(
        key=key, layers=len(layers), hostname=spec.hostname or c.id[:12], args=list(proc.args),
        env=list(proc.env), cwd=proc.cwd, uid=proc.user.uid, gid=proc.user.gid,
        groups=list(proc.user.additional_gids), memory=res.memory_limit,
        pids=res.pids_limit, tty=proc.terminal, stdin=bool(c.record["Config"]["OpenStdin"]),
        tty_size=tty_size)
    cache = state_root() / "cache"
    cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = MachineConfig(
        kernel=guest.kernel, initrd=guest.initrd,
        cmdline=GUEST_CMDLINE,
        mem_size=guest_ram(res.memory_limit), disks=(DiskSpec(disk, read_only=True),),
        engine="translate", translation_cache=cache / "riscv-containers.tcache")
    base = replace(config, disks=(DiskSpec(placeholder_disk(), read_only=True),))
    # VMFORMS_VM_SNAPSHOT=off: boot every time (the bench and the demo measure both
    # ways); =base: no snapshot of the image (the first run of a new image)
    how = os.environ.get("VMFORMS_VM_SNAPSHOT")
    snapshot = None if how in ("off", "base") else snapshot_dir(config)
    return VmPlan(config, text.encode(), proc.terminal,
                  bool(c.record["Config"]["OpenStdin"]), snapshot, key, base,
                  None if how == "off" else snapshot_dir(base))


def start(c: st.Container, spec: Spec, cgroup: Any, stdio: Stdio) -> int:
    """Fork the VM process into `cgroup` with `stdio`; return its pid."""
    p = plan(c, spec, stdio.console_size)
    pid = os.fork()
    if pid != 0:
        return pid
    code = EXIT_VM_FAILED
    try:
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT,
                    signal.SIGPIPE, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        if stdio.console is None:
            os.setsid()  # with a terminal, _setup_stdio makes the session around it
        cgroup.add(0)
        from vmforms.container.runtime import _setup_stdio

        _setup_stdio(stdio, None)
        # Nothing of the monitor's stays open here: a pipe's writer held by this process
        # would keep `run -d` waiting for the container to end.
        os.closerange(3, 1 << 20)
        code = run_machine(p)
    except BaseException as exc:  # noqa: BLE001 - the VM process reports and exits
        try:
            os.write(2, f"vmforms: the container's VM failed: {exc}\n".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


class ConsoleSession:
    """The console protocol of the agent: its output before the ready mark is dropped; at
    its base mark the host puts the image's disk behind the guest's and sends the disk
    line, at its ready mark the description; then the container's input and output
    flow. The host's steps at a mark are due (`due`) until the machine stops between two
    instructions (poll), where a snapshot can be taken first."""

    def __init__(self, text: bytes) -> None:
        self.based = False
        self.ready = False
        self.due: list[bytes] = []  # the marks seen whose host step is still to do
        self.pending = bytearray()
        self._description = text
        self._early = bytearray()

    def output(self, chunk: bytes) -> bytes:
        """The container's part of the agent's output."""
        if self.ready:
            return chunk
        self._early += chunk
        if not self.based:
            if self._after(BASE_MARK) < 0:
                return b""
            self.based = True
            self.due.append(BASE_MARK)
        if BASE_MARK in self.due:
            # the agent waits for the disk line: nothing before it is its ready mark
            self._early.clear()
            return b""
        end = self._after(READY_MARK)
        if end < 0:
            return b""
        self.ready = True
        self.due.append(READY_MARK)
        rest = bytes(self._early[end:])
        self._early.clear()
        return rest

    def _after(self, mark: bytes) -> int:
        """Where `mark` ends in the early output, or -1 (which then keeps a bound)."""
        at = self._early.find(mark)
        if at < 0:
            del self._early[:-PRE_READY_LIMIT]
            return -1
        return at + len(mark)

    def step(self, mark: bytes, sectors: int = 0) -> None:
        """The host has done its part at `mark`: the agent's answer goes in."""
        self.due.remove(mark)
        self.pending[:0] = disk_line(sectors) if mark == BASE_MARK else self._description

    def pump(self, uart: Any) -> None:
        """Move pending input into the guest's UART as its FIFO drains."""
        room = INPUT_CHUNK - uart.rx_pending
        if self.pending and not self.due and room > 0:
            uart.receive(bytes(self.pending[:room]))
            del self.pending[:room]


def run_machine(p: VmPlan) -> int:
    """Boot, hand over the image and the container, relay the console; the container's
    exit status."""
    from vmforms.hypervisor.boot.initramfs import GuestOutput
    from vmforms.hypervisor.machine import Machine

    guest = GuestOutput(p.key)
    session = ConsoleSession(p.description)
    reading = p.interactive
    saves: dict[bytes, Any] = {}  # where to save the machine at a mark
    if p.tty and os.isatty(0):
        import tty

        tty.setraw(0)  # the guest's terminal does the echo and the line editing

    def console(data: bytes) -> None:
        out = session.output(guest.feed(data))
        while out:
            out = out[os.write(1, out):]
        if guest.exit_status is not None:
            # The container has ended and its output is out (the agent drains stderr
            # before the mark): the guest's shutdown would only cost time.
            machine.cpu.halted = True

    def errors(data: bytes) -> None:
        while data:
            data = data[os.write(2, data):]

    def poll(idle: bool) -> None:
        nonlocal reading
        cpu: Any = machine.cpu
        # Idle with a timer ahead, the guest's clock would jump to it (hypervisor.md):
        # a container's `sleep 60` would end at once. Once the container runs, the
        # guest's clock follows the wall clock while it waits, as with a network.
        # `cpu.idle`, not the slice's `idle`: a slice also ends a few instructions short
        # when its last region would overrun it, and waiting then stalled a busy guest
        # 50 ms each time (a quarter of a second of every `run --rm busybox true`).
        wait = 0.0
        if cpu.idle and cpu.host_paced:
            wait = min(IDLE_WAIT, max(0, cpu.wake_at - cpu.instret) / cpu.nominal_ips)
        began = time.monotonic()
        if reading and session.ready and not session.pending:
            ready, _, _ = select.select([0], [], [], wait)
            if ready:
                data = os.read(0, 4096)
                if data:
                    session.pending += data
                else:
                    reading = False
                    if not p.tty:
                        session.pending += EOF
        elif wait:
            time.sleep(wait)
        if wait:
            cpu.skip_idle(int((time.monotonic() - began) * cpu.nominal_ips) + 1)
        for mark in list(session.due):
            if saves.get(mark) is not None:
                # before the answer: the snapshot serves any image (base) or container
                _save(machine, saves.pop(mark))
            session.step(mark, attach_image(machine, p.config) if mark == BASE_MARK else 0)
        if session.ready:
            cpu.host_paced = True
        session.pump(machine.uart)

    machine, how = _restore(p.snapshot, p.config, console), "resumed from its snapshot"
    if machine is not None:
        session.output(BASE_MARK)
        session.due.remove(BASE_MARK)  # the image's disk is the snapshot's
        session.output(READY_MARK)
    else:
        machine = _restore(p.base_snapshot, p.base_config, console)
        how = "resumed from the base snapshot"
        if machine is not None:
            session.output(BASE_MARK)
        else:
            machine, how = Machine(p.base_config, console), "booted"
            saves[BASE_MARK] = p.base_snapshot
        saves[READY_MARK] = p.snapshot
    if how != "booted":
        guest.begun = True  # the console resumes after the agent's mark
    machine.hvc.send_output_to(errors)
    try:
        result = machine.run(None, poll)
    finally:
        machine.close()
    if os.environ.get("VMFORMS_VM_STATS"):
        sys.stderr.write(f"vmforms: {result.instructions} guest instructions in "
                         f"{result.seconds:.2f}s ({how})\n")
    if result.reason == "panic":
        lines = machine.watch.last_lines(10)
        sys.stderr.write("".join(f"  {line}\n" for line in lines))
        sys.stderr.write("vmforms: the container's guest kernel panicked\n")
        return EXIT_VM_FAILED
    if guest.exit_status is None:
        tail = bytes(guest.boot_log[-400:]).decode("utf-8", "replace").strip().splitlines()
        sys.stderr.write("vmforms: the container's VM stopped before the container ended"
                         f" ({result.reason}; last console line: "
                         f"{tail[-1] if tail else 'none'})\n")
        return EXIT_VM_FAILED
    return guest.exit_status


def attach_image(machine: Any, config: Any) -> int:
    """Put the image's disk of `config` behind the guest's first virtio-blk device and
    announce it (VIRTIO_MMIO_INT_CONFIG: Linux reads the new capacity, as after QEMU's
    block_resize); the disk's sectors."""
    from dataclasses import replace

    from vmforms.hypervisor.devices.virtio.mmio import VIRTIO_MMIO_INT_CONFIG

    [disk] = config.disks
    blk = machine.disks[0]
    blk.replace_image(disk.path)
    machine.config = replace(machine.config, disks=config.disks)  # what a snapshot records
    machine.virtio[0].raise_interrupt(VIRTIO_MMIO_INT_CONFIG)
    return int(blk.capacity)


def _restore(snapshot: Any, config: Any, console: Any) -> Any:
    """The machine of `snapshot`, resumed; None when there is none (or it no longer
    fits: it is dropped, and the run takes a new one)."""
    from vmforms.hypervisor.errors import SnapshotError
    from vmforms.hypervisor.machine import Machine

    if snapshot is None or not (snapshot / "vmstate").is_file():
        return None
    try:
        machine, _ = Machine.restore_snapshot(snapshot, console, config=config)
    except SnapshotError as exc:
        sys.stderr.write(f"vmforms: starting the container's VM afresh: {exc}\n")
        import shutil

        shutil.rmtree(snapshot, ignore_errors=True)
        return None
    return machine


def _save(machine: Any, directory: Any) -> None:
    """Save the machine beside `directory` and move it in place; another run that got
    there first wins. A failure costs only the next run's boot."""
    import shutil

    from vmforms.hypervisor.errors import SnapshotError

    tmp = directory.with_name(f".{directory.name}.{os.getpid()}")
    try:
        machine.save_snapshot(tmp)
        os.rename(tmp, directory)
    except (OSError, SnapshotError):
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune_snapshots(directory.parent, machine.config)


def prune_snapshots(root: Any, config: Any) -> None:
    """Drop the snapshots of another guest (an older kernel or initramfs: they can never
    be restored again) and those whose image disk is gone."""
    import shutil

    from vmforms.hypervisor.errors import SnapshotError
    from vmforms.hypervisor.snapshot import read_snapshot

    current = (str(config.kernel.resolve()), str(config.initrd.resolve()))
    for entry in root.iterdir():
        if entry.name.startswith("."):
            continue
        try:
            shape = read_snapshot(entry).shape
            guest = (shape["kernel"]["path"], shape["initrd"]["path"])
            disks = [d["path"] for d in shape["disks"]]
        except (SnapshotError, KeyError, TypeError):
            continue  # not ours to judge; a damaged one goes when it is next used
        if guest != current or not all(os.path.exists(d) for d in disks):
            shutil.rmtree(entry, ignore_errors=True)
