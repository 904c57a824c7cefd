"""The container agent of the RISC-V guest: busybox's own tools in a shell script, and
vmforms-enter (enter.c, cross-compiled static for riscv64) for the last step.

The built-in guest's /init runs the agent as its command. The agent prints one ready
mark and waits on the serial console for the container's description (base64 lines
ended by a line holding a dot): a VM snapshot can be taken at the mark and restored for
any container. It then mounts the image disk (/dev/vda, one directory per layer) under
an overlay with a tmpfs upper layer, makes a cgroup (memory.max, pids.max), unshares
the mount, UTS, IPC and PID namespaces and lets vmforms-enter switch root, user and
capabilities and exec the command. Its exit status is the container's.
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
# vmforms-agent [enter]: runs a container in this guest (see agent.py).
R=/run/vmforms
if [ "$1" = enter ]; then
    # PID 1 of the container's namespaces, still on the guest's root.
    . $R/desc
    echo 0 > /sys/fs/cgroup/container/cgroup.procs
    hostname "$CONTAINER_HOSTNAME"
    mount --make-rprivate /
    r=$R/root
    mkdir -p $r/proc $r/sys $r/dev $r/tmp
    mount -t proc -o nosuid,nodev,noexec proc $r/proc
    mount -t sysfs -o ro,nosuid,nodev,noexec sysfs $r/sys
    # the container's own cgroup, read-only, where a cgroup namespace would show it
    mount --bind /sys/fs/cgroup/container $r/sys/fs/cgroup &&
        mount -o remount,bind,ro $r/sys/fs/cgroup
    mount -t tmpfs -o nosuid,mode=755,size=64k tmpfs $r/dev
    for d in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
        mknod -m 666 "$r/dev/${d%%:*}" c $(echo "${d#*:}" | tr : ' ')
    done
    mkdir $r/dev/pts $r/dev/shm
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts $r/dev/pts
    mount -t tmpfs -o nosuid,nodev,noexec,size=65536k shm $r/dev/shm
    ln -s pts/ptmx $r/dev/ptmx
    ln -s /proc/self/fd $r/dev/fd
    ln -s /proc/self/fd/0 $r/dev/stdin
    ln -s /proc/self/fd/1 $r/dev/stdout
    ln -s /proc/self/fd/2 $r/dev/stderr
    [ "$CONTAINER_STDIN" = 1 ] || exec </dev/null
    container_exec "$r"
fi
mkdir -p $R
printf '\033]vmforms;agent-ready\007'
: > $R/desc.b64
while IFS= read -r line; do
    [ "$line" = . ] && break
    echo "$line" >> $R/desc.b64
done
base64 -d $R/desc.b64 > $R/desc && . $R/desc || {
    echo "vmforms-agent: unreadable container description" >&2; exit 125; }
fail() { echo "vmforms-agent: $*" >&2; exit 125; }
# After a snapshot restore the disk may differ from the one the kernel first saw.
blockdev --flushbufs /dev/vda 2>/dev/null
mkdir -p $R/layers $R/rw $R/root /sys/fs/cgroup
mount -t ext4 -o ro /dev/vda $R/layers || fail "mount the image disk /dev/vda"
mount -t tmpfs -o mode=755 tmpfs $R/rw
mkdir $R/rw/upper $R/rw/work
lower= i=0
while [ $i -lt "$CONTAINER_LAYERS" ]; do lower=$R/layers/$i${lower:+:$lower}; i=$((i+1)); done
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$R/rw/upper,workdir=$R/rw/work" \
    $R/root || fail "mount the overlay of $CONTAINER_LAYERS layers"
mount -t cgroup2 cgroup2 /sys/fs/cgroup || fail "mount cgroup2"
echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/container
[ -z "$CONTAINER_MEMORY" ] || echo "$CONTAINER_MEMORY" > /sys/fs/cgroup/container/memory.max \
    || fail "set memory.max"
[ -z "$CONTAINER_PIDS" ] || echo "$CONTAINER_PIDS" > /sys/fs/cgroup/container/pids.max \
    || fail "set pids.max"
if [ "$CONTAINER_TTY" = 1 ]; then
    stty sane
    setsid cttyhack unshare -m -u -i -p -f sh /bin/vmforms-agent enter
else
    # The serial line carries the command's bytes as they are: no echo, no CR/LF mapping,
    # no signals from control characters; canonical input, so that ^D is an end of file.
    stty -echo -opost -isig -icrnl -ixon -iexten
    unshare -m -u -i -p -f sh /bin/vmforms-agent enter
fi
"""


def description(*, layers: int, hostname: str, args: list[str], env: list[str], cwd: str,
                uid: int, gid: int, groups: list[int], memory: int | None,
                pids: int | None, tty: bool, stdin: bool) -> str:
    """The text sent after the ready mark: a shell fragment with every value quoted,
    base64 in lines of 76 and a closing dot."""
    if not args:
        raise ContainerError("no command specified")
    gids = ",".join(map(str, groups)) or "-"
    words = ["env", "-i", "--", *map(shlex.quote, env), f"/{ENTER_PATH}", '"$1"', shlex.quote(cwd),
             str(uid), str(gid), gids, "--", *map(shlex.quote, args)]
    lines = [
        f"CONTAINER_LAYERS={layers}",
        f"CONTAINER_HOSTNAME={shlex.quote(hostname)}",
        f"CONTAINER_MEMORY={memory if memory is not None else ''}",
        f"CONTAINER_PIDS={pids if pids is not None and pids > 0 else ''}",
        f"CONTAINER_TTY={int(tty)}",
        f"CONTAINER_STDIN={int(stdin)}",
        "container_exec() { exec " + " ".join(words) + "; }",
    ]
    blob = base64.encodebytes(("\n".join(lines) + "\n").encode()).decode()
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
