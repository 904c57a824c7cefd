"""The v1 driver against the real kernel: a memory hog OOM-killed under --memory 32m, a
fork loop stopped by pids.max, and destroy leaving no directory in any hierarchy. The
v2 driver's core (cgroup.kill, cgroup.freeze, rmdir) runs on a hybrid host's cgroup2
mount too, which has no controllers to limit with.

Needs root and cgroup v1 hierarchies under /sys/fs/cgroup; skips, saying which is
missing, otherwise. Every cgroup lives under a parent unique to the test, which the
fixture removes, after checking nothing else is left in it, even when the test fails.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from vmforms.container.cgroups import Limits, V1Driver, V2Driver, detect, fs, v2
from vmforms.container.errors import CgroupError, CgroupNotFound

if TYPE_CHECKING:
    from vmforms.container.cgroups import Cgroup

pytestmark = pytest.mark.integration

MiB = 1024 * 1024
PYTHON = str(Path(sys.executable))
UNIFIED = Path("/sys/fs/cgroup/unified")

# The child blocks on stdin until the test has moved it into the cgroup.
HANDSHAKE = "import sys\nsys.stdin.readline()\n"


@pytest.fixture
def driver() -> V1Driver:
    if os.geteuid() != 0:
        pytest.skip("cgroups can only be created as root")
    try:
        found = detect()
    except CgroupError as e:
        pytest.skip(f"no cgroup hierarchy: {e}")
    if not isinstance(found, V1Driver):
        pytest.skip(f"this host uses cgroup v{found.version}, not v1")
    missing = {"memory", "pids", "cpu", "cpuset", "freezer"} - set(found.hierarchies)
    if missing:
        pytest.skip(f"v1 hierarchies not mounted: {', '.join(sorted(missing))}")
    return found


Make = Callable[[str, Limits], "Cgroup"]
Spawn = Callable[["Cgroup", str], "subprocess.Popen[bytes]"]


def scrub(top: Path) -> None:
    """Remove `top` without the code under test: thaw, SIGKILL what is inside, rmdir
    leaves first, retrying while the killed tasks leave."""
    for _ in range(200):
        if not top.is_dir():
            return
        for directory, _dirs, _files in os.walk(top, topdown=False):
            state = Path(directory, "freezer.state")
            if state.exists():
                state.write_text("THAWED")
            for pid in Path(directory, "cgroup.procs").read_text().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.rmdir(directory)
            except OSError:
                break
        else:
            return
        time.sleep(0.05)
    raise AssertionError(f"could not remove {top}")


@pytest.fixture
def parent(driver: V1Driver, spawn: Spawn) -> Iterator[str]:
    """A parent cgroup name unique to the test, which must be empty afterwards; whatever a
    failed test left in it is scrubbed away before that is asserted. It needs `spawn` so
    that the children are reaped only after the scrub has killed and thawed them."""
    name = f"vmforms-test-{uuid.uuid4().hex[:12]}"
    yield name
    mounts = set(driver.hierarchies.values()) | ({UNIFIED} if UNIFIED.is_dir() else set())
    leftovers = sorted(
        str(p.relative_to(m)) for m in mounts if (m / name).is_dir()
        for p in (m / name).iterdir() if p.is_dir()
    )  # fmt: skip
    for mount in mounts:
        scrub(mount / name)
    assert leftovers == []


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Start a Python child, move it into a cgroup, then let it run `script`."""
    children: list[subprocess.Popen[bytes]] = []

    def spawn(cgroup: Cgroup, script: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [PYTHON, "-c", HANDSHAKE + script], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        children.append(child)
        cgroup.add(child.pid)
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        child.stdin.close()
        return child

    yield spawn
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


@pytest.fixture
def make(driver: V1Driver, parent: str, spawn: Spawn) -> Iterator[Make]:
    """Create cgroups under `parent`; destroyed (which also thaws them) before the
    children that `spawn` started are reaped."""
    made: list[Cgroup] = []

    def make(leaf: str, limits: Limits) -> Cgroup:
        cgroup = driver.create(f"{parent}/{leaf}", limits)
        made.append(cgroup)
        return cgroup

    yield make
    for cgroup in made:
        cgroup.destroy()


def test_memory_hog_is_oom_killed_under_32m(make: Make, spawn: Spawn) -> None:
    cgroup = make("hog", Limits(memory=32 * MiB))
    assert Path(cgroup.paths["memory"], "memory.limit_in_bytes").read_text() == f"{32 * MiB}\n"
    assert not cgroup.oom_killed()
    hog = spawn(cgroup, "data = b'x' * (100 * 1024 * 1024)\nprint('survived')\n")
    assert hog.stdout is not None
    out = hog.stdout.read()
    assert (hog.wait(timeout=60), out) == (-signal.SIGKILL, b"")
    assert cgroup.oom_killed()


def test_the_same_allocation_survives_with_room(make: Make, spawn: Spawn) -> None:
    cgroup = make("roomy", Limits(memory=256 * MiB))
    hog = spawn(cgroup, "data = b'x' * (100 * 1024 * 1024)\nprint('survived')\n")
    assert hog.stdout is not None
    out = hog.stdout.read()
    assert (hog.wait(timeout=60), out, cgroup.oom_killed()) == (0, b"survived\n", False)


FORK_LOOP = """\
import os, time
children, error = [], 0
for _ in range(40):
    try:
        pid = os.fork()
    except OSError as e:
        error = e.errno
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children.append(pid)
print(len(children), error, flush=True)
time.sleep(60)
"""


def test_pids_limit_stops_a_fork_loop(make: Make, spawn: Spawn) -> None:
    cgroup = make("forks", Limits(pids=8))
    loop = spawn(cgroup, FORK_LOOP)
    assert loop.stdout is not None
    forked, error = map(int, loop.stdout.readline().split())
    # The loop itself is the eighth task: seven forks succeed, the next gets EAGAIN.
    assert (forked, error) == (7, errno.EAGAIN)
    assert cgroup.stats()["pids_current"] == 8
    assert len(cgroup.procs()) == 8


def test_destroy_kills_everything_and_leaves_no_directory(
    driver: V1Driver, make: Make, spawn: Spawn, parent: str
) -> None:
    limits = Limits(memory=64 * MiB, cpu_quota=50_000, cpu_period=100_000, cpu_shares=512, pids=50)
    cgroup = make("busy", limits)
    cpu = cgroup.paths["cpu"]
    assert (cpu / "cpu.cfs_quota_us").read_text() == "50000\n"
    assert (cpu / "cpu.shares").read_text() == "512\n"
    assert (cgroup.paths["cpuset"] / "cpuset.cpus").read_text().strip() != ""
    loop = spawn(cgroup, FORK_LOOP)
    assert loop.stdout is not None
    assert loop.stdout.readline().split() == [b"40", b"0"]
    assert len(cgroup.procs()) == 41
    cgroup.destroy()
    assert loop.wait(timeout=10) == -signal.SIGKILL
    assert not cgroup.exists()
    assert [m for m in set(driver.hierarchies.values()) if (m / parent / "busy").exists()] == []
    cgroup.destroy()
    with pytest.raises(CgroupNotFound):
        driver.open(f"{parent}/busy")


def test_a_sigkilled_container_is_still_removable(
    driver: V1Driver, make: Make, spawn: Spawn, parent: str
) -> None:
    cgroup = make("crashed", Limits(memory=64 * MiB, pids=10))
    child = spawn(cgroup, "import time\ntime.sleep(60)\n")
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    again = driver.open(f"{parent}/crashed")
    assert again.procs() == [] and again.exists()
    again.destroy()
    assert not cgroup.exists()


def test_freeze_and_thaw(make: Make, spawn: Spawn) -> None:
    cgroup = make("frozen", Limits())
    spawn(cgroup, "import time\ntime.sleep(60)\n")
    state = cgroup.paths["freezer"] / "freezer.state"
    cgroup.freeze()
    assert state.read_text() == "FROZEN\n"
    cgroup.thaw()
    assert state.read_text() == "THAWED\n"


@pytest.fixture
def unified(driver: V1Driver) -> V2Driver:
    found = v2.driver_from_mounts(fs.read_mounts(Path("/proc/self/mountinfo")), UNIFIED)
    if found is None:
        pytest.skip(f"no cgroup2 mount at {UNIFIED}")
    return found


def test_v2_core_kill_freeze_and_destroy(spawn: Spawn, unified: V2Driver, parent: str) -> None:
    cgroup = unified.create(f"{parent}/v2", Limits())
    try:
        loop = spawn(cgroup, FORK_LOOP)
        assert loop.stdout is not None
        assert loop.stdout.readline().split() == [b"40", b"0"]
        assert len(cgroup.procs()) == 41
        cgroup.freeze()
        assert "frozen 1" in (cgroup.path / "cgroup.events").read_text()
        cgroup.thaw()
        assert "frozen 0" in (cgroup.path / "cgroup.events").read_text()
        assert cgroup.stats()["cpu_usage_ns"] > 0
        cgroup.destroy()
        assert loop.wait(timeout=10) == -signal.SIGKILL
        assert not cgroup.path.exists()
    finally:
        cgroup.destroy()
