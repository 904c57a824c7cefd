"""The lifecycle commands after `create`: start (detached, or attached with -a), restart,
wait and rename, over the same monitor and keeper as `run` (engine.py)."""

from __future__ import annotations

import os
import time

from vmforms.container import state as st
from vmforms.container.errors import ContainerError, InvalidOption, NameInUse
from vmforms.container.paths import locked, state_root

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.runconfig import RunOptions


def _options(c: st.Container, attach: bool, interactive: bool) -> RunOptions:
    from vmforms.container.runconfig import RunOptions

    cfg = c.record.get("Config", {})
    return RunOptions(image=str(c.record.get("ImageRef") or c.record.get("Image")),
                      detach=not attach, tty=bool(cfg.get("Tty")),
                      interactive=bool(cfg.get("OpenStdin")) and (interactive or not attach))


def start(ref: str, *, attach: bool = False, interactive: bool = False) -> int:
    """`docker start`: run a created or stopped container again (its file system as it
    was left); with `attach`, in the foreground, returning its exit status."""
    from vmforms.container import engine, lifecycle

    c = st.find(ref)
    lifecycle.reconcile(c)
    if c.running:  # as Docker's client: -a attaches to it, which start does not change
        if not attach:
            return 0
        from vmforms.container.control import attach as attach_running

        return attach_running(ref, stdin=interactive)
    if c.state.get("Paused") and c.running:
        raise ContainerError(f"cannot start a paused container {c.id}, try unpause instead",
                             exit_code=1)
    opts = _options(c, attach, interactive)
    with c.lock():  # a start by hand lets the restart policy apply again
        if c.reload():
            c.state["StopRequested"] = False
            c.save_state()
    if attach:
        from vmforms.container import keeper

        kept = keeper.split(local_output=True)
        if kept is not None:
            return kept
        return engine._run_attached(c, opts)
    engine._run_detached(c, opts)
    return 0


def restart(ref: str, timeout: int | None = None) -> None:
    from vmforms.container import lifecycle

    lifecycle.stop(ref, timeout)
    start(ref)


def wait(ref: str, poll: float = 0.05) -> int:
    """`docker wait`: block until the container is no longer running; its exit code."""
    from vmforms.container import lifecycle

    c = st.find(ref)
    while True:
        if not c.reload():
            raise ContainerError(f"No such container: {ref}", exit_code=1)
        lifecycle.reconcile(c)
        status = c.state.get("Status")
        if status == "exited" or (status == "running" and not c.running
                                  and not c.monitor_alive):
            return int(c.state.get("ExitCode") or 0)
        time.sleep(poll)


