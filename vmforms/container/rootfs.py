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
from collections.abc import Callable

from vmforms.container import inroot
from vmforms.container.errors import ContainerError
from vmforms.container.spec import Mount, Spec
from vmforms.linux import mount as m
from vmforms.linux.openat2 import resolve_in_root

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
    """A mount point after pivot_root, where "/" is the container's root already."""
    if os.path.lexists(path):
        return
    if is_dir:
        _mkdir_all(path)
    else:
        _mkdir_all(os.path.dirname(path))
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644))


def lower_option(lowerdirs: list[str]) -> str:
    """overlayfs's lowerdir= value for layers given lowest first: top-first, and each
    directory once. The same layer twice (two RUN steps that changed nothing, stored
    under one diff id) makes the mount fail with ELOOP; only its topmost place counts,
    since it shadows everything of its own between the two."""
    seen: set[str] = set()
    top_first = []
    for d in reversed(lowerdirs):
        if d not in seen:
            seen.add(d)
            top_first.append(d)
    return ":".join(top_first)


def mount_overlay(target: str, lowerdirs: list[str], upper: str, work: str) -> None:
    # overlayfs takes the lower layers top-first. In a rootless user namespace, which may
    # not write trusted.* xattrs, its metadata goes to user.overlay.* (`userxattr`): without
    # it, removing a lower directory fails with EIO.
    data = f"lowerdir={lower_option(lowerdirs)},upperdir={upper},workdir={work}"
    if os.environ.get("VMFORMS_ROOTLESS") == "1":
        data += ",userxattr"
    try:
        m.mount("overlay", target, "overlay", 0, data)
    except OSError as exc:
        raise ContainerError(f"mount overlay root filesystem {target!r}: {exc.strerror}") from None


# Set when sysfs was bound from the host (mount_one): its cgroup mounts came with it.
SYSFS_FROM_HOST: list[bool] = []

# Idmapped mounts (idmap.py) by index in the spec's mounts: detached trees the runtime
# made before forking PID 1, which attaches them in place of a bind mount.
DETACHED: dict[int, int] = {}


def mount_one(rootfd: int, mnt: Mount, tree: int | None = None) -> None:
    """One mount of the spec, its target resolved inside the root on `rootfd`; with
    `tree`, a bind mount attaches that detached tree instead of its source."""
    flags, propagation, data = m.parse_options([o for o in mnt.options
                                                if o not in ("idmap", "ridmap")])
    if mnt.type == "bind":
        flags |= m.MS_BIND
    if flags & m.MS_BIND:
        source = mnt.source or ""
        if not os.path.exists(source):
            raise ContainerError(
                f"bind mount {mnt.destination!r}: source {source!r} does not exist")
        with _Fd(inroot.open_target(rootfd, mnt.destination, os.path.isdir(source))) as fd:
            if tree is not None:
                m.move_mount_fd(tree, fd, mnt.destination)
            else:
                m.mount(source, inroot.fd_path(fd), None, flags & (m.MS_BIND | m.MS_REC))
        # A bind mount ignores every other flag until it is remounted with them; the fd
        # above still names the directory underneath, so resolve the new mount afresh.
        if flags & ~(m.MS_BIND | m.MS_REC) or propagation:
            with _Fd(_open_mounted(rootfd, mnt.destination)) as fd:
                if flags & ~(m.MS_BIND | m.MS_REC):
                    m.mount(None, inroot.fd_path(fd), None, flags | m.MS_REMOUNT | m.MS_BIND)
                if propagation:
                    m.mount(None, inroot.fd_path(fd), None, propagation)
        return
    with _Fd(inroot.open_target(rootfd, mnt.destination, True)) as fd:
        if "tmpcopyup" in mnt.options and mnt.type == "tmpfs":
            data = ",".join(o for o in data.split(",") if o and o != "tmpcopyup")
            _mount_tmpfs_copy_up(rootfd, fd, mnt.destination, flags, data)
        else:
            try:
                m.mount(mnt.source or mnt.type, inroot.fd_path(fd), mnt.type, flags,
                        data or None)
            except OSError as exc:
                if mnt.type == "sysfs" and exc.errno == errno.EPERM:
                    # A network namespace our user namespace does not own (rootless with
                    # the host's network) refuses sysfs: bind the host's, as runc does.
                    from vmforms.record import replace

                    sysfs = replace(mnt, type="bind", source="/sys",
                                    options=(*mnt.options, "rbind"))
                    SYSFS_FROM_HOST.append(True)
                    return mount_one(rootfd, sysfs)
                # devpts' gid=5 is EINVAL where the user namespace maps no group 5 (a
                # rootless user without subordinate ids): as crun, mount without it.
                if mnt.type != "devpts" or exc.errno != errno.EINVAL or "gid=" not in data:
                    raise
                data = ",".join(o for o in data.split(",") if not o.startswith("gid="))
                m.mount(mnt.source or mnt.type, inroot.fd_path(fd), mnt.type, flags,
                        data or None)
    if propagation:
        with _Fd(_open_mounted(rootfd, mnt.destination)) as fd:
            m.mount(None, inroot.fd_path(fd), None, propagation)


