"""`build` from a Dockerfile: a multi-stage Dockerfile with every instruction gives the
same files (modes, owners, contents) and config as `podman build` of the same context;
the cache, .dockerignore, a failing RUN and a hostile context."""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
import subprocess
import tarfile
import time
from pathlib import Path
from typing import Any

import pytest

DOCKERFILE = r"""# syntax=docker/dockerfile:1
ARG BASE=busybox
FROM ${BASE} AS builder
ARG GREETING=hello
ENV APP_HOME=/opt/app \
    MODE=test
WORKDIR $APP_HOME
COPY --chmod=0755 tool.sh bin/
COPY --chown=1000:1000 data/ data/
COPY . /ctx/
ADD files.tar.gz /opt/unpacked/
RUN echo "$GREETING $MODE" > built.txt && mkdir -p /opt/gone && rm -f /bin/vi \
 && chmod 600 built.txt && chown 1000 built.txt
SHELL ["/bin/sh", "-ec"]
RUN ["sh", "-c", "echo exec-form > /opt/app/exec.txt"]
RUN rm -rf /opt/unpacked/gone && echo $0 > /opt/app/shell.txt

FROM ${BASE}
LABEL org.example.name="vm forms" version=1
COPY --from=builder /opt/app /app
COPY --from=builder /opt/unpacked /unpacked
COPY --from=builder /ctx /ctx
EXPOSE 8080 9090/udp
VOLUME /data
STOPSIGNAL SIGINT
USER 1000:1000
HEALTHCHECK --interval=30s --timeout=3s CMD true
ENTRYPOINT ["/bin/sh", "-c"]
CMD ["cat /app/built.txt"]
"""

LISTING = ("cd / && find app unpacked ctx opt bin/vi 2>/dev/null | sort | while read f; do "
           "stat -c '%n %a %u %g %F' \"$f\"; [ -f \"$f\" ] && [ ! -L \"$f\" ] && "
           "md5sum \"$f\"; done; true")


def make_context(root: Path) -> Path:
    ctx = root / "ctx"
    (ctx / "data" / "deep").mkdir(parents=True)
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "tool.sh").write_text("#!/bin/sh\necho tool\n")
    (ctx / "data" / "one.txt").write_text("one\n")
    (ctx / "data" / "deep" / "two.txt").write_text("two\n")
    os.chmod(ctx / "data" / "deep" / "two.txt", 0o640)
    (ctx / "data" / "link").symlink_to("one.txt")
    (ctx / "secret.txt").write_text("never copied\n")
    (ctx / "notes.md").write_text("copied\n")
    (ctx / ".dockerignore").write_text("secret.txt\n*.log\n")
    (ctx / "debug.log").write_text("ignored\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data, mode, uid in (("x/in-tar.txt", b"from tar\n", 0o604, 33),
                                      ("gone/file", b"removed later\n", 0o644, 0)):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.uid, info.gid = len(data), mode, uid, uid
            info.mtime = 1_600_000_000
            tar.addfile(info, io.BytesIO(data))
    (ctx / "files.tar.gz").write_bytes(buf.getvalue())
    return ctx


@pytest.fixture
def built(vmf: Any, tmp_path: Path) -> Any:
    ctx = make_context(tmp_path)
    tag = f"vmforms-build-test:{os.getpid()}"
    done = vmf("build", "-t", tag, str(ctx), timeout=300)
    assert done.returncode == 0, done.stderr
    yield ctx, tag, done
    vmf("rmi", "-f", tag)


