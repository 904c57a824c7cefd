"""rtnetlink message encoding: attributes, nesting, padding, parsing back."""

from __future__ import annotations

import struct

import pytest

from vmforms.linux import netlink as nl


def test_attribute_padding_and_parsing() -> None:
    a = nl.attr_str(nl.IFLA_IFNAME, "eth0")  # 4 + 5 bytes, padded to 12
    assert len(a) == 12 and struct.unpack_from("=HH", a) == (9, nl.IFLA_IFNAME)
    body = a + nl.attr_u32(nl.IFLA_MTU, 1500) + nl.nested(
        nl.IFLA_LINKINFO, nl.attr_str(nl.IFLA_INFO_KIND, "veth"))
    attrs = nl.parse_attrs(body)
    assert attrs[nl.IFLA_IFNAME] == b"eth0\0"
    assert struct.unpack("=I", attrs[nl.IFLA_MTU]) == (1500,)
    assert nl.parse_attrs(attrs[nl.IFLA_LINKINFO])[nl.IFLA_INFO_KIND] == b"veth\0"


def test_truncated_input_is_ignored_not_overrun() -> None:
    body = nl.attr_str(nl.IFLA_IFNAME, "eth0")
    assert nl.parse_attrs(body[:6]) == {}
    bogus = struct.pack("=HH", 200, 3) + b"x" * 8  # claims more than there is
    assert nl.parse_attrs(bogus) == {}
    header = struct.pack("=IHHII", 100, nl.NLMSG_DONE, 0, 1, 0)
    assert nl.parse_messages(header) == []


def test_messages_split() -> None:
    msg = struct.pack("=IHHII", 20, nl.NLMSG_ERROR, 0, 7, 0) + struct.pack("=i", 0)
    done = struct.pack("=IHHII", 16, nl.NLMSG_DONE, 0, 8, 0)
    assert nl.parse_messages(msg + done) == [(nl.NLMSG_ERROR, 7, b"\0\0\0\0"),
                                             (nl.NLMSG_DONE, 8, b"")]


@pytest.mark.parametrize("name", ["", "a" * 16, "a/b", "a b", "a:1", ".."])
def test_bad_interface_names(name: str) -> None:
    with pytest.raises(OSError):
        nl.check_ifname(name)


def test_mac_bytes() -> None:
    assert nl.mac_bytes("02:42:ac:11:00:02") == bytes([2, 0x42, 0xac, 0x11, 0, 2])
    with pytest.raises(OSError):
        nl.mac_bytes("02:42")
