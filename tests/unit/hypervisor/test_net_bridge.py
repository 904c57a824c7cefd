"""A VM's lease on a container network (net_bridge.py and ipam's VM holders): held while
the monitor process lives, taken back once it is gone, released by the watcher when the
monitor's pipe closes. Files only: no bridge, no root."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmforms.container.network import config as cfg
from vmforms.container.network import ipam


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[cfg.Network]:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    network = cfg.Network("bridge", "ab" * 32, "vmftest0", "10.94.1.0/29", "10.94.1.1")
    cfg.save(network)
    yield network


def _dead_holder() -> str:
    child = subprocess.Popen(["true"])
    holder = ipam.vm_holder(child.pid)
    child.wait()
    return holder


def test_a_running_vms_lease_is_kept_and_a_dead_ones_taken_back(net: cfg.Network) -> None:
    mine = ipam.vm_holder(os.getpid())
    assert mine.startswith("vm-") and ipam.holder_exists(mine, lambda _h: False)
    dead = _dead_holder()
    assert not ipam.holder_exists(dead, lambda _h: True)
    assert not ipam.holder_exists("vm-12-x", lambda _h: True)
    first = ipam.allocate(net, mine, lambda _h: True)
    second = ipam.allocate(net, dead, lambda _h: True)
    # a container start (its `exists` knows no VM) keeps the live VM's lease, frees the other
    ipam.allocate(net, "c" * 64, lambda _h: False)
    held = ipam.leases(net)
    assert held[first] == mine and second not in held


def test_the_watcher_releases_when_the_monitors_pipe_closes(net: cfg.Network) -> None:
    holder = ipam.vm_holder(os.getpid())
    other = ipam.allocate(net, "c" * 64)
    address = ipam.allocate(net, holder)
    read_end, write_end = os.pipe()
    watcher = subprocess.Popen([sys.executable, "-m", "vmforms.hypervisor.net_bridge",
                                net.name, holder], stdin=read_end)
    os.close(read_end)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            watcher.wait(0.5)  # the monitor is still there: the lease stays
        assert ipam.leases(net)[address] == holder
        os.close(write_end)  # what kill -9 of the monitor does
        assert watcher.wait(30) == 0
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert ipam.leases(net) == {other: "c" * 64}


def test_the_watcher_refuses_a_container_holder() -> None:
    proc = subprocess.run([sys.executable, "-m", "vmforms.hypervisor.net_bridge", "bridge",
                           "c" * 64], stdin=subprocess.DEVNULL, timeout=30)
    assert proc.returncode == 2


def test_a_network_removed_under_the_vm_is_not_made_again(net: cfg.Network) -> None:
    from vmforms.hypervisor.net_bridge import release

    holder = ipam.vm_holder(os.getpid())
    ipam.allocate(net, holder)
    cfg.remove_config(net)
    release(net.name, holder)
    assert not (cfg.networks_dir() / "bridge.json").exists()


def test_a_running_vm_keeps_its_network_in_use(net: cfg.Network) -> None:
    from vmforms.container.network import manage

    mine = ipam.vm_holder(os.getpid())
    ipam.allocate(net, _dead_holder())
    assert manage._in_use(net) == []  # a dead VM's lease does not hold the network
    ipam.allocate(net, mine)
    assert manage._in_use(net) == [mine]  # prune and rm leave it alone
