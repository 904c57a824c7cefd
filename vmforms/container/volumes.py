"""Named volumes as Docker's `local` driver keeps them: `$VMFORMS_ROOT/volumes/NAME/_data`
plus a small record, made on first use by `-v NAME:/path` or `--mount type=volume`,
and filled on that first use with what the image has at the path (Docker's copy-up)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from vmforms.container import state as st
from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.paths import locked, state_root

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")


class VolumeNotFound(ContainerError):
    exit_code = 1


def volumes_dir() -> Path:
    return state_root() / "volumes"


def check_name(name: str) -> str:
    if not _NAME.match(name) or len(name) > 255:
        raise InvalidOption(f'create {name}: "{name}" includes invalid characters for a local '
                            'volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you '
                            "intended to pass a host directory, use absolute path")
    return name


def _record(name: str) -> dict[str, Any]:
    path = volumes_dir() / name
    try:
        meta = json.loads((path / "volume.json").read_text())
    except (OSError, ValueError):
        raise VolumeNotFound(f"get {name}: no such volume") from None
    return {"CreatedAt": meta.get("CreatedAt", ""), "Driver": "local",
            "Labels": meta.get("Labels") or {}, "Mountpoint": str(path / "_data"),
            "Name": name, "Options": meta.get("Options") or {}, "Scope": "local"}


def create(name: str | None = None, labels: dict[str, str] | None = None) -> tuple[str, bool]:
    """Make the volume unless it exists; (name, whether it was made now). Without a name
    it is anonymous: a random one, and `volume prune` takes it without -a."""
    anonymous = not name
    name = check_name(name) if name else os.urandom(32).hex()
    root = volumes_dir()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    with locked(root / ".lock"):
        path = root / name
        if (path / "volume.json").exists():
            return name, False
        tmp = root / f".{name}.new"
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "_data").mkdir(parents=True, mode=0o755)
        (tmp / "volume.json").write_text(json.dumps(
            {"CreatedAt": st.now_rfc3339(), "Labels": labels or {}, "Options": {},
             "Anonymous": anonymous}))
        os.rename(tmp, path)
    return name, True


def inspect(name: str) -> dict[str, Any]:
    return _record(name)


def names() -> list[str]:
    root = volumes_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if not p.name.startswith(".") and (p / "volume.json").exists())


def users(name: str) -> list[str]:
    """The containers whose record mounts the volume."""
    source = str(volumes_dir() / name / "_data")
    return [c.id for c in st.all_containers()
            if any(m.get("source") == source for m in c.record.get("Spec", {}).get("mounts", [])
                   if isinstance(m, dict))]


def remove(name: str, force: bool = False) -> None:
    _record(name)
    used = users(name)
    if used and not force:
        raise ContainerError(f"remove {name}: volume is in use - [{', '.join(used)}]",
                             exit_code=1)
    with locked(volumes_dir() / ".lock"):
        doomed = volumes_dir() / f".{name}.gone"
        os.rename(volumes_dir() / name, doomed)
        import shutil

        shutil.rmtree(doomed, ignore_errors=True)


def _anonymous(name: str) -> bool:
    try:
        meta = json.loads((volumes_dir() / name / "volume.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(meta.get("Anonymous"))


def prune(everything: bool = False) -> list[str]:
    """Unused anonymous volumes (Docker 23's default), or with `everything` every unused
    volume."""
    gone = []
    for name in names():
        if (everything or _anonymous(name)) and not users(name):
            remove(name)
            gone.append(name)
    return gone


def copy_up(name: str, layers: list[Path], target: str, work: Path) -> None:
    """Fill a new, empty volume with what the image has at `target`, owners and modes
    kept; a path the image lacks leaves it empty. The image's side is a read-only
    overlay of its layers in a child's mount namespace, `target` resolved inside it."""
    from vmforms.container import inroot
    from vmforms.container.build.fsop import CopySpec, _copy_tree, run_in_overlay

    data = volumes_dir() / name / "_data"
    if any(data.iterdir()) or not layers:
        return
    dirs = [work / d for d in ("upper", "work", "merged", "src", "empty")]
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)

    def action(_root: int, src: int | None) -> None:
        assert src is not None
        try:
            pfd = inroot.open_dir(src, target)
        except OSError:
            return
        try:
            sdir = os.open(inroot.fd_path(pfd), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        finally:
            os.close(pfd)
        dst = os.open(data, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            st_ = os.fstat(sdir)
            os.fchown(dst, st_.st_uid, st_.st_gid)
            os.fchmod(dst, st_.st_mode & 0o7777)
            _copy_tree(sdir, "", dst, CopySpec((), "", True, None, None, keep_owner=True),
                       None)
        finally:
            os.close(dst)
            os.close(sdir)

    try:
        run_in_overlay([], dirs[0], dirs[1], dirs[2], action,
                       source_lowers=[str(p) for p in layers], source_dir=dirs[3],
                       empty=dirs[4])
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


def remove_anonymous(record: dict[str, Any]) -> None:
    """The anonymous volumes a removed container had mounted, unless another uses them."""
    root = str(volumes_dir())
    for mount in record.get("Spec", {}).get("mounts", []):
        source = mount.get("source") if isinstance(mount, dict) else None
        if not isinstance(source, str) or not source.startswith(root + "/"):
            continue
        name = source[len(root) + 1:].split("/")[0]
        if _anonymous(name) and not users(name):
            try:
                remove(name)
            except ContainerError:
                continue
