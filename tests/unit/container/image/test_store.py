"""The image store: import, resolve, list, remove and garbage collection, crash debris."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import pytest

from vmforms.container.errors import ContainerError, ImageError, ImageNotFound, InvalidOption
from vmforms.container.image.records import Image, ImageConfig
from vmforms.container.image.store import ImageStore

from .conftest import TarBuilder, store_contents


def rootfs(tmp_path: Path, name: str = "rootfs.tar", *, marker: bytes = b"1",
           compress: bool = False) -> Path:
    b = (
        TarBuilder()
        .dir("./")
        .dir("bin")
        .file("bin/tool", b"#!/bin/sh\n", 0o755)
        .dir("etc")
        .file("etc/marker", marker)
        .symlink("etc/alias", "marker")
    )
    return b.write(tmp_path / name, compress=compress)


def image_config_size(store: ImageStore, image: Image) -> int:
    return len(store.read_blob(image.id))


def sha256_file(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("compress", [False, True])
def test_import_rootfs_makes_a_one_layer_image(
    store: ImageStore, tmp_path: Path, compress: bool
) -> None:
    tarball = rootfs(tmp_path, compress=compress)
    image = store.import_rootfs(tarball, "myroot")
    assert image.reference == "myroot:latest"
    assert len(image.diff_ids) == 1 and len(image.layers) == 1
    assert image.layers[0].digest == sha256_file(tarball)  # the blob is the tarball as given
    assert image.layers[0].media_type.endswith("+gzip") == compress
    assert image.config.env == ()  # as docker and podman import: PATH comes at run time
    assert image.architecture and image.os == "linux" and image.created.endswith("Z")
    # SIZE as podman reports it: the uncompressed tar plus the config blob
    tar_size = len(gzip.decompress(tarball.read_bytes())) if compress else tarball.stat().st_size
    assert image.size == tar_size + image_config_size(store, image)
    [layer] = store.layer_dirs(image)
    assert layer == store.root / "layers" / image.diff_ids[0].removeprefix("sha256:")
    assert (layer / "etc/marker").read_bytes() == b"1"
    assert os.readlink(layer / "etc/alias") == "marker"
    # every blob is stored under its own digest, and the index is an OCI image layout
    for blob in (store.root / "blobs/sha256").iterdir():
        assert sha256_file(blob) == "sha256:" + blob.name
    assert json.loads((store.root / "oci-layout").read_text()) == {"imageLayoutVersion": "1.0.0"}
    index = json.loads((store.root / "index.json").read_text())
    [entry] = index["manifests"]
    assert entry["annotations"]["org.opencontainers.image.ref.name"] == "myroot:latest"
    assert entry["digest"] == image.manifest_digest


def test_resolve_accepts_docker_reference_forms(store: ImageStore, tmp_path: Path) -> None:
    image = store.import_rootfs(rootfs(tmp_path), "example.com:5000/team/app:v1")
    hex_id = image.id.removeprefix("sha256:")
    for ref in (
        "example.com:5000/team/app:v1",
        f"example.com:5000/team/app@{image.manifest_digest}",
        image.id,
        hex_id,
        hex_id[:12],
        f"sha256:{hex_id[:6]}",
    ):
        found = store.resolve(ref)
        assert found.id == image.id, ref
        assert found.reference == "example.com:5000/team/app:v1"
    with pytest.raises(ImageNotFound, match="no such image: example.com:5000/team/app$"):
        store.resolve("example.com:5000/team/app")  # means :latest, which does not exist
    with pytest.raises(ImageNotFound, match="no such image: other"):
        store.resolve("other")
    with pytest.raises(InvalidOption, match="invalid reference format"):
        store.resolve("Bad Name!")
    with pytest.raises(InvalidOption):
        store.import_rootfs(rootfs(tmp_path), "UPPER:case")


def test_a_name_is_preferred_to_an_id_prefix(store: ImageStore, tmp_path: Path) -> None:
    first = store.import_rootfs(rootfs(tmp_path, marker=b"a"), "first")
    prefix = first.id.removeprefix("sha256:")[:4]
    second = store.import_rootfs(rootfs(tmp_path, "b.tar", marker=b"b"), prefix)
    assert store.resolve(prefix).id == second.id  # the tag `prefix:latest` wins
    assert store.resolve(f"sha256:{prefix}").id == first.id


def test_ambiguous_id_prefix_is_refused(store: ImageStore, tmp_path: Path) -> None:
    ids = {store.import_rootfs(rootfs(tmp_path, f"{i}.tar", marker=str(i).encode()),
                               f"img{i}").id for i in range(20)}
    # among 20 ids some pair shares its first hex digit (pigeonhole over 16 digits)
    first_digits = [i.removeprefix("sha256:")[0] for i in ids]
    shared = next(d for d in first_digits if first_digits.count(d) > 1)
    with pytest.raises(ContainerError, match="ambiguous"):
        store.resolve(shared)


def test_list_shows_tags_and_untagged_images(store: ImageStore, tmp_path: Path) -> None:
    assert store.list() == []
    old = store.import_rootfs(rootfs(tmp_path, marker=b"old"), "app:1")
    new = store.import_rootfs(rootfs(tmp_path, "new.tar", marker=b"new"), "app:1")
    assert old.id != new.id
    listed = {(i.reference, i.id) for i in store.list()}
    assert listed == {("app:1", new.id), (None, old.id)}  # the old image lost its tag
    assert store.resolve(old.id[7:19]).reference is None
    report = store.prune()
    assert report[0] == f"Deleted: {old.id}"
    assert {f"Deleted: {old.layers[0].digest}", f"Deleted: {old.diff_ids[0]}"} <= set(report)
    assert [i.reference for i in store.list()] == ["app:1"]
    assert not store.layer_path(old.diff_ids[0]).exists()
    assert store.layer_dirs(new)


def _image_hexes(store: ImageStore, image: Image) -> set[str]:
    hexes = {image.manifest_digest, image.id, *image.diff_ids, *(d.digest for d in image.layers)}
    return {h.removeprefix("sha256:") for h in hexes}


def test_remove_deletes_what_only_that_image_used(store: ImageStore, tmp_path: Path) -> None:
    keep = store.import_rootfs(rootfs(tmp_path, marker=b"keep"), "keep")
    shared_tar = rootfs(tmp_path, "shared.tar", marker=b"shared")
    a = store.import_rootfs(shared_tar, "shared-a")
    b = store.import_rootfs(shared_tar, "shared-b", config=ImageConfig(cmd=("sh",)))
    assert a.diff_ids == b.diff_ids and a.id != b.id  # one layer dir, two images
    report = store.remove("shared-a")
    assert report[0] == "Untagged: shared-a:latest"
    assert f"Deleted: {a.id}" in report
    assert store.layer_path(a.diff_ids[0]).is_dir()  # still used by shared-b
    store.remove("shared-b")
    assert not store.layer_path(a.diff_ids[0]).exists()
    assert store_contents(store) == {
        "blobs/sha256": sorted(_image_hexes(store, keep) - {keep.diff_ids[0][7:]}
                               | {keep.layers[0].digest[7:]}),
        "layers": [keep.diff_ids[0][7:]],
        "layer-sizes": [keep.diff_ids[0][7:]],
        "tmp": [],
    }
    store.remove(keep.id[7:15])
    assert store_contents(store) == {"blobs/sha256": [], "layers": [], "tmp": []}
    with pytest.raises(ImageNotFound, match="no such image: keep"):
        store.remove("keep")


def test_remove_by_id_with_several_tags_needs_force(store: ImageStore, tmp_path: Path) -> None:
    tarball = rootfs(tmp_path)
    one = store.import_rootfs(tarball, "one")
    assert store.tag("one", "two").reference == "two:latest"  # `docker tag`
    assert store.resolve("two").id == one.id
    with pytest.raises(ContainerError, match="must be forced"):
        store.remove(one.id)
    assert len(store.list()) == 2
    assert store.remove("one") == ["Untagged: one:latest"]  # a tag alone: just untag
    assert store.layer_dirs(store.resolve("two"))
    store.tag("two", "one")
    report = store.remove(one.id, force=True)
    assert {"Untagged: one:latest", "Untagged: two:latest", f"Deleted: {one.id}"} <= set(report)
    assert store.list() == []


def test_remove_refuses_an_image_in_use_unless_forced(tmp_path: Path,
                                                      store: ImageStore) -> None:
    image = store.import_rootfs(rootfs(tmp_path), "busy")
    users: set[str] = {image.id}
    guarded = ImageStore(store.root, in_use=lambda img: img.id in users)
    with pytest.raises(ContainerError, match="in use by a container") as err:
        guarded.remove("busy")
    assert err.value.exit_code == 125
    assert guarded.resolve("busy").id == image.id and guarded.layer_dirs(image)
    guarded.remove("busy", force=True)
    assert guarded.list() == []
    assert store_contents(guarded)["layers"] == []


def test_writer_removes_crash_debris_and_half_unpacked_layers(
    store: ImageStore, tmp_path: Path
) -> None:
    image = store.import_rootfs(rootfs(tmp_path), "base")
    # what a writer killed mid-way leaves: work in progress in tmp/, an orphan blob
    half = store.root / "tmp" / "layer-999-dead"
    (half / "etc").mkdir(parents=True)
    (store.root / "tmp" / "blob-999-dead").write_bytes(b"partial")
    orphan = store.root / "blobs/sha256" / ("0" * 64)
    orphan.write_bytes(b"orphan")
    assert store.resolve("base").id == image.id  # readers never look at tmp/
    store.import_rootfs(rootfs(tmp_path, "x.tar", marker=b"x"), "other")
    assert store_contents(store)["tmp"] == []
    store.remove("other")
    assert not orphan.exists()
    assert store.layer_dirs(store.resolve("base"))


def test_missing_layer_dir_is_reported(store: ImageStore, tmp_path: Path) -> None:
    image = store.import_rootfs(rootfs(tmp_path), "broken")
    os.rename(store.layer_path(image.diff_ids[0]), tmp_path / "moved")
    with pytest.raises(ImageError, match="missing"):
        store.layer_dirs(image)


def test_corrupt_metadata_is_an_image_error(store: ImageStore, tmp_path: Path) -> None:
    image = store.import_rootfs(rootfs(tmp_path), "corrupt")
    store.blob_path(image.manifest_digest).write_bytes(b"{not json")
    with pytest.raises(ImageError, match="invalid JSON"):
        store.resolve("corrupt")
    with pytest.raises(ImageError, match="No such file"):
        store.import_rootfs(tmp_path / "absent.tar", "absent")


def test_resolve_imports_nothing_heavy(store: ImageStore, tmp_path: Path) -> None:
    import subprocess
    import sys

    store.import_rootfs(rootfs(tmp_path), "light")
    code = (
        "import sys\n"
        "from vmforms.container.image.store import ImageStore\n"
        "s = ImageStore(); s.layer_dirs(s.resolve('light'))\n"
        "print(sorted(m for m in ('tarfile', 'gzip', 'hashlib', 'zlib', 'shutil')"
        " if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, env={**os.environ, "VMFORMS_ROOT": str(store.root.parent)})
    assert out.stdout.strip() == "[]"


def test_unknown_image_changes_nothing(tmp_path: Path) -> None:
    fresh = ImageStore(tmp_path / "never")
    with pytest.raises(ImageNotFound, match="no such image: nope"):
        fresh.remove("nope")
    assert not (tmp_path / "never").exists()
