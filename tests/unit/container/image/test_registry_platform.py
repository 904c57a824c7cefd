"""Pulling an image index from a registry on loopback: the index is kept in the store with
the platforms pulled so far; --platform picks another, which joins the same index."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator

import pytest

from vmforms.container.errors import ContainerError, ImageNotFound
from vmforms.container.image.platform import host_platform, parse_platform
from vmforms.container.image.registry import pull
from vmforms.container.image.store import ImageStore

from .test_registry_http import FakeRegistry

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    fake = FakeRegistry()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join()


def _platform_manifest(fake: FakeRegistry, arch: str) -> dict[str, object]:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        info = tarfile.TarInfo("arch")
        info.size = len(arch)
        tar.addfile(info, io.BytesIO(arch.encode()))
    layer = gzip.compress(raw.getvalue(), mtime=0)
    config = json.dumps({"architecture": arch, "os": "linux", "rootfs": {
        "type": "layers", "diff_ids": [_digest(raw.getvalue())]}}).encode()
    fake.blobs[_digest(layer)] = layer
    fake.blobs[_digest(config)] = config
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": _digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": _digest(layer), "size": len(layer)}],
    }).encode()
    fake.manifests[f"multi:{_digest(manifest)}"] = (OCI_MANIFEST, manifest)
    return {"mediaType": OCI_MANIFEST, "digest": _digest(manifest), "size": len(manifest),
            "platform": {"os": "linux", "architecture": arch}}


def _add_index(fake: FakeRegistry, arches: list[str]) -> str:
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        _platform_manifest(fake, arch) for arch in arches]}).encode()
    fake.manifests["multi:v1"] = (OCI_INDEX, index)
    return _digest(index)


def test_pull_keeps_the_index_and_adds_platforms(store: ImageStore,
                                                 registry: FakeRegistry) -> None:
    host = host_platform().architecture
    index_digest = _add_index(registry, list(dict.fromkeys([host, "386", "riscv64"])))
    ref = f"{registry.host}/multi:v1"
    lines: list[str] = []
    image = pull(store, ref, out=lines.append)
    assert f"Digest: {index_digest}" in lines
    assert image.architecture == host and image.index is not None
    assert image.index.digest == index_digest and image.platforms == (f"linux/{host}",)
    with pytest.raises(ImageNotFound, match=f"platforms present: linux/{host}"):
        store.resolve(ref, parse_platform("linux/386"))
    i386 = pull(store, ref, out=lines.append, platform=parse_platform("linux/386"))
    assert i386.architecture == "386"
    assert (store.layer_dirs(i386)[0] / "arch").read_text() == "386"
    [listed] = store.list()
    assert listed.platforms == (f"linux/{host}", "linux/386")
    assert store.resolve(ref).architecture == host  # the host's stays the default
    lines.clear()
    pull(store, ref, out=lines.append, platform=parse_platform("linux/386"))
    assert f"Status: Image is up to date for {ref}" in lines


def test_pull_of_a_platform_the_index_lacks(store: ImageStore,
                                            registry: FakeRegistry) -> None:
    _add_index(registry, ["riscv64"])
    with pytest.raises(ContainerError, match="no matching manifest for linux/s390x"):
        pull(store, f"{registry.host}/multi:v1", out=lambda _: None,
             platform=parse_platform("linux/s390x"))
    assert store.read_index().manifests == ()