class _Fd:
    """An fd closed at the end of a with block."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> int:
        return self.fd

    def __exit__(self, *_exc: object) -> None:
        os.close(self.fd)


def _open_mounted(rootfd: int, destination: str) -> int:
    return resolve_in_root(rootfd, destination, os.O_PATH | os.O_CLOEXEC)


def _mount_tmpfs_copy_up(rootfd: int, target: int, destination: str, flags: int,
                         data: str) -> None:
    """runc's "tmpcopyup": a tmpfs that starts with what the image has at `target`. A
    directory fd opened before the mount still reads the directory underneath."""
    below = os.open(inroot.fd_path(target), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        m.mount("tmpfs", inroot.fd_path(target), "tmpfs", flags & ~m.MS_RDONLY, data or None)
        with _Fd(resolve_in_root(rootfd, destination, os.O_RDONLY | os.O_DIRECTORY)) as top:
            _copy_tree(below, top)  # the entries only: the root keeps tmpfs' 1777, as runc
    finally:
        os.close(below)
    if flags & m.MS_RDONLY:
        with _Fd(_open_mounted(rootfd, destination)) as fd:
            m.mount(None, inroot.fd_path(fd), None, flags | m.MS_REMOUNT, data or None)


def _copy_tree(src_fd: int, dst_fd: int) -> None:
    """Copy a directory's entries (files, links, subdirectories, owners and modes), every
    name relative to a directory fd and never followed if it is a symlink."""
    with os.scandir(src_fd) as entries:
        items = [(e.name, e.stat(follow_symlinks=False)) for e in entries]
    for name, st in items:
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(name, dir_fd=src_fd), name, dir_fd=dst_fd)
        elif stat.S_ISDIR(st.st_mode):
            os.mkdir(name, mode, dir_fd=dst_fd)
            nofollow = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
            with _Fd(os.open(name, nofollow, dir_fd=src_fd)) as sub, \
                    _Fd(os.open(name, nofollow, dir_fd=dst_fd)) as dsub:
                _copy_tree(sub, dsub)
        elif stat.S_ISREG(st.st_mode):
            with _Fd(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC,
                             dir_fd=src_fd)) as fd, \
                    _Fd(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                | os.O_CLOEXEC, mode, dir_fd=dst_fd)) as out:
                while chunk := os.read(fd, 1 << 20):
                    os.write(out, chunk)
        else:
            os.mknod(name, st.st_mode, st.st_rdev, dir_fd=dst_fd)
        os.chown(name, st.st_uid, st.st_gid, dir_fd=dst_fd, follow_symlinks=False)
        if not stat.S_ISLNK(st.st_mode):
            os.chmod(name, mode, dir_fd=dst_fd)  # made above by us: not a link


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


def mount_cgroupfs(target: str, readonly: bool, own_only: bool = False) -> None:
    """The container's view of its own cgroup (the cgroup namespace makes it the root).

    cgroup v2 is one mount. On v1 every controller hierarchy is a mount of its own, under
    a tmpfs, as Docker lays them out; the controller set of each comes from the host's.
    Without a cgroup namespace each mount shows the whole hierarchy, so with `own_only`
    the container's own directory is bound over it, as runc does.
    """
    flags = m.MS_NOSUID | m.MS_NODEV | m.MS_NOEXEC
    ro = m.MS_RDONLY if readonly else 0
    mounts = _HOST_CGROUP_MOUNTS if _HOST_CGROUP_MOUNTS is not None else _host_cgroup_mounts()
    own = _own_cgroups() if own_only else []
    v1 = [(p, o) for p, t, o in mounts if t == "cgroup"]
    if not v1:
        m.mount("cgroup2", target, "cgroup2", flags | ro)
        _bind_own(target, _own_path(own, set()), flags | ro)
        return
    m.mount("tmpfs", target, "tmpfs", flags, "mode=755")
    for point, opts in v1:
        name = os.path.basename(point)
        controllers = [o for o in opts.split(",") if o not in ("rw", "ro", "relatime")]
        sub = os.path.join(target, name)
        _mkdir_all(sub)
        try:
            m.mount("cgroup", sub, "cgroup", flags | ro, ",".join(controllers))
        except OSError:
            os.rmdir(sub)
            continue
        _bind_own(sub, _own_path(own, set(controllers)), flags | ro)
    if readonly:
        m.mount(None, target, None, flags | m.MS_RDONLY | m.MS_REMOUNT, "mode=755")


def _own_cgroups() -> list[tuple[set[str], str]]:
    """(controllers, path) of each hierarchy from /proc/self/cgroup; v2's has none."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return []  # no /proc in the container: it keeps the whole view
    own = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        own.append((set(controllers.split(",")) - {""}, path))
    return own


