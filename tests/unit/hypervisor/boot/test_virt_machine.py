"""The virt board with a stand-in CPU: memory map, device tree, loading, power, timeout."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from vmforms.hypervisor.boot.riscv import KernelImageError
from vmforms.hypervisor.devices.virtio.blk import DiskError
from vmforms.hypervisor.errors import BusError, GuestMemoryError
from vmforms.hypervisor.machine import (
    VIRT_DRAM,
    VIRT_PLIC,
    VIRT_RTC,
    VIRT_TEST,
    VIRT_UART0,
    VIRT_VIRTIO,
    DiskSpec,
    Machine,
    MachineConfig,
)

from .fake_cpu import FakeCpu


def kernel_file(tmp_path: Path, size: int = 4 << 20) -> Path:
    header = struct.pack(
        "<IIQQQIIQ8s4sI", 0x6F, 0, 0x200000, size, 0, 2, 0, 0, b"RISCV\0\0\0", b"RSC\x05", 0
    )
    path = tmp_path / "Image"
    path.write_bytes(header + b"\x13\x00\x00\x00" * 64)
    return path


def make(tmp_path: Path, **kw: object) -> tuple[Machine, bytearray]:
    out = bytearray()
    initrd = tmp_path / "initrd"
    initrd.write_bytes(b"070701" + bytes(1000))
    args: dict[str, object] = {"kernel": kernel_file(tmp_path), "initrd": initrd}
    args.update(kw)
    cfg = MachineConfig(cmdline="console=ttyS0", **args)  # type: ignore[arg-type]
    return Machine(cfg, out.extend, cpu_factory=FakeCpu), out


def test_kernel_initrd_and_dtb_are_loaded_and_the_cpu_reset(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    assert cpu.pc == VIRT_DRAM + 0x200000 and cpu.x[10] == 0 and cpu.x[11] == m.layout.dtb
    assert m.memory.read(m.layout.kernel + 0x38, 4) == b"RSC\x05"
    assert m.memory.read(m.layout.initrd, 6) == b"070701"
    assert m.memory.read(m.layout.dtb, 4) == b"\xd0\x0d\xfe\xed"
    assert cpu.kwargs["timebase_hz"] == 10_000_000


@pytest.mark.skipif(shutil.which("dtc") is None, reason="dtc not installed")
def test_device_tree_describes_the_board(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    proc = subprocess.run(
        ["dtc", "-I", "dtb", "-O", "dts", "-"], input=m.dtb, capture_output=True, check=True
    )
    text = proc.stdout.decode()
    assert "Warning" not in proc.stderr.decode()
    assert 'bootargs = "console=ttyS0";' in text
    assert f"linux,initrd-start = <0x00 {m.layout.initrd:#x}>;" in text
    assert f"linux,initrd-end = <0x00 {m.layout.initrd_end:#x}>;" in text
    assert 'stdout-path = "/soc/serial@10000000";' in text
    assert "timebase-frequency = <0x989680>;" in text
    assert 'riscv,isa = "rv64imafdc";' in text and 'mmu-type = "riscv,sv39";' in text
    assert 'riscv,isa-base = "rv64i";' in text
    assert 'compatible = "ns16550a";' in text and "interrupts = <0x0a>;" in text
    assert text.count('compatible = "virtio,mmio";') == 8
    assert "interrupts-extended = <0x01 0x0b 0x01 0x09>;" in text
    assert 'compatible = "syscon-poweroff";' in text
    assert 'rtc@101000 {' in text and 'compatible = "google,goldfish-rtc";' in text


def test_bus_map_follows_qemu_virt(tmp_path: Path) -> None:
    m, out = make(tmp_path)
    m.bus.write(VIRT_UART0, 1, ord("k"))
    assert out == b"k"
    assert m.bus.read(VIRT_VIRTIO + 0x1000 * 7, 4) == 0x74726976
    assert m.bus.read(VIRT_PLIC + 4 * 10, 4) == 0
    with pytest.raises(BusError):
        m.bus.read(0x3000_0000, 4)


def test_the_rtc_starts_at_the_configured_date_and_follows_guest_time(tmp_path: Path) -> None:
    m, _ = make(tmp_path, rtc_start_ns=1_700_000_000 * 10**9)
    low = m.bus.read(VIRT_RTC, 4)
    assert m.bus.read(VIRT_RTC + 4, 4) << 32 | low == 1_700_000_000 * 10**9
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    cpu.time = 10_000_000  # one second at the 10 MHz timebase
    low = m.bus.read(VIRT_RTC, 4)
    assert m.bus.read(VIRT_RTC + 4, 4) << 32 | low == 1_700_000_001 * 10**9


def test_uart_interrupt_reaches_the_cpu_through_the_plic(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    m.bus.write(VIRT_PLIC + 4 * 10, 4, 1)
    m.bus.write(VIRT_PLIC + 0x2080, 4, 1 << 10)
    m.bus.write(VIRT_UART0 + 1, 1, 1)
    m.uart.receive(b"x")
    assert cpu.pending[9] is True
    assert m.bus.read(VIRT_PLIC + 0x201004, 4) == 10
    assert m.bus.read(VIRT_UART0, 1) == ord("x")
    m.bus.write(VIRT_PLIC + 0x201004, 4, 10)
    assert cpu.pending[9] is False


def test_sbi_shutdown_ends_the_run(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    cpu.script = [lambda c: None, lambda c: c.ecall(0x53525354, 0, 0, 0)]
    result = m.run(timeout=30)
    assert result.reason == "shutdown" and result.instructions == 2 * 200_000


def test_power_device_reset_is_a_reboot(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    cpu.script = [lambda c: c.bus.write(VIRT_TEST, 4, 0x7777)]
    assert m.run(timeout=30).reason == "reboot"


def test_a_hung_guest_is_bounded_by_the_timeout(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    result = m.run(timeout=0.2)
    assert result.reason == "timeout" and 0.2 <= result.seconds < 5


def test_disks_take_the_first_slots(tmp_path: Path) -> None:
    disk = tmp_path / "d.img"
    disk.write_bytes(bytes(4096))
    m, _ = make(tmp_path, disks=(DiskSpec.parse(f"{disk},ro"),))
    assert m.bus.read(VIRT_VIRTIO + 8, 4) == 2
    assert m.bus.read(VIRT_VIRTIO + 0x1000 + 8, 4) == 0
    assert m.disks[0].read_only
    m.close()


def test_bad_inputs_fail_before_the_cpu_exists(tmp_path: Path) -> None:
    elf = tmp_path / "vmlinux"
    elf.write_bytes(b"\x7fELF" + bytes(100))
    with pytest.raises(KernelImageError, match="not a RISC-V Linux Image"):
        make(tmp_path, kernel=elf)
    with pytest.raises(GuestMemoryError, match="initrd"):
        make(tmp_path, initrd=tmp_path / "missing")
    with pytest.raises(GuestMemoryError, match="too small"):
        make(tmp_path, mem_size=16 << 20)
    with pytest.raises(DiskError, match="nope.img"):
        make(tmp_path, disks=(DiskSpec(tmp_path / "nope.img"),))


def test_bios_starts_in_m_mode_with_fw_dynamic_info_in_the_rom(tmp_path: Path) -> None:
    firmware = tmp_path / "fw.bin"
    firmware.write_bytes(b"\x73\x00\x10\x00" * 16)
    m, _ = make(tmp_path, bios=firmware)
    cpu = m.cpu
    assert isinstance(cpu, FakeCpu)
    assert cpu.firmware is None  # no Python SBI: the firmware is M mode's
    assert cpu.pc == VIRT_DRAM and cpu.x[11] == m.layout.dtb and m.layout.dtb % (2 << 20) == 0
    info = cpu.x[12]
    assert 0x1000 <= info < 0x10000
    magic, version, next_addr, next_mode = (m.bus.read(info + 8 * k, 8) for k in range(4))
    assert (magic, version, next_addr, next_mode) == (0x4942534F, 2, m.layout.kernel, 1)
    assert m.memory.read(VIRT_DRAM, 4) == b"\x73\x00\x10\x00"


def test_the_last_two_virtio_slots_are_console_and_rng(tmp_path: Path) -> None:
    m, _ = make(tmp_path)
    assert m.bus.read(VIRT_VIRTIO + 6 * 0x1000 + 8, 4) == 3
    assert m.bus.read(VIRT_VIRTIO + 7 * 0x1000 + 8, 4) == 4
    m.hvc_receive(b"typed before any driver")
    assert m.hvc.has_input


def test_a_guest_panic_ends_the_run_as_a_panic(tmp_path: Path) -> None:
    m, out = make(tmp_path)
    assert isinstance(m.cpu, FakeCpu)
    m.cpu.script.append(lambda cpu: m.console(
        b"Kernel panic - not syncing: VFS: Unable to mount root fs\r\n"
        b"---[ end Kernel panic - not syncing: VFS: Unable to mount root fs ]---\r\n"))
    result = m.run(timeout=30)
    assert result.reason == "panic"
    assert m.watch.reason.endswith("Unable to mount root fs")
    assert b"end Kernel panic" in out
