"""Layer unpacking: OCI changesets into overlayfs lower dirs, and hostile tarballs."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from vmforms.container.errors import ImageError
from vmforms.container.image.store import ImageStore
from vmforms.container.image.unpack import OVERLAY_OPAQUE_XATTR, unpack_layer

from .conftest import TarBuilder, needs_root, store_contents


def unpack(builder: TarBuilder, dest: Path, name: str = "layer.tar") -> Path:
    src = dest.parent / name
    builder.write(src)
    with open(src, "rb") as raw:
        unpack_layer(raw, dest, tarball=str(src))
    return dest


@needs_root
def test_members_keep_type_mode_owner_mtime_and_xattrs(tmp_path: Path) -> None:
    xattrs = {"SCHILY.xattr.user.note": "hello", "SCHILY.xattr.trusted.overlay.redirect": "/x"}
    b = (
        TarBuilder()
        .dir("etc", 0o750, uid=5, gid=6)
        .file("etc/conf", b"data", 0o4755, uid=1000, gid=1001, pax_headers=xattrs)
        .symlink("etc/link", "/etc/conf")
        .hardlink("etc/hard", "etc/conf")
        .device("dev/null", tarfile.CHRTYPE, 1, 3)
        .device("dev/sda", tarfile.BLKTYPE, 8, 0, 0o660)
        .device("run/fifo", tarfile.FIFOTYPE, 0, 0, 0o600)
        .file("./deep/er/file", b"x")  # parents created, "./" prefix accepted
    )
    root = unpack(b, tmp_path / "layer")
    conf = os.lstat(root / "etc/conf")
    assert (root / "etc/conf").read_bytes() == b"data"
    assert stat.S_IMODE(conf.st_mode) == 0o4755  # set-uid survives chown
    assert (conf.st_uid, conf.st_gid) == (1000, 1001)
    assert conf.st_mtime == 1_600_000_000
    assert os.getxattr(root / "etc/conf", "user.note") == b"hello"
    assert "trusted.overlay.redirect" not in os.listxattr(root / "etc/conf")
    etc = os.lstat(root / "etc")
    assert stat.S_IMODE(etc.st_mode) == 0o750 and (etc.st_uid, etc.st_gid) == (5, 6)
    assert etc.st_mtime == 1_600_000_000  # set after its children were written
    assert os.readlink(root / "etc/link") == "/etc/conf"
    assert os.lstat(root / "etc/hard").st_ino == conf.st_ino
    null = os.lstat(root / "dev/null")
    assert stat.S_ISCHR(null.st_mode) and null.st_rdev == os.makedev(1, 3)
    assert stat.S_ISBLK(os.lstat(root / "dev/sda").st_mode)
    assert stat.S_ISFIFO(os.lstat(root / "run/fifo").st_mode)
    assert (root / "deep/er/file").read_bytes() == b"x"


@needs_root
def test_whiteouts_become_overlayfs_whiteouts(tmp_path: Path) -> None:
    b = (
        TarBuilder()
        .dir("etc")
        .file("etc/.wh.passwd")
        .dir("var/cache")
        .file("var/cache/.wh..wh..opq")
        .file("var/cache/new", b"n")
        .file("opt/.wh..wh.plnk")  # aufs bookkeeping: ignored
    )
    root = unpack(b, tmp_path / "layer")
    wh = os.lstat(root / "etc/passwd")
    assert stat.S_ISCHR(wh.st_mode) and wh.st_rdev == os.makedev(0, 0)
    assert os.getxattr(root / "var/cache", OVERLAY_OPAQUE_XATTR) == b"y"
    assert sorted(os.listdir(root / "var/cache")) == ["new"]
    assert os.listdir(root / "opt") == []
    assert not any(name.startswith(".wh.") for _, _, names in os.walk(root) for name in names)


@needs_root
@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare(1)")
def test_overlayfs_honours_unpacked_whiteouts(tmp_path: Path) -> None:
    lower = unpack(
        TarBuilder().file("etc/passwd", b"p").file("etc/keep", b"k")
        .file("var/cache/old", b"o"),
        tmp_path / "lower", "lower.tar",
    )
    upper = unpack(
        TarBuilder().file("etc/.wh.passwd").file("var/cache/.wh..wh..opq")
        .file("var/cache/new", b"n"),
        tmp_path / "upper", "upper.tar",
    )
    merged = tmp_path / "merged"
    merged.mkdir()
    # a private mount namespace: the mount dies with the shell, nothing can leak
    script = (
        f"mount -t overlay overlay -o lowerdir={upper}:{lower} {merged} && "
        f"ls -A {merged}/etc && echo -- && ls -A {merged}/var/cache"
    )
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
        capture_output=True, text=True,
    )
    if done.returncode != 0 and "unknown filesystem type" in done.stderr:
        pytest.skip("the kernel has no overlayfs")
    assert done.returncode == 0, done.stderr
    etc, cache = done.stdout.split("--\n")
    assert etc.split() == ["keep"]
    assert cache.split() == ["new"]


def test_later_members_replace_earlier_ones(tmp_path: Path) -> None:
    b = (
        TarBuilder()
        .symlink("a", "/etc")
        .file("a", b"file now")  # replaces the symlink, does not write through it
        .dir("d").file("d/x")
        .file("d", b"file over dir")
    )
    root = unpack(b, tmp_path / "layer")
    assert not os.path.islink(root / "a") and (root / "a").read_bytes() == b"file now"
    assert (root / "d").read_bytes() == b"file over dir"


def test_gzip_layer_digests(tmp_path: Path) -> None:
    import hashlib

    b = TarBuilder().file("f", b"hello")
    src = b.write(tmp_path / "l.tar.gz", compress=True)
    with open(src, "rb") as raw:
        layer = unpack_layer(raw, tmp_path / "layer", tarball=str(src))
    assert layer.digest == "sha256:" + hashlib.sha256(src.read_bytes()).hexdigest()
    assert layer.diff_id == "sha256:" + hashlib.sha256(b.tar_bytes()).hexdigest()
    assert layer.media_type.endswith("tar+gzip")
    assert layer.size == src.stat().st_size


def hostile(case: str, out: Path) -> tuple[TarBuilder, str]:
    """A hostile layer and the member that must be named; `out` is a directory outside."""
    up = "../" * 12 + str(out).lstrip("/")
    cases: dict[str, tuple[TarBuilder, str]] = {
        "dotdot": (TarBuilder().file("ok").file("../escape", b"x"), "../escape"),
        "dotdot-inside": (TarBuilder().dir("a").file("a/../../escape", b"x"), "a/../../escape"),
        "absolute": (TarBuilder().file(f"{out}/abs", b"x"), f"{out}/abs"),
        "symlink-escape": (
            TarBuilder().symlink("evil", str(out)).file("evil/planted", b"x"), "evil/planted"
        ),
        "symlink-parent-deep": (
            TarBuilder().dir("a").symlink("a/b", str(out)).dir("a/b/c").file("a/b/c/f"), "a/b/c"
        ),
        "symlink-relative-escape": (TarBuilder().symlink("up", up).file("up/f", b"x"), "up/f"),
        "symlink-inside-then-through": (
            TarBuilder().dir("real").symlink("alias", "real").file("alias/f", b"x"), "alias/f"
        ),
        "symlink-whiteout": (
            TarBuilder().symlink("evil", str(out)).file("evil/.wh.victim"), "evil/.wh.victim"
        ),
        "symlink-opaque": (
            TarBuilder().symlink("evil", str(out)).file("evil/.wh..wh..opq"), "evil/.wh..wh..opq"
        ),
        "hardlink-outside": (TarBuilder().hardlink("pw", "../../../etc/passwd"), "pw"),
        "hardlink-absolute": (TarBuilder().hardlink("pw", f"{out}/victim"), "pw"),
        "hardlink-through-symlink": (
            TarBuilder().symlink("evil", str(out)).hardlink("pw", "evil/victim"), "pw"
        ),
        "hardlink-missing": (TarBuilder().hardlink("pw", "nothing/here"), "pw"),
        "whiteout-dotdot": (TarBuilder().dir("a").file("a/.wh.."), "a/.wh.."),
    }
    return cases[case]


HOSTILE_CASES = [
    "dotdot", "dotdot-inside", "absolute", "symlink-escape", "symlink-parent-deep",
    "symlink-relative-escape", "symlink-inside-then-through", "symlink-whiteout",
    "symlink-opaque", "hardlink-outside", "hardlink-absolute", "hardlink-through-symlink",
    "hardlink-missing", "whiteout-dotdot",
]


@needs_root
@pytest.mark.parametrize("case", HOSTILE_CASES)
def test_hostile_tarball_is_rejected_and_leaves_nothing(
    case: str, store: ImageStore, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "victim").write_bytes(b"precious")
    builder, member = hostile(case, outside)
    # good members first, so the failure happens half-way through the layer
    builder.members[:0] = TarBuilder().dir("usr").file("usr/ok", b"fine").members
    tarball = builder.write(tmp_path / f"{case}.tar")
    before = store_contents(store)
    with pytest.raises(ImageError) as err:
        store.import_rootfs(tarball, f"hostile-{case}")
    message = str(err.value)
    assert str(tarball) in message and repr(member) in message, message
    assert store_contents(store) == before  # no blob, no layer dir, no work in progress
    assert sorted(os.listdir(outside)) == ["victim"]
    assert (outside / "victim").read_bytes() == b"precious"
    assert os.lstat(outside / "victim").st_nlink == 1
    assert not os.path.lexists(tmp_path / "escape")
    assert not os.path.lexists(store.root / "escape")
    assert store.list() == []


def test_not_a_tarball_is_rejected(store: ImageStore, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x1f\x8b this is not gzip at all" * 40)
    with pytest.raises(ImageError, match="junk.tar"):
        store.import_rootfs(junk, "junk")
    assert store_contents(store)["layers"] == []
    truncated = tmp_path / "cut.tar"
    truncated.write_bytes(TarBuilder().file("big", b"x" * 5000).tar_bytes()[:1500])
    with pytest.raises(ImageError, match="cut.tar"):
        store.import_rootfs(truncated, "cut")
    assert store_contents(store) == {"blobs/sha256": [], "layers": [], "tmp": []}


def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        root = unpack(TarBuilder().file("implied/parent/f", b"x", 0o644), tmp_path / "layer")
    finally:
        os.umask(old)
    for path in (root, root / "implied", root / "implied/parent"):
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o755, path
    assert stat.S_IMODE(os.lstat(root / "implied/parent/f").st_mode) == 0o644


def test_impossible_metadata_is_an_image_error(store: ImageStore, tmp_path: Path) -> None:
    b = TarBuilder().file("ok").file("bad-time")
    b.members[-1][0].mtime = 10**30  # beyond what utimensat takes
    tarball = b.write(tmp_path / "time.tar")
    with pytest.raises(ImageError, match="'bad-time'"):
        store.import_rootfs(tarball, "time")
    assert store_contents(store) == {"blobs/sha256": [], "layers": [], "tmp": []}



@pytest.mark.parametrize("fmt", ["gnu", "pax"])
def test_sparse_members_are_refused(tmp_path: Path, fmt: str) -> None:
    """A 4 GiB hole in a few KB of tar (GNU tar -S makes it): written out, it filled the
    disk with zeros. Refused, as podman refuses it."""
    tar = shutil.which("tar")
    if tar is None:
        pytest.skip("GNU tar is not installed")
    src = tmp_path / "src"
    src.mkdir()
    with open(src / "hole", "wb") as f:
        f.truncate(4 << 30)
        f.write(b"end")
    layer = tmp_path / "sparse.tar"
    subprocess.run([tar, "-c", "-S", f"--format={fmt}", "-f", str(layer), "-C", str(src),
                    "hole"], check=True)
    assert layer.stat().st_size < 64 << 10
    with open(layer, "rb") as raw, pytest.raises(ImageError, match="sparse files"):
        unpack_layer(raw, tmp_path / "out", tarball=str(layer))
    assert not (tmp_path / "out").exists()


def test_gzip_bomb_stops_at_the_layer_limit(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip
    import io

    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz, \
            tarfile.open(fileobj=gz, mode="w|") as tar:
        info = tarfile.TarInfo("zeros")
        info.size = 64 << 20
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    assert len(buf.getvalue()) < 128 << 10  # a few KB that expand 64 MiB
    monkeypatch.setenv("VMFORMS_MAX_LAYER_SIZE", "16m")
    buf.seek(0)
    with pytest.raises(ImageError, match=r"larger than 16 MiB uncompressed.*VMFORMS_MAX_LAYER"):
        unpack_layer(buf, tmp_path / "out", tarball="bomb.tar.gz")
    assert not (tmp_path / "out").exists()
    monkeypatch.setenv("VMFORMS_MAX_LAYER_SIZE", "lots")
    buf.seek(0)
    with pytest.raises(ImageError, match="VMFORMS_MAX_LAYER_SIZE"):
        unpack_layer(buf, tmp_path / "out", tarball="bomb.tar.gz")
