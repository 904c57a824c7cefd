"""The x86-64 KVM board, end to end, with the project's probe guest assembled from source:
real mode -> long mode, MMIO, a virtio-blk read, ring 3 system calls, power-off by the
i8042 or by HLT; the CLI's errors; and a monitor killed by SIGKILL leaves nothing behind."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from vmforms.linux import kvm


def _kvm_absent() -> str | None:
    try:
        fd = kvm.open_kvm()
    except OSError as exc:
        return f"/dev/kvm unusable: {exc}"
    try:
        kvm.get_api_version(fd)
    except OSError as exc:
        return f"/dev/kvm answers no KVM API: {exc}"
    finally:
        os.close(fd)
    for tool in ("as", "ld"):
        if shutil.which(tool) is None:
            return f"binutils' {tool} is not installed"
    return None


pytestmark = pytest.mark.skipif(_kvm_absent() is not None, reason=str(_kvm_absent()))

PROBE_LINES = [
    "x86 probe: real mode",
    "x86 probe: long mode",
    "x86 probe: mmio read virtio magic ok",
]


def vm(vmforms_bin: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--timeout", str(timeout), *args],
        capture_output=True, text=True, timeout=timeout + 30, stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def disk(tmp_path: Path) -> tuple[Path, str]:
    token = secrets.token_hex(8)
    image = tmp_path / "disk.img"
    image.write_bytes(f"token {token}\nsecond line\n".encode().ljust(8192, b"\0"))
    return image, token


def test_probe_boots_reads_the_disk_and_makes_system_calls(
    vmforms_bin: str, disk: tuple[Path, str]
) -> None:
    image, token = disk
    proc = vm(vmforms_bin, "--stats", "--disk", f"{image},ro")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[:3] == PROBE_LINES
    assert f"x86 probe: disk: token {token}" in lines
    assert "x86 probe: interrupt from COM1 (IRQ 4)" in lines  # KVM's in-kernel PIC
    assert "second line" not in proc.stdout  # the probe prints the first line only
    assert lines[-2:] == ["x86 probe: hello from ring 3", "x86 probe: exit 0"]
    assert "; reset after" in proc.stderr  # the i8042 pulse ended the run
    assert "KVM_EXIT_MMIO" in proc.stderr and "syscall_seconds" in proc.stderr


_STATS_RUNS: dict[str, subprocess.CompletedProcess[str]] = {}


def stats_run(vmforms_bin: str, irqchip: str) -> subprocess.CompletedProcess[str]:
    """`--stats --irqchip X` of the probe, run once per module for the tests that read it."""
    if irqchip not in _STATS_RUNS:
        _STATS_RUNS[irqchip] = vm(vmforms_bin, "--stats", "--irqchip", irqchip)
    return _STATS_RUNS[irqchip]


def test_without_irqchip_hlt_powers_off(vmforms_bin: str) -> None:
    proc = stats_run(vmforms_bin, "none")
    assert proc.returncode == 0, proc.stderr
    assert "x86 probe: no virtio-blk disk" in proc.stdout
    # Our user-space 8259 took IRQ 4 and KVM_INTERRUPT injected it in the IRQ window.
    assert "x86 probe: interrupt from COM1 (IRQ 4)" in proc.stdout
    assert "KVM_EXIT_IRQ_WINDOW_OPEN" in proc.stderr
    assert proc.stdout.endswith("x86 probe: exit 0\n")
    assert "; poweroff after" in proc.stderr and "KVM_EXIT_HLT " in proc.stderr


def _stat(stderr: str, name: str) -> float:
    for line in stderr.splitlines():
        words = line.split()
        if len(words) == 4 and words[2] == name:
            return float(words[3])
    raise AssertionError(f"no {name} in --stats: {stderr}")


@pytest.mark.parametrize("irqchip", ["kernel", "none"])
def test_pit_interrupts_reach_the_guest(vmforms_bin: str, irqchip: str) -> None:
    """The probe programs the 8254 as Linux does: counter 0 periodic at 1 kHz (20 ticks
    counted on IRQ 0), counter 0 one-shot, counter 2 gated and polled through port 0x61.
    "kernel": KVM's PIT and PIC; "none": ours (cpu/kvm/pit.py, pic.py), IRQ 0 injected
    with KVM_INTERRUPT while the vCPU halts between ticks."""
    proc = stats_run(vmforms_bin, irqchip)
    assert proc.returncode == 0, proc.stderr
    for line in (
        "x86 probe: 20 PIT ticks on IRQ 0 (counter 0, mode 2)",
        "x86 probe: PIT counter 2 latched while counting",
        "x86 probe: PIT counter 2 ran out (port 0x61)",
        "x86 probe: PIT one-shot fired once (counter 0, mode 4)",
    ):
        assert line in proc.stdout.splitlines(), proc.stdout
    # Counter 2 counts 23864 clocks of 1.193182 MHz: 20 ms on the host's clock at least.
    assert 0.0199 <= _stat(proc.stderr, "pit_counter2_seconds") < 5
    # 20 periods of 1 ms: a late tick makes it slower, KVM's catch-up of late ticks faster.
    assert 5 < _stat(proc.stderr, "pit_tick_hz") < 20_000
    if irqchip == "none":
        assert _stat(proc.stderr, "KVM_EXIT_HLT") > 20  # woken by each tick


def test_our_pit_through_kvms_irqchip(monkeypatch: pytest.MonkeyPatch) -> None:
    """The third arrangement, a KVM with an irqchip but no PIT: our 8254's IRQ 0 edges go
    to KVM's PIC by KVM_IRQ_LINE."""
    import dataclasses

    from vmforms.hypervisor.cpu.kvm.launch import build_config, launch, probe_rates
    from vmforms.hypervisor.cpu.kvm.vm import KvmVm

    real = KvmVm._capabilities
    monkeypatch.setattr(
        KvmVm, "_capabilities", lambda self: dataclasses.replace(real(self), pit2=False)
    )
    out = bytearray()
    run = launch(build_config(None, None, "", 16 << 20, [], 1, True), out.extend, 60)
    assert run.result.reason == "reset", out.decode()
    text = out.decode()
    assert "x86 probe: 20 PIT ticks on IRQ 0 (counter 0, mode 2)" in text
    assert "x86 probe: PIT one-shot fired once (counter 0, mode 4)" in text
    assert probe_rates(run.marks)["pit_counter2_seconds"] >= 0.0199


