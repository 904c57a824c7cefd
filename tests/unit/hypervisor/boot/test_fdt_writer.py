"""The FDT writer, checked by decompiling with the reference tool, dtc."""

import shutil
import struct
import subprocess

import pytest

from vmforms.hypervisor.boot.fdt import FDT_MAGIC, Node

needs_dtc = pytest.mark.skipif(shutil.which("dtc") is None, reason="dtc not installed")


def dts(blob: bytes) -> str:
    proc = subprocess.run(
        ["dtc", "-I", "dtb", "-O", "dts", "-"], input=blob, capture_output=True, check=True
    )
    return proc.stdout.decode()


def sample() -> Node:
    root = Node()
    root.u32("#address-cells", 2).u32("#size-cells", 2).string("compatible", "a,b", "c")
    chosen = root.child("chosen")
    chosen.string("bootargs", "console=ttyS0 x=1").u64("linux,initrd-start", 0x87000000)
    mem = root.child("memory@80000000")
    mem.string("device_type", "memory").u64("reg", 0x80000000, 0x8000000)
    dev = root.child("intc")
    dev.prop("interrupt-controller").u32("phandle", 1).prop("blob", b"\x01\x02\x03")
    return root


def test_header_layout() -> None:
    blob = sample().to_dtb(reserve=((0x80000000, 0x1000),))
    magic, total, off_struct, off_strings, off_rsv, version, last = struct.unpack_from(">7I", blob)
    assert magic == FDT_MAGIC and total == len(blob) and total % 8 == 0
    assert (version, last) == (17, 16)
    assert off_rsv == 40 and off_rsv < off_struct < off_strings < total
    assert struct.unpack_from(">QQ", blob, off_rsv) == (0x80000000, 0x1000)
    assert struct.unpack_from(">QQ", blob, off_rsv + 16) == (0, 0)


@needs_dtc
def test_dtc_decompiles_it_to_the_same_tree() -> None:
    text = dts(sample().to_dtb(reserve=((0x80000000, 0x1000),)))
    assert "/memreserve/\t0x0000000080000000 0x0000000000001000;" in text
    assert 'compatible = "a,b\\0c";' in text
    assert 'bootargs = "console=ttyS0 x=1";' in text
    assert "linux,initrd-start = <0x00 0x87000000>;" in text
    assert "reg = <0x00 0x80000000 0x00 0x8000000>;" in text
    assert "interrupt-controller;" in text
    assert "blob = [01 02 03];" in text
    assert "memory@80000000 {" in text and "chosen {" in text


@needs_dtc
def test_round_trip_through_dtc_is_byte_identical() -> None:
    blob = sample().to_dtb()
    proc = subprocess.run(
        ["dtc", "-I", "dtb", "-O", "dtb", "-"], input=blob, capture_output=True, check=True
    )
    again = subprocess.run(
        ["dtc", "-I", "dtb", "-O", "dts", "-"], input=proc.stdout, capture_output=True, check=True
    )
    assert again.stdout.decode() == dts(blob)


def test_node_names_may_not_contain_slashes() -> None:
    with pytest.raises(ValueError):
        Node("a/b")
