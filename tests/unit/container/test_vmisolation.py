"""The container-in-VM pieces that need no VM: the description the agent sources (run
through a real shell), the console protocol, the guest's RAM and the refused options."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.runconfig import RunOptions
from vmforms.container.vmisolation import check_vm_options
from vmforms.container.vmisolation.agent import BASE_MARK, READY_MARK, description
from vmforms.container.vmisolation.disk import layers_disk
from vmforms.container.vmisolation.launch import ConsoleSession, guest_ram
from vmforms.hypervisor.boot.initramfs import GUEST_BEGIN, GuestOutput, exit_mark, new_key

KEY = "0123456789abcdef" * 2
HOSTILE = ["it's", "$(touch /nonexistent/x)", "a\nb", "`id`", '"$1"', "-x"]


def _decode(text: str) -> list[str]:
    body, _, end = text.rstrip("\n").rpartition("\n")
    assert end == "."
    assert all(len(line) <= 76 for line in body.splitlines())
    raw = base64.b64decode(body).decode()
    assert raw.endswith("\0")
    return raw[:-1].split("\0")


def test_description_fields() -> None:
    text = description(key=KEY, layers=2, hostname="h'x", args=["printf", "%s|", *HOSTILE],
                       env=["A=1 2", "B=$(id)"], cwd="/w d", uid=5, gid=6, groups=[7, 8],
                       memory=1 << 25, pids=None, tty=False, stdin=True)
    assert _decode(text) == ["vmforms-container-2", KEY, "2", "33554432", "-", "0", "1", "h'x",
                             "/w d", "5", "6", "7,8", "2", "A=1 2", "B=$(id)", "printf",
                             "%s|", *HOSTILE]


def test_description_refuses_nul_and_excess() -> None:
    common = {"key": KEY, "layers": 1, "hostname": "h", "env": [], "cwd": "/", "uid": 0, "gid": 0,
              "groups": [], "memory": None, "pids": None, "tty": False, "stdin": False}
    with pytest.raises(ContainerError):
        description(args=["a\0b"], **common)  # type: ignore[arg-type]
    with pytest.raises(ContainerError):
        description(args=["x"] * 5000, **common)  # type: ignore[arg-type]
    with pytest.raises(ContainerError):  # the key goes into the agent's exit mark
        description(args=["x"], **{**common, "key": "%s;exit=0\x07"})  # type: ignore[arg-type]


def test_description_needs_a_command() -> None:
    with pytest.raises(ContainerError):
        description(key=KEY, layers=1, hostname="h", args=[], env=[], cwd="/", uid=0, gid=0,
                    groups=[], memory=None, pids=None, tty=False, stdin=False)


class FakeUart:
    def __init__(self) -> None:
        self.got = bytearray()

    @property
    def rx_pending(self) -> int:
        return 0

    def receive(self, data: bytes) -> None:
        self.got += data


def test_console_session_waits_for_the_marks() -> None:
    session = ConsoleSession(b"DESC\n")
    uart = FakeUart()
    session.pump(uart)
    assert uart.got == b""  # nothing before the agent is ready
    assert session.output(b"noise" + BASE_MARK[:3]) == b""
    assert session.output(BASE_MARK[3:] + READY_MARK + b"early") == b""
    assert session.due == [BASE_MARK]  # the ready mark before the disk line is noise
    session.pump(uart)
    assert uart.got == b""  # the host's step comes first (a snapshot, the disk)
    session.step(BASE_MARK, 2048)
    session.pump(uart)
    assert uart.got == b"disk 2048\n"
    assert session.output(b"x" + READY_MARK[:5]) == b""
    assert session.output(READY_MARK[5:] + b"hello") == b"hello"
    session.pump(uart)
    assert uart.got == b"disk 2048\n"
    session.step(READY_MARK)
    session.pending += b"input"
    session.pump(uart)
    assert uart.got == b"disk 2048\nDESC\ninput"
    assert session.output(b"more") == b"more"


def test_guest_ram() -> None:
    assert guest_ram(None) == 128 << 20
    assert guest_ram(32 << 20) == 128 << 20
    assert guest_ram(512 << 20) == (512 + 64) << 20
    with pytest.raises(ContainerError):
        guest_ram(4 << 30)


@pytest.mark.parametrize("field,value", [("volumes", ["/a:/b"]), ("privileged", True),
                                          ("publish", ["80"]), ("network", "host")])
def test_refused_options(field: str, value: object) -> None:
    with pytest.raises(InvalidOption):
        check_vm_options(RunOptions(image="busybox", **{field: value}))  # type: ignore[arg-type]
    check_vm_options(RunOptions(image="busybox", network="none"))


def test_layers_disk_is_cached_private_and_holds_each_layer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mke2fs -d over the layers, one directory each, cached per image ID, 0600 in 0700."""
    debugfs = shutil.which("debugfs") or shutil.which("debugfs", path="/usr/sbin:/sbin")
    if shutil.which("mke2fs", path="/usr/sbin:/sbin:/usr/bin") is None or debugfs is None:
        pytest.fail("e2fsprogs is missing (make setup installs it)")
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path / "root"))
    monkeypatch.setenv("PATH", os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    layers = [tmp_path / "l0", tmp_path / "l1"]
    (layers[0] / "etc").mkdir(parents=True)
    (layers[0] / "etc" / "motd").write_text("lower\n")
    (layers[1] / "etc").mkdir(parents=True)
    (layers[1] / "etc" / "motd").write_text("upper\n")
    os.symlink("motd", layers[1] / "etc" / "link")
    image_id = "sha256:" + "ab" * 32
    older = tmp_path / "root" / "vm" / "disks" / ("ab" * 32 + ".ext4")  # an older format's
    older.parent.mkdir(parents=True)
    older.write_bytes(b"")
    disk = layers_disk(image_id, layers)
    assert disk.name == "ab" * 32 + ".v2.ext4" and not older.exists()
    assert stat.S_IMODE(disk.stat().st_mode) == 0o600
    assert stat.S_IMODE(disk.parent.stat().st_mode) == 0o700
    assert not list(disk.parent.glob(".*stage")) and not list(disk.parent.glob(".*tmp"))

    def cat(path: str) -> str:
        return subprocess.run([debugfs, "-R", f"cat {path}", str(disk)], capture_output=True,
                              text=True, check=True).stdout

    assert cat("/0/etc/motd") == "lower\n" and cat("/1/etc/motd") == "upper\n"
    links = subprocess.run([debugfs, "-R", "stat /1/etc/link", str(disk)],
                           capture_output=True, text=True, check=True).stdout
    assert "Type: symlink" in links and 'Fast link dest: "motd"' in links
    features = subprocess.run([debugfs, "-R", "features", str(disk)], capture_output=True,
                              text=True, check=True).stdout
    assert "extent" in features  # ext4, without what a read-only disk need not pay for
    assert "metadata_csum" not in features and "has_journal" not in features
    before = disk.stat().st_mtime_ns
    assert layers_disk(image_id, layers) == disk and disk.stat().st_mtime_ns == before
    with pytest.raises(ContainerError):
        layers_disk("sha256:../../x", layers)


def test_a_damaged_snapshot_is_dropped(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """A snapshot that cannot be restored costs a boot, not the container: one line says
    so, the snapshot goes, and the cold boot will take a new one."""
    from vmforms.container.vmisolation.launch import _restore

    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    (snapshot / "vmstate").write_bytes(b"not a snapshot at all")
    assert _restore(snapshot, None, lambda data: None) is None
    [line] = capsys.readouterr().err.splitlines()
    assert "starting the container's VM afresh" in line
    assert not snapshot.exists()
    assert _restore(None, None, lambda data: None) is None


def test_the_guest_kernel_is_a_container_host() -> None:
    """What the agent uses, in the built-in guest's configuration (its cache key, so a
    change rebuilds the kernel)."""
    from vmforms.hypervisor.boot.assets import GUEST_CONFIG

    lines = set(GUEST_CONFIG.read_text().splitlines())
    for option in ("NAMESPACES", "UTS_NS", "IPC_NS", "PID_NS", "CGROUPS", "MEMCG",
                   "CGROUP_PIDS", "OVERLAY_FS", "TMPFS", "TMPFS_XATTR", "EXT4_FS",
                   "VIRTIO_BLK", "DEVTMPFS", "UNIX98_PTYS", "BLK_DEV_INITRD"):
        assert f"CONFIG_{option}=y" in lines, option


def _sealed_snapshot(directory: Path, disks: list[Path]) -> None:
    """A snapshot header (snapshot.py's format) of a machine with `disks`."""
    import hashlib
    import json

    from vmforms.hypervisor.snapshot import _PREFIX, FORMAT_VERSION, MAGIC

    directory.mkdir(mode=0o700, parents=True)
    body = json.dumps({"shape": {"disks": [{"path": str(d.resolve())} for d in disks]},
                       "memory": {}, "state": {}, "extra": {}}).encode()
    blob = _PREFIX.pack(MAGIC, FORMAT_VERSION, len(body)) + body
    (directory / "vmstate").write_bytes(blob + hashlib.sha256(blob).digest())
    with (directory / "memory").open("wb") as f:
        f.truncate(1 << 20)
        f.write(b"x" * 8192)  # 8 KiB of data in a sparse MiB


def test_vm_files_go_with_their_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """The disks and snapshots of images no longer stored are removed (rmi, image prune,
    system prune), those of stored ones stay, and the bytes they take on disk count."""
    from vmforms.container.vmisolation.disk import (
        disk_usage_bytes,
        disks_dir,
        placeholder_disk,
        remove_stale,
        vm_files,
    )
    from vmforms.container.vmisolation.launch import snapshots_dir

    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path / "root"))
    kept, gone = "a1" * 32, "b2" * 32
    disks = {}
    for digest in (kept, gone):
        disks[digest] = disks_dir() / f"{digest}.v2.ext4"
        disks[digest].write_bytes(b"d" * 4096)
        _sealed_snapshot(snapshots_dir() / digest[:8], [disks[digest]])
    _sealed_snapshot(snapshots_dir() / "orphan", [tmp_path / "no-such-disk"])
    _sealed_snapshot(snapshots_dir() / "base", [placeholder_disk()])  # every image's
    (snapshots_dir() / ".being-written").mkdir()
    files = vm_files()
    assert sorted(files) == ["", kept, gone]
    assert files[kept] == [disks[kept], snapshots_dir() / kept[:8]]
    assert disk_usage_bytes(snapshots_dir() / kept[:8]) >= 8192  # blocks, not the length
    assert disk_usage_bytes(snapshots_dir() / kept[:8]) < 1 << 20
    freed = remove_stale({kept, "c3" * 32})
    assert freed >= 2 * 4096 + 2 * 8192
    assert sorted(p.name for p in disks_dir().iterdir() if not p.name.startswith(".")) == [
        disks[kept].name, "placeholder.img"]
    assert sorted(p.name for p in snapshots_dir().iterdir()) == [
        ".being-written", kept[:8], "base"]
    assert remove_stale(set()) > 0 and vm_files() == {}
    assert (snapshots_dir() / "base").is_dir() and placeholder_disk().stat().st_size == 0


