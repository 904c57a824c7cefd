"""Hostile images and hostile container processes: each test builds its attack itself and
checks that the host is untouched and the error is one line (docs/containers.md,
"Threats"). Every one of them passed the attack through before its fix."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf


def _busybox_tar(entries: Callable[[tarfile.TarFile], None],
                 dirs: tuple[str, ...] = ("bin", "etc")) -> bytes:
    """A root filesystem of the host's static busybox (for /bin/sh) plus `entries`."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        tar.add("/bin/busybox", "bin/busybox")
        for applet in ("sh", "cat", "ls", "true", "id", "stat"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type = tarfile.SYMTYPE
            link.linkname = "busybox"
            tar.addfile(link)
        entries(tar)
    return buf.getvalue()


def _add(tar: tarfile.TarFile, name: str, *, kind: bytes = tarfile.REGTYPE, link: str = "",
         data: bytes = b"", mode: int = 0o644, devmajor: int = 0, devminor: int = 0) -> None:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = mode
    info.linkname = link
    info.devmajor, info.devminor = devmajor, devminor
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


@pytest.fixture
def hostile_image(vmf: Vmf, tmp_path: Path) -> Iterator[Callable[..., str]]:
    made: list[str] = []

    def make(name: str, entries: Callable[[tarfile.TarFile], None],
             dirs: tuple[str, ...] = ("bin", "etc")) -> str:
        tar = tmp_path / f"{name}.tar"
        tar.write_bytes(_busybox_tar(entries, dirs))
        vmf("import", str(tar), f"{name}:latest", check=True)
        made.append(name)
        return name

    yield make
    for name in made:
        vmf("rmi", "-f", name)


@pytest.mark.parametrize("mount_point", ["dev", "proc", "sys", "dev/pts", "dev/shm",
                                         "dev/mqueue"])
@pytest.mark.parametrize("style", ["absolute", "relative"])
def test_symlinked_mount_points_stay_inside(vmf: Vmf, hostile_image: Callable[..., str],
                                            tmp_path: Path, mount_point: str,
                                            style: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    depth = "../" * (mount_point.count("/") + 6)
    target = str(victim) if style == "absolute" else depth + str(victim).lstrip("/")

    def entries(tar: tarfile.TarFile) -> None:
        if "/" in mount_point:
            _add(tar, mount_point.split("/")[0], kind=tarfile.DIRTYPE, mode=0o755)
        _add(tar, mount_point, kind=tarfile.SYMTYPE, link=target)

    image = hostile_image(f"symlinked-{mount_point.replace('/', '-')}-{style}", entries)
    proc = vmf("run", "--rm", image, "sh", "-c", "ls /dev >/dev/null; echo ran")
    assert "Traceback" not in proc.stderr
    assert list(victim.iterdir()) == [], "the container wrote into a host directory"
    # Where the runtime re-created the target inside the root, the container ran.
    assert proc.returncode == 0 or len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_symlinked_volume_target_stays_inside(vmf: Vmf, hostile_image: Callable[..., str],
                                              tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    source = tmp_path / "source"
    source.mkdir()
    (source / "file").write_text("x")
    image = hostile_image("symlinked-volume", lambda tar: _add(
        tar, "data", kind=tarfile.SYMTYPE, link="../../../../../../" + str(victim).lstrip("/")))
    proc = vmf("run", "--rm", "-v", f"{source}:/data/sub", image, "cat", "/data/sub/file")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "x"
    assert list(victim.iterdir()) == []


def test_mount_target_links_are_followed_inside_or_refused(
        vmf: Vmf, hostile_image: Callable[..., str], tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "file").write_text("y")

    def entries(tar: tarfile.TarFile) -> None:
        _add(tar, "data", kind=tarfile.SYMTYPE, link="/nowhere/at/all")
        _add(tar, "plain", data=b"a file")

    image = hostile_image("dangling", entries)
    # A link to a missing directory: made inside the root, as a chroot would resolve it.
    proc = vmf("run", "--rm", "-v", f"{source}:/data", image, "cat", "/nowhere/at/all/file")
    assert (proc.returncode, proc.stdout) == (0, "y"), proc.stderr
    # A mount point below a regular file: refused in one line.
    proc = vmf("run", "--rm", "-v", f"{source}:/plain/sub", image, "true")
    assert proc.returncode == 125
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "/plain/sub" in proc.stderr and "not a directory" in proc.stderr



@pytest.mark.parametrize("kind", ["device", "fifo", "huge", "loop"])
@pytest.mark.parametrize("account_file", ["etc/passwd", "etc/group"])
def test_account_files_are_read_bounded(vmf: Vmf, hostile_image: Callable[..., str],
                                        kind: str, account_file: str) -> None:
    def entries(tar: tarfile.TarFile) -> None:
        if kind == "device":
            _add(tar, account_file, kind=tarfile.CHRTYPE, devmajor=1, devminor=5)  # /dev/zero
        elif kind == "fifo":
            _add(tar, account_file, kind=tarfile.FIFOTYPE)
        elif kind == "huge":
            _add(tar, account_file, data=b"#" * (5 << 20) + b"\nroot:x:0:0::/:/bin/sh\n")
        else:
            _add(tar, account_file, kind=tarfile.SYMTYPE, link=account_file.split("/")[1])

    image = hostile_image(f"bad-{account_file.replace('/', '-')}-{kind}", entries)
    started = time.monotonic()
    proc = vmf("run", "--rm", "-u", "nobody", image, "true", timeout=30)
    assert time.monotonic() - started < 20
    assert proc.returncode == 126, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert account_file in proc.stderr


def test_symlink_loop_at_etc_is_one_line(vmf: Vmf, hostile_image: Callable[..., str]) -> None:
    def entries(tar: tarfile.TarFile) -> None:
        _add(tar, "etc", kind=tarfile.SYMTYPE, link="etc2")
        _add(tar, "etc2", kind=tarfile.SYMTYPE, link="etc")

    image = hostile_image("etc-loop", entries, dirs=("bin",))
    proc = vmf("run", "--rm", "-u", "nobody", image, "true")
    assert proc.returncode == 126, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_run_applies_dockers_seccomp_profile(vmf: Vmf, tmp_path: Path) -> None:
    """`Seccomp: 2` as podman's containers show; a call Docker's profile refuses (here a
    user namespace, which needs no capability) fails, and runs once unconfined."""
    proc = vmf("run", "--rm", "busybox", "grep", "^Seccomp:", "/proc/self/status", check=True)
    assert proc.stdout.split() == ["Seccomp:", "2"]
    refused = vmf("run", "--rm", "busybox", "unshare", "-U", "true")
    assert refused.returncode == 1 and "Operation not permitted" in refused.stderr
    done = vmf("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "sh", "-c",
               "grep ^Seccomp: /proc/self/status; unshare -U true && echo userns")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Seccomp:", "0", "userns"]
    profile = tmp_path / "profile.json"
    profile.write_text('{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": '
                       '["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}')
    own = vmf("run", "--rm", "--security-opt", f"seccomp={profile}", "busybox", "mkdir", "/x")
    assert own.returncode == 1 and "Permission denied" in own.stderr
    bad = vmf("run", "--rm", "--security-opt", f"seccomp={tmp_path / 'missing.json'}",
              "busybox", "true")
    assert bad.returncode == 125 and len(bad.stderr.strip().splitlines()) == 1


def test_exec_is_under_the_containers_seccomp_profile(vmf: Vmf) -> None:
    vmf("run", "-d", "--name", "seccomp-exec", "busybox", "sleep", "60", check=True)
    try:
        proc = vmf("exec", "seccomp-exec", "grep", "^Seccomp:", "/proc/self/status",
                   check=True)
        assert proc.stdout.split() == ["Seccomp:", "2"]
    finally:
        vmf("rm", "-f", "seccomp-exec")


def test_exec_never_shows_a_host_binary_in_proc(vmf: Vmf) -> None:
    """CVE-2019-5736's pattern: while `exec` joins the container, a process inside reads
    /proc/*/exe of everything it can see. Before, it saw the host's Python in 29 of 60
    execs (and could have kept an fd to overwrite it); now only the container's files
    and the sealed helper, for a few hundred execs raced against it."""
    from concurrent.futures import ThreadPoolExecutor

    watcher = ("while :; do for e in /proc/[0-9]*/exe; do l=$(readlink $e) && case $l in "
               "/bin/busybox) ;; *) echo \"$l\" ;; esac; done; done > /tmp/seen 2>/dev/null")
    vmf("run", "-d", "--name", "exe-watch", "busybox", "sh", "-c", watcher, check=True)
    try:
        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _: vmf("exec", "exe-watch", "true").returncode,
                                  range(160)))
        assert codes == [0] * len(codes)
        seen = set(vmf("exec", "exe-watch", "cat", "/tmp/seen", check=True).stdout.splitlines())
    finally:
        vmf("rm", "-f", "exe-watch")
    foreign = {s for s in seen if not s.startswith("/memfd:vmforms-exec")}
    assert not foreign, f"a process in the container saw host binaries: {sorted(foreign)}"


def _as_nobody(*argv: str, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    return subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups",
                           *argv], capture_output=True, text=True, env=env, timeout=60)


