"""An x86-64 Linux (linux-source-6.1 with boot/x86_guest.config) on the KVM board, to
`uname -r` in its initramfs. It needs a KVM that runs guest kernel code on the CPU: the
probe guest measures that first, and on a KVM that emulates guest kernel mode (a nested,
paging-based kvm_pvm runs it at about a million instructions a second) the test skips
with the measured speed, since Linux would take many minutes to reach user space."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from vmforms.linux import kvm

pytestmark = pytest.mark.slow

# Hardware-assisted KVM runs guest kernel code at the host's speed, billions of
# instructions a second; an emulating one manages about a million.
KERNEL_MODE_MIN_IPS = 100e6
BOOT_TIMEOUT = 300


def _kernel_mode_speed(vmforms_bin: str) -> float:
    try:
        os.close(kvm.open_kvm())
    except OSError as exc:
        pytest.skip(f"/dev/kvm unusable: {exc}")
    proc = subprocess.run(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--stats", "--timeout", "120"],
        capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    m = re.search(r"kernel_insns_per_s ([0-9.e+]+)", proc.stderr)
    assert m, proc.stderr
    return float(m.group(1))


@pytest.mark.parametrize("irqchip", ["kernel", "none"])
def test_linux_early_boot_by_pvh(vmforms_bin: str, irqchip: str) -> None:
    """Linux's own account of our boot protocol, on any KVM: the kernel prints the e820
    map, the MP table and the hypervisor it found before it needs much kernel code, and the
    monitor is stopped once they are out (left alone, an emulating KVM ends the run at the
    first instruction it cannot emulate, here cmpxchg16b, half a minute later; a
    hardware-assisted one at the panic for a missing root, reboot=k). Without KVM's
    irqchip the board is a PC/AT, and Linux finds no APIC to probe."""
    try:
        os.close(kvm.open_kvm())
    except OSError as exc:
        pytest.skip(f"/dev/kvm unusable: {exc}")
    from vmforms.hypervisor.boot.x86_assets import ensure_x86_kernel, ensure_x86_vmlinux

    bzimage, release = ensure_x86_kernel()
    vmlinux = ensure_x86_vmlinux(bzimage)
    proc = subprocess.Popen(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--timeout", "200", "--mem", "128M",
         "--cpus", "2", "--irqchip", irqchip, "--kernel", str(vmlinux),
         "--append", "earlyprintk=serial,ttyS0,115200"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )
    assert proc.stdout is not None
    lines = []
    try:
        # The last line asked for comes early; what follows (here, half a minute of
        # emulated kernel code up to an instruction KVM cannot emulate) is not waited for.
        for line in proc.stdout:
            lines.append(line)
            if "smpboot: Allowing" in line:
                proc.terminate()
                break
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    log = "".join(lines) + out
    assert f"Linux version {release} " in log, err
    assert "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable" in log
    assert "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable" in log
    assert "Hypervisor detected: KVM" in log
    if irqchip == "kernel":
        assert "MPTABLE: OEM ID: VMFORMS" in log and "Processor #0 (Bootup-CPU)" in log
        assert "Processor #1\n" in log and "smpboot: Allowing 2 CPUs" in log  # --cpus 2
    else:
        assert "MPTABLE" not in log and "No local APIC present" in log
        assert "smpboot: Allowing 1 CPUs" in log
        assert "guest:" not in err  # nothing probed where no device is
    assert "virtio_mmio" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 1


def test_linux_boots_to_uname(vmforms_bin: str) -> None:
    speed = _kernel_mode_speed(vmforms_bin)
    if speed < KERNEL_MODE_MIN_IPS:
        pytest.skip(
            f"this KVM runs guest kernel code at {speed / 1e6:.2f} M instructions/s "
            "(emulated, as a nested kvm_pvm does): Linux would not reach user space in time"
        )
    from vmforms.hypervisor.boot.x86_assets import ensure_x86_guest

    guest = ensure_x86_guest()
    proc = subprocess.run(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--timeout", str(BOOT_TIMEOUT),
         "--kernel", str(guest.kernel), "--initrd", str(guest.initrd), "--", "uname", "-r"],
        capture_output=True, text=True, timeout=BOOT_TIMEOUT + 60, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == guest.release + "\n"
    assert proc.stdout.strip() != os.uname().release
