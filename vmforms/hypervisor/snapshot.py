"""Snapshots of the software RISC-V virt board, in Firecracker's shape: guest RAM in a
sparse file, the CPU's and every device's state, and a header naming the machine they fit.

A snapshot is a directory (0700) of two files (0600):
- `memory`: the RAM image, as long as the RAM; only pages that are not all zero are
  written, so the rest are holes, and restore reads only the extents that hold data
  (lseek SEEK_DATA/SEEK_HOLE, Linux lseek(2)).
- `vmstate`: MAGIC, the format version and the length of a JSON document (u32 each,
  little-endian), the document, then the SHA-256 of everything before it. The document
  holds the machine's shape (RAM size, harts, the devices on the bus, digests of kernel,
  initrd and firmware, the disks by path, size and mtime, the CPU state layout), the
  digest of the RAM image, the state of the CPU and of each device, and what the caller
  adds (`extra`: the CLI keeps where its console stream was).
Restore builds the same board from the same files, checks that its shape is the one
recorded, then overwrites RAM and every state. Any mismatch or damage is a SnapshotError
(exit status 125) naming what differs; every length read from the files is bounded.
Translations (TLBs, compiled blocks) are caches, never saved.
"""

from __future__ import annotations

import errno
import hashlib
import json
import mmap
import os
import re
import stat
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vmforms.hypervisor.errors import HypervisorError, SnapshotError
from vmforms.hypervisor.memory import PAGE_SIZE, GuestMemory
from vmforms.hypervisor.state import StateReader

if TYPE_CHECKING:
    from vmforms.hypervisor.machine import CpuFactory, Machine, MachineConfig

MAGIC = b"vmforms\x00"
FORMAT_VERSION = 1
STATE_FILE = "vmstate"
MEMORY_FILE = "memory"
MAX_DOCUMENT = 8 << 20  # the state of a board is tens of KiB; more is not a snapshot
MAX_RAM = 64 << 30  # a sparse memory file of any size costs nothing to make: bound it
_PREFIX = struct.Struct("<8sII")
_RUN = struct.Struct("<QQ")
_ZERO_PAGE = bytes(PAGE_SIZE)
_IO_CHUNK = 8 << 20
# Blocks compiled after a restore are kept per snapshot (the boot's cache is hundreds of
# MiB, too much to load for a restore), hot after 16 runs: the first restore compiles
# less than at 4, and a later one loads about 4 MiB. Measured to `uname -r`'s output at the
# prompt: 0.40-0.55 s of guest run, against 0.62-0.88 s without.
SNAPSHOT_HOT_THRESHOLD = 16
SNAPSHOT_CACHES_KEPT = 8


@dataclass(slots=True)
class Snapshot:
    """A snapshot's header document, read and checked against its own digest."""

    directory: Path
    seal: str  # the SHA-256 that ends vmstate, naming this snapshot
    shape: dict[str, Any]
    memory: dict[str, Any]
    state: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


class ConsoleMarker:
    """Notices the console line a snapshot is wanted at: a shell prompt, an agent's ready
    line. `pattern` is a regular expression searched in each line, the unfinished last one
    included (a prompt has no newline), carriage returns removed."""

    LINE_LIMIT = 4096

    def __init__(self, pattern: str) -> None:
        try:
            self._re = re.compile(pattern.encode())
        except re.error as exc:
            raise SnapshotError(f"marker {pattern!r}: not a regular expression: {exc}") from None
        self._line = b""
        self.matched = False

    def feed(self, data: bytes) -> None:
        if self.matched:
            return
        lines = (self._line + data).replace(b"\r", b"").split(b"\n")
        self._line = lines[-1][-self.LINE_LIMIT :]
        self.matched = any(self._re.search(line) for line in lines[:-1]) or bool(
            self._re.search(self._line)
        )


# --- the machine's shape ---


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise SnapshotError(f"read '{path}': {exc.strerror}") from exc
    return digest.hexdigest()


def _optional_file(path: Path | None) -> dict[str, str] | None:
    return None if path is None else {"path": str(path.resolve()), "sha256": file_digest(path)}