def rename(ref: str, new: str) -> None:
    from vmforms.container.engine import _NAME_OK

    if not new or not set(new) <= _NAME_OK or not new[0].isalnum():
        raise InvalidOption(f"Error when allocating new name: Invalid container name ({new}), "
                            "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
    c = st.find(ref)
    with locked(state_root() / "containers.lock"):
        for other in st.all_containers():
            if other.name == new:
                if other.id == c.id:
                    raise ContainerError("Error when allocating new name: Renaming a "
                                         "container with the same name as its current name",
                                         exit_code=1)
                raise NameInUse(f'Error when allocating new name: Conflict. The container '
                                f'name "/{new}" is already in use by container "{other.id}". '
                                "You have to remove (or rename) that container to be able "
                                "to reuse that name.", exit_code=1)
        with c.lock():
            record = st.read_json(c.path / "config.json")
            old = c.name
            record["Name"] = new
            st.write_json(c.path / "config.json", record)
            c.record = record
    from vmforms.container import events

    events.record("rename", c, oldName="/" + old)


def pause(ref: str) -> None:
    """`docker pause`: freeze every process of the container (the cgroup freezer)."""
    from vmforms.container import lifecycle

    c = st.find(ref)
    lifecycle.reconcile(c)
    if not c.running:
        raise ContainerError(f"Container {c.id} is not running", exit_code=1)
    if c.state.get("Paused"):
        raise ContainerError(f"Container {c.id} is already paused", exit_code=1)
    cgroup = lifecycle._open_cgroup(c)
    if cgroup is None:
        raise ContainerError(f"Container {c.id} is not running", exit_code=1)
    cgroup.freeze()
    with c.lock():
        c.reload()
        c.state["Paused"] = True
        c.save_state()
    from vmforms.container import events

    events.record("pause", c)


def unpause(ref: str) -> None:
    from vmforms.container import lifecycle

    c = st.find(ref)
    if not c.running or not c.state.get("Paused"):
        raise ContainerError(f"Container {c.id} is not paused", exit_code=1)
    cgroup = lifecycle._open_cgroup(c)
    if cgroup is not None:
        cgroup.thaw()
    with c.lock():
        c.reload()
        c.state["Paused"] = False
        c.save_state()
    from vmforms.container import events

    events.record("unpause", c)


def update(ref: str, *, memory: str | None = None, memory_swap: str | None = None,
           cpus: str | None = None, cpu_shares: str | None = None,
           cpuset_cpus: str | None = None, pids_limit: str | None = None) -> None:
    """`docker update`: new limits written to a running container's cgroup and kept in
    its record (a stopped one gets them when it starts again)."""
    from vmforms.container import lifecycle
    from vmforms.container.cgroups import detect
    from vmforms.container.cgroups.resources import apply, writes
    from vmforms.container.runopts import cpu_shares as parse_shares
    from vmforms.container.units import (
        parse_cpus,
        parse_memory,
        parse_memory_swap,
        parse_pids_limit,
    )

    changes: dict[str, dict[str, object]] = {}
    limit = parse_memory(memory) if memory else None
    if limit is not None:
        changes.setdefault("memory", {})["limit"] = limit
    if memory_swap:
        changes.setdefault("memory", {})["swap"] = parse_memory_swap(memory_swap, limit)
    if cpus:
        quota = parse_cpus(cpus)
        changes.setdefault("cpu", {}).update(quota=quota.quota_us, period=quota.period_us)
    shares = parse_shares(cpu_shares)
    if shares is not None:
        changes.setdefault("cpu", {})["shares"] = shares
    if cpuset_cpus:
        changes.setdefault("cpu", {})["cpus"] = cpuset_cpus
    if pids_limit:
        changes["pids"] = {"limit": parse_pids_limit(pids_limit)}
    if not changes:
        raise InvalidOption("you must provide one or more flags when using this command")
    c = st.find(ref)
    lifecycle.reconcile(c)
    with c.lock():
        c.reload()
        if c.running:
            cgroup = lifecycle._open_cgroup(c)
            if cgroup is not None:
                apply(cgroup.paths, writes(changes, detect().version))
        record = st.read_json(c.path / "config.json")
        resources = record["Spec"].setdefault("linux", {}).setdefault("resources", {})
        for key, value in changes.items():
            merged = resources.get(key) if isinstance(resources.get(key), dict) else {}
            resources[key] = {**merged, **value}
        host = record.setdefault("HostConfig", {})
        if limit is not None:
            host["Memory"] = limit
        if cpus:
            host["NanoCpus"] = int(float(cpus) * 1e9)
        if shares is not None:
            host["CpuShares"] = shares
        if cpuset_cpus:
            host["CpusetCpus"] = cpuset_cpus
        if pids_limit:
            host["PidsLimit"] = changes["pids"]["limit"]
        st.write_json(c.path / "config.json", record)


def attach(ref: str, *, sig_proxy: bool = True, stdin: bool = True,
           detach_keys: bytes | None = None, poll: float = 0.05) -> int:
    """`docker attach`: what the container writes from now on, on this command's stdout
    and stderr, until it ends; its exit status is returned. SIGINT and SIGTERM are passed
    on to PID 1 (--sig-proxy). The container's stdin (`-i`) gets this one's through its
    monitor (attach.StdinClient); with a tty, the local terminal is raw and the detach
    keys (ctrl-p ctrl-q) leave the container running and return 0."""
    import signal

    from vmforms.container import lifecycle
    from vmforms.container.attach import DETACH_KEYS, StdinClient

    c = st.find(ref)
    lifecycle.reconcile(c)
    if not c.running:
        raise ContainerError("You cannot attach to a stopped container, start it first",
                             exit_code=1)
    if c.state.get("Paused"):
        raise ContainerError("You cannot attach to a paused container, unpause it first",
                             exit_code=1)
    pid = int(c.state["Pid"])
    if sig_proxy:
        def forward(signum: int, _frame: object) -> None:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, forward)
    path = c.path / "ctr.log"
    tty = bool(c.record.get("Config", {}).get("Tty"))
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)  # before any input: the answers to it are shown
        client = StdinClient(str(c.path), tty, detach_keys or DETACH_KEYS) if stdin and \
            c.record.get("Config", {}).get("OpenStdin") else None
        return _follow(c, f, client, tty, poll)


def _follow(c: st.Container, f: Any, client: Any, tty: bool, poll: float) -> int:
    import json
    import sys

    from vmforms.container import lifecycle
    from vmforms.container.attach import RawTerminal

    with RawTerminal(0 if client is not None and tty else None):
        pending = b""
        while True:
            if client is not None and client.detached.is_set():
                client.close()
                return 0
            chunk = f.readline(1 << 20)
            if chunk:
                pending += chunk
                if not pending.endswith(b"\n"):
                    continue
                try:
                    entry = json.loads(pending)
                except ValueError:
                    entry = {}
                pending = b""
                out = sys.stderr if entry.get("stream") == "stderr" else sys.stdout
                out.write(str(entry.get("log", "")))
                out.flush()
                continue
            if not (c.reload() and c.running):
                break
            time.sleep(poll)
    if client is not None:
        client.close()
    lifecycle._wait_finalized(c)
    return int(c.state.get("ExitCode") or 0) if c.reload() else 0
