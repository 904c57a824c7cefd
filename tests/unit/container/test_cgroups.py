"""The cgroup drivers over a temp directory that behaves like cgroupfs: mkdir fills a new
cgroup with the interface files its hierarchy has, rmdir refuses a populated cgroup, and
v2's cgroup.subtree_control decides which controller files a child gets."""

from __future__ import annotations

import errno
import os
import signal
from collections.abc import Iterable
from pathlib import Path

import pytest

from vmforms.container.cgroups import (
    Limits,
    V1Cgroup,
    V1Driver,
    V2Cgroup,
    V2Driver,
    detect,
    fs,
    shares_to_weight,
)
from vmforms.container.errors import CgroupError, CgroupNotFound, InvalidOption

MiB = 1024 * 1024
V1_UNLIMITED = "9223372036854771712"

COMMON_V1 = {"cgroup.procs": "", "tasks": "", "notify_on_release": "0"}
V1_FILES: dict[str, dict[str, str]] = {
    "memory": {
        "memory.limit_in_bytes": V1_UNLIMITED,
        "memory.memsw.limit_in_bytes": V1_UNLIMITED,
        "memory.swappiness": "60",
        "memory.usage_in_bytes": "0",
        "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
    },
    "cpu": {"cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.shares": "1024"},
    "cpuacct": {"cpuacct.usage": "0"},
    "cpuset": {"cpuset.cpus": "", "cpuset.mems": ""},
    "pids": {"pids.max": "max", "pids.current": "0"},
    "freezer": {"freezer.state": "THAWED"},
    "devices": {"devices.list": "a *:* rwm"},
    "name=systemd": {},
}
V2_FILES: dict[str, dict[str, str]] = {
    "": {
        "cgroup.controllers": "",
        "cgroup.subtree_control": "",
        "cgroup.procs": "",
        "cgroup.events": "populated 0\nfrozen 0\n",
        "cgroup.freeze": "0",
        "cgroup.kill": "",
    },
    "memory": {
        "memory.max": "max",
        "memory.swap.max": "max",
        "memory.current": "0",
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
    },
    "cpu": {"cpu.max": "max 100000", "cpu.weight": "100", "cpu.stat": "usage_usec 0\n"},
    "pids": {"pids.max": "max", "pids.current": "0"},
}


