"""The container's filesystem view, built inside its new mount namespace.

Follows runc's order (libcontainer/rootfs_linux.go): make / private, mount the overlay
root, the spec's mounts (proc, a tmpfs /dev with the usual nodes, devpts, sysfs, cgroupfs),
bind the volumes, pivot_root into the root, then mask and write-protect the kernel paths.
All of it happens in the container's own mount namespace, so the host never sees these
mounts and they vanish with the container's last process: a crash cannot leak them.
"""

from __future__ import annotations

import errno
import os
import stat

from vmforms.container.errors import ContainerError
from vmforms.container.spec import Mount, Spec
from vmforms.linux import mount as m

# (name, major, minor) of the nodes every container gets (OCI config-linux.md "Default
# Devices"), made with mknod in the container's tmpfs /dev.
DEFAULT_DEVICES: tuple[tuple[str, int, int], ...] = (
    ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9),
    ("tty", 5, 0),
)
DEV_SYMLINKS: tuple[tuple[str, str], ...] = (
    ("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
    ("/proc/self/fd/2", "stderr"), ("pts/ptmx", "ptmx"), ("/proc/kcore", "core"),
)
_MAX_SYMLINKS = 40


def secure_join(root: str, unsafe: str) -> str:
    """`root` + `unsafe`, resolving symlinks as if `root` were '/', never leaving it.

    A hostile image may make /proc or a volume target a symlink to a host path; every
    component is resolved against the container root, like chroot would.
    """
    parts = [p for p in unsafe.split("/") if p not in ("", ".")]
    resolved: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            resolved.append(part)
            continue
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > _MAX_SYMLINKS:
                raise OSError(errno.ELOOP, f"resolve {unsafe!r}: too many symbolic links")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p not in ("", ".")] + parts
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


def _mkdir_all(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _ensure_target(path: str, is_dir: bool) -> None:
    if os.path.lexists(path):
        return
    if is_dir:
        _mkdir_all(path)
    else:
        _mkdir_all(os.path.dirname(path))
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))


def mount_overlay(target: str, lowerdirs: list[str], upper: str, work: str) -> None:
    # overlayfs takes the lower layers top-first.
    data = f"lowerdir={':'.join(reversed(lowerdirs))},upperdir={upper},workdir={work}"
    try:
        m.mount("overlay", target, "overlay", 0, data)
    except OSError as exc:
        raise ContainerError(f"mount overlay root filesystem {target!r}: {exc.strerror}") from None


def mount_one(rootfs: str, mnt: Mount) -> None:
    flags, propagation, data = m.parse_options(list(mnt.options))
    target = secure_join(rootfs, mnt.destination)
    if flags & m.MS_BIND:
        source = mnt.source or ""
        if not os.path.exists(source):
            raise ContainerError(
                f"bind mount {mnt.destination!r}: source {source!r} does not exist")
        _ensure_target(target, os.path.isdir(source))
        m.mount(source, target, None, flags & (m.MS_BIND | m.MS_REC))
        # A bind mount ignores every other flag until it is remounted with them.
        if flags & ~(m.MS_BIND | m.MS_REC):
            m.mount(None, target, None, flags | m.MS_REMOUNT | m.MS_BIND)
    elif mnt.type == "cgroup":
        _ensure_target(target, True)
        mount_cgroupfs(target, readonly=bool(flags & m.MS_RDONLY))
        return
    else:
        _ensure_target(target, True)
        m.mount(mnt.source or mnt.type, target, mnt.type, flags, data or None)
    if propagation:
        m.mount(None, target, None, propagation)


_HOST_CGROUP_MOUNTS: list[tuple[str, str, str]] | None = None


def _host_cgroup_mounts() -> list[tuple[str, str, str]]:
    """(mount point, fstype, super options) of the host's cgroup filesystems."""
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            fstype, opts = fields[sep + 1], fields[sep + 3]
            if fstype in ("cgroup", "cgroup2"):
                found.append((fields[4], fstype, opts))
    return found


