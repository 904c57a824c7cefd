"""Seccomp profiles of config.json (config-linux.md "Seccomp") made into a filter, the
way runc reads them: rules whose action is the default are dropped, syscall names the
library does not know are skipped, and several conditions on the same argument make one
rule each (libseccomp ANDs the conditions of one rule; the profile means OR there).
"""

from __future__ import annotations

import errno

from vmforms.container.errors import ContainerError, InvalidOption

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from vmforms.linux.seccomp import Filter

_ARCH_PREFIX = "SCMP_ARCH_"
# libseccomp's names for the runtime-spec's architectures, where they differ.
_ARCH_NAMES = {"X86": "x86", "X86_64": "x86_64", "X32": "x32", "ARM": "arm",
               "AARCH64": "aarch64", "RISCV64": "riscv64", "PPC64LE": "ppc64le",
               "S390X": "s390x", "MIPS64": "mips64", "MIPSEL64": "mipsel64"}


def action(name: str, errno_ret: int | None, where: str) -> int:
    from vmforms.linux import seccomp as ls

    simple = {"SCMP_ACT_KILL": ls.SCMP_ACT_KILL_THREAD,
              "SCMP_ACT_KILL_THREAD": ls.SCMP_ACT_KILL_THREAD,
              "SCMP_ACT_KILL_PROCESS": ls.SCMP_ACT_KILL_PROCESS,
              "SCMP_ACT_TRAP": ls.SCMP_ACT_TRAP, "SCMP_ACT_ALLOW": ls.SCMP_ACT_ALLOW,
              "SCMP_ACT_LOG": ls.SCMP_ACT_LOG}
    if name in simple:
        return simple[name]
    if name == "SCMP_ACT_ERRNO":
        return ls.scmp_act_errno(errno.EPERM if errno_ret is None else errno_ret)
    if name == "SCMP_ACT_TRACE":
        return ls.scmp_act_trace(errno.EPERM if errno_ret is None else errno_ret)
    raise InvalidOption(f"config.json: {where}: unsupported seccomp action {name!r}")


def _int(obj: dict[str, Any], key: str, where: str, default: int | None = None) -> int | None:
    value = obj.get(key, default)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise InvalidOption(f"config.json: {where}{key}: expected an integer")
    return value


def build(profile: dict[str, Any]) -> Filter:
    """The filter for `profile`; InvalidOption names a bad field, OSError a refusal of
    libseccomp."""
    from vmforms.linux.seccomp import SCMP_CMP, Filter

    where = "linux.seccomp."
    default_name = profile.get("defaultAction")
    if not isinstance(default_name, str):
        raise InvalidOption(f"config.json: {where}defaultAction: expected a string")
    default = action(default_name, _int(profile, "defaultErrnoRet", where),
                     where + "defaultAction")
    rules = []
    for i, rule in enumerate(profile.get("syscalls") or ()):
        at = f"{where}syscalls[{i}]."
        if not isinstance(rule, dict) or not isinstance(rule.get("names", []), list):
            raise InvalidOption(f"config.json: {at[:-1]}: expected an object with names")
        act = action(str(rule.get("action")), _int(rule, "errnoRet", at), at + "action")
        args = []
        for j, arg in enumerate(rule.get("args") or ()):
            arg_at = f"{at}args[{j}]."
            if not isinstance(arg, dict) or arg.get("op") not in SCMP_CMP:
                raise InvalidOption(f"config.json: {arg_at}op: expected one of "
                                    f"{', '.join(SCMP_CMP)}")
            args.append((_int(arg, "index", arg_at, 0) or 0, arg["op"],
                         _int(arg, "value", arg_at, 0) or 0,
                         _int(arg, "valueTwo", arg_at, 0) or 0))
        if act != default:
            rules.append((act, [str(n) for n in rule.get("names", [])], args))
    flt = Filter(default)
    try:
        for arch in profile.get("architectures") or ():
            short = str(arch).removeprefix(_ARCH_PREFIX)
            flt.add_arch(_ARCH_NAMES.get(short, short.lower()))
        for act, names, args in rules:
            indices = [a[0] for a in args]
            groups = [[a] for a in args] if len(set(indices)) < len(indices) else [args]
            for name in names:
                for group in groups:
                    flt.add_rule(act, name, group)
    except BaseException:
        flt.release()
        raise
    return flt


def prepare(profile: dict[str, Any], warn: Callable[[str], None]) -> Filter | None:
    """The filter to load in the container, or None (with one warning) when this host
    has no libseccomp to compile it."""
    from vmforms.linux.seccomp import library

    try:
        library()
    except OSError as exc:
        warn(f"seccomp profile not applied: {exc}")
        return None
    try:
        return build(profile)
    except OSError as exc:
        raise ContainerError(f"seccomp: {exc.strerror or exc}") from None


def features() -> dict[str, Any]:
    from vmforms.linux.seccomp import library

    try:
        library()
    except OSError:
        return {"enabled": False}
    return {
        "enabled": True,
        "actions": ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
                    "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
                    "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
        "operators": ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE",
                      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
        "archs": sorted(_ARCH_PREFIX + a for a in _ARCH_NAMES),
    }
