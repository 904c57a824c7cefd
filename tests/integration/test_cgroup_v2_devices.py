"""cgroup v2's device controller is an eBPF program (devicefilter.py): loaded and
attached to a real cgroup v2 directory, it lets a process in that cgroup open exactly
the devices its rules allow. Uses the host's cgroup2 mount (the whole hierarchy on a v2
host, /sys/fs/cgroup/unified on a hybrid one)."""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path

import pytest

from vmforms.container.cgroups.base import Limits
from vmforms.container.cgroups.fs import read_mounts
from vmforms.container.cgroups.v2 import V2Driver


def _cgroup2_root() -> Path:
    for mount in read_mounts(Path("/proc/self/mountinfo")):
        if mount.fstype == "cgroup2":
            return mount.mount_point
    pytest.skip("no cgroup2 file system is mounted on this host")


def _try_open(path: str, flags: int) -> int:
    try:
        os.close(os.open(path, flags))
    except OSError as exc:
        return exc.errno or -1
    return 0


def test_device_program_allows_only_its_rules() -> None:
    if os.geteuid() != 0:
        pytest.skip("loading a BPF program and moving into a cgroup need root")
    root = _cgroup2_root()
    driver = V2Driver(root)
    name = f"vmforms-devtest-{secrets.token_hex(4)}"
    cgroup = driver.create(name, Limits(devices=("c 1:3 rwm", "c 1:5 r", "c 5:* rw")))
    try:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: into the cgroup, then try each device
            os.close(r)
            code = 0
            try:
                cgroup.add(0)
                results = [_try_open("/dev/null", os.O_RDWR), _try_open("/dev/zero", os.O_RDONLY),
                           _try_open("/dev/zero", os.O_WRONLY), _try_open("/dev/full", os.O_RDONLY),
                           _try_open("/dev/tty", os.O_RDONLY | os.O_NONBLOCK)]
                os.write(w, " ".join(map(str, results)).encode())
            except BaseException:
                code = 1
            os._exit(code)
        os.close(w)
        seen = os.read(r, 256).decode().split()
        os.close(r)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        null, zero_r, zero_w, full, tty = (int(x) for x in seen)
        assert null == 0 and zero_r == 0
        assert zero_w == errno.EPERM and full == errno.EPERM
        assert tty != errno.EPERM  # 5:* is allowed (ENXIO without a terminal is fine)
    finally:
        cgroup.destroy()
    assert not (root / name).exists()
