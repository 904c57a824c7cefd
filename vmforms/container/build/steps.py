"""The instructions of a stage, one handler each (Dockerfile reference, BuildKit's
dispatch): the config-only ones change the image config, RUN, COPY, ADD and WORKDIR make
a layer (executor.Builder.commit) unless their cache key is found.
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from dataclasses import replace
from typing import TYPE_CHECKING

from vmforms.container.build.parser import Instruction, expand, name_values, split_words
from vmforms.container.errors import ContainerError
from vmforms.container.image.records import ImageConfig
from vmforms.container.units import parse_duration
from vmforms.record import replace as rreplace

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from vmforms.container.build.context import Ignore
    from vmforms.container.build.executor import Builder, Stage, State

DEFAULT_SHELL = ("/bin/sh", "-c")


def arg_pairs(inst: Instruction, env: dict[str, str], escape: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for word in inst.args:
        key, sep, value = word.partition("=")
        if not key:
            raise inst.error("ARG names can not be blank")
        out.append((key, expand(value, env, escape) if sep else None))
    return out


class StepRunner:
    def __init__(self, builder: Builder, ctx: int, ignore: Ignore, escape: str,
                 stages: list[Stage], names: dict[str, int]) -> None:
        self.b = builder
        self.ctx = ctx
        self.ignore = ignore
        self.escape = escape
        self.stages = stages
        self.names = names
        self.step = 0
        self.title: Callable[[str], str] = str
        self.global_args: dict[str, str] = {}
        self.cmd_set = False

    # -- a stage ---------------------------------------------------------------------------
    def run_stage(self, stage: Stage, global_args: dict[str, str], multi: bool) -> None:
        from vmforms.container.build.executor import State, _key

        b = self.b
        layered = ("run", "copy", "add", "workdir")
        total = [1 + sum(1 for i in stage.instructions if i.cmd in layered)]
        label = (stage.name or f"stage-{stage.index}") + " " if multi else ""
        self.step = 1
        self.title = lambda text: f"[{label}{self.step}/{total[0]}] {text}"
        base = stage.base
        p = b.progress
        if base.lower() in self.names and self.names[base.lower()] < stage.index:
            parent = self.stages[self.names[base.lower()]].state
            assert parent is not None
            state = replace(parent, args={}, history=list(parent.history))
            shown = base
        elif base == "scratch":
            from vmforms.container.image.platform import host_platform

            arch = (b.opts.platform or host_platform()).architecture
            state = State([], [], replace_config_default(), [],
                          _key("scratch", arch), architecture=arch)
            shown = "scratch"
        else:
            shown = _display(base)
            state = b.resolve_base(base)
        total[0] += sum(1 for t in state.config.on_build if _trigger(t, 0).cmd in layered)
        p.begin(self.title(f"FROM {shown}"))
        p.done()
        self.global_args = global_args
        self.cmd_set = False
        state = self.triggers(state)
        for inst in stage.instructions:
            state = self.dispatch(inst, state)
        stage.state = state

    def env(self, state: State) -> dict[str, str]:
        out = dict(state.args)
        for item in state.config.env:
            key, _, value = item.partition("=")
            out[key] = value
        return out

    def x(self, word: str, state: State) -> str:
        return expand(word, self.env(state), self.escape)

    def dispatch(self, inst: Instruction, state: State) -> State:
        handler = getattr(self, f"do_{inst.cmd}", None)
        if handler is None:
            raise inst.error(f"{inst.cmd.upper()} is not supported by this builder")
        try:
            new: State = handler(inst, state)
        except ContainerError as exc:
            if str(exc).startswith("dockerfile parse error"):
                raise
            raise type(exc)(f"{exc}") from None
        return new

    def meta(self, state: State, inst: Instruction, text: str, **config: Any) -> State:
        """A config-only step: the config changed, a history entry without a layer."""
        from vmforms.container.build.executor import _key
        from vmforms.container.image.records import History
        from vmforms.container.image.writer import rfc3339_now

        history = [*state.history, History(created=rfc3339_now(), created_by=text,
                                           comment="buildkit.dockerfile.v0",
                                           empty_layer=True)]
        return replace(state, config=rreplace(state.config, **config), history=history,
                       key=_key(state.key, text), image_id=state.image_id)

    # -- config-only instructions ---------------------------------------------------------
    def do_arg(self, inst: Instruction, state: State) -> State:
        from vmforms.container.build.executor import _key

        args = dict(state.args)
        shown = []
        for key, value in arg_pairs(inst, self.env(state), self.escape):
            if key in self.b.opts.build_args:
                args[key] = self.b.opts.build_args[key]
            elif value is not None:
                args[key] = value
            elif key in self.global_args:
                args[key] = self.global_args[key]
            else:
                continue
            shown.append(f"{key}={args[key]}")
        return replace(state, args=args, key=_key(state.key, "ARG " + " ".join(shown)))

    def do_env(self, inst: Instruction, state: State) -> State:
        env = list(state.config.env)
        shown = []
        for key, raw in name_values(inst):
            value = expand(raw, self.env(replace(state, config=rreplace(
                state.config, env=tuple(env)))), self.escape)
            env = [e for e in env if e.partition("=")[0] != key] + [f"{key}={value}"]
            shown.append(f"{key}={value}")
        return self.meta(state, inst, "ENV " + " ".join(shown), env=tuple(env))

    def do_label(self, inst: Instruction, state: State) -> State:
        labels = dict(state.config.labels)
        shown = []
        for key, raw in name_values(inst):
            k, v = self.x(key, state), self.x(raw, state)
            labels[k] = v
            shown.append(f"{k}={v}")
        return self.meta(state, inst, "LABEL " + " ".join(shown), labels=labels)

    def do_maintainer(self, inst: Instruction, state: State) -> State:
        return self.meta(state, inst, f"MAINTAINER {inst.args[0]}")

    def do_user(self, inst: Instruction, state: State) -> State:
        user = self.x(inst.args[0], state)
        return self.meta(state, inst, f"USER {user}", user=user)

    def do_stopsignal(self, inst: Instruction, state: State) -> State:
        sig = self.x(inst.args[0], state)
        return self.meta(state, inst, f"STOPSIGNAL {sig}", stop_signal=sig)

    def command(self, inst: Instruction, state: State) -> list[str]:
        if inst.json:
            return list(inst.args)
        return [*(state.config.shell or DEFAULT_SHELL), *inst.args]

    def do_cmd(self, inst: Instruction, state: State) -> State:
        cmd = self.command(inst, state)
        self.cmd_set = True
        return self.meta(state, inst, f"CMD {json.dumps(cmd)}", cmd=tuple(cmd))

    def do_entrypoint(self, inst: Instruction, state: State) -> State:
        ep = self.command(inst, state)
        extra = {} if self.cmd_set else {"cmd": None}
        return self.meta(state, inst, f"ENTRYPOINT {json.dumps(ep)}", entrypoint=tuple(ep),
                         **extra)

    def do_shell(self, inst: Instruction, state: State) -> State:
        return self.meta(state, inst, f"SHELL {json.dumps(list(inst.args))}",
                         shell=tuple(inst.args))

    def do_expose(self, inst: Instruction, state: State) -> State:
        ports = set(state.config.exposed_ports)
        for word in inst.args:
            for port in split_words(self.x(word, state)):
                ports.add(port if "/" in port else f"{port}/tcp")
        shown = "map[" + " ".join(f"{p}:{{}}" for p in sorted(ports)) + "]"
        return self.meta(state, inst, f"EXPOSE {shown}", exposed_ports=tuple(sorted(ports)))

    def do_volume(self, inst: Instruction, state: State) -> State:
        vols = set(state.config.volumes)
        words = [self.x(w, state) for w in inst.args]
        if not inst.json:
            words = [v for w in words for v in w.split()]
        for v in words:
            if not v:
                raise inst.error("VOLUME specified can not be an empty string")
            vols.add(v)
        return self.meta(state, inst, f"VOLUME {json.dumps(words)}", volumes=tuple(sorted(vols)))

    def do_healthcheck(self, inst: Instruction, state: State) -> State:
        text = inst.args[0] if inst.args else ""
        word, _, rest = text.partition(" ")
        if word.upper() == "NONE":
            check: dict[str, object] = {"Test": ["NONE"]}
        elif word.upper() == "CMD" and rest.strip():
            rest = rest.strip()
            try:
                parsed = json.loads(rest) if rest.startswith("[") else None
            except ValueError:
                parsed = None
            test = (["CMD", *parsed] if isinstance(parsed, list) else ["CMD-SHELL", rest])
            check = {"Test": test}
            for flag, key in (("interval", "Interval"), ("timeout", "Timeout"),
                              ("start-period", "StartPeriod"),
                              ("start-interval", "StartInterval")):
                value = inst.flag(flag)
                if value is not None:
                    check[key] = parse_duration(value, f"HEALTHCHECK --{flag}")
            retries = inst.flag("retries")
            if retries is not None:
                if not retries.isdigit():
                    raise inst.error(f"invalid --retries value {retries!r}")
                check["Retries"] = int(retries)
        else:
            raise inst.error("HEALTHCHECK requires NONE or CMD followed by a command")
        return self.meta(state, inst, f"HEALTHCHECK {text}", healthcheck=check)

    def do_onbuild(self, inst: Instruction, state: State) -> State:
        """Stored in the config as written, run when a build starts FROM the image."""
        text = inst.args[0]
        _trigger(text, inst.line)  # refused now rather than in the child's build
        return self.meta(state, inst, f"ONBUILD {text}",
                         on_build=(*state.config.on_build, text))

    def triggers(self, state: State) -> State:
        """The base's ONBUILD triggers, run first and cleared from the new image's config
        (Dockerfile reference, ONBUILD)."""
        from vmforms.container.build.executor import _key

        found = state.config.on_build
        if not found:
            return state
        state = replace(state, config=rreplace(state.config, on_build=()),
                        key=_key(state.key, "onbuild triggers consumed"))
        for text in found:
            state = self.dispatch(_trigger(text, 0), state)
        return state

    # -- steps that make layers -----------------------------------------------------------
    def begin(self, text: str) -> None:
        self.step += 1
        self.b.progress.begin(self.title(text))

    def scratch(self) -> tuple[Path, ...]:
        base = self.b.work / f"step{self.b.progress.n}"
        dirs = tuple(base / d for d in ("upper", "work", "merged", "src"))
        for d in dirs:
            d.mkdir(parents=True, mode=0o755)
        (self.b.work / "empty").mkdir(exist_ok=True)
        return dirs

    def layer_dirs(self, state: State) -> list[str]:
        return [str(self.b.store.layer_path(d)) for d in state.diff_ids]

    def do_workdir(self, inst: Instruction, state: State) -> State:
        from vmforms.container.build import fsop
        from vmforms.container.build.executor import _key

        path = posixpath.normpath(posixpath.join(state.config.working_dir or "/",
                                                 self.x(inst.args[0], state)))
        text = f"WORKDIR {path}"
        new = replace(state, config=rreplace(state.config, working_dir=path),
                      key=_key(state.key, text))
        self.begin(text)
        hit = self.b.cached(new.key)
        if hit is not None:
            self.b.progress.done(cached=True)
            return replace(hit, args=state.args)
        upper, work, merged, _ = self.scratch()
        fsop.run_in_overlay(self.layer_dirs(state), upper, work, merged,
                            lambda root, _src: fsop.make_dir(root, path, None),
                            empty=self.b.work / "empty")
        # A directory already there makes no layer, but the step is still cached.
        new = self.b.commit(new, upper if os.listdir(upper) else None, text)
        shutil.rmtree(os.fspath(upper).rsplit("/", 1)[0], ignore_errors=True)
        self.b.progress.done()
        return new

    def do_run(self, inst: Instruction, state: State) -> State:
        from vmforms.container.build.executor import BuildError, _key
        from vmforms.container.build.mounts import RunMount, plan, remove_stubs
        from vmforms.container.build.runstep import step_container

        planned: list[RunMount] = []
        for name, value in inst.flags:
            if name != "mount" or not value:
                raise inst.error(f"RUN --{name} is not supported by this builder")
            planned.append(plan(self, inst, self.x(value, state), state, len(planned)))
        cmd = self.command(inst, state)
        shown = " ".join(cmd) if not inst.json else json.dumps(cmd)
        text = f"RUN {inst.args[0] if inst.args and not inst.json else shown}"
        args_env = [f"{k}={v}" for k, v in sorted(state.args.items())
                    if not any(e.startswith(k + "=") for e in state.config.env)]
        new = replace(state, key=_key(state.key, "RUN", json.dumps(cmd), *args_env,
                                      *(m.key for m in planned)))
        self.begin(text)
        hit = self.b.cached(new.key)
        if hit is not None:
            self.b.progress.done(cached=True)
            return replace(hit, args=state.args)
        if not state.diff_ids:
            raise BuildError(f'failed to solve: process "{" ".join(cmd)}" did not complete '
                             "successfully: the stage has no file system (FROM scratch)")
        if state.image_id is None:
            state = replace(self.b.commit(state, None, ""), args=state.args)
        assert state.image_id is not None
        p = self.b.progress
        env = [*state.config.env, *args_env, *(e for m in planned for e in m.env)]
        mounts = [text for text in (m.make() for m in planned) if text is not None]
        with step_container(state.image_id, cmd, env, state.config.user,
                            state.config.working_dir, p.output,
                            self.b.opts.network, mounts) as (code, upper):
            if code != 0:
                message = (f'process "{" ".join(cmd)}" did not complete successfully: '
                           f"exit code: {code}")
                p.fail(message)
                raise BuildError(f"failed to solve: {message}")
            remove_stubs(upper, [m.target for m in planned])
            new = self.b.commit(replace(new, args=state.args), upper,
                                f"RUN {' '.join(cmd)} # buildkit", skip_placeholders=True)
        p.done()
        return new

    def do_copy(self, inst: Instruction, state: State) -> State:
        return self.copy(inst, state, add=False)

    def do_add(self, inst: Instruction, state: State) -> State:
        return self.copy(inst, state, add=True)

    def copy(self, inst: Instruction, state: State, *, add: bool) -> State:
        allowed = {"chown", "chmod", "link"} | ({"checksum"} if add else {"from"})
        for name, _ in inst.flags:
            if name not in allowed:
                raise inst.error(f"{inst.cmd.upper()} --{name} is not supported")
        if len(inst.args) < 2:
            raise inst.error(f"{inst.cmd.upper()} requires at least two arguments")
        words = [self.x(w, state) for w in inst.args]
        patterns, dest = words[:-1], words[-1]
        if add and any(p.startswith("git@") or p.endswith(".git") for p in patterns):
            raise inst.error("ADD of a git repository is not supported by this builder")
        from vmforms.container.build import sources as gen

        checksum = inst.flag("checksum")
        made = self.b.work / f"sources{self.b.progress.n + 1}"
        try:
            names = gen.prepare(inst, patterns, made, self.env(state), self.escape, add,
                                self.x(checksum, state) if checksum is not None else None)
        except ContainerError as exc:
            if str(exc).startswith("dockerfile parse error"):
                raise
            raise ContainerError(f"failed to solve: {exc}") from None
        if names is not None:
            src_root = os.open(made, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                return self.copy_from(inst, state, add, words, names, dest, src_root, None)
            finally:
                os.close(src_root)
                shutil.rmtree(made, ignore_errors=True)
        return self.copy_from(inst, state, add, words, patterns, dest, self.ctx, self.ignore)

    def copy_from(self, inst: Instruction, state: State, add: bool, words: list[str],
                  patterns: list[str], dest: str, ctx: int, ignore: Ignore | None) -> State:
        """COPY/ADD of `patterns` below `ctx` (the context, or generated sources)."""
        from vmforms.container.build import context as ctxmod
        from vmforms.container.build import fsop
        from vmforms.container.build.executor import _key

        dest_is_dir = dest.endswith("/")
        dest = posixpath.join(state.config.working_dir or "/", dest)
        chown = inst.flag("chown")
        owner = self.owner(self.x(chown, state), state) if chown else None
        chmod = inst.flag("chmod")
        mode = None
        if chmod is not None:
            from vmforms.container.build.modes import parse_chmod

            try:
                mode = parse_chmod(self.x(chmod, state))
            except ContainerError as exc:
                raise inst.error(str(exc)) from None
        src_name = inst.flag("from")
        src_lowers: list[str] | None = None
        if src_name is not None:
            src_state = self.source_stage(self.x(src_name, state))
            src_lowers = self.layer_dirs(src_state)
            digest = f"from {src_state.image_id or src_state.key}"
            sources = None
            multi = len(patterns) > 1 or any(c in p for p in patterns for c in "*?[")
        else:
            sources = ctxmod.find_sources(ctx, patterns, ignore)
            digest = ctxmod.checksum(ctx, sources, ignore)
            multi = len(sources) > 1
        if multi and not dest_is_dir:
            raise ContainerError(f"{inst.cmd.upper()} failed: when using {inst.cmd.upper()} "
                                 "with more than one source file, the destination must be a "
                                 "directory and end with a /")
        shown = " ".join(f"--{k}={v}" for k, v in inst.flags) + (" " if inst.flags else "")
        text = f"{inst.cmd.upper()} {shown}{' '.join(words)}"
        new = replace(state, key=_key(state.key, text, dest, digest))
        self.begin(text)
        hit = self.b.cached(new.key)
        if hit is not None:
            self.b.progress.done(cached=True)
            return replace(hit, args=state.args)
        upper, work, merged, srcdir = self.scratch()
        unpack = add and ctx == self.ctx  # a fetched archive stays packed

        def action(root: int, src: int | None) -> None:
            found = sources if src is None else ctxmod.find_sources(src, patterns, None)
            spec = fsop.CopySpec(tuple(found or ()), dest, dest_is_dir or multi, owner, mode,
                                 keep_owner=src is not None, unpack=unpack)
            fsop.copy(root, ctx if src is None else src, spec,
                      ignore if src is None else None, self.b.work)

        fsop.run_in_overlay(self.layer_dirs(state), upper, work, merged, action,
                            source_lowers=src_lowers,
                            source_dir=srcdir if src_lowers is not None else None,
                            empty=self.b.work / "empty")
        new = self.b.commit(new, upper, f"{text} # buildkit")
        shutil.rmtree(os.fspath(upper).rsplit("/", 1)[0], ignore_errors=True)
        self.b.progress.done()
        return new

    def source_stage(self, name: str) -> State:
        i = self.names.get(name.lower(), int(name) if name.isdigit() else None)
        if i is not None and i < len(self.stages):
            state = self.stages[i].state
            if state is None:
                raise ContainerError(f"COPY --from={name}: the stage is not built before "
                                     "this one")
            return state
        return self.b.resolve_base(name)

    def owner(self, spec: str, state: State) -> tuple[int, int]:
        from pathlib import Path

        from vmforms.container.runconfig import resolve_user

        user, _, group = spec.partition(":")
        if user.isdigit() and (not group or group.isdigit()):
            return int(user), int(group or user)
        layers = [Path(p) for p in self.layer_dirs(state)]
        uid, gid, _, _ = resolve_user(spec, layers)
        return uid, gid


def _trigger(text: str, line: int) -> Instruction:
    """An ONBUILD trigger as an instruction; ONBUILD, FROM and MAINTAINER cannot be."""
    from vmforms.container.build.parser import DockerfileError, parse

    try:
        parsed = parse(text).instructions
    except DockerfileError as exc:
        message = str(exc)
        if message.startswith("dockerfile parse error on line "):
            message = message.split(": ", 1)[1]
        raise DockerfileError(f"dockerfile parse error on line {line}: ONBUILD: "
                              f"{message}") from None
    if len(parsed) != 1:
        raise DockerfileError(f"dockerfile parse error on line {line}: ONBUILD takes one "
                              "instruction")
    inst = parsed[0]
    if inst.cmd in ("onbuild", "from", "maintainer"):
        raise DockerfileError(f"dockerfile parse error on line {line}: {inst.cmd.upper()} "
                              "isn't allowed as an ONBUILD trigger")
    return replace(inst, line=line, end_line=line)


def replace_config_default() -> ImageConfig:
    return ImageConfig(env=("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",))


def _display(name: str) -> str:
    if "/" not in name.split(":")[0] and "@" not in name:
        name = "docker.io/library/" + (name if ":" in name else name + ":latest")
    return name