class FakeCgroupfs:
    """Hierarchies under a temp root, with the kernel's behaviour where drivers rely on it."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        self.mountinfo = root.parent / "mountinfo"
        self.lines: list[str] = []
        self.mounts: dict[Path, list[str]] = {}  # mount point -> controllers ("" for v2)
        self.writes: list[tuple[str, str]] = []
        self.removed: list[str] = []
        self.omit: set[str] = set()  # interface files that new cgroups will lack
        self._write = fs.write
        monkeypatch.setattr(fs, "mkdir", self.mkdir)
        monkeypatch.setattr(fs, "rmdir", self.rmdir)
        monkeypatch.setattr(fs, "write", self.write)

    def rel(self, path: Path) -> str:
        return str(path.relative_to(self.root))

    def _mountinfo_line(self, point: Path, fstype: str, options: str) -> None:
        n = len(self.lines) + 30
        self.lines.append(f"{n} 23 0:{n} / {point} rw,relatime shared:{n} - {fstype} x {options}")
        self.mountinfo.write_text("\n".join(self.lines) + "\n")

    def mount_v1(self, dirname: str, controllers: list[str]) -> Path:
        point = self.root / dirname
        point.mkdir(parents=True)
        self.mounts[point] = controllers
        self._populate(point, controllers)
        for name, value in (("cpuset.cpus", "0-1"), ("cpuset.mems", "0")):
            if "cpuset" in controllers:
                (point / name).write_text(value + "\n")
        self._mountinfo_line(point, "cgroup", ",".join(["rw", *controllers]))
        return point

    def mount_v2(self, controllers: list[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.mounts[self.root] = [""]
        self._populate(self.root, [""])
        (self.root / "cgroup.controllers").write_text(" ".join(controllers) + "\n")
        self._mountinfo_line(self.root, "cgroup2", "rw,nsdelegate")

    def _populate(self, path: Path, controllers: Iterable[str]) -> None:
        files = COMMON_V1 if "" not in controllers else {}
        for controller in controllers:
            files = files | (V1_FILES if "" not in controllers else V2_FILES)[controller]
        for name, value in files.items():
            if name not in self.omit:
                (path / name).write_text(value + "\n" if value else "")

    def _mount_of(self, path: Path) -> Path:
        return max((m for m in self.mounts if path.is_relative_to(m)), key=lambda m: len(m.parts))

    def mkdir(self, path: Path) -> None:
        os.mkdir(path)
        mount = self._mount_of(path)
        if self.mounts[mount] == [""]:
            enabled = (path.parent / "cgroup.subtree_control").read_text().split()
            self._populate(path, ["", *enabled])
            (path / "cgroup.controllers").write_text(" ".join(enabled) + "\n")
        else:
            self._populate(path, self.mounts[mount])

    def rmdir(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
        if any(p.is_dir() for p in path.iterdir()):
            raise OSError(errno.ENOTEMPTY, "Directory not empty", str(path))
        if (path / "cgroup.procs").read_text().strip():
            raise OSError(errno.EBUSY, "Device or resource busy", str(path))
        for child in path.iterdir():
            child.unlink()
        os.rmdir(path)
        self.removed.append(self.rel(path))

    def write(self, path: Path, value: str | int, hint: str = "") -> None:
        self.writes.append((self.rel(path), str(value)))
        name, text = path.name, str(value)
        if name == "cgroup.subtree_control":
            enabled = path.read_text().split()
            available = (path.parent / "cgroup.controllers").read_text().split()
            if text[1:] not in available:
                raise CgroupError(f"write {text!r} to {path}: No such file or directory")
            value = " ".join(sorted({*enabled, text[1:]}))
        # The kernel keeps memory.limit_in_bytes <= memory.memsw.limit_in_bytes.
        memsw = path.with_name("memory.memsw.limit_in_bytes")
        if name == "memory.limit_in_bytes" and memsw.exists() and int(text) > self._int(memsw):
            raise CgroupError(f"write {text!r} to {path}: Invalid argument")
        limit = path.with_name("memory.limit_in_bytes")
        if name == memsw.name and text != "-1" and int(text) < self._int(limit):
            raise CgroupError(f"write {text!r} to {path}: Invalid argument")
        self._write(path, value, hint)

    @staticmethod
    def _int(path: Path) -> int:
        return int(path.read_text())

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text().strip()


@pytest.fixture
def cgfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCgroupfs:
    return FakeCgroupfs(tmp_path / "cgroup", monkeypatch)


@pytest.fixture
def v1fs(cgfs: FakeCgroupfs) -> FakeCgroupfs:
    """A hybrid host like the CI machine's: tmpfs root, v1 hierarchies, cgroup2 unified."""
    cgfs.root.mkdir()
    for controllers in (["cpu", "cpuacct"], ["cpuset"], ["memory"], ["devices"]):
        cgfs.mount_v1(",".join(controllers), controllers)
    for controllers in (["freezer"], ["pids"], ["name=systemd"]):
        cgfs.mount_v1(controllers[0].removeprefix("name="), controllers)
    (cgfs.root / "unified").mkdir()
    cgfs._mountinfo_line(cgfs.root / "unified", "cgroup2", "rw")
    return cgfs


def v1_driver(v1fs: FakeCgroupfs) -> V1Driver:
    driver = detect(v1fs.root, v1fs.mountinfo)
    assert isinstance(driver, V1Driver)
    return driver


def hierarchy_dirs(cgfs: FakeCgroupfs, name: str) -> list[str]:
    return sorted(cgfs.rel(p / name) for p in cgfs.mounts if (p / name).is_dir())


# detect ---------------------------------------------------------------------------------


def test_detect_v2_when_root_is_a_cgroup2_mount(cgfs: FakeCgroupfs) -> None:
    cgfs.mount_v2(["cpu", "memory", "pids"])
    driver = detect(cgfs.root, cgfs.mountinfo)
    assert isinstance(driver, V2Driver) and driver.root == cgfs.root and driver.version == 2


