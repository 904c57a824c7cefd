"""docker-archive and OCI archive exchange, checked against skopeo and podman."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from vmforms.container.errors import ImageError
from vmforms.container.image.store import ImageStore

from .conftest import TarBuilder, store_contents

needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")


def two_layer_image(store: ImageStore, tmp_path: Path, ref: str = "app:1") -> None:
    """An image whose second layer deletes a file of the first (whiteout)."""
    base = store.import_rootfs(
        TarBuilder().file("etc/a", b"a").file("etc/b", b"b").write(tmp_path / "base.tar",
                                                                    compress=True), "base")
    top = TarBuilder().file("etc/.wh.a").file("etc/c", b"c").write(tmp_path / "top.tar")
    with store.writing() as writer, open(top, "rb") as raw:
        layer = writer.add_layer(raw, str(top))
        from vmforms.container.image.records import ImageConfig, ImageConfiguration

        conf = ImageConfiguration(
            architecture=base.architecture, os="linux",
            config=ImageConfig(cmd=("/bin/sh",), working_dir="/srv", labels={"k": "v"}),
            diff_ids=(*base.diff_ids, layer.diff_id), created="2024-01-01T00:00:00Z",
        )
        writer.add_image([*base.layers, layer], conf, ref)
    store.remove("base")


def test_docker_archive_round_trip(store: ImageStore, tmp_path: Path) -> None:
    two_layer_image(store, tmp_path)
    image = store.resolve("app:1")
    archive = tmp_path / "app.tar"
    store.save_docker_archive("app:1", archive)
    with tarfile.open(archive) as tar:
        [entry] = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        assert entry["RepoTags"] == ["app:1"]
        assert entry["Config"] == image.id[7:] + ".json"
        assert len(entry["Layers"]) == 2
        for name in entry["Layers"]:  # docker-archive layers are uncompressed tars
            assert tar.extractfile(name).read(2) != b"\x1f\x8b"  # type: ignore[union-attr]
    other = ImageStore(tmp_path / "other")
    [loaded] = other.load_docker_archive(archive)
    assert (loaded.reference, loaded.id, loaded.diff_ids, loaded.config) == (
        "app:1", image.id, image.diff_ids, image.config)
    lower, upper = other.layer_dirs(loaded)
    assert sorted(os.listdir(lower / "etc")) == ["a", "b"]
    assert sorted(os.listdir(upper / "etc")) == ["a", "c"]  # a is the whiteout
    # loading again changes nothing
    before = store_contents(other)
    other.load_docker_archive(archive)
    assert store_contents(other) == before and len(other.list()) == 1


def test_corrupt_docker_archive_leaves_nothing(store: ImageStore, tmp_path: Path) -> None:
    two_layer_image(store, tmp_path)
    good = tmp_path / "good.tar"
    store.save_docker_archive("app:1", good)
    members = {}
    with tarfile.open(good) as tar:
        for info in tar.getmembers():
            f = tar.extractfile(info)
            members[info.name] = (info, f.read() if f else None)
    # swap the two layers: each diff_id check must fail
    entry = json.loads(members["manifest.json"][1] or b"")[0]
    entry["Layers"].reverse()
    members["manifest.json"] = (members["manifest.json"][0], json.dumps([entry]).encode())
    bad = tmp_path / "bad.tar"
    with tarfile.open(bad, "w") as tar:
        for info, data in members.values():
            if data is not None:
                info.size = len(data)
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    other = ImageStore(tmp_path / "other")
    with pytest.raises(ImageError, match="diff_id mismatch"):
        other.load_docker_archive(bad)
    assert other.list() == []
    assert store_contents(other)["layers"] == [] and store_contents(other)["tmp"] == []
    with pytest.raises(ImageError, match="cannot read the archive"):
        other.load_docker_archive(tmp_path / "missing.tar")


@needs_skopeo
def test_skopeo_reads_our_docker_archive_and_we_read_its_oci_archive(
    store: ImageStore, tmp_path: Path
) -> None:
    two_layer_image(store, tmp_path)
    image = store.resolve("app:1")
    archive = tmp_path / "app.tar"
    store.save_docker_archive("app:1", archive)
    config = json.loads(_run("skopeo", "inspect", "--config", f"docker-archive:{archive}"))
    assert config["rootfs"]["diff_ids"] == list(image.diff_ids)
    assert config["config"]["WorkingDir"] == "/srv"
    oci = tmp_path / "app-oci.tar"
    _run("skopeo", "copy", "-q", f"docker-archive:{archive}", f"oci-archive:{oci}:app:2")
    other = ImageStore(tmp_path / "other")
    [loaded] = other.load_oci_archive(oci)
    # skopeo rewrites the config as OCI (so a new image id) and compresses the layers
    assert (loaded.reference, loaded.diff_ids) == ("app:2", image.diff_ids)
    assert loaded.config == image.config
    assert all(layer.media_type.endswith("gzip") for layer in loaded.layers)
    [renamed] = other.load_oci_archive(oci, "renamed:x")
    assert renamed.manifest_digest == loaded.manifest_digest
    assert {i.reference for i in other.list()} == {"app:2", "renamed:x"}


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman not installed")
def test_podman_loads_our_docker_archive(store: ImageStore, tmp_path: Path) -> None:
    two_layer_image(store, tmp_path, ref=f"vmforms-test/podman-load:{os.getpid()}")
    image = store.resolve(f"vmforms-test/podman-load:{os.getpid()}")
    archive = tmp_path / "p.tar"
    store.save_docker_archive(image.id, archive)  # by id: untagged in the archive
    [untagged] = ImageStore(tmp_path / "other").load_docker_archive(archive)
    assert (untagged.reference, untagged.id) == (None, image.id)
    tagged = tmp_path / "tagged.tar"
    store.save_docker_archive(image.reference or "", tagged)
    name = f"localhost/{image.reference}"
    try:
        out = _run("podman", "load", "-q", "-i", str(tagged))
        assert f"{image.reference}" in out
        podman_id = _run("podman", "image", "inspect", "--format", "{{.Id}}", name).strip()
        assert podman_id == image.id.removeprefix("sha256:")
    finally:
        subprocess.run(["podman", "rmi", name], capture_output=True, timeout=120)


def _run(*args: str) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    return done.stdout