def test_store_is_reachable_by_root_only(vmf: Vmf, hostile_image: Callable[..., str]) -> None:
    """An image's setuid-root binary and its world-writable directories sit in the store;
    no other local user may reach them (podman keeps its store 0700 too)."""
    def entries(tar: tarfile.TarFile) -> None:
        info = tarfile.TarInfo("bin/suid-sh")
        info.mode = 0o4755
        data = Path("/bin/busybox").read_bytes()
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        _add(tar, "tmp", kind=tarfile.DIRTYPE, mode=0o1777)

    hostile_image("suid", entries)
    layers = [p for p in (vmf.root / "images" / "layers").iterdir()
              if (p / "bin" / "suid-sh").exists()]
    assert layers, "the hostile layer was not stored"
    suid = layers[0] / "bin" / "suid-sh"
    vmf.root.chmod(0o755)  # a store made before the check: repaired by the next command
    vmf("images", check=True)
    assert stat.S_IMODE(vmf.root.stat().st_mode) == 0o700
    ran = _as_nobody(str(suid), "sh", "-c", "id -u")
    assert ran.returncode != 0 and "0" not in ran.stdout.split()
    planted = _as_nobody("/bin/busybox", "touch", str(layers[0] / "tmp" / "planted"))
    assert planted.returncode != 0
    assert not (layers[0] / "tmp" / "planted").exists()


