"""The KVM board's pieces that need no /dev/kvm: CPUID filtering, the i8042, the marker
port, and the ioctl layer's numbers and error messages."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vmforms.hypervisor.cpu.kvm import cpuid
from vmforms.hypervisor.cpu.kvm.legacy import I8042, MarkerPort
from vmforms.hypervisor.cpu.kvm.machine import virtio_cmdline
from vmforms.linux import kvm
from vmforms.linux.kvm import CpuidEntry

HOST = [
    CpuidEntry(0x0, 0, 0, 0x1C, 0x68747541, 0x444D4163, 0x69746E65),
    CpuidEntry(0x1, 0, 0, 0xA10F11, 0x01020800, 0x81202000 | cpuid.ECX_MONITOR, 0x78BFBFF),
    CpuidEntry(0x6, 0, 0, 4, 0, 1, 0),
    CpuidEntry(0xB, 0, 1, 1, 2, 0x100, 7),
    CpuidEntry(0xB, 1, 1, 4, 16, 0x201, 7),
    CpuidEntry(0x80000002, 0, 0, 1, 2, 3, 4),
    CpuidEntry(0x80000003, 0, 0, 1, 2, 3, 4),
    CpuidEntry(0x80000004, 0, 0, 1, 2, 3, 4),
]


def leaf(entries: list[CpuidEntry], function: int, index: int = 0) -> CpuidEntry:
    return next(e for e in entries if e.function == function and e.index == index)


def test_cpuid_is_per_vcpu_and_says_hypervisor() -> None:
    table = cpuid.guest_cpuid(HOST, cpu=2, cpu_count=4)
    one = leaf(table, 1)
    assert one.ebx >> 24 == 2 and (one.ebx >> 16) & 0xFF == 4
    assert one.ecx & cpuid.ECX_HYPERVISOR and not one.ecx & cpuid.ECX_MONITOR
    assert one.edx & cpuid.EDX_HTT
    assert leaf(table, 6) == CpuidEntry(6, 0, 0, 0, 0, 0, 0)
    assert leaf(table, 0xB, 0).edx == 2 and leaf(table, 0xB, 1).ebx == 4
    assert leaf(table, 0xB, 1).eax == 2  # two bits of APIC ID number four CPUs
    brand = b"".join(
        w.to_bytes(4, "little")
        for f in (0x80000002, 0x80000003, 0x80000004)
        for w in (leaf(table, f).eax, leaf(table, f).ebx, leaf(table, f).ecx, leaf(table, f).edx)
    )
    assert brand.rstrip(b"\0") == cpuid.BRAND
    assert leaf(table, 0) == HOST[0]  # the vendor is the host's


def test_cpuid_cache_and_core_topology_is_the_vms() -> None:
    # The host's: 8 cores in a package, L2 shared by 2 threads, L3 by 16 (leaf 4 and its
    # AMD counterpart 0x8000001D share the layout); NC = 15 in 0x80000008.
    l1, l2, l3 = (1 << 5) | 1, (2 << 5) | 3 | (1 << 14), (3 << 5) | 3 | (15 << 14)
    host = HOST + [
        CpuidEntry(0x4, 0, 1, l1 | (7 << 26), 0, 63, 0),
        CpuidEntry(0x4, 1, 1, l2 | (7 << 26), 0, 1023, 0),
        CpuidEntry(0x4, 2, 1, l3 | (7 << 26), 0, 8191, 0),
        CpuidEntry(0x4, 3, 1, 0, 0, 0, 0),
        CpuidEntry(0x8000001D, 1, 1, l2, 0, 1023, 0),
        CpuidEntry(0x8000001D, 2, 1, l3, 0, 8191, 0),
        CpuidEntry(0x80000008, 0, 0, 0x3030, 0, 0x1400F, 0),
        CpuidEntry(0x8000001E, 0, 0, 14, 0x107, 0x300, 0),
    ]
    table = cpuid.guest_cpuid(host, cpu=1, cpu_count=3)
    assert [leaf(table, 4, i).eax >> 26 for i in range(3)] == [2, 2, 2]  # 3 cores, 1 package
    assert [(leaf(table, 4, i).eax >> 14) & 0xFFF for i in range(3)] == [0, 0, 2]
    assert leaf(table, 4, 2).ecx == 8191 and leaf(table, 4, 3).eax == 0  # sizes kept
    assert (leaf(table, 0x8000001D, 1).eax >> 14) & 0xFFF == 0
    assert (leaf(table, 0x8000001D, 2).eax >> 14) & 0xFFF == 2
    assert leaf(table, 0x80000008).ecx == 0x10000 | (2 << 12) | 2  # other fields kept
    ext = leaf(table, 0x8000001E)
    assert (ext.eax, ext.ebx, ext.ecx) == (1, 1, 0)


def test_cpuid_without_an_irqchip_has_no_apic() -> None:
    host = HOST + [CpuidEntry(0x80000001, 0, 0, 0, 0, 0, cpuid.EDX_APIC | 1)]
    with_apic = cpuid.guest_cpuid(host, 0, 1)
    assert leaf(with_apic, 1).edx & cpuid.EDX_APIC
    table = cpuid.guest_cpuid(host, 0, 1, apic=False)
    one = leaf(table, 1)
    assert not one.edx & cpuid.EDX_APIC and not one.ecx & cpuid.ECX_X2APIC
    assert not one.ecx & cpuid.ECX_TSC_DEADLINE and one.edx & 1  # FPU stays
    assert leaf(table, 0x80000001).edx == 1


def test_single_cpu_has_no_htt() -> None:
    assert not leaf(cpuid.guest_cpuid(HOST, 0, 1), 1).edx & cpuid.EDX_HTT


def test_i8042_reset_pulse_self_test_and_output_port() -> None:
    resets: list[int] = []
    dev = I8042(lambda: resets.append(1))
    dev.write(4, 1, 0xAA)
    assert dev.read(4, 1) & 1 and dev.read(0, 1) == 0x55
    assert not dev.read(4, 1) & 1
    dev.write(4, 1, 0xD1)
    dev.write(0, 1, 0x03)  # reset line high: nothing
    assert resets == []
    dev.write(4, 1, 0xD1)
    dev.write(0, 1, 0x02)
    dev.write(4, 1, 0xFE)
    assert resets == [1, 1]


def test_marker_port_times_and_bounds() -> None:
    ticks = iter(range(0, 10**13, 10**9))
    port = MarkerPort(lambda: next(ticks))
    port.write(0, 4, 1)
    port.write(0, 4, 2)
    assert port.between(1, 2) == 1.0 and port.between(1, 3) is None
    for _ in range(MarkerPort.LIMIT + 10):
        port.write(0, 4, 9)
    assert len(port.marks) == MarkerPort.LIMIT


def test_virtio_command_line() -> None:
    assert virtio_cmdline(2) == (
        "virtio_mmio.device=4K@0xd0000000:5 virtio_mmio.device=4K@0xd0001000:6"
    )


def test_ioctl_numbers_match_the_uapi_headers() -> None:
    assert kvm.KVM_RUN == 0xAE80
    assert kvm.KVM_CREATE_VCPU == 0xAE41
    assert kvm.KVM_GET_REGS == 0x8090AE81
    assert kvm.KVM_SET_SREGS == 0x4138AE84
    assert kvm.KVM_SET_USER_MEMORY_REGION == 0x4020AE46
    assert kvm.KVM_GET_SUPPORTED_CPUID == 0xC008AE05
    assert kvm.KVM_SET_CPUID2 == 0x4008AE90
    assert kvm.KVM_CREATE_PIT2 == 0x4040AE77
    assert kvm.KVM_IRQ_LINE == 0x4008AE61


def test_ioctl_errors_name_the_call_and_errno() -> None:
    fd = os.open("/dev/null", os.O_RDWR)
    try:
        with pytest.raises(OSError, match=r"^\[Errno 25\] KVM_CREATE_VCPU 3: ") as info:
            kvm.create_vcpu(fd, 3)
        assert info.value.errno == 25
        with pytest.raises(OSError, match="KVM_GET_REGS"):
            kvm.get_regs(fd)
        with pytest.raises(OSError, match="KVM_SET_TSS_ADDR"):
            kvm.set_tss_addr(fd, 0xFFFBD000)  # an address above 2 GiB passes as unsigned
    finally:
        os.close(fd)
    with pytest.raises(OSError, match="open '/nonexistent/kvm'"):
        kvm.open_kvm("/nonexistent/kvm")


def test_missing_kvm_says_what_to_check() -> None:
    from vmforms.hypervisor.cpu.kvm.vm import KvmError, KvmVm

    with pytest.raises(KvmError, match="is CONFIG_KVM enabled"):
        KvmVm(1 << 20, device="/nonexistent/kvm")
    with pytest.raises(KvmError, match="KVM_GET_API_VERSION: Inappropriate ioctl"):
        KvmVm(1 << 20, device="/dev/null")


def test_linux_is_told_of_a_board_without_apics(tmp_path: Path) -> None:
    from vmforms.hypervisor.cpu.kvm.launch import build_config

    kernel = tmp_path / "bzImage"
    kernel.write_bytes(b"MZ")
    chip = build_config(kernel, None, "quiet", 64 << 20, [], 1, True)
    none = build_config(kernel, None, "quiet", 64 << 20, [], 1, False)
    assert "nolapic" not in chip.cmdline and chip.cmdline.endswith(" quiet")
    assert none.cmdline.endswith(" nolapic noapic quiet") and not none.irqchip


def test_the_probe_loop_runs_on_the_risc_v_cpu() -> None:
    from vmforms.hypervisor.guests import loop

    assert 1e4 < loop.riscv_rate(5_000) < 1e10  # it raises unless t0 counted down to 0
