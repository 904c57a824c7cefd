"""Names on user networks: every member's /etc/hosts lists the others (name, short id,
aliases), none on the default network; files rewritten from the endpoint records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmforms.container.network import config as cfg
from vmforms.container.network import endpoint


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    cfg.save(cfg.Network("bridge", "aa" * 32, "vmftest0", "10.93.0.0/24", "10.93.0.1"))
    cfg.save(cfg.Network("app", "bb" * 32, "vmftest1", "10.94.0.0/24", "10.94.0.1"))
    return tmp_path


def member(root: Path, net: str, cid: str, name: str, ip: str,
           aliases: tuple[str, ...] = ()) -> Path:
    hosts = root / f"{cid}.hosts"
    hosts.write_text("old\n")
    d = root / "networks" / net / "endpoints"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{cid}.json").write_text(json.dumps({
        "ContainerId": cid, "Name": name, "Network": net, "IPAddress": ip,
        "Aliases": list(aliases), "Hostname": cid[:12], "ExtraHosts": [],
        "HostsPath": str(hosts), "Gateway": "", "Ports": []}))
    return hosts


def test_members_see_each_other_on_user_networks(root: Path) -> None:
    a = member(root, "app", "a" * 64, "web", "10.94.0.2", ("api",))
    b = member(root, "app", "b" * 64, "db", "10.94.0.3")
    endpoint.refresh_hosts({"a" * 64, "b" * 64})
    assert "10.94.0.3\tdb bbbbbbbbbbbb\n" in a.read_text()
    assert "10.94.0.2\tweb aaaaaaaaaaaa api\n" in b.read_text()
    assert "10.94.0.2\taaaaaaaaaaaa\n" in a.read_text()  # its own line


def test_no_names_on_the_default_network(root: Path) -> None:
    a = member(root, "bridge", "a" * 64, "one", "10.93.0.2")
    member(root, "bridge", "b" * 64, "two", "10.93.0.3")
    endpoint.refresh_hosts({"a" * 64})
    assert "two" not in a.read_text() and "10.93.0.2\taaaaaaaaaaaa" in a.read_text()


def test_endpoint_records_are_read_bounded(root: Path) -> None:
    d = root / "networks" / "app" / "endpoints"
    d.mkdir(parents=True)
    (d / ("c" * 64 + ".json")).write_text("{" + " " * endpoint.MAX_ENDPOINT + "}")
    assert endpoint.read_endpoint(cfg.load("app"), "c" * 64) is None
    (d / ("e" * 64 + ".json")).symlink_to("/etc/passwd")
    assert endpoint.read_endpoint(cfg.load("app"), "e" * 64) is None