@pytest.mark.parametrize(("args", "code"), [
    (["ps"], 1), (["images"], 1), (["rmi", "busybox"], 1), (["import", "/dev/null", "x"], 1),
    (["run", "--rm", "busybox", "true"], 125)])
def test_non_root_user_gets_one_line(vmf: Vmf, args: list[str], code: int) -> None:
    """Another user pointed at root's store (VMFORMS_ROOT) is rootless there: refused in
    one line, Docker's exit codes, nothing read or written."""
    before = sorted(str(p) for p in vmf.root.rglob("*"))
    proc = _as_nobody(vmf.bin, "container", *args, env=vmf.env)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert f"the store {vmf.root} belongs to uid 0, not to you" in proc.stderr
    assert sorted(str(p) for p in vmf.root.rglob("*")) == before


def test_runtime_as_non_root_is_one_line(tmp_path: Path) -> None:
    runtime = str(Path(sys.executable).with_name("vmforms-runc"))
    proc = _as_nobody(runtime, "--root", str(tmp_path / "private"), "list")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def _store_files(vmf: Vmf) -> set[str]:
    images = vmf.root / "images"
    return {str(p.relative_to(images)) for sub in ("blobs", "layers")
            for p in (images / sub).rglob("*")} | {p.name for p in (images / "tmp").iterdir()}


