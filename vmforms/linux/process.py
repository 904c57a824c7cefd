"""Process attributes: namespaces (unshare, setns), prctl, hostname, capabilities.

Capability numbers follow <linux/capability.h>; capset uses the version-3 header,
whose two 32-bit data words carry capabilities 0-31 and 32-63.
"""

from __future__ import annotations

import ctypes
import os

from vmforms.linux.libc import check, cstr, libc, syscall

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
CLONE_NEWTIME = 0x00000080

# OCI namespace type -> (clone flag, name under /proc/PID/ns)
NAMESPACES: dict[str, tuple[int, str]] = {
    "pid": (CLONE_NEWPID, "pid"),
    "network": (CLONE_NEWNET, "net"),
    "mount": (CLONE_NEWNS, "mnt"),
    "ipc": (CLONE_NEWIPC, "ipc"),
    "uts": (CLONE_NEWUTS, "uts"),
    "user": (CLONE_NEWUSER, "user"),
    "cgroup": (CLONE_NEWCGROUP, "cgroup"),
    "time": (CLONE_NEWTIME, "time"),
}

PR_SET_PDEATHSIG = 1
PR_SET_KEEPCAPS = 8
PR_CAPBSET_READ = 23
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
PR_CAP_AMBIENT_CLEAR_ALL = 4

CAPABILITIES: dict[str, int] = {
    "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
    "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
    "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
    "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
    "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
    "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
    "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27,
    "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
    "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35,
    "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
    "CAP_CHECKPOINT_RESTORE": 40,
}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def unshare(flags: int) -> None:
    check("unshare", hex(flags), libc.unshare, flags)


def setns(fd: int, nstype: int, what: str = "") -> None:
    check("setns", what or str(fd), libc.setns, fd, nstype)


def prctl(option: int, arg2: int = 0, arg3: int = 0, what: str = "") -> int:
    return check(
        "prctl", what or str(option), libc.prctl,
        option, ctypes.c_ulong(arg2), ctypes.c_ulong(arg3), ctypes.c_ulong(0), ctypes.c_ulong(0),
    )


def sethostname(name: str) -> None:
    raw = name.encode()
    check("sethostname", name, libc.sethostname, cstr(name), len(raw))


def setdomainname(name: str) -> None:
    raw = name.encode()
    check("setdomainname", name, libc.setdomainname, cstr(name), len(raw))


def set_no_new_privs() -> None:
    prctl(PR_SET_NO_NEW_PRIVS, 1, what="PR_SET_NO_NEW_PRIVS")


def set_pdeathsig(sig: int) -> None:
    prctl(PR_SET_PDEATHSIG, sig, what="PR_SET_PDEATHSIG")


def set_child_subreaper() -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1, what="PR_SET_CHILD_SUBREAPER")


def set_keepcaps(on: bool) -> None:
    prctl(PR_SET_KEEPCAPS, int(on), what="PR_SET_KEEPCAPS")


def cap_numbers(names: list[str]) -> set[int]:
    out: set[int] = set()
    for name in names:
        key = name.upper()
        if not key.startswith("CAP_"):
            key = "CAP_" + key
        if key not in CAPABILITIES:
            raise ValueError(f"unknown capability {name!r}")
        out.add(CAPABILITIES[key])
    return out


def last_cap() -> int:
    try:
        with open("/proc/sys/kernel/cap_last_cap") as f:
            return int(f.read())
    except OSError:
        return max(CAPABILITIES.values())


def drop_bounding(keep: set[int]) -> None:
    for cap in range(last_cap() + 1):
        if cap not in keep:
            prctl(PR_CAPBSET_DROP, cap, what=f"PR_CAPBSET_DROP {cap}")


def _mask(caps: set[int], word: int) -> int:
    return sum(1 << (c - 32 * word) for c in caps if 32 * word <= c < 32 * (word + 1))


def capset(effective: set[int], permitted: set[int], inheritable: set[int]) -> None:
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    for word in (0, 1):
        data[word].effective = _mask(effective, word)
        data[word].permitted = _mask(permitted, word)
        data[word].inheritable = _mask(inheritable, word)
    syscall("capset", "self", "capset", ctypes.byref(header), data)


def set_ambient(caps: set[int]) -> None:
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, what="PR_CAP_AMBIENT_CLEAR_ALL")
    for cap in sorted(caps):
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, what=f"PR_CAP_AMBIENT_RAISE {cap}")


def ns_path(pid: int, oci_type: str) -> str:
    return f"/proc/{pid}/ns/{NAMESPACES[oci_type][1]}"


def join_namespace(pid: int, oci_type: str) -> None:
    path = ns_path(pid, oci_type)
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        setns(fd, NAMESPACES[oci_type][0], path)
    finally:
        os.close(fd)


# <sys/resource.h>: RLIMIT_* numbers, the same on every architecture Linux supports here.
RLIMITS: dict[str, int] = {
    "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3,
    "RLIMIT_CORE": 4, "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7,
    "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9, "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11,
    "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13, "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
}
RLIM_INFINITY = (1 << 64) - 1


class _Rlimit64(ctypes.Structure):
    _fields_ = [("rlim_cur", ctypes.c_uint64), ("rlim_max", ctypes.c_uint64)]


def set_rlimit(name: str, soft: int, hard: int) -> None:
    """prlimit(2) on the caller: 64-bit values, so RLIM_INFINITY (2**64 - 1) passes as is."""
    limit = _Rlimit64(min(soft, RLIM_INFINITY), min(hard, RLIM_INFINITY))
    check("prlimit", name, libc.prlimit, 0, RLIMITS[name], ctypes.byref(limit), None)


def set_oom_score_adj(value: int) -> None:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write(str(value))


PR_SET_DUMPABLE = 4


def set_dumpable(on: bool) -> None:
    """A process that is not dumpable has /proc/PID files owned by root and refuses
    ptrace-mode access (/proc/PID/exe, /proc/PID/mem) to anyone without CAP_SYS_PTRACE;
    fork keeps the setting, execve resets it."""
    prctl(PR_SET_DUMPABLE, 1 if on else 0, what="PR_SET_DUMPABLE")


def sealed_copy(path: str, name: str) -> int:
    """A memfd holding a copy of the executable `path`, sealed against every change
    (memfd_create(2), F_ADD_SEALS): running it exposes no file of the host, and an fd
    reopened from /proc/PID/exe can neither write nor resize it. Close-on-exec; execve
    of the fd itself still works for an ELF binary."""
    import fcntl

    fd = os.memfd_create(name, os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    try:
        with open(path, "rb") as src:
            while chunk := src.read(1 << 20):
                os.write(fd, chunk)
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SEAL | fcntl.F_SEAL_SHRINK
                    | fcntl.F_SEAL_GROW | fcntl.F_SEAL_WRITE)
    except BaseException:
        os.close(fd)
        raise
    return fd
