"""The Docker-like layer: names, images and `run` over the runtime core (runconfig.py makes
the configuration, attach.py the terminal wiring, lifecycle.py the other commands).

The command that starts a container is its monitor: it holds the container's PID 1 as
its child, relays its output (to the terminal and to the json-file log), forwards the
signals it gets, and records the exit status. `run -d` forks a detached monitor first.
A monitor that dies leaves the container running; the other commands notice from the
recorded pids and clean up in its place.
"""

from __future__ import annotations

import os
import sys

from vmforms.container import state as st
from vmforms.container.attach import Console, attach, open_devnull
from vmforms.container.errors import ContainerError, InvalidOption, NameInUse
from vmforms.container.paths import locked, state_root
from vmforms.container.runconfig import (
    RunOptions,
    build_spec,
    cgroup_name,
    retarget,
)
from vmforms.container.runtime import Stdio

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any, NoReturn

    from vmforms.container.cgroups.base import Cgroup
    from vmforms.container.spec import Spec

__all__ = ["RunOptions", "create", "run"]
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_ADJECTIVES = ("brave", "calm", "eager", "fervent", "gifted", "jolly", "keen", "lucid",
               "nifty", "quirky", "serene", "sharp", "stoic", "tender", "vivid", "witty")
_SURNAMES = ("babbage", "curie", "dijkstra", "hopper", "kilby", "knuth", "lamport",
             "liskov", "lovelace", "noether", "ritchie", "shannon", "thompson", "turing")


def _image_store() -> Any:
    from vmforms.container.image.store import ImageStore

    return ImageStore()


def _cgroup_driver() -> Any:
    from vmforms.container.cgroups import detect

    return detect()


def _new_name(taken: set[str]) -> str:
    while True:
        a, b = os.urandom(2)
        name = f"{_ADJECTIVES[a % len(_ADJECTIVES)]}_{_SURNAMES[b % len(_SURNAMES)]}"
        if name not in taken:
            return name


