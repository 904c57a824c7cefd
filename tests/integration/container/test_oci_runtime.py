"""`vmforms-runc`, our OCI runtime, driven by podman (through conmon) and by hand with
runc's verbs, next to Debian's runc doing the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable

    from conftest import Vmf

    Below = Callable[[str], set[str]]

RUNTIME = str(Path(sys.executable).with_name("vmforms-runc"))
RUNTIME_STATE = Path("/run/vmforms-runtime")  # podman's cleanup passes no --root
MARKER = "VMFORMS_OCI_TEST=1"
# podman needs these ulimits on this host; no network keeps the tests off the internet.
RUN_FLAGS = ["--network=none", "--pull=never", "--ulimit", "nofile=1024:1024",
             "--ulimit", "nproc=1024:1024", "-e", MARKER]
PROBE = ("uname -r; id; grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' "
         "/proc/self/status; ulimit -n; ulimit -u; umask; echo $$; "
         "cat /proc/sys/net/ipv4/ping_group_range; ls -a /dev | tr '\\n' ' '; echo; "
         "ls /sys/fs/cgroup | tr '\\n' ' '; echo; hostname | wc -c; pwd")


def _runtime_dirs() -> set[str]:
    """The containers' state directories (not the runtime's cache of compiled seccomp
    programs, `@seccomp`: '@' is in no container ID)."""
    names = os.listdir(RUNTIME_STATE) if RUNTIME_STATE.is_dir() else []
    return {n for n in names if not n.startswith("@")}


class Podman:
    """podman over a store of its own, running our busybox image with a given runtime."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.image = ""

    def cmd(self, *args: str, runtime: str = RUNTIME) -> list[str]:
        b = self.base
        return ["podman", "--root", str(b / "root"), "--runroot", str(b / "runroot"),
                "--tmpdir", str(b / "tmp"), "--events-backend", "none",
                "--cgroup-manager=cgroupfs", "--runtime", runtime, *args]

    def __call__(self, *args: str, runtime: str = RUNTIME, timeout: float = 60,
                 input: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.cmd(*args, runtime=runtime), text=True, capture_output=True,
                              timeout=timeout, input=input)

    def run(self, *args: str, runtime: str = RUNTIME) -> subprocess.CompletedProcess[str]:
        return self("run", "--rm", *RUN_FLAGS, self.image, *args, runtime=runtime)


@pytest.fixture(scope="module")
def podman(vmf: Vmf, cgroups_below: Below,
           processes_marked: Callable[[bytes], list[int]]) -> Iterator[Podman]:
    if shutil.which("podman") is None or shutil.which("conmon") is None:
        pytest.skip("podman and conmon are not installed (apt-get install podman runc)")
    base = Path(tempfile.mkdtemp(prefix="vmforms-podman-"))
    p = Podman(base)
    before_cgroups = cgroups_below("libpod_parent")
    before_state = _runtime_dirs()
    try:
        pulled = p("pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest", timeout=120)
        assert pulled.returncode == 0, pulled.stderr
        p.image = pulled.stdout.split()[-1]
        yield p
    finally:
        p("rm", "-af")
        p("rmi", "-af")
        mounts = [line for line in Path("/proc/self/mountinfo").read_text().splitlines()
                  if str(base) in line]
        procs = processes_marked(MARKER.encode())
        cgroups = {c for c in cgroups_below("libpod_parent") - before_cgroups
                   if "libpod-" in c}
        state = _runtime_dirs() - before_state
        for line in reversed(mounts):  # whatever failed, the next run starts clean
            subprocess.run(["umount", "-l", line.split()[4]], check=False)
        subprocess.run(["rm", "-rf", "--one-file-system", str(base)], check=False)
        assert not mounts, f"mounts left behind: {mounts}"
        assert not procs, f"processes left behind: {procs}"
        assert not cgroups, f"cgroups left behind: {sorted(cgroups)}"
        assert not state, f"runtime state left behind: {sorted(state)}"


def _needs_runc() -> str:
    runc = shutil.which("runc")
    if runc is None:
        pytest.skip("runc is not installed (apt-get install runc)")
    return runc


# --- podman -------------------------------------------------------------------------


def test_version_is_runcs_shape() -> None:
    out = subprocess.run([RUNTIME, "--version"], capture_output=True, text=True, check=True)
    lines = out.stdout.splitlines()
    assert lines[0].startswith("vmforms-runc version ")
    assert lines[1].startswith("spec: 1.0")


def test_podman_run_sees_the_hosts_kernel(podman: Podman) -> None:
    done = podman.run("uname", "-r")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == os.uname().release


def test_podman_exit_codes_propagate(podman: Podman) -> None:
    assert podman.run("sh", "-c", "exit 3").returncode == 3
    missing = podman.run("no-such-command")
    assert missing.returncode == 127, missing.stderr
    assert "executable file not found" in missing.stderr


def test_podman_sees_what_runc_gives(podman: Podman) -> None:
    runc = _needs_runc()
    ours = podman.run("sh", "-c", PROBE)
    theirs = podman.run("sh", "-c", PROBE, runtime=runc)
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert ours.stdout == theirs.stdout
    assert "Seccomp:\t2" in ours.stdout  # podman's profile is in force


