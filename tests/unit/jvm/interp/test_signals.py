"""Signals as HotSpot handles them: sun.misc.Signal names, reserved signals, Java handlers,
and the shutdown hooks and exit status 128+n that SIGTERM brings (natives/signals.py)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from interp_testlib import compile_java

SOURCES = {
    "SigTerm": """
        public class SigTerm {
            public static void main(String[] args) throws Exception {
                Runtime.getRuntime().addShutdownHook(
                    new Thread(() -> System.out.println("hook ran")));
                Object done = new Object();
                sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> {
                    System.out.println("got " + s.getName() + " " + s.getNumber() + " "
                        + Thread.currentThread().getName());
                    synchronized (done) { done.notify(); }
                });
                System.out.println(new sun.misc.Signal("TERM").getNumber() + " "
                    + new sun.misc.Signal("HUP").getNumber());
                try { new sun.misc.Signal("NOPE"); }
                catch (IllegalArgumentException e) { System.out.println(e.getMessage()); }
                try { sun.misc.Signal.handle(new sun.misc.Signal("QUIT"), s -> {}); }
                catch (IllegalArgumentException e) { System.out.println(e.getMessage()); }
                System.out.println("console " + (System.console() != null));
                synchronized (done) {
                    sun.misc.Signal.raise(new sun.misc.Signal("USR1"));
                    done.wait(20000);
                }
                System.out.println("ready");
                Thread.sleep(60000);
                System.out.println("not reached");
            }
        }""",
}


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory.mktemp("signals"), SOURCES)


def _terminated(cmd: list[str], cwd: Path) -> tuple[bytes, bytes, int]:
    p = subprocess.Popen([*cmd, "-cp", ".", "SigTerm"], cwd=cwd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout is not None and p.stderr is not None
    try:
        lines = []
        while not lines or lines[-1] not in (b"ready\n", b""):
            lines.append(p.stdout.readline())
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=120)
        return b"".join(lines) + out, err, p.returncode
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_sigterm_runs_shutdown_hooks_like_java(classes: Path) -> None:
    java = shutil.which("java")
    if java is None:
        pytest.skip("java is not installed (make setup installs openjdk-17-jdk-headless)")
    want = _terminated([java], classes)
    got = _terminated([sys.executable, "-m", "vmforms", "java"], classes)
    assert want[0].endswith(b"ready\nhook ran\n")
    assert got == want