def test_refused_or_truncated_load_leaves_the_store_as_it_was(
        vmf: Vmf, tmp_path: Path, hostile_image: Callable[..., str]) -> None:
    import hashlib
    import json

    layer = _busybox_tar(lambda tar: _add(tar, "marker", data=os.urandom(16).hex().encode()))
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    archive = tmp_path / "refused.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in (("l1/layer.tar", layer),
                           ("manifest.json", json.dumps([{
                               "Config": "missing-config.json", "RepoTags": ["refused:1"],
                               "Layers": ["l1/layer.tar"]}]).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    assert diff_id  # the layer is complete and valid: only the config is missing
    before = _store_files(vmf)
    proc = vmf("load", "-i", str(archive))
    assert proc.returncode == 1 and "missing-config.json" in proc.stderr, proc.stderr
    assert _store_files(vmf) == before
    saved = tmp_path / "saved.tar"
    image = hostile_image("to-truncate", lambda tar: _add(tar, "x", data=b"y" * 4096))
    vmf("save", "-o", str(saved), image, check=True)
    vmf("rmi", image, check=True)
    data = saved.read_bytes()
    before = _store_files(vmf)
    for cut in (len(data) // 3, len(data) // 2, 2 * len(data) // 3):
        truncated = tmp_path / f"cut-{cut}.tar"
        truncated.write_bytes(data[:cut])
        proc = vmf("load", "-i", str(truncated))
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert _store_files(vmf) == before
    # An unrelated rmi reports only what was its own.
    other = hostile_image("unrelated", lambda tar: None)
    removed = vmf("rmi", other, check=True).stdout.splitlines()
    assert len([line for line in removed if line.startswith("Deleted:")]) <= 3, removed



def test_a_run_killed_while_creating_leaves_nothing_for_long(vmf: Vmf) -> None:
    """What a `run` killed half-way through creating leaves is swept by the next one."""
    stale = vmf.root / "containers" / f".{os.urandom(32).hex()}.new"
    (stale / "upper" / "etc").mkdir(parents=True)
    (stale / "config.json").write_text("{")
    vmf("run", "--rm", "busybox", "true", check=True)
    assert not stale.exists()
    assert not [p for p in (vmf.root / "containers").iterdir() if p.name.endswith(".new")]


_COUNTING = "for i in 1 2 3 4 5 6; do echo line$i; sleep 0.3; done; exit 7"


def _state(vmf: Vmf, cid: str) -> dict[str, object]:
    import json

    found: dict[str, object] = json.loads(
        (vmf.root / "containers" / cid / "state.json").read_text())
    return found


def test_killed_monitor_keeps_log_and_exit_status_detached(vmf: Vmf) -> None:
    """kill -9 of a detached container's monitor: the keeper takes over, so the output
    that follows is still logged and the real exit status recorded (it was 255)."""
    cid = vmf("run", "-d", "busybox", "sh", "-c", _COUNTING, check=True).stdout.strip()
    try:
        time.sleep(0.5)
        os.kill(int(str(_state(vmf, cid)["MonitorPid"])), 9)
        deadline = time.monotonic() + 15
        while _state(vmf, cid).get("Status") == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _state(vmf, cid)["ExitCode"] == 7
        logs = vmf("logs", cid, check=True).stdout.split()
        assert logs == [f"line{i}" for i in range(1, 7)]
    finally:
        vmf("rm", "-f", cid)


def test_killed_monitor_keeps_log_and_exit_status_attached(vmf: Vmf) -> None:
    proc = vmf.popen("run", "--name", "kept", "busybox", "sh", "-c", _COUNTING,
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(0.8)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert children, "the monitor is the run command's child"
        os.kill(int(children[0]), 9)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 7
        assert out.split() == [f"line{i}" for i in range(1, 7)]
        logs = vmf("logs", "kept", check=True).stdout.split()
        assert logs == [f"line{i}" for i in range(1, 7)]
        inspect = vmf("inspect", "kept", check=True).stdout
        assert '"ExitCode": 7' in inspect
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        vmf("rm", "-f", "kept")