OPTIONS_PROBE = ("id; grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status; "
                 "pwd; hostname | grep -c probe-host; ls -ld /run /tmp | cut -c1-10; "
                 "ls /dev | wc -l; touch /probe 2>&1 | cut -d: -f3; cat /proc/1/comm; "
                 # its own cgroup only, as runc binds it: not the host's hierarchy
                 "ls /sys/fs/cgroup/* | wc -l; cat /sys/fs/cgroup/pids/pids.max; "
                 "grep Cpus_allowed_list /proc/self/status")


@pytest.mark.parametrize("options", [
    ["--user", "1000:1000"], ["--privileged"], ["--read-only"],
    ["--read-only", "--tmpfs", "/etc:tmpcopyup"], ["--cap-add", "SYS_ADMIN"],
    ["--cap-drop", "ALL"], ["-w", "/tmp", "--hostname", "probe-host"], ["--init"],
    ["--device", "/dev/fuse"], ["--security-opt", "no-new-privileges"],
    ["--pids-limit", "33", "--memory", "64m"], ["--cpuset-cpus", "0", "--cpus", "0.5"],
], ids=" ".join)
def test_podman_options_as_runc_serves_them(podman: Podman, options: list[str]) -> None:
    runc = _needs_runc()
    ours = podman("run", "--rm", *RUN_FLAGS, *options, podman.image, "sh", "-c", OPTIONS_PROBE)
    theirs = podman("run", "--rm", *RUN_FLAGS, *options, podman.image, "sh", "-c",
                    OPTIONS_PROBE, runtime=runc)
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert ours.stdout == theirs.stdout


def test_podman_pause_unpause(podman: Podman) -> None:
    started = podman("run", "-d", *RUN_FLAGS, podman.image, "sh", "-c",
                     "while true; do date +%s%N; sleep 0.05; done")
    assert started.returncode == 0, started.stderr
    cid = started.stdout.strip()
    try:
        assert podman("pause", cid).returncode == 0
        state = subprocess.run([RUNTIME, "state", cid], capture_output=True, text=True)
        assert json.loads(state.stdout)["status"] == "paused"
        lines = len(podman("logs", cid).stdout.splitlines())
        time.sleep(0.3)
        assert len(podman("logs", cid).stdout.splitlines()) == lines  # frozen: no output
        assert podman("unpause", cid).returncode == 0
        time.sleep(0.3)
        assert len(podman("logs", cid).stdout.splitlines()) > lines
        assert podman("pause", cid).returncode == 0
    finally:
        removed = podman("rm", "-f", "-t", "0", cid)  # a paused container goes too
    assert removed.returncode == 0, removed.stderr
    assert cid not in _runtime_dirs()


def test_podman_tty(podman: Podman) -> None:
    done = podman("run", "--rm", "-t", *RUN_FLAGS, podman.image, "sh", "-c",
                  "tty; [ -t 0 ] && [ -t 1 ] && echo both-ttys")
    assert done.returncode == 0, done.stderr
    assert done.stdout.replace("\r", "").split() == ["/dev/pts/0", "both-ttys"]


def test_podman_detached_exec_stop_rm(podman: Podman) -> None:
    started = podman("run", "-d", *RUN_FLAGS, podman.image, "sh", "-c",
                     "trap 'exit 0' TERM; while true; do sleep 0.1; done")
    assert started.returncode == 0, started.stderr
    cid = started.stdout.strip()
    try:
        status = podman("inspect", "--format", "{{.State.Status}}", cid).stdout.strip()
        assert status == "running"
        state = json.loads(subprocess.run([RUNTIME, "state", cid], capture_output=True,
                                          text=True, check=True).stdout)
        assert state["status"] == "running" and state["id"] == cid and state["pid"] > 0
        echoed = podman("exec", cid, "sh", "-c", "echo from-exec; cat /proc/1/cmdline")
        assert echoed.returncode == 0, echoed.stderr
        assert echoed.stdout.startswith("from-exec\nsh\0-c\0")
        assert podman("exec", cid, "sh", "-c", "exit 5").returncode == 5
        tty = podman("exec", "-t", cid, "tty")
        assert tty.returncode == 0 and tty.stdout.strip() == "/dev/pts/0", tty.stderr
        t0 = time.monotonic()
        stopped = podman("stop", "-t", "5", cid)
        assert stopped.returncode == 0, stopped.stderr
        assert time.monotonic() - t0 < 5  # SIGTERM reached the trap: no SIGKILL needed
        exited = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", cid)
        assert exited.stdout.split() == ["exited", "0"]
    finally:
        removed = podman("rm", "-f", cid)
    assert removed.returncode == 0, removed.stderr
    assert cid not in _runtime_dirs()


def test_podman_limits_reach_the_cgroup(podman: Podman) -> None:
    started = podman("run", "-d", *RUN_FLAGS, "--memory", "64m", "--pids-limit", "50",
                     podman.image, "sleep", "60")
    assert started.returncode == 0, started.stderr
    cid = started.stdout.strip()
    try:
        pid = int(podman("inspect", "--format", "{{.State.Pid}}", cid).stdout)
        paths = dict(line.split(":", 2)[1:] for line in
                     Path(f"/proc/{pid}/cgroup").read_text().splitlines())
        assert paths["memory"].endswith(f"libpod_parent/libpod-{cid}")
        memory = Path("/sys/fs/cgroup/memory") / paths["memory"].lstrip("/")
        assert int((memory / "memory.limit_in_bytes").read_text()) == 64 * 1024 * 1024
        pids = Path("/sys/fs/cgroup/pids") / paths["pids"].lstrip("/")
        assert (pids / "pids.max").read_text().strip() == "50"
    finally:
        podman("rm", "-f", "-t", "0", cid)