def test_detect_v1_on_a_hybrid_host_maps_every_controller(v1fs: FakeCgroupfs) -> None:
    driver = v1_driver(v1fs)
    root = v1fs.root
    assert driver.version == 1
    assert driver.hierarchies == {
        "cpu": root / "cpu,cpuacct",
        "cpuacct": root / "cpu,cpuacct",
        "cpuset": root / "cpuset",
        "memory": root / "memory",
        "devices": root / "devices",
        "freezer": root / "freezer",
        "pids": root / "pids",
        "name=systemd": root / "systemd",
    }


def test_detect_ignores_cgroup_mounts_elsewhere_and_fails_without_any(
    cgfs: FakeCgroupfs, tmp_path: Path
) -> None:
    cgfs.root.mkdir()
    (tmp_path / "elsewhere").mkdir()
    cgfs._mountinfo_line(tmp_path / "elsewhere", "cgroup", "rw,memory")
    with pytest.raises(CgroupError, match="no cgroup hierarchy is mounted"):
        detect(cgfs.root, cgfs.mountinfo)


def test_parse_mountinfo_unescapes_paths_and_skips_optional_fields() -> None:
    text = (
        "35 31 0:32 / /sys/fs/cgroup/mem\\040ory rw shared:9 master:2 - cgroup cg rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
    )
    first, second = fs.parse_mountinfo(text)
    assert first == fs.Mount(Path("/sys/fs/cgroup/mem ory"), "cgroup", ("rw", "memory"))
    assert second.fstype == "cgroup2"


# v1 -------------------------------------------------------------------------------------


def test_v1_create_writes_each_limit_once_in_its_hierarchy_in_kernel_order(
    v1fs: FakeCgroupfs,
) -> None:
    limits = Limits(
        memory=32 * MiB, memory_swappiness=0, cpu_quota=50_000, cpu_period=100_000,
        cpu_shares=512, pids=64,
    )  # fmt: skip
    cgroup = v1_driver(v1fs).create("vmforms/c1", limits)
    assert v1fs.writes == [
        ("cpuset/vmforms/cpuset.cpus", "0-1"),
        ("cpuset/vmforms/cpuset.mems", "0"),
        ("cpuset/vmforms/c1/cpuset.cpus", "0-1"),
        ("cpuset/vmforms/c1/cpuset.mems", "0"),
        ("memory/vmforms/c1/memory.limit_in_bytes", str(32 * MiB)),
        ("memory/vmforms/c1/memory.memsw.limit_in_bytes", str(64 * MiB)),
        ("memory/vmforms/c1/memory.swappiness", "0"),
        ("cpu,cpuacct/vmforms/c1/cpu.cfs_period_us", "100000"),
        ("cpu,cpuacct/vmforms/c1/cpu.cfs_quota_us", "50000"),
        ("cpu,cpuacct/vmforms/c1/cpu.shares", "512"),
        ("pids/vmforms/c1/pids.max", "64"),
    ]
    assert hierarchy_dirs(v1fs, "vmforms/c1") == [
        "cpu,cpuacct/vmforms/c1", "cpuset/vmforms/c1", "devices/vmforms/c1",
        "freezer/vmforms/c1", "memory/vmforms/c1", "pids/vmforms/c1", "systemd/vmforms/c1",
    ]  # fmt: skip
    assert cgroup.paths["name=systemd"] == v1fs.root / "systemd/vmforms/c1"
    assert cgroup.paths["cpuacct"] == cgroup.paths["cpu"]


def test_v1_without_limits_only_makes_the_cpuset_usable(v1fs: FakeCgroupfs) -> None:
    v1_driver(v1fs).create("/vmforms/c1", Limits())
    assert [path for path, _ in v1fs.writes if "cpuset" not in path] == []
    assert v1fs.read("memory/vmforms/c1/memory.limit_in_bytes") == V1_UNLIMITED


@pytest.mark.parametrize(
    ("memory_swap", "memsw"), [(None, 2 * 32 * MiB), (32 * MiB, 32 * MiB), (-1, -1)]
)
def test_v1_memsw_follows_docker_memory_swap(
    v1fs: FakeCgroupfs, memory_swap: int | None, memsw: int
) -> None:
    v1_driver(v1fs).create("vmforms/c1", Limits(memory=32 * MiB, memory_swap=memory_swap))
    assert ("memory/vmforms/c1/memory.memsw.limit_in_bytes", str(memsw)) in v1fs.writes


