"""IPAM leases: one file per address under the networks' lock, round-robin, reclaimed
from vanished containers, never handed out twice."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from vmforms.container.network import config as cfg
from vmforms.container.network import ipam
from vmforms.container.paths import locked


@pytest.fixture
def net(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> cfg.Network:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    return cfg.Network("small", "ab" * 32, "vmftest0", "10.93.0.0/29", "10.93.0.1")


def test_addresses_skip_gateway_and_go_round_robin(net: cfg.Network) -> None:
    a = ipam.allocate(net, "c1")
    b = ipam.allocate(net, "c2")
    assert (a, b) == ("10.93.0.2", "10.93.0.3")
    assert ipam.release(net, "c1") == ["10.93.0.2"]
    assert ipam.allocate(net, "c3") == "10.93.0.4"  # not the address just freed
    assert ipam.leases(net) == {"10.93.0.3": "c2", "10.93.0.4": "c3"}
    assert ipam.allocate(net, "c2") == "10.93.0.3"  # a retried start keeps its lease


def test_exhaustion_and_reclaim(net: cfg.Network) -> None:
    for i in range(5):  # .2 .. .6 (.1 is the gateway, .7 the broadcast address)
        ipam.allocate(net, f"c{i}")
    with pytest.raises(ipam.AddressesExhausted):
        ipam.allocate(net, "more")
    address = ipam.allocate(net, "more", exists=lambda cid: cid != "c3")
    assert address == "10.93.0.5"


def _grab(root: str, n: int, out: multiprocessing.Queue[str]) -> None:
    import os

    os.environ["VMFORMS_ROOT"] = root
    net = cfg.Network("par", "cd" * 32, "vmftest1", "10.93.0.0/24", "10.93.0.1")
    with locked(cfg.lock_path()):
        out.put(ipam.allocate(net, f"c{n}"))


def test_parallel_allocations_are_distinct(tmp_path: Path, net: cfg.Network) -> None:
    queue: multiprocessing.Queue[str] = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_grab, args=(str(tmp_path), n, queue))
             for n in range(20)]
    for p in procs:
        p.start()
    got = [queue.get(timeout=30) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert len(set(got)) == 20


def test_mac_as_docker_derives_it() -> None:
    assert ipam.mac_for("172.17.0.2") == "02:42:ac:11:00:02"


def test_a_wanted_address(net: cfg.Network) -> None:
    assert ipam.allocate(net, "c1", wanted="10.93.0.5") == "10.93.0.5"
    with pytest.raises(cfg.NetworkError, match="already in use"):
        ipam.allocate(net, "c2", wanted="10.93.0.5")
    assert ipam.allocate(net, "c2") == "10.93.0.2"  # round-robin is not moved by it
