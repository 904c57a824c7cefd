"""/etc/hosts and /etc/resolv.conf as Docker writes them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.network import hosts


def test_hosts_layout() -> None:
    text = hosts.hosts_text("web", "10.89.0.2", [("db.local", "10.1.2.3"),
                                                 ("gw", hosts.HOST_GATEWAY)],
                            [("10.89.0.3", ["peer", "0123456789ab", "alias"])], "10.89.0.1")
    lines = text.splitlines()
    assert lines[0] == "127.0.0.1\tlocalhost"
    assert "10.1.2.3\tdb.local" in lines and "10.89.0.1\tgw" in lines
    assert lines.index("10.89.0.2\tweb") < lines.index("10.89.0.3\tpeer 0123456789ab alias")
    assert "127.0.1.1\tweb" in hosts.hosts_text("web", None, [], []).splitlines()


def test_add_host_and_dns_parsing() -> None:
    assert hosts.parse_add_host("a:1.2.3.4") == ("a", "1.2.3.4")
    assert hosts.parse_add_host("a=::1") == ("a", "::1")
    assert hosts.parse_add_host("a:host-gateway") == ("a", "host-gateway")
    for bad in ("a", ":1.2.3.4", "a:b", "a b:1.2.3.4"):
        with pytest.raises(InvalidOption):
            hosts.parse_add_host(bad)
    with pytest.raises(InvalidOption):
        hosts.parse_dns("dns.example")


def test_resolv_conf() -> None:
    host = "search example.com\nnameserver 127.0.0.53\nnameserver 10.0.0.1\noptions ndots:2\n"
    own = hosts.resolv_text(host, [], True)
    assert own == "search example.com\noptions ndots:2\nnameserver 10.0.0.1\n"
    assert "nameserver 127.0.0.53" in hosts.resolv_text(host, [], False)
    assert hosts.resolv_text(host, ["9.9.9.9"], True).endswith("nameserver 9.9.9.9\n")
    assert "nameserver 8.8.8.8" in hosts.resolv_text("nameserver 127.0.0.1\n", [], True)


def test_rewrite_in_place_keeps_the_inode_and_refuses_links(tmp_path: Path) -> None:
    f = tmp_path / "hosts"
    f.write_text("a long old content that is longer\n")
    inode = f.stat().st_ino
    hosts.rewrite(f, "short\n")
    assert f.read_text() == "short\n" and f.stat().st_ino == inode
    (tmp_path / "victim").write_text("keep")
    os.symlink(tmp_path / "victim", tmp_path / "link")
    with pytest.raises(OSError):
        hosts.rewrite(tmp_path / "link", "x")
    assert (tmp_path / "victim").read_text() == "keep"
    hosts.rewrite(tmp_path / "missing", "x")  # a container being removed: nothing to do


def test_dns_search_and_options_replace_the_hosts() -> None:
    host = "search example.com\nnameserver 10.0.0.1\noptions ndots:2\n"
    text = hosts.resolv_text(host, [], True, ["a.test", "b.test"], ["ndots:1", "timeout:2"])
    assert text == ("search a.test b.test\noptions ndots:1 timeout:2\n"
                    "nameserver 10.0.0.1\n")
    with pytest.raises(InvalidOption):
        hosts.resolv_text(host, [], True, ["a b"], [])
