"""Network configs on disk and `--network` modes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.network import config as cfg


@pytest.fixture(autouse=True)
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    return tmp_path


def test_modes() -> None:
    assert cfg.parse_mode(None) == cfg.Mode("bridge", "bridge")
    assert cfg.parse_mode("none").kind == "none"
    assert cfg.parse_mode("host").kind == "host"
    assert cfg.parse_mode("container:web") == cfg.Mode("container", "web")
    assert cfg.parse_mode("container:web").name == "container:web"
    assert cfg.parse_mode("appnet") == cfg.Mode("user", "appnet")
    assert cfg.parse_mode("appnet").uses_bridge
    for bad in ("container:", "../x", "a b", "-x"):
        with pytest.raises(InvalidOption):
            cfg.parse_mode(bad)


def test_default_network_written_on_first_use(root: Path) -> None:
    net = cfg.load("bridge")
    assert (net.bridge, net.subnet, net.gateway) == ("vmforms0", "10.89.0.0/16", "10.89.0.1")
    assert json.loads((root / "networks" / "bridge.json").read_text())["Bridge"] == "vmforms0"
    assert cfg.load("bridge").id == net.id
    with pytest.raises(cfg.NetworkNotFound):
        cfg.load("other")


def test_edited_default_network(root: Path) -> None:
    (root / "networks").mkdir()
    (root / "networks" / "bridge.json").write_text(json.dumps(
        {"Name": "bridge", "Bridge": "br-test", "Subnet": "172.30.0.0/16"}))
    net = cfg.load("bridge")
    assert (net.bridge, net.gateway, net.prefixlen) == ("br-test", "172.30.0.1", 16)


@pytest.mark.parametrize("obj", [
    {"Name": "x", "Bridge": "br", "Subnet": "10.0.0.1/24"},  # host bits set
    {"Name": "x", "Bridge": "a-name-too-long-for-linux", "Subnet": "10.0.0.0/24"},
    {"Name": "x", "Bridge": "br/../x", "Subnet": "10.0.0.0/24"},
    {"Name": "x", "Bridge": 'br";drop', "Subnet": "10.0.0.0/24"},
    {"Name": "x", "Bridge": "br", "Subnet": "10.0.0.0/24", "Gateway": "10.0.1.1"},
    {"Name": "x", "Bridge": "br", "Subnet": "10.0.0.0/31"},
    {"Name": "../x", "Bridge": "br", "Subnet": "10.0.0.0/24"},
    ["not", "an", "object"],
])
def test_bad_configs(obj: object) -> None:
    with pytest.raises((cfg.NetworkError, InvalidOption)):
        cfg.parse(obj, Path("x.json"))


def test_config_read_is_bounded_and_never_follows_links(root: Path) -> None:
    (root / "networks").mkdir()
    (root / "networks" / "big.json").write_text(" " * (cfg.MAX_CONFIG + 10))
    with pytest.raises(cfg.NetworkError, match="larger"):
        cfg.load("big")
    (root / "networks" / "link.json").symlink_to("/etc/passwd")
    with pytest.raises(OSError):
        cfg.load("link")


def test_conflicts_with_the_container_mode() -> None:
    from vmforms.container.network.options import record_fields

    for args in ((["80"], [], []), ([], ["a:1.2.3.4"], []), ([], [], ["1.1.1.1"])):
        with pytest.raises(InvalidOption, match="conflicting options"):
            record_fields("container:web", args[0], False, [], args[1], args[2], ())
    with pytest.raises(InvalidOption, match="user-defined"):
        record_fields("bridge", [], False, ["alias"], [], [], ())


def test_fixed_ip_only_on_user_networks(root: Path) -> None:
    from vmforms.container.network.options import record_fields

    cfg.save(cfg.Network("app", "cd" * 32, "vmftest1", "10.94.0.0/24", "10.94.0.1"))
    fields = record_fields("app", [], False, [], [], [], (), "10.94.0.9")
    assert fields["IPv4Address"] == "10.94.0.9" and fields["NetworkMode"] == "app"
    for network, ip in (("bridge", "10.89.0.9"), ("app", "10.95.0.9"), ("app", "10.94.0.1"),
                        ("app", "10.94.0.255"), ("app", "nope")):
        with pytest.raises(InvalidOption):
            record_fields(network, [], False, [], [], [], (), ip)
