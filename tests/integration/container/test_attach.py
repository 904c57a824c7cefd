"""`attach` with standard input, as `docker attach` / `podman attach`: a `create -i`
container's stdin closes at the client's EOF, a `run -di` one's stays open, a tty's
ctrl-p ctrl-q detaches and leaves it running; and health checks run for an attached
`run` too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from typing import Any

import pytest

READER = 'while read l; do echo "got $l"; done; echo eof'
PODMAN = ("--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")


def _state(vmf: Any, name: str) -> dict[str, Any]:
    return json.loads(vmf("inspect", name, check=True).stdout)[0]["State"]  # type: ignore[no-any-return]


def _attach(cmd: list[str], env: dict[str, str] | None, chunks: list[bytes]) -> tuple[int, str]:
    """Run an attach command, feeding `chunks` with a pause between them."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    for chunk in chunks:
        proc.stdin.write(chunk)
        proc.stdin.flush()
        time.sleep(0.4)
    proc.stdin.close()
    try:
        out = proc.stdout.read()
        return proc.wait(timeout=20), out.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()


def _peer_image(vmf: Any) -> str | None:
    if shutil.which("podman") is None:
        return None
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    return pulled.stdout.strip() if pulled.returncode == 0 else None


def test_attach_passes_stdin_as_podman(vmf: Any) -> None:
    once, kept, tty = (f"vmf-attach-{n}-{os.getpid()}" for n in ("once", "kept", "tty"))
    ours = [vmf.bin, "container", "attach"]
    try:
        vmf("create", "-i", "--name", once, "busybox", "sh", "-c", READER, check=True)
        vmf("start", once, check=True)
        code, out = _attach([*ours, once], vmf.env, [b"x\ny\n"])
        assert (code, out) == (0, "got x\ngot y\neof\n")
        assert vmf("wait", once, check=True).stdout == "0\n"
        # `run -di`: stdin stays open after a client's EOF; a second client goes on
        vmf("run", "-di", "--name", kept, "busybox", "sh", "-c", READER, check=True)
        procs = []
        for flags, line in ((("--no-stdin",), "ignored\n"), ((), "one\n")):
            procs.append(vmf.popen("attach", *flags, kept, stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE))
            procs[-1].stdin.write(line)
            procs[-1].stdin.close()
            time.sleep(0.5)  # attached (its log position taken) before the next one writes
        assert _state(vmf, kept)["Running"] and procs[1].poll() is None
        # `start -ai` of a running container attaches to it, as Docker's client does
        procs.append(vmf.popen("start", "-ai", kept, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE))
        procs[-1].stdin.write("two\n")
        procs[-1].stdin.close()
        time.sleep(0.6)
        vmf("kill", kept, check=True)
        outputs = []
        for proc in procs:
            assert proc.wait(timeout=20) == 137
            outputs.append(proc.stdout.read())
            proc.stdout.close()
        assert outputs == ["got one\ngot two\n"] * 2 + ["got two\n"]
        assert vmf("logs", kept, check=True).stdout == "got one\ngot two\n"
        # a tty: ctrl-p ctrl-q detaches, the container runs on; a custom sequence too
        vmf("run", "-dit", "--name", tty, "busybox", "sh", check=True)
        time.sleep(0.3)
        code, out = _attach([*ours, tty], vmf.env, [b"echo hi-$((6*7))\n", b"\x10\x11"])
        assert code == 0 and "hi-42" in out and _state(vmf, tty)["Running"]
        code, out = _attach([*ours, "--detach-keys", "ctrl-a,x", tty], vmf.env,
                            [b"echo again\n", b"\x01x"])
        assert code == 0 and "again" in out and _state(vmf, tty)["Running"]
        code, _ = _attach([*ours, tty], vmf.env, [b"exit 3\n"])
        assert code == 3
        # a foreground `run -it` takes input from an `attach` elsewhere too
        front = vmf.popen("run", "-it", "--name", f"{tty}-fg", "busybox", "sh",
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        code, out = _attach([*ours, f"{tty}-fg"], vmf.env, [b"echo via-$((40+2))\n",
                                                          b"\x10\x11"])
        assert code == 0 and "via-42" in out
        front.stdin.write("exit 5\n")
        front.stdin.close()
        assert front.wait(timeout=20) == 5 and "via-42" in front.stdout.read()
        front.stdout.close()
        bad = vmf("attach", "--detach-keys", "ctrl-", tty)
        assert bad.returncode != 0 and "Invalid detach keys" in bad.stderr
        image = _peer_image(vmf)
        if image is None:
            return
        name = f"vmf-attach-peer-{os.getpid()}"
        try:
            made = subprocess.run(["podman", "create", "-i", *PODMAN, "--name", name, image,
                                   "sh", "-c", READER], capture_output=True, timeout=60)
            started = subprocess.run(["podman", "start", name], capture_output=True, timeout=60)
            if made.returncode or started.returncode:
                pytest.skip(f"podman cannot run here: {started.stderr[-300:]!r}")
            code, out = _attach(["podman", "attach", name], None, [b"x\ny\n"])
            # podman ends an attach with a blank line of its own
            assert (code, out.rstrip("\n")) == (0, "got x\ngot y\neof")
        finally:
            subprocess.run(["podman", "rm", "-f", name], capture_output=True, timeout=60)
    finally:
        vmf("rm", "-f", once, kept, tty, f"{tty}-fg")


def test_health_checks_run_for_an_attached_run(vmf: Any) -> None:
    name = f"vmf-attach-health-{os.getpid()}"
    proc = vmf.popen("run", "--name", name, "--health-cmd", "test -f /tmp/up",
                     "--health-interval", "200ms", "--health-retries", "1", "busybox", "sh",
                     "-c", "sleep 1; touch /tmp/up; sleep 30", stdout=subprocess.DEVNULL)
    try:
        seen = set()
        deadline = time.monotonic() + 20
        while "healthy" not in seen and proc.poll() is None and time.monotonic() < deadline:
            health = vmf("inspect", "--format", "{{json .State.Health}}", name).stdout.strip()
            if health.startswith("{"):
                seen.add(json.loads(health)["Status"])
            time.sleep(0.1)
        vmf("kill", name)
        assert proc.wait(timeout=20) == 137
        assert {"unhealthy", "healthy"} <= seen, seen
    finally:
        vmf("rm", "-f", name)


def _read_until(fd: int, token: bytes, timeout: float = 20.0) -> bytes:
    import select

    seen = b""
    end = time.monotonic() + timeout
    while token not in seen and time.monotonic() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_ctrl_p_ctrl_q_detaches_a_foreground_run(vmf: Any) -> None:
    """`run -it` on a terminal: ctrl-p ctrl-q returns to the shell with status 0 and the
    container runs on, its monitor in a session of its own, its output still logged; it
    is attached to again, then removed (as with Docker)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: `run -it` on the pty as its terminal
        try:
            os.execve(vmf.bin, [vmf.bin, "container", "run", "-it", "--name", "fg",
                                "busybox", "sh"], vmf.env)
        finally:
            os._exit(127)
    try:
        assert b"# " in _read_until(fd, b"# ")
        os.write(fd, b"echo $((6*7))\r")
        assert b"42" in _read_until(fd, b"42")
        os.write(fd, b"\x10\x11")
        status = None
        for _ in range(200):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.05)
        else:
            pytest.fail("run -it did not return after ctrl-p ctrl-q")
        assert os.waitstatus_to_exitcode(status) == 0
        pid = 0
        assert _state(vmf, "fg")["Running"]
        monitor = int(json.loads((vmf.root / "containers" / _id(vmf, "fg") / "state.json")
                                 .read_text())["MonitorPid"])
        assert os.getsid(monitor) == monitor  # no longer in the terminal's session
        assert vmf("exec", "fg", "echo", "alive", check=True).stdout == "alive\n"
        code, out = _attach([vmf.bin, "container", "attach", "fg"], vmf.env,
                            [b"echo again\n", b"exit 3\n"])
        assert code == 3 and "again" in out
        assert _state(vmf, "fg")["ExitCode"] == 3
        assert "42" in vmf("logs", "fg", check=True).stdout
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
        vmf("rm", "-f", "fg")


def _id(vmf: Any, name: str) -> str:
    return str(json.loads(vmf("inspect", name, check=True).stdout)[0]["Id"])
