"""`cp` between a container and the host, both ways, running or stopped (Docker's
rules for what lands where). A running container's root is reached through
/proc/PID/root; a stopped one's overlay is mounted in a child's own mount namespace.
Paths in the container are resolved inside its root (inroot.py), and nothing is
followed out of it; device nodes are never copied out to the host."""

from __future__ import annotations

import os
import posixpath
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from vmforms.container import inroot
from vmforms.container import state as st
from vmforms.container.build.fsop import CopySpec, _copy_entry, _copy_tree, run_in_overlay
from vmforms.container.errors import ContainerError, ContainerNotFound, InvalidOption

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


def split_arg(text: str) -> tuple[str | None, str]:
    """`CONTAINER:PATH` or a local path (one starting with / or . is always local)."""
    if text.startswith(("/", ".")) or ":" not in text:
        return None, text
    name, _, path = text.partition(":")
    return name, path


def in_root(c: st.Container, action: Callable[[int], None]) -> None:
    if c.running:
        fd = os.open(f"/proc/{int(c.state['Pid'])}/root", _DIR)
        try:
            action(fd)
        finally:
            os.close(fd)
        return
    empty = Path(tempfile.mkdtemp(prefix=".cp-", dir=c.path))
    try:
        with c.lock():
            run_in_overlay(list(c.record["Layers"]), c.path / "upper", c.path / "work",
                           c.path / "merged", lambda root, _src: action(root), empty=empty)
    finally:
        os.rmdir(empty)


