"""Safe layer unpacking: OCI image-spec layer.md (changesets, whiteouts) into a directory
that overlayfs can use as a lower dir (Linux Documentation/filesystems/overlayfs.rst).

A layer tarball is untrusted input. Every member is written relative to a directory file
descriptor reached by opening one path component at a time with O_NOFOLLOW, so a symlink
planted by an earlier member can never redirect a later write out of the layer; `..`
components and absolute names are refused outright. Whiteouts become what overlayfs reads:
`.wh.NAME` a 0:0 character device NAME, `.wh..wh..opq` the xattr trusted.overlay.opaque=y
on its directory. Any refusal or failure removes the whole directory being unpacked.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import shutil
import stat
import tarfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from vmforms.container.errors import ImageError
from vmforms.container.image.records import MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"
OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque"
# A rootless store's overlay is mounted with `userxattr` (a user namespace may not write
# trusted.*): its opaque directories carry the user.overlay one (rootless.py).
OVERLAY_OPAQUE_USER_XATTR = "user.overlay.opaque"

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_CHUNK = 1 << 20
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_PAX_XATTR = "SCHILY.xattr."
# trusted.overlay.* (user.overlay.* under `userxattr`) from a tarball could forge redirects
# or metacopy state in overlayfs; whiteouts are the only overlay metadata a layer may
# express, so those are dropped.
_XATTR_ALLOWED = ("user.", "trusted.", "security.capability")
_XATTR_DENIED = ("trusted.overlay.", "user.overlay.")


class Hostile(Exception):
    """A member that would escape the layer or cannot be represented; becomes ImageError."""


# The most a layer may hold uncompressed: a gzip bomb of a few KiB would otherwise fill
# the disk. VMFORMS_MAX_LAYER_SIZE (bytes, or with a k/m/g suffix) overrides it.
DEFAULT_MAX_LAYER_SIZE = 32 << 30
MAX_LAYER_SIZE_ENV = "VMFORMS_MAX_LAYER_SIZE"


def max_layer_size() -> int:
    text = os.environ.get(MAX_LAYER_SIZE_ENV)
    if not text:
        return DEFAULT_MAX_LAYER_SIZE
    from vmforms.container.errors import ContainerError
    from vmforms.container.units import parse_size

    try:
        return parse_size(text, MAX_LAYER_SIZE_ENV)
    except ContainerError as exc:
        raise ImageError(str(exc)) from None


def _size_text(n: int) -> str:
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"


@dataclass(frozen=True, slots=True)
class LayerDigests:
    """What reading a layer stream measured: the blob as stored and the tar inside it."""

    digest: str  # sha256 of the bytes read (the blob)
    size: int
    diff_id: str  # sha256 of the uncompressed tar
    media_type: str
    diff_size: int = 0  # length of the uncompressed tar: what `images` reports as SIZE


class DigestReader:
    """A read-only stream that hashes (and optionally copies) every byte it hands out."""

    def __init__(self, raw: BinaryIO, copy_to: BinaryIO | None = None,
                 limit: int | None = None) -> None:
        self._raw = raw
        self._copy_to = copy_to
        self._sha = hashlib.sha256()
        self._head = b""
        self.size = 0
        self._limit = limit

    def peek(self, n: int) -> bytes:
        while len(self._head) < n:
            more = self._raw.read(n - len(self._head))
            if not more:
                break
            self._account(more)
            self._head += more
        return self._head[:n]

    def read(self, n: int | None = -1) -> bytes:
        if self._head:
            if n is None or n < 0 or n >= len(self._head):
                data, self._head = self._head, b""
                if n is None or n < 0:
                    data += self.read(-1)
                return data
            data, self._head = self._head[:n], self._head[n:]
            return data
        data = self._raw.read() if n is None or n < 0 else self._raw.read(n)
        if data:
            self._account(data)
        return data

    def _account(self, data: bytes) -> None:
        self._sha.update(data)
        self.size += len(data)
        if self._limit is not None and self.size > self._limit:
            raise Hostile(f"the layer is larger than {_size_text(self._limit)} uncompressed "
                          f"(the limit {MAX_LAYER_SIZE_ENV} sets)")
        if self._copy_to is not None:
            self._copy_to.write(data)

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self._sha.hexdigest()


def unpack_layer(
    raw: BinaryIO, dest: Path, *, tarball: str, copy_to: BinaryIO | None = None
) -> LayerDigests:
    """Unpack the layer read from `raw` (tar or tar+gzip) into the new directory `dest`.

    `copy_to`, when given, receives the raw bytes as read, so a blob can be stored in the
    same pass. On any error `dest` is removed and ImageError names `tarball` and the member.
    """
    blob = DigestReader(raw, copy_to)
    head = blob.peek(4)
    if head.startswith(_ZSTD_MAGIC):
        raise ImageError(f"unpack {tarball}: zstd-compressed layers are not supported")
    compressed = head.startswith(_GZIP_MAGIC)
    os.mkdir(dest, 0o755)
    member = ""
    try:
        root_fd = os.open(dest, _DIR_FLAGS)
        try:
            os.fchmod(root_fd, 0o755)  # whatever the umask: a member "./" may override it
            stream = cast(BinaryIO, blob)
            if compressed:
                stream = cast(BinaryIO, gzip.GzipFile(fileobj=stream, mode="rb"))
            tar_bytes = DigestReader(stream, limit=max_layer_size())
            unpacker = _Unpacker(root_fd)
            with tarfile.open(fileobj=tar_bytes, mode="r|") as tar:  # type: ignore[call-overload]
                for info in tar:
                    member = info.name
                    unpacker.add(tar, info)
                member = ""
                unpacker.finish()
            tar_bytes.drain()
            blob.drain()
        finally:
            os.close(root_fd)
    except Hostile as exc:
        _discard(dest)
        raise ImageError(f"unpack {tarball}: refusing member {member!r}: {exc}") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        _discard(dest)
        where = f" at member {member!r}" if member else ""
        raise ImageError(f"unpack {tarball}: not a valid tar archive{where}: {exc}") from None
    except (OSError, ValueError, OverflowError) as exc:  # a full disk, a bad mtime or device
        _discard(dest)
        where = f"member {member!r}: " if member else ""
        detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ImageError(f"unpack {tarball}: {where}{detail}") from None
    except BaseException:
        _discard(dest)
        raise
    media_type = MEDIA_TYPE_OCI_LAYER_GZIP if compressed else MEDIA_TYPE_OCI_LAYER
    return LayerDigests(blob.digest, blob.size, tar_bytes.digest, media_type, tar_bytes.size)


def _discard(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def split_member_name(name: str) -> tuple[str, ...]:
    """The path components of a member name, refusing anything that leaves the layer."""
    if name.startswith("/"):
        raise Hostile("absolute path")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise Hostile("path contains '..'")
    return parts


def _unmapped(exc: OSError, info: tarfile.TarInfo) -> OSError:
    """chown's EINVAL: an id the user namespace does not map (a rootless user's
    subordinate range is smaller than the image's ids), said as podman says it."""
    if exc.errno != errno.EINVAL:
        return exc
    return OSError(exc.errno, f"owner {info.uid}:{info.gid} is not mapped in the user "
                              "namespace (insufficient UIDs or GIDs: check /etc/subuid and "
                              "/etc/subgid)")


