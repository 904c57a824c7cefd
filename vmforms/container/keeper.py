"""The keeper: what outlives a killed monitor, so that a container's output is still
logged and its real exit status still recorded (conmon's guarantee, without a daemon).

The process that runs a container splits in two before it creates it:

    keeper (a child subreaper: PR_SET_CHILD_SUBREAPER)
      └── monitor (creates and starts the container, relays, waits, records the end)
            └── PID 1 of the container

Once PID 1 runs, the monitor hands the keeper its pid and a duplicate of every output
fd (the pipes' read ends, or the pty's master) over a socket (SCM_RIGHTS). The keeper
then only waits. If the monitor exits, the keeper exits with its status. If the monitor
is killed, PID 1 is reparented to the keeper (the nearest subreaper above it): the
keeper takes over as monitor, records itself as such, relays and logs the output that
is left, reaps PID 1 and records its real exit status. Only the death of both loses
them. Signals sent to the keeper by a process (`kill`) go on to the monitor, or to
PID 1 after a takeover; those a terminal sends reach the monitor and PID 1 directly.
"""

from __future__ import annotations

import json
import os
import signal
import sys

from vmforms.container import monitor
from vmforms.container.runtime import exit_status

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    import socket
    from typing import Any

_MAX_MESSAGE = 4096
# The stream name of an fd the keeper only holds: a published host port's socket.
HELD = "held"
# SCM_RIGHTS takes at most 253 fds in one message: ports past that are not handed over.
_MAX_FDS = 250


def split(local_output: bool, release: tuple[int, ...] = ()) -> int | None:
    """Fork the monitor. In the monitor (the child) return None, with the hand-off channel
    set in `monitor`; in the keeper, return the exit status to exit with, once done.
    `local_output`: the keeper writes what it relays to its own stdout and stderr;
    `release`: fds that only the monitor keeps."""
    import socket

    keep_end, monitor_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    saved_tty = _terminal_settings()
    monitor.flush_std()
    pid = os.fork()
    if pid == 0:
        keep_end.close()
        monitor.KEEPER = monitor_end
        return None
    monitor_end.close()
    for fd in release:
        os.close(fd)
    try:
        return _keep(pid, keep_end, local_output, saved_tty)
    finally:
        keep_end.close()


def _terminal_settings() -> Any:
    if not os.isatty(0):
        return None
    import termios

    try:
        return termios.tcgetattr(0)
    except termios.error:
        return None


_SIGNALS = (*monitor.FORWARDED_SIGNALS, signal.SIGCHLD)


def _keep(child: int, channel: socket.socket, local_output: bool, saved_tty: Any) -> int:
    from vmforms.linux.process import set_child_subreaper

    set_child_subreaper()
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    handed: tuple[str, int, list[tuple[int, str]]] | None = None
    target = child
    listening = True  # for the monitor's word that the user detached
    while True:
        if handed is None:
            handed = _receive(channel)
        elif listening:
            said = _said(channel)
            if said == b"detach":
                for fd, _ in handed[2]:
                    os.close(fd)
                _restore_terminal(saved_tty)
                return 0  # as Docker's client: the container runs on, detached
            listening = said is None
        info = signal.sigtimedwait(_SIGNALS, 0.2)
        if info is not None and info.si_signo != signal.SIGCHLD and info.si_code <= 0:
            _send(target, info.si_signo)  # sent by a process, not by a terminal
        try:
            pid, status = os.waitpid(child, os.WNOHANG)
        except ChildProcessError:
            return 255
        if pid == 0:
            continue
        if not os.WIFSIGNALED(status) or handed is None:
            for fd, _ in (handed[2] if handed else ()):
                os.close(fd)
            return exit_status(status)
        break
    cid, pid1, outputs = handed
    _restore_terminal(saved_tty)
    return _take_over(cid, pid1, outputs, local_output)


def _receive(channel: socket.socket) -> tuple[str, int, list[tuple[int, str]]] | None:
    import select
    import socket

    if not select.select([channel], [], [], 0)[0]:
        return None
    try:
        data, fds, _, _ = socket.recv_fds(channel, _MAX_MESSAGE, _MAX_FDS)
        message = json.loads(data)
        streams = [str(s) for s in message["streams"]]
        return str(message["id"]), int(message["pid"]), list(zip(fds, streams, strict=True))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _said(channel: socket.socket) -> bytes | None:
    """A message from the monitor after the hand-over, None while there is none; b"" once
    the monitor's end is closed."""
    import select

    if not select.select([channel], [], [], 0)[0]:
        return None
    try:
        return channel.recv(_MAX_MESSAGE)
    except OSError:
        return b""


def detached() -> None:
    """In the monitor, once the user detached from `run -it`: the keeper lets the command
    return (exit status 0), and this monitor carries on alone."""
    channel, monitor.KEEPER_LINK = monitor.KEEPER_LINK, None
    if channel is None:
        return
    try:
        channel.send(b"detach")
    except OSError:
        pass
    finally:
        channel.close()


def _send(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _restore_terminal(saved: Any) -> None:
    if saved is None:
        return
    import termios

    try:
        termios.tcsetattr(0, termios.TCSADRAIN, saved)
    except termios.error:
        pass


def _take_over(cid: str, pid1: int, outputs: list[tuple[int, str]], local_output: bool) -> int:
    """The monitor was killed: become it for what is left of the container's life."""
    from vmforms.container import state as st
    from vmforms.container.logs import LogWriter

    c = st.load(st.containers_dir() / cid)
    if c is None:
        return 255
    with c.lock():
        if c.reload() and c.state.get("Status") == "running":
            c.state.update({"MonitorPid": os.getpid(),
                            "MonitorStart": st.process_start_time(os.getpid())})
            c.save_state()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
    monitor.forward_signals(pid1)
    relay = monitor.Relay(LogWriter(c.path / "ctr.log"))
    for fd, stream in outputs:
        if stream == HELD:
            continue  # kept open until this process ends, and the port with it
        local = (1 if stream == "stdout" else 2) if local_output else None
        relay.add_output(fd, stream, local)
    try:
        relay.run()
    except OSError:
        pass  # a terminal gone: the log and the exit status still matter
    status = monitor.wait_child(pid1)
    if relay.log is not None:
        relay.log.close()
    from vmforms.container.lifecycle import _open_cgroup

    return monitor.finalize(c, status, _open_cgroup(c))


def hand_over(cid: str, pid: int, outputs: dict[int, tuple[str, int | None]]) -> None:
    """In the monitor: give the keeper, if there is one, what it needs to take over."""
    import socket

    channel = monitor.KEEPER
    if channel is None:
        return
    monitor.KEEPER = None
    fds = list(outputs)
    streams = [outputs[fd][0] for fd in fds]
    if "vmforms.container.network.endpoint" in sys.modules:  # published ports held
        from vmforms.container.network.endpoint import held_ports

        held = held_ports()[:_MAX_FDS - len(fds)]
        fds += held
        streams += [HELD] * len(held)
    message = json.dumps({"id": cid, "pid": pid, "streams": streams})
    try:
        socket.send_fds(channel, [message.encode()], fds)
    except OSError as exc:
        sys.stderr.write(f"WARNING: the container's keeper is gone: {exc.strerror}\n")
        channel.close()
        return
    monitor.KEEPER_LINK = channel  # kept for `detached`, closed when the monitor ends