def _own_path(own: list[tuple[set[str], str]], options: set[str]) -> str | None:
    return next((path for controllers, path in own if controllers <= options
                 and bool(controllers) == bool(options)), None)


def _bind_own(mount_point: str, path: str | None, flags: int) -> None:
    if path is None or path == "/":
        return
    source = mount_point + path
    if os.path.isdir(source):
        m.mount(source, mount_point, None, m.MS_BIND)
        m.mount(None, mount_point, None, flags | m.MS_BIND | m.MS_REMOUNT)


def populate_dev(rootfd: int, destination: str = "/dev") -> None:
    """The default nodes and links in the container's /dev (a tmpfs just mounted)."""
    with _Fd(inroot.open_dir(rootfd, destination)) as dev:
        for name, major, minor in DEFAULT_DEVICES:
            if inroot.lexists(dev, name):
                continue
            try:
                os.mknod(name, 0o666 | stat.S_IFCHR, os.makedev(major, minor), dir_fd=dev)
            except PermissionError:
                # In a user namespace nodes cannot be made: the host's are bound instead,
                # as runc does.
                os.close(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                                 | os.O_CLOEXEC, 0o666, dir_fd=dev))
                with _Fd(os.open(name, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC,
                                 dir_fd=dev)) as fd:
                    m.mount(f"/dev/{name}", inroot.fd_path(fd), None, m.MS_BIND)
                continue
            os.chmod(name, 0o666, dir_fd=dev)  # made above by us: not a link
        for target, name in DEV_SYMLINKS:
            if name == "core" and not os.path.exists(target):
                continue  # a kernel without CONFIG_PROC_KCORE: no link, as runc decides it
            if not inroot.lexists(dev, name):
                os.symlink(target, name, dir_fd=dev)


_NODE_TYPES = {"c": stat.S_IFCHR, "u": stat.S_IFCHR, "b": stat.S_IFBLK, "p": stat.S_IFIFO}


