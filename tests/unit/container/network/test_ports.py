"""Docker's -p syntax into HostConfig.PortBindings, and NetworkSettings.Ports."""

from __future__ import annotations

import socket

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.network import ports
from vmforms.container.network.config import NetworkError


def bindings(*specs: str) -> ports.Bindings:
    out: ports.Bindings = {}
    for spec in specs:
        ports.parse_publish(spec, out)
    return out


def test_forms_of_publish() -> None:
    assert bindings("8080:80") == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}
    assert bindings("127.0.0.1:8080:80/udp") == {
        "80/udp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}
    assert bindings("80") == {"80/tcp": [{"HostIp": "", "HostPort": ""}]}
    assert bindings("127.0.0.1::80") == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}
    assert bindings("0.0.0.0:8080:80") == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}


def test_ranges_map_one_to_one() -> None:
    assert bindings("8000-8002:80-82") == {
        "80/tcp": [{"HostIp": "", "HostPort": "8000"}],
        "81/tcp": [{"HostIp": "", "HostPort": "8001"}],
        "82/tcp": [{"HostIp": "", "HostPort": "8002"}]}
    # a host range for one container port: the first free port of the range
    assert bindings("8000-8009:80") == {"80/tcp": [{"HostIp": "", "HostPort": "8000-8009"}]}


@pytest.mark.parametrize("spec", ["8080:80/sctp", "x:80", "8080:0", "8080:70000", "1:2:3:4",
                                  "8000-8001:80-83", "300.1.1.1:80:80", "[::1]:80:80",
                                  "9-1:80", "1-5000:1-5000"])
def test_bad_specs(spec: str) -> None:
    with pytest.raises(InvalidOption):
        bindings(spec)


def test_publish_all_takes_exposed_ports() -> None:
    out = ports.parse_all(["8080:80"], True, ("80/tcp", "53/udp", "443"))
    assert out == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}],
                   "53/udp": [{"HostIp": "", "HostPort": ""}],
                   "443/tcp": [{"HostIp": "", "HostPort": ""}]}


def test_reserve_holds_ports_and_refuses_a_taken_one() -> None:
    mappings, held = ports.reserve({"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
                                   "10.0.0.2")
    try:
        port = mappings[0].host_port
        assert port > 0 and mappings[0].container_port == 80
        with pytest.raises(NetworkError, match="already allocated"):
            ports.reserve({"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]},
                          "10.0.0.3")
    finally:
        for sock in held:
            sock.close()
    # once released, the port can be bound again
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_settings_as_docker_shows_them() -> None:
    out = ports.settings([{"protocol": "tcp", "host_ip": "", "host_port": 8080,
                           "container_port": 80}],
                         {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": []})
    assert out == {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}], "53/udp": None}


def test_exposed_ports_recorded_as_docker_does() -> None:
    from vmforms.container.network.options import config_fields

    assert config_fields((), {"PortBindings": {}}) == {}
    assert config_fields(("80", "53/udp"), {"PortBindings": {"8080/tcp": []}}) == {
        "ExposedPorts": {"80/tcp": {}, "53/udp": {}, "8080/tcp": {}}}
