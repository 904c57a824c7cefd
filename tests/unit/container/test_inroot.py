"""Paths of an image resolved inside its root by fd (openat2 RESOLVE_IN_ROOT, or the walk
without it): symlinks never lead out, devices and FIFOs are never read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmforms.container import inroot
from vmforms.container.errors import ContainerError
from vmforms.linux import openat2


@pytest.fixture(params=["openat2", "walk"])
def rootfd(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    if request.param == "walk":
        monkeypatch.setattr(openat2, "_have_openat2", False)
    root = tmp_path / "root"
    root.mkdir()
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY)
    yield fd
    os.close(fd)


def _where(fd: int) -> str:
    try:
        return os.readlink(inroot.fd_path(fd))
    finally:
        os.close(fd)


def test_absolute_and_relative_links_resolve_inside(rootfd: int, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir()
    (root / "abs").symlink_to("/etc")
    (root / "rel").symlink_to("../../../../../../etc")
    assert _where(inroot.open_dir(rootfd, "/abs")) == str(root / "etc")
    assert _where(inroot.open_dir(rootfd, "rel")) == str(root / "etc")
    assert _where(inroot.open_dir(rootfd, "/../../..")) == str(root)
    assert _where(inroot.open_dir(rootfd, "/")) == str(root)
    assert _where(inroot.open_dir(rootfd, "/abs/..")) == str(root)


def test_mkdir_all_makes_missing_link_targets_inside(rootfd: int, tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    (root / "dev").symlink_to(str(outside))  # an absolute host path: inside, it is /tmp/...
    (root / "up").symlink_to("../../../../../.." + str(outside))
    assert _where(inroot.mkdir_all(rootfd, "/dev/pts")) == str(root) + str(outside) + "/pts"
    assert _where(inroot.mkdir_all(rootfd, "/up/shm")) == str(root) + str(outside) + "/shm"
    assert not outside.exists()


def test_mkdir_all_refuses_files_and_loops(rootfd: int, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "file").write_text("x")
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    with pytest.raises(ContainerError, match="not a directory"):
        inroot.mkdir_all(rootfd, "/file/sub")
    with pytest.raises(ContainerError, match="symbolic links"):
        inroot.mkdir_all(rootfd, "/a/x")


def test_open_target_makes_a_file_mount_point_inside(rootfd: int, tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "host-file"
    (root / "etc").symlink_to(str(tmp_path))
    fd = inroot.open_target(rootfd, "/etc/host-file", False)
    assert _where(fd) == str(root) + str(tmp_path) + "/host-file"
    assert not outside.exists()


def test_read_file_is_bounded_and_regular_only(rootfd: int, tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir()
    (root / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    assert inroot.read_file(rootfd, "/etc/passwd", 100) == b"root:x:0:0::/root:/bin/sh\n"
    assert inroot.read_file(rootfd, "/etc/missing", 100) is None
    (root / "big").write_bytes(b"x" * 101)
    with pytest.raises(ContainerError, match="larger than 100 bytes"):
        inroot.read_file(rootfd, "/big", 100)
    os.mkfifo(root / "fifo")  # opening it for reading would block forever
    with pytest.raises(ContainerError, match="not a regular file"):
        inroot.read_file(rootfd, "/fifo", 100)
    (root / "zero").symlink_to("/dev/zero")  # inside the root: a missing file, not the host's
    assert inroot.read_file(rootfd, "/zero", 100) is None
    (root / "loop").symlink_to("loop")
    with pytest.raises(ContainerError, match="symbolic links"):
        inroot.read_file(rootfd, "/loop", 100)