def machine_shape(machine: Machine) -> dict[str, Any]:
    """What a snapshot must match: the board, its RAM, devices, boot images and disks."""
    from vmforms.hypervisor.cpu.riscv.cpu import STATE_FIELDS, STATE_VERSION

    cfg = machine.config
    disks = []
    for spec in cfg.disks:
        try:
            st = os.stat(spec.path)
        except OSError as exc:
            raise SnapshotError(f"disk image '{spec.path}': {exc.strerror}") from exc
        disks.append({"path": str(spec.path.resolve()), "size": st.st_size,
                      "mtime_ns": st.st_mtime_ns, "read_only": spec.read_only})
    layout = hashlib.sha256(repr(STATE_FIELDS).encode()).hexdigest()[:16]
    return {
        "arch": "riscv64", "board": "virt", "harts": 1, "ram": cfg.mem_size,
        "timebase_hz": cfg.timebase_hz, "cmdline": cfg.cmdline,
        "devices": [f"{name}:{type(dev).__name__}" for name, dev in machine.bus.devices()],
        "virtio": [t.device.device_id if t.device else 0 for t in machine.virtio],
        "kernel": _optional_file(cfg.kernel), "initrd": _optional_file(cfg.initrd),
        "bios": _optional_file(cfg.bios), "disks": disks,
        "cpu_state": {"version": STATE_VERSION, "layout": layout},
    }


def _describe(key: str, value: object) -> str:
    if key == "ram" and isinstance(value, int):
        return f"{value >> 20} MiB of RAM"
    if isinstance(value, dict) and "sha256" in value:
        return f"{value.get('path')} (sha256 {str(value['sha256'])[:12]})"
    text = json.dumps(value)
    return text if len(text) < 120 else text[:117] + "..."


def check_shape(directory: Path, saved: dict[str, Any], actual: dict[str, Any]) -> None:
    for key in sorted(set(saved) | set(actual)):
        if saved.get(key) != actual.get(key):
            raise SnapshotError(
                f"snapshot '{directory}' does not fit this machine: {key} was "
                f"{_describe(key, saved.get(key))}, is {_describe(key, actual.get(key))}"
            )


# --- RAM ---


Ram = mmap.mmap
Runs = list[tuple[int, int]]


def _nonzero_runs(data: Ram, lo: int = 0, hi: int | None = None) -> Iterator[tuple[int, int]]:
    """[start, end) of each run of pages in [lo, hi) that are not all zero."""
    hi = len(data) if hi is None else hi
    run = -1
    for off in range(lo, hi, PAGE_SIZE):
        if data[off : off + PAGE_SIZE] != _ZERO_PAGE:
            if run < 0:
                run = off
        elif run >= 0:
            yield run, off
            run = -1
    if run >= 0:
        yield run, hi


def ram_digest(data: Ram, extents: Runs | None = None) -> tuple[str, Runs]:
    """The SHA-256 of RAM's contents (each run of non-zero pages with its place) and the
    runs. With `extents` only those ranges are read: the rest is known to be zero."""
    digest = hashlib.sha256()
    view = memoryview(data)
    runs = [run for lo, hi in extents or [(0, len(data))] for run in _nonzero_runs(data, lo, hi)]
    for start, end in runs:
        digest.update(_RUN.pack(start, end))
        digest.update(view[start:end])
    view.release()
    return digest.hexdigest(), runs


def _write_memory(path: Path, data: Ram, runs: Runs) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    view = memoryview(data)
    try:
        os.ftruncate(fd, len(data))
        for start, end in runs:
            pos = start
            while pos < end:
                pos += os.pwrite(fd, view[pos : min(end, pos + _IO_CHUNK)], pos)
    finally:
        view.release()
        os.close(fd)


