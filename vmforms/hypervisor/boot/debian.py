"""Debian's own riscv64 kernel as a guest: linux-image-riscv64 from trixie, unmodified.

The kernel is generic, so virtio-mmio, virtio-blk and ext4 are modules; an initramfs
written by our cpio writer carries them (decompressed from .ko.xz) with busybox, and its
/init loads them in dependency order before running the command, as the built-in /init
does. Debian ships no modules.dep (depmod runs at install time), so the order comes
from each module's own `.modinfo` section (`depends=`), which is what depmod reads.
Everything is cached by content hash under $VMFORMS_ROOT/assets:

- debs/linux-image-6.x-riscv64_*.deb: the package the metapackage depends on;
- debian-kernel-<hash>/: Image, release, config and modules/<name>.ko;
- debian-initramfs-<hash>.cpio, and debian.json naming the current kernel and initramfs.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import re
import shutil
import struct
from collections.abc import Iterable
from pathlib import Path

from vmforms.container.paths import locked
from vmforms.hypervisor.boot.assets import (
    AssetError,
    GuestAssets,
    apt_riscv64,
    apt_riscv64_argv,
    assets_root,
    content_hash,
    download,
    ensure_busybox,
    read_manifest,
    run_tool,
    write_manifest,
)
from vmforms.hypervisor.boot.cpio import CpioEntry, directory, file
from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT, build_initramfs
from vmforms.hypervisor.boot.riscv import parse_image_header
from vmforms.hypervisor.progress import Status

METAPACKAGE = "linux-image-riscv64"
REAL_PACKAGE_RE = re.compile(r"linux-image-6\.[\w.+~-]*-riscv64")
# What a guest with a virtio disk holding ext4 needs beyond the built-in drivers. The
# filesystem modules are loaded only when a disk is there: loading ext4 (7 MB) and jbd2
# takes about 1.7 billion guest instructions, more than the rest of the boot to /init
# (1.3 billion; the module loader's work grows with a module's relocations and
# symbols, and each module's signature is checked). crc32c_generic stands for ext4's
# and jbd2's `softdep=pre: crypto-crc32c`: the crypto API looks the algorithm up at
# mount, not at module load.
BUS_MODULES = ("virtio_mmio", "virtio_blk")
DISK_MODULES = ("crc32c_generic", "ext4")
FIRST_DISK = "/sys/block/vda"
MODULES_DIR = "lib/modules"
_MOUNTS_DONE = "mount -t tmpfs tmpfs /tmp\n"


def _hash_file(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.digest()


def _kernel_deb() -> Path:
    """The real kernel package behind the metapackage, downloaded once into assets/debs."""
    debs = assets_root() / "debs"
    found = sorted(debs.glob("linux-image-6.*-riscv64_*_riscv64.deb"))
    if found:
        return found[-1]
    apt_riscv64(["apt-get", "update"])
    depends = apt_riscv64(["apt-cache", "depends", "--no-recommends", METAPACKAGE])
    names = REAL_PACKAGE_RE.findall(depends)
    if not names:
        raise AssetError(f"apt-cache depends {METAPACKAGE} (trixie, riscv64) names no kernel")
    debs.mkdir(parents=True, exist_ok=True)
    shown = apt_riscv64(["apt-cache", "show", "--no-all-versions", f"{names[0]}:riscv64"])
    size = re.search(r"^Size: (\d+)$", shown, re.MULTILINE)
    with Status(f"setup: downloading {names[0]}") as status:
        download(
            apt_riscv64_argv(["apt-get", "download", f"{names[0]}:riscv64"]), debs,
            int(size.group(1)) if size else 0, status,
        )
    found = sorted(debs.glob(f"{names[0]}_*_riscv64.deb"))
    if not found:
        raise AssetError(f"apt-get download {names[0]}:riscv64 produced no .deb")
    return found[-1]


def read_modinfo(elf: bytes) -> dict[str, list[str]]:
    """The key=value strings of a kernel module's .modinfo section (an ELF64 LE object)."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        raise AssetError("not a 64-bit little-endian ELF kernel module")
    (shoff,) = struct.unpack_from("<Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", elf, 0x3A)

    def section(i: int) -> tuple[int, int, int]:
        name, _, _, _, offset, size = struct.unpack_from("<IIQQQQ", elf, shoff + i * shentsize)
        return name, offset, size

    _, strtab, _ = section(shstrndx)
    info: dict[str, list[str]] = {}
    for i in range(shnum):
        name, offset, size = section(i)
        if elf[strtab + name : elf.index(b"\0", strtab + name)] != b".modinfo":
            continue
        for raw in elf[offset : offset + size].split(b"\0"):
            key, sep, value = raw.decode("utf-8", "replace").partition("=")
            if sep:
                info.setdefault(key, []).append(value)
    return info


def _module_files(tree: Path) -> dict[str, Path]:
    """Module name (dashes as underscores, as the kernel spells them) -> its file."""
    files: dict[str, Path] = {}
    for path in tree.rglob("*.ko*"):
        name = path.name.split(".ko")[0].replace("-", "_")
        files[name] = path
    return files


def _read_module(path: Path) -> bytes:
    blob = path.read_bytes()
    if path.name.endswith(".xz"):
        return lzma.decompress(blob)
    if path.name.endswith(".gz"):
        return gzip.decompress(blob)
    if path.name.endswith(".zst"):
        raise AssetError(f"{path.name}: zstd-compressed modules are not supported")
    return blob


