"""The Intel MultiProcessor Specification 1.4 table (chapter 4) that tells an x86 kernel
without ACPI how many CPUs there are, where the IOAPIC is and how ISA IRQs reach it.

Linux scans the last KiB of base memory for the floating pointer ("_MP_"), so both the
pointer and the configuration table go at the start of the EBDA (0x9fc00), which the e820
map reports as reserved. Every processor entry is enabled; CPU 0 is the boot processor.
"""

from __future__ import annotations

import struct

MPTABLE_ADDR = 0x9FC00
APIC_DEFAULT_PHYS_BASE = 0xFEE00000
IO_APIC_DEFAULT_PHYS_BASE = 0xFEC00000
APIC_VERSION = 0x14
IO_APIC_VERSION = 0x11
MP_SPEC_REV = 4
MP_PROCESSOR = 0
MP_BUS = 1
MP_IOAPIC = 2
MP_INTSRC = 3
MP_LINTSRC = 4
CPU_ENABLED = 1
CPU_BOOTPROCESSOR = 2
MP_IRQ_INT = 0
MP_IRQ_NMI = 1
MP_IRQ_EXTINT = 3
ISA_IRQS = 16
IOAPIC_PINS = 24
CPU_SIGNATURE = 0x600  # family 6
CPU_FEATURES = 0x201  # FPU, APIC
BUS_ISA = b"ISA   "
MAX_CPUS = 254  # APIC IDs 0..253, the IOAPIC takes the next one

_FLOATING = struct.Struct("<4sIBBBB4x")
_HEADER = struct.Struct("<4sHBB8s12sIHHIHBx")
_PROCESSOR = struct.Struct("<BBBBII8x")
_BUS = struct.Struct("<BB6s")
_IOAPIC = struct.Struct("<BBBBI")
_INT = struct.Struct("<BBHBBBB")


def _checksum(blob: bytes) -> int:
    return -sum(blob) & 0xFF


def mptable(cpus: int, irqs: int = IOAPIC_PINS) -> bytes:
    """The floating pointer followed by the configuration table, for MPTABLE_ADDR."""
    if not 1 <= cpus <= MAX_CPUS:
        raise ValueError(f"{cpus} CPUs: the MP table numbers 1 to {MAX_CPUS}")
    ioapic_id = cpus
    entries = []
    for cpu in range(cpus):
        flags = CPU_ENABLED | (CPU_BOOTPROCESSOR if cpu == 0 else 0)
        entries.append(_PROCESSOR.pack(
            MP_PROCESSOR, cpu, APIC_VERSION, flags, CPU_SIGNATURE, CPU_FEATURES
        ))
    entries.append(_BUS.pack(MP_BUS, 0, BUS_ISA))
    entries.append(
        _IOAPIC.pack(MP_IOAPIC, ioapic_id, IO_APIC_VERSION, 1, IO_APIC_DEFAULT_PHYS_BASE)
    )
    for irq in range(min(irqs, IOAPIC_PINS)):
        entries.append(_INT.pack(MP_INTSRC, MP_IRQ_INT, 0, 0, irq, ioapic_id, irq))
    entries.append(_INT.pack(MP_LINTSRC, MP_IRQ_EXTINT, 0, 0, 0, 0xFF, 0))
    entries.append(_INT.pack(MP_LINTSRC, MP_IRQ_NMI, 0, 0, 0, 0xFF, 1))
    body = b"".join(entries)
    table_addr = MPTABLE_ADDR + _FLOATING.size
    length = _HEADER.size + len(body)
    header = _HEADER.pack(
        b"PCMP", length, MP_SPEC_REV, 0, b"VMFORMS ", b"KVM BOARD   ", 0, 0, len(entries),
        APIC_DEFAULT_PHYS_BASE, 0, 0,
    )
    table = bytearray(header + body)
    table[7] = _checksum(bytes(table))
    floating = bytearray(_FLOATING.pack(b"_MP_", table_addr, 1, MP_SPEC_REV, 0, 0))
    floating[10] = _checksum(bytes(floating))
    return bytes(floating) + bytes(table)
