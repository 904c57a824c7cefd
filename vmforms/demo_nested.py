"""The demo's nested form, a container inside the RISC-V VM (Docker Desktop's and Kata
Containers' shape), and its row on kernel modules: code for a kernel can be loaded only
where there is a kernel of one's own and the right to change it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

VMFORMS = str(Path(sys.executable).with_name("vmforms"))
VM_RUN = [VMFORMS, "container", "run", "--rm", "--isolation", "vm"]
# Any file will do: init_module(2) checks CAP_SYS_MODULE before it reads the image.
INSMOD = "insmod /bin/busybox 2>&1; echo status=$?"
# The built-in guest's initramfs carries the modules its kernel was built with (the dummy
# network driver): the VM's probe loads one and lists what is loaded.
GUEST_MODULE = "dummy"
GUEST_INSMOD = f"""if insmod /lib/modules/{GUEST_MODULE}.ko 2>/tmp/.insmod; then
    echo "guest_lsmod=$(lsmod | sed 1d | cut -d' ' -f1 | tr '\\n' ' ')"
else
    echo "guest_insmod=$(tail -n1 /tmp/.insmod)"
fi
"""
STATS = re.compile(r"vmforms: (\d+) guest instructions in ([\d.]+)s")


class NestedError(Exception):
    """The nested column could not be measured; the message says why."""


def _run(argv: list[str], timeout: float, env: dict[str, str] | None = None
         ) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NestedError(f"{' '.join(argv[:4])}: {exc}") from None
    return proc, time.monotonic() - start


def _failure(proc: subprocess.CompletedProcess[str]) -> NestedError:
    lines = proc.stderr.strip().splitlines()
    return NestedError(lines[-1] if lines else f"exit status {proc.returncode}")


def insmod_outcome(text: str) -> str:
    """What `INSMOD` printed, as a table cell."""
    status = re.search(r"status=(\d+)", text)
    message = text.split("status=")[0].strip().splitlines()
    if status and status.group(1) == "0":
        return "insmod succeeded"
    return "fails: " + (message[-1].split(": ")[-1] if message else "insmod failed")


def measure_vm_container(progress: Callable[[str], None], shell_probe: str
                         ) -> dict[str, Any]:
    """`container run --isolation vm busybox`: start-up booting and from the snapshot,
    the probe's view, and insmod inside."""
    if os.geteuid() != 0:
        raise NestedError("containers need root (namespaces, mounts, cgroups)")
    stats_env = dict(os.environ, VMFORMS_VM_STATS="1")
    progress("a container in the VM (its first run boots the guest to its agent)...")
    first, first_s = _run([*VM_RUN, "busybox", "true"], 900, stats_env)
    if first.returncode != 0:
        raise _failure(first)
    if "(booted)" in first.stderr:
        cold, cold_s = first, first_s
    else:  # a snapshot was there already: boot once without it
        progress("a container in the VM: booting the guest without the snapshot...")
        cold, cold_s = _run([*VM_RUN, "busybox", "true"], 900,
                            dict(stats_env, VMFORMS_VM_SNAPSHOT="off"))
    progress("a container in the VM: resumed from the snapshot...")
    warm, warm_s = _run([*VM_RUN, "busybox", "true"], 900, stats_env)
    if warm.returncode != 0 or "(resumed" not in warm.stderr:
        raise _failure(warm)
    probe, _ = _run([*VM_RUN, "busybox", "sh", "-c", shell_probe + INSMOD], 900)
    if probe.returncode != 0:
        raise _failure(probe)
    booted, resumed = STATS.search(cold.stderr), STATS.search(warm.stderr)
    return {"probe": probe.stdout, "startup_s": warm_s, "cold_s": cold_s,
            "startup_note": f"from a snapshot; {cold_s:.1f} s booting",
            "guest_instructions": int(resumed.group(1)) if resumed else 0,
            "boot_instructions": int(booted.group(1)) if booted else 0,
            "module": insmod_outcome(probe.stdout) + " (no CAP_SYS_MODULE: the guest's kernel "
                      "takes modules, from its root only)"}


def container_module() -> str:
    """insmod in a container on the host: the host's kernel, without CAP_SYS_MODULE."""
    proc, _ = _run([VMFORMS, "container", "run", "--rm", "busybox", "sh", "-c", INSMOD], 60)
    return insmod_outcome(proc.stdout) + " (no CAP_SYS_MODULE; the only kernel is the host's)"


def host_modules() -> str:
    try:
        with open("/proc/modules") as f:
            count = sum(1 for _ in f)
    except FileNotFoundError:
        return "root may, into its own kernel; this one has no module support"
    except OSError:
        return "-"
    return f"root may, into its own kernel: {count} modules loaded (lsmod)"


def guest_modules(fields: dict[str, str]) -> str:
    """What `GUEST_INSMOD` found in the VM: the guest's root loads a driver into the
    guest's own kernel, and lsmod lists it."""
    loaded = fields.get("guest_lsmod", "").split()
    if loaded:
        return (f"the guest's root loads {GUEST_MODULE} into its own kernel "
                f"(lsmod: {', '.join(loaded)})")
    return "fails: " + (fields.get("guest_insmod") or "insmod failed")
