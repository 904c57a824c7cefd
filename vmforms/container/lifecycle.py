"""The engine's commands on existing containers: kill, stop, rm, exec, logs, inspect,
and finishing in the place of a monitor that died."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from vmforms.container import state as st
from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.runconfig import cgroup_name, resolve_user, st_user
from vmforms.container.runtime import Stdio, exit_status

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

DEFAULT_STOP_TIMEOUT = 10


def _cgroup_driver() -> Any:
    from vmforms.container.cgroups import detect

    return detect()


def container_spec(c: st.Container) -> Any:
    from vmforms.container.spec import load

    return load(c.record["Spec"])


def _open_cgroup(c: st.Container) -> Any | None:
    """The container's cgroup, or None once it is gone (after the monitor released it)."""
    from vmforms.container.errors import CgroupNotFound

    try:
        return _cgroup_driver().open(cgroup_name(c.id))
    except CgroupNotFound:
        return None


def reconcile(c: st.Container) -> None:
    """Finish for a monitor that died: PID 1 gone, state still says running."""
    from vmforms.container import monitor

    if c.state.get("Status") != "running" or c.running or c.monitor_alive:
        return
    monitor.finalize(c, None, _open_cgroup(c))
    c.reload()


def _wait_until(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _wait_finalized(c: st.Container, timeout: float = 5.0) -> None:
    """After PID 1 died, give its monitor time to record the exit, else do it here."""
    def done() -> bool:
        return not c.reload() or c.state.get("Status") != "running" or not c.monitor_alive

    _wait_until(done, timeout)
    if c.reload():
        reconcile(c)


def _stop_requested(c: st.Container) -> None:
    """A container stopped or killed by a command is not restarted by its policy."""
    with c.lock():
        if c.reload():
            c.state["StopRequested"] = True
            c.save_state()


def _thaw(c: st.Container) -> None:
    if c.state.get("Paused"):
        from vmforms.container.control import unpause

        unpause(c.id)


def kill(ref: str, sig: int = signal.SIGKILL) -> st.Container:
    c = st.find(ref)
    if not c.running:
        reconcile(c)
        raise ContainerError(f"Cannot kill container: {ref}: Container {c.id} is not running",
                             exit_code=1)
    if sig == signal.SIGKILL:
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
    _stop_requested(c)
    os.kill(int(c.state["Pid"]), sig)
    from vmforms.container import events

    events.record("kill", c, signal=int(sig))
    _thaw(c)  # a frozen process takes its signal once thawed, as Docker's kill does
    if sig == signal.SIGKILL:
        _wait_until(lambda: not c.running, 10)
        _wait_finalized(c)
    return c


def stop(ref: str, timeout: int | None = None) -> st.Container:
    from vmforms.container.units import parse_signal

    c = st.find(ref)
    if not c.running:
        _stop_requested(c)  # between two runs of a restart policy: no next run
        reconcile(c)
        return c
    pid = int(c.state["Pid"])
    _stop_requested(c)
    grace = (int(c.record["Config"].get("StopTimeout", DEFAULT_STOP_TIMEOUT))
             if timeout is None else timeout)
    stop_signal = parse_signal(c.record["Config"].get("StopSignal") or "SIGTERM")
    if grace != 0:
        try:
            os.kill(pid, stop_signal)
        except ProcessLookupError:
            pass
    _thaw(c)
    if grace < 0:
        _wait_until(lambda: not c.running, float("inf"))
    elif not _wait_until(lambda: not c.running, grace):
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_until(lambda: not c.running, 10)
    _wait_finalized(c)
    return c


def remove(ref: str, force: bool = False, *, volumes: bool = False) -> st.Container:
    c = st.find(ref)
    if c.running:
        if not force:
            raise ContainerError(
                f"You cannot remove a running container {c.id}. Stop the container before "
                "attempting removal or force remove", exit_code=1)
        with c.lock():
            c.reload()
            c.state["Killed"] = True
            c.save_state()
        try:
            os.kill(int(c.state["Pid"]), signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait_until(lambda: not c.running, 10)
    with c.lock():
        cgroup = _open_cgroup(c)
        if cgroup is not None:
            cgroup.destroy()  # also kills what an exec left behind
        from vmforms.container.network.endpoint import release

        release(c)
        st.remove_dir(c.path)
        c.drop_lock_file()
    from vmforms.container import events

    events.record("destroy", c)
    if volumes:
        from vmforms.container.volumes import remove_anonymous

        remove_anonymous(c.record)
    return c


def exec_command(ref: str, command: list[str], *, interactive: bool = False, tty: bool = False,
                 env: list[str] | None = None, workdir: str | None = None,
                 user: str | None = None) -> int:
    from vmforms.container import monitor, runtime
    from vmforms.container.attach import attach
    from vmforms.record import replace

    c = st.find(ref)
    if not c.running:
        raise ContainerError(f"Container {c.id} is not running", exit_code=1)
    if not command:
        raise InvalidOption("exec needs a command to run")
    proc = container_spec(c).process
    envs = dict(e.partition("=")[::2] for e in proc.env)
    for item in env or ():
        key, _, value = item.partition("=")
        envs[key] = value
    if tty:
        envs.setdefault("TERM", "xterm")
    proc = replace(proc, args=tuple(command), terminal=tty, cwd=workdir or proc.cwd,
                   env=tuple(f"{k}={v}" for k, v in envs.items()))
    if user is not None:
        layers = [Path(p) for p in c.record["Layers"]]
        uid, gid, extra, _ = resolve_user(user, layers)
        proc = replace(proc, user=st_user(uid, gid, extra))
    cgroup = _open_cgroup(c)
    init_pid = int(c.state["Pid"])
    # The container's seccomp profile governs what is exec'd in it too, as in Docker.
    from vmforms.container.engine import seccomp_extras

    extras = seccomp_extras(container_spec(c))

    def start(stdio: Stdio) -> int:
        size = stdio.console_size
        return runtime.exec_in(init_pid, replace(proc, console_size=size) if size else proc,
                               cgroup=cgroup, stdio=stdio, extras=extras)

    pid = attach(start, tty=tty, interactive=interactive)
    return exit_status(monitor.wait_child(pid))


def logs(ref: str, follow: bool = False) -> None:
    from vmforms.container.logs import print_entries, read_entries

    c = st.find(ref)
    path = c.path / "ctr.log"

    def still_running() -> bool:
        return c.reload() and c.running

    print_entries(read_entries(path, follow=still_running if follow else None))


def inspect(ref: str) -> dict[str, Any]:
    c = st.find(ref)
    if c.state.get("Status") == "running" and not c.running:
        reconcile(c)
    s = c.state
    running = c.running
    rec = c.record
    return {
        "Id": c.id,
        "Created": rec["Created"],
        "Path": rec["Path"],
        "Args": rec["Args"],
        "State": {
            "Status": ("paused" if s.get("Paused") else "running") if running
            else s.get("Status", "exited"),
            "Running": running, "Paused": running and bool(s.get("Paused")),
            "Restarting": False,
            "OOMKilled": bool(s.get("OOMKilled")), "Dead": False,
            "Pid": int(s.get("Pid", 0)) if running else 0,
            "ExitCode": int(s.get("ExitCode") or 0), "Error": s.get("Error", ""),
            "StartedAt": s.get("StartedAt") or "0001-01-01T00:00:00Z",
            "FinishedAt": s.get("FinishedAt") or "0001-01-01T00:00:00Z",
            **({"Health": s["Health"]} if running and s.get("Health") else {}),
        },
        "Image": rec["Image"],
        "LogPath": str(c.path / "ctr.log"),
        "Name": "/" + rec["Name"],
        "RestartCount": int(s.get("RestartCount") or 0),
        "HostConfig": rec["HostConfig"],
        **({"VirtualMachine": rec["VirtualMachine"]} if "VirtualMachine" in rec else {}),
        "GraphDriver": {"Name": "overlay2", "Data": {
            "LowerDir": ":".join(reversed(rec["Layers"])),
            "UpperDir": str(c.path / "upper"), "WorkDir": str(c.path / "work"),
            "MergedDir": str(c.path / "merged")}},
        "Config": rec["Config"],
        "NetworkSettings": _network_settings(c, running),
    }


def _network_settings(c: st.Container, running: bool) -> dict[str, Any]:
    from vmforms.container.network.inspect import network_settings

    return network_settings(c, running)


def image_in_use(image_id: str) -> bool:
    return any(c.record.get("Image") == image_id for c in st.all_containers())
