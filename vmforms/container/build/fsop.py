"""COPY, ADD and WORKDIR of a build: files written into the image's root as a child
process sees it, with the overlay of the image's layers (and of a `--from` source)
mounted in a mount namespace of its own, so the mounts go with the child whatever
happens, and the changes land in an upper directory that becomes the step's layer.

Every path of the image is resolved inside its root (inroot.py); sources are reached
through context.open_path, which refuses to leave their root.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vmforms.container import inroot
from vmforms.container.build.context import Ignore, Source, open_path, walk
from vmforms.container.build.modes import Chmod
from vmforms.container.errors import ContainerError

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


@dataclass(frozen=True, slots=True)
class CopySpec:
    sources: tuple[Source, ...]
    dest: str  # absolute, in the image
    dest_is_dir: bool
    owner: tuple[int, int] | None  # --chown, resolved
    mode: Chmod | None  # --chmod, octal or symbolic
    keep_owner: bool  # files from an image keep theirs; the context's become 0:0
    unpack: bool = False  # ADD: a local tar archive is unpacked at the destination
    devices: bool = True  # device nodes and FIFOs made (with keep_owner), or refused


def run_in_overlay(lowers: list[str], upper: Path, work: Path, merged: Path,
                   action: Callable[[int, int | None], None],
                   source_lowers: list[str] | None = None, source_dir: Path | None = None,
                   empty: Path | None = None) -> None:
    """Mount the overlay in a child's own mount namespace and run `action(root_fd,
    source_fd)` there; an error in the child comes back as one ContainerError."""
    from vmforms.container.rootfs import lower_option
    from vmforms.linux import mount as m
    from vmforms.linux.process import CLONE_NEWNS, unshare

    r, w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        code = 1
        try:
            os.close(r)
            unshare(CLONE_NEWNS)
            m.mount(None, "/", None, m.MS_REC | m.MS_PRIVATE)
            low = list(lowers) or [str(empty)]
            m.mount("overlay", str(merged), "overlay", 0,
                    f"lowerdir={lower_option(low)},upperdir={upper},workdir={work}")
            src_fd = None
            if source_dir is not None:
                src = lower_option(list(source_lowers or []) or [str(empty)])
                if ":" in src:
                    m.mount("overlay", str(source_dir), "overlay", m.MS_RDONLY,
                            f"lowerdir={src}")
                    src_fd = os.open(source_dir, _DIR)
                else:  # an overlay without an upper needs two lowers: one gets a tmpfs upper
                    m.mount("tmpfs", str(source_dir), "tmpfs", 0, "mode=0700")
                    for d in ("u", "w", "m"):
                        os.mkdir(source_dir / d, 0o700)
                    m.mount("overlay", str(source_dir / "m"), "overlay", 0,
                            f"lowerdir={src},upperdir={source_dir / 'u'},"
                            f"workdir={source_dir / 'w'}")
                    src_fd = os.open(source_dir / "m", _DIR)
            root_fd = os.open(merged, _DIR)
            action(root_fd, src_fd)
            code = 0
        except ContainerError as exc:
            os.write(w, str(exc).encode()[:4000])
        except OSError as exc:
            os.write(w, f"{exc.strerror or exc}{': ' + exc.filename if exc.filename else ''}"
                     .encode()[:4000])
        except BaseException as exc:
            os.write(w, f"{type(exc).__name__}: {exc}".encode()[:4000])
        finally:
            os._exit(code)
    os.close(w)
    try:
        message = b""
        while chunk := os.read(r, 4096):
            message += chunk
    finally:
        os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise ContainerError(message.decode(errors="replace") or "build step failed")


def _dir_fd(root_fd: int, path: str) -> int:
    pfd = inroot.mkdir_all(root_fd, path)
    try:
        return os.open(inroot.fd_path(pfd), _DIR)
    finally:
        os.close(pfd)


def _remove(dfd: int, name: str) -> None:
    try:
        st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        child = os.open(name, _DIR | os.O_NOFOLLOW, dir_fd=dfd)
        try:
            for sub in os.listdir(child):
                _remove(child, sub)
        finally:
            os.close(child)
        os.rmdir(name, dir_fd=dfd)
    else:
        os.unlink(name, dir_fd=dfd)


def _attrs(dfd: int, name: str, st: os.stat_result, spec: CopySpec) -> None:
    uid, gid = spec.owner if spec.owner else (
        (st.st_uid, st.st_gid) if spec.keep_owner else (0, 0))
    os.chown(name, uid, gid, dir_fd=dfd, follow_symlinks=False)
    if not stat.S_ISLNK(st.st_mode):
        mode = (spec.mode.apply(st.st_mode, stat.S_ISDIR(st.st_mode)) if spec.mode is not None
                else stat.S_IMODE(st.st_mode))
        os.chmod(name, mode, dir_fd=dfd)
    os.utime(name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=dfd, follow_symlinks=False)


def _copy_entry(src_dfd: int, src_name: str, st: os.stat_result, dst_dfd: int, name: str,
                spec: CopySpec) -> None:
    """One entry: a file's bytes, a directory (made, not filled), a link as a link."""
    try:
        existing = os.stat(name, dir_fd=dst_dfd, follow_symlinks=False)
    except FileNotFoundError:
        existing = None
    if stat.S_ISDIR(st.st_mode):
        if existing is not None and not stat.S_ISDIR(existing.st_mode):
            _remove(dst_dfd, name)
            existing = None
        if existing is None:
            os.mkdir(name, 0o755, dir_fd=dst_dfd)
    elif stat.S_ISREG(st.st_mode):
        if existing is not None:
            _remove(dst_dfd, name)
        fd_in = os.open(src_name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                        dir_fd=src_dfd)
        try:
            fd_out = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                             | os.O_CLOEXEC, 0o600, dir_fd=dst_dfd)
            try:
                while os.sendfile(fd_out, fd_in, None, 1 << 24) > 0:
                    pass
            finally:
                os.close(fd_out)
        finally:
            os.close(fd_in)
    elif stat.S_ISLNK(st.st_mode):
        if existing is not None:
            _remove(dst_dfd, name)
        os.symlink(os.readlink(src_name, dir_fd=src_dfd), name, dir_fd=dst_dfd)
    elif spec.keep_owner and spec.devices and (stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                              or stat.S_ISFIFO(st.st_mode)):
        if existing is not None:
            _remove(dst_dfd, name)
        os.mknod(name, st.st_mode, st.st_rdev, dir_fd=dst_dfd)
    else:
        raise ContainerError(f"COPY failed: {src_name}: not a regular file, directory or "
                             "symbolic link")
    _attrs(dst_dfd, name, st, spec)


def _copy_tree(src_root: int, rel: str, dst_dfd: int, spec: CopySpec,
               ignore: Ignore | None) -> None:
    """The contents of the directory `rel` into the open directory `dst_dfd`."""
    dirs = {"": os.dup(dst_dfd)}
    srcs: dict[str, int] = {}
    try:
        pfd = open_path(src_root, rel)
        try:
            srcs[""] = os.open(inroot.fd_path(pfd), _DIR)
        finally:
            os.close(pfd)
        for sub, st in walk(src_root, rel, ignore):
            parent, _, base = sub.rpartition("/")
            _copy_entry(srcs[parent], base, st, dirs[parent], base, spec)
            if stat.S_ISDIR(st.st_mode):
                dirs[sub] = os.open(base, _DIR | os.O_NOFOLLOW, dir_fd=dirs[parent])
                srcs[sub] = os.open(base, _DIR | os.O_NOFOLLOW, dir_fd=srcs[parent])
    finally:
        for fd in (*dirs.values(), *srcs.values()):
            os.close(fd)


def _exists(root_fd: int, path: str) -> bool:
    try:
        os.close(inroot.open_dir(root_fd, path))
    except OSError:
        return False
    return True


def _is_archive(src_root: int, rel: str) -> bool:
    pfd = open_path(src_root, rel)
    try:
        if not stat.S_ISREG(os.fstat(pfd).st_mode):
            return False
        fd = os.open(inroot.fd_path(pfd), os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    finally:
        os.close(pfd)
    try:
        head = os.pread(fd, 512, 0)
    finally:
        os.close(fd)
    return head[:2] == b"\x1f\x8b" or head[257:262] == b"ustar"


def copy(root_fd: int, src_root: int, spec: CopySpec, ignore: Ignore | None,
         scratch: Path) -> None:
    """A COPY or ADD into the root open on `root_fd`, from the tree open on `src_root`."""
    for src in spec.sources:
        if spec.unpack and not src.is_dir and _is_archive(src_root, src.rel):
            _add_archive(root_fd, src_root, src.rel, spec, scratch)
            continue
        pfd = open_path(src_root, src.rel)
        try:
            st = os.fstat(pfd)
        finally:
            os.close(pfd)
        if src.is_dir:
            existed = _exists(root_fd, spec.dest)
            dst = _dir_fd(root_fd, spec.dest)
            try:
                if not existed and spec.owner is not None:
                    os.fchown(dst, *spec.owner)  # a destination made for it is the owner's
                _copy_tree(src_root, src.rel, dst, spec, ignore)
            finally:
                os.close(dst)
            continue
        dest = spec.dest
        if not spec.dest_is_dir:
            try:
                probe = inroot.open_dir(root_fd, dest)
                os.close(probe)
                is_dir = True
            except OSError:
                is_dir = False
        else:
            is_dir = True
        parent, name = (dest, src.name) if is_dir else inroot.split(dest)
        dst = _dir_fd(root_fd, parent)
        try:
            sparent, _, sbase = src.rel.rpartition("/")
            spfd = open_path(src_root, sparent)
            try:
                sdir = os.open(inroot.fd_path(spfd), _DIR)
            finally:
                os.close(spfd)
            try:
                _copy_entry(sdir, sbase, st, dst, name, spec)
            finally:
                os.close(sdir)
        finally:
            os.close(dst)


def _add_archive(root_fd: int, src_root: int, rel: str, spec: CopySpec, scratch: Path) -> None:
    """ADD of a local tar: unpacked by the image unpacker (members that would escape are
    refused), then copied in, keeping the archive's owners and modes."""
    from dataclasses import replace

    from vmforms.container.image.unpack import unpack_layer

    pfd = open_path(src_root, rel)
    try:
        fd = os.open(inroot.fd_path(pfd), os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(pfd)
    target = scratch / f"add-{os.getpid()}"
    with os.fdopen(fd, "rb") as f:
        unpack_layer(f, target, tarball=rel)
    try:
        tfd = os.open(target, _DIR)
        dst = _dir_fd(root_fd, spec.dest)
        try:
            _copy_tree(tfd, "", dst, replace(spec, keep_owner=True, mode=None), None)
        finally:
            os.close(dst)
            os.close(tfd)
    finally:
        import shutil

        shutil.rmtree(target, ignore_errors=True)


def make_dir(root_fd: int, path: str, owner: tuple[int, int] | None) -> None:
    """WORKDIR: the directory is made if missing (owned by the USER in effect, as
    BuildKit does)."""
    try:
        os.close(inroot.open_dir(root_fd, path))
        return
    except OSError:
        pass
    fd = _dir_fd(root_fd, path)
    try:
        if owner is not None:
            os.chown(inroot.fd_path(fd), *owner)
    finally:
        os.close(fd)