def mount_cgroupfs(target: str, readonly: bool) -> None:
    """The container's view of its own cgroup (the cgroup namespace makes it the root).

    cgroup v2 is one mount. On v1 every controller hierarchy is a mount of its own, under
    a tmpfs, as Docker lays them out; the controller set of each comes from the host's.
    """
    flags = m.MS_NOSUID | m.MS_NODEV | m.MS_NOEXEC
    mounts = _HOST_CGROUP_MOUNTS if _HOST_CGROUP_MOUNTS is not None else _host_cgroup_mounts()
    v1 = [(p, o) for p, t, o in mounts if t == "cgroup"]
    if not v1:
        m.mount("cgroup2", target, "cgroup2", flags | (m.MS_RDONLY if readonly else 0))
        return
    m.mount("tmpfs", target, "tmpfs", flags, "mode=755")
    for point, opts in v1:
        name = os.path.basename(point)
        controllers = [o for o in opts.split(",") if o not in ("rw", "ro", "relatime")]
        sub = os.path.join(target, name)
        _mkdir_all(sub)
        try:
            m.mount("cgroup", sub, "cgroup", flags | (m.MS_RDONLY if readonly else 0),
                    ",".join(controllers))
        except OSError:
            os.rmdir(sub)
    if readonly:
        m.mount(None, target, None, flags | m.MS_RDONLY | m.MS_REMOUNT, "mode=755")


def populate_dev(rootfs: str) -> None:
    dev = os.path.join(rootfs, "dev")
    for name, major, minor in DEFAULT_DEVICES:
        path = os.path.join(dev, name)
        if not os.path.lexists(path):
            os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
            os.chmod(path, 0o666)
    for target, name in DEV_SYMLINKS:
        path = os.path.join(dev, name)
        if not os.path.lexists(path):
            os.symlink(target, path)


def pivot(rootfs: str) -> None:
    """pivot_root(".", ".") then detach the old root: no temporary directory needed."""
    os.chdir(rootfs)
    m.pivot_root(".", ".")
    # The old root is stacked under the new one; make it private so the detach below
    # never propagates an unmount back to the host, then drop it.
    m.mount(None, ".", None, m.MS_SLAVE | m.MS_REC)
    m.umount(".", m.MNT_DETACH)
    os.chdir("/")


def mask_paths(paths: tuple[str, ...]) -> None:
    for path in paths:
        try:
            if os.path.isdir(path):
                m.mount("tmpfs", path, "tmpfs", m.MS_RDONLY)
            else:
                m.mount("/dev/null", path, None, m.MS_BIND)
        except FileNotFoundError:
            continue
        except OSError as exc:
            if exc.errno != errno.ENOENT:
                raise


def readonly_paths(paths: tuple[str, ...]) -> None:
    for path in paths:
        try:
            m.mount(path, path, None, m.MS_BIND | m.MS_REC)
        except OSError as exc:
            if exc.errno == errno.ENOENT:
                continue
            raise
        m.mount(None, path, None,
                m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY | m.MS_NOSUID | m.MS_NODEV | m.MS_NOEXEC)


def setup(spec: Spec, rootfs: str, overlay: tuple[list[str], str, str] | None
          ) -> list[Mount]:
    """Everything between a fresh mount namespace and pivot_root, then the masks.

    cgroup filesystems are left out and returned: they show the mounter's cgroup
    namespace, so they are mounted (by `mount_cgroups`, after pivot_root) only once the
    process has joined its cgroup and unshared that namespace.
    """
    m.mount(None, "/", None, m.MS_REC | m.MS_SLAVE)
    if overlay is not None:
        mount_overlay(rootfs, *overlay)
    # The root must be a mount point for pivot_root; a bind onto itself makes it one.
    m.mount(rootfs, rootfs, None, m.MS_BIND | m.MS_REC)
    later = []
    for mnt in spec.mounts:
        if mnt.type == "cgroup":
            _ensure_target(secure_join(rootfs, mnt.destination), True)
            later.append(mnt)
            continue
        mount_one(rootfs, mnt)
        if mnt.destination == "/dev":
            populate_dev(rootfs)
    global _HOST_CGROUP_MOUNTS
    _HOST_CGROUP_MOUNTS = _host_cgroup_mounts()  # the host's table is gone after the pivot
    pivot(rootfs)
    mask_paths(spec.linux.masked_paths)
    readonly_paths(spec.linux.readonly_paths)
    return later


def mount_cgroups(mounts: list[Mount]) -> None:
    for mnt in mounts:
        flags, _, _ = m.parse_options(list(mnt.options))
        mount_cgroupfs(secure_join("/", mnt.destination), readonly=bool(flags & m.MS_RDONLY))


def finish(spec: Spec) -> None:
    """The last step before exec: a read-only root is remounted so once all else is set."""
    if spec.root_readonly:
        m.mount(None, "/", None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY)
