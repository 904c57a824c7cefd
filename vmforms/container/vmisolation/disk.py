"""The image's layers as a virtio-blk disk for the guest: one ext4 file system made by
`mke2fs -d` (e2fsprogs' populate_fs, which copies device nodes and extended attributes,
so overlayfs whiteouts and opaque directories survive) holding each unpacked layer as a
directory 0, 1, ... from the lowest up. Cached per image ID under the state root.

No journal and no metadata checksums: the guest mounts it read-only, and every inode and
group descriptor it reads would otherwise cost a CRC32c in our software CPU.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError
from vmforms.container.paths import locked, state_root

# Free room on top of the layers' size: ext4's metadata (inode tables, the root's
# directories) for a small image takes a few MiB.
SLACK = 8 << 20
# An image larger than this is refused rather than copied into a disk file.
MAX_IMAGE_BYTES = 4 << 30
# In the disk's name: a disk made with other mke2fs options is made again.
DISK_FORMAT = 2


def disks_dir() -> Path:
    path = state_root() / "vm" / "disks"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for parent in (path, path.parent):
        os.chmod(parent, 0o700)
    return path


def placeholder_disk() -> Path:
    """The empty disk the guest boots with: the base snapshot, shared by every image, is
    taken on it, and each run puts its image's disk behind the device (launch.py). Made
    once and never written, since a snapshot checks its disk's size and time."""
    path = disks_dir() / "placeholder.img"
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        pass  # made by an earlier run
    return path


def tree_size(root: Path) -> int:
    """Bytes of the files under `root` plus a block per entry, symlinks not followed."""
    total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            st = os.lstat(os.path.join(dirpath, name))
            total += (st.st_size if not os.path.isdir(os.path.join(dirpath, name)) else 0) + 4096
        if total > MAX_IMAGE_BYTES:
            raise ContainerError(f"image layers under {root} exceed "
                                 f"{MAX_IMAGE_BYTES >> 30} GiB: too large for a VM disk")
    return total


def layers_disk(image_id: str, layers: list[Path]) -> Path:
    """The ext4 image of `layers` (lowest first) for the image `image_id`, built once."""
    digest = image_id.removeprefix("sha256:")
    if not digest or not all(c in "0123456789abcdef" for c in digest):
        raise ContainerError(f"image ID {image_id!r} is not a sha256 digest")
    out = disks_dir() / f"{digest}.v{DISK_FORMAT}.ext4"
    with locked(disks_dir() / ".lock"):
        if out.exists():
            return out
        for old in image_disks(digest):
            old.unlink(missing_ok=True)
        stage = out.with_name(f".{digest}.stage")
        tmp = out.with_name(f".{digest}.tmp")
        shutil.rmtree(stage, ignore_errors=True)
        try:
            stage.mkdir(mode=0o700)
            size = 0
            for i, layer in enumerate(layers):
                # Hard links: the layers stay where they are, nothing is copied.
                _tool(["cp", "-a", "-l", str(layer), str(stage / str(i))])
                size += tree_size(stage / str(i))
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
            try:
                os.ftruncate(fd, size + size // 4 + SLACK)
            finally:
                os.close(fd)
            # No journal: the guest mounts it read-only; the writable layer is a tmpfs.
            _tool(["mke2fs", "-q", "-F", "-t", "ext4", "-O", "^has_journal,^metadata_csum",
                   "-m", "0",
                   "-L", "vmforms-layers", "-E", "root_owner=0:0", "-d", str(stage), str(tmp)])
            os.rename(tmp, out)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
            tmp.unlink(missing_ok=True)
    return out


def image_disks(digest: str) -> list[Path]:
    """The disk files made for the image whose ID is sha256:`digest`, of any format."""
    try:
        return [p for p in disks_dir().iterdir()
                if p.name == f"{digest}.ext4" or p.name.startswith(f"{digest}.v")]
    except OSError:
        return []


def disk_usage_bytes(path: Path) -> int:
    """Bytes a (sparse) file or a directory of them takes on disk."""
    try:
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        return sum(p.lstat().st_blocks * 512 for p in files)
    except OSError:
        return 0


def vm_files() -> dict[str, list[Path]]:
    """The image disks and the VM snapshots taken on them, by image digest (the ID without
    its "sha256:"); snapshots whose disk is gone are under ""."""
    from vmforms.container.vmisolation.launch import snapshot_disks, snapshots_dir

    files: dict[str, list[Path]] = {}
    owner: dict[str, str] = {}
    for disk in disks_dir().iterdir():
        if disk.name.endswith(".ext4") and not disk.name.startswith("."):
            digest = disk.name.split(".", 1)[0]
            files.setdefault(digest, []).append(disk)
            owner[str(disk.resolve())] = digest
    base = [str(placeholder_disk().resolve())]
    for snapshot in snapshots_dir().iterdir():
        used = snapshot_disks(snapshot) if not snapshot.name.startswith(".") else None
        if used is None or used == base:
            continue  # being written, not ours to judge, or every image's base
        digests = {owner.get(path, "") for path in used}
        for digest in digests if digests else {""}:
            files.setdefault(digest, []).append(snapshot)
    return files


def remove_stale(live: set[str]) -> int:
    """Remove the disks and snapshots of the images whose digest is not in `live`, and
    snapshots whose disk is gone; the bytes freed."""
    freed = 0
    with locked(disks_dir() / ".lock"):
        for digest, paths in vm_files().items():
            if digest in live:
                continue
            for path in paths:
                freed += disk_usage_bytes(path)
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    return freed


def _tool(argv: list[str]) -> None:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ContainerError(f"{argv[0]} not found: apt-get install e2fsprogs coreutils") \
            from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
        raise ContainerError(f"{argv[0]} for the VM disk failed: {' | '.join(tail)}")