# --- runc's verbs on a bundle --------------------------------------------------------


@pytest.fixture
def work() -> Iterator[Path]:
    """A directory of the test's own: runtime state must outlive whatever other pytest
    runs on the host do to the shared basetemp."""
    path = Path(tempfile.mkdtemp(prefix="vmforms-oci-"))
    yield path
    subprocess.run(["rm", "-rf", str(path)], check=False)


@pytest.fixture
def bundle(vmf: Vmf, work: Path) -> Path:
    """A bundle with our busybox as its root and a config running sleep."""
    path = work / "bundle"
    path.mkdir()
    # busybox is one layer per platform: the host's, copied, is the whole root
    layers = [p for p in (vmf.root / "images" / "layers").iterdir()
              if _runs_here(p / "bin" / "busybox")]
    assert len(layers) == 1, layers
    rootfs = path / "rootfs"
    subprocess.run(["cp", "-a", str(layers[0]), str(rootfs)], check=True)
    config = {
        "ociVersion": "1.0.2",
        "process": {"args": ["sleep", "60"], "cwd": "/", "env": ["PATH=/bin:/usr/bin"],
                    "user": {"uid": 0, "gid": 0},
                    "capabilities": {k: ["CAP_KILL", "CAP_NET_BIND_SERVICE"] for k in
                                     ("bounding", "effective", "permitted")},
                    "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}],
                    "noNewPrivileges": True},
        "root": {"path": "rootfs", "readonly": True},
        "hostname": "bundle",
        "annotations": {"org.example.test": "yes"},
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nodev"]},
        ],
        "linux": {"namespaces": [{"type": t} for t in
                                 ("pid", "network", "ipc", "uts", "mount")],
                  "maskedPaths": ["/proc/kcore", "/proc/keys"],
                  "readonlyPaths": ["/proc/sys"],
                  "resources": {"pids": {"limit": 20}}},
    }
    (path / "config.json").write_text(json.dumps(config))
    return path


def _runs_here(binary: Path) -> bool:
    """An ELF binary of this machine's architecture (e_machine at offset 18)."""
    machines = {"x86_64": 62, "aarch64": 183, "riscv64": 243}
    try:
        head = binary.read_bytes()[:20]
    except OSError:
        return False
    return len(head) == 20 and head[4] == 2 and \
        int.from_bytes(head[18:20], "little") == machines.get(os.uname().machine)


class Runtime:
    """One OCI runtime binary with a state root of its own."""

    def __init__(self, binary: str, root: Path) -> None:
        self.binary = binary
        self.root = root

    def __call__(self, *args: str, log: Path | None = None, cwd: Path | None = None
                 ) -> subprocess.CompletedProcess[str]:
        extra = ["--log", str(log), "--log-format", "json"] if log else []
        # The container (and a detached exec) keeps the caller's stdio: never a pipe we
        # would wait on.
        keeps = args[0] in ("create", "run") or "--detach" in args
        with tempfile.TemporaryFile("w+") as err:
            done = subprocess.run([self.binary, "--root", str(self.root), *extra, *args],
                                  stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL if keeps else subprocess.PIPE,
                                  stderr=err, text=True, cwd=cwd, timeout=60)
            err.seek(0)
            done.stderr = err.read()
        return done

    def state(self, cid: str) -> dict[str, object]:
        done = self("state", cid)
        assert done.returncode == 0, done.stderr
        result: dict[str, object] = json.loads(done.stdout)
        return result


@pytest.fixture
def runtimes(work: Path) -> Iterator[dict[str, Runtime]]:
    found = {"vmforms": Runtime(RUNTIME, work / "state-vmforms")}
    if shutil.which("runc"):
        found["runc"] = Runtime("runc", work / "state-runc")
    yield found
    for rt in found.values():
        for cid in os.listdir(rt.root) if rt.root.is_dir() else ():
            rt("delete", "--force", cid)
    leftovers = {name: os.listdir(rt.root) for name, rt in found.items() if rt.root.is_dir()}
    assert not any(leftovers.values()), leftovers


def test_lifecycle_matches_runc(bundle: Path, runtimes: dict[str, Runtime],
                                cgroups_below: Below) -> None:
    seen: dict[str, list[dict[str, object]]] = {}
    before = cgroups_below("vmforms-runtime")
    for name, rt in runtimes.items():
        cid = f"life-{name}"
        assert rt("create", "--bundle", str(bundle), cid).returncode == 0
        created = rt.state(cid)
        assert rt("start", cid).returncode == 0
        running = rt.state(cid)
        assert rt("kill", cid, "KILL").returncode == 0
        deadline = time.monotonic() + 5
        while rt.state(cid)["status"] != "stopped" and time.monotonic() < deadline:
            time.sleep(0.02)
        stopped = rt.state(cid)
        assert rt("delete", cid).returncode == 0
        assert rt("state", cid).returncode == 1
        seen[name] = [created, running, stopped]
    ours = seen["vmforms"]
    assert [s["status"] for s in ours] == ["created", "running", "stopped"]
    assert ours[0]["pid"] == ours[1]["pid"] and isinstance(ours[0]["pid"], int)
    assert ours[2]["pid"] == 0
    assert ours[0]["bundle"] == str(bundle) and ours[0]["rootfs"] == str(bundle / "rootfs")
    assert ours[0]["annotations"] == {"org.example.test": "yes"}
    assert cgroups_below("vmforms-runtime") == before
    if "runc" in seen:
        for mine, theirs in zip(ours, seen["runc"], strict=True):
            assert mine.keys() == theirs.keys()
            for key in ("status", "bundle", "rootfs", "annotations", "owner"):
                assert mine[key] == theirs[key], key
            assert (mine["pid"] == 0) == (theirs["pid"] == 0)


