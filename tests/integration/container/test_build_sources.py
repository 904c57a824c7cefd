"""`build` beyond the context's files: COPY here-documents and symbolic --chmod, ADD of
a URL (served from 127.0.0.1 here), ONBUILD against `podman build`, --platform
linux/386 running its RUN steps as 32-bit programs, RUN --mount bind and secret, and
`builder prune`."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MTIME = 1_614_834_367  # 2021-03-04 05:06:07 UTC, sent as Last-Modified


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A directory served over HTTP on a loopback port of its own."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", www
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_heredocs_symbolic_chmod_and_add_url(vmf: Any, tmp_path: Path,
                                             served: tuple[str, Path]) -> None:
    url, www = served
    (www / "file.txt").write_text("payload\n")
    os.utime(www / "file.txt", (MTIME, MTIME))
    good = hashlib.sha256(b"payload\n").hexdigest()
    ctx = tmp_path / "ctx"
    (ctx / "d").mkdir(parents=True)
    (ctx / "tool.sh").write_text("#!/bin/sh\n")
    os.chmod(ctx / "tool.sh", 0o640)
    (ctx / "d" / "f").write_text("f\n")
    os.chmod(ctx / "d" / "f", 0o700)
    (ctx / "Dockerfile").write_text(
        "FROM busybox\n"
        "ARG WHO=world\n"
        "COPY --chmod=u+x,g-r,o+r tool.sh /t1\n"
        "COPY --chmod=go-rwx,a+X d /d/\n"
        "COPY <<EOT /hello.txt\n"
        'hi $WHO "quoted" \\$WHO\n'
        "EOT\n"
        'COPY --chmod=600 <<"RAW" <<two /docs/\n'
        "raw $WHO\n"
        "RAW\n"
        "second\n"
        "two\n"
        f"ADD --checksum=sha256:{good} {url}/file.txt /dl/\n"
        f"ADD {url}/file.txt /named\n")
    tag = f"vmf-build-sources:{os.getpid()}"
    try:
        vmf("build", "-q", "-t", tag, str(ctx), check=True)
        out = vmf("run", "--rm", tag, "sh", "-c",
                  "stat -c '%n %a %u %Y' /t1 /d/f /hello.txt /docs/RAW /docs/two "
                  "/dl/file.txt /named; cat /hello.txt /docs/RAW /docs/two /named",
                  check=True).stdout.splitlines()
        assert out[:7] == ["/t1 704 0 " + out[0].split()[-1], "/d/f 711 0 " + out[1].split()[-1],
                           "/hello.txt 644 0 " + out[2].split()[-1],
                           "/docs/RAW 600 0 " + out[3].split()[-1],
                           "/docs/two 600 0 " + out[4].split()[-1],
                           f"/dl/file.txt 600 0 {MTIME}", f"/named 600 0 {MTIME}"]
        assert out[7:] == ['hi world "quoted" $WHO', "raw $WHO", "second", "payload"]
        _same_url_files_as_podman(vmf, tmp_path, url, out[5:7])
        # a rebuild fetches the URL again: unchanged content is a cache hit...
        again = vmf("build", "--progress", "plain", "-t", tag, str(ctx), check=True).stderr
        assert again.count("CACHED") == 6, again
        # ...changed content is not, and a checksum that no longer matches fails the build
        (www / "file.txt").write_text("changed\n")
        failed = vmf("build", "-t", tag, str(ctx))
        assert failed.returncode == 1 and "digest mismatch" in failed.stderr.splitlines()[-1]
        assert "Traceback" not in failed.stderr
        missing = tmp_path / "missing"
        missing.mkdir()
        (missing / "Dockerfile").write_text(f"FROM busybox\nADD {url}/nothing /x\n")
        gone = vmf("build", str(missing))
        assert gone.returncode == 1 and "404" in gone.stderr.splitlines()[-1], gone.stderr
        (missing / "Dockerfile").write_text("FROM busybox\nCOPY --chmod=u+q <<EOF /x\nEOF\n")
        bad = vmf("build", str(missing))
        assert bad.returncode == 1 and "line 2" in bad.stderr and "--chmod" in bad.stderr
    finally:
        vmf("rmi", "-f", tag)


def _same_url_files_as_podman(vmf: Any, tmp_path: Path, url: str, ours: list[str]) -> None:
    """podman build's ADD of the same URLs: the same modes, owners and mtimes."""
    if shutil.which("podman") is None:
        return
    pulled = _podman("pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest")
    if pulled.returncode != 0:
        return
    peer = tmp_path / "peer"
    peer.mkdir()
    (peer / "Dockerfile").write_text(f"FROM {pulled.stdout.strip()}\n"
                                     f"ADD {url}/file.txt /dl/\nADD {url}/file.txt /named\n")
    tag = f"localhost/vmf-add-url:{os.getpid()}"
    try:
        made = _podman("build", *PODMAN_BUILD, "-t", tag, str(peer))
        if made.returncode != 0:
            pytest.skip(f"podman cannot build here: {made.stderr.strip()[-300:]}")
        listing = _podman("run", *PODMAN_RUN, tag, "stat", "-c", "%n %a %u %Y", "/dl/file.txt",
                          "/named")
        assert listing.stdout.splitlines() == ours, listing.stderr
    finally:
        _podman("rmi", "-f", tag)


