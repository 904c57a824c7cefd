"""Boot Debian's own riscv64 kernel, unmodified, on the software RISC-V machine.

A generic distribution kernel does far more at boot than the built-in guest: about 1.5
billion instructions to the command's output, close to three minutes of wall time, so
this is slow. The kernel and its initramfs of virtio and ext4 modules come from
`vmforms setup` (vmforms.hypervisor.boot.debian.ensure_debian_guest).
"""

from __future__ import annotations

import platform
import re
import subprocess

import pytest

from vmforms.hypervisor.boot.assets import GuestAssets

pytestmark = pytest.mark.slow

BOOT_TIMEOUT = 900  # seconds of wall time for one boot on a busy 2-core machine
GUEST_MEM = "256M"


@pytest.fixture(scope="module")
def debian() -> GuestAssets:
    from vmforms.errors import VmformsError
    from vmforms.hypervisor.boot.debian import debian_guest

    try:
        return debian_guest()
    except VmformsError as exc:
        pytest.fail(f"{exc} (make setup fetches Debian's kernel)")


@pytest.fixture(scope="module")
def booted(vmforms_bin: str, debian: GuestAssets) -> list[str]:
    """One boot for the module (each costs minutes): the release, then a line written to
    virtio-console's /dev/hvc0, then the virtio device ids the kernel bound."""
    script = "uname -r; echo via-hvc > /dev/hvc0; cat /sys/bus/virtio/devices/*/device"
    proc = subprocess.run(
        [vmforms_bin, "vm", "run", "--mem", GUEST_MEM, "--timeout", str(BOOT_TIMEOUT),
         "--kernel", str(debian.kernel), "--initrd", str(debian.initrd),
         "--", "sh", "-c", script],
        capture_output=True,
        text=True,
        timeout=BOOT_TIMEOUT + 60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines(keepends=True)


def test_debian_kernel_runs_the_command(booted: list[str], debian: GuestAssets) -> None:
    release = booted[0]
    assert re.fullmatch(r"6\.\d+\.\d+\S*-riscv64\n", release), booted
    assert release == debian.release + "\n"
    assert release.strip() != platform.release()


def test_debian_kernel_finds_hvc0_and_the_rng(booted: list[str]) -> None:
    """Debian's kernel binds virtio-console (built in) to slot 6 and sees virtio-rng."""
    assert [line.strip() for line in booted[1:]] == ["via-hvc", "0x0003", "0x0004"]