def test_the_pit_is_ours_only_without_kvms() -> None:
    from vmforms.hypervisor.cpu.kvm.machine import X86Config, X86Machine
    from vmforms.hypervisor.guests.x86_probe import probe_path

    for irqchip in (True, False):
        machine = X86Machine(
            X86Config(probe_path(), mem_size=16 << 20, irqchip=irqchip), lambda data: None
        )
        try:
            names = {name for _, _, name in machine.ports.ranges()}
            ours = not (machine.vm.irqchip and machine.vm.caps.pit2)
            assert ("pit" in names) == ("port-b" in names) == ours
            assert ("pic-master" in names) == (not machine.vm.irqchip)
            if ours:
                assert machine.port_in(0x61, 1) & 0x01 == 0  # counter 2's gate is low
        finally:
            machine.close()


def test_pvh_entry_of_the_same_guest(vmforms_bin: str, disk: tuple[Path, str]) -> None:
    from vmforms.hypervisor.guests.x86_probe import probe_path

    image, token = disk
    proc = vm(vmforms_bin, "--kernel", str(probe_path(pvh=True)), "--disk", f"{image},ro")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("x86 probe: PVH entry, protected mode\nx86 probe: long mode\n")
    assert f"disk: token {token}" in proc.stdout


@pytest.mark.parametrize("irqchip", ["kernel", "none"])
def test_several_vcpus_start_and_stop(vmforms_bin: str, irqchip: str) -> None:
    proc = vm(vmforms_bin, "--cpus", "3", "--irqchip", irqchip)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.endswith("x86 probe: exit 0\n")
    assert proc.stderr == ""
    # With the in-kernel LAPIC, CPU 0 starts CPU 1 by INIT/SIPI and both run guest code,
    # each in its own vCPU thread; without it there is no one to start it.
    started = "x86 probe: CPU 1 up, real mode\nx86 probe: CPU 0 saw CPU 1\n" in proc.stdout
    assert started == (irqchip == "kernel")


