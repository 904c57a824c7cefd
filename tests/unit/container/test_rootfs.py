"""secure_join: paths inside a container root never resolve outside it; the copy-up of
tmpcopyup mounts; matching /proc/self/cgroup to the cgroup hierarchies."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from vmforms.container.rootfs import secure_join
from vmforms.linux.mount import MS_BIND, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, parse_options


def test_plain_paths(tmp_path: Path) -> None:
    assert secure_join(str(tmp_path), "/etc/passwd") == str(tmp_path / "etc/passwd")
    assert secure_join(str(tmp_path), "a/./b/../c") == str(tmp_path / "a/c")
    assert secure_join(str(tmp_path), "../../..") == str(tmp_path)


def test_absolute_symlink_stays_inside(tmp_path: Path) -> None:
    (tmp_path / "proc").symlink_to("/etc")
    assert secure_join(str(tmp_path), "/proc/x") == str(tmp_path / "etc/x")


def test_relative_symlink_cannot_climb_out(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d/up").symlink_to("../../../../../../root")
    assert secure_join(str(tmp_path), "/d/up/.ssh") == str(tmp_path / "root/.ssh")


def test_symlink_loop_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    try:
        secure_join(str(tmp_path), "/a/x")
    except OSError as exc:
        assert "too many symbolic links" in str(exc)
    else:
        raise AssertionError("a symlink loop resolved")
    assert os.path.islink(tmp_path / "a")


def test_mount_options_split() -> None:
    flags, prop, data = parse_options(["rbind", "ro", "nosuid", "rprivate", "mode=755"])
    assert flags == MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID
    assert prop == MS_PRIVATE | MS_REC
    assert data == "mode=755"
    flags, _, _ = parse_options(["ro", "rw"])
    assert flags == 0


def test_copy_tree_keeps_links_modes_and_nesting(tmp_path: Path) -> None:
    from vmforms.container.rootfs import _copy_tree

    src = tmp_path / "src"
    (src / "sub" / "deeper").mkdir(parents=True)
    (src / "file").write_text("data")
    (src / "file").chmod(0o640)
    (src / "sub" / "deeper" / "x").write_text("nested")
    (src / "link").symlink_to("/etc/passwd")  # copied as a link, never followed
    dst = tmp_path / "dst"
    dst.mkdir()
    fd = os.open(src, os.O_RDONLY | os.O_DIRECTORY)
    dfd = os.open(dst, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _copy_tree(fd, dfd)
    finally:
        os.close(fd)
        os.close(dfd)
    assert (dst / "file").read_text() == "data"
    assert stat.S_IMODE((dst / "file").stat().st_mode) == 0o640
    assert (dst / "sub" / "deeper" / "x").read_text() == "nested"
    assert os.readlink(dst / "link") == "/etc/passwd"


def test_own_cgroup_paths_match_hierarchies() -> None:
    from vmforms.container.rootfs import _own_path

    own = [({"cpu", "cpuacct"}, "/a/b"), ({"memory"}, "/m"), ({"name=systemd"}, "/s"),
           (set(), "/unified")]
    assert _own_path(own, {"cpu", "cpuacct"}) == "/a/b"
    assert _own_path(own, {"memory", "rw"}) == "/m"
    assert _own_path(own, {"xattr", "name=systemd"}) == "/s"
    assert _own_path(own, set()) == "/unified"
    assert _own_path(own, {"pids"}) is None
