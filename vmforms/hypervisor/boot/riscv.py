"""The RISC-V Linux Image header and where the kernel, initrd and DTB go in RAM.

Linux Documentation/riscv/boot-image-header.rst: the header is 64 bytes, with the
text offset at 0x8, the effective image size at 0x10 and the magic "RSC\\x05" at 0x38.
Documentation/riscv/boot.rst: enter in S mode with a0 = hart id, a1 = DTB address.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from vmforms.hypervisor.errors import GuestMemoryError, HypervisorError

RISCV_IMAGE_MAGIC = b"RISCV\0\0\0"
RISCV_IMAGE_MAGIC2 = b"RSC\x05"
RISCV_HEADER_SIZE = 64
_HEADER = struct.Struct("<IIQQQIIQ8s4sI")

# Room the kernel needs beyond its own image before init runs: page tables, memblock,
# the unpacked initramfs' page cache and the slab. Below this, boot fails obscurely.
KERNEL_WORKING_SET = 24 << 20
PAGE = 4096
MIB = 1 << 20
MIB_2 = 2 << 20


class KernelImageError(HypervisorError):
    """A kernel file that is not a RISC-V Linux Image."""


@dataclass(frozen=True, slots=True)
class ImageHeader:
    code0: int
    code1: int
    text_offset: int
    image_size: int
    flags: int
    version: int


def _hint(blob: bytes) -> str:
    if blob[:4] == b"\x7fELF":
        return " (this is an ELF file; a kernel build's Image is arch/riscv/boot/Image)"
    if blob[:2] == b"\x1f\x8b":
        return " (this is gzip-compressed; decompress it to an Image first)"
    return ""


def parse_image_header(blob: bytes, source: str = "kernel") -> ImageHeader:
    if len(blob) < RISCV_HEADER_SIZE:
        raise KernelImageError(
            f"{source}: {len(blob)} bytes is too short for a RISC-V Linux Image{_hint(blob)}"
        )
    code0, code1, text_offset, image_size, flags, version, _, _, magic, magic2, _ = (
        _HEADER.unpack_from(blob)
    )
    if magic2 != RISCV_IMAGE_MAGIC2:
        raise KernelImageError(
            f"{source}: not a RISC-V Linux Image (no magic 'RSC\\x05' at offset 0x38)" + _hint(blob)
        )
    if image_size == 0:
        image_size = len(blob)  # headers before version 0.2 leave it zero
    return ImageHeader(code0, code1, text_offset, max(image_size, len(blob)), flags, version)


def read_kernel(path: Path) -> tuple[ImageHeader, bytes]:
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise KernelImageError(f"read kernel '{path}': {exc.strerror}") from exc
    return parse_image_header(blob, f"kernel '{path}'"), blob


@dataclass(frozen=True, slots=True)
class BootLayout:
    """Guest-physical addresses of everything the loader places in RAM."""

    kernel: int
    kernel_end: int
    initrd: int
    initrd_end: int
    dtb: int


def plan_layout(
    ram_base: int,
    ram_size: int,
    header: ImageHeader,
    initrd_size: int,
    dtb_size: int,
    dtb_align: int = PAGE,
) -> BootLayout:
    """Kernel at base + text_offset (2 MiB aligned); the DTB and initrd at the top of RAM.

    Firmware that edits the DTB in place (OpenSBI adds its reserved memory) needs room
    after it: QEMU aligns it down to 2 MiB then, and so does `dtb_align`.
    """
    kernel = ram_base + (header.text_offset or MIB_2)
    if kernel % MIB_2:
        raise KernelImageError(f"kernel text offset {header.text_offset:#x} is not 2 MiB aligned")
    kernel_end = kernel + header.image_size
    ram_end = ram_base + ram_size
    dtb = (ram_end - dtb_size - 64) & ~(dtb_align - 1)
    initrd = (dtb - initrd_size) & ~(PAGE - 1)
    need = kernel_end - ram_base + KERNEL_WORKING_SET + (dtb + dtb_size - initrd) + 2 * initrd_size
    if ram_size < need:
        raise GuestMemoryError(
            f"memory of {ram_size / MIB:.0f} MiB is too small for a kernel of "
            f"{header.image_size / MIB:.1f} MiB and an initrd of {initrd_size / MIB:.1f} MiB; "
            f"give at least --mem {(need + (1 << 20) - 1) >> 20}M"
        )
    return BootLayout(kernel, kernel_end, initrd, initrd + initrd_size, dtb)
