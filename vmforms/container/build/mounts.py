"""RUN --mount (Dockerfile reference, RUN --mount): what a RUN step's container sees
besides its image, never part of the layer it makes.

- cache: a directory of the state root kept between builds (keyed by its id or its
  target), so a package manager's downloads survive; `builder prune` empties them.
- tmpfs: a fresh tmpfs.
- bind: a file or directory of the context (.dockerignore applied, never outside it) or
  of a stage or image (`from=`), read-only unless `rw`; writes to it are thrown away.
  It is a copy made for the step, so the step cannot reach the context itself; its
  content goes into the step's cache key, as BuildKit's does.
- secret: a file given to `build --secret id=ID,src=FILE`, at /run/secrets/ID (or
  `target=`), mode 0400 unless `mode=`, or with `env=NAME` a variable of the step's
  process; neither its content nor the mount point is ever in a layer, and only its id
  is in the cache key.

The mount points the runtime had to create are removed from the step's upper directory
before it becomes a layer (BuildKit's "mount stub" clean-up).
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vmforms.container.build.parser import Instruction
from vmforms.container.errors import ContainerError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from vmforms.container.build.executor import State
    from vmforms.container.build.steps import StepRunner

# The most of a secret `build --secret` reads (BuildKit's limit is 500 KiB).
MAX_SECRET = 512 << 10
_ALIASES = {"src": "source", "dst": "target", "destination": "target", "readwrite": "rw",
            "readonly": "ro"}


@dataclass(frozen=True, slots=True)
class RunMount:
    target: str
    key: str  # what the step's cache key takes from the mount
    make: Callable[[], str | None]  # the step container's --mount text, made on a miss
    env: tuple[str, ...] = ()  # NAME=VALUE for the step's process only (a secret's env=)


def _fields(inst: Instruction, text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(","):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = _ALIASES.get(key.strip().lower(), key.strip().lower())
        out[key] = value if sep else "true"
    return out


def _flag(fields: dict[str, str], name: str) -> bool:
    return fields.get(name, "false").lower() in ("true", "1")


def plan(runner: StepRunner, inst: Instruction, text: str, state: State, n: int) -> RunMount:
    """One --mount of a RUN: checked, keyed, and made only if the step runs."""
    import posixpath

    fields = _fields(inst, text)
    kind = fields.pop("type", "bind")
    target = fields.get("target", "")
    if kind == "secret":
        ident = fields.get("id") or posixpath.basename(target)
        if not ident:
            raise inst.error(f"RUN --mount={text}: a secret needs an id or a target")
        target = target or f"/run/secrets/{ident}"
    if not target.startswith("/") or posixpath.normpath(target) == "/":
        raise inst.error(f"RUN --mount={text}: an absolute target other than / is needed")
    target = posixpath.normpath(target)
    if kind == "tmpfs":
        return RunMount(target, f"tmpfs {target}", lambda: f"type=tmpfs,target={target}")
    if kind == "cache":
        name = hashlib.sha256((fields.get("id") or target).encode()).hexdigest()[:32]
        cache = cache_root(runner) / name

        def make_cache() -> str:
            cache.mkdir(parents=True, exist_ok=True, mode=0o755)
            return f"type=bind,source={cache},target={target}"

        return RunMount(target, f"cache {name} {target}", make_cache)
    scratch = runner.b.work / f"mount-{runner.b.progress.n + 1}-{n}"
    if kind == "secret":
        return _secret(runner, inst, fields, ident, target, scratch)
    if kind == "bind":
        return _bind(runner, inst, fields, target, scratch)
    raise inst.error(f"RUN --mount type={kind} is not supported by this builder (bind, "
                     "cache, tmpfs and secret are)")


def cache_root(runner: StepRunner) -> Path:
    from vmforms.container.build.cache import mounts_dir

    return mounts_dir(runner.b.store)


def _secret(runner: StepRunner, inst: Instruction, fields: dict[str, str], ident: str,
            target: str, scratch: Path) -> RunMount:
    data = runner.b.opts.secrets.get(ident)
    if data is None and _flag(fields, "required"):
        raise ContainerError(f"failed to solve: secret {ident}: not found")
    try:
        mode = int(fields.get("mode", "0400"), 8)
        uid, gid = int(fields.get("uid", "0")), int(fields.get("gid", "0"))
    except ValueError:
        raise inst.error("RUN --mount=type=secret: mode is octal, uid and gid numbers") \
            from None
    if mode > 0o7777 or not (0 <= uid < 1 << 32 and 0 <= gid < 1 << 32):
        raise inst.error("RUN --mount=type=secret: mode, uid or gid out of range")

    def make() -> str | None:
        if data is None:
            return None  # not given and not required: no mount, as BuildKit
        scratch.mkdir(mode=0o700)
        path = scratch / "secret"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        try:
            os.write(fd, data)
            os.fchown(fd, uid, gid)
            os.fchmod(fd, mode)
        finally:
            os.close(fd)
        return f"type=bind,source={path},target={target},readonly"

    key = f"secret {ident} {target} {mode:o} {uid}:{gid}"
    name = fields.get("env")
    if name is None:
        return RunMount(target, key, make)
    if not name or not (name[0].isalpha() or name[0] == "_") or \
            not all(c.isalnum() or c == "_" for c in name):
        raise inst.error(f"RUN --mount=type=secret: invalid env name {name!r}")
    # env= alone makes no file (BuildKit); with a target too, both
    env = () if data is None else (f"{name}={data.decode(errors='replace')}",)
    return RunMount(target, f"{key} env {name}",
                    make if "target" in fields else (lambda: None), env)


def _bind(runner: StepRunner, inst: Instruction, fields: dict[str, str], target: str,
          scratch: Path) -> RunMount:
    from vmforms.container.build import context as ctxmod
    from vmforms.container.build import fsop

    source = fields.get("source") or "."
    ro = "" if _flag(fields, "rw") else ",readonly"
    frm = fields.get("from")
    if frm is None:
        found = ctxmod.find_sources(runner.ctx, [source], runner.ignore)
        if len(found) != 1:
            raise inst.error(f"RUN --mount={','.join(f'{k}={v}' for k, v in fields.items())}: "
                             "the source names more than one file")
        digest = ctxmod.checksum(runner.ctx, found, runner.ignore)
        lowers = None
    else:
        src_state = runner.source_stage(frm)
        found = None
        lowers = runner.layer_dirs(src_state)
        digest = f"from {src_state.image_id or src_state.key}"
    key = f"bind {source} {target} {digest}{ro}"

    def make() -> str:
        upper, work, merged, srcdir = (scratch / d for d in ("upper", "work", "merged", "src"))
        for d in (upper, work, merged, srcdir):
            d.mkdir(parents=True, mode=0o755)

        def action(root: int, src: int | None) -> None:
            # /m is the source itself: a directory's contents, or the file
            got = found if src is None else ctxmod.find_sources(src, [source], None)
            spec = fsop.CopySpec(tuple(got or ()), "/m", False, None, None,
                                 keep_owner=src is not None)
            fsop.copy(root, runner.ctx if src is None else src, spec,
                      runner.ignore if src is None else None, runner.b.work)

        empty = runner.b.work / "empty"
        empty.mkdir(exist_ok=True)
        fsop.run_in_overlay([], upper, work, merged, action, source_lowers=lowers,
                            source_dir=srcdir if lowers is not None else None, empty=empty)
        return f"type=bind,source={upper / 'm'},target={target}{ro}"

    return RunMount(target, key, make)


def remove_stubs(upper: Path, targets: list[str]) -> None:
    """Take out of a step's upper directory the empty files and directories the runtime
    made as mount points, and their parents left empty; an opaque directory (one the
    step replaced) stays."""
    for target in targets:
        parts = [p for p in target.split("/") if p]
        for depth in range(len(parts), 0, -1):
            rel = "/".join(parts[:depth])
            path = upper / rel
            try:
                st = os.lstat(path)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_size == 0 and depth == len(parts):
                os.unlink(path)
            elif stat.S_ISDIR(st.st_mode) and not os.listdir(path) and not _opaque(path):
                os.rmdir(path)
            else:
                break


def _opaque(path: Path) -> bool:
    for name in ("trusted.overlay.opaque", "user.overlay.opaque"):
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError:
            continue
    return False