def test_v1_without_swap_accounting_limits_memory_alone(v1fs: FakeCgroupfs) -> None:
    v1fs.omit.add("memory.memsw.limit_in_bytes")
    v1_driver(v1fs).create("vmforms/c1", Limits(memory=32 * MiB, memory_swap=48 * MiB))
    assert [p for p, _ in v1fs.writes if p.startswith("memory/")] == [
        "memory/vmforms/c1/memory.limit_in_bytes"
    ]


def test_v1_cpuset_is_copied_from_a_parent_that_has_one(v1fs: FakeCgroupfs) -> None:
    (v1fs.root / "cpuset/vmforms").mkdir()
    (v1fs.root / "cpuset/vmforms/cpuset.cpus").write_text("1\n")
    (v1fs.root / "cpuset/vmforms/cpuset.mems").write_text("0\n")
    v1_driver(v1fs).create("vmforms/c1", Limits())
    assert v1fs.read("cpuset/vmforms/c1/cpuset.cpus") == "1"
    assert [p for p, _ in v1fs.writes] == [
        "cpuset/vmforms/c1/cpuset.cpus",
        "cpuset/vmforms/c1/cpuset.mems",
    ]


def test_v1_cpuset_limits_are_written_after_the_copy(v1fs: FakeCgroupfs) -> None:
    v1_driver(v1fs).create("vmforms/c1", Limits(cpuset_cpus="1", cpuset_mems="0"))
    assert v1fs.writes[-2:] == [("cpuset/vmforms/c1/cpuset.mems", "0"),
                                ("cpuset/vmforms/c1/cpuset.cpus", "1")]
    with pytest.raises(InvalidOption, match="cpuset_cpus"):
        Limits(cpuset_cpus="0-1;rm")


def test_v1_failed_create_removes_what_it_made_and_keeps_what_was_there(
    v1fs: FakeCgroupfs,
) -> None:
    (v1fs.root / "memory/vmforms").mkdir()  # a parent shared with other containers
    v1fs.omit.add("pids.max")
    with pytest.raises(CgroupError, match="pids.max"):
        v1_driver(v1fs).create("vmforms/c1", Limits(memory=32 * MiB, pids=10))
    assert hierarchy_dirs(v1fs, "vmforms/c1") == []
    assert hierarchy_dirs(v1fs, "vmforms") == ["memory/vmforms"]


def test_v1_limit_without_its_hierarchy_is_refused_before_any_mkdir(
    v1fs: FakeCgroupfs,
) -> None:
    driver = v1_driver(v1fs)
    del driver.hierarchies["pids"]
    with pytest.raises(CgroupError, match="pids limits were asked for but no such hierarchy"):
        driver.create("vmforms/c1", Limits(pids=10))
    assert hierarchy_dirs(v1fs, "vmforms") == []


def test_v1_create_refuses_an_existing_cgroup_and_leaves_it_alone(v1fs: FakeCgroupfs) -> None:
    driver = v1_driver(v1fs)
    driver.create("vmforms/c1", Limits())
    with pytest.raises(CgroupError, match="already exists"):
        driver.create("vmforms/c1", Limits(memory=32 * MiB))
    assert len(hierarchy_dirs(v1fs, "vmforms/c1")) == 7


@pytest.mark.parametrize("name", ["", "/", "vmforms/../etc", "vmforms//c1", "./c1"])
def test_bad_names_are_refused(v1fs: FakeCgroupfs, name: str) -> None:
    with pytest.raises(InvalidOption, match="invalid cgroup name"):
        v1_driver(v1fs).create(name, Limits())


def test_v1_add_writes_the_pid_in_every_hierarchy_and_procs_unions_them(
    v1fs: FakeCgroupfs,
) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits())
    cgroup.add(4242)
    procs_files = sorted(p for p, v in v1fs.writes if p.endswith("cgroup.procs") and v == "4242")
    assert procs_files == [f"{d}/cgroup.procs" for d in hierarchy_dirs(v1fs, "vmforms/c1")]
    (v1fs.root / "pids/vmforms/c1/sub").mkdir()
    (v1fs.root / "pids/vmforms/c1/sub/cgroup.procs").write_text("77\n")
    assert cgroup.procs() == [77, 4242]


