"""Device rules ("c 1:3 rwm", as cgroup v1's devices.allow takes them) compiled to the
eBPF program that is cgroup v2's device controller: it reads struct bpf_cgroup_dev_ctx
(access_type = access << 16 | type, major, minor), returns 1 when an allow rule matches,
0 otherwise (deny by default, as v1 after `devices.deny a`)."""

from __future__ import annotations

from vmforms.container.errors import InvalidOption
from vmforms.linux import bpf

BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR = 1, 2
BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE = 1, 2, 4
_TYPES = {"b": BPF_DEVCG_DEV_BLOCK, "c": BPF_DEVCG_DEV_CHAR}
_ACCESS = {"m": BPF_DEVCG_ACC_MKNOD, "r": BPF_DEVCG_ACC_READ, "w": BPF_DEVCG_ACC_WRITE}
# Registers: r1 the context, r2 type, r3 access, r4 major, r5 minor, r6 scratch.
_TYPE, _ACC, _MAJOR, _MINOR, _TMP = 2, 3, 4, 5, 6


def parse_rule(rule: str) -> tuple[str, int | None, int | None, int]:
    """(type, major or None for *, minor or None, access mask) of 'TYPE MAJ:MIN ACCESS'."""
    try:
        kind, numbers, access = rule.split()
        major_text, minor_text = numbers.split(":")
        major = None if major_text == "*" else int(major_text)
        minor = None if minor_text == "*" else int(minor_text)
    except ValueError:
        raise InvalidOption(f"invalid device rule {rule!r}: expected TYPE MAJOR:MINOR "
                            "ACCESS") from None
    if kind not in ("a", "b", "c") or not access or set(access) - set(_ACCESS):
        raise InvalidOption(f"invalid device rule {rule!r}")
    mask = 0
    for ch in access:
        mask |= _ACCESS[ch]
    return kind, major, minor, mask


def program(rules: tuple[str, ...]) -> bytes:
    """The program allowing exactly `rules` (all else denied)."""
    out = [bpf.load_word(_TYPE, 1, 0), bpf.alu_imm(bpf.BPF_AND, _TYPE, 0xFFFF),
           bpf.load_word(_ACC, 1, 0), bpf.alu_imm(bpf.BPF_RSH, _ACC, 16),
           bpf.load_word(_MAJOR, 1, 4), bpf.load_word(_MINOR, 1, 8)]
    for rule in rules:
        kind, major, minor, mask = parse_rule(rule)
        # Each check jumps past the rule's block when it does not match; the offsets
        # are filled in once the block's length is known.
        checks: list[tuple[str, int, int]] = []
        if kind != "a":
            checks.append(("imm", _TYPE, _TYPES[kind]))
        if mask != 0b111:
            checks.append(("mask", _ACC, mask))
        if major is not None:
            checks.append(("imm", _MAJOR, major))
        if minor is not None:
            checks.append(("imm", _MINOR, minor))
        sizes = [3 if what == "mask" else 1 for what, _, _ in checks]
        remaining = sum(sizes) + 2  # the checks, then exit_with(1)
        for (what, reg, value), size in zip(checks, sizes, strict=True):
            remaining -= size
            if what == "mask":  # the access asked must lie within the rule's
                out += [bpf.mov_reg(_TMP, reg), bpf.alu_imm(bpf.BPF_AND, _TMP, value),
                        bpf.jne_reg(_TMP, reg, remaining)]
            else:
                out.append(bpf.jne_imm(reg, value, remaining))
        out.append(bpf.exit_with(1))
    out.append(bpf.exit_with(0))
    return b"".join(out)


def apply(cgroup_dir: str, rules: tuple[str, ...]) -> None:
    """Load the program for `rules` and attach it to the cgroup v2 directory."""
    import os

    fd = bpf.load_device_program(program(rules))
    try:
        bpf.attach_device_program(cgroup_dir, fd)
    finally:
        os.close(fd)
