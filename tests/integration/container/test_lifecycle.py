"""Detached containers: logs, exec, stop, kill, rm, and crash recovery."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Vmf


def _wait_for(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_detached_logs_stop_rm(vmf: Vmf) -> None:
    script = "i=0; while true; do echo tick $i; echo err $i >&2; i=$((i+1)); sleep 0.1; done"
    cid = vmf("run", "-d", "--name", "ticker", "busybox", "sh", "-c", script,
              check=True).stdout.strip()
    assert len(cid) == 64
    _wait_for(lambda: "tick 2" in vmf("logs", "ticker").stdout)
    logs = vmf("logs", "ticker", check=True)
    assert logs.stdout.startswith("tick 0\ntick 1\n")
    assert logs.stderr.startswith("err 0\nerr 1\n")
    ps = vmf("ps", check=True).stdout
    assert "ticker" in ps and "Up " in ps
    t0 = time.monotonic()
    assert vmf("stop", "-t", "1", "ticker", check=True).stdout == "ticker\n"
    assert time.monotonic() - t0 < 8
    info = json.loads(vmf("inspect", "ticker", check=True).stdout)[0]
    assert info["State"]["Status"] == "exited"
    assert info["State"]["ExitCode"] == 137  # sh as PID 1 ignores SIGTERM: killed after 1 s
    assert "ticker" not in vmf("ps", check=True).stdout
    assert "Exited (137)" in vmf("ps", "-a", check=True).stdout
    assert vmf("rm", "ticker", check=True).stdout == "ticker\n"
    assert "ticker" not in vmf("ps", "-a").stdout


def test_stop_with_a_handler_exits_cleanly(vmf: Vmf) -> None:
    script = 'trap "echo bye; exit 7" TERM; while true; do sleep 0.1; done'
    vmf("run", "-d", "--name", "graceful", "busybox", "sh", "-c", script, check=True)
    try:
        vmf("stop", "graceful", check=True)
        info = json.loads(vmf("inspect", "graceful", check=True).stdout)[0]
        assert info["State"]["ExitCode"] == 7
        assert vmf("logs", "graceful").stdout == "bye\n"
    finally:
        vmf("rm", "-f", "graceful")


def test_exec_into_running_container(vmf: Vmf) -> None:
    vmf("run", "-d", "--name", "target", "busybox", "sleep", "60", check=True)
    try:
        out = vmf("exec", "target", "ps", "-o", "pid,comm", check=True).stdout
        rows = [line.split() for line in out.strip().splitlines()[1:]]
        assert ["1", "sleep"] in rows
        assert len(rows) == 2
        assert vmf("exec", "target", "sh", "-c", "exit 5").returncode == 5
        assert vmf("exec", "target", "no-such-cmd").returncode == 127
        out = vmf("exec", "-i", "target", "cat", input="piped\n", check=True).stdout
        assert out == "piped\n"
        out = vmf("exec", "-u", "nobody", "target", "id", "-u", check=True).stdout
        assert out.strip() == "65534"
    finally:
        vmf("rm", "-f", "target", check=True)
    proc = vmf("exec", "target", "true")
    assert proc.returncode == 1


def test_two_containers_do_not_see_each_other(vmf: Vmf) -> None:
    a = vmf("run", "-d", "busybox", "sleep", "60", check=True).stdout.strip()
    b = vmf("run", "-d", "busybox", "sh", "-c", "echo b > /tmp/mine; sleep 60",
            check=True).stdout.strip()
    try:
        for cid in (a, b):
            out = vmf("exec", cid, "ps", "-o", "pid,comm", check=True).stdout
            assert len(out.strip().splitlines()) == 3  # header, PID 1, ps
        assert vmf("exec", a, "hostname", check=True).stdout.strip() == a[:12]
        assert vmf("exec", b, "hostname", check=True).stdout.strip() == b[:12]
        _wait_for(lambda: vmf("exec", b, "cat", "/tmp/mine").stdout == "b\n")
        assert vmf("exec", a, "cat", "/tmp/mine").returncode == 1
        assert vmf("exec", a, "sh", "-c", "kill -0 $(pidof sleep | tr ' ' '\\n' | "
                   "grep -v '^1$')").returncode != 0
    finally:
        vmf("rm", "-f", a, b, check=True)


def test_kill_signals(vmf: Vmf) -> None:
    vmf("run", "-d", "--name", "victim", "busybox", "sleep", "60", check=True)
    try:
        assert vmf("kill", "victim", check=True).stdout == "victim\n"
        info = json.loads(vmf("inspect", "victim", check=True).stdout)[0]
        assert info["State"]["ExitCode"] == 137
        proc = vmf("kill", "victim")
        assert proc.returncode == 1 and "is not running" in proc.stderr
    finally:
        vmf("rm", "-f", "victim")


def test_signals_are_forwarded_to_pid1(vmf: Vmf) -> None:
    script = 'trap "echo got TERM; exit 42" TERM; echo ready; while true; do sleep 0.1; done'
    p = vmf.popen("run", "--rm", "busybox", "sh", "-c", script, stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE)
    assert p.stdout is not None
    assert p.stdout.readline() == "ready\n"
    p.send_signal(signal.SIGTERM)
    out, _ = p.communicate(timeout=20)
    assert p.returncode == 42
    assert out == "got TERM\n"


def test_runtime_killed_with_sigkill_is_recoverable(vmf: Vmf) -> None:
    p = vmf.popen("run", "--name", "orphan", "busybox", "sleep", "60",
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: "orphan" in vmf("ps").stdout)
    p.kill()
    p.wait()
    # The container outlives its runtime process, and can still be listed and removed.
    assert "orphan" in vmf("ps", check=True).stdout
    assert vmf("rm", "-f", "orphan", check=True).stdout == "orphan\n"
    assert "orphan" not in vmf("ps", "-a").stdout


def test_monitor_and_container_killed_then_removed(vmf: Vmf) -> None:
    vmf("run", "-d", "--name", "crashed", "busybox", "sleep", "60", check=True)
    info = json.loads(vmf("inspect", "crashed", check=True).stdout)[0]
    pid = info["State"]["Pid"]
    state = json.loads((vmf.root / "containers" / info["Id"] / "state.json").read_text())
    os.kill(state["MonitorPid"], signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    _wait_for(lambda: "crashed" not in vmf("ps").stdout)
    assert "Exited" in vmf("ps", "-a", check=True).stdout
    vmf("rm", "crashed", check=True)


def test_tty_has_window_size(vmf: Vmf) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 77, 0, 0))
    p = subprocess.Popen([vmf.bin, "container", "run", "--rm", "-it", "busybox", "sh", "-c",
                          "tty; stty size; echo $TERM"], stdin=slave, stdout=slave,
                         stderr=slave, env=vmf.env, start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        elif p.poll() is not None:
            break
    os.close(master)
    assert p.wait(timeout=10) == 0
    lines = out.decode().replace("\r", "").split("\n")
    assert lines[0].startswith("/dev/pts/")
    assert lines[1] == "33 77"
    assert lines[2] == "xterm"


def test_run_rm_leaves_no_container(vmf: Vmf) -> None:
    before = vmf.container_ids()
    vmf("run", "--rm", "busybox", "true", check=True)
    vmf("run", "--rm", "busybox", "sh", "-c", "exit 9")
    vmf("run", "--rm", "busybox", "no-such-command")
    assert vmf.container_ids() == before
    assert not list((vmf.root / "locks").glob("*.lock")) or all(
        p.stem in before for p in (vmf.root / "locks").glob("*.lock"))


def _states(vmf: Vmf, name: str) -> list[list[str]]:
    out = vmf("exec", name, "ps", "-o", "pid,stat,comm", check=True).stdout
    return [line.split() for line in out.strip().splitlines()[1:]]


def test_init_reaps_zombies_and_forwards_signals(vmf: Vmf) -> None:
    orphan = "(sleep 0.1 &); exec sleep 60"
    # Without --init the command is PID 1, and an orphan it never waits for stays a zombie.
    vmf("run", "-d", "--name", "noinit", "busybox", "sh", "-c", orphan, check=True)
    try:
        _wait_for(lambda: any(r[1] == "Z" for r in _states(vmf, "noinit")))
    finally:
        vmf("rm", "-f", "noinit", check=True)
    vmf("run", "-d", "--init", "--name", "withinit", "busybox", "sh", "-c", orphan, check=True)
    try:
        time.sleep(0.5)
        rows = _states(vmf, "withinit")
        assert rows[0][2] == "vmforms-init"
        assert not any(r[1] == "Z" for r in rows), rows
        t0 = time.monotonic()
        vmf("stop", "withinit", check=True)  # SIGTERM reaches sleep through the init
        assert time.monotonic() - t0 < 5
        info = json.loads(vmf("inspect", "withinit", check=True).stdout)[0]
        assert info["State"]["ExitCode"] == 143
    finally:
        vmf("rm", "-f", "withinit")
