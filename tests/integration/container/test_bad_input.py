"""Bad input: one line on stderr, Docker's exit code, and nothing created."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["run", "--rm", "no-such-image"], 125, "no such image: no-such-image"),
        (["run", "--rm", "--memory", "12zz", "busybox", "true"], 125, "12zz"),
        (["run", "--rm", "--cpus", "abc", "busybox", "true"], 125, "abc"),
        (["run", "--rm", "--pids-limit", "x", "busybox", "true"], 125, "pids-limit"),
        (["run", "--rm", "-v", "/no/such/dir:/x", "busybox", "true"], 125, "/no/such/dir"),
        # (`-v NAME:/x` is a named volume; a relative path is not a valid name)
        (["run", "--rm", "-v", "./relative:/x", "busybox", "true"], 125, "relative"),
        (["run", "--rm", "--name", "bad name", "busybox", "true"], 125, "bad name"),
        (["run", "--rm", "--bogus-flag", "busybox", "true"], 125, "--bogus-flag"),
        (["run", "--rm", "-u", "nosuchuser", "busybox", "true"], 125, "nosuchuser"),
        (["exec", "no-such-container", "true"], 1, "No such container: no-such-container"),
        (["logs", "no-such-container"], 1, "No such container"),
        (["stop", "no-such-container"], 1, "No such container"),
        (["rm", "no-such-container"], 1, "No such container"),
        (["kill", "-s", "NOSUCHSIG", "whatever"], 125, "NOSUCHSIG"),
        (["inspect", "no-such-thing"], 1, "No such object: no-such-thing"),
        (["inspect", "--type", "image", "no-such-thing"], 1, "No such image: no-such-thing"),
        (["inspect", "--type", "bogus", "x"], 1, "--type"),
        (["tag", "no-such-image", "x:1"], 1, "no such image: no-such-image"),
        (["save", "-o", "/tmp/never-written.tar", "no-such-image"], 1, "no-such-image"),
        (["load", "-i", "/no/such/archive.tar"], 1, "/no/such/archive.tar"),
        (["load", "-i", "/etc/hostname"], 1, "not a tar archive"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(vmf: Vmf, args: list[str], code: int,
                                                   needle: str) -> None:
    before = vmf.container_ids()
    proc = vmf(*args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 2  # the error, and for flags a hint
    assert vmf.container_ids() == before


def test_name_in_use(vmf: Vmf) -> None:
    vmf("run", "--name", "taken", "busybox", "true", check=True)
    try:
        before = vmf.container_ids()
        proc = vmf("run", "--name", "taken", "busybox", "true")
        assert proc.returncode == 125
        assert 'The container name "/taken" is already in use' in proc.stderr
        assert vmf.container_ids() == before
    finally:
        vmf("rm", "taken", check=True)


def test_concurrent_runs_with_one_name(vmf: Vmf) -> None:
    procs = [vmf.popen("run", "--name", "race", "busybox", "true", stdout=-1, stderr=-1)
             for _ in range(4)]
    codes = sorted(p.wait(timeout=60) for p in procs)
    for p in procs:
        assert p.stdout is not None and p.stderr is not None
        p.stdout.close()
        p.stderr.close()
    try:
        assert codes == [0, 125, 125, 125]
    finally:
        vmf("rm", "-f", "race")