def create(opts: RunOptions) -> st.Container:
    """Validate everything, then make the container's directory (status "created")."""
    from vmforms.container import spec as spec_mod

    if opts.name is not None and (not opts.name or not set(opts.name) <= _NAME_OK
                                  or not opts.name[0].isalnum()):
        raise InvalidOption(f'Invalid container name ({opts.name}), only '
                            '[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed')
    store = _image_store()
    from vmforms.container import vmisolation

    image, opts = vmisolation.resolve(store, opts)
    from vmforms.container.network.options import config_fields, record_fields

    network_fields = record_fields(opts.network, opts.publish, opts.publish_all,
                                   opts.network_aliases, opts.add_hosts, opts.dns,
                                   image.config.exposed_ports, opts.ip)
    layers = list(store.layer_dirs(image))
    from vmforms.container import restart, runopts

    runopts.check_stop(opts.stop_signal, opts.stop_timeout)
    restart.parse(opts.restart, opts.rm)
    from vmforms.container import health

    check = health.config(image.config.healthcheck, opts.health_cmd, opts.health_interval,
                          opts.health_timeout, opts.health_retries, opts.health_start_period,
                          opts.no_healthcheck)
    cid = os.urandom(32).hex()
    root = st.containers_dir()
    root.mkdir(parents=True, exist_ok=True)
    st.sweep_trash()
    with locked(state_root() / "containers.lock"):
        # Under this lock nobody is half-way through creating: a `.ID.new` here is what a
        # killed `run` left.
        for name in os.listdir(root):
            if name.startswith(".") and name.endswith(".new"):
                st.remove_dir(root / name)
        taken = {c.name for c in st.all_containers()}
        name = opts.name or _new_name(taken)
        if name in taken:
            other = next(c for c in st.all_containers() if c.name == name)
            raise NameInUse(f'Conflict. The container name "/{name}" is already in use by '
                            f'container "{other.id}". You have to remove (or rename) that '
                            'container to be able to reuse that name.')
        tmp = root / f".{cid}.new"
        tmp.mkdir(mode=0o700)
        try:
            spec = build_spec(opts, image, layers, cid, tmp)
            spec = retarget(spec, tmp, root / cid)
            for sub in ("upper", "work", "merged"):
                (tmp / sub).mkdir(mode=0o755)
            record = {
                "Id": cid, "Name": name, "Created": st.now_rfc3339(),
                "Path": spec.process.args[0], "Args": list(spec.process.args[1:]),
                "Image": image.id, "ImageRef": opts.image,
                "Layers": [str(p) for p in layers],
                "Config": {
                    "Hostname": spec.hostname, "User": opts.user or image.config.user,
                    "Env": list(spec.process.env), "Cmd": opts.command or list(
                        image.config.cmd or ()), "Image": opts.image,
                    "WorkingDir": spec.process.cwd, "Tty": opts.tty,
                    "OpenStdin": opts.interactive,
                    # as Docker: a stdin attached at creation (not `run -di`) closes at EOF
                    "StdinOnce": opts.interactive and not opts.detach,
                    "Entrypoint": list(image.config.entrypoint or ()),
                    "StopSignal": opts.stop_signal or image.config.stop_signal or "SIGTERM",
                    "Labels": dict(image.config.labels) | runopts.labels(opts.label),
                    **({"Healthcheck": check} if check else {}),
                    **({"StopTimeout": int(opts.stop_timeout)} if opts.stop_timeout else {}),
                    **config_fields(image.config.exposed_ports, network_fields),
                },
                "HostConfig": {
                    "Binds": list(opts.volumes), "AutoRemove": opts.rm,
                    "RestartPolicy": restart.parse(opts.restart, opts.rm),
                    "ReadonlyRootfs": opts.read_only,
                    "Memory": spec.linux.resources.memory_limit or 0,
                    "NanoCpus": int(float(opts.cpus) * 1e9) if opts.cpus else 0,
                    "Init": opts.init,
                    "PidsLimit": spec.linux.resources.pids_limit,
                    "MemoryReservation": runopts.memory_reservation(opts.memory_reservation),
                    "OomKillDisable": opts.oom_kill_disable,
                    "Isolation": opts.isolation,
                    **network_fields, "DnsSearch": list(opts.dns_search),
                    "DnsOptions": list(opts.dns_options),
                },
                "Spec": spec_mod.dump(spec),
                **vmisolation.record_fields(opts),
            }
            st.write_json(tmp / "config.json", record)
            st.write_json(tmp / "state.json", {"Status": "created", "Pid": 0, "ExitCode": 0,
                                               "OOMKilled": False, "StartedAt": "",
                                               "FinishedAt": "", "Error": ""})
            os.rename(tmp, root / cid)
        except BaseException:
            st.remove_dir(tmp)
            raise
    c = st.load(root / cid)
    assert c is not None
    from vmforms.container import events

    events.record("create", c)
    return c

def container_spec(c: st.Container) -> Spec:
    from vmforms.container.spec import load

    return load(c.record["Spec"])

# --- running ---------------------------------------------------------------------------


def _limits(spec: Spec) -> Any:
    from vmforms.container.cgroups import Limits

    r = spec.linux.resources
    from vmforms.container.spec import DEFAULT_DEVICE_RULES

    return Limits(memory=r.memory_limit, memory_swap=r.memory_swap, cpu_quota=r.cpu_quota,
                  cpu_period=r.cpu_period, cpu_shares=r.cpu_shares, pids=r.pids_limit,
                  cpuset_cpus=r.cpuset_cpus,
                  devices=DEFAULT_DEVICE_RULES + tuple(
                      f"{d.type} {'*' if d.major is None else d.major}:"
                      f"{'*' if d.minor is None else d.minor} {d.access}"
                      for d in r.devices if d.allow) + (
                          ("a *:* rwm",) if any(d.allow and d.type == "a" for d in r.devices)
                          else ()))