def _dir_in_root(root: int, path: str) -> int | None:
    try:
        pfd = inroot.open_dir(root, path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ContainerError(f"Could not find the file {path} in container: "
                             f"{exc.strerror}") from None
    try:
        return os.open(inroot.fd_path(pfd), _DIR)
    finally:
        os.close(pfd)


def _host_dir(path: str) -> int | None:
    try:
        return os.open(path or ".", _DIR)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _copy(src_dfd: int, name: str, dst_dfd: int, new_name: str, contents: bool,
          spec: CopySpec, what: str) -> None:
    try:
        st_ = os.stat(name, dir_fd=src_dfd, follow_symlinks=False)
    except FileNotFoundError:
        raise ContainerError(f"Could not find the file {what}") from None
    if stat.S_ISDIR(st_.st_mode):
        if not contents:
            _copy_entry(src_dfd, name, st_, dst_dfd, new_name, spec)
            into = os.open(new_name, _DIR | os.O_NOFOLLOW, dir_fd=dst_dfd)
        else:
            into = os.dup(dst_dfd)
        try:
            _copy_tree(src_dfd, name, into, spec, None)
        finally:
            os.close(into)
        return
    _copy_entry(src_dfd, name, st_, dst_dfd, new_name, spec)


def _target(exists_dir: Callable[[str], int | None], dest: str, src_name: str,
            src_is_dir: bool, contents: bool) -> tuple[int, str, bool]:
    """Where a copy lands: (directory fd, name in it, copy a directory's contents)."""
    fd = exists_dir(dest)
    if fd is not None:
        if src_is_dir and contents:
            return fd, "", True
        return fd, src_name, False
    if dest.endswith("/") and not src_is_dir:
        raise ContainerError(f"no such directory: {dest}")
    parent, base = posixpath.split(dest.rstrip("/"))
    fd = exists_dir(parent or ("/" if dest.startswith("/") else "."))
    if fd is None:
        raise ContainerError(f"no such directory: {parent}")
    return fd, base, False


def copy(src: str, dst: str, *, archive: bool = False) -> None:
    src_c, src_path = split_arg(src)
    dst_c, dst_path = split_arg(dst)
    if (src_c is None) == (dst_c is None):
        raise InvalidOption("copying between containers is not supported" if src_c else
                            "must specify at least one container source")
    if not (src_path if src_c else dst_path):
        raise InvalidOption("the container path must not be empty")
    if dst == "-" and src_c is not None:
        _tar_out(_find(src_c), src_path, archive)
        return
    if src == "-" and dst_c is not None:
        _tar_in(_find(dst_c), dst_path)
        return
    if "-" in (src, dst):
        raise InvalidOption("cp: '-' (a tar stream) goes with a container path on the other "
                            "side")
    contents = src_path.endswith("/.")
    src_clean = src_path[:-2] if contents else src_path.rstrip("/") or "/"
    spec = CopySpec((), "", False, None, None, keep_owner=archive, devices=dst_c is not None)
    if dst_c is not None:  # host -> container
        c = _find(dst_c)
        parent, base = os.path.split(os.path.abspath(src_clean))
        try:
            src_st = os.lstat(src_clean)
        except FileNotFoundError:
            raise ContainerError(f'Could not find the file {src_path}: lstat '
                                 f'{src_clean}: no such file or directory') from None
        src_dfd = os.open(parent, _DIR)

        def put(root: int) -> None:
            dfd, name, into = _target(lambda p: _dir_in_root(root, p), dst_path, base,
                                      stat.S_ISDIR(src_st.st_mode), contents)
            try:
                _copy(src_dfd, base, dfd, name, into or contents and not name, spec,
                      src_path)
            finally:
                os.close(dfd)

        try:
            in_root(c, put)
        finally:
            os.close(src_dfd)
        return
    assert src_c is not None
    c = _find(src_c)

    def get(root: int) -> None:
        parent, base = posixpath.split(posixpath.normpath("/" + src_clean))
        src_dfd = _dir_in_root(root, parent)
        if src_dfd is None or not base:
            raise ContainerError(f"Could not find the file {src_path} in container {src_c}")
        try:
            try:
                src_st = os.stat(base, dir_fd=src_dfd, follow_symlinks=False)
            except FileNotFoundError:
                raise ContainerError(f"Could not find the file {src_path} in container "
                                     f"{src_c}") from None
            dfd, name, into = _target(_host_dir, dst_path, base,
                                      stat.S_ISDIR(src_st.st_mode), contents)
            try:
                _copy(src_dfd, base, dfd, name, into or contents and not name, spec, src_path)
            finally:
                os.close(dfd)
        finally:
            os.close(src_dfd)

    in_root(c, get)


def _find(name: str) -> st.Container:
    try:
        return st.find(name)
    except ContainerNotFound:
        raise ContainerNotFound(f"No such container: {name}") from None


def _tar_out(c: st.Container, path: str, archive: bool) -> None:
    """`cp CONTAINER:PATH -`: a tar of PATH (named by its last component) on stdout."""
    import sys
    import tarfile

    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout.flush()

    def put(root: int) -> None:
        parent, base = posixpath.split(posixpath.normpath("/" + path))
        dfd = _dir_in_root(root, parent)
        if dfd is None or not base:
            raise ContainerError(f"Could not find the file {path} in container {c.name}")
        try:
            info = os.stat(base, dir_fd=dfd, follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                inner = os.open(base, _DIR | os.O_NOFOLLOW, dir_fd=dfd)
                try:
                    _tar_dir(inner, base, out)
                finally:
                    os.close(inner)
                return
            with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                member = tarfile.TarInfo(base)
                member.mode, member.mtime = stat.S_IMODE(info.st_mode), int(info.st_mtime)
                member.uid, member.gid = info.st_uid, info.st_gid
                if stat.S_ISLNK(info.st_mode):
                    member.type, member.linkname = tarfile.SYMTYPE, os.readlink(base, dir_fd=dfd)
                    tar.addfile(member)
                elif stat.S_ISREG(info.st_mode):
                    member.size = info.st_size
                    fd = os.open(base, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dfd)
                    with os.fdopen(fd, "rb") as f:
                        tar.addfile(member, f)
                else:
                    raise ContainerError(f"cp: {path} is not a file, directory or link")
        finally:
            os.close(dfd)
            out.flush()

    try:
        in_root(c, put)
    finally:
        out.close()


def _tar_dir(dfd: int, name: str, out: object) -> None:
    """A directory as a tar whose members start with `name/`."""
    import io
    import tarfile
    from typing import cast

    from vmforms.container.build.layer import write_diff

    buf = io.BytesIO()
    write_diff(f"/proc/self/fd/{dfd}/.", buf, skip_placeholders=False)
    buf.seek(0)
    sink = cast("io.BufferedWriter", out)
    with tarfile.open(fileobj=buf, mode="r|") as src, \
            tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as dst:
        top = tarfile.TarInfo(name)
        top.type, top.mode = tarfile.DIRTYPE, 0o755
        dst.addfile(top)
        for member in src:
            data = src.extractfile(member) if member.isreg() else None
            member.name = f"{name}/{member.name}"
            dst.addfile(member, data)


def _tar_in(c: st.Container, path: str) -> None:
    """`cp - CONTAINER:DIR`: a tar on stdin unpacked into DIR by the image unpacker
    (members escaping it refused), owners kept."""
    import shutil
    import sys

    from vmforms.container.image.unpack import unpack_layer

    scratch = Path(tempfile.mkdtemp(prefix=".cp-in-", dir=c.path))
    target = scratch / "tree"
    try:
        unpack_layer(sys.stdin.buffer, target, tarball="standard input")
        spec = CopySpec((), "", True, None, None, keep_owner=True)

        def put(root: int) -> None:
            dst = _dir_in_root(root, path)
            if dst is None:
                raise ContainerError(f"no such directory: {path}")
            src = os.open(target, _DIR)
            try:
                _copy_tree(src, "", dst, spec, None)
            finally:
                os.close(src)
                os.close(dst)

        in_root(c, put)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