def test_build_runs_and_rebuilds_from_cache(vmf: Any, built: Any) -> None:
    ctx, tag, done = built
    assert "#" in done.stderr and "exporting to image" in done.stderr
    assert vmf("run", "--rm", tag, check=True).stdout == "hello test\n"
    listing = vmf("run", "--rm", "--entrypoint", "sh", tag, "-c", LISTING, check=True).stdout
    assert "/ctx/secret.txt" not in listing and "ctx/debug.log" not in listing
    assert "ctx/notes.md" in listing and "unpacked/gone" not in listing
    assert "unpacked/x/in-tar.txt 604 33 33" in listing
    info = json.loads(vmf("inspect", "--type", "image", tag, check=True).stdout)[0]
    first_id = info["Id"]
    start = time.monotonic()
    again = vmf("build", "-t", tag, str(ctx), check=True)
    elapsed = time.monotonic() - start
    steps = [line for line in again.stderr.splitlines() if "] RUN " in line or "] COPY " in line
             or "] ADD " in line or "] WORKDIR " in line]
    assert steps and again.stderr.count("CACHED") == len(steps), again.stderr
    assert json.loads(vmf("inspect", "--type", "image", tag, check=True).stdout)[0]["Id"] \
        == first_id
    assert elapsed < 5, f"a cached rebuild took {elapsed:.2f}s"
    # a changed source file invalidates its step and those after it, not the ones before
    (ctx / "data" / "one.txt").write_text("changed\n")
    third = vmf("build", "-t", tag, str(ctx), check=True).stderr
    assert "COPY --chmod=0755 tool.sh bin/\n#" in third.replace("\n\n", "\n")
    assert third.count("CACHED") < again.stderr.count("CACHED")
    assert vmf("run", "--rm", "--entrypoint", "cat", tag, "/ctx/data/one.txt",
               check=True).stdout == "changed\n"


def test_build_saves_like_any_image(vmf: Any, built: Any, tmp_path: Path) -> None:
    _, tag, _ = built
    archive = tmp_path / "built.tar"
    vmf("save", "-o", str(archive), tag, check=True)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest[0]["RepoTags"] == [tag if "/" in tag else tag]


def test_failing_run_shows_output_and_leaves_no_image(vmf: Any, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo before-failing && exit 3\n")
    tag = f"vmforms-build-fail:{os.getpid()}"
    done = vmf("build", "-t", tag, str(tmp_path), timeout=120)
    assert done.returncode == 1
    assert "before-failing" in done.stderr
    assert "did not complete successfully: exit code: 3" in done.stderr.splitlines()[-1]
    assert "Traceback" not in done.stderr
    assert vmf("inspect", "--type", "image", tag).returncode != 0
    assert not vmf.container_ids()


@pytest.mark.parametrize("dockerfile, message", [
    ("FROM busybox\nCOPY ../outside /x\n", "forbidden path outside the build context"),
    ("FROM busybox\nCOPY etc-link/passwd /x\n", "forbidden path outside the build context"),
    ("FROM busybox\nCOPY up/x /x\n", "forbidden path outside the build context"),
    ("FROM busybox\nBOGUS x\n", "line 2: unknown instruction: BOGUS"),
    ("FROM busybox\nCOPY missing /x\n", "file not found in build context"),
    ("FROM busybox\nADD evil.tar /x/\n", "refusing member"),
])
def test_hostile_context_is_refused_in_one_line(vmf: Any, tmp_path: Path, dockerfile: str,
                                                 message: str) -> None:
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "etc-link").symlink_to("/etc")
    (tmp_path / "up").symlink_to("..")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("../../escape")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    (tmp_path / "evil.tar").write_bytes(buf.getvalue())
    done = vmf("build", str(tmp_path), timeout=120)
    assert done.returncode == 1, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert message in last, done.stderr
    assert "Traceback" not in done.stderr


# podman's default rlimits are above what this host lets a container raise them to
PODMAN_RUN = ("--rm", "--runtime", "runc", "--no-healthcheck", "--ulimit", "nofile=1024:1024",
              "--ulimit", "nproc=1024:1024")

PODMAN_BUILD = ("--runtime", "runc", "--layers=false")  # no intermediate images left


