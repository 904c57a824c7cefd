"""A build step's changes as an OCI layer (image-spec layer.md): the overlay upper
directory of the step's container, walked by fd, written as a tar changeset.

overlayfs records a deletion as a 0:0 character device and a directory that replaces
a lower one as the xattr trusted.overlay.opaque=y (Documentation/filesystems/
overlayfs.rst); a layer says the same with `.wh.NAME` and `.wh..wh..opq` entries.
"""

from __future__ import annotations

import os
import stat
import tarfile
from typing import IO

from vmforms.container.errors import ContainerError

OPAQUE_XATTR = "trusted.overlay.opaque"
OPAQUE_XATTRS = (OPAQUE_XATTR, "user.overlay.opaque")  # the second: `userxattr` (rootless)
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# Mount points the runtime makes in a container's root when the image lacks them:
# Docker keeps them in an "init" layer under the container's, so they never reach a
# committed layer; we leave them out when they are still the empty placeholders.
RUNTIME_PLACEHOLDERS = frozenset({"proc", "sys", "dev", "etc/hosts", "etc/hostname",
                                  "etc/resolv.conf", ".dockerenv"})


def _xattrs(name: str, dfd: int) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    path = f"/proc/self/fd/{dfd}/{name}"
    try:
        keys = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return out
    for key in keys:
        if key.startswith(("trusted.overlay.", "user.overlay.")):
            continue
        try:
            out[key] = os.getxattr(path, key, follow_symlinks=False)
        except OSError:
            continue
    return out


def write_diff(upper: str, out: IO[bytes], *, skip_placeholders: bool = True,
               xdev: bool = False) -> int:
    """Write the changes under `upper` to `out` as a tar; return how many entries.
    With `xdev`, entries on another file system than `upper`'s (mounts) are left out."""
    seen_inodes: dict[tuple[int, int], str] = {}
    count = 0
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        root = os.open(upper, _DIR)
        root_dev = os.fstat(root).st_dev

        def entry(name: str, st: os.stat_result, dfd: int, base: str) -> None:
            nonlocal count
            info = tarfile.TarInfo(name)
            info.mode = stat.S_IMODE(st.st_mode)
            info.uid, info.gid = st.st_uid, st.st_gid
            info.mtime = int(st.st_mtime)
            info.uname = info.gname = ""
            xattrs = _xattrs(base, dfd)
            if xattrs:
                info.pax_headers = {f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape")
                                    for k, v in xattrs.items()}
            data = None
            if stat.S_ISDIR(st.st_mode):
                info.type = tarfile.DIRTYPE
            elif stat.S_ISLNK(st.st_mode):
                info.type = tarfile.SYMTYPE
                info.linkname = os.readlink(base, dir_fd=dfd)
            elif stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen_inodes:
                    info.type = tarfile.LNKTYPE
                    info.linkname = seen_inodes[key]
                else:
                    seen_inodes[key] = name
                    info.size = st.st_size
                    data = os.open(base, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                                   dir_fd=dfd)
            elif stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                info.type = tarfile.CHRTYPE if stat.S_ISCHR(st.st_mode) else tarfile.BLKTYPE
                info.devmajor, info.devminor = os.major(st.st_rdev), os.minor(st.st_rdev)
            elif stat.S_ISFIFO(st.st_mode):
                info.type = tarfile.FIFOTYPE
            else:
                return  # sockets have no tar form
            if data is None:
                tar.addfile(info)
            else:
                with os.fdopen(data, "rb") as f:
                    tar.addfile(info, f)
            count += 1

        def marker(name: str) -> None:
            nonlocal count
            info = tarfile.TarInfo(name)
            info.mode = 0o644
            tar.addfile(info)
            count += 1

        def visit(dfd: int, prefix: str) -> None:
            for base in sorted(os.listdir(dfd)):
                rel = prefix + base
                st = os.stat(base, dir_fd=dfd, follow_symlinks=False)
                if xdev and st.st_dev != root_dev:
                    continue
                if skip_placeholders and rel in RUNTIME_PLACEHOLDERS and (
                        (stat.S_ISDIR(st.st_mode) and not os.listdir(
                            f"/proc/self/fd/{dfd}/{base}"))
                        or (stat.S_ISREG(st.st_mode) and st.st_size == 0)):
                    continue
                if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                    parent, _, last = rel.rpartition("/")
                    marker(f"{parent}/.wh.{last}" if parent else f".wh.{last}")
                    continue
                entry(rel, st, dfd, base)
                if stat.S_ISDIR(st.st_mode):
                    child = os.open(base, _DIR, dir_fd=dfd)
                    try:
                        opaque = b""
                        for name in OPAQUE_XATTRS:
                            try:
                                opaque = os.getxattr(f"/proc/self/fd/{child}", name)
                                break
                            except OSError:
                                continue
                        if opaque == b"y":
                            marker(f"{rel}/.wh..wh..opq")
                        visit(child, rel + "/")
                    finally:
                        os.close(child)

        try:
            visit(root, "")
        except OSError as exc:
            raise ContainerError(f"commit layer from {upper}: {exc.strerror or exc}") from None
        finally:
            os.close(root)
    return count