def load_order(
    wanted: Iterable[str], files: dict[str, Path], builtin: set[str]
) -> list[tuple[str, bytes]]:
    """The modules `wanted` needs, dependencies first, skipping those built in."""
    order: list[tuple[str, bytes]] = []
    seen: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        name = name.replace("-", "_")
        if name in seen or name in builtin:
            return
        if name in chain:
            raise AssetError(f"module dependency loop: {' -> '.join((*chain, name))}")
        if name not in files:
            raise AssetError(f"module {name} is neither built in nor in the kernel package")
        blob = _read_module(files[name])
        for dep in read_modinfo(blob).get("depends", []):
            for d in filter(None, dep.split(",")):
                visit(d, (*chain, name))
        seen.add(name)
        order.append((name, blob))

    for name in wanted:
        visit(name, ())
    return order


def _extract_kernel(deb: Path, out: Path) -> None:
    """Image, release, config and the wanted modules from the package into `out`."""
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    root = tmp / "root"
    run_tool(["dpkg-deb", "-x", str(deb), str(root)])
    images = sorted((root / "boot").glob("vmlinu[xz]-*"))
    if not images:
        raise AssetError(f"{deb.name}: no /boot/vmlinux-* inside")
    release = images[0].name.split("-", 1)[1]
    blob = images[0].read_bytes()
    if blob[:2] == b"\x1f\x8b":
        blob = gzip.decompress(blob)
    parse_image_header(blob, f"{deb.name}: {images[0].name}")
    (tmp / "Image").write_bytes(blob)
    (tmp / "release").write_text(release + "\n")
    shutil.copy2(root / "boot" / f"config-{release}", tmp / "config")
    tree = next(
        (
            p
            for p in (root / "usr/lib/modules" / release, root / "lib/modules" / release)
            if p.is_dir()
        ),
        None,
    )
    if tree is None:
        raise AssetError(f"{deb.name}: no modules directory for {release}")
    builtin_list = tree / "modules.builtin"
    builtin = {
        Path(line).name.split(".ko")[0].replace("-", "_")
        for line in (builtin_list.read_text().split() if builtin_list.exists() else [])
    }
    modules = tmp / "modules"
    modules.mkdir()
    files = _module_files(tree)
    bus = load_order(BUS_MODULES, files, builtin)
    disk = load_order(DISK_MODULES, files, builtin | {name for name, _ in bus})
    for name, ko in bus + disk:
        (modules / f"{name}.ko").write_bytes(ko)
    (tmp / "modules.order").write_text("".join(f"{name}\n" for name, _ in bus + disk))
    (tmp / "modules.disk").write_text("".join(f"{name}\n" for name, _ in disk))
    shutil.rmtree(root)
    tmp.rename(out)


def ensure_debian_kernel() -> Path:
    """The directory holding Debian's Image, release, config and the needed modules."""
    root = assets_root()
    with locked(root / ".debian-kernel.lock"):
        deb = _kernel_deb()
        key = content_hash(
            b"debian-kernel-v2", " ".join(BUS_MODULES + DISK_MODULES).encode(), _hash_file(deb)
        )
        out = root / f"debian-kernel-{key}"
        if not (out / "Image").exists():
            _extract_kernel(deb, out)
        return out


def debian_init_script(release: str, modules: list[str], disk_modules: list[str]) -> str:
    """The built-in /init with the modules loaded right after the API filesystems, those
    in `disk_modules` only if virtio-blk found a disk."""

    def load(name: str, indent: str = "") -> str:
        path = f"/{MODULES_DIR}/{release}/{name}.ko"
        return f"{indent}insmod {path} || echo 'insmod {name} failed' >&2\n"

    loads = "".join(load(name) for name in modules if name not in disk_modules)
    if disk_modules:
        loads += f"if [ -e {FIRST_DISK} ]; then\n"
        loads += "".join(load(name, "    ") for name in disk_modules)
        loads += "fi\n"
    if _MOUNTS_DONE not in INIT_SCRIPT:
        raise AssetError("the built-in /init changed: no place to load modules")
    return INIT_SCRIPT.replace(_MOUNTS_DONE, _MOUNTS_DONE + loads, 1)


def ensure_debian_initramfs(kernel_dir: Path, busybox: Path) -> Path:
    release = (kernel_dir / "release").read_text().strip()
    names = (kernel_dir / "modules.order").read_text().split()
    init = debian_init_script(release, names, (kernel_dir / "modules.disk").read_text().split())
    blobs = [(kernel_dir / "modules" / f"{n}.ko").read_bytes() for n in names]
    bb = busybox.read_bytes()
    key = content_hash(b"debian-initramfs-v2", bb, init.encode(), *blobs)
    out = assets_root() / f"debian-initramfs-{key}.cpio"
    if not out.exists():
        extra: list[CpioEntry] = [directory("lib"), directory(MODULES_DIR)]
        extra.append(directory(f"{MODULES_DIR}/{release}"))
        extra += [
            file(f"{MODULES_DIR}/{release}/{n}.ko", b) for n, b in zip(names, blobs, strict=True)
        ]
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(build_initramfs(bb, init=init, extra=extra))
        tmp.rename(out)
    return out


def ensure_debian_guest() -> str:
    """`vmforms setup` step: fetch Debian's riscv64 kernel and build its initramfs."""
    kernel_dir = ensure_debian_kernel()
    initrd = ensure_debian_initramfs(kernel_dir, ensure_busybox())
    release = (kernel_dir / "release").read_text().strip()
    write_manifest("debian.json", GuestAssets(kernel_dir / "Image", initrd, release))
    modules = (kernel_dir / "modules.order").read_text().split()
    return f"Debian kernel {release} with modules {', '.join(modules)} in {assets_root()}"


def debian_guest() -> GuestAssets:
    """Debian's kernel and its initramfs, as recorded by the last ensure_debian_guest()."""
    return read_manifest(
        "debian.json",
        "Debian's guest kernel is not fetched ({path}); run `vmforms setup`",
        f"Debian's guest kernel in {assets_root()} is incomplete",
    )
