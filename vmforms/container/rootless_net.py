"""The network of a rootless container: the host's, none, or a user-mode stack that
slirp4netns(1) runs for the container's own network namespace (podman 4's rootless
default), with `-p` through its API socket's add_hostfwd. Bridges need the host's
network namespace, which only root may change: refused in one line."""

from __future__ import annotations

import os
import shutil
import sys

from vmforms.container.errors import ContainerError

SLIRP = "slirp4netns"
# slirp4netns --configure's fixed addresses (its man page): the container's and the gateway.
GUEST_ADDRESS = "10.0.2.100"
API_TIMEOUT = 10.0
TUN = "/dev/net/tun"


def _slirp_missing() -> str | None:
    """Why slirp4netns cannot serve a rootless container here, or None."""
    if shutil.which(SLIRP) is None:
        return "slirp4netns is not installed (apt-get install slirp4netns)"
    if not os.access(TUN, os.R_OK | os.W_OK):
        return (f"{TUN} is not open to users (mode {_mode(TUN)}; distributions make it "
                "666), so slirp4netns cannot make its tap device")
    return None


def _mode(path: str) -> str:
    try:
        return f"{os.stat(path).st_mode & 0o7777:o}"
    except OSError as exc:
        return str(exc.strerror)


def choose_network(a: object) -> None:
    """Check `run`'s --network for a rootless user, and fill in the default."""
    d = a.__dict__
    network = d.get("network")
    if d.get("isolation") in ("vm", "hyperv"):
        return  # the guest's network, not the host's: the VM path checks its own flags
    if network is None:
        why = _slirp_missing()
        if why is None:
            d["network"] = SLIRP
        else:
            d["network"] = "none"
            sys.stderr.write(f"NOTE: {why}: the container has no network (--network none)\n")
        if d["network"] == "none" and d.get("publish"):
            raise ContainerError("-p needs slirp4netns for a rootless container: "
                                 "apt-get install slirp4netns")
        return
    if network == SLIRP:
        why = _slirp_missing()
        if why is not None:
            raise ContainerError(f"--network slirp4netns: {why}")
        return
    if network in ("none", "host") or network.startswith("container:"):
        return
    raise ContainerError(f"--network {network}: bridge networks need root (the host's network "
                         "namespace); a rootless container takes slirp4netns, none or host")


# The exit-fd of the running slirp4netns (its write end): closed to stop it when the
# monitor starts the container again (restart policy), else when the monitor exits.
_running: list[int] = []

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from vmforms.container import state as st


def _contextmanager(func: Any) -> Any:
    from contextlib import contextmanager

    return contextmanager(func)


@_contextmanager
def slirp_joined(c: st.Container) -> Iterator[None]:
    """Around the fork of PID 1: a new network namespace for PID 1, with slirp4netns
    serving it and the published ports forwarded. A child makes the namespace (slirp4netns
    must start in the host's), and the runtime's intermediate process joins it before it
    forks PID 1 (userns.JOIN_NET): this process could enter it, but never return to the
    host's (that needs CAP_SYS_ADMIN over the host's user namespace), and `build` runs one
    container after another from the same process."""
    from vmforms.container.rootless import runtime_dir

    for fd in _running:
        os.close(fd)
    _running.clear()
    sockets = runtime_dir() / "slirp"
    sockets.mkdir(mode=0o700, exist_ok=True)
    api = sockets / f"{c.id[:32]}.sock"
    try:
        api.unlink()
    except FileNotFoundError:
        pass
    holder, ns_fd = _new_netns()
    try:
        yield from _serve(c, api, ns_fd)
    finally:
        os.close(ns_fd)
        os.waitpid(holder, 0)