def test_the_container_is_what_the_bundle_asks(bundle: Path,
                                                runtimes: dict[str, Runtime]) -> None:
    rt = runtimes["vmforms"]
    probe = ("hostname; ulimit -n; grep -E '^(CapEff|NoNewPrivs):' /proc/self/status; "
             "touch /x 2>/dev/null || echo read-only; touch /tmp/x && echo tmp-ok; "
             "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null; echo $$")
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["sh", "-c", probe]
    (bundle / "config.json").write_text(json.dumps(config))
    out = bundle / "out.txt"
    with open(out, "w") as f:
        done = subprocess.run([rt.binary, "--root", str(rt.root), "run", "--bundle",
                               str(bundle), "probe"], stdout=f, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "bundle"
    assert lines[1] == "1024"
    assert lines[2] == "CapEff:\t0000000000000420"  # CAP_KILL and CAP_NET_BIND_SERVICE
    assert lines[3] == "NoNewPrivs:\t1"
    assert lines[4:6] == ["read-only", "tmp-ok"]
    assert lines[-1] == "1"


def test_run_returns_the_exit_code_and_deletes(bundle: Path,
                                               runtimes: dict[str, Runtime]) -> None:
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["sh", "-c", "exit 7"]
    (bundle / "config.json").write_text(json.dumps(config))
    for name, rt in runtimes.items():
        assert rt("run", "--bundle", str(bundle), f"run-{name}").returncode == 7, name
        assert rt("state", f"run-{name}").returncode == 1


def test_exec_joins_the_container(bundle: Path, runtimes: dict[str, Runtime]) -> None:
    rt = runtimes["vmforms"]
    assert rt("create", "--bundle", str(bundle), "ex").returncode == 0
    # runtime.md: deleting a container that is not stopped is an error with no effect
    # (runc and crun remove a created one anyway)
    refused = rt("delete", "ex")
    assert refused.returncode == 1 and "not stopped: created" in refused.stderr
    assert rt.state("ex")["status"] == "created"
    assert rt("start", "ex").returncode == 0
    done = rt("exec", "ex", "sh", "-c", "hostname; echo $$; exit 4")
    assert done.returncode == 4, done.stderr
    assert done.stdout.split()[0] == "bundle"
    assert done.stdout.split()[1] != "1"
    process = bundle / "process.json"
    process.write_text(json.dumps({"args": ["cat", "/proc/1/cmdline"], "cwd": "/",
                                   "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}}))
    done = rt("exec", "--process", str(process), "ex")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "sleep\x0060\x00"
    pid_file = bundle / "exec.pid"
    done = rt("exec", "--detach", "--pid-file", str(pid_file), "ex", "sleep", "30")
    assert done.returncode == 0, done.stderr
    assert int(pid_file.read_text()) > 0
    listed = rt("list", "--format", "json")
    assert [s["id"] for s in json.loads(listed.stdout)] == ["ex"]
    assert rt("delete", "ex").returncode == 1  # running
    assert rt("delete", "--force", "ex").returncode == 0
    assert not Path(f"/proc/{int(pid_file.read_text())}/cmdline").exists() or \
        Path(f"/proc/{int(pid_file.read_text())}/cmdline").read_bytes() == b""


# --- bad input ---------------------------------------------------------------------


def _bad_bundles(base: Path, good: Path) -> dict[str, Path]:
    broken = base / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{not json")
    no_args = base / "no-args"
    no_args.mkdir()
    config = json.loads((good / "config.json").read_text())
    config["process"]["args"] = []
    (no_args / "config.json").write_text(json.dumps(config))
    bad_mount = base / "bad-mount"
    bad_mount.mkdir()
    config["process"]["args"] = ["true"]
    config["root"]["path"] = str(good / "rootfs")
    config["mounts"].append({"destination": "/x", "type": "bind", "source": "/no/such/dir",
                             "options": ["rbind"]})
    (bad_mount / "config.json").write_text(json.dumps(config))
    return {"missing": base / "no-such-bundle", "broken": broken, "no-args": no_args,
            "bad-mount": bad_mount}


@pytest.mark.parametrize("case", ["missing", "broken", "no-args", "bad-mount", "unknown-id",
                                  "duplicate", "bad-id", "bad-signal"])
def test_bad_input_is_one_line_and_leaves_nothing(bundle: Path, work: Path,
                                                  runtimes: dict[str, Runtime],
                                                  cgroups_below: Below, case: str) -> None:
    (work / "bad").mkdir()
    bundles = _bad_bundles(work / "bad", bundle)
    before = cgroups_below("vmforms-runtime")
    codes = {}
    for name, rt in runtimes.items():
        log = work / f"{name}-{case}.log"
        if case in bundles:
            done = rt("create", "--bundle", str(bundles[case]), "bad", log=log)
        elif case == "unknown-id":
            done = rt("state", "no-such-container", log=log)
        elif case == "bad-id":
            done = rt("create", "--bundle", str(bundle), "bad/id", log=log)
        else:
            assert rt("create", "--bundle", str(bundle), "dup").returncode == 0
            if case == "duplicate":
                done = rt("create", "--bundle", str(bundle), "dup", log=log)
            else:
                done = rt("kill", "dup", "NOSUCHSIGNAL", log=log)
            assert rt("delete", "--force", "dup").returncode == 0
        codes[name] = done.returncode
        if name == "vmforms":
            assert done.returncode == 1
            assert len(done.stderr.splitlines()) == 1, done.stderr
            assert "Traceback" not in done.stderr
            record = json.loads(log.read_text().splitlines()[-1])
            assert record["level"] == "error" and record["msg"] == done.stderr.strip()
        assert "bad" not in (os.listdir(rt.root) if rt.root.is_dir() else [])
    assert len(set(codes.values())) == 1, codes  # the same exit code as runc
    assert cgroups_below("vmforms-runtime") == before


def test_preserve_fds_reach_the_command(bundle: Path, runtimes: dict[str, Runtime]) -> None:
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["sh", "-c", "cat <&3; ls /proc/self/fd | wc -l"]
    (bundle / "config.json").write_text(json.dumps(config))
    (bundle / "fd3.txt").write_text("passed on\n")
    outputs = {}
    for name, rt in runtimes.items():
        done = subprocess.run(
            ["sh", "-c", f'exec 3<"{bundle}/fd3.txt"; exec "$@"', "sh", rt.binary, "--root",
             str(rt.root), "run", "--preserve-fds", "1", "--bundle", str(bundle), f"fds-{name}"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs[name] = done.stdout
    # fds 0-3 and the one ls opens: nothing of the runtime's own leaks into the container
    assert outputs["vmforms"] == "passed on\n5\n"
    assert len(set(outputs.values())) == 1, outputs


def _read_sysctl(key: str) -> str:
    return Path("/proc/sys", *key.split(".")).read_text()


@pytest.mark.parametrize(("key", "value", "unshared"), [
    ("fs.mqueue.queues_max", "77", "ipc"),
    ("net.ipv4.ping_group_range", "7 7", "network"),
    ("kernel.domainname", "hostile", "uts"),
    ("kernel.shmmni", "77", "ipc"),
    ("vm.swappiness", "7", None),
    ("net.ipv4/../../kernel.hostname", "x", "network"),
])
def test_sysctls_never_reach_the_host(bundle: Path, runtimes: dict[str, Runtime],
                                      key: str, value: str, unshared: str | None) -> None:
    """A sysctl goes only into a namespace of the container's own, as runc refuses the
    rest; before the check, crun's test suite changed all three of these on the host."""
    config = json.loads((bundle / "config.json").read_text())
    config["linux"]["sysctl"] = {key: value}
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"]
                                     if ns["type"] != unshared]
    (bundle / "config.json").write_text(json.dumps(config))
    readable = "/" not in key
    before = _read_sysctl(key) if readable else ""
    for name, rt in runtimes.items():
        done = rt("run", "--bundle", str(bundle), f"sysctl-{name}")
        assert done.returncode != 0, f"{name} accepted {key} in the host's namespace"
        if name == "vmforms":
            assert len(done.stderr.splitlines()) == 1, done.stderr
            assert "sysctl" in done.stderr and "Traceback" not in done.stderr
        if readable:
            assert _read_sysctl(key) == before, f"{name} wrote {key} into the host"
    # In a namespace of its own, the same sysctl is set, and only there.
    if unshared is not None and readable:
        config["linux"]["namespaces"].append({"type": unshared})
        config["process"]["args"] = ["cat", "/proc/sys/" + key.replace(".", "/")]
        config["root"]["readonly"] = False
        (bundle / "config.json").write_text(json.dumps(config))
        out = subprocess.run([RUNTIME, "--root", str(runtimes["vmforms"].root), "run",
                              "--bundle", str(bundle), "sysctl-own"], capture_output=True,
                             text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == value.split()
        assert _read_sysctl(key) == before


def _hook(script: str) -> dict[str, object]:
    return {"path": "/bin/sh", "args": ["sh", "-c", script]}


def test_hooks_run_where_and_when_the_spec_says(bundle: Path, work: Path,
                                                runtimes: dict[str, Runtime]) -> None:
    """Each kind of hook, for runc and for us: the state it is given on stdin, the mount
    namespace it runs in (the runtime's or the container's) and what it sees there."""
    seen: dict[str, dict[str, dict[str, object]]] = {}
    for name, rt in runtimes.items():
        out = work / f"hooks-{name}"
        out.mkdir()
        rootfs = bundle / "rootfs"
        record = ('s=$(cat); m=$(readlink /proc/self/ns/mnt); p=$(echo "$s" | '
                  "sed 's/.*\"pid\": *\\([0-9]*\\).*/\\1/'); c=$(readlink /proc/$p/ns/mnt); "
                  'printf "%s\\n%s\\n%s\\n%s\\n" "$s" "$m" "$c" "$(test -e ' + str(rootfs)
                  + '/proc/self/status && echo mounted)" > ' + str(out) + "/$0")
        config = json.loads((bundle / "config.json").read_text())
        config["root"]["readonly"] = False
        config["process"]["args"] = ["true"]
        config["hooks"] = {
            kind: [{"path": "/bin/sh", "args": ["sh", "-c", record, kind]}]
            for kind in ("createRuntime", "prestart", "createContainer", "poststart",
                         "poststop")}
        config["hooks"]["startContainer"] = [_hook("{ cat; echo; hostname; } > "
                                                   "/startContainer")]
        (bundle / "config.json").write_text(json.dumps(config))
        assert rt("create", "--bundle", str(bundle), "hooked").returncode == 0
        assert rt("start", "hooked").returncode == 0
        time.sleep(0.3)
        assert rt("delete", "--force", "hooked").returncode == 0
        host_mnt = os.readlink("/proc/self/ns/mnt")
        seen[name] = {}
        for kind in ("createRuntime", "prestart", "createContainer", "poststart",
                     "poststop"):
            lines = (out / kind).read_text().splitlines()
            state = json.loads(lines[0])
            seen[name][kind] = {
                "status": state["status"], "has_pid": state.get("pid", 0) > 0,
                "bundle": state["bundle"] == str(bundle),
                "in": ("runtime" if lines[1] == host_mnt else
                       "container" if lines[1] == lines[2] else "other"),
                "sees_mounts": lines[3] == "mounted"}
        started = (rootfs / "startContainer").read_text().splitlines()
        seen[name]["startContainer"] = {"status": json.loads(started[0])["status"],
                                        "hostname": started[1]}
        (rootfs / "startContainer").unlink()
    ours = seen["vmforms"]
    assert ours["createRuntime"]["in"] == ours["prestart"]["in"] == "runtime"
    assert ours["createContainer"]["in"] == "container"
    assert ours["createContainer"]["sees_mounts"]
    assert ours["createRuntime"]["status"] == "creating"
    assert ours["prestart"]["status"] == "created"  # crun's (and runtime-tools'), not runc's
    assert ours["poststart"]["status"] == "running" and ours["poststart"]["has_pid"]
    assert ours["poststop"]["status"] == "stopped"
    assert ours["startContainer"]["hostname"] == "bundle"
    if "runc" in seen:
        # runc's createContainer state carries the pid as seen inside (1): left out.
        assert ours["createRuntime"] == seen["runc"]["createRuntime"]
        assert {**ours["prestart"], "status": "creating"} == seen["runc"]["prestart"]
        assert ours["createContainer"]["sees_mounts"] == \
            seen["runc"]["createContainer"]["sees_mounts"]
        assert ours["startContainer"] == seen["runc"]["startContainer"]


def test_spec_writes_runcs_sample_and_config_picks_another_file(
        bundle: Path, work: Path, runtimes: dict[str, Runtime]) -> None:
    ours = work / "ours"
    for rootless in (False, True):
        for name in ("ours", "runc"):
            (work / name).mkdir(exist_ok=True)
            (work / name / "config.json").unlink(missing_ok=True)
        flags = ["--rootless"] if rootless else []
        done = subprocess.run([RUNTIME, "spec", *flags, "--bundle", str(ours)],
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        again = subprocess.run([RUNTIME, "spec", "--bundle", str(ours)],
                               capture_output=True, text=True)
        assert again.returncode == 1 and "exists" in again.stderr
        mine = json.loads((ours / "config.json").read_text())
        if "runc" in runtimes:
            subprocess.run(["runc", "spec", *flags, "--bundle", str(work / "runc")],
                           check=True)
            theirs = json.loads((work / "runc" / "config.json").read_text())
            for doc in (mine, theirs):
                doc.pop("hostname")
                doc.pop("ociVersion")
            assert mine == theirs
    # --config (crun's): another file of the bundle is the configuration.
    config = json.loads((bundle / "config.json").read_text())
    config["process"]["args"] = ["sh", "-c", "exit 9"]
    (bundle / "other.json").write_text(json.dumps(config))
    (bundle / "config.json").write_text("{not json")
    rt = runtimes["vmforms"]
    done = rt("run", "--bundle", str(bundle), "--config", "other.json", "configured")
    assert done.returncode == 9, done.stderr


def _cgroup_file(pid: int, controller: str, name: str) -> str:
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(","):
            return (Path("/sys/fs/cgroup") / controller / path.lstrip("/") / name
                    ).read_text().strip()
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").read_text():
            return (Path("/sys/fs/cgroup") / path.lstrip("/") / name).read_text().strip()
    raise AssertionError(f"{controller} is not in /proc/{pid}/cgroup")


def test_update_changes_resources_as_runc_does(bundle: Path, work: Path,
                                               runtimes: dict[str, Runtime]) -> None:
    if not Path("/sys/fs/cgroup/memory").is_dir():
        pytest.skip("this host has no cgroup v1 memory hierarchy")
    resources = work / "resources.json"
    resources.write_text(json.dumps({"memory": {"reservation": 16 << 20},
                                     "cpu": {"shares": 256}}))
    files = [("memory", "memory.limit_in_bytes"), ("memory", "memory.memsw.limit_in_bytes"),
             ("memory", "memory.soft_limit_in_bytes"), ("pids", "pids.max"),
             ("cpu", "cpu.cfs_quota_us"), ("cpu", "cpu.cfs_period_us"), ("cpu", "cpu.shares")]
    seen = {}
    for name, rt in runtimes.items():
        assert rt("run", "--detach", "--bundle", str(bundle), "upd").returncode == 0
        try:
            pid = rt.state("upd")["pid"]
            assert isinstance(pid, int)
            done = rt("update", "--memory", "64m", "--memory-swap", "128m", "--pids-limit",
                      "30", "--cpu-quota", "50000", "--cpu-period", "100000", "upd")
            assert done.returncode == 0, done.stderr
            done = rt("update", "-r", str(resources), "upd")
            assert done.returncode == 0, done.stderr
            seen[name] = [_cgroup_file(pid, c, f) for c, f in files if
                          Path(f"/sys/fs/cgroup/{c}").is_dir()]
        finally:
            rt("delete", "--force", "upd")
    ours = dict(zip((f for _, f in files), seen["vmforms"], strict=False))
    assert ours["memory.limit_in_bytes"] == str(64 << 20)
    assert ours["pids.max"] == "30" and ours["cpu.shares"] == "256"
    assert ours["memory.soft_limit_in_bytes"] == str(16 << 20)
    if "runc" in seen:
        assert seen["vmforms"] == seen["runc"]
    bad = runtimes["vmforms"]("update", "--memory", "lots", "no-such")
    assert bad.returncode == 1 and len(bad.stderr.strip().splitlines()) == 1


def test_more_cgroup_v1_resources_at_create(bundle: Path, work: Path,
                                            runtimes: dict[str, Runtime]) -> None:
    """Block I/O throttles, a memory reservation and a disabled OOM killer reach the
    cgroup as runc writes them; what this kernel lacks (hugetlb, net_cls here) is one
    warning, not a failure."""
    if not Path("/sys/fs/cgroup/blkio").is_dir():
        pytest.skip("this host has no cgroup v1 blkio hierarchy")
    block = next((p for p in sorted(Path("/sys/block").iterdir())
                  if not p.name.startswith(("loop", "zram", "ram"))), None)
    if block is None:
        pytest.skip("no block device to throttle")
    major, minor = (int(x) for x in (block / "dev").read_text().split(":"))
    config = json.loads((bundle / "config.json").read_text())
    config["linux"]["resources"].update({
        "memory": {"limit": 64 << 20, "reservation": 32 << 20, "disableOOMKiller": True},
        "blockIO": {"throttleReadBpsDevice": [{"major": major, "minor": minor,
                                               "rate": 1048576}],
                    "throttleWriteIOPSDevice": [{"major": major, "minor": minor,
                                                 "rate": 100}]}})
    files = [("memory", "memory.soft_limit_in_bytes"), ("blkio",
             "blkio.throttle.read_bps_device"), ("blkio", "blkio.throttle.write_iops_device")]
    seen = {}
    for name, rt in runtimes.items():
        (bundle / "config.json").write_text(json.dumps(config))
        log = work / f"more-{name}.log"
        done = rt("run", "--detach", "--bundle", str(bundle), "more", log=log)
        assert done.returncode == 0, done.stderr
        try:
            pid = rt.state("more")["pid"]
            assert isinstance(pid, int)
            seen[name] = [_cgroup_file(pid, c, f) for c, f in files]
            seen[name].append(_cgroup_file(pid, "memory", "memory.oom_control").split()[1])
        finally:
            rt("delete", "--force", "more")
    assert seen["vmforms"] == [str(32 << 20), f"{major}:{minor} 1048576",
                               f"{major}:{minor} 100", "1"]
    if "runc" in seen:
        assert seen["vmforms"] == seen["runc"]
    config["linux"]["resources"]["hugepageLimits"] = [{"pageSize": "2MB", "limit": 1 << 21}]
    config["linux"]["resources"]["network"] = {"classID": 1048577}
    config["process"]["args"] = ["true"]
    (bundle / "config.json").write_text(json.dumps(config))
    rt = runtimes["vmforms"]
    log = work / "warned.log"
    done = rt("run", "--bundle", str(bundle), "warned", log=log)
    assert done.returncode == 0, done.stderr
    warnings = log.read_text()
    for field in ("hugepageLimits", "network.classID"):
        if not Path(f"/sys/fs/cgroup/{field.split('.')[0].replace('hugepageLimits', 'hugetlb')}"
                    ).is_dir():
            assert field in warnings, warnings


def test_joined_or_inherited_mount_namespace_still_gets_the_root(
        bundle: Path, runtimes: dict[str, Runtime]) -> None:
    """A mount namespace joined by path gets the root filesystem set up in it (as runc
    does); with none of its own the process is chrooted (as crun does). Before, both ran
    the command in the host's /."""
    (bundle / "rootfs" / "marker").write_text("inside\n")
    holder = subprocess.Popen(["unshare", "-m", "--propagation", "private", "sleep", "60"])
    try:
        time.sleep(0.3)
        config = json.loads((bundle / "config.json").read_text())
        config["process"]["args"] = ["cat", "/marker"]
        config["root"]["readonly"] = False
        rt = runtimes["vmforms"]
        for mount_ns in ({"type": "mount", "path": f"/proc/{holder.pid}/ns/mnt"}, None):
            config["linux"]["namespaces"] = [
                ns for ns in config["linux"]["namespaces"] if ns["type"] != "mount"]
            if mount_ns is not None:
                config["linux"]["namespaces"].append(mount_ns)
                config["mounts"] = config["mounts"][:1]  # /proc only
            else:
                config["mounts"] = []
                config["linux"].pop("maskedPaths", None)
                config["linux"].pop("readonlyPaths", None)
            (bundle / "config.json").write_text(json.dumps(config))
            out = subprocess.run([RUNTIME, "--root", str(rt.root), "run", "--bundle",
                                  str(bundle), "mnt"], capture_output=True, text=True,
                                 timeout=60, stdin=subprocess.DEVNULL)
            assert out.returncode == 0, out.stderr
            assert out.stdout == "inside\n", (mount_ns, out.stdout)
    finally:
        holder.kill()
        holder.wait()


def test_user_namespace_maps_ids_as_runc_does(bundle: Path, work: Path,
                                              runtimes: dict[str, Runtime]) -> None:
    """linux.uidMappings/gidMappings: root in the container is host uid 100000; files it
    makes in a bind-mounted host directory belong to that uid on the host; exec joins the
    user namespace first."""
    shared = work / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    # The mapped root (host uid 100000) must reach the bundle, and cannot make mount
    # points in a root filesystem owned by the host's root: as for runc.
    work.chmod(0o755)
    (bundle / "rootfs" / "shared").mkdir()
    config = json.loads((bundle / "config.json").read_text())
    config["linux"]["namespaces"].append({"type": "user"})
    config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    config["mounts"].append({"destination": "/shared", "type": "bind",
                             "source": str(shared), "options": ["rbind"]})
    config["process"]["args"] = ["sh", "-c", "id -u; cat /proc/self/uid_map; "
                                 "stat -c %u /bin; touch /shared/made-by-$0; "
                                 "cat /proc/1/status | grep ^CapEff", "x"]
    seen = {}
    for name, rt in runtimes.items():
        config["process"]["args"][-1] = name
        (bundle / "config.json").write_text(json.dumps(config))
        out = subprocess.run([rt.binary, "--root", str(rt.root), "run", "--bundle",
                              str(bundle), f"userns-{name}"], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
        assert out.returncode == 0, out.stderr
        seen[name] = out.stdout.split()
        assert (shared / f"made-by-{name}").stat().st_uid == 100000
    assert seen["vmforms"][:5] == ["0", "0", "100000", "65536", "65534"]
    if "runc" in seen:
        assert seen["vmforms"] == seen["runc"]
    # exec joins the user namespace before the others
    config["process"]["args"] = ["sleep", "30"]
    (bundle / "config.json").write_text(json.dumps(config))
    rt = runtimes["vmforms"]
    assert rt("run", "--detach", "--bundle", str(bundle), "userns-exec").returncode == 0
    try:
        done = rt("exec", "userns-exec", "sh", "-c", "id -u; cat /proc/self/uid_map")
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["0", "0", "100000", "65536"]
    finally:
        rt("delete", "--force", "userns-exec")


def test_idmapped_mounts_show_the_mapped_owners(bundle: Path, work: Path,
                                                runtimes: dict[str, Runtime]) -> None:
    """A mount's uidMappings/gidMappings with `idmap` (mount_setattr MOUNT_ATTR_IDMAP): a
    tree owned by 0 and 1 on the host belongs to 0 and 1 in a container whose user
    namespace maps 0 -> 100000, while a plain bind mount of it shows the overflow id; with
    `idmap` alone the container's mappings are taken. Without a user namespace, `idmap`
    needs mappings of its own: one line."""
    tree = work / "tree"
    tree.mkdir()
    (tree / "root-file").write_text("r")
    (tree / "one-file").write_text("1")
    os.chown(tree / "one-file", 1, 1)
    work.chmod(0o755)
    for name in ("mapped", "plain", "implicit"):
        (bundle / "rootfs" / name).mkdir()
    mapping = [{"containerID": 0, "hostID": 100000, "size": 65536}]
    config = json.loads((bundle / "config.json").read_text())
    config["linux"]["namespaces"].append({"type": "user"})
    config["linux"]["uidMappings"] = mapping
    config["linux"]["gidMappings"] = mapping
    config["mounts"] += [
        {"destination": "/mapped", "type": "bind", "source": str(tree),
         "options": ["bind", "idmap"], "uidMappings": mapping, "gidMappings": mapping},
        {"destination": "/plain", "type": "bind", "source": str(tree), "options": ["bind"]},
        {"destination": "/implicit", "type": "bind", "source": str(tree),
         "options": ["bind", "idmap", "ro"]},
    ]
    config["process"]["args"] = ["sh", "-c", "stat -c %n=%u:%g /*/root-file /*/one-file; "
                                 "touch /mapped/new; touch /implicit/x 2>/dev/null || "
                                 "echo read-only"]
    (bundle / "config.json").write_text(json.dumps(config))
    rt = runtimes["vmforms"]
    out = subprocess.run([rt.binary, "--root", str(rt.root), "run", "--bundle", str(bundle),
                          "idmapped"], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert sorted(out.stdout.split()) == sorted([
        "/implicit/root-file=0:0", "/mapped/root-file=0:0", "/plain/root-file=65534:65534",
        "/implicit/one-file=1:1", "/mapped/one-file=1:1", "/plain/one-file=65534:65534",
        "read-only"])
    # Made by the container's root through the idmapped mount: the host's root owns it.
    assert (tree / "new").stat().st_uid == 0
    # No user namespace and no mappings: refused, and nothing is left running.
    del config["linux"]["uidMappings"], config["linux"]["gidMappings"]
    config["linux"]["namespaces"] = [ns for ns in config["linux"]["namespaces"]
                                     if ns["type"] != "user"]
    config["mounts"] = [mnt for mnt in config["mounts"] if mnt["destination"] != "/mapped"]
    (bundle / "config.json").write_text(json.dumps(config))
    refused = rt("run", "--bundle", str(bundle), "idmapped-refused")
    assert refused.returncode != 0
    assert "idmap without uidMappings and gidMappings needs a user namespace" in refused.stderr
    assert "Traceback" not in refused.stderr
