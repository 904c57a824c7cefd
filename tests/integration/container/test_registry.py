"""`pull` and `push` against the reference registry (Debian's docker-registry), with
skopeo and podman as the peers that must read what we push and write what we pull."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from vmforms.container.image.writer import host_architecture

if TYPE_CHECKING:
    from conftest import Registry, Vmf

Run = Callable[..., subprocess.CompletedProcess[str]]
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
_DIGEST_LINE = re.compile(r"^(\S+): digest: (sha256:[0-9a-f]{64}) size: (\d+)$")


# -- the registry's API, spoken directly (to build what our own push never would) ------------


def _http(method: str, url: str, data: bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload_blob(registry: Registry, repo: str, data: bytes) -> str:
    status, headers, _ = _http("POST", f"{registry.url}/v2/{repo}/blobs/uploads/")
    assert status == 202
    location = headers["Location"]
    if location.startswith("/"):
        location = registry.url + location
    digest = _digest(data)
    sep = "&" if "?" in location else "?"
    status, _, body = _http("PUT", f"{location}{sep}digest={digest}", data,
                            {"Content-Type": "application/octet-stream"})
    assert status == 201, body
    return digest


def put_manifest(registry: Registry, repo: str, ref: str, obj: dict[str, Any]) -> bytes:
    data = json.dumps(obj).encode()
    status, _, body = _http("PUT", f"{registry.url}/v2/{repo}/manifests/{ref}", data,
                            {"Content-Type": obj["mediaType"]})
    assert status == 201, body
    return data


def layer_tar(members: dict[str, bytes]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), 0o644, 1_600_000_000
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)


def push_by_hand(registry: Registry, repo: str, ref: str, layers: list[bytes],
                 arch: str | None = None) -> tuple[str, str, dict[str, Any]]:
    """An image made of `layers` (tar+gzip blobs): (manifest digest, image id, manifest)."""
    diff_ids = [_digest(gzip.decompress(layer)) for layer in layers]
    config = json.dumps({"architecture": arch or host_architecture(), "os": "linux",
                         "config": {"Cmd": ["sh"]},
                         "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
    manifest = {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": upload_blob(registry, repo, config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": upload_blob(registry, repo, layer), "size": len(layer)}
                   for layer in layers],
    }
    data = put_manifest(registry, repo, ref, manifest)
    return _digest(data), _digest(config), manifest


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def empty_store(vmf: Vmf, tmp_path: Path) -> Iterator[Run]:
    """`vmforms container ...` over a second, empty VMFORMS_ROOT."""
    root = tmp_path / "second-root"
    env = {**vmf.env, "VMFORMS_ROOT": str(root)}

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([vmf.bin, "container", *args], text=True, capture_output=True,
                              env=env, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} -> {proc.returncode}\n{proc.stdout}{proc.stderr}")
        return proc

    run.root = root  # type: ignore[attr-defined]
    try:
        yield run
    finally:
        tmp = root / "images" / "tmp"
        leftovers = list(tmp.iterdir()) if tmp.is_dir() else []
        shutil.rmtree(root, ignore_errors=True)
        assert not leftovers, f"temporary files left in the store: {leftovers}"


def _store_is_empty(root: Path) -> None:
    images = root / "images"
    if not images.exists():
        return
    index = json.loads((images / "index.json").read_text())
    assert index["manifests"] == []
    for sub in ("blobs/sha256", "layers", "tmp"):
        assert list((images / sub).iterdir()) == [], sub


def _image_id(run: Run, ref: str) -> str:
    [info] = json.loads(run("inspect", "--type", "image", ref, check=True).stdout)
    return str(info["Id"])


def _one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("Error response from daemon: "), lines[0]
    return lines[0]


# -- round trips ---------------------------------------------------------------------------


def test_push_pull_run_and_skopeo_reads_it(vmf: Vmf, registry: Registry, empty_store: Run,
                                           tmp_path: Path) -> None:
    repo = f"{registry.host}/vmforms-test/busybox"
    tag = f"t{os.getpid()}"
    vmf("tag", "busybox", f"{repo}:{tag}", check=True)
    try:
        pushed = vmf("push", f"{repo}:{tag}", check=True).stdout.splitlines()
        assert pushed[0] == f"The push refers to repository [{repo}]"
        assert re.fullmatch(r"[0-9a-f]{12}: Pushed", pushed[1])
        match = _DIGEST_LINE.match(pushed[-1])
        assert match and match.group(1) == tag
        digest = match.group(2)
        again = vmf("push", f"{repo}:{tag}", check=True).stdout.splitlines()
        assert again[1].endswith(": Layer already exists") and again[-1] == pushed[-1]

        inspected = subprocess.run(["skopeo", "inspect", "--tls-verify=false",
                                    f"docker://{repo}:{tag}"], capture_output=True, text=True,
                                   check=True, timeout=60)
        assert json.loads(inspected.stdout)["Digest"] == digest
        layout = tmp_path / "copied"
        subprocess.run(["skopeo", "copy", "-q", "--src-tls-verify=false",
                        f"docker://{repo}:{tag}", f"oci:{layout}:copied"],
                       check=True, capture_output=True, timeout=120)
        [entry] = json.loads((layout / "index.json").read_text())["manifests"]
        assert entry["digest"] == digest

        pulled = empty_store("pull", f"{repo}:{tag}", check=True).stdout.splitlines()
        assert pulled[0] == f"{tag}: Pulling from vmforms-test/busybox"
        assert pulled[-3:] == [f"Digest: {digest}",
                               f"Status: Downloaded newer image for {repo}:{tag}",
                               f"{repo}:{tag}"]
        assert _image_id(empty_store, f"{repo}:{tag}") == _image_id(vmf, "busybox")
        up_to_date = empty_store("pull", f"{repo}:{tag}", check=True).stdout.splitlines()
        assert f"Status: Image is up to date for {repo}:{tag}" in up_to_date
        ran = empty_store("run", "--rm", f"{repo}:{tag}", "sh", "-c", "echo pulled; uname -s",
                          check=True)
        assert ran.stdout == "pulled\nLinux\n"

        by_digest = empty_store("pull", f"{repo}@{digest}", check=True).stdout.splitlines()
        assert by_digest[0] == f"{digest}: Pulling from vmforms-test/busybox"
        assert by_digest[-1] == f"{repo}@{digest}"
    finally:
        vmf("rmi", f"{repo}:{tag}")


def test_pull_by_digest_into_empty_store(vmf: Vmf, registry: Registry,
                                         empty_store: Run) -> None:
    repo = "vmforms-test/bydigest"
    digest, image_id, _ = push_by_hand(registry, repo, "v1", [
        layer_tar({"hello.txt": b"by digest\n"})])
    done = empty_store("pull", f"{registry.host}/{repo}@{digest}", check=True)
    assert f"Digest: {digest}" in done.stdout.splitlines()
    assert image_id[7:19] in empty_store("images", "-q", check=True).stdout.split()
    # found again by the name it was pulled by, as Docker's RepoDigests allow
    named = f"{registry.host}/{repo}@{digest}"
    [info] = json.loads(empty_store("inspect", "--type", "image", named, check=True).stdout)
    assert info["Id"] == image_id
    assert empty_store("inspect", "--type", "image", f"{registry.host}/other@{digest}"
                       ).returncode == 1
    missing = "sha256:" + "0" * 64
    line = _one_error_line(empty_store("pull", f"{registry.host}/{repo}@{missing}"))
    assert f"manifest for {registry.host}/{repo}@{missing} not found" in line


def test_pull_images_pushed_by_skopeo_and_podman(vmf: Vmf, registry: Registry,
                                                 empty_store: Run) -> None:
    busybox_id = _image_id(vmf, "busybox")
    source = f"oci:{vmf.root / 'images'}:busybox:latest"
    for fmt in ("oci", "v2s2"):  # OCI manifest and Docker schema 2 manifest
        dest = f"{registry.host}/vmforms-test/skopeo:{fmt}"
        subprocess.run(["skopeo", "copy", "-q", "--dest-tls-verify=false", "--format", fmt,
                        source, f"docker://{dest}"], check=True, capture_output=True,
                       timeout=120)
        empty_store("pull", dest, check=True)
        assert _image_id(empty_store, dest) == busybox_id
    if shutil.which("podman") is None:
        pytest.skip("podman is not installed")
    local = f"localhost/vmforms-registry-test-{os.getpid()}:latest"
    subprocess.run(["podman", "pull", "-q", source], check=True, capture_output=True,
                   timeout=120)
    try:
        subprocess.run(["podman", "tag", busybox_id, local], check=True, capture_output=True)
        dest = f"{registry.host}/vmforms-test/podman:1"
        subprocess.run(["podman", "push", "-q", "--tls-verify=false", local, dest],
                       check=True, capture_output=True, timeout=120)
        empty_store("pull", dest, check=True)
        assert _image_id(empty_store, dest) == busybox_id
        ran = empty_store("run", "--rm", dest, "echo", "from podman", check=True)
        assert ran.stdout == "from podman\n"
    finally:
        subprocess.run(["podman", "rmi", local], capture_output=True)
        subprocess.run(["podman", "rmi", f"localhost{vmf.root / 'images'}:latest"],
                       capture_output=True)


def test_index_picks_this_hosts_platform(vmf: Vmf, registry: Registry,
                                         empty_store: Run) -> None:
    repo = "vmforms-test/multi"
    layer = layer_tar({"etc/which": b"platform layer\n"})
    other_arch = "s390x" if host_architecture() != "s390x" else "arm64"
    entries = []
    ids = {}
    for arch in (other_arch, host_architecture()):  # ours last: the first is not enough
        digest, image_id, manifest = push_by_hand(registry, repo, f"only-{arch}", [layer],
                                                  arch=arch)
        size = len(json.dumps(manifest).encode())
        entries.append({"mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                        "platform": {"os": "linux", "architecture": arch}})
        ids[arch] = image_id
    index = put_manifest(registry, repo, "multi",
                         {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries})
    ref = f"{registry.host}/{repo}:multi"
    out = empty_store("pull", ref, check=True).stdout.splitlines()
    assert f"Digest: {_digest(index)}" in out  # the index's digest, as Docker prints
    assert _image_id(empty_store, ref) == ids[host_architecture()]

    put_manifest(registry, repo, "foreign", {"schemaVersion": 2, "mediaType": OCI_INDEX,
                                             "manifests": entries[:1]})
    line = _one_error_line(empty_store("pull", f"{registry.host}/{repo}:foreign"))
    assert line.endswith(f"no matching manifest for linux/{host_architecture()} in the "
                         "manifest list entries")


# -- what must be refused ------------------------------------------------------------------


def test_unknown_tag_and_unreachable_registry(registry: Registry, empty_store: Run) -> None:
    ref = f"{registry.host}/vmforms-test/busybox:no-such-tag"
    line = _one_error_line(empty_store("pull", ref))
    assert line == (f"Error response from daemon: manifest for {ref} not found: manifest "
                    "unknown: manifest unknown")
    import socket

    with socket.socket() as sock:  # bound, never listening: the connection is refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        line = _one_error_line(empty_store("pull", f"127.0.0.1:{port}/x"))
        assert line == (f'Error response from daemon: Get "http://127.0.0.1:{port}/v2/": '
                        f"dial tcp 127.0.0.1:{port}: connect: connection refused")
        line = _one_error_line(empty_store("push", f"127.0.0.1:{port}/x"))
        assert "An image does not exist locally with the tag: 127.0.0.1:" in line
    _store_is_empty(empty_store.root)  # type: ignore[attr-defined]


def test_damaged_blob_is_refused_and_nothing_is_kept(registry: Registry,
                                                     empty_store: Run) -> None:
    repo = "vmforms-test/damaged"
    good = layer_tar({"a.txt": b"first layer\n"})
    bad = layer_tar({"b.txt": b"second layer, to be damaged " + os.urandom(8).hex().encode()})
    _, _, manifest = push_by_hand(registry, repo, "v1", [good, bad])
    data = registry.blob_data(manifest["layers"][1]["digest"])
    damaged = bytearray(data.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    data.write_bytes(bytes(damaged))
    line = _one_error_line(empty_store("pull", f"{registry.host}/{repo}:v1"))
    assert "mismatch" in line or "not a valid tar archive" in line, line
    _store_is_empty(empty_store.root)  # type: ignore[attr-defined]


def test_manifest_by_digest_must_match(registry: Registry, empty_store: Run) -> None:
    repo = "vmforms-test/forged"
    digest, _, manifest = push_by_hand(registry, repo, "v1", [layer_tar({"f": b"forged\n"})])
    manifest["annotations"] = {"forged": "yes"}
    registry.blob_data(digest).write_bytes(json.dumps(manifest).encode())
    line = _one_error_line(empty_store("pull", f"{registry.host}/{repo}@{digest}"))
    assert f"digest mismatch: expected {digest}" in line


def test_hostile_layer_is_refused(registry: Registry, empty_store: Run, tmp_path: Path) -> None:
    repo = "vmforms-test/hostile"
    escape = f"../../../../../..{tmp_path}/escaped"
    push_by_hand(registry, repo, "v1", [layer_tar({"ok.txt": b"fine\n", escape: b"pwned\n"})])
    line = _one_error_line(empty_store("pull", f"{registry.host}/{repo}:v1"))
    assert "refusing member" in line and "'..'" in line
    assert not (tmp_path / "escaped").exists()
    _store_is_empty(empty_store.root)  # type: ignore[attr-defined]
