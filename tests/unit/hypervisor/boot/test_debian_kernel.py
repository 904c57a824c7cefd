"""Debian's kernel as a guest: module metadata, load order, the /init that loads them."""

from __future__ import annotations

import json
import lzma
import struct
from pathlib import Path

import pytest

from vmforms.hypervisor.boot.assets import AssetError
from vmforms.hypervisor.boot.cpio import CpioEntry
from vmforms.hypervisor.boot.debian import (
    MODULES_DIR,
    debian_guest,
    debian_init_script,
    load_order,
    read_modinfo,
)
from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT, build_initramfs


def fake_module(**info: str) -> bytes:
    """An ELF64 LE object with only a .modinfo and a .shstrtab section."""
    modinfo = b"".join(f"{k}={v}\0".encode() for k, v in info.items())
    shstrtab = b"\0.modinfo\0.shstrtab\0"
    body = modinfo + shstrtab
    shoff = 64 + len(body)
    shoff += -shoff % 8
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x28, shoff)
    struct.pack_into("<HHH", header, 0x3A, 64, 3, 2)
    sections = bytes(64)  # SHN_UNDEF
    sections += struct.pack("<IIQQQQ", 1, 1, 0, 0, 64, len(modinfo)) + bytes(24)
    sections += struct.pack("<IIQQQQ", 10, 3, 0, 0, 64 + len(modinfo), len(shstrtab)) + bytes(24)
    return bytes(header) + body + bytes(shoff - 64 - len(body)) + sections


def test_modinfo_is_read_from_its_section() -> None:
    info = read_modinfo(fake_module(name="ext4", depends="jbd2,mbcache,crc16"))
    assert info == {"name": ["ext4"], "depends": ["jbd2,mbcache,crc16"]}
    with pytest.raises(AssetError, match="ELF"):
        read_modinfo(b"MZ" + bytes(100))


def test_load_order_puts_dependencies_first_and_skips_built_ins(tmp_path: Path) -> None:
    mods = {
        "ext4": fake_module(name="ext4", depends="jbd2,mbcache,crc16"),
        "jbd2": fake_module(name="jbd2", depends=""),
        "mbcache": fake_module(name="mbcache", depends=""),
        "virtio_blk": fake_module(name="virtio_blk", depends="virtio"),
    }
    files = {}
    for name, blob in mods.items():
        path = tmp_path / f"{name}.ko.xz"
        path.write_bytes(lzma.compress(blob, format=lzma.FORMAT_XZ))
        files[name] = path
    order = load_order(["virtio_blk", "ext4"], files, builtin={"virtio", "crc16"})
    assert [name for name, _ in order] == ["virtio_blk", "jbd2", "mbcache", "ext4"]
    assert dict(order)["jbd2"] == mods["jbd2"]
    with pytest.raises(AssetError, match="neither built in"):
        load_order(["ext4"], files, builtin=set())


def test_load_order_reports_a_dependency_loop(tmp_path: Path) -> None:
    files = {}
    for name, dep in (("a", "b"), ("b", "a")):
        files[name] = tmp_path / f"{name}.ko"
        files[name].write_bytes(fake_module(name=name, depends=dep))
    with pytest.raises(AssetError, match="loop: a -> b -> a"):
        load_order(["a"], files, builtin=set())


def test_init_loads_modules_in_order_after_mounting_and_before_the_command() -> None:
    init = debian_init_script("6.12.0-riscv64", ["virtio_blk", "jbd2", "ext4"], ["jbd2", "ext4"])
    first = init.index(f"insmod /{MODULES_DIR}/6.12.0-riscv64/virtio_blk.ko")
    disk = init.index("if [ -e /sys/block/vda ]")
    assert init.index("mount -t devtmpfs") < first < disk < init.index("/jbd2.ko")
    assert init.index("/jbd2.ko") < init.index("/ext4.ko") < init.index("fi\n", disk)
    end = init.index("fi\n", disk) + 3
    assert end < init.index("vmforms_cmd")
    assert init[:first] + init[end:] == INIT_SCRIPT
    assert "/sys/block" not in debian_init_script("6.12.0-riscv64", ["virtio_blk"], [])


def test_initramfs_carries_extra_entries_and_its_own_init() -> None:
    extra = [CpioEntry("lib", 0o40755), CpioEntry("lib/m.ko", 0o100644, b"KO")]
    blob = build_initramfs(b"\x7fELF\0[\0[[\0sh\0\0", init="#!/bin/sh\necho hi\n", extra=extra)
    assert blob.index(b"lib/m.ko\0") < blob.index(b"init\0")
    assert b"echo hi" in blob and INIT_SCRIPT.encode() not in blob


def test_manifest_is_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    with pytest.raises(AssetError, match="vmforms setup"):
        debian_guest()
    root = tmp_path / "assets"
    root.mkdir()
    kernel, initrd = root / "Image", root / "i.cpio"
    manifest = {"kernel": str(kernel), "initrd": str(initrd), "release": "6.12.0-riscv64"}
    (root / "debian.json").write_text(json.dumps(manifest))
    with pytest.raises(AssetError, match="incomplete"):
        debian_guest()
    kernel.write_bytes(b"k")
    initrd.write_bytes(b"i")
    assert debian_guest().release == "6.12.0-riscv64"
