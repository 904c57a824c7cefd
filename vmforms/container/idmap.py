"""Idmapped mounts (config.md: a mount's `uidMappings` and `gidMappings`, options `idmap`
and `ridmap`), as runc and crun make them with mount_setattr(MOUNT_ATTR_IDMAP).

A file owned by id N on the source file system shows in the mount as owned by the host id
that containerID N maps to: a tree owned by 0 on disk, mounted with 0 -> 100000, belongs
to the root of a container whose user namespace maps 0 -> 100000. The filesystem decides
(FS_ALLOW_IDMAP: ext4, xfs, btrfs, tmpfs since 6.3, ...): so only the host's user
namespace can make such a mount. The runtime prepares each one before PID 1 is forked:
a detached copy of the source (open_tree), given the ids of a user namespace made to hold
the mapping; PID 1 attaches it in the container's root (move_mount), whatever user
namespace it is in by then.
"""

from __future__ import annotations

import os

from vmforms.container import rootfs
from vmforms.container.errors import ContainerError

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from vmforms.container.spec import Mount, Spec

OPTIONS = ("idmap", "ridmap")
Mappings = tuple[tuple[int, int, int], ...]


def wanted(mnt: Mount) -> bool:
    return bool(mnt.uid_mappings) or any(o in OPTIONS for o in mnt.options)


def mappings(spec: Spec, index: int) -> tuple[Mappings, Mappings]:
    """The uid and gid mappings of mount `index`: its own, else (as the spec allows) the
    container's user namespace's; an error when it has neither."""
    mnt = spec.mounts[index]
    where = f"mounts[{index}] ({mnt.destination})"
    binds = mnt.type == "bind" or any(o in ("bind", "rbind") for o in mnt.options)
    if not binds:
        raise ContainerError(f"{where}: an idmapped mount must be a bind mount")
    if mnt.uid_mappings:
        return mnt.uid_mappings, mnt.gid_mappings
    if spec.linux.has_namespace("user") and spec.linux.uid_mappings:
        return spec.linux.uid_mappings, spec.linux.gid_mappings
    raise ContainerError(f"{where}: idmap without uidMappings and gidMappings needs a user "
                         "namespace to take them from")


def prepare(spec: Spec) -> dict[int, int]:
    """For each idmapped mount of `spec`, by index, the fd of its detached tree (closed by
    `release`). Needs root in the host's user namespace."""
    wanted_ones = [i for i, mnt in enumerate(spec.mounts) if wanted(mnt)]
    if not wanted_ones:
        return {}
    from vmforms.linux import mount as m

    namespaces: dict[tuple[Mappings, Mappings], int] = {}
    trees: dict[int, int] = {}
    try:
        for i in wanted_ones:
            mnt = spec.mounts[i]
            maps = mappings(spec, i)
            if maps not in namespaces:
                namespaces[maps] = _namespace_holding(*maps)
            where = f"idmapped mount {mnt.destination!r}"
            source = mnt.source or ""
            try:
                tree = m.open_tree_clone(source, "rbind" in mnt.options)
                trees[i] = tree
                m.set_idmap(tree, namespaces[maps], "ridmap" in mnt.options, source)
            except OSError as exc:
                raise ContainerError(f"{where}: {exc.strerror}{_hint(exc)}") from None
    except BaseException:
        release(trees)
        raise
    finally:
        for fd in namespaces.values():
            os.close(fd)
    return trees


def _hint(exc: OSError) -> str:
    import errno

    if exc.errno == errno.EINVAL:
        return " (the source's file system may not support idmapped mounts)"
    if exc.errno == errno.ENOSYS:
        return " (idmapped mounts need Linux 5.12 or later)"
    return ""


def release(trees: dict[int, int]) -> None:
    for fd in trees.values():
        os.close(fd)
    trees.clear()


def _namespace_holding(uids: Mappings, gids: Mappings) -> int:
    """An fd of a new user namespace with these mappings: a child unshares it, we write
    its maps (root may write any), open it, and let the child go."""
    from vmforms.linux import process as lp

    if os.geteuid() != 0:
        raise ContainerError("idmapped mounts need root in the host's user namespace")
    ready_r, ready_w = os.pipe2(os.O_CLOEXEC)
    hold_r, hold_w = os.pipe2(os.O_CLOEXEC)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(ready_r)
            os.close(hold_w)
            lp.unshare(lp.CLONE_NEWUSER)
            os.write(ready_w, b"u")
            os.read(hold_r, 1)  # EOF once the parent has the namespace
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(hold_r)
    try:
        if os.read(ready_r, 1) != b"u":
            raise ContainerError("idmapped mount: could not make a user namespace")
        from vmforms.container.userns import write_maps_as_root

        write_maps_as_root(pid, uids, gids)
        return os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(hold_w)
        os.close(ready_r)
        os.waitpid(pid, 0)


def install(spec: Spec) -> None:
    """In the runtime, before PID 1 is forked: the trees, where `rootfs.setup` finds them."""
    rootfs.DETACHED.update(prepare(spec))


def uninstall() -> None:
    """In the runtime, once PID 1 is forked: our copies of the trees closed."""
    release(rootfs.DETACHED)
