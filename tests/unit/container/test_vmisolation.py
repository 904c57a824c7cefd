"""The container-in-VM pieces that need no VM: the description the agent sources (run
through a real shell), the console protocol, the guest's RAM and the refused options."""

from __future__ import annotations

import base64

import pytest

from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.runconfig import RunOptions
from vmforms.container.vmisolation import check_vm_options
from vmforms.container.vmisolation.agent import READY_MARK, description
from vmforms.container.vmisolation.launch import ConsoleSession, guest_ram

HOSTILE = ["it's", "$(touch /nonexistent/x)", "a\nb", "`id`", '"$1"', "-x"]


def _decode(text: str) -> list[str]:
    body, _, end = text.rstrip("\n").rpartition("\n")
    assert end == "."
    assert all(len(line) <= 76 for line in body.splitlines())
    raw = base64.b64decode(body).decode()
    assert raw.endswith("\0")
    return raw[:-1].split("\0")


def test_description_fields() -> None:
    text = description(layers=2, hostname="h'x", args=["printf", "%s|", *HOSTILE],
                       env=["A=1 2", "B=$(id)"], cwd="/w d", uid=5, gid=6, groups=[7, 8],
                       memory=1 << 25, pids=None, tty=False, stdin=True)
    assert _decode(text) == ["vmforms-container-1", "2", "33554432", "-", "0", "1", "h'x",
                             "/w d", "5", "6", "7,8", "2", "A=1 2", "B=$(id)", "printf",
                             "%s|", *HOSTILE]


def test_description_refuses_nul_and_excess() -> None:
    common = {"layers": 1, "hostname": "h", "env": [], "cwd": "/", "uid": 0, "gid": 0,
              "groups": [], "memory": None, "pids": None, "tty": False, "stdin": False}
    with pytest.raises(ContainerError):
        description(args=["a\0b"], **common)  # type: ignore[arg-type]
    with pytest.raises(ContainerError):
        description(args=["x"] * 5000, **common)  # type: ignore[arg-type]


def test_description_needs_a_command() -> None:
    with pytest.raises(ContainerError):
        description(layers=1, hostname="h", args=[], env=[], cwd="/", uid=0, gid=0,
                    groups=[], memory=None, pids=None, tty=False, stdin=False)


class FakeUart:
    def __init__(self) -> None:
        self.got = bytearray()

    @property
    def rx_pending(self) -> int:
        return 0

    def receive(self, data: bytes) -> None:
        self.got += data


def test_console_session_waits_for_the_mark() -> None:
    session = ConsoleSession(b"DESC\n")
    uart = FakeUart()
    session.pump(uart)
    assert uart.got == b""  # nothing before the agent is ready
    assert session.output(b"noise" + READY_MARK[:3]) == b""
    assert session.output(READY_MARK[3:] + b"hello") == b"hello"
    session.pending += b"input"
    session.pump(uart)
    assert uart.got == b"DESC\ninput"
    assert session.output(b"more") == b"more"


def test_guest_ram() -> None:
    assert guest_ram(None) == 128 << 20
    assert guest_ram(32 << 20) == 128 << 20
    assert guest_ram(512 << 20) == (512 + 64) << 20
    with pytest.raises(ContainerError):
        guest_ram(4 << 30)


@pytest.mark.parametrize("field,value", [("volumes", ["/a:/b"]), ("privileged", True),
                                          ("publish", ["80"]), ("network", "host")])
def test_refused_options(field: str, value: object) -> None:
    with pytest.raises(InvalidOption):
        check_vm_options(RunOptions(image="busybox", **{field: value}))  # type: ignore[arg-type]
    check_vm_options(RunOptions(image="busybox", network="none"))
