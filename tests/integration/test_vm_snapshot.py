"""Snapshots of the built-in guest: boot once to the shell prompt and save the machine
there, then restore the same snapshot twice and type a different command into each; and
the snapshots restore refuses, with exit status 125 and one line."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.integration.test_vm_boot import BOOT_TIMEOUT, guest  # noqa: F401

pytestmark = pytest.mark.slow

PROMPT = r"^/ # $"


@pytest.fixture(scope="module")
def release(guest: Path) -> str:  # noqa: F811
    return (guest.parent / "release").read_text().strip()


@pytest.fixture(scope="module")
def snapshot(vmforms_bin: str, release: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("vm-snapshot") / "prompt"
    proc = subprocess.run(
        [vmforms_bin, "vm", "run", "--timeout", str(BOOT_TIMEOUT), "--snapshot-at", PROMPT,
         "--snapshot-to", str(directory)],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=BOOT_TIMEOUT + 60,
    )
    assert proc.returncode == 0, proc.stderr
    # the prompt is the last line (ash may follow it with a cursor position query)
    assert b"/ # " in proc.stdout.rsplit(b"\n", 1)[-1]
    assert b"snapshot saved" in proc.stderr
    return directory


def restore(vmforms_bin: str, directory: Path, typed: str, *extra: str,
            ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [vmforms_bin, "vm", "run", "--timeout", "120", *extra, "--restore", str(directory)],
        input=typed.encode(), capture_output=True, timeout=180,
    )


def test_one_snapshot_restores_twice_into_different_commands(
    vmforms_bin: str, snapshot: Path, release: str
) -> None:
    state = (snapshot / "vmstate").read_bytes()
    # each line starts with a newline: ash may still be reading the reply to its cursor
    # position query (ESC [6n) when the snapshot was taken, and take a first byte as one
    first = restore(vmforms_bin, snapshot, "\nuname -r; exit\n")
    assert first.returncode == 0, first.stderr
    lines = first.stdout.decode(errors="replace").replace("\r", "").split("\n")
    assert release in lines  # the guest's kernel answers, right after the restore
    second = restore(vmforms_bin, snapshot, "\necho $((6*7)); exit\n", "--engine", "interp")
    assert second.returncode == 0, second.stderr
    assert re.search(rb"^42\r?$", second.stdout, re.M)
    assert release.encode() not in second.stdout  # a machine of its own, from the same state
    assert (snapshot / "vmstate").read_bytes() == state  # restoring leaves it as it was


def refused(proc: subprocess.CompletedProcess[bytes], message: str) -> None:
    assert proc.returncode == 125, proc.stderr
    err = proc.stderr.decode()
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def copy(snapshot: Path, to: Path) -> Path:
    shutil.copytree(snapshot, to)
    return to


def test_an_altered_snapshot_is_refused(vmforms_bin: str, snapshot: Path, tmp_path: Path) -> None:
    bad = copy(snapshot, tmp_path / "altered")
    with (bad / "memory").open("r+b") as f:
        f.seek(0x200000 + 0x1000)  # in the kernel's text: a data extent
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0x80]))
    refused(restore(vmforms_bin, bad, "true\n"), "memory is damaged or altered")


def test_another_ram_size_is_refused(vmforms_bin: str, snapshot: Path) -> None:
    refused(restore(vmforms_bin, snapshot, "true\n", "--mem", "256M"),
            "ram was 128 MiB of RAM, is 256 MiB of RAM")


def test_another_format_version_is_refused(
    vmforms_bin: str, snapshot: Path, tmp_path: Path
) -> None:
    bad = copy(snapshot, tmp_path / "version")
    blob = bytearray((bad / "vmstate").read_bytes())
    struct.pack_into("<I", blob, 8, 99)
    (bad / "vmstate").write_bytes(bytes(blob))
    refused(restore(vmforms_bin, bad, "true\n"), "format version 99")
