"""Rootless containers as a real unprivileged user, made for this module (useradd, with a
subordinate id range) and removed at its end with everything it had; compared with podman
run rootless by the same user where podman works here."""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

VMFORMS_BIN = Path(__file__).parents[3] / ".venv" / "bin"
LIMITS = "Resource limits are not supported and ignored on cgroups V1 rootless systems"
TUN = Path("/dev/net/tun")
SUBID_COUNT = 65536


def _ranges(path: str) -> list[tuple[int, int]]:
    out = []
    for line in Path(path).read_text().splitlines():
        f = line.split(":")
        if len(f) == 3 and f[1].isdigit() and f[2].isdigit():
            out.append((int(f[1]), int(f[2])))
    return out


def _lines_of(path: str, name: str) -> list[str]:
    return [line for line in Path(path).read_text().splitlines()
            if line.split(":")[0] == name]


def _processes_of(uids: range) -> list[int]:
    """Live processes of these uids (zombies wait for the host's init to reap them)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if (os.stat(f"/proc/{entry}").st_uid in uids and
                        Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[0]
                        != "Z"):
                    found.append(int(entry))
            except (OSError, IndexError):
                pass
    return found


class User:
    def __init__(self, name: str, home: Path, start: int) -> None:
        pw = pwd.getpwnam(name)
        self.name, self.home, self.start = name, home, start
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.load_warnings = ""
        self.env = {"HOME": str(home), "PATH": f"{VMFORMS_BIN}:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG": "C.UTF-8", "USER": name}

    def run(self, *argv: str, timeout: float = 60, input: str | None = None
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}",
                               "--init-groups", "--", *argv], env=self.env, cwd=self.home,
                              text=True, capture_output=True, timeout=timeout, input=input)

    def vmf(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.run(str(VMFORMS_BIN / "vmforms"), "container", *args, timeout=timeout)

    def ok(self, *args: str, timeout: float = 60) -> str:
        proc = self.vmf(*args, timeout=timeout)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout


@contextmanager
def _test_user(vmf: Any, ranged: bool) -> Iterator[User]:
    """A user made for the test, with a subordinate range of its own (or none), holding
    the built-in busybox in its own store; removed with all it had at the end."""
    for tool in ("useradd", "userdel", "setpriv", "newuidmap", "newgidmap"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install passwd util-linux uidmap)")
    name = f"vmfrl{secrets.token_hex(4)}"
    base = Path(tempfile.mkdtemp(prefix="vmforms-rootless-"))  # pytest's is root's only
    os.chmod(base, 0o755)
    home = base / "home"
    start = max([s + n for s, n in _ranges("/etc/subuid") + _ranges("/etc/subgid")]
                + [1 << 20]) + SUBID_COUNT
    ids = f"{start}-{start + SUBID_COUNT - 1}"
    made = subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell",
                           "/bin/sh", "--key", "SUB_UID_COUNT=0", "--key", "SUB_GID_COUNT=0",
                           name], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    tun_mode = os.stat(TUN).st_mode & 0o7777 if TUN.exists() else None
    u: User | None = None
    try:
        if ranged:
            subprocess.run(["usermod", "--add-subuids", ids, "--add-subgids", ids, name],
                           check=True, capture_output=True)
        u = User(name, home, start)
        probe = u.run(str(VMFORMS_BIN / "vmforms"), "--version")
        if probe.returncode != 0:
            pytest.skip(f"the checkout is not readable by other users: {probe.stderr}")
        archive = home / "busybox.tar"
        vmf("save", "-o", str(archive), "busybox", check=True)
        os.chown(archive, u.uid, u.gid)
        loaded = u.vmf("load", "-i", str(archive))
        assert "Loaded image" in loaded.stdout, loaded.stderr
        u.load_warnings = loaded.stderr
        yield u
    finally:
        if u is not None:
            for cid in u.vmf("ps", "-aq").stdout.split():
                u.vmf("rm", "-f", cid)
            left = u.vmf("ps", "-aq").stdout.split()
        else:
            left = []
        if tun_mode is not None:
            os.chmod(TUN, tun_mode)
        uids = range(start, start + SUBID_COUNT)
        owner = pwd.getpwnam(name).pw_uid
        for pid in _processes_of(range(owner, owner + 1)) + _processes_of(uids):
            try:  # podman's pause process, and what a failed test left
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while _processes_of(range(owner, owner + 1)) and time.monotonic() < deadline:
            time.sleep(0.05)
        mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
                  if str(home) in line]
        gone = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
        for entry in Path("/tmp").iterdir():  # the user's run directories (ours, podman's)
            try:
                if entry.lstat().st_uid == owner and entry.is_dir():
                    shutil.rmtree(entry)
            except OSError:
                pass
        shutil.rmtree(base, ignore_errors=True)
        assert gone.returncode == 0, gone.stderr
        assert not left, f"containers left behind: {left}"
        assert not mounts, f"mounts left behind: {mounts}"
        assert not _lines_of("/etc/subuid", name) and not _lines_of("/etc/subgid", name)
        assert not home.exists()
        assert not _processes_of(range(owner, owner + 1)) and not _processes_of(uids)


@pytest.fixture(scope="module")
def user(vmf: Any) -> Iterator[User]:
    with _test_user(vmf, ranged=True) as u:
        yield u


def _podman(u: User, *args: str) -> subprocess.CompletedProcess[str] | None:
    """podman rootless as the same user, with runc (crun refuses this hybrid host's
    cgroups); None where podman is missing or cannot run here."""
    if shutil.which("podman") is None or shutil.which("runc") is None:
        return None
    base = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs"]
    if u.run(*base, "image", "exists", "busybox").returncode != 0 and u.run(
            *base, "load", "-i", str(u.home / "busybox.tar"), timeout=120).returncode != 0:
        return None
    return u.run(*base, *args, timeout=120)


def test_run_maps_root_to_the_user_and_the_subordinate_range(user: User) -> None:
    out = user.ok("run", "--rm", "--network", "none", "busybox", "sh", "-c",
                  "id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map")
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["0"] and lines[1] == ["0"]
    expected_uid = [["0", str(user.uid), "1"], ["1", str(user.start), str(SUBID_COUNT)]]
    assert lines[2:4] == expected_uid
    assert lines[4:6] == [["0", str(user.gid), "1"], ["1", str(user.start), str(SUBID_COUNT)]]
    store = user.home / ".local" / "share" / "vmforms"
    st = os.stat(store)
    assert st.st_uid == user.uid and stat.S_IMODE(st.st_mode) == 0o700
    info = user.ok("info", "--format", "{{.DockerRootDir}} {{.CgroupDriver}} "
                   "{{.SecurityOptions}}")
    assert info.split()[0] == str(store) and "name=rootless" in info
    if not Path("/sys/fs/cgroup/cgroup.controllers").exists():
        assert info.split()[1] == "none"  # cgroup v1: nothing delegated (Docker's word)
    podman = _podman(user, "run", "--rm", "--network", "none", "busybox", "sh", "-c",
                     "id -u; cat /proc/self/uid_map")
    if podman is not None and podman.returncode == 0:
        theirs = [line.split() for line in podman.stdout.splitlines()]
        assert theirs == [lines[0], *expected_uid]


def test_files_are_owned_by_the_mapped_ids_on_the_host(user: User) -> None:
    cid = user.ok("create", "--network", "none", "busybox", "sh", "-c",
                  "echo a > /by-root; echo b > /by-1000; chown 1000:1000 /by-1000").strip()
    try:
        assert user.vmf("start", "-a", cid).returncode == 0
        upper = user.home / ".local" / "share" / "vmforms" / "containers" / cid / "upper"
        assert os.stat(upper / "by-root").st_uid == user.uid
        st = os.stat(upper / "by-1000")
        assert (st.st_uid, st.st_gid) == (user.start + 999, user.start + 999)
    finally:
        user.ok("rm", cid)
    assert not (user.home / ".local" / "share" / "vmforms" / "containers" / cid).exists()


def test_everyday_commands(user: User) -> None:
    # PID 1 runs as uid 1000: a host uid of the range, which only the host's user namespace
    # (where the user owns the container's) may signal.
    cid = user.ok("run", "-d", "-u", "1000", "--network", "none", "--name", "daemon",
                  "busybox", "sh", "-c", "echo hello; exec sleep 60").strip()
    try:
        assert "daemon" in user.ok("ps")
        deadline = time.monotonic() + 5
        while "hello" not in user.ok("logs", "daemon") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert user.ok("logs", "daemon") == "hello\n"
        assert user.ok("exec", "daemon", "id", "-u") == "1000\n"
        assert user.ok("exec", "-u", "0", "daemon", "id", "-u") == "0\n"
        assert user.ok("images", "--format", "{{.Repository}}").split() == ["busybox"]
        user.ok("stop", "-t", "0", "daemon")
        assert "Exited" in user.ok("ps", "-a", "--filter", f"id={cid}")
        user.ok("restart", "-t", "0", "daemon")
        user.ok("restart", "-t", "0", "daemon")  # this time from running
        assert "Up" in user.ok("ps", "--filter", f"id={cid}")
        assert "sleep 60" in user.ok("top", "daemon")  # no cgroup: PID 1's pid namespace
        paused = user.vmf("pause", "daemon")
        assert paused.returncode != 0 and "freezer" in paused.stderr
    finally:
        user.ok("rm", "-f", cid)  # running: killed first
    assert cid not in user.ok("ps", "-aq", "--no-trunc")


def test_limits_warn_as_podman_and_privilege_is_refused(user: User) -> None:
    proc = user.vmf("run", "--rm", "--network", "none", "--memory", "64m", "busybox", "true")
    assert proc.returncode == 0 and LIMITS in proc.stderr
    podman = _podman(user, "run", "--rm", "--network", "none", "--memory", "64m", "busybox",
                     "true")
    if podman is not None and podman.returncode == 0:
        assert LIMITS in podman.stderr
    for args in (["--privileged"], ["--device", "/dev/null"], ["--network", "bridge"],
                 ["--sysctl", "vm.swappiness=10"]):
        proc = user.vmf("run", "--rm", *args, "busybox", "true")
        assert proc.returncode == 125, (args, proc.stderr)
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def test_root_store_is_out_of_reach(user: User, vmf: Any) -> None:
    for root in (str(vmf.root), "/var/lib/vmforms"):
        proc = user.run("env", f"VMFORMS_ROOT={root}", str(VMFORMS_BIN / "vmforms"),
                        "container", "images")
        assert proc.returncode != 0 and len(proc.stderr.splitlines()) == 1, proc.stderr


def test_publish_through_slirp4netns(user: User) -> None:
    if shutil.which("slirp4netns") is None:
        pytest.skip("slirp4netns is not installed")
    # Debian's udev makes the tun device 666; this host has it 600. Opened for the test,
    # the fixture puts the mode back.
    os.chmod(TUN, 0o666)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cid = user.ok("run", "-d", "-p", f"127.0.0.1:{port}:80", "busybox", "sh", "-c",
                  "mkdir /w; echo through-slirp > /w/i; exec httpd -f -p 80 -h /w").strip()
    try:
        body = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=2) as c:
                    c.sendall(b"GET /i HTTP/1.0\r\n\r\n")
                    body = b"".join(iter(lambda: c.recv(4096), b""))
                if body:
                    break
            except OSError:
                time.sleep(0.1)
        assert body.endswith(b"through-slirp\n"), body
    finally:
        user.ok("rm", "-f", cid)


def _bundle(user: User, name: str, config: dict[str, Any]) -> Path:
    bundle = user.home / name
    (bundle / "rootfs" / "bin").mkdir(parents=True)
    shutil.copy("/bin/busybox", bundle / "rootfs" / "bin" / "busybox")
    os.symlink("busybox", bundle / "rootfs" / "bin" / "sh")
    (bundle / "config.json").write_text(json.dumps(config))
    subprocess.run(["chown", "-R", f"{user.uid}:{user.gid}", str(bundle)], check=True)
    return bundle


def test_oci_runtime_rootless_and_user_namespace_by_path(user: User) -> None:
    made = user.run(str(VMFORMS_BIN / "vmforms-runc"), "spec", "--rootless", "-b",
                    str(user.home))
    assert made.returncode == 0, made.stderr
    config = json.loads((user.home / "config.json").read_text())
    config["process"]["terminal"] = False
    config["process"]["args"] = ["sh", "-c", "cat /proc/self/uid_map; readlink /proc/self/ns/user"]
    config["linux"]["uidMappings"].append({"containerID": 1, "hostID": user.start,
                                           "size": SUBID_COUNT})
    config["linux"]["gidMappings"].append({"containerID": 1, "hostID": user.start,
                                           "size": SUBID_COUNT})
    runc = str(VMFORMS_BIN / "vmforms-runc")
    state = str(user.home / "runc-state")
    bundle = _bundle(user, "b1", config)
    proc = user.run(runc, "run", "-b", str(bundle), "r1")  # --root: the user's run dir
    assert proc.returncode == 0, proc.stderr
    assert Path(f"/tmp/vmforms-run-{user.uid}/runtime").is_dir()
    assert [line.split() for line in proc.stdout.splitlines()[:2]] == [
        ["0", str(user.uid), "1"], ["1", str(user.start), str(SUBID_COUNT)]]
    # A user namespace of the user's own, held by a process, joined by path.
    holder = subprocess.Popen(["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}",
                               "--init-groups", "--", "unshare", "--user", "--map-root-user",
                               "sleep", "60"], env=user.env)
    try:
        path = f"/proc/{holder.pid}/ns/user"
        deadline = time.monotonic() + 5
        while os.readlink(path) == os.readlink("/proc/self/ns/user"):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        deadline = time.monotonic() + 5
        while Path(f"/proc/{holder.pid}/uid_map").read_text().strip() == "":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        del config["linux"]["uidMappings"], config["linux"]["gidMappings"]
        for ns in config["linux"]["namespaces"]:
            if ns["type"] == "user":
                ns["path"] = path
        bundle = _bundle(user, "b2", config)
        proc = user.run(runc, "--root", state, "run", "-b", str(bundle), "r2")
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.splitlines()[-1] == os.readlink(path)
        assert proc.stdout.split()[:3] == ["0", str(user.uid), "1"]
    finally:
        holder.kill()
        holder.wait()


def test_without_a_subordinate_range_only_the_users_own_id(vmf: Any) -> None:
    with _test_user(vmf, ranged=False) as solo:
        assert "no subordinate ids" in solo.load_warnings
        proc = solo.vmf("run", "--rm", "--network", "none", "busybox", "sh", "-c",
                        "id -u; cat /proc/self/uid_map")
        assert proc.returncode == 0, proc.stderr
        assert [line.split() for line in proc.stdout.splitlines()] == [
            ["0"], ["0", str(solo.uid), "1"]]
        assert len(proc.stderr.splitlines()) == 1  # the warning, once


def test_build_runs_its_steps_in_the_users_namespace(user: User) -> None:
    # A file and a lower directory removed: a whiteout and an opaque directory, which the
    # overlay of a user namespace keeps in user.overlay.* xattrs (`userxattr`).
    context = user.home / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN echo built > /b && chown 1000:1000 /b && mkdir -p /d/sub && echo a > /d/a\n"
        "RUN rm /bin/ls && rm -rf /d && mkdir /d && echo new > /d/n\n")
    subprocess.run(["chown", "-R", f"{user.uid}:{user.gid}", str(context)], check=True)
    check = ("stat -c %u /b; cat /b; echo /d/*; test -e /bin/ls || echo no-ls")
    expected = ["1000", "built", "/d/n", "no-ls"]
    archive = str(user.home / "built.tar")
    try:
        user.ok("build", "--network", "none", "-t", "rootless-built", str(context),
                timeout=120)
        out = user.ok("run", "--rm", "--network", "none", "rootless-built", "sh", "-c", check)
        assert out.split() == expected
        user.ok("save", "-o", archive, "rootless-built")  # and unpacked again from a tar
        user.ok("rmi", "rootless-built")
        user.ok("load", "-i", archive)
        out = user.ok("run", "--rm", "--network", "none", "rootless-built", "sh", "-c", check)
        assert out.split() == expected
    finally:
        user.vmf("rmi", "rootless-built")


def test_cp_export_commit_of_a_running_container(user: User) -> None:
    cid = user.ok("run", "-d", "--network", "none", "busybox", "sh", "-c",
                  "echo secret > /f; chown 1000:1000 /f; chmod 600 /f; "
                  "touch /ready; exec sleep 60").strip()
    try:
        deadline = time.monotonic() + 5
        while user.vmf("exec", cid, "test", "-e", "/ready").returncode != 0:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        user.ok("cp", f"{cid}:/f", str(user.home / "f.txt"))  # 600, uid 1000 inside
        assert (user.home / "f.txt").read_text() == "secret\n"
        exported = user.run("sh", "-c", f"vmforms container export {cid} | tar tvf - f")
        assert exported.returncode == 0 and "1000/1000" in exported.stdout
        user.ok("commit", cid, "rootless-committed")
        out = user.ok("run", "--rm", "--network", "none", "rootless-committed", "sh", "-c",
                      "stat -c '%u %a' /f; cat /f")
        assert out.split() == ["1000", "600", "secret"]
    finally:
        user.ok("rm", "-f", cid)
        user.vmf("rmi", "rootless-committed")


def test_an_image_with_ids_beyond_the_range_is_refused_in_one_line(user: User) -> None:
    import hashlib
    import io
    import tarfile

    def member(tar: tarfile.TarFile, name: str, data: bytes, uid: int = 0) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.uid, info.gid, info.mode = len(data), uid, uid, 0o644
        tar.addfile(info, io.BytesIO(data))

    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        member(tar, "far", b"x\n", uid=SUBID_COUNT + 10)  # beyond 0..65536
    diff = hashlib.sha256(layer.getvalue()).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [f"sha256:{diff}"]}})
    archive = user.home / "far.tar"
    with tarfile.open(archive, "w") as tar:
        member(tar, f"{diff}/layer.tar", layer.getvalue())
        member(tar, "config.json", config.encode())
        member(tar, "manifest.json", json.dumps([{
            "Config": "config.json", "RepoTags": ["far:latest"],
            "Layers": [f"{diff}/layer.tar"]}]).encode())
    os.chown(archive, user.uid, user.gid)
    proc = user.vmf("load", "-i", str(archive))
    assert proc.returncode != 0 and len(proc.stderr.splitlines()) == 1, proc.stderr
    assert f"owner {SUBID_COUNT + 10}:{SUBID_COUNT + 10} is not mapped" in proc.stderr


def test_host_network_with_the_hosts_sysfs_bound_read_only(user: User) -> None:
    # sysfs cannot be mounted for a network namespace the user does not own: bound from
    # the host instead, as runc does, read-only.
    out = user.ok("run", "--rm", "--network", "host", "busybox", "sh", "-c",
                  "readlink /proc/self/ns/net; touch /sys/x 2>&1; ls /sys/class/net")
    lines = out.splitlines()
    assert lines[0] == os.readlink("/proc/self/ns/net")
    assert "Read-only file system" in lines[1]
    assert "lo" in lines[2:]


def test_pull_from_a_loopback_registry(user: User, vmf: Any, registry: Any) -> None:
    ref = f"{registry.host}/vmforms-rootless/busybox:t{os.getpid()}"
    vmf("tag", "busybox", ref, check=True)
    try:
        vmf("push", ref, check=True)
        user.ok("pull", ref, timeout=120)
        assert user.ok("run", "--rm", "--network", "none", ref, "echo", "pulled") == "pulled\n"
    finally:
        vmf("rmi", ref)
        user.vmf("rmi", ref)
