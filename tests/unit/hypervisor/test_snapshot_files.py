"""Whole-machine snapshots on the virt board with a small bare-metal "kernel": a restored
machine continues exactly as the original does, the files are sparse and private, and a
snapshot that does not fit (other RAM, other format, damaged, hostile) is refused."""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path

import pytest

from vmforms.hypervisor.errors import SnapshotError
from vmforms.hypervisor.machine import Machine, MachineConfig
from vmforms.hypervisor.snapshot import (
    FORMAT_VERSION,
    MAGIC,
    MEMORY_FILE,
    SNAPSHOT_CACHES_KEPT,
    STATE_FILE,
    ConsoleMarker,
    read_snapshot,
    translation_cache_path,
    verify_snapshot,
)

from .cpu.rig import HAVE_TOOLS, build

# An Image header (Documentation/arch/riscv/boot-image-header.rst) whose code0 jumps over
# it, then a loop: count in RAM, echo what the UART received, print "." every 1024 turns.
PROGRAM = r"""
    .option norvc
    j 1f
    .word 0
    .dword 0x200000, 0x4000, 0
    .word 2, 0
    .dword 0
    .ascii "RISCV\0\0\0"
    .ascii "RSC\x05"
    .word 0
1:  li s0, 0x10000000
    la s2, cell
    li s1, 0
loop:
    addi s1, s1, 1
    sd s1, 0(s2)
    lbu t0, 5(s0)
    andi t0, t0, 1
    beqz t0, 2f
    lbu t1, 0(s0)
    sb t1, 0(s0)
2:  andi t2, s1, 1023
    bnez t2, loop
    li t3, 46
    sb t3, 0(s0)
    j loop
    .balign 4096
cell:
    .dword 0
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HAVE_TOOLS:
        pytest.skip("needs binutils-riscv64-linux-gnu (apt-get install it)")
    return build(PROGRAM)


def boot(kernel: Path, mem: int = 32 << 20) -> tuple[Machine, bytearray]:
    out = bytearray()
    config = MachineConfig(kernel=kernel, cmdline="x", mem_size=mem, engine="interp",
                           rtc_start_ns=0)
    return Machine(config, out.extend), out


@pytest.fixture(scope="module")
def saved(kernel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    machine, _ = boot(kernel)
    machine.run(max_instructions=30_000)
    machine.uart.receive(b"hi")  # input waiting in the FIFO at the snapshot
    directory = tmp_path_factory.mktemp("snap") / "s"
    machine.save_snapshot(directory, {"console": "terminal"})
    machine.close()
    return directory


def test_a_restored_machine_continues_as_the_original(kernel: Path, tmp_path: Path) -> None:
    machine, out = boot(kernel)
    machine.run(max_instructions=30_000)
    machine.uart.receive(b"hi")
    machine.save_snapshot(tmp_path / "s")
    machine.run(max_instructions=50_000)
    restored_out = bytearray()
    again, extra = Machine.restore_snapshot(tmp_path / "s", restored_out.extend, engine="interp")
    assert extra == {}
    again.run(max_instructions=50_000)
    assert again.cpu.save_state() == machine.cpu.save_state()  # type: ignore[attr-defined]
    assert bytes(again.memory.data) == bytes(machine.memory.data)
    tail = bytes(out[-len(restored_out):])
    assert restored_out == tail and restored_out.startswith(b"hi")  # the FIFO came along
    assert b"." in restored_out
    machine.close()
    again.close()


def test_files_are_private_and_the_memory_sparse(saved: Path) -> None:
    assert stat.S_IMODE(saved.stat().st_mode) == 0o700
    for name in (STATE_FILE, MEMORY_FILE):
        assert stat.S_IMODE((saved / name).stat().st_mode) == 0o600
    memory = (saved / MEMORY_FILE).stat()
    assert memory.st_size == 32 << 20
    assert memory.st_blocks * 512 < 1 << 20  # a few pages written: the DTB, the program
    snapshot = read_snapshot(saved)
    assert snapshot.shape["ram"] == 32 << 20 and snapshot.extra == {"console": "terminal"}
    assert [d.split(":")[0] for d in snapshot.shape["devices"]][:2] == ["test", "rtc"]


def copy(src: Path, dst: Path) -> Path:
    dst.mkdir(mode=0o700)
    for name in (STATE_FILE, MEMORY_FILE):
        (dst / name).write_bytes((src / name).read_bytes())
    return dst


def rewrite_document(directory: Path, change: dict[str, object], version: int = FORMAT_VERSION,
                     length: int | None = None) -> None:
    """Edit the header document and seal it again with a valid digest: what an attacker
    who can write the files can do."""
    import hashlib

    blob = (directory / STATE_FILE).read_bytes()
    doc = json.loads(blob[16:-32])
    for path, value in change.items():
        node = doc
        *parents, last = path.split(".")
        for key in parents:
            node = node[key]
        node[last] = value
    body = json.dumps(doc).encode()
    head = struct.pack("<8sII", MAGIC, version, len(body) if length is None else length)
    (directory / STATE_FILE).write_bytes(head + body + hashlib.sha256(head + body).digest())


def restore(directory: Path, **options: object) -> Machine:
    machine, _ = Machine.restore_snapshot(directory, lambda data: None, engine="interp",
                                          **options)
    return machine


def test_altered_or_truncated_files_are_refused(saved: Path, tmp_path: Path) -> None:
    bad = copy(saved, tmp_path / "a")
    with (bad / MEMORY_FILE).open("r+b") as f:
        f.seek(0x200100)
        f.write(b"\x01")
    with pytest.raises(SnapshotError, match="memory is damaged or altered"):
        restore(bad)
    os.truncate(bad / MEMORY_FILE, 1 << 20)
    with pytest.raises(SnapshotError, match="truncated"):
        restore(bad)
    bad = copy(saved, tmp_path / "b")
    blob = bytearray((bad / STATE_FILE).read_bytes())
    blob[40] ^= 1
    (bad / STATE_FILE).write_bytes(bytes(blob))
    with pytest.raises(SnapshotError, match="vmstate is damaged or altered"):
        restore(bad)
    (bad / STATE_FILE).write_bytes(bytes(blob[:-40]))
    with pytest.raises(SnapshotError, match="truncated"):
        restore(bad)
    (bad / STATE_FILE).write_bytes(b"ELF\x7f" + bytes(100))
    with pytest.raises(SnapshotError, match="not a vmforms snapshot"):
        restore(bad)
    with pytest.raises(SnapshotError, match="No such file"):
        restore(tmp_path / "none")


def test_another_version_ram_size_or_kernel_is_refused(
    saved: Path, kernel: Path, tmp_path: Path
) -> None:
    bad = copy(saved, tmp_path / "v")
    rewrite_document(bad, {}, version=FORMAT_VERSION + 1)
    with pytest.raises(SnapshotError, match=f"format version {FORMAT_VERSION + 1}"):
        restore(bad)
    config = MachineConfig(kernel=kernel, cmdline="x", mem_size=64 << 20, engine="interp",
                           rtc_start_ns=0)
    with pytest.raises(SnapshotError, match="ram was 32 MiB of RAM, is 64 MiB of RAM"):
        restore(saved, config=config)
    bad = copy(saved, tmp_path / "k")
    rewrite_document(bad, {"shape.kernel.sha256": "0" * 64})
    with pytest.raises(SnapshotError, match="kernel was"):
        restore(bad)
    bad = copy(saved, tmp_path / "c")
    rewrite_document(bad, {"shape.cpu_state.version": 0})
    with pytest.raises(SnapshotError, match="cpu_state was"):
        restore(bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state.cpu.x": [0] * 100}, "'x' is not a list of 32"),
        ({"state.devices.uart0.rx": "41" * 100_000}, "uart0: 'rx'"),
        ({"state.devices.virtio6.queues": [{}] * 10**5}, "a list of 2 objects"),
        ({"memory.size": 1 << 62}, "another size"),
        ({"shape.ram": "a lot"}, "'ram' is not an integer"),
        ({"shape.ram": 1 << 50}, "'ram' is not an integer in"),
        ({"shape.disks": 7}, "'disks' is not a list"),
    ],
)
def test_hostile_documents_are_refused(
    saved: Path, tmp_path: Path, change: dict[str, object], message: str
) -> None:
    bad = copy(saved, tmp_path / "h")
    rewrite_document(bad, change)
    with pytest.raises(SnapshotError, match=message):
        restore(bad)


def test_hostile_lengths_and_links_are_refused(saved: Path, tmp_path: Path) -> None:
    bad = copy(saved, tmp_path / "l")
    rewrite_document(bad, {}, length=0xFFFFFFFF)
    with pytest.raises(SnapshotError, match="truncated or too long"):
        restore(bad)
    link = copy(saved, tmp_path / "sym")
    (link / MEMORY_FILE).unlink()
    (link / MEMORY_FILE).symlink_to(saved / MEMORY_FILE)
    with pytest.raises(SnapshotError, match="open snapshot memory"):
        restore(link)


def test_the_console_marker_sees_prompts_and_lines() -> None:
    marker = ConsoleMarker(r"^/ # $")
    marker.feed(b"boot\r\n/ #")
    assert not marker.matched
    marker.feed(b" ")
    assert marker.matched
    ready = ConsoleMarker("agent ready")
    ready.feed(b"x" * 10_000 + b"\nagent re")
    ready.feed(b"ady\n")
    assert ready.matched
    with pytest.raises(SnapshotError, match="not a regular expression"):
        ConsoleMarker("(")


def test_compiled_blocks_are_kept_per_snapshot_and_pruned(saved: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    old = [cache / f"snapshot-{i:024d}.tcache" for i in range(SNAPSHOT_CACHES_KEPT + 3)]
    for i, path in enumerate(old):
        path.write_bytes(b"x")
        os.utime(path, (1000 + i, 1000 + i))
    snapshot = read_snapshot(saved)
    path = translation_cache_path(cache, snapshot)
    assert path.parent == cache and snapshot.seal[:24] in path.name
    left = sorted(cache.iterdir())
    assert len(left) == SNAPSHOT_CACHES_KEPT and old[-1] in left and old[0] not in left


def test_verify_checks_a_snapshot_without_running_it(saved: Path, tmp_path: Path) -> None:
    lines = verify_snapshot(saved)
    assert "riscv64 virt, 32 MiB RAM" in lines[1] and lines[-1] == "console: terminal"
    assert any(line.startswith("kernel: ") and "unchanged" in line for line in lines)
    bad = copy(saved, tmp_path / "v")
    with (bad / MEMORY_FILE).open("r+b") as f:
        f.seek(0x200040)
        f.write(b"\xff")
    with pytest.raises(SnapshotError, match="memory is damaged or altered"):
        verify_snapshot(bad)


def test_a_snapshot_that_cannot_be_written_leaves_nothing(kernel: Path, tmp_path: Path) -> None:
    machine, _ = boot(kernel)
    target = tmp_path / "full"
    target.mkdir()
    (target / f".{STATE_FILE}.new").mkdir()  # in the way, and not removable by unlink
    (target / f".{STATE_FILE}.new" / "x").write_bytes(b"")
    with pytest.raises(SnapshotError, match="write snapshot into"):
        machine.save_snapshot(target)
    assert sorted(p.name for p in target.iterdir()) == [f".{STATE_FILE}.new"]
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(SnapshotError, match="write snapshot into"):
        machine.save_snapshot(tmp_path / "file")
    machine.close()


def test_a_machine_that_powered_off_is_not_saved(kernel: Path, tmp_path: Path) -> None:
    machine, _ = boot(kernel)
    machine.bus.write(0x100000, 4, 0x5555)  # the test finisher: power off
    with pytest.raises(SnapshotError, match="already asked for a shutdown"):
        machine.save_snapshot(tmp_path / "s")
    assert not (tmp_path / "s").exists()
    machine.close()
