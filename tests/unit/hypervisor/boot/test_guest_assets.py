"""The guest asset cache: content-addressed names, idempotent steps, the manifest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmforms.hypervisor.boot import assets
from vmforms.hypervisor.boot.assets import AssetError, ensure_initramfs, guest_assets


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    return tmp_path / "assets"


def test_initramfs_is_named_by_content_and_built_once(root: Path, tmp_path: Path) -> None:
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF\0[\0[[\0sh\0\0")
    root.mkdir()
    first = ensure_initramfs(busybox)
    assert first.parent == root and first.name.startswith("initramfs-")
    stamp = first.stat().st_mtime_ns
    assert ensure_initramfs(busybox) == first and first.stat().st_mtime_ns == stamp
    busybox.write_bytes(b"\x7fELF\0[\0[[\0sh\0ls\0\0")
    assert ensure_initramfs(busybox) != first


def test_the_kernels_modules_go_in_its_initramfs(root: Path, tmp_path: Path) -> None:
    busybox = tmp_path / "busybox"
    busybox.write_bytes(b"\x7fELF\0[\0[[\0sh\0\0")
    kernel = tmp_path / "kernel" / "Image"
    (kernel.parent / assets.MODULES_DIR).mkdir(parents=True)
    kernel.write_bytes(b"Image")
    root.mkdir()
    bare = ensure_initramfs(busybox, kernel)  # a kernel built without modules
    assert bare == ensure_initramfs(busybox)
    (kernel.parent / assets.MODULES_DIR / "dummy.ko").write_bytes(b"\x7fELF module")
    with_module = ensure_initramfs(busybox, kernel)
    assert with_module != bare
    archive = with_module.read_bytes()
    assert b"lib/modules/dummy.ko\0" in archive and b"\x7fELF module" in archive


def test_manifest_is_required_and_checked(root: Path) -> None:
    with pytest.raises(AssetError, match="vmforms setup"):
        guest_assets()
    root.mkdir()
    kernel, initrd = root / "Image", root / "initramfs.cpio"
    (root / "guest.json").write_text(
        json.dumps({"kernel": str(kernel), "initrd": str(initrd), "release": "6.1.0"})
    )
    with pytest.raises(AssetError, match="incomplete"):
        guest_assets()
    kernel.write_bytes(b"k")
    initrd.write_bytes(b"i")
    found = guest_assets()
    assert (found.kernel, found.initrd, found.release) == (kernel, initrd, "6.1.0")


def test_missing_kernel_source_says_what_to_install(
    root: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(assets, "KERNEL_TARBALL", tmp_path / "linux-source-6.1.tar.xz")
    with pytest.raises(AssetError, match="apt-get install linux-source-6.1"):
        assets.ensure_kernel()


def test_guest_config_has_what_the_board_needs() -> None:
    text = assets.GUEST_CONFIG.read_text()
    for option in (
        "CONFIG_64BIT=y",
        "CONFIG_MMU=y",
        "# CONFIG_SMP is not set",
        "CONFIG_FPU=y",
        "CONFIG_SERIAL_8250_CONSOLE=y",
        "CONFIG_SERIAL_OF_PLATFORM=y",
        "CONFIG_BLK_DEV_INITRD=y",
        "CONFIG_BINFMT_ELF=y",
        "CONFIG_BINFMT_SCRIPT=y",
        "CONFIG_DEVTMPFS=y",
        "CONFIG_RISCV_SBI=y",
        "CONFIG_SIFIVE_PLIC=y",
        "CONFIG_VIRTIO_MMIO=y",
        "CONFIG_VIRTIO_BLK=y",
    ):
        assert option in text.splitlines()