def make_devices(rootfd: int, spec: Spec) -> None:
    """The nodes of linux.devices, owned and with the mode asked (config-linux.md)."""
    for dev in spec.linux.devices:
        parent, name = inroot.split(dev.path)
        mode = 0o666 if dev.file_mode is None else dev.file_mode & 0o7777
        with _Fd(inroot.mkdir_all(rootfd, parent)) as pfd:
            if inroot.lexists(pfd, name):
                continue  # already there (the defaults, or devpts' own ptmx), as runc keeps it
            try:
                os.mknod(name, mode | _NODE_TYPES[dev.type], os.makedev(dev.major, dev.minor),
                         dir_fd=pfd)
            except PermissionError:
                # mknod refused (a filesystem mounted nodev): bind the host's node instead.
                with _Fd(inroot.open_target(rootfd, dev.path, False)) as fd:
                    m.mount(dev.path, inroot.fd_path(fd), None, m.MS_BIND)
                continue
            os.chmod(name, mode, dir_fd=pfd)  # made above by us: not a link
            if dev.uid is not None or dev.gid is not None:
                os.chown(name, -1 if dev.uid is None else dev.uid,
                         -1 if dev.gid is None else dev.gid, dir_fd=pfd, follow_symlinks=False)


def bind_console(slave: str) -> None:
    """/dev/console is the container's terminal, as runc makes it (after pivot_root)."""
    try:
        _ensure_target("/dev/console", False)
        m.mount(slave, "/dev/console", None, m.MS_BIND)
    except OSError:
        pass  # a read-only or missing /dev: the terminal still works on fds 0-2


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


def setup(spec: Spec, rootfs: str, overlay: tuple[list[str], str, str] | None,
          before_pivot: Callable[[], None] | None = None) -> list[Mount]:
    """Everything between a fresh mount namespace and pivot_root.

    cgroup filesystems are left out and returned: they show the mounter's cgroup
    namespace, so they are mounted (by `mount_cgroups`, after pivot_root) only once the
    process has joined its cgroup and unshared that namespace.
    """
    # Nothing of ours may propagate back to the host. The propagation the config asks for
    # goes on the new root after pivot_root (`finish`): a shared parent would make
    # pivot_root fail, an unbindable one the bind mount below.
    m.mount(None, "/", None, m.MS_REC | m.MS_SLAVE)
    if overlay is not None:
        mount_overlay(rootfs, *overlay)
    # The root must be a mount point for pivot_root; a bind onto itself makes it one.
    m.mount(rootfs, rootfs, None, m.MS_BIND | m.MS_REC)
    later = []
    with _Fd(os.open(rootfs, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)) as rootfd:
        for i, mnt in enumerate(spec.mounts):
            if mnt.type == "cgroup":
                os.close(inroot.open_target(rootfd, mnt.destination, True))
                later.append(mnt)
                continue
            mount_one(rootfd, mnt, DETACHED.get(i))
            if mnt.destination.rstrip("/") == "/dev":
                populate_dev(rootfd)
        make_devices(rootfd, spec)
    global _HOST_CGROUP_MOUNTS
    _HOST_CGROUP_MOUNTS = _host_cgroup_mounts()  # the host's table is gone after the pivot
    if before_pivot is not None:
        before_pivot()  # the hooks' point (hooks.py)
    pivot(rootfs)
    return later


def mount_cgroups(mounts: list[Mount], own_only: bool = False) -> None:
    if SYSFS_FROM_HOST:
        return  # the host's /sys came with its cgroup mounts, which stay (as with runc)
    for mnt in mounts:
        flags, _, _ = m.parse_options(list(mnt.options))
        mount_cgroupfs(secure_join("/", mnt.destination), readonly=bool(flags & m.MS_RDONLY),
                       own_only=own_only)


def finish(spec: Spec) -> None:
    """The last steps before exec, after the sysctls are written (as runc orders them):
    mask and write-protect the kernel's paths, then make the root read-only if asked."""
    if spec.linux.in_namespace("mount"):
        mask_paths(spec.linux.masked_paths)
        readonly_paths(spec.linux.readonly_paths)
        propagation = m.PROPAGATION_FLAGS.get(spec.linux.rootfs_propagation or "")
        if propagation:
            m.mount(None, "/", None, propagation)
    if spec.root_readonly:
        m.mount(None, "/", None, m.MS_BIND | m.MS_REMOUNT | m.MS_RDONLY)