def _new_netns() -> tuple[int, int]:
    """A child that unshares a network namespace (lo up) and waits until we have opened
    it; the pid to reap and an fd of that namespace."""
    from vmforms.container.rootless import fork_call
    from vmforms.linux import process as lp
    from vmforms.linux.net import set_link_up

    r, w = os.pipe2(os.O_CLOEXEC)
    hold_r, hold_w = os.pipe2(os.O_CLOEXEC)

    def hold() -> None:
        lp.unshare(lp.CLONE_NEWNET)
        set_link_up("lo")
        os.write(w, b"n")
        os.read(hold_r, 1)  # EOF: the parent has it open

    pid = fork_call(hold, close=(r, hold_w))
    os.close(w)
    os.close(hold_r)
    ns_fd = -1
    try:
        if os.read(r, 1) == b"n":
            ns_fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    finally:
        os.close(r)
        os.close(hold_w)  # the child exits; the caller reaps it once done
        if ns_fd < 0:
            os.waitpid(pid, 0)
    if ns_fd < 0:
        raise ContainerError("rootless network: could not make a network namespace")
    return pid, ns_fd


def _serve(c: st.Container, api: Any, ns_fd: int) -> Iterator[None]:
    ready_r, ready_w = os.pipe()
    exit_r, exit_w = os.pipe2(os.O_CLOEXEC)
    os.set_inheritable(exit_r, True)
    import subprocess

    argv = [SLIRP, "--configure", "--mtu=65520", "--disable-host-loopback",
            "--enable-sandbox", "--enable-seccomp", "--api-socket", str(api),
            f"--ready-fd={ready_w}", f"--exit-fd={exit_r}",
            "--netns-type=path", f"/proc/self/fd/{ns_fd}", "tap0"]
    try:
        proc = subprocess.Popen(argv, pass_fds=(ns_fd, ready_w, exit_r),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as exc:
        for fd in (ready_r, ready_w, exit_r, exit_w):
            os.close(fd)
        raise ContainerError(f"start slirp4netns: {exc.strerror}") from None
    for fd in (ready_w, exit_r):
        os.close(fd)
    try:
        ready = os.read(ready_r, 1)
        os.close(ready_r)
        if ready != b"1":
            proc.wait(timeout=API_TIMEOUT)
            err = proc.stderr.read(4096).decode(errors="replace") if proc.stderr else ""
            raise ContainerError("slirp4netns failed: " + "; ".join(err.split("\n")).strip(
                "; ")[-300:])
        if proc.stderr is not None:
            proc.stderr.close()
        bindings = c.record["HostConfig"].get("PortBindings") or {}
        for key, hosts in bindings.items():
            port, _, proto = key.partition("/")
            for host in hosts:
                _forward(api, proto or "tcp", host.get("HostIp") or "0.0.0.0",
                         int(host.get("HostPort") or _free_port(proto or "tcp")), int(port))
    except BaseException:
        os.close(exit_w)  # slirp4netns exits
        proc.wait()
        raise
    _running.append(exit_w)
    try:
        api.unlink()  # every port is forwarded: nothing more to ask
    except FileNotFoundError:
        pass
    from vmforms.container.userns import JOIN_NET

    JOIN_NET.append(ns_fd)
    try:
        yield
    finally:
        JOIN_NET.remove(ns_fd)


def _free_port(proto: str) -> int:
    import socket

    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _forward(api: Any, proto: str, host_ip: str, host_port: int, guest_port: int) -> None:
    """add_hostfwd over slirp4netns's API socket: one JSON request per connection."""
    import json
    import socket

    request = {"execute": "add_hostfwd", "arguments": {
        "proto": proto, "host_addr": host_ip, "host_port": host_port,
        "guest_addr": GUEST_ADDRESS, "guest_port": guest_port}}
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(API_TIMEOUT)
        s.connect(str(api))
        s.sendall(json.dumps(request).encode())
        s.shutdown(socket.SHUT_WR)
        reply = s.recv(65536)
    try:
        answer = json.loads(reply)
    except ValueError:
        answer = {"error": {"desc": reply[:200].decode(errors="replace")}}
    if not isinstance(answer, dict) or "error" in answer:
        desc = answer.get("error", {}).get("desc") if isinstance(answer, dict) else answer
        raise ContainerError(f"-p {host_ip}:{host_port}:{guest_port}/{proto}: slirp4netns: "
                             f"{desc}")