def _run_output(key: str | None, stream: bytes, step: int) -> tuple[bytes, int | None]:
    guest = GuestOutput(key)
    out = b"".join(guest.feed(stream[i:i + step]) for i in range(0, len(stream), step))
    return out, guest.exit_status


@pytest.mark.parametrize("step", [1, 2, 7, 1000])
def test_only_the_keyed_exit_mark_ends_the_run(step: int) -> None:
    other = new_key()
    forged = [exit_mark(0), exit_mark(0, other), b"\x1b]vmforms;" + KEY.encode() + b";exit=x\x07",
              exit_mark(0, KEY)[:-1] + b"9999\x07", exit_mark(3, KEY[:-1] + "0")]
    body = b"out " + b" ".join(forged) + b" tail\n"
    stream = GUEST_BEGIN + body + exit_mark(7, KEY) + b"after"
    assert _run_output(KEY, stream, step) == (body, 7)
    # without a key (an older /init) the plain mark ends it
    assert _run_output(None, GUEST_BEGIN + b"x" + exit_mark(4) + b"y", step) == (b"x", 4)


def test_a_forged_mark_is_not_held_back() -> None:
    """A forged mark that never ends must not stall the output or grow a buffer."""
    guest = GuestOutput(KEY)
    guest.feed(GUEST_BEGIN)
    prefix = exit_mark(0, KEY)[:-2]
    assert guest.feed(b"a" + prefix) == b"a"  # could still be ours
    assert guest.feed(b"12") == b""
    assert guest.feed(b"3") == b""
    assert guest.feed(b"4") == prefix + b"1234"  # four digits: not a status
    assert guest.feed(exit_mark(0)[:-1]) == exit_mark(0)[:-1]
    assert guest.feed(b"z" * 100000) == b"z" * 100000
    assert guest.exit_status is None
    with pytest.raises(ValueError):
        exit_mark(0, "A" * 32)