def test_v1_oom_killed_reads_the_oom_kill_counter(v1fs: FakeCgroupfs) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits(memory=32 * MiB))
    assert not cgroup.oom_killed()
    oom_control = v1fs.root / "memory/vmforms/c1/memory.oom_control"
    oom_control.write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    assert cgroup.oom_killed()


def test_v1_stats(v1fs: FakeCgroupfs) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits(memory=32 * MiB))
    (v1fs.root / "memory/vmforms/c1/memory.usage_in_bytes").write_text("4096\n")
    (v1fs.root / "pids/vmforms/c1/pids.current").write_text("3\n")
    (v1fs.root / "cpu,cpuacct/vmforms/c1/cpuacct.usage").write_text("123456789\n")
    assert cgroup.stats() == {
        "memory_usage": 4096,
        "memory_limit": 32 * MiB,
        "pids_current": 3,
        "pids_limit": None,
        "cpu_usage_ns": 123456789,
    }


def test_v1_sigkill_is_sent_while_frozen_other_signals_directly(
    v1fs: FakeCgroupfs, monkeypatch: pytest.MonkeyPatch
) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits())
    (v1fs.root / "freezer/vmforms/c1/cgroup.procs").write_text("11\n12\n")
    sent: list[tuple[list[int], int, str]] = []

    def record(pids: Iterable[int], sig: int) -> None:
        sent.append((list(pids), sig, v1fs.read("freezer/vmforms/c1/freezer.state")))

    monkeypatch.setattr(fs, "signal_pids", record)
    cgroup.kill_all(signal.SIGTERM)
    cgroup.kill_all(signal.SIGKILL)
    assert sent == [([11, 12], signal.SIGTERM, "THAWED"), ([11, 12], signal.SIGKILL, "FROZEN")]
    assert v1fs.read("freezer/vmforms/c1/freezer.state") == "THAWED"


def test_v1_destroy_kills_waits_and_removes_leaves_first(
    v1fs: FakeCgroupfs, monkeypatch: pytest.MonkeyPatch
) -> None:
    driver = v1_driver(v1fs)
    cgroup = driver.create("vmforms/c1", Limits(memory=32 * MiB))
    driver.create("vmforms/c1/sub", Limits())
    sub_procs = v1fs.root / "memory/vmforms/c1/sub/cgroup.procs"
    sub_procs.write_text("99\n")
    killed: list[tuple[list[int], int]] = []

    def kill(pids: Iterable[int], sig: int) -> None:
        killed.append((list(pids), sig))
        sub_procs.write_text("")  # the kernel takes an exited task out of the cgroup

    monkeypatch.setattr(fs, "signal_pids", kill)
    cgroup.destroy()
    assert killed == [([99], signal.SIGKILL)]
    assert v1fs.removed.index("memory/vmforms/c1/sub") < v1fs.removed.index("memory/vmforms/c1")
    assert hierarchy_dirs(v1fs, "vmforms/c1") == []
    assert len(hierarchy_dirs(v1fs, "vmforms")) == 7  # the shared parent stays, as /docker
    assert not cgroup.exists()
    cgroup.destroy()  # idempotent
    with pytest.raises(CgroupNotFound):
        driver.open("vmforms/c1")


def test_v1_destroy_when_partly_gone_and_open_after_a_crash(v1fs: FakeCgroupfs) -> None:
    driver = v1_driver(v1fs)
    driver.create("vmforms/c1", Limits(pids=5))
    for gone in ("memory", "pids", "systemd"):
        v1fs.rmdir(v1fs.root / gone / "vmforms/c1")
    cgroup = driver.open("vmforms/c1")
    assert cgroup.exists()
    cgroup.destroy()
    assert hierarchy_dirs(v1fs, "vmforms/c1") == []


def test_v1_destroy_gives_up_on_processes_that_do_not_leave(
    v1fs: FakeCgroupfs, monkeypatch: pytest.MonkeyPatch
) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits())
    (v1fs.root / "memory/vmforms/c1/cgroup.procs").write_text("99\n")
    monkeypatch.setattr(fs, "signal_pids", lambda pids, sig: None)
    with pytest.raises(CgroupError, match=r"processes \[99\] did not exit"):
        cgroup.destroy(timeout=0.05)
    assert cgroup.exists()