def _data_extents(fd: int, size: int) -> Iterator[tuple[int, int]]:
    """[start, end) of each extent of the file that holds data (lseek(2) SEEK_DATA)."""
    pos = 0
    while pos < size:
        try:
            start = os.lseek(fd, pos, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # only a hole remains
                return
            raise
        if start >= size:
            return
        end = min(os.lseek(fd, start, os.SEEK_HOLE), size)
        yield start, end
        pos = end


def _read_memory(path: Path, memory: GuestMemory) -> Runs:
    """Fill RAM from the image: its data extents read, its holes given back (zero); returns
    the extents."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise SnapshotError(f"open snapshot memory '{path}': {exc.strerror}") from exc
    view = memoryview(memory.data)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise SnapshotError(f"snapshot memory '{path}': not a regular file")
        size = memory.size
        if st.st_size != size:
            raise SnapshotError(
                f"snapshot memory '{path}': {st.st_size} bytes, the RAM is {size} "
                "(truncated or another machine's)"
            )
        extents = list(_data_extents(fd, size))
        pos = 0
        for start, end in [*extents, (size, size)]:
            memory.discard(pos, start - pos)
            while start < end:
                got = os.preadv(fd, [view[start : min(end, start + _IO_CHUNK)]], start)
                if got <= 0:
                    raise SnapshotError(f"snapshot memory '{path}': ends early")
                start += got
            pos = end
        return extents
    except OSError as exc:
        raise SnapshotError(f"read snapshot memory '{path}': {exc.strerror}") from exc
    finally:
        view.release()
        os.close(fd)


# --- the state document ---


def save_snapshot(machine: Machine, directory: Path, extra: dict[str, Any] | None = None) -> None:
    """Write `machine`'s snapshot into `directory` (created 0700; an older snapshot there
    is replaced). Call it between runs: the CPU is then between two instructions."""
    from vmforms.hypervisor.cpu.riscv.cpu import Cpu

    cpu = machine.cpu
    if not isinstance(cpu, Cpu):
        raise SnapshotError(f"snapshot: the CPU backend {type(cpu).__name__} cannot be saved")
    if machine.power.reason:
        raise SnapshotError(f"snapshot: the guest has already asked for a {machine.power.reason}")
    devices = {}
    for name, dev in machine.bus.devices():
        save = getattr(dev, "save_state", None)
        if save is None:
            raise SnapshotError(f"snapshot: device {name} ({type(dev).__name__}) has no state "
                                "methods (save_state/load_state)")
        devices[name] = save()
    digest, runs = ram_digest(machine.memory.data)
    document = {
        "shape": machine_shape(machine),
        "memory": {"size": machine.memory.size, "sha256": digest,
                   "data_bytes": sum(end - start for start, end in runs)},
        "state": {"cpu": cpu.save_state(), "devices": devices},
        "extra": extra or {},
    }
    body = json.dumps(document, separators=(",", ":")).encode()
    blob = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body
    blob += hashlib.sha256(blob).digest()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if directory.is_symlink() or not directory.is_dir():
            raise SnapshotError(f"snapshot directory '{directory}': not a directory")
        os.chmod(directory, 0o700)
        for name in (MEMORY_FILE, STATE_FILE):
            (directory / f".{name}.new").unlink(missing_ok=True)
        _write_memory(directory / f".{MEMORY_FILE}.new", machine.memory.data, runs)
        fd = os.open(directory / f".{STATE_FILE}.new",
                     os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(directory / f".{MEMORY_FILE}.new", directory / MEMORY_FILE)
        os.replace(directory / f".{STATE_FILE}.new", directory / STATE_FILE)
    except OSError as exc:
        for name in (MEMORY_FILE, STATE_FILE):
            try:
                (directory / f".{name}.new").unlink(missing_ok=True)
            except OSError:
                pass
        raise SnapshotError(
            f"write snapshot into '{directory}': {exc.strerror or exc}"
        ) from exc


def read_snapshot(directory: Path) -> Snapshot:
    """The header document of a snapshot, checked: magic, version, length, digest."""
    path = directory / STATE_FILE
    limit = _PREFIX.size + MAX_DOCUMENT + 32
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise SnapshotError(f"snapshot '{directory}': {STATE_FILE} is not a regular file")
            blob = f.read(limit + 1)
    except OSError as exc:
        raise SnapshotError(f"read snapshot '{path}': {exc.strerror}") from exc
    if len(blob) < _PREFIX.size or blob[:8] != MAGIC:
        raise SnapshotError(f"snapshot '{directory}': {STATE_FILE} is not a vmforms snapshot")
    _, version, length = _PREFIX.unpack_from(blob)
    if version != FORMAT_VERSION:
        raise SnapshotError(
            f"snapshot '{directory}': format version {version}; this vmforms reads version "
            f"{FORMAT_VERSION} (take the snapshot again)"
        )
    if length > MAX_DOCUMENT or len(blob) != _PREFIX.size + length + 32:
        raise SnapshotError(f"snapshot '{directory}': {STATE_FILE} is truncated or too long")
    if hashlib.sha256(blob[:-32]).digest() != blob[-32:]:
        raise SnapshotError(f"snapshot '{directory}': {STATE_FILE} is damaged or altered "
                            "(its digest does not match)")
    try:
        document = json.loads(blob[_PREFIX.size : -32])
    except (ValueError, RecursionError):
        raise SnapshotError(f"snapshot '{directory}': {STATE_FILE} is not JSON") from None
    parts = {}
    for name in ("shape", "memory", "state", "extra"):
        value = document.get(name) if isinstance(document, dict) else None
        if not isinstance(value, dict):
            raise SnapshotError(f"snapshot '{directory}': '{name}' is missing")
        parts[name] = value
    return Snapshot(directory, blob[-32:].hex(), parts["shape"], parts["memory"], parts["state"],
                    parts["extra"])


def translation_cache_path(cache_dir: Path, snapshot: Snapshot) -> Path:
    """Where the blocks compiled after restoring `snapshot` are kept: in the caller's own
    cache directory, never the snapshot's (the entries are code objects, loaded with
    marshal, so they must come from a place only we write). The least recently used
    beyond SNAPSHOT_CACHES_KEPT are removed."""
    path = cache_dir / f"snapshot-{snapshot.seal[:24]}.tcache"
    try:
        others = sorted(cache_dir.glob("snapshot-*.tcache"), key=lambda p: p.stat().st_mtime)
        for old in [p for p in others if p != path][: max(0, len(others) - SNAPSHOT_CACHES_KEPT)]:
            old.unlink(missing_ok=True)
        if path.exists():
            os.utime(path)
    except OSError:
        pass  # a cache that cannot be pruned only costs disk
    return path


def snapshot_config(
    snapshot: Snapshot, *, engine: str = "translate", translation_cache: Path | None = None
) -> MachineConfig:
    """The configuration of the machine a snapshot was taken of, from its own header."""
    from vmforms.hypervisor.machine import DiskSpec, MachineConfig

    shape = StateReader(snapshot.shape, "snapshot shape")

    def image(name: str) -> Path | None:
        ref = shape.maybe_child(name)
        return None if ref is None else Path(ref.text("path"))

    kernel = image("kernel")
    if kernel is None:
        raise SnapshotError(f"snapshot '{snapshot.directory}': no kernel recorded")
    saved = snapshot.shape.get("disks")
    count = len(saved) if isinstance(saved, list) and len(saved) < 16 else -1
    disks = tuple(
        DiskSpec(Path(d.text("path")), d.flag("read_only")) for d in shape.children("disks", count)
    )
    return MachineConfig(
        kernel=kernel, initrd=image("initrd"), cmdline=shape.text("cmdline"),
        mem_size=shape.number("ram", PAGE_SIZE, MAX_RAM), disks=disks, engine=engine,
        timebase_hz=shape.number("timebase_hz", 1, 1 << 40),
        translation_cache=translation_cache, bios=image("bios"),
    )


def restore_snapshot(
    directory: Path,
    console: Callable[[bytes], None],
    *,
    config: MachineConfig | None = None,
    cpu_factory: CpuFactory | None = None,
    engine: str = "translate",
    translation_cache: Path | None = None,
) -> tuple[Machine, dict[str, Any]]:
    """A machine in the state the snapshot saved, and the snapshot's `extra`.

    Without `config` the machine is the one recorded in the snapshot (same kernel,
    initrd, command line, disks, RAM); with one, it must have the recorded shape. A
    translation cache (see translation_cache_path) keeps the blocks compiled after a
    restore for the next one; they compile after SNAPSHOT_HOT_THRESHOLD runs.
    """
    from vmforms.hypervisor.machine import Machine, default_cpu_factory

    snapshot = read_snapshot(directory)
    if config is None:
        config = snapshot_config(snapshot, engine=engine, translation_cache=translation_cache)
    if config.translation_cache is not None and cpu_factory is None:
        from vmforms.hypervisor.cpu.riscv import Cpu

        def cpu_factory(*args: Any, **kwargs: Any) -> Cpu:
            return Cpu(*args, hot_threshold=SNAPSHOT_HOT_THRESHOLD, **kwargs)
    try:
        machine = Machine(config, console, cpu_factory=cpu_factory or default_cpu_factory)
    except (HypervisorError, OSError) as exc:
        raise SnapshotError(f"snapshot '{directory}': its machine cannot be built: {exc}") from exc
    try:
        _restore_into(machine, snapshot)
    except BaseException:
        machine.close()
        raise
    return machine, snapshot.extra


def verify_snapshot(directory: Path) -> list[str]:
    """Check a snapshot against its own digests and the files it names, without running
    it; return a description, one line per fact. Refusals are SnapshotErrors."""
    snapshot = read_snapshot(directory)
    shape = StateReader(snapshot.shape, "snapshot shape")
    ram = shape.number("ram", PAGE_SIZE, MAX_RAM)
    try:
        memory = GuestMemory(0, ram)
    except OSError as exc:
        raise SnapshotError(f"snapshot '{directory}': {ram >> 20} MiB of RAM: {exc}") from exc
    extents = _read_memory(directory / MEMORY_FILE, memory)
    expected = StateReader(snapshot.memory, "snapshot memory").text("sha256", 64)
    if ram_digest(memory.data, extents)[0] != expected:
        raise SnapshotError(f"snapshot '{directory}': {MEMORY_FILE} is damaged or altered")
    lines = [f"format: version {FORMAT_VERSION}, sealed sha256:{snapshot.seal}",
             f"machine: {shape.text('arch')} {shape.text('board')}, {ram >> 20} MiB RAM, "
             f"{sum(e - s for s, e in extents) >> 10} KiB of it saved"]
    for name in ("kernel", "initrd", "bios"):
        ref = shape.maybe_child(name)
        if ref is None:
            continue
        path, digest = Path(ref.text("path")), ref.text("sha256", 64)
        if not path.is_file() or file_digest(path) != digest:
            raise SnapshotError(f"snapshot '{directory}': {name} '{path}' is not the file it was")
        lines.append(f"{name}: {path} (sha256 {digest[:12]}, unchanged)")
    saved = snapshot.shape.get("disks")
    for disk in shape.children("disks", len(saved) if isinstance(saved, list) else -1):
        path = Path(disk.text("path"))
        try:
            st = os.stat(path)
        except OSError as exc:
            raise SnapshotError(f"snapshot '{directory}': disk '{path}': {exc.strerror}") from exc
        if (st.st_size, st.st_mtime_ns) != (disk.number("size"), disk.number("mtime_ns")):
            raise SnapshotError(f"snapshot '{directory}': disk '{path}' changed since")
        lines.append(f"disk: {path} ({st.st_size} bytes, unchanged)")
    lines.append(f"console: {snapshot.extra.get('console', 'none recorded')}")
    return lines


def _restore_into(machine: Machine, snapshot: Snapshot) -> None:
    from vmforms.hypervisor.cpu.riscv.cpu import Cpu

    directory = snapshot.directory
    check_shape(directory, snapshot.shape, machine_shape(machine))
    cpu = machine.cpu
    if not isinstance(cpu, Cpu):
        raise SnapshotError(f"restore: the CPU backend {type(cpu).__name__} cannot be loaded")
    memory = StateReader(snapshot.memory, "snapshot memory")
    if memory.number("size") != machine.memory.size:
        raise SnapshotError(f"snapshot '{directory}': its RAM image is of another size")
    expected = memory.text("sha256", 64)
    state = StateReader(snapshot.state, "snapshot")
    devices = state.child("devices")
    extents = _read_memory(directory / MEMORY_FILE, machine.memory)
    if ram_digest(machine.memory.data, extents)[0] != expected:
        raise SnapshotError(
            f"snapshot '{directory}': {MEMORY_FILE} is damaged or altered (its digest does not "
            "match the header's)"
        )
    for name, dev in machine.bus.devices():
        load = getattr(dev, "load_state", None)
        if load is None:
            raise SnapshotError(f"restore: device {name} ({type(dev).__name__}) has no "
                                "load_state")
        load(devices.child(name))
    cpu.load_state(state.child("cpu"))
    if machine.config.rtc_start_ns is None:
        # The RTC keeps running while the machine is off, as a battery-backed one does;
        # the guest's own clock resumes where it stopped, as a Firecracker guest's does.
        machine.rtc.set_time(time.time_ns())