def _podman(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_same_files_and_config_as_podman_build(vmf: Any, built: Any) -> None:
    ctx, tag, _ = built
    pulled = _podman("pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest")
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    base = pulled.stdout.strip()
    theirs = f"localhost/vmforms-build-podman:{os.getpid()}"
    try:
        made = _podman("build", *PODMAN_BUILD, "--format", "docker", "--build-arg",
                       f"BASE={base}", "-t", theirs, str(ctx))
        if made.returncode != 0:
            pytest.skip(f"podman cannot build here: {made.stderr.strip()[-300:]}")
        listing = _podman("run", *PODMAN_RUN, "--entrypoint", "sh", theirs, "-c", LISTING)
        assert listing.returncode == 0, listing.stderr
        ours = vmf("run", "--rm", "--entrypoint", "sh", tag, "-c", LISTING, check=True)
        assert ours.stdout == listing.stdout, "\n".join(difflib.unified_diff(
            listing.stdout.splitlines(), ours.stdout.splitlines(), "podman", "ours",
            lineterm=""))
        builder_t = f"{theirs}-builder"
        _podman("build", *PODMAN_BUILD, "--build-arg", f"BASE={base}", "--target",
                "builder", "-t", builder_t, str(ctx))
        ours_b = f"{tag}-builder"
        vmf("build", "--target", "builder", "-t", ours_b, str(ctx), check=True)
        try:
            cmd = ["sh", "-c", "cd /opt && ls -ln /bin/vi app; cat app/*.txt; ls -a /opt"]
            a = _podman("run", *PODMAN_RUN, builder_t, *cmd).stdout
            b = vmf("run", "--rm", ours_b, *cmd).stdout
            assert _no_times(a) == _no_times(b)
        finally:
            _podman("rmi", "-f", builder_t)
            vmf("rmi", "-f", ours_b)
        podman_info = json.loads(_podman("image", "inspect", theirs).stdout)[0]
        podman_cfg = podman_info["Config"]
        # podman shows the health check beside Config, Docker and we inside it
        podman_cfg.setdefault("Healthcheck", podman_info.get("Healthcheck"))
        our_cfg = json.loads(vmf("inspect", "--type", "image", tag, check=True).stdout)[0][
            "Config"]
        for key in ("Env", "Cmd", "Entrypoint", "ExposedPorts", "Volumes", "StopSignal",
                    "User", "WorkingDir", "Healthcheck"):
            assert our_cfg.get(key) == podman_cfg.get(key), key
        labels = {k: v for k, v in podman_cfg["Labels"].items() if "buildah" not in k}
        assert our_cfg["Labels"] == labels
    finally:
        _podman("rmi", "-f", theirs)
        _podman("rmi", "-f", base)


def _no_times(text: str) -> list[str]:
    return [" ".join(line.split()[:4] + line.split()[8:]) if line.startswith(("-", "d", "l"))
            and len(line.split()) > 8 else line for line in text.splitlines()]


def test_built_image_pushes_and_pulls_back(vmf: Any, registry: Any, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN echo pushed > /msg\n"
                                         'CMD ["cat", "/msg"]\n')
    ref = f"{registry.host}/vmf/built:{os.getpid()}"
    try:
        vmf("build", "-q", "-t", ref, str(tmp_path), check=True)
        vmf("push", ref, check=True)
        vmf("rmi", ref, check=True)
        vmf("pull", ref, check=True)
        assert vmf("run", "--rm", ref, check=True).stdout == "pushed\n"
    finally:
        vmf("rmi", "-f", ref)


def test_build_options_and_stages(vmf: Any, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("from context\n")
    dockerfile = (
        "ARG VERSION=1\n"
        "FROM scratch AS files\n"
        "COPY a.txt /a.txt\n"
        "FROM busybox AS base\n"
        "ARG VERSION\n"
        "ENV V=$VERSION\n"
        "WORKDIR app\n"
        "WORKDIR sub\n"
        "COPY --from=files /a.txt ./\n"
        "COPY --from=busybox /bin/busybox /copied-busybox\n"
        'CMD ["ignored"]\n'
        'ENTRYPOINT ["sh", "-c", "echo $V $(pwd) $(cat a.txt)", "--"]\n'
        "FROM base AS other\n"
        "RUN exit 9\n")
    tag = f"vmf-build-opts:{os.getpid()}"
    try:
        with subprocess.Popen([vmf.bin, "container", "build", "-q", "-f", "-", "--build-arg",
                               "VERSION=7", "--label", "team=vm", "--target", "base", "-t",
                               tag, str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=vmf.env,
                              text=True) as proc:
            out, err = proc.communicate(dockerfile, timeout=300)
        assert proc.returncode == 0, err
        image_id = out.strip()
        assert image_id.startswith("sha256:") and err == ""  # -q: only the id
        assert vmf("run", "--rm", tag, check=True).stdout == "7 /app/sub from context\n"
        info = json.loads(vmf("inspect", "--type", "image", tag, check=True).stdout)[0]
        # CMD set in the same stage stays when ENTRYPOINT comes after it (only an inherited
        # CMD is reset, as Docker does)
        assert info["Config"]["Labels"]["team"] == "vm" and info["Config"]["Cmd"] == ["ignored"]
        assert vmf("run", "--rm", "--entrypoint", "ls", tag, "/copied-busybox",
                   check=True).stdout == "/copied-busybox\n"
        history = vmf("history", "--no-trunc", "--format", "{{.CreatedBy}}", tag,
                      check=True).stdout
        assert "WORKDIR /app/sub" in history and "ENV V=7" in history
        (tmp_path / "Dockerfile").write_text(dockerfile)
        missing = vmf("build", "--target", "nosuch", str(tmp_path))
        assert missing.returncode != 0 and "nosuch" in missing.stderr
        (tmp_path / "Onbuild").write_text("FROM busybox\nONBUILD ONBUILD RUN true\n")
        onbuild = vmf("build", "-f", str(tmp_path / "Onbuild"), str(tmp_path))
        assert onbuild.returncode == 1 and "line 2" in onbuild.stderr
    finally:
        vmf("rmi", "-f", tag)


def test_run_here_documents(vmf: Any, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\nRUN <<EOF\necho line1 > /a\necho line2 >> /a\nEOF\n"
        "RUN cat > /b <<-END\n\ttabbed\n\tEND\n"
        'CMD ["sh", "-c", "cat /a /b"]\n')
    tag = f"vmf-heredoc:{os.getpid()}"
    try:
        vmf("build", "-q", "-t", tag, str(tmp_path), check=True)
        assert vmf("run", "--rm", tag, check=True).stdout == "line1\nline2\ntabbed\n"
    finally:
        vmf("rmi", "-f", tag)


def test_build_network_and_iidfile(vmf: Any, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM busybox\nRUN ip -o link | cut -d: -f2 > /links\n")
    tag = f"vmf-build-net:{os.getpid()}"
    try:
        vmf("build", "--network", "none", "--iidfile", str(tmp_path / "iid"), "-t", tag,
            str(tmp_path), check=True)
        assert vmf("run", "--rm", tag, "cat", "/links", check=True).stdout.split() == ["lo"]
        image_id = json.loads(vmf("inspect", "--type", "image", tag,
                                  check=True).stdout)[0]["Id"]
        assert (tmp_path / "iid").read_text() == image_id
        vmf("build", "--no-cache", "-t", tag, str(tmp_path), check=True)  # default bridge
        links = vmf("run", "--rm", tag, "cat", "/links", check=True).stdout.split()
        assert [name.split("@")[0] for name in links] == ["lo", "eth0"]
    finally:
        vmf("rmi", "-f", tag)


def test_run_cache_and_tmpfs_mounts(vmf: Any, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox\n"
        "RUN --mount=type=cache,target=/cache echo x >> /cache/count && "
        "wc -l < /cache/count > /seen\n"
        "RUN --mount=type=tmpfs,target=/t touch /t/gone && grep -c ' /t tmpfs' /proc/mounts "
        "> /tmpfs\n")
    tag = f"vmf-build-mounts:{os.getpid()}"
    try:
        vmf("build", "-q", "-t", tag, str(tmp_path), check=True)
        first = vmf("run", "--rm", tag, "cat", "/seen", "/tmpfs", check=True).stdout.split()
        vmf("build", "-q", "--no-cache", "-t", tag, str(tmp_path), check=True)
        second = vmf("run", "--rm", tag, "cat", "/seen", "/tmpfs", check=True).stdout.split()
        assert int(second[0]) == int(first[0]) + 1  # the cache outlived the first build
        assert second[1] == "1"
        assert vmf("run", "--rm", tag, "ls", "/cache/count").returncode != 0  # not in a layer
        assert vmf("run", "--rm", tag, "ls", "/t/gone").returncode != 0
        bad = tmp_path / "bad"
        bad.mkdir()
        (bad / "Dockerfile").write_text("FROM busybox\nRUN --mount=type=ssh true\n")
        refused = vmf("build", str(bad))
        assert refused.returncode == 1 and "line 2" in refused.stderr
    finally:
        vmf("rmi", "-f", tag)
