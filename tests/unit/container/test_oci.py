"""The OCI runtime's pieces without containers: runc's flag syntax, signals, cgroup paths,
device rules, log records, seccomp profiles, and the CLI's errors."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from vmforms.cli import runtime as cli
from vmforms.container import bundle, oci
from vmforms.container import spec as S
from vmforms.container.errors import InvalidOption, RuntimeFailure

PODMAN_LIKE = {
    "ociVersion": "1.0.2-dev",
    "process": {
        "user": {"uid": 0, "gid": 0, "umask": 18, "additionalGids": [10]},
        "args": ["uname", "-r"], "env": ["PATH=/bin"], "cwd": "/",
        "capabilities": {"bounding": ["CAP_CHOWN"], "effective": ["CAP_CHOWN"],
                         "permitted": ["CAP_CHOWN"]},
        "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
        "oomScoreAdj": 100, "apparmorProfile": "containers-default",
    },
    "root": {"path": "/var/lib/x/merged"},
    "hostname": "abc",
    "mounts": [{"destination": "/dev/shm", "type": "bind", "source": "/run/shm",
                "options": ["bind", "rprivate", "nosuid", "noexec", "nodev"]}],
    "hooks": {"poststop": [{"path": "/bin/true", "args": ["true"], "timeout": 5}]},
    "linux": {
        "sysctl": {"net.ipv4.ping_group_range": "0 0"},
        "resources": {"devices": [{"allow": False, "access": "rwm"},
                                  {"allow": True, "type": "c", "major": 10, "minor": 229,
                                   "access": "rw"}],
                      "pids": {"limit": 2048}, "memory": {"limit": 67108864}},
        "cgroupsPath": "/libpod_parent/libpod-abc",
        "namespaces": [{"type": "pid"}, {"type": "network", "path": "/run/netns/x"}],
        "devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229,
                     "fileMode": 438, "uid": 0, "gid": 0}],
        "seccomp": {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []},
        "rootfsPropagation": "rslave",
    },
}


def _spec(**linux: object) -> S.Spec:
    raw = json.loads(json.dumps(PODMAN_LIKE))
    raw["linux"].update(linux)
    return S.load(raw)


def test_podman_config_round_trips() -> None:
    spec = S.load(PODMAN_LIKE)
    assert S.load(json.loads(json.dumps(S.dump(spec)))) == spec
    assert spec.process.user.umask == 0o22
    assert spec.process.oom_score_adj == 100
    assert spec.process.rlimits == (S.Rlimit("RLIMIT_NOFILE", 1024, 1024),)
    assert spec.linux.devices[0] == S.Device("/dev/fuse", "c", 10, 229, 0o666, 0, 0)
    assert spec.hooks_for("poststop")[0].timeout == 5
    assert spec.linux.seccomp == {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c["process"]["rlimits"][0].update(type="RLIMIT_NOPE"), "RLIMIT_NOPE"),
        (lambda c: c["linux"]["resources"]["devices"][0].pop("allow"),
         "linux.resources.devices[0].allow: missing"),
        (lambda c: c["linux"]["devices"][0].update(type="x"), "linux.devices[0]"),
        (lambda c: c["hooks"]["poststop"][0].update(path="true"), "hooks.poststop[0].path"),
        (lambda c: c["linux"]["namespaces"].append("pid"), "linux.namespaces[2]"),
    ],
)
def test_bad_fields_are_named(mutate: object, message: str) -> None:
    raw = json.loads(json.dumps(PODMAN_LIKE))
    mutate(raw)  # type: ignore[operator]
    with pytest.raises(InvalidOption, match=message.replace("[", r"\[").replace("]", r"\]")):
        S.load(raw)


def test_resources_unknown_are_listed_and_the_rest_mapped_to_files() -> None:
    from vmforms.container.cgroups import resources

    raw = {"cpu": {"cpus": "0-1", "shares": 512, "realtimeRuntime": 5},
           "blockIO": {"weight": 10,
                       "throttleReadBpsDevice": [{"major": 8, "minor": 0, "rate": 99}]},
           "memory": {"limit": 1 << 26, "reservation": 1 << 25, "useHierarchy": True},
           "hugepageLimits": [{"pageSize": "2MB", "limit": 1 << 21}],
           "rdmaX": {"x": 1}}
    spec = _spec(resources=raw)
    assert spec.linux.resources.ignored == ("memory.useHierarchy", "rdmaX")
    assert spec.linux.resources.cpu_shares == 512
    assert bundle.limits(spec).cpuset_cpus == "0-1"
    v1 = {(c, f, v) for c, f, v, _ in resources.extra_writes(raw, 1)}
    assert v1 == {("cpu", "cpu.rt_runtime_us", "5"), ("blkio", "blkio.weight", "10"),
                  ("blkio", "blkio.throttle.read_bps_device", "8:0 99"),
                  ("memory", "memory.soft_limit_in_bytes", str(1 << 25)),
                  ("hugetlb", "hugetlb.2MB.limit_in_bytes", str(1 << 21))}
    v2 = {(c, f, v) for c, f, v, _ in resources.writes(raw, 2)}
    assert ("", "io.max", "8:0 rbps=99") in v2 and ("", "io.weight", "1") in v2
    assert ("", "memory.low", str(1 << 25)) in v2 and ("", "cpu.weight", "20") in v2
    with pytest.raises(InvalidOption, match="unified"):
        resources.writes({"unified": {"memory.high": "1"}}, 1)
    with pytest.raises(InvalidOption, match="file name"):
        resources.writes({"unified": {"../escape": "1"}}, 2)


def test_a_missing_huge_page_size_is_an_error_a_missing_controller_a_warning(
        tmp_path: Path) -> None:
    from vmforms.container.cgroups import resources
    from vmforms.container.errors import CgroupError

    (tmp_path / "hugetlb.2MB.limit_in_bytes").write_text("0\n")
    todo = resources.writes({"hugepageLimits": [{"pageSize": "2MB", "limit": 1 << 21}],
                             "network": {"classID": 7}}, 1)
    assert resources.apply({"hugetlb": tmp_path}, todo) == ["network.classID"]
    assert (tmp_path / "hugetlb.2MB.limit_in_bytes").read_text() == str(1 << 21)
    wrong = resources.writes({"hugepageLimits": [{"pageSize": "3MB", "limit": 1}]}, 1)
    with pytest.raises(CgroupError, match="no such huge page size"):
        resources.apply({"hugetlb": tmp_path}, wrong)
    assert resources.apply({}, wrong) == ["hugepageLimits"]


def test_device_rules_follow_runc() -> None:
    limits = bundle.limits(_spec())
    assert limits.devices is not None
    assert limits.devices[-len(S.DEFAULT_DEVICE_RULES):] == S.DEFAULT_DEVICE_RULES
    assert limits.devices[0] == "c 10:229 rw"
    assert limits.pids == 2048 and limits.memory == 64 << 20
    allow_all = bundle.limits(_spec(resources={"devices": [{"allow": True, "access": "rwm"}]}))
    assert allow_all.devices is None


def test_cgroup_paths() -> None:
    assert bundle.cgroup_name(_spec(), "abc") == "libpod_parent/libpod-abc"
    assert bundle.cgroup_name(_spec(cgroupsPath=None), "abc") == "vmforms-runtime/abc"
    name = bundle.cgroup_name(_spec(cgroupsPath="machine-libpod.slice:libpod:abc"), "x",
                              systemd=True)
    assert name == "machine.slice/machine-libpod.slice/libpod-abc.scope"
    assert bundle.cgroup_name(_spec(cgroupsPath=":libpod:abc"), "x", systemd=True) == \
        "system.slice/libpod-abc.scope"
    with pytest.raises(RuntimeFailure, match="slice:prefix:name"):
        bundle.cgroup_name(_spec(cgroupsPath="/libpod_parent/x"), "x", systemd=True)


@pytest.mark.parametrize(("text", "number"), [("KILL", 9), ("SIGTERM", 15), ("9", 9),
                                              ("hup", 1), ("SIGRTMIN", 34)])
def test_signals(text: str, number: int) -> None:
    assert oci.parse_signal(text) == number


@pytest.mark.parametrize("text", ["NOPE", "0", "999", "SIG_DFL", ""])
def test_bad_signals(text: str) -> None:
    with pytest.raises(RuntimeFailure, match="unknown signal"):
        oci.parse_signal(text)


def test_flags_in_runcs_syntax() -> None:
    table = cli.COMMANDS["exec"][1]
    flags, rest = cli.parse_flags(["-d", "--pid-file=/p", "-e", "A=1", "--env", "B=2",
                                   "--tty=false", "-process", "/x.json", "ID", "sh", "-c",
                                   "echo"], table)
    assert flags["detach"] is True and flags["tty"] is False
    assert flags["pid-file"] == "/p" and flags["process"] == "/x.json"
    assert flags["env"] == ["A=1", "B=2"]
    assert rest == ["ID", "sh", "-c", "echo"]
    with pytest.raises(cli.UsageError, match="flag provided but not defined: -bogus"):
        cli.parse_flags(["--bogus"], table)
    with pytest.raises(cli.UsageError, match="flag needs an argument"):
        cli.parse_flags(["--cwd"], table)


def test_log_records() -> None:
    text = cli.Log(None, "text").record("error", 'a "quoted" message')
    assert text.startswith('time="') and text.endswith(
        'level=error msg="a \\"quoted\\" message"')
    record = json.loads(cli.Log(None, "json").record("warning", "w"))
    assert record["level"] == "warning" and record["msg"] == "w" and record["time"]


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "log.json"
    code = cli.main(["--root", str(tmp_path / "state"), "--log", str(log), "--log-format",
                     "json", "state", "nope"])
    err = capsys.readouterr().err
    assert code == 1 and err == "container does not exist\n"
    assert json.loads(log.read_text())["msg"] == "container does not exist"
    assert cli.main(["--root", str(tmp_path / "state"), "create", "--bundle",
                     str(tmp_path / "none"), "x"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "level=error" in err and "no such directory" in err
    assert not (tmp_path / "state" / "x").exists()
    assert cli.main(["--root", str(tmp_path), "state", "../etc"]) == 1
    assert "invalid container ID format" in capsys.readouterr().err


def test_version_and_features(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"spec: {cli.SPEC_VERSION}"
    assert cli.main(["features"]) == 0
    features = json.loads(capsys.readouterr().out)
    assert "rbind" in features["mountOptions"]
    assert "CAP_SYS_ADMIN" in features["linux"]["capabilities"]


def _libseccomp() -> None:
    from vmforms.linux.seccomp import library

    try:
        library()
    except OSError:
        pytest.skip("libseccomp.so.2 is not installed (apt-get install libseccomp2)")


def test_seccomp_profile_is_enforced(tmp_path: Path) -> None:
    _libseccomp()
    from vmforms.container.seccomp import build

    profile = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"],
        "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
            # Two conditions on one argument: either matches (one rule each).
            {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
             "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"},
                      {"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]},
            {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"},
        ],
    }
    flt = build(profile)
    try:
        assert _mkdir_refused_under(flt, tmp_path / "refused")
    finally:
        flt.release()


def _mkdir_refused_under(flt: Any, where: Path) -> bool:
    """Whether mkdir fails with EACCES in a child that loaded `flt`."""
    from vmforms.linux.process import set_no_new_privs

    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            set_no_new_privs()
            flt.load()
            try:
                os.mkdir(where)
            except PermissionError as exc:
                code = 0 if exc.errno == errno.EACCES else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status) == 0 and not where.exists()


def test_compiled_seccomp_programs_are_cached_and_enforced(tmp_path: Path) -> None:
    _libseccomp()
    from vmforms.container.seccomp import build, prepare
    from vmforms.linux.seccomp import Program

    profile = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                             "errnoRet": 13}]}
    cache = tmp_path / "cache"
    first = prepare(profile, pytest.fail, cache)
    assert first is not None and not isinstance(first, Program)  # compiled this time
    [kept] = cache.iterdir()
    assert kept.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    second = prepare(profile, pytest.fail, cache)
    assert isinstance(second, Program)
    flt = build(profile)
    assert second.code == flt.export() == kept.read_bytes()
    flt.release()
    assert _mkdir_refused_under(second, tmp_path / "refused")
    # Another profile is another program.
    other = dict(profile, defaultAction="SCMP_ACT_LOG")
    assert not isinstance(prepare(other, pytest.fail, cache), Program)
    assert len(list(cache.iterdir())) == 2
    # A program that others could have written is not loaded, nor is a damaged one.
    kept.chmod(0o622)
    assert not isinstance(prepare(profile, pytest.fail, cache), Program)
    kept.chmod(0o600)
    kept.write_bytes(b"\0" * 7)
    assert not isinstance(prepare(profile, pytest.fail, cache), Program)
    cache.chmod(0o777)
    assert not isinstance(prepare(profile, pytest.fail, cache), Program)


def test_bad_seccomp_profiles_are_named() -> None:
    _libseccomp()
    from vmforms.container.seccomp import build

    with pytest.raises(InvalidOption, match="unsupported seccomp action 'SCMP_ACT_NOPE'"):
        build({"defaultAction": "SCMP_ACT_NOPE"})
    with pytest.raises(InvalidOption, match=r"syscalls\[0\]\.args\[0\]\.op"):
        build({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"op": "bogus"}]}]})
