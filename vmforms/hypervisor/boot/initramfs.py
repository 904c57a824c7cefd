"""The built-in guest's initramfs: busybox, its applet links and an /init script.

/init mounts the API filesystems and runs the command the monitor put on the kernel
command line as `vmforms_cmd=<base64 of a shell command line>` (the kernel hands unknown
`name=value` words to init as environment, Documentation/admin-guide/kernel-parameters.rst),
framing its output between two OSC escape sequences the monitor can find in the serial
stream, then powers off. With `vmforms_key=<hex>` the exit mark carries that per-run key
and only a mark with it ends the run: a file the command prints cannot forge the end.
Without a command it starts an interactive shell. With
`vmforms_net=<address>/<prefix>,<host>` (vm run --net) it first puts the address on eth0
and exports the host's as VMFORMS_HOST.
"""

from __future__ import annotations

import base64
import re
import shlex
from collections.abc import Iterable
from pathlib import Path

from vmforms.hypervisor.boot.cpio import (
    CpioEntry,
    char_device,
    directory,
    file,
    symlink,
    write_newc,
)

GUEST_BEGIN = b"\x1b]vmforms;begin\x07"
GUEST_EXIT_PREFIX = b"\x1b]vmforms;exit="
GUEST_EXIT_RE = re.compile(rb"\x1b\]vmforms;exit=(\d+)\x07")
CMD_PARAM = "vmforms_cmd"
KEY_PARAM = "vmforms_key"
KEY_RE = re.compile(r"[0-9a-f]{32}")
MAX_STATUS_DIGITS = 3  # an exit status is 0..255
BOOT_LOG_LIMIT = 64 * 1024

INIT_SCRIPT = r"""#!/bin/busybox sh
export PATH=/bin:/sbin HOME=/root TERM=vt100
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
if [ -n "$vmforms_net" ]; then
    # vm run --net: our address on eth0, and the default route through the host's side
    # (the bridge's gateway, the user network's 10.0.2.2 or the TAP's other end)
    ip link set lo up
    ip addr add "${vmforms_net%,*}" dev eth0 && ip link set eth0 up
    ip route add default via "${vmforms_net#*,}" 2>/dev/null
    export VMFORMS_HOST="${vmforms_net#*,}"
    unset vmforms_net
fi
if [ -n "$vmforms_cmd" ]; then
    # The serial line carries bytes as the program wrote them: no \n -> \r\n.
    stty -opost -echo 2>/dev/null
    echo "$vmforms_cmd" | base64 -d > /tmp/.cmd
    key="$vmforms_key"
    unset vmforms_cmd vmforms_key
    printf '\033]vmforms;begin\007'
    sh /tmp/.cmd
    status=$?
    if [ -n "$key" ]; then
        printf '\033]vmforms;%s;exit=%d\007' "$key" "$status"
    else
        printf '\033]vmforms;exit=%d\007' "$status"
    fi
else
    setsid cttyhack sh -l
fi
sync
poweroff -f
"""

# Used when the busybox binary's applet table cannot be found.
FALLBACK_APPLETS = [
    "sh",
    "ash",
    "cat",
    "cp",
    "dd",
    "df",
    "dmesg",
    "echo",
    "env",
    "grep",
    "head",
    "ls",
    "mkdir",
    "mount",
    "mv",
    "poweroff",
    "printf",
    "ps",
    "reboot",
    "rm",
    "sed",
    "sleep",
    "stat",
    "stty",
    "sync",
    "tail",
    "test",
    "touch",
    "true",
    "false",
    "umount",
    "uname",
    "wc",
    "base64",
    "setsid",
    "cttyhack",
    "md5sum",
    "sha256sum",
]


def busybox_applets(binary: bytes) -> list[str]:
    """The applet names compiled into a busybox binary: a NUL-separated, sorted table
    that starts with "[" and "[[" in every build that includes test."""
    start = binary.find(b"[\0[[\0")
    if start < 0:
        return list(FALLBACK_APPLETS)
    names: list[str] = []
    for raw in binary[start : start + 64 * 1024].split(b"\0"):
        if not raw:
            break
        names.append(raw.decode("ascii", "replace"))
    ok = [n for n in names if re.fullmatch(r"[\w.\[\]+-]+", n) and n != "busybox"]
    return ok or list(FALLBACK_APPLETS)


