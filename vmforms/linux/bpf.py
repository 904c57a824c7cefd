"""bpf(2) for cgroup device programs: BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE
program and BPF_PROG_ATTACH of it to a cgroup v2 directory (BPF_CGROUP_DEVICE), the
device controller of cgroup v2 (Documentation/admin-guide/cgroup-v2.rst "Device
controller"). Instructions are encoded as struct bpf_insn (include/uapi/linux/bpf.h).
"""

from __future__ import annotations

import ctypes
import os
import struct

from vmforms.linux.libc import check, libc, syscall_number

BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6
BPF_F_ALLOW_MULTI = 2

# Opcode parts (include/uapi/linux/bpf_common.h and bpf.h).
BPF_LDX, BPF_ALU64, BPF_JMP = 0x01, 0x07, 0x05
BPF_W, BPF_MEM = 0x00, 0x60
BPF_K, BPF_X = 0x00, 0x08
BPF_AND, BPF_RSH, BPF_MOV = 0x50, 0x70, 0xB0
BPF_JNE, BPF_EXIT = 0x50, 0x90


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    """One struct bpf_insn: opcode, dst_reg:4 | src_reg:4 << 4, s16 off, s32 imm."""
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def load_word(dst: int, src: int, off: int) -> bytes:
    return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off)


def alu_imm(op: int, dst: int, imm: int) -> bytes:
    return insn(BPF_ALU64 | op | BPF_K, dst, imm=imm)


def mov_reg(dst: int, src: int) -> bytes:
    return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src)


def jne_imm(dst: int, imm: int, off: int) -> bytes:
    return insn(BPF_JMP | BPF_JNE | BPF_K, dst, off=off, imm=imm)


def jne_reg(dst: int, src: int, off: int) -> bytes:
    return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off=off)


def exit_with(value: int) -> bytes:
    return alu_imm(BPF_MOV, 0, value) + insn(BPF_JMP | BPF_EXIT)


def _bpf(cmd: int, attr: ctypes.Array[ctypes.c_char], what: str) -> int:
    return check("bpf", what, libc.syscall, ctypes.c_long(syscall_number("bpf")), cmd, attr,
                 len(attr))


def load_device_program(program: bytes, license_: str = "Apache-2.0") -> int:
    """Load a cgroup device program; its fd. The verifier's log is in the error."""
    code = ctypes.create_string_buffer(program, len(program))
    lic = ctypes.create_string_buffer(license_.encode())
    log = ctypes.create_string_buffer(4096)
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("<IIQQIIQ", attr, 0, BPF_PROG_TYPE_CGROUP_DEVICE, len(program) // 8,
                     ctypes.addressof(code), ctypes.addressof(lic), 1, len(log),
                     ctypes.addressof(log))
    try:
        return _bpf(BPF_PROG_LOAD, attr, "BPF_PROG_LOAD cgroup device program")
    except OSError as exc:
        detail = log.value.decode(errors="replace").strip().splitlines()
        raise OSError(exc.errno, f"{exc.strerror}" + (f" ({detail[-1]})" if detail else "")
                      ) from None


def attach_device_program(cgroup_dir: str, prog_fd: int) -> None:
    """Attach the program to the cgroup v2 directory (BPF_CGROUP_DEVICE)."""
    fd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        attr = ctypes.create_string_buffer(128)
        struct.pack_into("<IIII", attr, 0, fd, prog_fd, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI)
        _bpf(BPF_PROG_ATTACH, attr, f"BPF_PROG_ATTACH {cgroup_dir}")
    finally:
        os.close(fd)