def seccomp_extras(spec: Spec) -> Any:
    """The runtime's extras with the container's seccomp filter, compiled in the process
    that starts the container (a few KiB, kept until that process ends)."""
    from vmforms.container import runtime

    if spec.linux.seccomp is None:
        return None
    from vmforms.container import seccomp

    def warn(message: str) -> None:
        sys.stderr.write(f"WARNING: {message}\n")

    return runtime.Extras(seccomp=seccomp.prepare(spec.linux.seccomp, warn,
                                                  state_root() / "seccomp"))


def _launch(c: st.Container, stdio: Stdio) -> tuple[int, Cgroup]:
    """Create the cgroup and start PID 1; on failure leave the container "exited"."""
    from vmforms.container import runtime

    spec = container_spec(c)
    cgroup: Cgroup | None = None
    try:
        in_vm = c.record["HostConfig"].get("Isolation") == "vm"
        # A VM's limits are the guest's to apply; its host process is only accounted.
        from vmforms.container.cgroups import Limits

        cgroup = _cgroup_driver().create(spec.linux.cgroups_path or cgroup_name(c.id),
                                         Limits() if in_vm else _limits(spec))
        from vmforms.container.runopts import apply_memory_extras

        apply_memory_extras(c.record["HostConfig"], cgroup)
        overlay = (list(c.record["Layers"]), str(c.path / "upper"), str(c.path / "work"))
        from vmforms.container.network.endpoint import joined

        if in_vm:
            from vmforms.container.vmisolation import launch

            pid = launch.start(c, spec, cgroup, stdio)
        else:
            with joined(c):
                pid = runtime.start(spec, spec.root_path, overlay=overlay, cgroup=cgroup,
                                    stdio=stdio, extras=seccomp_extras(spec))
    except BaseException as exc:
        if cgroup is not None:
            cgroup.destroy()
        with c.lock():
            c.state.update({"Status": "exited", "Error": str(exc),
                            "ExitCode": getattr(exc, "exit_code", 125),
                            "FinishedAt": st.now_rfc3339()})
            if c.record["HostConfig"].get("AutoRemove"):
                st.discard_dir(c.path)
                c.drop_lock_file()
            else:
                c.save_state()
        raise
    with c.lock():
        c.state.update({"Status": "running", "Pid": pid, "PidStart": st.process_start_time(pid),
                        "MonitorPid": os.getpid(),
                        "MonitorStart": st.process_start_time(os.getpid()),
                        "StartedAt": st.now_rfc3339(), "Error": ""})
        c.save_state()
    from vmforms.container import events

    events.record("start", c)
    return pid, cgroup


def run(opts: RunOptions) -> int:
    if not opts.detach:
        from vmforms.container import keeper

        kept = keeper.split(local_output=True)
        if kept is not None:
            _exit_now(kept)  # the keeper: the monitor (our child) has finished
    c = create(opts)
    if opts.detach:
        _run_detached(c, opts)
        print(c.id)
        return 0
    _exit_now(_run_attached(c, opts))