def build_initramfs(
    busybox: bytes,
    applets: Iterable[str] | None = None,
    *,
    init: str = INIT_SCRIPT,
    extra: Iterable[CpioEntry] = (),
) -> bytes:
    """An uncompressed newc archive the kernel unpacks as its root filesystem; `extra`
    entries (parents first) go in before /init."""
    entries = [directory(d) for d in ("bin", "dev", "etc", "mnt", "proc", "root", "sys")]
    entries.append(directory("tmp", 0o1777))
    entries.append(char_device("dev/console", 5, 1))
    entries.append(char_device("dev/null", 1, 3, 0o666))
    entries.append(file("bin/busybox", busybox, 0o755))
    for name in sorted(set(busybox_applets(busybox) if applets is None else applets)):
        if name not in ("busybox", "init", "linuxrc"):
            entries.append(symlink(f"bin/{name}", "busybox"))
    entries.append(directory("sbin"))
    entries.append(file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"))
    entries.append(file("etc/group", b"root:x:0:\n"))
    entries.extend(extra)
    entries.append(file("init", init.encode(), 0o755))
    return write_newc(entries)


def command_parameter(argv: list[str], key: str | None = None) -> str:
    """The kernel command-line words that make /init run `argv` (and sign its exit mark
    with `key`: see exit_mark)."""
    line = shlex.join(argv)
    word = f"{CMD_PARAM}={base64.b64encode(line.encode()).decode()}"
    return word if key is None else f"{word} {KEY_PARAM}={key}"


def signs_exit_marks(initrd: Path) -> bool:
    """Whether an initrd's /init signs its exit mark with KEY_PARAM's key. One built by an
    older version of this project does not, and its marks are taken unsigned."""
    try:
        return KEY_PARAM.encode() in initrd.read_bytes()
    except OSError:
        return False


def new_key() -> str:
    """A per-run key for the exit mark: 16 random bytes in hex."""
    import secrets

    return secrets.token_hex(16)


def exit_mark(status: int, key: str | None = None) -> bytes:
    """The mark that ends a run with `status`: `ESC ] vmforms;KEY;exit=N BEL`, or without
    a key the older `ESC ] vmforms;exit=N BEL`."""
    return _exit_prefix(key) + b"%d\x07" % status


def _exit_prefix(key: str | None) -> bytes:
    if key is None:
        return GUEST_EXIT_PREFIX
    if not KEY_RE.fullmatch(key):
        raise ValueError("an exit mark's key is 32 lowercase hex digits")
    return b"\x1b]vmforms;" + key.encode() + b";exit="


class GuestOutput:
    """Separates the command's output from boot messages in the serial stream.

    Bytes before the begin mark are boot noise; after it they belong to the command,
    until the exit mark, which carries the status. With a key, only the mark with that
    key counts: one without it (or with another) is the command's output like any
    bytes. A partial mark at the end of a chunk is held back until the next chunk
    decides it, never more than a mark's length.
    """

    def __init__(self, key: str | None = None) -> None:
        self.begun = False
        self.exit_status: int | None = None
        self._pending = b""
        self._prefix = _exit_prefix(key)
        self.key = key
        self.boot_log = bytearray()

    def feed(self, data: bytes) -> bytes:
        """Take serial bytes; return the ones that are the command's output."""
        if self.exit_status is not None:
            return b""
        buf = self._pending + data
        self._pending = b""
        if not self.begun:
            at = buf.find(GUEST_BEGIN)
            if at < 0:
                keep = _partial_suffix(buf, GUEST_BEGIN)
                self.boot_log += buf[: len(buf) - keep]
                del self.boot_log[:-BOOT_LOG_LIMIT]
                self._pending = buf[len(buf) - keep :]
                return b""
            self.boot_log += buf[:at]
            self.begun = True
            buf = buf[at + len(GUEST_BEGIN) :]
        prefix, start = self._prefix, 0
        while (at := buf.find(prefix, start)) >= 0:
            end = at + len(prefix)
            digits = end
            while digits < len(buf) and digits - end < MAX_STATUS_DIGITS \
                    and buf[digits] in b"0123456789":
                digits += 1
            if digits == len(buf):  # the status or its BEL is still to come
                self._pending = buf[at:]
                return buf[:at]
            if digits > end and buf[digits] == 0x07:
                self.exit_status = int(buf[end:digits])
                return buf[:at]
            start = end  # not a mark: the command's bytes
        keep = _partial_suffix(buf[start:], prefix)
        self._pending = buf[len(buf) - keep :]
        return buf[: len(buf) - keep]


def _partial_suffix(buf: bytes, mark: bytes) -> int:
    """How many trailing bytes of `buf` could be the start of `mark`."""
    for n in range(min(len(mark) - 1, len(buf)), 0, -1):
        if buf.endswith(mark[:n]):
            return n
    return 0
