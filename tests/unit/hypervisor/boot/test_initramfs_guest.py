"""The built-in guest's initramfs and the framing of the command's output on the console."""

import base64
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from vmforms.hypervisor.boot.initramfs import (
    GUEST_BEGIN,
    GuestOutput,
    build_initramfs,
    busybox_applets,
    command_parameter,
    signs_exit_marks,
)

FAKE_BUSYBOX = b"\x7fELF junk\0[\0[[\0ash\0cat\0sh\0uname\0\0more junk"


def test_applet_table_is_read_from_the_binary() -> None:
    assert busybox_applets(FAKE_BUSYBOX) == ["[", "[[", "ash", "cat", "sh", "uname"]
    assert "sh" in busybox_applets(b"no table here")


@pytest.mark.skipif(shutil.which("cpio") is None, reason="cpio not installed")
def test_archive_has_init_console_and_applet_links() -> None:
    blob = build_initramfs(FAKE_BUSYBOX)
    listing = subprocess.run(
        ["cpio", "-tv", "--quiet"], input=blob, capture_output=True, check=True
    ).stdout.decode()
    names = [
        line.split()[-1] if "->" not in line else line.split()[-3] for line in listing.splitlines()
    ]
    for want in ("init", "bin/busybox", "dev/console", "bin/sh", "bin/uname", "proc", "sys"):
        assert want in names
    assert "bin/uname -> busybox" in listing
    assert any(
        line.startswith("crw") and line.endswith("dev/console") for line in listing.splitlines()
    )


def test_command_parameter_round_trips_arguments() -> None:
    argv = ["sh", "-c", "echo 'a b' \"$HOME\"; exit 3"]
    word = command_parameter(argv)
    name, _, value = word.partition("=")
    assert name == "vmforms_cmd" and " " not in word
    assert shlex.split(base64.b64decode(value).decode()) == argv


def test_output_between_the_marks_is_the_commands() -> None:
    g = GuestOutput()
    stream = b"[ boot ] noise\r\n" + GUEST_BEGIN + b"6.1.192\nmore" + b"\x1b]vmforms;exit=3\x07tail"
    got = b"".join(g.feed(stream[i : i + 3]) for i in range(0, len(stream), 3))
    assert got == b"6.1.192\nmore"
    assert g.exit_status == 3
    assert bytes(g.boot_log) == b"[ boot ] noise\r\n"


def test_partial_marks_are_held_back_not_printed() -> None:
    g = GuestOutput()
    assert g.feed(GUEST_BEGIN + b"out\x1b]vmf") == b"out"
    assert g.feed(b"orms;exi") == b""
    assert g.feed(b"t=0\x07") == b""
    assert g.exit_status == 0


def test_escape_sequences_that_are_not_marks_pass_through() -> None:
    g = GuestOutput()
    assert g.feed(GUEST_BEGIN + b"\x1b[1mbold\x1b]0;title\x07") == b"\x1b[1mbold\x1b]0;title\x07"
    assert g.exit_status is None


def test_only_an_init_that_signs_its_marks_gets_a_key(tmp_path: Path) -> None:
    current = tmp_path / "current.cpio"
    current.write_bytes(build_initramfs(FAKE_BUSYBOX))
    older = tmp_path / "older.cpio"
    older.write_bytes(build_initramfs(FAKE_BUSYBOX, init="#!/bin/sh\nsh /tmp/.cmd\n"))
    assert signs_exit_marks(current)
    assert not signs_exit_marks(older)
    assert not signs_exit_marks(tmp_path / "missing.cpio")
