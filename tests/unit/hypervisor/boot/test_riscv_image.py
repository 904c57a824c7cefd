"""The RISC-V Image header check and the RAM layout of kernel, initrd and DTB."""

import gzip
import struct

import pytest

from vmforms.hypervisor.boot.riscv import (
    KernelImageError,
    parse_image_header,
    plan_layout,
)
from vmforms.hypervisor.errors import GuestMemoryError

RAM = 0x80000000


def image(text_offset: int = 0x200000, size: int = 3 << 20, magic2: bytes = b"RSC\x05") -> bytes:
    header = struct.pack(
        "<IIQQQIIQ8s4sI", 0x6F, 0, text_offset, size, 0, 2, 0, 0, b"RISCV\0\0\0", magic2, 0
    )
    return header + bytes(4096)


def test_header_fields() -> None:
    h = parse_image_header(image())
    assert h.text_offset == 0x200000 and h.image_size == 3 << 20 and h.version == 2


@pytest.mark.parametrize(
    "blob,hint",
    [
        (b"\x7fELF" + bytes(200), "ELF"),
        (gzip.compress(bytes(range(256)) * 2, mtime=0)[:40], "gzip"),
        (b"short", "too short"),
        (image(magic2=b"ARM\x64"), "RSC"),
    ],
)
def test_non_riscv_images_are_rejected_with_a_hint(blob: bytes, hint: str) -> None:
    with pytest.raises(KernelImageError, match=hint):
        parse_image_header(blob, "kernel 'x'")


def test_layout_puts_kernel_at_text_offset_and_the_rest_at_the_top() -> None:
    h = parse_image_header(image())
    lay = plan_layout(RAM, 128 << 20, h, 1 << 20, 5000)
    assert lay.kernel == RAM + 0x200000 and lay.kernel_end == lay.kernel + (3 << 20)
    assert lay.initrd_end <= lay.dtb and lay.dtb + 5000 <= RAM + (128 << 20)
    assert lay.initrd % 4096 == 0 and lay.dtb % 8 == 0
    assert lay.initrd_end - lay.initrd == 1 << 20


def test_too_little_memory_names_the_size_to_use() -> None:
    h = parse_image_header(image(size=20 << 20))
    with pytest.raises(GuestMemoryError, match="--mem"):
        plan_layout(RAM, 32 << 20, h, 4 << 20, 5000)


def test_misaligned_text_offset_is_rejected() -> None:
    with pytest.raises(KernelImageError):
        plan_layout(RAM, 128 << 20, parse_image_header(image(text_offset=0x1000)), 0, 100)
