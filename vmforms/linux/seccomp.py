"""Seccomp filters through libseccomp (seccomp_init(3), seccomp_rule_add(3),
seccomp_load(3)), which compiles rules to BPF for every architecture it is told of.

A filter is built in the runtime and loaded by the container's process after fork:
the context is plain memory, so the child needs no library lookup after pivot_root.
"""

from __future__ import annotations

import ctypes
import os

_NR_SCMP_ERROR = -1  # libseccomp: seccomp_syscall_resolve_name found no such syscall
SCMP_ACT_KILL_PROCESS = 0x80000000
SCMP_ACT_KILL_THREAD = 0x00000000
SCMP_ACT_TRAP = 0x00030000
SCMP_ACT_NOTIFY = 0x7FC00000
SCMP_ACT_LOG = 0x7FFC0000
SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_ACT_ERRNO = 0x00050000
_SCMP_ACT_TRACE = 0x7FF00000

# enum scmp_compare
SCMP_CMP: dict[str, int] = {
    "SCMP_CMP_NE": 1, "SCMP_CMP_LT": 2, "SCMP_CMP_LE": 3, "SCMP_CMP_EQ": 4,
    "SCMP_CMP_GE": 5, "SCMP_CMP_GT": 6, "SCMP_CMP_MASKED_EQ": 7,
}
# enum scmp_filter_attr
SCMP_FLTATR_ACT_BADARCH = 2
SCMP_FLTATR_CTL_NNP = 3


def scmp_act_errno(errno_value: int) -> int:
    return _SCMP_ACT_ERRNO | (errno_value & 0xFFFF)


def scmp_act_trace(msg: int) -> int:
    return _SCMP_ACT_TRACE | (msg & 0xFFFF)


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                ("datum_a", ctypes.c_uint64), ("datum_b", ctypes.c_uint64)]


_LIB: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """libseccomp, loaded once; OSError when it is not installed."""
    global _LIB
    if _LIB is None:
        try:
            lib = ctypes.CDLL("libseccomp.so.2", use_errno=True)
        except OSError as exc:
            raise OSError(f"load libseccomp.so.2: {exc} (install libseccomp2)") from None
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        lib.seccomp_arch_resolve_name.restype = ctypes.c_uint32
        lib.seccomp_arch_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_arch_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int,
                                               ctypes.c_uint, ctypes.POINTER(_ArgCmp)]
        lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
        lib.seccomp_load.argtypes = [ctypes.c_void_p]
        lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        _LIB = lib
    return _LIB


class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]


def version() -> str:
    """libseccomp's version (seccomp_version(3)): its compiler decides the BPF."""
    lib = library()
    lib.seccomp_version.restype = ctypes.POINTER(_Version)
    v = lib.seccomp_version().contents
    return f"{v.major}.{v.minor}.{v.micro}"


def _check(ret: int, op: str, obj: str) -> int:
    # libseccomp returns -errno rather than setting errno.
    if ret < 0:
        raise OSError(-ret, f"{op} {obj!r}: {os.strerror(-ret)}")
    return ret


class Filter:
    """A libseccomp filter context: add architectures and rules, then load it."""

    def __init__(self, default_action: int) -> None:
        self.lib = library()
        self.default_action = default_action
        ctx = self.lib.seccomp_init(default_action)
        if not ctx:
            raise OSError(22, f"seccomp_init {default_action:#x}: invalid default action")
        self.ctx = ctx
        # libseccomp sets no_new_privs on load by default; the spec's noNewPrivileges decides.
        _check(self.lib.seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0), "seccomp_attr_set",
               "SCMP_FLTATR_CTL_NNP")

    def add_arch(self, name: str) -> None:
        """`name` as libseccomp spells it: x86_64, x86, x32, aarch64, arm, riscv64, ..."""
        token = self.lib.seccomp_arch_resolve_name(name.encode())
        if token == 0:
            raise OSError(22, f"seccomp_arch_resolve_name {name!r}: unknown architecture")
        ret = self.lib.seccomp_arch_add(self.ctx, token)
        if ret != -17:  # EEXIST: the native one is there from seccomp_init
            _check(ret, "seccomp_arch_add", name)

    def syscall_number(self, name: str) -> int | None:
        """The number of a syscall by name, None when libseccomp does not know it.

        A syscall the native architecture lacks (x86-64 has no `sigreturn`, i386 has it)
        gets a negative pseudo-number (__PNR_*), which seccomp_rule_add translates for each
        architecture of the filter: only __NR_SCMP_ERROR (-1) means unknown. Dropping the
        pseudo-numbers would block i386's sigreturn, and a 32-bit program returning from a
        signal handler would die of SIGSEGV."""
        number = int(self.lib.seccomp_syscall_resolve_name(name.encode()))
        return None if number == _NR_SCMP_ERROR else number

    def add_rule(self, action: int, syscall: str,
                 args: list[tuple[int, str, int, int]] | tuple[()] = ()) -> bool:
        """Add a rule, its args as (index, SCMP_CMP_* name, value, valueTwo) all to hold.
        False when the syscall is unknown to libseccomp."""
        number = self.syscall_number(syscall)
        if number is None:
            return False
        array = (_ArgCmp * max(1, len(args)))()
        for i, (index, op, a, b) in enumerate(args):
            array[i] = _ArgCmp(index, SCMP_CMP[op], a & (2**64 - 1), b & (2**64 - 1))
        ret = self.lib.seccomp_rule_add_array(self.ctx, action, number, len(args), array)
        # EEXIST: on an architecture that multiplexes (x86's socketcall) the rule collides
        # with one made for a sibling syscall; the first one stands, as in runc.
        if ret != -17:
            _check(ret, "seccomp_rule_add", syscall)
        return True

    def load(self) -> None:
        _check(self.lib.seccomp_load(self.ctx), "seccomp_load", "filter")

    def export(self) -> bytes:
        """The filter compiled to classic BPF (seccomp_export_bpf(3)): what `load` gives
        the kernel, as an array of struct sock_filter."""
        fd = os.memfd_create("seccomp-bpf", os.MFD_CLOEXEC)
        try:
            _check(self.lib.seccomp_export_bpf(self.ctx, fd), "seccomp_export_bpf", "filter")
            size = os.fstat(fd).st_size
            return os.pread(fd, size, 0)
        finally:
            os.close(fd)

    def release(self) -> None:
        if self.ctx:
            self.lib.seccomp_release(self.ctx)
            self.ctx = None


# <linux/filter.h>: a program is at most BPF_MAXINSNS instructions of 8 bytes each.
_BPF_MAXINSNS = 4096
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Program:
    """A filter already compiled to BPF (by `Filter.export`), loaded as seccomp_load
    loads it: seccomp mode 2 with no flags, no_new_privs left to the caller. Everything
    `load` touches is made here, so the child of a fork only makes one call."""

    def __init__(self, code: bytes) -> None:
        if not code or len(code) % 8 or len(code) // 8 > _BPF_MAXINSNS:
            raise ValueError(f"not a seccomp BPF program: {len(code)} bytes")
        self.code = code
        self._buffer = ctypes.create_string_buffer(code, len(code))
        self._prog = _SockFprog(len(code) // 8, ctypes.addressof(self._buffer))
        from vmforms.linux.libc import libc

        self._prctl = libc.prctl

    def load(self) -> None:
        from vmforms.linux.libc import check

        check("prctl", "PR_SET_SECCOMP", self._prctl, _PR_SET_SECCOMP, _SECCOMP_MODE_FILTER,
              ctypes.byref(self._prog), 0, 0)
