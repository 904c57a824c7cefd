"""The newc writer, checked by listing and extracting with GNU cpio."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from vmforms.hypervisor.boot.cpio import char_device, directory, file, symlink, write_newc

needs_cpio = pytest.mark.skipif(shutil.which("cpio") is None, reason="cpio not installed")


def archive() -> bytes:
    return write_newc(
        [
            directory("bin"),
            file("bin/tool", b"\x7fELF" + bytes(range(256)), 0o755),
            symlink("bin/sh", "tool"),
            directory("dev"),
            char_device("dev/console", 5, 1),
            file("odd-name.txt", b"abc"),
        ]
    )


def test_layout_is_four_byte_aligned_and_ends_with_the_trailer() -> None:
    blob = archive()
    assert blob.startswith(b"070701") and len(blob) % 4 == 0
    assert b"TRAILER!!!\0" in blob[-128:]


@needs_cpio
def test_cpio_lists_every_entry() -> None:
    proc = subprocess.run(
        ["cpio", "-t", "--quiet"], input=archive(), capture_output=True, check=True
    )
    assert proc.stdout.decode().split() == [
        "bin",
        "bin/tool",
        "bin/sh",
        "dev",
        "dev/console",
        "odd-name.txt",
    ]
    verbose = subprocess.run(
        ["cpio", "-tv", "--quiet"], input=archive(), capture_output=True, check=True
    ).stdout.decode()
    assert "bin/sh -> tool" in verbose
    assert verbose.splitlines()[4].startswith("crw-------")


@needs_cpio
def test_cpio_extracts_the_same_bytes(tmp_path: Path) -> None:
    subprocess.run(
        ["cpio", "-id", "--quiet", "--no-absolute-filenames"],
        input=write_newc([directory("bin"), file("bin/tool", b"payload", 0o751)]),
        cwd=tmp_path,
        check=True,
    )
    tool = tmp_path / "bin/tool"
    assert tool.read_bytes() == b"payload"
    assert stat.S_IMODE(os.stat(tool).st_mode) == 0o751


def test_empty_names_are_refused() -> None:
    with pytest.raises(ValueError):
        write_newc([file("/", b"")])
