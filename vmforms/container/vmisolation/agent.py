"""The container agent of the RISC-V guest: vmforms-enter (enter.c, cross-compiled
static for riscv64 with the cross compiler the kernel is built with), the guest's PID 1.

It prints a base mark and waits on the serial console for the line "disk SECTORS": a
VM snapshot taken at that mark serves every image, whose disk the host puts behind the
guest's /dev/vda (an empty placeholder until then). It then mounts the image disk (one
directory per layer) under an overlay with a tmpfs upper layer, reads its files, prints
the ready mark and waits for the container's description (base64 lines ended by a line
holding a dot): a snapshot taken at that mark serves every container of the image.
Then it sets the cgroup's limits (memory.max, pids.max), unshares the mount, UTS, IPC
and PID namespaces, and in them switches root, user and capabilities and execs the
command. The container's exit status
goes out as the exit mark of the built-in guest's /init (initramfs.py), signed with the
run's key, which the description carries (after the snapshot point) and the container
cannot read: a mark the container prints without it is only its output. Then the guest
powers off.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError
from vmforms.hypervisor.boot.initramfs import KEY_RE

ENTER_SOURCE = Path(__file__).with_name("enter.c")
CROSS_GCC = "riscv64-linux-gnu-gcc"
ENTER_PATH = "bin/vmforms-enter"
# The guest's command line: vmforms-enter is PID 1 in place of the initramfs's /init.
GUEST_CMDLINE = f"console=ttyS0 quiet rdinit=/{ENTER_PATH}"
BASE_MARK = b"\x1b]vmforms;agent-base\x07"
READY_MARK = b"\x1b]vmforms;agent-ready\x07"
DESCRIPTION_END = "."

DESCRIPTION_MAGIC = "vmforms-container-2"
# vmforms-enter's bounds (enter.c: MAX_DESCRIPTION of base64 text, MAX_FIELDS)
MAX_DESCRIPTION = 1 << 20
MAX_FIELDS = 4000


def description(*, key: str, layers: int, hostname: str, args: list[str], env: list[str],
                cwd: str, uid: int, gid: int, groups: list[int], memory: int | None,
                pids: int | None, tty: bool, stdin: bool,
                tty_size: tuple[int, int] | None = None) -> str:
    """The text sent after the ready mark: vmforms-enter's NUL-terminated fields (see
    enter.c), base64 in lines of 76 and a closing dot. `key` signs the exit mark
    (initramfs.new_key)."""
    if not args:
        raise ContainerError("no command specified")
    if not KEY_RE.fullmatch(key):
        raise ContainerError("the exit mark's key is 32 lowercase hex digits")
    settings = [str(layers), str(memory) if memory is not None else "-",
                str(pids) if pids is not None and pids > 0 else "-",
                f"1:{tty_size[0]}x{tty_size[1]}" if tty and tty_size else str(int(tty)),
                str(int(stdin)), hostname, cwd, str(uid), str(gid),
                ",".join(map(str, groups)) or "-"]
    fields = [DESCRIPTION_MAGIC, key, *settings, str(len(env)), *env, *args]
    if any("\0" in f for f in fields):
        raise ContainerError("a NUL byte in the container's command or environment")
    blob = base64.encodebytes("".join(f + "\0" for f in fields).encode()).decode()
    if len(fields) > MAX_FIELDS or len(blob) > MAX_DESCRIPTION:
        raise ContainerError("the container's command and environment are too large for "
                             "the VM's agent (1 MiB, 4000 words)")
    return blob + DESCRIPTION_END + "\n"


def disk_line(sectors: int) -> bytes:
    """The answer to the base mark: the image's disk is behind /dev/vda, this size."""
    return b"disk %d\n" % sectors


def build_enter(out: Path) -> None:
    """Cross-compile enter.c into a static riscv64 program at `out`."""
    if shutil.which(CROSS_GCC) is None:
        raise ContainerError(f"{CROSS_GCC} not found: apt-get install gcc-riscv64-linux-gnu "
                             "libc6-dev-riscv64-cross")
    tmp = out.with_name(out.name + ".tmp")
    proc = subprocess.run([CROSS_GCC, "-static", "-O2", "-s", "-o", str(tmp),
                           str(ENTER_SOURCE)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise ContainerError(f"compile {ENTER_SOURCE.name}: {proc.stderr.strip()[-300:]}")
    os.replace(tmp, out)
