"""The guest's CPUID: what KVM supports, normalised per vCPU as Firecracker's cpuid module does.

Intel SDM vol. 2A "CPUID", AMD APM vol. 3 appendix E. The host's answer is filtered so
that the guest sees one consistent virtual CPU: its own APIC ID and the machine's CPU
count, the hypervisor bit set, no power management, performance counters or MONITOR it
could not use, and a brand string that says what it runs on.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

from vmforms.linux.kvm import CpuidEntry

BRAND = b"vmforms KVM virtual CPU"

LEAF_VENDOR = 0x0
LEAF_FEATURES = 0x1
LEAF_CACHE_PARAMS = 0x4  # Intel: deterministic cache parameters, one index per cache
LEAF_THERMAL_POWER = 0x6
LEAF_EXT_FEATURES = 0x7
LEAF_PMU = 0xA
LEAF_TOPOLOGY = 0xB
LEAF_EXT_TOPOLOGY_V2 = 0x1F
LEAF_EXT_FEATURES_AMD = 0x80000001
LEAF_BRAND_FIRST = 0x80000002
LEAF_BRAND_LAST = 0x80000004
LEAF_AMD_SIZES = 0x80000008  # ECX: NC (cores - 1) and the APIC ID bits for them
LEAF_AMD_CACHE_TOPOLOGY = 0x8000001D
LEAF_AMD_EXT_APIC_ID = 0x8000001E
AMD_VENDOR_EBX = 0x68747541  # "Auth" of "AuthenticAMD"
# Leaves 0x4 and 0x8000001D: EAX[4:0] cache type (0: no more), [7:5] level,
# [25:14] logical CPUs sharing the cache - 1, and (0x4 only) [31:26] cores per package - 1.
CACHE_TYPE_MASK = 0x1F
CACHE_SHARING_SHIFT = 14
CACHE_SHARING_MASK = 0xFFF << CACHE_SHARING_SHIFT
CORES_SHIFT = 26
CORES_MASK = 0x3F << CORES_SHIFT

# Leaf 1.
ECX_MONITOR = 1 << 3
ECX_VMX = 1 << 5
ECX_SMX = 1 << 6
ECX_EST = 1 << 7
ECX_TM2 = 1 << 8
ECX_PDCM = 1 << 15
ECX_X2APIC = 1 << 21
ECX_HYPERVISOR = 1 << 31
ECX_TSC_DEADLINE = 1 << 24
EDX_APIC = 1 << 9  # leaf 1, and AMD's mirror in leaf 0x80000001
EDX_ACPI = 1 << 22
EDX_TM = 1 << 29
EDX_HTT = 1 << 28
CLFLUSH_LINE_QWORDS = 8  # a 64-byte cache line, in 8-byte units
# Leaf 0xB/0x1F: ECX[15:8] level type.
LEVEL_TYPE_SMT = 1
LEVEL_TYPE_CORE = 2


def _brand_words() -> list[tuple[int, int, int, int]]:
    """EAX, EBX, ECX, EDX of leaves 0x80000002-4: 48 bytes of NUL-padded ASCII."""
    words = struct.unpack("<12I", BRAND.ljust(48, b"\0"))
    return [(words[i], words[i + 1], words[i + 2], words[i + 3]) for i in range(0, 12, 4)]


def _width(count: int) -> int:
    """Bits an APIC ID needs to number `count` CPUs (the topology leaves' shift)."""
    return max(count - 1, 0).bit_length()


def _cache_sharing(eax: int, cpu_count: int, *, cores: bool) -> int:
    """A cache leaf's EAX for this VM: L1 and L2 per vCPU (one thread per core), L3 shared
    by all of them, and (Intel) every core in one package."""
    if not eax & CACHE_TYPE_MASK:
        return eax
    level = (eax >> 5) & 7
    sharing = 0 if level <= 2 else cpu_count - 1
    eax = (eax & ~CACHE_SHARING_MASK) | (sharing << CACHE_SHARING_SHIFT)
    if cores:
        eax = (eax & ~CORES_MASK) | (min(cpu_count - 1, 0x3F) << CORES_SHIFT)
    return eax


def guest_cpuid(
    supported: Iterable[CpuidEntry], cpu: int, cpu_count: int, *, apic: bool = True
) -> list[CpuidEntry]:
    """The CPUID table for vCPU `cpu` of `cpu_count`, from KVM_GET_SUPPORTED_CPUID's;
    `apic` False (no in-kernel irqchip): no local APIC, x2APIC or TSC deadline timer."""
    out: list[CpuidEntry] = []
    brand = _brand_words()
    supported = list(supported)
    amd = any(e.function == LEAF_VENDOR and e.ebx == AMD_VENDOR_EBX for e in supported)
    for e in supported:
        f, ebx, ecx, edx, eax = e.function, e.ebx, e.ecx, e.edx, e.eax
        if f == LEAF_FEATURES:
            ebx = (cpu << 24) | (min(cpu_count, 255) << 16) | (CLFLUSH_LINE_QWORDS << 8)
            ecx &= ~(ECX_MONITOR | ECX_VMX | ECX_SMX | ECX_EST | ECX_TM2 | ECX_PDCM)
            ecx |= ECX_HYPERVISOR
            edx &= ~(EDX_ACPI | EDX_TM)
            edx = edx | EDX_HTT if cpu_count > 1 else edx & ~EDX_HTT
            if not apic:
                ecx &= ~(ECX_X2APIC | ECX_TSC_DEADLINE)
                edx &= ~EDX_APIC
        elif f == LEAF_EXT_FEATURES_AMD and not apic:
            edx &= ~EDX_APIC
        elif f in (LEAF_THERMAL_POWER, LEAF_PMU):
            # No power management or performance counters the guest could drive.
            eax, ebx, ecx, edx = 0, 0, 0, 0
        elif f in (LEAF_TOPOLOGY, LEAF_EXT_TOPOLOGY_V2):
            # One thread per core, all cores in one package; EDX is the x2APIC ID.
            if e.index == 0:
                eax, ebx, ecx = 0, 1, (LEVEL_TYPE_SMT << 8) | e.index
            elif e.index == 1:
                eax, ebx, ecx = _width(cpu_count), cpu_count, (LEVEL_TYPE_CORE << 8) | e.index
            else:
                eax, ebx, ecx = 0, 0, e.index
            edx = cpu
        elif LEAF_BRAND_FIRST <= f <= LEAF_BRAND_LAST:
            eax, ebx, ecx, edx = brand[f - LEAF_BRAND_FIRST]
        elif f == LEAF_CACHE_PARAMS:
            eax = _cache_sharing(eax, cpu_count, cores=True)
        elif f == LEAF_AMD_CACHE_TOPOLOGY:
            eax = _cache_sharing(eax, cpu_count, cores=False)
        elif f == LEAF_AMD_SIZES and amd:
            ecx = (ecx & ~0xF0FF) | (_width(cpu_count) << 12) | (cpu_count - 1)
        elif f == LEAF_AMD_EXT_APIC_ID:
            # Extended APIC ID, core ID with one thread per core, one node.
            eax, ebx, ecx = cpu, cpu & 0xFF, 0
        out.append(CpuidEntry(f, e.index, e.flags, eax, ebx, ecx, edx))
    return out