def _exit_now(code: int) -> NoReturn:
    """End the keeper or the monitor of `run` once its work is done: nothing is left to
    clean up, and the interpreter's tear-down of every loaded module, 5 ms and more in
    each of the two processes, would be on the user's wait."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 141
    os._exit(code)


def _run_attached(c: st.Container, opts: RunOptions) -> int:
    from vmforms.container import monitor

    launched: list[Cgroup] = []

    def start(stdio: Stdio) -> int:
        pid, cgroup = _launch(c, stdio)
        launched.append(cgroup)
        return pid

    import time

    log = _log_writer(c)
    began = time.monotonic()
    try:
        pid = attach(start, tty=opts.tty, interactive=opts.interactive, log=log, owner=c.id)
        status = monitor.wait_child(pid)
    finally:
        log.close()
    code = monitor.finalize(c, status, launched[0])
    from vmforms.container import restart

    if restart.delay(c, code, time.monotonic() - began, 0.0) is not None:
        # as with Docker, the client returns; the container goes on in the background
        restart.count_restart(c)
        _run_detached(c, replace_detached(opts))
    return code


def replace_detached(opts: RunOptions) -> RunOptions:
    from vmforms.record import replace

    return replace(opts, detach=True, interactive=False)


def _log_writer(c: st.Container) -> Any:
    from vmforms.container.logs import LogWriter

    return LogWriter(c.path / "ctr.log")


def _run_detached(c: st.Container, opts: RunOptions) -> None:
    """Fork a monitor that outlives this command; return once PID 1 has exec'd."""
    r, w = os.pipe2(os.O_CLOEXEC)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() != 0:
        os.close(w)
        chunks = []
        while chunk := os.read(r, 65536):
            chunks.append(chunk)
        os.close(r)
        reply = b"".join(chunks).decode(errors="replace")
        if reply != "ok":
            code_text, _, message = reply.partition("\0")
            raise ContainerError(message or "container monitor failed to start",
                                 exit_code=int(code_text) if code_text.isdigit() else 125)
        return
    # The monitor: a session of its own, no terminal, reporting back once over `w`.
    os.close(r)
    code = 1
    try:
        os.setsid()
        if os.fork() != 0:  # the grandchild is reparented, so nobody waits on a zombie
            os._exit(0)
        null = open_devnull()
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        from vmforms.container import keeper

        kept = keeper.split(local_output=False, release=(w,))
        code = _detached_monitor(c, opts, w) if kept is None else kept
    except BaseException as exc:
        try:
            os.write(w, f"{getattr(exc, 'exit_code', 125)}\0{exc}".encode())
        except OSError:
            pass
    finally:
        os._exit(code)


def _detached_monitor(c: st.Container, opts: RunOptions, report: int) -> int:
    """Run the container, and again as long as its restart policy asks (restart.py)."""
    import time

    from vmforms.container import restart

    wait = 0.0
    report_to: int | None = report
    while True:
        began = time.monotonic()
        code = _monitor_once(c, opts, report_to)
        report_to = None
        next_wait = restart.delay(c, code, time.monotonic() - began, wait)
        if next_wait is None:
            return 0
        wait = next_wait
        time.sleep(wait)
        if restart.delay(c, code, 0.0, wait) is None:  # stopped or removed meanwhile
            return 0
        restart.count_restart(c)


def _monitor_once(c: st.Container, opts: RunOptions, report: int | None) -> int:
    from vmforms.container import monitor

    relay = monitor.Relay(_log_writer(c))
    keep_stdin: int | None = None
    master: int | None = None
    if opts.tty:
        with Console() as console:
            pid, cgroup = _launch(c, Stdio(0, 1, 2, console=console.remote))
            master = console.receive()
            relay.add_output(master, "stdout", None)
    else:
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        if opts.interactive:  # stdin stays open, with nobody writing, as with `docker run -di`
            stdin, keep_stdin = os.pipe2(os.O_CLOEXEC)
        else:
            stdin = open_devnull()
        pid, cgroup = _launch(c, Stdio(stdin, out_w, err_w))
        for fd in (out_w, err_w, stdin):
            os.close(fd)
        relay.add_output(out_r, "stdout", None)
        relay.add_output(err_r, "stderr", None)
    from vmforms.container.keeper import hand_over

    hand_over(c.id, pid, relay.outputs)  # the first run only: the keeper takes over once
    if report is not None:
        os.write(report, b"ok")
        os.close(report)
    monitor.forward_signals(pid)
    from vmforms.container import health
    from vmforms.container.attach import serve_stdin

    # `attach` writes to the container's stdin through this (attach.py)
    stdin_server = serve_stdin(str(c.path), keep_stdin if keep_stdin is not None else (
        master if opts.interactive else None), owned=keep_stdin is not None,
        stdin_once=bool(c.record["Config"].get("StdinOnce")))
    if stdin_server is not None and keep_stdin is not None:
        keep_stdin = None  # the server's now
    relay.run(on_tick=health.ticker(c))
    status = monitor.wait_child(pid)
    if stdin_server is not None:
        stdin_server.close()
    if relay.log is not None:
        relay.log.close()
    if keep_stdin is not None:
        os.close(keep_stdin)
    return monitor.finalize(c, status, cgroup)