def test_a_disk_put_behind_the_device(tmp_path: Path) -> None:
    """The base snapshot's placeholder gives way to the image's disk: the device's
    capacity (what the driver reads after the configuration-change interrupt) and its
    file change, its access does not."""
    from vmforms.hypervisor.devices.virtio.blk import DiskError, VirtioBlk

    empty, image = tmp_path / "empty", tmp_path / "image"
    empty.write_bytes(b"")
    image.write_bytes(b"i" * 4096)
    blk = VirtioBlk(empty, read_only=True)
    assert blk.config_read(0, 8) == 0
    blk.replace_image(image)
    assert (blk.capacity, blk.config_read(0, 8), blk.path) == (8, 8, image)
    assert blk.read_only and os.pread(blk._fd, 4, 0) == b"iiii"
    with pytest.raises(DiskError):
        blk.replace_image(tmp_path / "missing")
    assert blk.capacity == 8  # the old file stays
    blk.close()


@pytest.mark.parametrize("key", ["", KEY])
def test_init_signs_its_exit_mark(key: str) -> None:
    """The built-in /init's lines that print the exit mark, run by a real shell: with
    vmforms_key the mark is the one the host takes with that key, without it the plain
    one; the command's environment does not have the key."""
    import re

    from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT

    sh = shutil.which("sh")
    assert sh is not None
    block = re.search(r'\n( *key="\$vmforms_key".*?\n *fi\n)', INIT_SCRIPT, re.S)
    assert block is not None
    script = block.group(1).replace("sh /tmp/.cmd", 'sh -c "$CMD"')
    done = subprocess.run([sh, "-c", script], capture_output=True, check=False,
                          env={"vmforms_key": key, "PATH": os.environ["PATH"],
                               "CMD": 'printf "[%s]" "$vmforms_key"; exit 9'})
    out, status = _run_output(key or None, done.stdout, 3)
    assert (out, status) == (b"[]", 9)