def test_one_vcpu_starts_no_other(vmforms_bin: str) -> None:
    proc = stats_run(vmforms_bin, "kernel")
    assert proc.returncode == 0, proc.stderr
    assert "CPU 1" not in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arch", "riscv64"], "x86_64 guests run with --accel kvm"),
        (["--cpus", "0"], "at least one vCPU"),
        (["--cpus", "100000"], "this KVM allows"),
        (["--kernel", "/etc/hostname"], "not an ELF file or a bzImage"),
        (["--kernel", "/nonexistent"], "no such file"),
        (["--kernel", "/dev/zero"], "not a regular file"),
        (["--mem", "8G"], "keeps RAM below"),
        (["--", "uname"], "a command on x86_64 needs a Linux --kernel"),
    ],
)
def test_errors_are_one_line(vmforms_bin: str, args: list[str], message: str) -> None:
    proc = vm(vmforms_bin, *args)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr


def _kvm_fds() -> set[str]:
    """Every open KVM VM or vCPU fd on the host, as pid:fd."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("anon_inode:kvm-"):
                    found.add(f"{pid}:{fd}")
        except OSError:
            continue
    return found


def test_sigkill_leaves_nothing_behind(vmforms_bin: str, tmp_path: Path) -> None:
    # A guest that halts with interrupts off: its vCPU sleeps in KVM_RUN, costing no CPU.
    src = tmp_path / "hang.S"
    src.write_text(".code16\n.globl _start\n_start: cli\n1: hlt\njmp 1b\n")
    subprocess.run(["as", "--64", "-o", str(tmp_path / "hang.o"), str(src)], check=True)
    elf = tmp_path / "hang.elf"
    subprocess.run(
        ["ld", "-e", "_start", "-Ttext=0x7c00", "-o", str(elf), str(tmp_path / "hang.o")],
        check=True,
    )
    before = _kvm_fds()
    temps_before = set(Path("/tmp").glob("vmforms-x86-probe-*"))
    proc = subprocess.Popen(
        [vmforms_bin, "vm", "run", "--accel", "kvm", "--cpus", "2", "--kernel", str(elf)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            mine = {f for f in _kvm_fds() - before if f.startswith(f"{proc.pid}:")}
            if len(mine) >= 3:  # the VM and both vCPUs
                break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        else:
            pytest.fail("the monitor never opened its VM and vCPUs")
        threads = len(os.listdir(f"/proc/{proc.pid}/task"))
        assert threads >= 3  # the main thread and one per vCPU
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    assert not os.path.exists(f"/proc/{proc.pid}")
    assert not {f for f in _kvm_fds() - before if f.startswith(f"{proc.pid}:")}
    assert set(Path("/tmp").glob("vmforms-x86-probe-*")) == temps_before


def test_demo_column(vmforms_bin: str) -> None:
    import json

    proc = subprocess.run(
        [vmforms_bin, "demo", "--form", "kvm", "--json"],
        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stderr
    col = json.loads(proc.stdout)["forms"]["kvm"]
    assert col["available"] is True, col.get("reason")
    assert col["machine"] == "x86_64" and col["kernel_is_host"] is False
    # Guest user code runs on the host CPU: far above any emulator's rate.
    assert col["user_ips"] > 1e8
    assert 0 < col["exit_ns"] < 1e8 and 0 < col["call_ns"] < 1e9
    # The same loop natively and on our RISC-V CPU: the guest's is the host's kind of rate.
    assert col["loop_host_ips"] > 1e8 and 0 < col["loop_riscv_ips"] < col["user_ips"]
    assert "x the host's" in col["loop"]


def test_unclaimed_mmio_is_survived_and_logged_a_few_times(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from vmforms.hypervisor.cpu.kvm.machine import GUEST_ERRORS_LOGGED, X86Config, X86Machine
    from vmforms.hypervisor.guests.x86_probe import probe_path

    machine = X86Machine(X86Config(probe_path(), mem_size=16 << 20), lambda data: None)
    try:
        with caplog.at_level("WARNING"):
            for _ in range(100):
                assert machine.mmio_read(0xE0000000, 4) == 0xFFFFFFFF
                machine.mmio_write(0xE0000000, 2, 7)
            assert machine.port_in(0x2F8, 1) == 0xFF  # no COM2: the bus floats high
    finally:
        machine.close()
    assert machine.guest_errors == 200
    assert len(caplog.records) == GUEST_ERRORS_LOGGED + 1
