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
    from pathlib import Path
    from typing import Any

    from vmforms.linux.seccomp import Filter, Program

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


def prepare(profile: dict[str, Any], warn: Callable[[str], None],
            cache: Path | None = None) -> Filter | Program | None:
    """The filter to load in the container, or None (with one warning) when this host
    has no libseccomp to compile it. With `cache` (a directory of the caller's own), the
    compiled program is kept there by the digest of the profile, the libseccomp version
    and the architecture: Docker's default profile is 366 rules that libseccomp takes a
    few ms to compile, for each container."""
    from vmforms.linux.seccomp import library

    try:
        library()
    except OSError as exc:
        warn(f"seccomp profile not applied: {exc}")
        return None
    path = None if cache is None else cache / f"{_digest(profile)}.bpf"
    if path is not None and (program := _cached(path)) is not None:
        return program
    try:
        flt = build(profile)
    except OSError as exc:
        raise ContainerError(f"seccomp: {exc.strerror or exc}") from None
    if path is not None:
        try:
            _keep(path, flt.export())
        except OSError:
            pass  # a cache: the filter in hand is loaded all the same
    return flt


_CACHE_FORMAT = b"vmforms-seccomp-bpf-1"


def _digest(profile: dict[str, Any]) -> str:
    import json
    import os

    from vmforms.linux.seccomp import version

    try:  # CPython's own SHA-256: hashlib would load OpenSSL, 6 ms of every run
        from _sha256 import sha256  # type: ignore[import-not-found]
    except ImportError:
        from hashlib import sha256
    h = sha256(_CACHE_FORMAT)
    h.update(f"\0{version()}\0{os.uname().machine}\0".encode())
    h.update(json.dumps(profile, sort_keys=True, separators=(",", ":")).encode())
    return str(h.hexdigest())


def _cached(path: Path) -> Program | None:
    """The program kept at `path`, if it is a regular file of ours that nobody else can
    write, in a directory likewise (a program planted there would decide what the
    container may call)."""
    import os
    import stat

    from vmforms.linux.seccomp import Program

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        parent = os.stat(path.parent, follow_symlinks=False)
        euid = os.geteuid()
        if (not stat.S_ISREG(st.st_mode) or st.st_uid != euid or st.st_mode & 0o022
                or parent.st_uid != euid or parent.st_mode & 0o022
                or st.st_size > _MAX_PROGRAM):
            return None
        return Program(os.pread(fd, _MAX_PROGRAM, 0))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


# BPF_MAXINSNS instructions of 8 bytes.
_MAX_PROGRAM = 4096 * 8


def _keep(path: Path, code: bytes) -> None:
    import os

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600)
    try:
        try:
            os.write(fd, code)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