def test_v1_freeze_and_thaw(v1fs: FakeCgroupfs) -> None:
    cgroup = v1_driver(v1fs).create("vmforms/c1", Limits())
    cgroup.freeze()
    assert v1fs.read("freezer/vmforms/c1/freezer.state") == "FROZEN"
    cgroup.thaw()
    assert v1fs.read("freezer/vmforms/c1/freezer.state") == "THAWED"
    assert isinstance(cgroup, V1Cgroup)


# v2 -------------------------------------------------------------------------------------


@pytest.fixture
def v2fs(cgfs: FakeCgroupfs) -> FakeCgroupfs:
    cgfs.mount_v2(["cpuset", "cpu", "io", "memory", "hugetlb", "pids"])
    return cgfs


def v2_driver(v2fs: FakeCgroupfs) -> V2Driver:
    driver = detect(v2fs.root, v2fs.mountinfo)
    assert isinstance(driver, V2Driver)
    return driver


def test_v2_create_enables_controllers_top_down_then_writes_limits(v2fs: FakeCgroupfs) -> None:
    limits = Limits(memory=32 * MiB, cpu_quota=150_000, cpu_shares=2048, pids=64)
    cgroup = v2_driver(v2fs).create("vmforms/c1", limits)
    assert v2fs.writes == [
        ("cgroup.subtree_control", "+cpu"),
        ("cgroup.subtree_control", "+memory"),
        ("cgroup.subtree_control", "+pids"),
        ("vmforms/cgroup.subtree_control", "+cpu"),
        ("vmforms/cgroup.subtree_control", "+memory"),
        ("vmforms/cgroup.subtree_control", "+pids"),
        ("vmforms/c1/memory.max", str(32 * MiB)),
        ("vmforms/c1/memory.swap.max", str(32 * MiB)),
        ("vmforms/c1/cpu.max", "150000 100000"),
        ("vmforms/c1/cpu.weight", str(shares_to_weight(2048))),
        ("vmforms/c1/pids.max", "64"),
    ]
    assert v2fs.read("vmforms/c1/cgroup.subtree_control") == ""
    assert cgroup.paths == {"": v2fs.root / "vmforms/c1"}


def test_v2_second_container_finds_controllers_already_enabled(v2fs: FakeCgroupfs) -> None:
    driver = v2_driver(v2fs)
    driver.create("vmforms/c1", Limits())
    v2fs.writes.clear()
    driver.create("vmforms/c2", Limits(memory=32 * MiB, memory_swap=-1))
    assert v2fs.writes == [
        ("vmforms/c2/memory.max", str(32 * MiB)),
        ("vmforms/c2/memory.swap.max", "max"),
    ]


@pytest.mark.parametrize(
    ("limits", "cpu_max"),
    [(Limits(cpu_period=50_000), "max 50000"), (Limits(cpu_quota=2_000), "2000 100000")],
)
def test_v2_cpu_max(v2fs: FakeCgroupfs, limits: Limits, cpu_max: str) -> None:
    v2_driver(v2fs).create("c1", limits)
    assert ("c1/cpu.max", cpu_max) in v2fs.writes


def test_v2_missing_controller_is_refused_before_any_mkdir(cgfs: FakeCgroupfs) -> None:
    cgfs.mount_v2(["memory"])
    with pytest.raises(CgroupError, match="controller pids is not available"):
        v2_driver(cgfs).create("vmforms/c1", Limits(pids=10))
    assert not (cgfs.root / "vmforms").exists()


def test_v2_failed_create_removes_the_directories_it_made(v2fs: FakeCgroupfs) -> None:
    v2fs.omit.add("pids.max")
    with pytest.raises(CgroupError, match="pids.max"):
        v2_driver(v2fs).create("vmforms/c1", Limits(pids=10))
    assert v2fs.removed == ["vmforms/c1", "vmforms"]


