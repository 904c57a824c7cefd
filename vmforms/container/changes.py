"""A container's changes to its image: `diff` (A/C/D per path, from the overlay upper
directory), `export` (its whole file system as a tar) and `commit` (the upper directory
as a new layer over the image, with Docker's `--change` instructions)."""

from __future__ import annotations

import gzip
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, cast

from vmforms.container import state as st
from vmforms.container.build.layer import write_diff
from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.image.records import ImageConfig

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _in_lower(layers: list[str], rel: str) -> bool:
    """Whether an image layer (top first) has `rel`, a whiteout above it counting."""
    for layer in reversed(layers):
        parent, _, base = rel.rpartition("/")
        if os.path.lexists(os.path.join(layer, parent, ".wh." + base)):
            return False
        if os.path.lexists(os.path.join(layer, rel)):
            return True
    return False


def diff(ref: str) -> list[str]:
    """`docker diff`: `A path` added, `C path` changed, `D path` deleted, sorted."""
    from vmforms.container.build.layer import RUNTIME_PLACEHOLDERS

    c = st.find(ref)
    layers = list(c.record.get("Layers", []))
    out: list[tuple[str, str]] = []

    def visit(dfd: int, prefix: str) -> bool:
        """List what is below; False if all there was were the runtime's mount points."""
        names = sorted(os.listdir(dfd))
        skipped = 0
        for base in names:
            rel = prefix + base
            info = os.stat(base, dir_fd=dfd, follow_symlinks=False)
            if rel in RUNTIME_PLACEHOLDERS and not _in_lower(layers, rel):
                skipped += 1
                continue
            if stat.S_ISCHR(info.st_mode) and info.st_rdev == 0:
                out.append(("D", "/" + rel))
                continue
            out.append(("C" if _in_lower(layers, rel) else "A", "/" + rel))
            if stat.S_ISDIR(info.st_mode):
                child = os.open(base, _DIR, dir_fd=dfd)
                try:
                    if not visit(child, rel + "/") and out[-1][0] == "C":
                        out.pop()  # copied up only to hold a mount point
                finally:
                    os.close(child)
        return not names or skipped < len(names)

    root = os.open(c.path / "upper", _DIR)
    try:
        visit(root, "")
    finally:
        os.close(root)
    return [f"{kind} {path}" for kind, path in sorted(out, key=lambda x: x[1])]


def export(ref: str, out: IO[bytes]) -> None:
    """`docker export`: the container's file system (not what is mounted on it)."""
    c = st.find(ref)
    if c.running:
        write_diff(f"/proc/{int(c.state['Pid'])}/root/.", out, skip_placeholders=False,
                   xdev=True)
        return
    from vmforms.container.build.fsop import run_in_overlay

    empty = Path(tempfile.mkdtemp(prefix=".export-", dir=c.path))
    try:
        with c.lock():
            run_in_overlay(list(c.record["Layers"]), c.path / "upper", c.path / "work",
                           c.path / "merged",
                           lambda _root, _src: _flushed(write_diff(
                               str(c.path / "merged"), out, skip_placeholders=False), out),
                           empty=empty)
    finally:
        os.rmdir(empty)


def _flushed(_count: int, out: IO[bytes]) -> None:
    out.flush()


def parse_change(text: str) -> tuple[str, str]:
    """A `--change`/`-c` instruction: (instruction, its argument text)."""
    word, _, rest = text.strip().partition(" ")
    allowed = ("CMD", "ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "ONBUILD", "USER", "VOLUME",
               "WORKDIR", "STOPSIGNAL")
    if word.upper() not in allowed or word.upper() == "ONBUILD":
        raise InvalidOption(f"{word} is not a valid change command")
    return word.upper(), rest.strip()


def apply_changes(config: ImageConfig, changes: list[str]) -> ImageConfig:
    """The image config with Dockerfile-style instructions applied (config only)."""
    from vmforms.container.build.parser import expand, name_values, parse
    from vmforms.record import replace

    for change in changes:
        word, _ = parse_change(change)
        inst = parse(f"FROM scratch\n{change}\n").instructions[1]
        cfg = config
        if word in ("CMD", "ENTRYPOINT"):
            value = list(inst.args) if inst.json else ["/bin/sh", "-c", *inst.args]
            key = "cmd" if word == "CMD" else "entrypoint"
            config = replace(cfg, **{key: tuple(value)})
        elif word in ("ENV", "LABEL"):
            pairs = [(expand(k, {}), expand(v, {})) for k, v in name_values(inst)]
            if word == "ENV":
                env = [e for e in cfg.env if e.partition("=")[0]
                       not in {k for k, _ in pairs}] + [f"{k}={v}" for k, v in pairs]
                config = replace(cfg, env=tuple(env))
            else:
                labels = dict(cfg.labels) | dict(pairs)
                config = replace(cfg, labels=labels)
        elif word == "EXPOSE":
            ports = set(cfg.exposed_ports) | {
                p if "/" in p else f"{p}/tcp" for p in inst.args}
            config = replace(cfg, exposed_ports=tuple(sorted(ports)))
        elif word == "VOLUME":
            vols = set(cfg.volumes) | set(
                inst.args if inst.json else " ".join(inst.args).split())
            config = replace(cfg, volumes=tuple(sorted(vols)))
        else:
            key = {"USER": "user", "WORKDIR": "working_dir", "STOPSIGNAL": "stop_signal"}[word]
            config = replace(cfg, **{key: expand(inst.args[0], {})})
    return config


def commit(ref: str, repository: str | None, *, message: str = "", author: str = "",
           changes: list[str] | None = None) -> str:
    """`docker commit`: the container's upper directory as a layer over its image."""
    from vmforms.container.image.records import History, ImageConfiguration
    from vmforms.container.image.reference import normalize_tag
    from vmforms.container.image.store import ImageStore
    from vmforms.container.image.writer import rfc3339_now

    c = st.find(ref)
    tag = normalize_tag(repository) if repository else None
    store = ImageStore()
    image = store.resolve(str(c.record["Image"]))
    base = store.configuration(store.manifest(image.manifest_digest))
    config = apply_changes(base.config, changes or [])
    created = rfc3339_now()
    with store.writing() as writer:
        tmp = writer.temp_path("commit")
        try:
            with open(tmp, "w+b") as f:
                with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1, mtime=0) as gz:
                    write_diff(str(c.path / "upper"), cast(IO[bytes], gz))
                f.seek(0)
                layer = writer.add_layer(f, f"commit of {c.name}")
        finally:
            tmp.unlink(missing_ok=True)
        conf = ImageConfiguration(
            architecture=base.architecture, os=base.os, config=config,
            diff_ids=(*base.diff_ids, layer.diff_id), created=created, author=author,
            variant=base.variant,
            history=(*base.history, History(created=created, created_by=_created_by(c),
                                            comment=message)))
        from vmforms.container.image.records import Descriptor

        desc = writer.add_image([*image.layers, Descriptor(layer.media_type, layer.digest,
                                                           layer.size)], conf, tag)
    made = store.image(desc.digest, tag)
    if not made.id:
        raise ContainerError("commit: the new image could not be read back")
    return made.id


def _created_by(c: st.Container) -> str:
    import shlex

    return " ".join(shlex.quote(a) for a in [c.record["Path"], *c.record["Args"]])