PARENT = """FROM {base}
ONBUILD RUN echo triggered > /onbuild.txt
ONBUILD COPY tool.sh /from-child
RUN echo parent > /parent.txt
"""
CHILD = "ARG BASE\nFROM $BASE\nRUN cat /onbuild.txt > /seen.txt\n"
ONBUILD_LISTING = "cd / && for f in parent.txt onbuild.txt from-child seen.txt; do " \
                  "stat -c '%n %a %u' $f; cat $f; done"


def _podman(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=300)


# as test_build.py runs podman: runc, rlimits this host allows, no intermediate images
PODMAN_BUILD = ("--runtime", "runc", "--layers=false")
PODMAN_RUN = ("--rm", "--runtime", "runc", "--ulimit", "nofile=1024:1024", "--ulimit",
              "nproc=1024:1024")


def _onbuild_of(saved: Path) -> Any:
    """Config.OnBuild of a `save`d docker-archive (podman's inspect does not show it)."""
    import tarfile

    with tarfile.open(saved) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config = json.load(tar.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
    return config["config"].get("OnBuild") or None


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_onbuild_as_podman_builds_it(vmf: Any, tmp_path: Path) -> None:
    pulled = _podman("pull", "-q", f"oci:{vmf.root / 'images'}:busybox:latest")
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    parent, child = tmp_path / "parent", tmp_path / "child"
    parent.mkdir()
    child.mkdir()
    (child / "tool.sh").write_text("from the child's context\n")
    (child / "Dockerfile").write_text(CHILD)
    ours = (f"vmf-onbuild:{os.getpid()}", f"vmf-onbuild-child:{os.getpid()}")
    theirs = (f"localhost/vmf-onbuild:{os.getpid()}",
              f"localhost/vmf-onbuild-child:{os.getpid()}")
    try:
        (parent / "Dockerfile").write_text(PARENT.format(base="busybox"))
        vmf("build", "-q", "-t", ours[0], str(parent), check=True)
        vmf("build", "-q", "--build-arg", f"BASE={ours[0]}", "-t", ours[1], str(child),
            check=True)
        (parent / "Dockerfile").write_text(PARENT.format(base=pulled.stdout.strip()))
        made = _podman("build", *PODMAN_BUILD, "--format", "docker", "-t", theirs[0],
                       str(parent))
        if made.returncode != 0:
            pytest.skip(f"podman cannot build here: {made.stderr.strip()[-300:]}")
        made = _podman("build", *PODMAN_BUILD, "--format", "docker", "--build-arg",
                       f"BASE={theirs[0]}", "-t", theirs[1], str(child))
        assert made.returncode == 0, made.stderr
        found = []
        for n, (mine, peer) in enumerate(zip(ours, theirs, strict=True)):
            vmf("save", "-o", str(tmp_path / f"ours{n}.tar"), mine, check=True)
            saved = _podman("save", "--format", "docker-archive", "-o",
                            str(tmp_path / f"theirs{n}.tar"), peer)
            assert saved.returncode == 0, saved.stderr
            found.append((_onbuild_of(tmp_path / f"ours{n}.tar"),
                          _onbuild_of(tmp_path / f"theirs{n}.tar")))
        assert found == [(["RUN echo triggered > /onbuild.txt", "COPY tool.sh /from-child"],) * 2,
                         (None, None)]
        listing = _podman("run", *PODMAN_RUN, theirs[1], "sh", "-c", ONBUILD_LISTING)
        assert listing.returncode == 0, listing.stderr
        assert vmf("run", "--rm", ours[1], "sh", "-c", ONBUILD_LISTING,
                   check=True).stdout == listing.stdout
        (child / "Dockerfile").write_text("FROM busybox\nONBUILD FROM busybox\n")
        refused = vmf("build", str(child))
        assert refused.returncode == 1
        assert refused.stderr.strip().endswith("line 2: FROM isn't allowed as an ONBUILD "
                                               "trigger"), refused.stderr
    finally:
        for tag in ours:
            vmf("rmi", "-f", tag)
        _podman("rmi", "-f", *theirs)


def _binfmt(arch: str) -> bool:
    return any(Path("/proc/sys/fs/binfmt_misc").glob(f"qemu-{arch}*"))


def test_platform_386_runs_32_bit_steps(vmf: Any, tmp_path: Path) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("linux/386 is a foreign platform on this host")
    (tmp_path / "Dockerfile").write_text(
        "FROM busybox AS b\nARG TARGETARCH\nARG BUILDARCH\n"
        # the ELF class byte of the busybox that runs the step: 1 for 32-bit
        "RUN echo $TARGETARCH $BUILDARCH $(od -An -tu1 -j4 -N1 /proc/self/exe) > /arch\n"
        "FROM scratch\nCOPY --from=b /arch /\n")
    tag = f"vmf-build-386:{os.getpid()}"
    try:
        done = vmf("build", "--platform", "linux/386", "-t", tag, str(tmp_path))
        if done.returncode != 0 and "CONFIG_IA32_EMULATION" in done.stderr:
            pytest.skip("this kernel does not run 32-bit programs")
        assert done.returncode == 0, done.stderr
        info = json.loads(vmf("inspect", "--type", "image", tag, check=True).stdout)[0]
        assert (info["Os"], info["Architecture"]) == ("linux", "386")
        vmf("build", "-q", "--platform", "linux/386", "--target", "b", "-t", tag,
            str(tmp_path), check=True)
        assert vmf("run", "--rm", tag, "cat", "/arch", check=True).stdout == "386 amd64 1\n"
        vmf("build", "-q", "--target", "b", "-t", tag, str(tmp_path), check=True)
        assert vmf("run", "--rm", tag, "cat", "/arch", check=True).stdout == "amd64 amd64 2\n"
        if not _binfmt("aarch64"):
            refused = vmf("build", "--platform", "linux/arm64", str(tmp_path))
            assert refused.returncode == 1 and len(refused.stderr.splitlines()) == 1
            assert "cannot execute" in refused.stderr
    finally:
        vmf("rmi", "-f", tag)


def _layer_bytes(saved: Path) -> bytes:
    """Every file's content in every layer of a `save`d image, one after the other."""
    import gzip
    import io
    import tarfile

    out = b""
    with tarfile.open(saved) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        for name in manifest[0]["Layers"]:
            data = outer.extractfile(name).read()  # type: ignore[union-attr]
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            with tarfile.open(fileobj=io.BytesIO(data)) as layer:
                for member in layer:
                    out += member.name.encode() + b"\n"
                    if member.isfile():
                        out += layer.extractfile(member).read()  # type: ignore[union-attr]
    return out


def test_bind_and_secret_mounts_then_builder_prune(vmf: Any, tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    (ctx / "sub").mkdir(parents=True)
    (ctx / "sub" / "a").write_text("from the context\n")
    (ctx / "sub" / "ignored").write_text("excluded\n")
    (ctx / ".dockerignore").write_text("sub/ignored\n")
    secret = tmp_path / "token"
    secret.write_text("s3cr3t-value")
    (ctx / "Dockerfile").write_text(
        "FROM busybox AS other\nRUN mkdir /stuff && echo from-stage > /stuff/s\n"
        "FROM busybox\n"
        "RUN --mount=type=bind,target=/ctx --mount=type=bind,from=other,source=/stuff,"
        "target=/st --mount=type=secret,id=tok --mount=type=secret,id=tok,target=/opt/x/y,"
        "mode=0440,uid=7 --mount=type=bind,source=sub/a,target=/one,rw "
        "--mount=type=cache,target=/cache "
        "cat /ctx/sub/a /st/s /one > /seen && ls /ctx/sub >> /seen && "
        "stat -c '%a %u' /run/secrets/tok /opt/x/y >> /seen && "
        "cat /run/secrets/tok | wc -c >> /seen && "
        "(touch /ctx/new 2>/dev/null || echo read-only >> /seen) && echo w > /one\n"
        # two steps that change nothing: the same (empty) layer twice in the image, which
        # overlayfs refuses (ELOOP) unless it is given once
        "RUN --mount=type=secret,id=absent test ! -e /run/secrets/absent\n"
        'RUN --mount=type=secret,id=tok,env=TOK case "$TOK" in s3cr3t-value|another) '
        ";; *) exit 1;; esac && test ! -e /run/secrets/tok\n")
    tag = f"vmf-build-mounts2:{os.getpid()}"
    try:
        build = ("build", "-q", "--secret", f"id=tok,src={secret}", "-t", tag, str(ctx))
        vmf(*build, check=True)
        assert vmf("run", "--rm", tag, "cat", "/seen", check=True).stdout.splitlines() == [
            "from the context", "from-stage", "from the context", "a", "400 0", "440 7",
            "12", "read-only"]
        gone = vmf("run", "--rm", tag, "ls", "-d", "/run/secrets", "/opt/x", "/ctx", "/st",
                   "/one", "/cache")
        assert gone.returncode != 0 and gone.stdout == ""  # no mount point left behind
        vmf("save", "-o", str(tmp_path / "img.tar"), tag, check=True)
        layers = _layer_bytes(tmp_path / "img.tar")
        assert b"s3cr3t" not in layers and b"run/secrets" not in layers
        # the secret's content is not in the cache key; the context's content is
        secret.write_text("another")
        again = vmf("build", "--progress", "plain", *build[2:])
        assert again.returncode == 0 and again.stderr.count("CACHED") == 4, again.stderr
        (ctx / "sub" / "a").write_text("changed\n")
        third = vmf("build", "--progress", "plain", *build[2:], check=True).stderr
        assert third.count("CACHED") == 1, third  # the RUNs after the changed bind run
        (ctx / "Dockerfile").write_text("FROM busybox\n"
                                        "RUN --mount=type=secret,id=tok,required=true true\n")
        refused = vmf("build", str(ctx))  # required and not given: one line naming it
        assert refused.returncode == 1 and "secret tok: not found" in refused.stderr
        # builder prune: dangling cache and the cache mounts; the tagged image stays
        mounts = vmf.root / "build-cache-mounts"
        assert mounts.is_dir() and any(mounts.iterdir())
        df = vmf("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}",
                 check=True).stdout.splitlines()[-1].split()
        assert int(df[-2]) > 0 and df[-1] != "0B"  # the cache mount and the steps' layers
        # image prune leaves the build cache to builder prune, as Docker's does
        vmf("image", "prune", "-f", check=True)
        after = vmf("system", "df", "--format", "{{.Type}} {{.TotalCount}} {{.Size}}",
                    check=True).stdout.splitlines()[-1].split()
        assert after == df
        asked = vmf("builder", "prune", input="n\n", check=True)
        assert "WARNING! This will remove all dangling build cache." in asked.stdout
        assert mounts.is_dir()
        pruned = vmf("builder", "prune", "-f", check=True).stdout
        assert pruned.startswith("Deleted build cache objects:\n")
        assert pruned.splitlines()[-1].startswith("Total reclaimed space: ")
        assert not mounts.exists()
        assert vmf("run", "--rm", tag, "cat", "/seen", check=True).returncode == 0
        vmf("builder", "prune", "-a", "-f", check=True)
        df = vmf("system", "df", "--format", "{{.Type}} {{.TotalCount}}", check=True).stdout
        assert df.splitlines()[-1] == "Build Cache 0"
    finally:
        vmf("rmi", "-f", tag)
