"""The container agent of the RISC-V guest: busybox's own tools in a shell script, and
vmforms-enter (enter.c, cross-compiled static for riscv64) for the last step.

The built-in guest's /init runs the agent as its command. The agent prints one ready
mark and waits on the serial console for the container's description (base64 lines
ended by a line holding a dot): a VM snapshot can be taken at the mark and restored for
any container. The description execs vmforms-enter with the container's environment,
which mounts the image disk (/dev/vda, one directory per layer) under an overlay with a
tmpfs upper layer, makes a cgroup (memory.max, pids.max), unshares the mount, UTS, IPC
and PID namespaces, and in them switches root, user and capabilities and execs the
command. Its exit status is the container's.
"""

from __future__ import annotations

import base64
import os
import shlex
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
# vmforms-agent: runs one container in this guest (see agent.py). Shell built-ins only
# until the description is read: the snapshot is taken while `read` waits.
printf '\033]vmforms;agent-ready\007'
: > /tmp/desc.b64
while IFS= read -r line; do
    [ "$line" = . ] && break
    echo "$line" >> /tmp/desc.b64
done
base64 -d /tmp/desc.b64 > /tmp/desc && . /tmp/desc || {
    echo "vmforms-agent: unreadable container description" >&2; exit 125; }
container_exec
"""


def description(*, layers: int, hostname: str, args: list[str], env: list[str], cwd: str,
                uid: int, gid: int, groups: list[int], memory: int | None,
                pids: int | None, tty: bool, stdin: bool) -> str:
    """The text sent after the ready mark: a shell function that execs vmforms-enter
    with the container's environment, every value quoted; base64 in lines of 76 and a
    closing dot."""
    if not args:
        raise ContainerError("no command specified")
    settings = [str(layers), str(memory) if memory is not None else "-",
                str(pids) if pids is not None and pids > 0 else "-", str(int(tty)),
                str(int(stdin)), hostname, cwd, str(uid), str(gid),
                ",".join(map(str, groups)) or "-"]
    words = ["env", "-i", "--", *env, f"/{ENTER_PATH}", *settings, "--", *args]
    script = "container_exec() { exec " + " ".join(map(shlex.quote, words)) + "; }\n"
    blob = base64.encodebytes(script.encode()).decode()
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