def test_v2_kill_uses_cgroup_kill_for_sigkill_only(
    v2fs: FakeCgroupfs, monkeypatch: pytest.MonkeyPatch
) -> None:
    cgroup = v2_driver(v2fs).create("c1", Limits())
    (v2fs.root / "c1/cgroup.procs").write_text("5\n")
    sent: list[tuple[list[int], int]] = []
    monkeypatch.setattr(fs, "signal_pids", lambda pids, sig: sent.append((list(pids), sig)))
    cgroup.kill_all(signal.SIGKILL)
    cgroup.kill_all(signal.SIGHUP)
    assert ("c1/cgroup.kill", "1") in v2fs.writes
    assert sent == [([5], signal.SIGHUP)]
    (v2fs.root / "c1/cgroup.kill").unlink()  # before Linux 5.14
    cgroup.kill_all(signal.SIGKILL)
    assert sent[-1] == ([5], signal.SIGKILL)


def test_v2_oom_killed_stats_and_destroy(v2fs: FakeCgroupfs) -> None:
    driver = v2_driver(v2fs)
    cgroup = driver.create("vmforms/c1", Limits(memory=64 * MiB))
    assert not cgroup.oom_killed()
    events = v2fs.root / "vmforms/c1/memory.events"
    events.write_text("low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n")
    assert cgroup.oom_killed()
    (v2fs.root / "vmforms/c1/cpu.stat").write_text("usage_usec 1500\nuser_usec 1000\n")
    assert cgroup.stats() == {
        "memory_usage": 0,
        "memory_limit": 64 * MiB,
        "pids_current": 0,
        "pids_limit": None,
        "cpu_usage_ns": 1_500_000,
    }
    cgroup.destroy()
    assert v2fs.removed == ["vmforms/c1"] and not cgroup.exists()
    cgroup.destroy()
    with pytest.raises(CgroupNotFound):
        driver.open("vmforms/c1")


def test_v2_freeze_waits_for_the_kernel_and_undoes_a_timeout(v2fs: FakeCgroupfs) -> None:
    cgroup = v2_driver(v2fs).create("c1", Limits())
    with pytest.raises(CgroupError, match="not frozen"):
        cgroup.freeze(timeout=0.02)
    assert v2fs.read("c1/cgroup.freeze") == "0"
    (v2fs.root / "c1/cgroup.events").write_text("populated 1\nfrozen 1\n")
    cgroup.freeze()
    assert v2fs.read("c1/cgroup.freeze") == "1"
    cgroup.thaw()
    assert v2fs.read("c1/cgroup.freeze") == "0"
    assert isinstance(cgroup, V2Cgroup)


# Limits ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"memory": 0},
        {"memory_swap": 64 * MiB},
        {"memory": 64 * MiB, "memory_swap": 32 * MiB},
        {"memory_swappiness": 101},
        {"cpu_quota": 999},
        {"cpu_period": 1_000_001},
        {"cpu_shares": 1},
        {"pids": 0},
    ],
)
def test_limits_refuse_what_the_kernel_would(kwargs: dict[str, int]) -> None:
    with pytest.raises(InvalidOption, match="invalid cgroup limit"):
        Limits(**kwargs)


def test_shares_to_weight_keeps_the_ends_of_the_range() -> None:
    assert (shares_to_weight(2), shares_to_weight(1024), shares_to_weight(262144)) == (
        1,
        39,
        10000,
    )


def test_v1_device_rules_deny_all_then_allow(tmp_path: Path) -> None:
    from vmforms.container.cgroups import Limits as L
    from vmforms.container.cgroups import V1Driver

    devices = tmp_path / "devices"
    devices.mkdir()
    driver = V1Driver({"devices": devices})
    written: list[tuple[str, str]] = []
    real_write = fs.write

    def record_write(path: Path, value: object) -> None:
        written.append((path.name, str(value)))

    fs.write = record_write  # type: ignore[assignment]
    try:
        driver.create("vmforms/dev", L(devices=("c 1:3 rwm", "c 136:* rwm")))
    finally:
        fs.write = real_write  # type: ignore[assignment]
    assert written == [("devices.deny", "a"), ("devices.allow", "c 1:3 rwm"),
                       ("devices.allow", "c 136:* rwm")]
    with pytest.raises(InvalidOption, match="invalid device rule"):
        L(devices=("x 1:3 rwm",))
