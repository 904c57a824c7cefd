"""An OCI bundle read for the runtime (runtime-spec bundle.md, config.md): its config,
its root, and the cgroup it asks for (config-linux.md "Cgroups Path", "Devices")."""

from __future__ import annotations

import json
import os

from vmforms.container.errors import InvalidOption, RuntimeFailure
from vmforms.container.spec import DEFAULT_DEVICE_RULES, Spec

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from vmforms.container.cgroups.base import Limits

# Where a container without linux.cgroupsPath goes, below each hierarchy's root.
CGROUP_PARENT = "vmforms-runtime"


def load_bundle(bundle: str, config: str | None = None) -> tuple[Spec, str]:
    """The bundle's config.json (or `config`, crun's --config: relative to the bundle) as
    a Spec, and the absolute path of its root."""
    from vmforms.container.spec import load

    name = config or "config.json"
    path = os.path.join(bundle, name)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        if not os.path.isdir(bundle):
            raise RuntimeFailure(f"bundle {bundle}: no such directory") from None
        raise RuntimeFailure(f"JSON specification file {name} not found") from None
    except OSError as exc:
        raise RuntimeFailure(f"open {path}: {exc.strerror}") from None
    try:
        obj = json.loads(raw)
    except ValueError as exc:
        raise RuntimeFailure(f"{path}: invalid JSON: {exc}") from None
    try:
        spec = load(obj)
    except InvalidOption as exc:
        raise RuntimeFailure(str(exc)) from None
    rootfs = os.path.join(bundle, spec.root_path)
    if not os.path.isdir(rootfs):
        raise RuntimeFailure(f"root.path {spec.root_path!r}: {rootfs} is not a directory")
    return spec, os.path.realpath(rootfs)


def cgroup_name(spec: Spec, cid: str, *, systemd: bool = False) -> str:
    """The cgroup path: config.json's cgroupsPath, a path from each hierarchy's root, or
    in the systemd form "slice:prefix:name" the scope systemd would make for it."""
    path = spec.linux.cgroups_path
    if not path:
        return f"{CGROUP_PARENT}/{cid}"
    if systemd:
        parts = path.split(":")
        if len(parts) != 3:
            raise RuntimeFailure(f"cgroupsPath {path!r}: expected slice:prefix:name with "
                                 "--systemd-cgroup")
        slice_, prefix, name = parts
        return "/".join([*_expand_slice(slice_ or "system.slice"),
                         f"{prefix}-{name}.scope" if prefix else f"{name}.scope"])
    return path.strip("/")


def _expand_slice(slice_: str) -> list[str]:
    """systemd's slice nesting: "machine-libpod.slice" lives in "machine.slice"."""
    if not slice_.endswith(".slice") or slice_ == "-.slice":
        return [] if slice_ == "-.slice" else [slice_]
    words = slice_[:-len(".slice")].split("-")
    return ["-".join(words[:i]) + ".slice" for i in range(1, len(words) + 1)]


def limits(spec: Spec) -> Limits:
    """The cgroup limits of linux.resources. Devices follow runc: the rules of the spec in
    their order, then the nodes every container needs (null, zero, the ptys, ...), always
    allowed (a v1 devices.list then lists the spec's rules first, as the spec asks)."""
    from vmforms.container.cgroups import Limits

    r = spec.linux.resources
    allowed: list[str] | None = []
    for rule in r.devices:
        if rule.type == "a" and rule.major is None and rule.minor is None:
            allowed = None if rule.allow else []
        elif rule.allow and allowed is not None:
            allowed.append(rule.cgroup_rule())
    if allowed is not None:
        allowed += DEFAULT_DEVICE_RULES
    try:
        return Limits(memory=r.memory_limit if r.memory_limit and r.memory_limit > 0 else None,
                      memory_swap=r.memory_swap if r.memory_limit else None,
                      memory_swappiness=r.memory_swappiness,
                      cpu_quota=r.cpu_quota if r.cpu_quota and r.cpu_quota > 0 else None,
                      cpu_period=r.cpu_period or None, cpu_shares=r.cpu_shares or None,
                      pids=r.pids_limit if r.pids_limit and r.pids_limit > 0 else None,
                      cpuset_cpus=r.cpuset_cpus, cpuset_mems=r.cpuset_mems,
                      devices=None if allowed is None else tuple(dict.fromkeys(allowed)))
    except InvalidOption as exc:
        raise RuntimeFailure(f"linux.resources: {exc}") from None
