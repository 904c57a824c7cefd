"""`vmforms vm run` refuses bad input with one line and exit code 1, before the guest starts."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from vmforms.cli.vm import parse_size


def vm(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VMFORMS_ROOT=str(tmp_path / "root"))
    return subprocess.run(
        [sys.executable, "-m", "vmforms", "vm", "run", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.fixture
def kernel(tmp_path: Path) -> Path:
    header = struct.pack(
        "<IIQQQIIQ8s4sI", 0x6F, 0, 0x200000, 8 << 20, 0, 2, 0, 0, b"RISCV\0\0\0", b"RSC\x05", 0
    )
    path = tmp_path / "Image"
    path.write_bytes(header + bytes(256))
    return path


@pytest.fixture
def initrd(tmp_path: Path) -> Path:
    path = tmp_path / "initrd.cpio"
    path.write_bytes(b"070701" + bytes(512))
    return path


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("vmforms vm:")
    for word in words:
        assert word in lines[0]
    assert proc.stdout == ""


def test_a_kernel_that_is_not_riscv(tmp_path: Path, initrd: Path) -> None:
    one_line_error(
        vm(tmp_path, "--kernel", sys.executable, "--initrd", str(initrd), "--", "true"),
        "not a RISC-V Linux Image",
    )


def test_a_missing_initrd(tmp_path: Path, kernel: Path) -> None:
    one_line_error(
        vm(tmp_path, "--kernel", str(kernel), "--initrd", str(tmp_path / "gone.cpio"), "true"),
        "gone.cpio",
    )


def test_memory_too_small_for_the_kernel(tmp_path: Path, kernel: Path, initrd: Path) -> None:
    one_line_error(
        vm(tmp_path, "--kernel", str(kernel), "--initrd", str(initrd), "--mem", "16M", "true"),
        "too small",
        "--mem",
    )


def test_a_disk_that_does_not_exist(tmp_path: Path, kernel: Path, initrd: Path) -> None:
    proc = vm(
        tmp_path,
        "--kernel",
        str(kernel),
        "--initrd",
        str(initrd),
        "--disk",
        str(tmp_path / "nope.img") + ",ro",
        "true",
    )
    one_line_error(proc, "nope.img")


def test_no_built_in_guest_says_to_run_setup(tmp_path: Path) -> None:
    one_line_error(vm(tmp_path, "--", "true"), "vmforms setup")


def test_restore_refuses_what_the_snapshot_does_not_hold(tmp_path: Path) -> None:
    """A network's host side (TAP, lease, libslirp) is not in a snapshot: --net is
    refused with --restore, as a kernel or a command is, never silently ignored."""
    for extra in (["--net", "user"], ["--net"], ["--kernel", str(tmp_path / "Image")]):
        one_line_error(vm(tmp_path, *extra, "--restore", str(tmp_path / "snap")),
                       "--restore resumes", "--net")


def test_a_command_too_long_for_the_kernel_command_line(
    tmp_path: Path, kernel: Path, initrd: Path
) -> None:
    proc = vm(tmp_path, "--kernel", str(kernel), "--initrd", str(initrd), "echo", "x" * 800)
    one_line_error(proc, "command line", "1023")


def test_sizes() -> None:
    assert parse_size("128M") == 128 << 20
    assert parse_size("1G") == 1 << 30
    assert parse_size("65536K") == 64 << 20
    assert parse_size("256") == 256 << 20
    with pytest.raises(Exception, match="--mem"):
        parse_size("lots")


def test_console_escape_keys() -> None:
    from vmforms.cli.vm import _Detach, _Terminal

    r, w = os.pipe()
    try:
        term = _Terminal(r, w)
        got: list[bytes] = []
        poll = term.poller(got.append)
        os.write(w, b"ls\r\x01\x01a")
        poll(False)
        assert got == [b"ls\r\x01a"]
        os.write(w, b"q\x01")
        poll(False)
        os.write(w, b"x")
        with pytest.raises(_Detach):
            poll(True)
        assert got == [b"ls\r\x01a", b"q"]
    finally:
        os.close(r)
        os.close(w)


def test_missing_firmware(tmp_path: Path, kernel: Path, initrd: Path) -> None:
    proc = vm(tmp_path, "--kernel", str(kernel), "--initrd", str(initrd),
              "--bios", str(tmp_path / "fw.bin"), "--", "true")
    one_line_error(proc, "fw.bin", "no such file")


def test_firmware_that_overlaps_the_kernel(tmp_path: Path, kernel: Path, initrd: Path) -> None:
    big = tmp_path / "fw.bin"
    big.write_bytes(bytes(3 << 20))  # past the kernel at 2 MiB
    proc = vm(tmp_path, "--kernel", str(kernel), "--initrd", str(initrd), "--bios", str(big),
              "--", "true")
    one_line_error(proc, "fw.bin", "kernel at 0x80200000")


def test_spike_wants_one_elf_program(tmp_path: Path, kernel: Path) -> None:
    one_line_error(vm(tmp_path, "--machine", "spike"), "--kernel PROGRAM")
    one_line_error(vm(tmp_path, "--machine", "spike", "--kernel", str(kernel), "--", "ls"),
                   "--kernel PROGRAM")
    one_line_error(vm(tmp_path, "--machine", "spike", "--kernel", str(kernel)),
                   "not an ELF")
    one_line_error(vm(tmp_path, "--machine", "spike", "--kernel", str(tmp_path / "nope")),
                   "no such file")
    one_line_error(vm(tmp_path, "--machine", "spike", "--bios", str(kernel)), "not an ELF")
    one_line_error(vm(tmp_path, "--machine", "spike", "--bios", str(kernel), "--kernel",
                      str(kernel)), "--kernel PROGRAM")
