"""`build`: a Dockerfile's stages run step by step over the image store (BuildKit's
dockerfile2llb semantics, executed directly rather than through a solver).

A step that changes files (RUN, COPY, ADD, WORKDIR) makes a layer and stores the image
as it stands, untagged and marked with the step's cache key; the other instructions
change only the config. A step's key is derived from its parent's key, the instruction
as substituted (and, for COPY/ADD, the checksum of its sources), never from time, so an
unchanged rebuild finds every step, and the same image id, in the store.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TextIO, cast

from vmforms.container.build.parser import Dockerfile, DockerfileError, Instruction, parse
from vmforms.container.build.progress import Progress, is_terminal
from vmforms.container.build.steps import StepRunner, arg_pairs
from vmforms.container.errors import ContainerError, ImageNotFound
from vmforms.container.image.platform import Platform
from vmforms.container.image.records import (
    ANNOTATION_BUILD_CACHE,
    Descriptor,
    History,
    ImageConfig,
    ImageConfiguration,
    Index,
)
from vmforms.container.image.store import ImageStore
from vmforms.record import replace as rreplace

MAX_DOCKERFILE_BYTES = 4 << 20
_LAYER_STEPS = frozenset({"run", "copy", "add", "workdir"})


class BuildError(ContainerError):
    exit_code = 1


@dataclass
class BuildOptions:
    context: Path
    dockerfile: Path | None = None
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    no_cache: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    quiet: bool = False
    progress: str = "auto"  # auto (a terminal gets the compact view), plain, tty
    network: str | None = None  # RUN's network: the default bridge, or none, host, NAME
    platform: Platform | None = None  # --platform: the target (default: this host's)
    secrets: dict[str, bytes] = field(default_factory=dict)  # --secret id -> content


@dataclass
class State:
    """An image as a stage builds it."""

    layers: list[Descriptor]
    diff_ids: list[str]
    config: ImageConfig
    history: list[History]
    key: str
    image_id: str | None = None  # a stored image with exactly these layers, for RUN
    architecture: str = ""
    os: str = "linux"
    args: dict[str, str] = field(default_factory=dict)  # ARGs in effect in the stage


@dataclass
class Stage:
    index: int
    name: str | None
    base: str
    instructions: list[Instruction]
    state: State | None = None


def _key(*parts: str) -> str:
    return "sha256:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def read_dockerfile(opts: BuildOptions) -> tuple[Dockerfile, str]:
    path = opts.dockerfile or (opts.context / "Dockerfile")
    if str(path) == "-":
        text = sys.stdin.read(MAX_DOCKERFILE_BYTES + 1)
    else:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as exc:
            raise BuildError(f"failed to read dockerfile: open {path}: "
                             f"{exc.strerror.lower() if exc.strerror else exc}") from None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise BuildError(f"failed to read dockerfile: {path} is not a regular file")
            data = os.read(fd, MAX_DOCKERFILE_BYTES + 1)
        finally:
            os.close(fd)
        text = data.decode("utf-8", "replace")
    if len(text) > MAX_DOCKERFILE_BYTES:
        raise BuildError(f"failed to read dockerfile: larger than {MAX_DOCKERFILE_BYTES} bytes")
    return parse(text), Path(path).name


def platform_args(target: Platform | None) -> dict[str, str]:
    """BuildKit's automatic platform ARGs: in the global scope, and in a stage once
    declared there (`ARG TARGETARCH`)."""
    from vmforms.container.image.platform import host_platform

    build = host_platform()
    out: dict[str, str] = {}
    for prefix, p in (("BUILD", build), ("TARGET", target or build)):
        out[prefix + "PLATFORM"] = str(p)
        out[prefix + "OS"], out[prefix + "ARCH"] = p.os, p.architecture
        out[prefix + "VARIANT"] = p.variant
    return out


def split_stages(df: Dockerfile, build_args: dict[str, str],
                 platform: Platform | None = None) -> tuple[list[Stage], dict[str, str]]:
    from vmforms.container.build.parser import expand

    global_args: dict[str, str] = platform_args(platform)
    stages: list[Stage] = []
    for inst in df.instructions:
        if inst.cmd == "from":
            words = list(inst.args)
            name = None
            if len(words) == 3 and words[1].lower() == "as":
                name = words[2].lower()
            elif len(words) != 1:
                raise inst.error("FROM requires either one or three arguments")
            base = expand(words[0], global_args, df.escape)
            if not base:
                raise inst.error("base name (" + words[0] + ") should not be blank")
            stages.append(Stage(len(stages), name, base, []))
        elif not stages:
            if inst.cmd != "arg":
                raise DockerfileError(f"dockerfile parse error on line {inst.line}: no build "
                                      "stage in current context")
            for key, value in arg_pairs(inst, global_args, df.escape):
                global_args[key] = build_args.get(key, value) if value is not None else (
                    build_args.get(key, ""))
        else:
            stages[-1].instructions.append(inst)
    if not stages:
        raise DockerfileError("the Dockerfile has no FROM instruction")
    return stages, global_args


def _needed(stages: list[Stage], target: int) -> list[int]:
    names = {s.name: s.index for s in stages if s.name}
    need: set[int] = set()

    def visit(i: int) -> None:
        if i in need:
            return
        need.add(i)
        st = stages[i]
        ref = names.get(st.base.lower())
        if ref is not None and ref < i:
            visit(ref)
        for inst in st.instructions:
            froms = [inst.flag("from")] if inst.cmd == "copy" else []
            if inst.cmd == "run":  # RUN --mount=...,from=STAGE
                froms = [part.partition("=")[2] for key, value in inst.flags
                         if key == "mount" and value for part in value.split(",")
                         if part.startswith("from=")]
            for src in froms:
                j = None if src is None else names.get(src.lower(),
                                                       int(src) if src.isdigit() else None)
                if j is not None and j < i:
                    visit(j)

    visit(target)
    return sorted(need)


class Builder:
    def __init__(self, opts: BuildOptions, store: ImageStore | None = None,
                 out: TextIO | None = None) -> None:
        self.opts = opts
        self.store = store or ImageStore()
        stream = out or sys.stderr
        live = opts.progress == "tty" or (opts.progress == "auto" and is_terminal(stream))
        self.progress = Progress(stream, opts.quiet, live)
        self.cache: dict[str, str] = {}  # cache key -> manifest digest
        self.work = self.store.root.parent / "build-tmp" / f"{os.getpid()}-{os.urandom(4).hex()}"

    def load_cache(self) -> None:
        for desc in self.store.read_index().manifests:
            key = desc.annotations.get(ANNOTATION_BUILD_CACHE)
            if key:
                self.cache[key] = desc.digest

    def build(self) -> str:
        """Build; returns the image id."""
        p = self.progress
        p.begin("[internal] load build definition from Dockerfile")
        df, df_name = read_dockerfile(self.opts)
        p.done()
        stages, global_args = split_stages(df, self.opts.build_args, self.opts.platform)
        names = {s.name: s.index for s in stages if s.name is not None}
        if self.opts.target is not None:
            if self.opts.target.lower() not in names:
                raise BuildError(f"failed to solve: target stage \"{self.opts.target}\" could "
                                 "not be found")
            target = names[self.opts.target.lower()]
        else:
            target = len(stages) - 1
        from vmforms.container.build.context import Ignore, open_context

        ctx = open_context(self.opts.context)
        try:
            p.begin("[internal] load .dockerignore")
            ignore = Ignore.load(ctx, df_name if df_name != "Dockerfile" else None)
            p.done()
            self.load_cache()
            self.work.mkdir(parents=True, mode=0o700)
            runner = StepRunner(self, ctx, ignore, df.escape, stages, names)
            for i in _needed(stages, target):
                runner.run_stage(stages[i], global_args,
                                 multi=len(stages) > 1)
            final = stages[target].state
            assert final is not None
            return self.export(final)
        finally:
            os.close(ctx)
            shutil.rmtree(self.work, ignore_errors=True)
            try:
                self.work.parent.rmdir()
            except OSError:
                pass

    # -- the store -------------------------------------------------------------------------
    def resolve_base(self, name: str) -> State:
        """A base image (or a COPY --from one) for the build's platform: the manifest of
        an index for it, pulled if missing; a single-platform image must match it."""
        platform = self.opts.platform
        try:
            image = self.store.resolve(name, platform)
        except ImageNotFound:
            from vmforms.container.image.registry import pull

            try:
                pull(self.store, name, out=lambda line: None, platform=platform)
                image = self.store.resolve(name, platform)
            except ContainerError as exc:
                raise BuildError(f"failed to solve: {name}: failed to resolve source "
                                 f"metadata: {exc}") from None
        except ContainerError as exc:  # no manifest for the platform
            raise BuildError(f"failed to solve: {name}: {exc}") from None
        manifest = self.store.manifest(image.manifest_digest)
        conf = self.store.configuration(manifest)
        if platform is not None and not platform.matches(
                {"os": conf.os or "linux", "architecture": conf.architecture,
                 "variant": conf.variant}):
            raise BuildError(f"failed to solve: {name}: the image is for "
                             f"{conf.os}/{conf.architecture}, not {platform}")
        return State(list(manifest.layers), list(conf.diff_ids), conf.config,
                     list(conf.history), _key("from", image.id, str(platform or "")),
                     image.id, conf.architecture, conf.os or "linux")

    def cached(self, key: str) -> State | None:
        if self.opts.no_cache or key not in self.cache:
            return None
        try:
            manifest = self.store.manifest(self.cache[key])
            conf = self.store.configuration(manifest)
        except ContainerError:
            return None
        return State(list(manifest.layers), list(conf.diff_ids), conf.config,
                     list(conf.history), key, manifest.config.digest, conf.architecture,
                     conf.os)

    def commit(self, state: State, upper: Path | None, created_by: str,
               skip_placeholders: bool = False) -> State:
        """Store `state` (plus the layer made of `upper`, when given) as a cache entry."""
        from vmforms.container.build.layer import write_diff
        from vmforms.container.image.writer import host_architecture, rfc3339_now

        created = rfc3339_now()
        layers, diff_ids = list(state.layers), list(state.diff_ids)
        history = list(state.history)
        with self.store.writing() as writer:
            if upper is not None:
                tmp = writer.temp_path("build-layer")
                try:
                    with open(tmp, "w+b") as f:
                        with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1,
                                           mtime=0) as gz:
                            write_diff(str(upper), cast(IO[bytes], gz),
                                       skip_placeholders=skip_placeholders)
                        f.seek(0)
                        layer = writer.add_layer(f, created_by)
                finally:
                    tmp.unlink(missing_ok=True)
                layers.append(Descriptor(layer.media_type, layer.digest, layer.size))
                diff_ids.append(layer.diff_id)
            if created_by:
                history.append(History(created=created, created_by=created_by,
                                       comment="buildkit.dockerfile.v0",
                                       empty_layer=upper is None))
            conf = ImageConfiguration(
                architecture=state.architecture or host_architecture(), os=state.os or "linux",
                config=state.config, diff_ids=tuple(diff_ids), created=created,
                history=tuple(history))
            before = self.store.read_index().manifests
            desc = writer.add_image(layers, conf, None)
            had_plain = any(e.digest == desc.digest and not e.annotations for e in before)
            entries = [e for e in self.store.read_index().manifests
                       if had_plain or not (e.digest == desc.digest and not e.annotations)]
            entries = [e for e in entries
                       if e.annotations.get(ANNOTATION_BUILD_CACHE) != state.key]
            entries.append(Descriptor(desc.media_type, desc.digest, desc.size,
                                      {ANNOTATION_BUILD_CACHE: state.key}))
            writer.write_index(Index(tuple(entries)))
        self.cache[state.key] = desc.digest
        stored = self.cached_any(state.key)
        assert stored is not None
        stored.args = state.args
        return stored

    def cached_any(self, key: str) -> State | None:
        no_cache, self.opts.no_cache = self.opts.no_cache, False
        try:
            return self.cached(key)
        finally:
            self.opts.no_cache = no_cache

    def export(self, state: State) -> str:
        p = self.progress
        p.begin("exporting to image")
        if self.opts.labels:
            labels = dict(state.config.labels) | self.opts.labels
            state = replace(state, config=rreplace(state.config, labels=labels),
                            key=_key(state.key, "labels", repr(sorted(labels.items()))))
        stored = self.cached(state.key) if state.key in self.cache else None
        if stored is None:
            stored = self.commit(state, None, "")
        digest = self.cache[state.key]
        from vmforms.container.image.reference import normalize_tag

        tags = [normalize_tag(t) for t in self.opts.tags]
        with self.store.writing() as writer:
            manifest_desc = next(e for e in self.store.read_index().manifests
                                 if e.digest == digest)
            plain = Descriptor(manifest_desc.media_type, digest, manifest_desc.size)
            kept = [e for e in self.store.read_index().manifests
                    if ANNOTATION_BUILD_CACHE in e.annotations]
            for tag in tags:
                writer.tag(plain, tag)  # drops the untagged entries of the same digest
            entries = list(self.store.read_index().manifests)
            entries += [e for e in kept if e not in entries]
            if not any(e.annotations.get(ANNOTATION_BUILD_CACHE) == state.key
                       for e in entries):
                entries.append(Descriptor(plain.media_type, digest, plain.size,
                                          {ANNOTATION_BUILD_CACHE: state.key}))
            if not tags and not any(e.digest == digest and not e.annotations
                                    for e in entries):
                entries.append(plain)
            writer.write_index(Index(tuple(entries)))
        image_id = stored.image_id or ""
        p.line(f"#{p.n} writing image {image_id} done")
        for tag in tags:
            p.line(f"#{p.n} naming to docker.io/{tag if '/' in tag else 'library/' + tag} "
                   "done")
        p.done()
        p.finish()
        return image_id
