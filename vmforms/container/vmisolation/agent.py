"""The container agent of the RISC-V guest: a shell script of busybox built-ins, and
vmforms-enter (enter.c, cross-compiled static for riscv64) that does the work.

The built-in guest's /init runs the agent as its command. The agent prints one ready
mark and waits on the serial console for the container's description (base64 lines
ended by a line holding a dot): a VM snapshot can be taken at the mark and restored for
any container. It then execs vmforms-enter on the description, which mounts the image
disk (/dev/vda, one directory per layer) under an overlay with a tmpfs upper layer, makes
a cgroup (memory.max, pids.max), unshares the mount, UTS, IPC and PID namespaces, and in
them switches root, user and capabilities and execs the command. Its exit status is the
container's.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError

ENTER_SOURCE = Path(__file__).with_name("enter.c")
CROSS_GCC = "riscv64-linux-gnu-gcc"
AGENT_PATH = "bin/vmforms-agent"
ENTER_PATH = "bin/vmforms-enter"
READY_MARK = b"\x1b]vmforms;agent-ready\x07"
DESCRIPTION_END = "."

AGENT_SCRIPT = r"""#!/bin/busybox sh
# vmforms-agent: runs one container in this guest (see agent.py). Shell built-ins only:
# the snapshot is taken while `read` waits, and every program started costs our CPU.
printf '\033]vmforms;agent-ready\007'
: > /tmp/desc.b64
while IFS= read -r line; do
    [ "$line" = . ] && break
    echo "$line" >> /tmp/desc.b64
done
exec /bin/vmforms-enter /tmp/desc.b64
"""
DESCRIPTION_MAGIC = "vmforms-container-1"
# vmforms-enter's bounds (enter.c: MAX_DESCRIPTION of base64 text, MAX_FIELDS)
MAX_DESCRIPTION = 1 << 20
MAX_FIELDS = 4000


def description(*, layers: int, hostname: str, args: list[str], env: list[str], cwd: str,
                uid: int, gid: int, groups: list[int], memory: int | None,
                pids: int | None, tty: bool, stdin: bool) -> str:
    """The text sent after the ready mark: vmforms-enter's NUL-terminated fields (see
    enter.c), base64 in lines of 76 and a closing dot."""
    if not args:
        raise ContainerError("no command specified")
    settings = [str(layers), str(memory) if memory is not None else "-",
                str(pids) if pids is not None and pids > 0 else "-", str(int(tty)),
                str(int(stdin)), hostname, cwd, str(uid), str(gid),
                ",".join(map(str, groups)) or "-"]
    fields = [DESCRIPTION_MAGIC, *settings, str(len(env)), *env, *args]
    if any("\0" in f for f in fields):
        raise ContainerError("a NUL byte in the container's command or environment")
    blob = base64.encodebytes("".join(f + "\0" for f in fields).encode()).decode()
    if len(fields) > MAX_FIELDS or len(blob) > MAX_DESCRIPTION:
        raise ContainerError("the container's command and environment are too large for "
                             "the VM's agent (1 MiB, 4000 words)")
    return blob + DESCRIPTION_END + "\n"


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