class _Unpacker:
    """Writes members below `root_fd`; never resolves a path through the kernel's lookup."""

    def __init__(self, root_fd: int) -> None:
        self._root = root_fd
        self._privileged = os.geteuid() == 0
        self._dir_times: dict[tuple[str, ...], int] = {}

    # -- walking -------------------------------------------------------------------------
    def _open_dir(self, parts: tuple[str, ...], *, create: bool) -> int:
        """An fd of the directory at `parts`, each component opened with O_NOFOLLOW."""
        fd = os.dup(self._root)
        try:
            for i, comp in enumerate(parts):
                try:
                    nfd = os.open(comp, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise Hostile(f"{'/'.join(parts[: i + 1])} is not in the layer") from None
                    os.mkdir(comp, 0o755, dir_fd=fd)
                    nfd = os.open(comp, _DIR_FLAGS, dir_fd=fd)
                    os.fchmod(nfd, 0o755)  # an implied parent, as Docker makes it
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                        raise
                    where = "/".join(parts[: i + 1])
                    st = os.lstat(comp, dir_fd=fd)
                    if stat.S_ISLNK(st.st_mode):
                        target = os.readlink(comp, dir_fd=fd)
                        raise Hostile(f"parent {where} is a symlink (-> {target})") from None
                    raise Hostile(f"parent {where} is not a directory") from None
                os.close(fd)
                fd = nfd
            return fd
        except BaseException:
            os.close(fd)
            raise

    @staticmethod
    def _clear(parent: int, base: str, *, keep_dir: bool = False) -> bool:
        """Remove whatever is at `base`; True when a directory was kept instead."""
        try:
            st = os.lstat(base, dir_fd=parent)
        except FileNotFoundError:
            return False
        if stat.S_ISDIR(st.st_mode):
            if keep_dir:
                return True
            shutil.rmtree(base, dir_fd=parent)
        else:
            os.unlink(base, dir_fd=parent)
        return False

    # -- members -------------------------------------------------------------------------
    def add(self, tar: tarfile.TarFile, info: tarfile.TarInfo) -> None:
        parts = split_member_name(info.name)
        if not parts:
            if not info.isdir():
                raise Hostile("the layer root must be a directory")
            self._set_attrs(self._root, info)
            self._dir_times[()] = _mtime_ns(info)
            return
        base = parts[-1]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(parts)
            return
        parent = self._open_dir(parts[:-1], create=True)
        try:
            if info.isdir():
                self._directory(parent, parts, info)
            elif info.issparse():
                # A 10 KB member may declare a hole of terabytes, written out as zeros.
                raise Hostile("sparse files are not supported")
            elif info.isreg():
                self._regular(tar, parent, base, info)
            elif info.issym():
                self._clear(parent, base)
                os.symlink(info.linkname, base, dir_fd=parent)
                self._chown(parent, base, info)
                os.utime(base, ns=_times(info), dir_fd=parent, follow_symlinks=False)
            elif info.islnk():
                self._hardlink(parent, parts, info)
            elif info.ischr() or info.isblk() or info.isfifo():
                self._special(parent, base, info)
            else:
                raise Hostile(f"unsupported member type {info.type!r}")
        finally:
            os.close(parent)

    def _whiteout(self, parts: tuple[str, ...]) -> None:
        base = parts[-1]
        parent = self._open_dir(parts[:-1], create=True)
        try:
            if base == WHITEOUT_OPAQUE:
                rootless = os.environ.get("VMFORMS_ROOTLESS") == "1"
                os.setxattr(parent, OVERLAY_OPAQUE_USER_XATTR if rootless
                            else OVERLAY_OPAQUE_XATTR, b"y")
            elif base.startswith(WHITEOUT_META_PREFIX):
                pass  # aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): no meaning here
            else:
                name = base[len(WHITEOUT_PREFIX) :]
                if name in ("", ".", ".."):
                    raise Hostile("whiteout of an invalid name")
                self._clear(parent, name)
                os.mknod(name, stat.S_IFCHR | 0o000, os.makedev(0, 0), dir_fd=parent)
        finally:
            os.close(parent)

    def _directory(self, parent: int, parts: tuple[str, ...], info: tarfile.TarInfo) -> None:
        base = parts[-1]
        if not self._clear(parent, base, keep_dir=True):
            os.mkdir(base, 0o700, dir_fd=parent)
        fd = os.open(base, _DIR_FLAGS, dir_fd=parent)
        try:
            self._set_attrs(fd, info)
        finally:
            os.close(fd)
        self._dir_times[parts] = _mtime_ns(info)

    def _regular(
        self, tar: tarfile.TarFile, parent: int, base: str, info: tarfile.TarInfo
    ) -> None:
        self._clear(parent, base)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(base, flags, 0o600, dir_fd=parent)
        with open(fd, "wb", closefd=True) as out:
            src = tar.extractfile(info)
            if src is not None:
                shutil.copyfileobj(src, out, _CHUNK)
            out.flush()
            self._set_attrs(fd, info)
            os.utime(fd, ns=_times(info))

    def _hardlink(self, parent: int, parts: tuple[str, ...], info: tarfile.TarInfo) -> None:
        try:
            target = split_member_name(info.linkname)
        except Hostile as exc:
            raise Hostile(f"hard link target {info.linkname!r}: {exc}") from None
        if not target:
            raise Hostile("hard link to the layer root")
        if target == parts:
            return
        tparent = self._open_dir(target[:-1], create=False)
        try:
            try:
                st = os.lstat(target[-1], dir_fd=tparent)
            except FileNotFoundError:
                raise Hostile(f"hard link target {info.linkname!r} is not in the layer") from None
            if stat.S_ISDIR(st.st_mode):
                raise Hostile(f"hard link to directory {info.linkname!r}")
            self._clear(parent, parts[-1])
            os.link(
                target[-1], parts[-1], src_dir_fd=tparent, dst_dir_fd=parent,
                follow_symlinks=False,
            )
        finally:
            os.close(tparent)

    def _special(self, parent: int, base: str, info: tarfile.TarInfo) -> None:
        self._clear(parent, base)
        mode = info.mode & 0o7777
        if info.isfifo():
            os.mkfifo(base, mode, dir_fd=parent)
        else:
            if not self._privileged:
                return  # only root can make device nodes; rootless engines skip them too
            kind = stat.S_IFCHR if info.ischr() else stat.S_IFBLK
            os.mknod(base, kind | mode, os.makedev(info.devmajor, info.devminor), dir_fd=parent)
        self._chown(parent, base, info)
        # the node was just created by us in a directory only we write: no race to follow
        os.chmod(base, mode, dir_fd=parent)
        os.utime(base, ns=_times(info), dir_fd=parent, follow_symlinks=False)

    # -- metadata ------------------------------------------------------------------------
    def _chown(self, parent: int, base: str, info: tarfile.TarInfo) -> None:
        if self._privileged:
            try:
                os.chown(base, info.uid, info.gid, dir_fd=parent, follow_symlinks=False)
            except OSError as exc:
                raise _unmapped(exc, info) from None

    def _set_attrs(self, fd: int, info: tarfile.TarInfo) -> None:
        if self._privileged:
            try:
                os.fchown(fd, info.uid, info.gid)  # before chmod: chown clears set-id bits
            except OSError as exc:
                raise _unmapped(exc, info) from None
        os.fchmod(fd, info.mode & 0o7777)
        for key, value in info.pax_headers.items():
            if not key.startswith(_PAX_XATTR):
                continue
            name = key[len(_PAX_XATTR) :]
            if not name.startswith(_XATTR_ALLOWED) or name.startswith(_XATTR_DENIED):
                continue
            if name.startswith("trusted.") and not self._privileged:
                continue
            try:
                os.setxattr(fd, name, value.encode("utf-8", "surrogateescape"))
            except OSError as exc:
                if exc.errno not in (errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise

    def finish(self) -> None:
        """Directory mtimes last: every entry created inside a directory bumps its mtime."""
        for parts in sorted(self._dir_times, key=len, reverse=True):
            try:
                fd = self._open_dir(parts, create=False)
            except (Hostile, OSError):
                continue  # replaced by a later member
            try:
                ns = self._dir_times[parts]
                os.utime(fd, ns=(ns, ns))
            finally:
                os.close(fd)


def _mtime_ns(info: tarfile.TarInfo) -> int:
    return int(info.mtime * 1_000_000_000)


def _times(info: tarfile.TarInfo) -> tuple[int, int]:
    ns = _mtime_ns(info)
    return (ns, ns)
