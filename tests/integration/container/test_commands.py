"""Docker's everyday lifecycle commands beyond run: create, start (-a), restart, wait,
rename; output and exit codes compared with podman's where podman has the command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

SCRIPT = "echo hello; exit 4"


def _state(vmf: Any, name: str) -> dict[str, Any]:
    return json.loads(vmf("inspect", name, check=True).stdout)[0]["State"]  # type: ignore


def test_create_start_wait_and_start_attached(vmf: Any) -> None:
    name = f"vmf-life-{os.getpid()}"
    try:
        cid = vmf("create", "--name", name, "busybox", "sh", "-c", SCRIPT, check=True).stdout
        assert len(cid.strip()) == 64
        assert _state(vmf, name)["Status"] == "created"
        assert "Created" in vmf("ps", "-a", check=True).stdout
        assert vmf("start", name, check=True).stdout == f"{name}\n"
        assert vmf("wait", name, check=True).stdout == "4\n"
        assert vmf("logs", name, check=True).stdout == "hello\n"
        attached = vmf("start", "-a", name)
        assert (attached.returncode, attached.stdout) == (4, "hello\n")
        assert vmf("logs", name, check=True).stdout == "hello\nhello\n"
        assert _state(vmf, name)["ExitCode"] == 4
        missing = vmf("start", "no-such-container")
        assert missing.returncode == 1 and "No such container" in missing.stderr
    finally:
        vmf("rm", "-f", name)


def test_restart_and_rename(vmf: Any) -> None:
    a, b = f"vmf-ren-a-{os.getpid()}", f"vmf-ren-b-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", a, "busybox", "sleep", "300", check=True)
        first = _state(vmf, a)
        assert vmf("restart", "-t", "1", a, check=True).stdout == f"{a}\n"
        again = _state(vmf, a)
        assert again["Running"] and again["StartedAt"] != first["StartedAt"]
        assert again["Pid"] != first["Pid"]
        vmf("create", "--name", b, "busybox", "true", check=True)
        clash = vmf("rename", a, b)
        assert clash.returncode == 1 and "is already in use" in clash.stderr
        assert len(clash.stderr.strip().splitlines()) == 1
        bad = vmf("rename", a, "no/slash")
        assert bad.returncode != 0 and "Invalid container name" in bad.stderr
        vmf("rm", b, check=True)
        assert vmf("rename", a, b, check=True).stdout == ""
        assert b in vmf("ps", check=True).stdout and _state(vmf, b)["Running"]
    finally:
        vmf("rm", "-f", a)
        vmf("rm", "-f", b)


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_like_podman_create_start_wait(vmf: Any) -> None:
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    image = pulled.stdout.strip()
    name = f"vmf-like-{os.getpid()}"
    podman = ["podman", "--runtime", "runc"]
    try:
        made = subprocess.run([*podman, "create", "--name", name, "--network", "none",
                               "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                               image, "sh", "-c", SCRIPT], capture_output=True, text=True)
        if made.returncode != 0:
            pytest.skip(f"podman cannot create here: {made.stderr.strip()}")
        vmf("create", "--name", name, "busybox", "sh", "-c", SCRIPT, check=True)
        for args in (["start", name], ["wait", name], ["logs", name], ["start", "-a", name]):
            theirs = subprocess.run([*podman, *args], capture_output=True, text=True,
                                    timeout=120)
            ours = vmf(*args)
            assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout), args
    finally:
        subprocess.run([*podman, "rm", "-f", name], capture_output=True)
        subprocess.run(["podman", "rmi", "-f", image], capture_output=True)
        vmf("rm", "-f", name)


def test_logs_tail_timestamps_since_until(vmf: Any) -> None:
    name = f"vmf-logs-{os.getpid()}"
    try:
        vmf("run", "--name", name, "busybox", "sh", "-c",
            "for i in 1 2 3 4; do echo line$i; done; sleep 0.3; echo line5", check=True)
        assert vmf("logs", "--tail", "2", name, check=True).stdout == "line4\nline5\n"
        assert vmf("logs", "-n", "0", name, check=True).stdout == ""
        assert vmf("logs", "--tail", "all", name, check=True).stdout.count("line") == 5
        stamped = vmf("logs", "-t", "--tail", "1", name, check=True).stdout
        stamp, _, text = stamped.partition(" ")
        assert text == "line5\n" and stamp.endswith("Z") and "T" in stamp
        assert vmf("logs", "--since", "10m", name, check=True).stdout.count("line") == 5
        assert vmf("logs", "--until", "10m", name, check=True).stdout == ""
        assert vmf("logs", "--since", "2999-01-01", name, check=True).stdout == ""
        assert vmf("logs", "--since", stamp, name, check=True).stdout == "line5\n"
        bad = vmf("logs", "--tail", "x", name)
        assert bad.returncode == 125 and "--tail" in bad.stderr
    finally:
        vmf("rm", "-f", name)


@pytest.mark.parametrize("running", [True, False])
def test_cp_both_ways(vmf: Any, tmp_path: Path, running: bool) -> None:
    name = f"vmf-cp-{int(running)}-{os.getpid()}"
    (tmp_path / "f").write_text("hi\n")
    os.chown(tmp_path / "f", 123, 45)
    (tmp_path / "d" / "e").mkdir(parents=True)
    (tmp_path / "d" / "e" / "g").write_text("deep\n")
    try:
        if running:
            vmf("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
        else:
            vmf("create", "--name", name, "busybox", "sh", "-c",
                "ln -s / /escape; ls -ln /tmp/f /fa; find /newd /newd2 | sort", check=True)
        vmf("cp", str(tmp_path / "f"), f"{name}:/tmp/", check=True)
        vmf("cp", "-a", str(tmp_path / "f"), f"{name}:/fa", check=True)
        vmf("cp", str(tmp_path / "d"), f"{name}:/newd", check=True)
        vmf("cp", str(tmp_path / "d") + "/.", f"{name}:/tmp", check=True)
        vmf("cp", str(tmp_path / "d"), f"{name}:/tmp", check=True)  # into: /tmp/d
        vmf("cp", f"{name}:/newd", str(tmp_path / "back"), check=True)
        vmf("cp", f"{name}:/etc/../../../etc/group", str(tmp_path), check=True)
        assert (tmp_path / "back" / "e" / "g").read_text() == "deep\n"
        assert (tmp_path / "group").read_text().startswith("root:x:0:")
        assert (tmp_path / "group").stat().st_uid == 0
        missing = vmf("cp", f"{name}:/nope", str(tmp_path))
        assert missing.returncode == 1 and "Could not find the file /nope" in missing.stderr
        nodir = vmf("cp", str(tmp_path / "f"), f"{name}:/no/such/dir/")
        assert nodir.returncode == 1 and len(nodir.stderr.strip().splitlines()) == 1
        both = vmf("cp", f"{name}:/a", f"{name}:/b")
        assert both.returncode == 125 and "between containers" in both.stderr
        if running:
            seen = vmf("exec", name, "sh", "-c",
                       "ls -ln /tmp/f /fa; find /newd /tmp/e /tmp/d | sort", check=True).stdout
        else:
            seen = vmf("start", "-a", name, check=True).stdout
        lines = seen.splitlines()
        assert " 0        0 " in lines[1] and "/tmp/f" in lines[1]  # copied in as root
        assert " 123      45 " in lines[0] and "/fa" in lines[0]  # -a keeps the owner
        if running:
            assert "/tmp/e/g" in lines and "/tmp/d/e/g" in lines and "/newd/e/g" in lines
    finally:
        vmf("rm", "-f", name)


def test_ps_format_filter_and_options(vmf: Any) -> None:
    up, done = f"vmf-ps-up-{os.getpid()}", f"vmf-ps-done-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", up, "busybox", "sleep", "300", check=True)
        vmf("run", "--name", done, "busybox", "sh", "-c", "exit 3")
        mine = ["--filter", f"name=^vmf-ps-.*-{os.getpid()}$"]
        assert vmf("ps", *mine, "--format", "{{.Names}} {{.State}}", check=True).stdout \
            == f"{up} running\n"
        assert vmf("ps", "-a", *mine, "--format", "{{.Names}} {{.State}}",
                   check=True).stdout == f"{done} exited\n{up} running\n"
        assert vmf("ps", *mine, "-f", "exited=3", "--format", "{{.Names}}",
                   check=True).stdout == f"{done}\n"
        assert vmf("ps", *mine, "-f", "status=running", "-q", check=True).stdout.strip() \
            == vmf("inspect", up, check=True).stdout.split('"Id": "')[1][:12]
        assert vmf("ps", "-l", "--format", "{{.Names}}", check=True).stdout == f"{done}\n"
        table = vmf("ps", "-a", *mine, "--format", "table {{.Names}}\\t{{.Status}}",
                    check=True).stdout.splitlines()
        assert table[0].split() == ["NAMES", "STATUS"] and len(table) == 3
        rows = [json.loads(line) for line in vmf("ps", "-a", *mine, "--format", "json",
                                                 check=True).stdout.splitlines()]
        assert {r["Names"] for r in rows} == {up, done} and "RunningFor" in rows[0]
        sized = vmf("ps", *mine, "-s", check=True).stdout.splitlines()
        assert sized[0].split()[-1] == "SIZE" and "(virtual " in sized[1]
        for bad in (["-f", "bogus=1"], ["-f", "status=sleepy"], ["--format", "{{.Nope}}"]):
            failed = vmf("ps", *bad)
            assert failed.returncode == 125 and len(failed.stderr.strip().splitlines()) == 1
    finally:
        vmf("rm", "-f", up, done)


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_like_podman_ps_format(vmf: Any) -> None:
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    image = pulled.stdout.strip()
    names = [f"vmf-psl-a-{os.getpid()}", f"vmf-psl-b-{os.getpid()}"]
    podman = ["podman", "--runtime", "runc"]
    try:
        for name, code in zip(names, ("0", "3"), strict=True):
            theirs = subprocess.run([*podman, "run", "--name", name, "--network", "none",
                                     "--ulimit", "nofile=1024:1024", "--ulimit",
                                     "nproc=1024:1024", image, "sh", "-c", f"exit {code}"],
                                    capture_output=True, text=True)
            if theirs.returncode not in (0, 3):
                pytest.skip(f"podman cannot run here: {theirs.stderr.strip()}")
            vmf("run", "--name", name, "busybox", "sh", "-c", f"exit {code}")
        # (podman 4's .State is Docker's .Status; we follow Docker's)
        for args in (["-a", "--format", "{{.Names}}"],
                     ["-a", "-f", "exited=3", "--format", "{{.Names}}"],
                     ["-f", "status=exited", "--format", "{{.Names}}"]):
            mine = ["--filter", f"name=vmf-psl-.-{os.getpid()}"]
            theirs = subprocess.run([*podman, "ps", *mine, *args], capture_output=True,
                                    text=True)
            ours = vmf("ps", *mine, *args)
            assert (ours.returncode, sorted(ours.stdout.splitlines())) == (
                theirs.returncode, sorted(theirs.stdout.splitlines())), args
    finally:
        subprocess.run([*podman, "rm", "-f", *names], capture_output=True)
        subprocess.run(["podman", "rmi", "-f", image], capture_output=True)
        vmf("rm", "-f", *names)


def test_inspect_format(vmf: Any) -> None:
    name = f"vmf-insp-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
        out = vmf("inspect", "--format", "{{.State.Status}} {{.Name}} {{json .Config.Cmd}}",
                  name, check=True).stdout
        assert out == f'running /{name} ["sleep","300"]\n'
        image_id = vmf("inspect", "-f", "{{.Id}}", "busybox", check=True).stdout.strip()
        assert image_id.startswith("sha256:")
        assert vmf("inspect", "-f", "{{.State.Nope}}", name, check=True).stdout == \
            "<no value>\n"
        both = vmf("inspect", "-f", "{{.Id}}", name, "no-such-thing")
        assert both.returncode == 1 and both.stdout.count("\n") == 1
        assert "No such object: no-such-thing" in both.stderr
    finally:
        vmf("rm", "-f", name)


SCRIPT_CHANGES = "echo x > /new; rm /bin/vi; mkdir -p /etc/foo; echo >> /etc/passwd"


@pytest.mark.parametrize("running", [False, True])
def test_diff_export_commit_history(vmf: Any, tmp_path: Path, running: bool) -> None:
    name = f"vmf-chg-{int(running)}-{os.getpid()}"
    tag = f"vmf-committed:{int(running)}-{os.getpid()}"
    try:
        if running:
            vmf("run", "-d", "--name", name, "busybox", "sh", "-c",
                SCRIPT_CHANGES + "; touch /ready; sleep 300", check=True)
            for _ in range(100):
                if "A /ready" in vmf("diff", name).stdout:
                    break
                time.sleep(0.05)
        else:
            vmf("run", "--name", name, "busybox", "sh", "-c", SCRIPT_CHANGES, check=True)
        changes = [line for line in vmf("diff", name, check=True).stdout.splitlines()
                   if line != "A /ready"]
        assert changes == ["C /bin", "D /bin/vi", "C /etc", "A /etc/foo", "C /etc/passwd",
                           "A /new"]
        out = tmp_path / "fs.tar"
        vmf("export", "-o", str(out), name, check=True)
        with tarfile.open(out) as tar:
            names = {n.lstrip("./") for n in tar.getnames()}
            assert "new" in names and "bin/vi" not in names and "bin/busybox" in names
            assert not any(n.startswith("proc/") for n in names)
        made = vmf("commit", "-m", "my message", "-c", 'CMD ["cat", "/new"]', "-c",
                   "ENV A=b", name, tag, check=True).stdout.strip()
        assert made.startswith("sha256:")
        assert vmf("run", "--rm", tag, check=True).stdout == "x\n"
        assert vmf("run", "--rm", tag, "sh", "-c", "echo $A; ls /bin/vi",
                   ).stdout == "b\n"
        history = vmf("history", tag, check=True).stdout.splitlines()
        assert history[0].split()[:2] == ["IMAGE", "CREATED"]
        assert history[1].startswith(made[7:19]) and "my message" in history[1]
        assert history[-1].startswith("<missing>")
        assert vmf("history", "-q", tag, check=True).stdout.splitlines()[0] == made[7:19]
        bad = vmf("commit", "-c", "FROM x", name)
        assert bad.returncode == 125 and "not a valid change command" in bad.stderr
    finally:
        vmf("rm", "-f", name)
        vmf("rmi", "-f", tag)


def test_top_and_stats(vmf: Any) -> None:
    name = f"vmf-top-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "-m", "64m", "busybox", "sh", "-c",
            "sleep 301 & sleep 302 & wait", check=True)
        for _ in range(100):
            lines = vmf("top", name, check=True).stdout.splitlines()
            if len(lines) == 4:
                break
            time.sleep(0.05)
        assert lines[0].split()[:3] == ["UID", "PID", "PPID"] and lines[0].split()[-1] == "CMD"
        assert sorted(line.split()[-1] for line in lines[1:]) == ["301", "302", "wait"]
        narrow = vmf("top", name, "-o", "pid,args", check=True).stdout.splitlines()
        assert narrow[0].split() == ["PID", "COMMAND"] and len(narrow) == 4
        table = vmf("stats", "--no-stream", name, check=True).stdout.splitlines()
        assert table[0].split()[:4] == ["CONTAINER", "ID", "NAME", "CPU"]
        cells = table[1].split()
        assert cells[1] == name and cells[-1] == "3" and "64MiB" in table[1]
        one = vmf("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.MemPerc}}",
                  name, check=True).stdout.split()
        assert one[:2] == [name, "3"] and one[2].endswith("%")
        stopped = vmf("top", "no-such-container")
        assert stopped.returncode == 1 and len(stopped.stderr.strip().splitlines()) == 1
    finally:
        vmf("rm", "-f", name)


def test_prune_df_info_version(vmf: Any) -> None:
    name = f"vmf-prune-{os.getpid()}"
    keep = f"vmf-keep-{os.getpid()}"
    try:
        vmf("run", "--name", name, "busybox", "true", check=True)
        vmf("run", "-d", "--name", keep, "busybox", "sleep", "300", check=True)
        df = vmf("system", "df", check=True).stdout.splitlines()
        assert df[0].split() == ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
        assert [line.split()[0] for line in df[1:]] == ["Images", "Containers", "Local",
                                                        "Build"]
        refused = vmf("prune", input="n\n")
        assert refused.returncode == 0 and "Are you sure" in refused.stdout
        assert name in vmf("ps", "-a", "--format", "{{.Names}}", check=True).stdout
        pruned = vmf("prune", "-f", check=True).stdout
        assert pruned.startswith("Deleted Containers:\n") and "Total reclaimed space" in pruned
        names = vmf("ps", "-a", "--format", "{{.Names}}", check=True).stdout.split()
        assert name not in names and keep in names
        info = vmf("info", "--format", "{{.ContainersRunning}} {{.OSType}}",
                   check=True).stdout.split()
        assert int(info[0]) >= 1 and info[1] == "linux"
        assert vmf("info", check=True).stdout.startswith("Server:\n Containers:")
        assert vmf("version", "-f", "{{.Client.Os}}", check=True).stdout == "linux\n"
        assert "Busybox" not in vmf("image", "prune", "-f", check=True).stdout
        assert "busybox" in vmf("images", check=True).stdout  # in use or tagged: kept
        bad = vmf("system", "bogus")
        assert bad.returncode == 125 and "unknown command" in bad.stderr
    finally:
        vmf("rm", "-f", name, keep)


def test_pause_and_unpause(vmf: Any) -> None:
    name = f"vmf-pause-{os.getpid()}"
    # the counter is renamed into place: a copy taken between the truncation and the
    # write of `echo > /tmp/n` would read an empty file
    script = ("i=0; while :; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; "
              "sleep 0.05; done")
    try:
        vmf("run", "-d", "--name", name, "busybox", "sh", "-c", script, check=True)
        time.sleep(0.3)
        assert vmf("pause", name, check=True).stdout == f"{name}\n"
        state = json.loads(vmf("inspect", name, check=True).stdout)[0]["State"]
        assert state["Status"] == "paused" and state["Paused"] and state["Running"]
        assert vmf("ps", "-f", "status=paused", "--format", "{{.Names}} {{.Status}}",
                   check=True).stdout.endswith(" (Paused)\n")
        again = vmf("pause", name)
        assert again.returncode == 1 and "already paused" in again.stderr
        before = _counter(vmf, name)
        time.sleep(0.4)
        assert _counter(vmf, name) == before  # frozen: the loop made no progress
        vmf("unpause", name, check=True)
        time.sleep(0.4)
        assert _counter(vmf, name) > before
        vmf("pause", name, check=True)
        vmf("stop", "-t", "1", name, check=True)  # a paused container still stops
        assert not json.loads(vmf("inspect", name, check=True).stdout)[0]["State"]["Running"]
        assert vmf("unpause", name).returncode == 1
    finally:
        vmf("rm", "-f", name)


def _counter(vmf: Any, name: str) -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        vmf("cp", f"{name}:/tmp/n", tmp, check=True)
        return int(Path(tmp, "n").read_text())


def test_images_format_filter_and_import_from_stdin(vmf: Any, tmp_path: Path) -> None:
    name = f"vmf-imp-{os.getpid()}"
    tag = f"vmf-imported:{os.getpid()}"
    try:
        vmf("create", "--name", name, "busybox", "true", check=True)
        archive = tmp_path / "fs.tar"
        vmf("export", "-o", str(archive), name, check=True)
        with open(archive, "rb") as f:
            made = subprocess.run([vmf.bin, "container", "import", "-c", 'CMD ["echo", "in"]',
                                   "-c", "ENV X=1", "-", tag], stdin=f, env=vmf.env,
                                  capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
        image_id = made.stdout.strip()
        assert vmf("run", "--rm", tag, check=True).stdout == "in\n"
        assert vmf("run", "--rm", tag, "sh", "-c", "echo $X", check=True).stdout == "1\n"
        repo = tag.split(":")[0]
        listed = vmf("images", "-f", f"reference={repo}", "--format",
                     "{{.Repository}} {{.Tag}} {{.ID}}", check=True).stdout
        assert listed == f"{repo} {tag.split(':')[1]} {image_id[7:19]}\n"
        assert vmf("images", "-q", "--no-trunc", "-f", f"reference={repo}:*",
                   check=True).stdout == f"{image_id}\n"
        rows = vmf("images", "--format", "json", "-f", f"reference={repo}",
                   check=True).stdout.splitlines()
        assert json.loads(rows[0])["Repository"] == repo
        assert tag.split(":")[0] not in vmf("images", "-f", "dangling=true",
                                            check=True).stdout
        assert vmf("images", "-f", f"since={tag}", "-f", f"reference={repo}",
                   check=True).stdout.count("\n") == 1  # the header only
        for bad in (["-f", "dangling=maybe"], ["-f", "nope=1"], ["-f", "since=no-such"]):
            failed = vmf("images", *bad)
            assert failed.returncode == 125 and len(failed.stderr.strip().splitlines()) == 1
    finally:
        vmf("rm", "-f", name)
        vmf("rmi", "-f", tag)


def test_events_journal(vmf: Any) -> None:
    name = f"vmf-ev-{os.getpid()}"
    start = f"{time.time():.3f}"
    follower = vmf.popen("events", "--since", start, "--until", f"{time.time() + 6:.3f}",
                         "-f", f"container={name}", stdout=subprocess.PIPE)
    try:
        vmf("run", "--name", name, "busybox", "sh", "-c", "exit 2")
        vmf("rename", name, name + "-b", check=True)
        vmf("rm", name + "-b", check=True)
        past = vmf("events", "--since", start, "--until", "0s", "--format",
                   "{{.Action}} {{.Actor.Attributes.name}}", check=True).stdout.splitlines()
        mine = [line for line in past if line.split()[1].startswith(name)]
        assert mine == [f"create {name}", f"start {name}", f"die {name}",
                        f"rename {name}-b", f"destroy {name}-b"]
        died = vmf("events", "--since", start, "--until", "0s", "-f", "event=die", "-f",
                   f"container={name}", "--format", "{{json .}}", check=True).stdout
        event = json.loads(died.splitlines()[0])
        assert event["Actor"]["Attributes"]["exitCode"] == "2" and event["Type"] == "container"
        streamed, _ = follower.communicate(timeout=30)
        assert [line.split()[2] for line in streamed.splitlines()] == ["create", "start", "die"]
        assert " container create " in streamed.splitlines()[0]
    finally:
        follower.kill()
        follower.wait()
        vmf("rm", "-f", name, name + "-b")


def test_update_resources(vmf: Any, cgroups_below: Any) -> None:
    name = f"vmf-upd-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
        assert vmf("update", "-m", "64m", "--pids-limit", "7", "--cpus", "0.5", name,
                   check=True).stdout == f"{name}\n"
        shown = vmf("stats", "--no-stream", "--format", "{{.MemUsage}}", name,
                    check=True).stdout
        assert shown.strip().endswith("/ 64MiB")
        host = json.loads(vmf("inspect", name, check=True).stdout)[0]["HostConfig"]
        assert host["Memory"] == 64 << 20 and host["PidsLimit"] == 7
        assert host["NanoCpus"] == 500_000_000
        # The eighth process is refused: the shell stops at the failed fork. The sleeps
        # write nowhere, so that the exec does not wait for them (the restart ends them).
        limited = vmf("exec", name, "sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 30 "
                      ">/dev/null 2>&1 & done; kill $(jobs -p)")
        assert limited.returncode != 0 and "can't fork" in limited.stderr, limited.stderr
        vmf("restart", "-t", "0", name, check=True)  # the new limits outlive a restart
        assert vmf("stats", "--no-stream", "--format", "{{.MemUsage}}", name,
                   check=True).stdout.strip().endswith("/ 64MiB")
        none = vmf("update", name)
        assert none.returncode == 1 and "one or more flags" in none.stderr
    finally:
        vmf("rm", "-f", name)


def _inspect(vmf: Any, name: str) -> dict[str, Any]:
    return json.loads(vmf("inspect", name, check=True).stdout)[0]  # type: ignore[no-any-return]


def test_restart_policies(vmf: Any) -> None:
    failing, always = f"vmf-rs-f-{os.getpid()}", f"vmf-rs-a-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", failing, "--restart", "on-failure:2", "busybox", "sh",
            "-c", "echo run; exit 3", check=True)
        vmf("run", "-d", "--name", always, "--restart", "always", "busybox", "sh", "-c",
            "sleep 0.2", check=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            info = _inspect(vmf, failing)
            if info["RestartCount"] == 2 and not info["State"]["Running"]:
                break
            time.sleep(0.1)
        time.sleep(1)  # no third restart comes
        info = _inspect(vmf, failing)
        assert info["RestartCount"] == 2 and info["State"]["ExitCode"] == 3
        assert info["HostConfig"]["RestartPolicy"] == {"Name": "on-failure",
                                                       "MaximumRetryCount": 2}
        assert vmf("logs", failing, check=True).stdout == "run\n" * 3
        while _inspect(vmf, always)["RestartCount"] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _inspect(vmf, always)["RestartCount"] >= 2
        vmf("stop", always, check=True)  # stopped by hand: not restarted
        count = _inspect(vmf, always)["RestartCount"]
        time.sleep(1.5)
        info = _inspect(vmf, always)
        assert info["RestartCount"] == count and not info["State"]["Running"]
        for bad, message in ((["--restart", "bogus"], "invalid restart policy"),
                             (["--restart", "always:3"], "maximum retry count"),
                             (["--restart", "always", "--rm"], "Conflicting options")):
            done = vmf("run", *bad, "busybox", "true")
            assert done.returncode == 125 and message in done.stderr
    finally:
        vmf("rm", "-f", failing, always)


def test_attach_follows_output_and_returns_the_exit_code(vmf: Any) -> None:
    name = f"vmf-att-{os.getpid()}"
    try:
        vmf("run", "-d", "--name", name, "busybox", "sh", "-c",
            "trap 'echo got-int; exit 7' INT; echo before; sleep 1; echo out; echo err >&2; "
            "while :; do sleep 0.1; done", check=True)
        time.sleep(0.3)
        proc = vmf.popen("attach", name, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        proc.send_signal(2)  # SIGINT goes on to PID 1 (--sig-proxy)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 7
        assert "before" not in out and out.startswith("out\n") and "got-int" in out
        assert err == "err\n"
        stopped = vmf("attach", name)
        assert stopped.returncode == 1 and "stopped container" in stopped.stderr
    finally:
        vmf("rm", "-f", name)


def _wait_health(vmf: Any, name: str, want: str, patience: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + patience
    while True:
        health = _inspect(vmf, name)["State"].get("Health") or {}
        if health.get("Status") == want or time.monotonic() > deadline:
            return health  # type: ignore[no-any-return]
        time.sleep(0.2)


def test_health_checks(vmf: Any, tmp_path: Path) -> None:
    flagged, built = f"vmf-hc-{os.getpid()}", f"vmf-hcb-{os.getpid()}"
    tag = f"vmf-health:{os.getpid()}"
    try:
        vmf("run", "-d", "--name", flagged, "--health-cmd", "test -f /tmp/ok",
            "--health-interval", "300ms", "--health-retries", "2", "busybox", "sh", "-c",
            "sleep 2; touch /tmp/ok; sleep 300", check=True)
        assert "(health: starting)" in vmf("ps", "-f", f"name={flagged}",
                                           check=True).stdout
        sick = _wait_health(vmf, flagged, "unhealthy")
        assert sick["Status"] == "unhealthy" and sick["FailingStreak"] >= 2
        well = _wait_health(vmf, flagged, "healthy")
        assert well["Status"] == "healthy" and well["Log"][-1]["ExitCode"] == 0
        assert vmf("ps", "-f", "health=healthy", "--format", "{{.Names}}",
                   check=True).stdout.split() == [flagged]
        # an image's HEALTHCHECK applies unless --no-healthcheck
        (tmp_path / "Dockerfile").write_text(
            "FROM busybox\nHEALTHCHECK --interval=1s --timeout=2s CMD echo fine\n")
        vmf("build", "-q", "-t", tag, str(tmp_path), check=True)
        vmf("run", "-d", "--name", built, tag, "sleep", "300", check=True)
        assert _wait_health(vmf, built, "healthy")["Log"][-1]["Output"] == "fine\n"
        off = vmf("run", "--rm", "--no-healthcheck", tag, "true", check=True)
        assert off.returncode == 0
        bad = vmf("run", "--rm", "--health-interval", "soon", "busybox", "true")
        assert bad.returncode == 125 and "--health-interval" in bad.stderr
    finally:
        vmf("rm", "-f", flagged, built)
        vmf("rmi", "-f", tag)


def test_cp_tar_streams(vmf: Any, tmp_path: Path) -> None:
    import io

    name = f"vmf-cptar-{os.getpid()}"
    try:
        vmf("create", "--name", name, "busybox", "true", check=True)
        out = subprocess.run([vmf.bin, "container", "cp", f"{name}:/etc", "-"], env=vmf.env,
                             capture_output=True, timeout=60)
        assert out.returncode == 0, out.stderr
        with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
            names = tar.getnames()
            assert "etc/passwd" in names
            passwd = tar.extractfile("etc/passwd")
            assert passwd is not None and passwd.read().startswith(b"root:x:0:0:")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo("in/file")
            info.size, info.uid = 3, 77
            tar.addfile(info, io.BytesIO(b"abc"))
        put = subprocess.run([vmf.bin, "container", "cp", "-", f"{name}:/tmp"], env=vmf.env,
                             input=buf.getvalue(), capture_output=True, timeout=60)
        assert put.returncode == 0, put.stderr
        vmf("cp", "-a", f"{name}:/tmp/in/file", str(tmp_path / "back"), check=True)
        assert (tmp_path / "back").read_bytes() == b"abc"
        assert (tmp_path / "back").stat().st_uid == 77
        evil = io.BytesIO()
        with tarfile.open(fileobj=evil, mode="w") as tar:
            info = tarfile.TarInfo("../../escape")
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
        refused = subprocess.run([vmf.bin, "container", "cp", "-", f"{name}:/tmp"],
                                 env=vmf.env, input=evil.getvalue(), capture_output=True)
        assert refused.returncode == 1 and b"refusing member" in refused.stderr
    finally:
        vmf("rm", "-f", name)
