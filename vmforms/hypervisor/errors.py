"""Errors of the hypervisor form: one base, a few precise kinds.

A guest that misbehaves is not an error of the monitor: its faults become RISC-V traps
(privileged spec 3.1.15 / 4.1.9) inside the CPU. These classes are for the host side.
"""

from vmforms.errors import VmformsError


class HypervisorError(VmformsError):
    """Base of every expected failure of the hypervisor form."""


class BusError(HypervisorError):
    """An access to a physical address that no RAM or device claims.

    The CPU turns it into a load, store or instruction access fault for the guest.
    """

    def __init__(self, operation: str, addr: int, size: int) -> None:
        super().__init__(f"{operation} of {size} bytes at {addr:#x}: no device or RAM there")
        self.operation = operation
        self.addr = addr
        self.size = size


class GuestMemoryError(HypervisorError):
    """An image or region that does not fit the guest's RAM; give the machine more --mem."""


class CpuError(HypervisorError):
    """A request the CPU cannot honour (an unknown engine, a bad reset state)."""


class SnapshotError(HypervisorError):
    """A snapshot that cannot be taken, or one refused at restore: another machine shape,
    another format version, a damaged or altered file. Exit status 125, as a container
    engine's own failures."""

    exit_code = 125
