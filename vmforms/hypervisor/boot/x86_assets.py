"""The x86-64 Linux guest for the KVM board, built once and cached by content hash under
$VMFORMS_ROOT/assets, as the RISC-V guest is:

- x86-kernel-<hash>/bzImage: Debian's linux-source-6.1, `make allnoconfig` with
  x86_guest.config (KCONFIG_ALLCONFIG), built with the host's gcc;
- x86-initramfs-<hash>.cpio: our newc writer over the host's static busybox and the
  same /init as the RISC-V guest, which ends with `reboot -f`: with reboot=k that is the
  i8042 reset pulse, the end of the VM on this board (x86 without ACPI cannot power off).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from vmforms.container.paths import locked
from vmforms.hypervisor.boot.assets import (
    KERNEL_TARBALL,
    AssetError,
    assets_root,
    content_hash,
    run_tool,
)
from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT, build_initramfs

X86_GUEST_CONFIG = Path(__file__).with_name("x86_guest.config")
HOST_BUSYBOX = Path("/bin/busybox")
X86_INIT_SCRIPT = INIT_SCRIPT.replace("poweroff -f", "reboot -f")


@dataclass(frozen=True, slots=True)
class X86Guest:
    kernel: Path
    initrd: Path
    release: str


def _kernel_key() -> str:
    if not KERNEL_TARBALL.exists():
        raise AssetError(f"{KERNEL_TARBALL} is missing; apt-get install linux-source-6.1")
    st = KERNEL_TARBALL.stat()
    stamp = f"{st.st_size}:{st.st_mtime_ns}".encode()
    return content_hash(b"x86-kernel-v1", X86_GUEST_CONFIG.read_bytes(), stamp)


def ensure_x86_kernel() -> tuple[Path, str]:
    """The cached bzImage and its release (a build of several minutes the first time)."""
    out = assets_root() / f"x86-kernel-{_kernel_key()}"
    with locked(assets_root() / ".x86-kernel.lock"):
        if (out / "bzImage").exists():
            return out / "bzImage", (out / "release").read_text().strip()
        if shutil.which("gcc") is None:
            raise AssetError("gcc not found; apt-get install gcc make flex bison bc libelf-dev")
        work = out.with_name(out.name + ".build")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        try:
            run_tool(["tar", "-xf", str(KERNEL_TARBALL), "-C", str(work)])
            (src,) = [p for p in work.iterdir() if p.is_dir()]
            make = ["make", "ARCH=x86_64", "-s"]
            env = dict(os.environ, KCONFIG_ALLCONFIG=str(X86_GUEST_CONFIG))
            run_tool([*make, "allnoconfig"], cwd=src, env=env)
            jobs = f"-j{min(os.cpu_count() or 1, 2)}"
            run_tool(["nice", "-n", "10", *make, jobs, "bzImage"], cwd=src)
            release = run_tool([*make, "kernelrelease"], cwd=src).strip()
            staged = out.with_name(out.name + ".tmp")
            shutil.rmtree(staged, ignore_errors=True)
            staged.mkdir()
            shutil.copy2(src / "arch/x86/boot/bzImage", staged / "bzImage")
            shutil.copy2(src / ".config", staged / "config")
            (staged / "release").write_text(release + "\n")
            staged.rename(out)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return out / "bzImage", release


HDR_PAYLOAD_OFFSET = 0x248  # boot.rst: the compressed kernel, from the protected-mode part
HDR_PAYLOAD_LENGTH = 0x24C
VMLINUX_LIMIT = 256 << 20


def extract_vmlinux(bzimage: bytes) -> bytes:
    """The ELF vmlinux inside a bzImage (boot protocol 2.08+ payload fields), for the PVH
    entry; gzip and xz payloads, as Debian's gcc and allnoconfig produce."""
    import gzip
    import io
    import lzma
    import struct

    if len(bzimage) < 0x250 or bzimage[0x202:0x206] != b"HdrS":
        raise AssetError("not a bzImage: no 'HdrS' setup header")
    setup_sects = bzimage[0x1F1] or 4
    offset, length = struct.unpack_from("<II", bzimage, HDR_PAYLOAD_OFFSET)
    start = (setup_sects + 1) * 512 + offset
    payload = bzimage[start : start + length]
    if len(payload) != length or length == 0:
        raise AssetError("bzImage payload outside the file")
    try:
        if payload[:2] == b"\x1f\x8b":
            out = gzip.GzipFile(fileobj=io.BytesIO(payload)).read(VMLINUX_LIMIT)
        elif payload[:6] == b"\xfd7zXZ\x00":
            out = lzma.LZMADecompressor().decompress(payload, VMLINUX_LIMIT)
        else:
            raise AssetError(f"bzImage payload compressed as {payload[:4].hex()}: not gzip or xz")
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise AssetError(f"bzImage payload does not decompress: {exc}") from exc
    if out[:4] != b"\x7fELF":
        raise AssetError("bzImage payload is not an ELF vmlinux")
    return out


def ensure_x86_vmlinux(bzimage: Path) -> Path:
    """vmlinux beside its bzImage, extracted once."""
    out = bzimage.with_name("vmlinux")
    if not out.exists():
        staged = out.with_name("vmlinux.tmp")
        staged.write_bytes(extract_vmlinux(bzimage.read_bytes()))
        staged.rename(out)
    return out


def ensure_x86_initramfs() -> Path:
    if not HOST_BUSYBOX.is_file():
        raise AssetError(f"{HOST_BUSYBOX} is missing; apt-get install busybox-static")
    blob = HOST_BUSYBOX.read_bytes()
    out = assets_root() / f"x86-initramfs-{content_hash(blob, X86_INIT_SCRIPT.encode())}.cpio"
    if not out.exists():
        staged = out.with_name(out.name + ".tmp")
        staged.write_bytes(build_initramfs(blob, init=X86_INIT_SCRIPT))
        staged.rename(out)
    return out


def ensure_x86_guest() -> X86Guest:
    kernel, release = ensure_x86_kernel()
    return X86Guest(kernel, ensure_x86_initramfs(), release)


def setup_x86_guest() -> str:
    """`vmforms setup` step: the x86-64 guest kernel (built once, cached by content) and
    its vmlinux, so that tests and the KVM board do not build it on first use."""
    guest = ensure_x86_guest()
    vmlinux = ensure_x86_vmlinux(guest.kernel)
    return f"Linux {guest.release}: {guest.kernel}, {vmlinux.name}"
