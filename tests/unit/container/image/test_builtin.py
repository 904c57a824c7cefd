"""The built-in busybox image: reproducible, idempotent, a valid OCI image for skopeo."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from vmforms.container.errors import ContainerError
from vmforms.container.image import builtin
from vmforms.container.image.builtin import BUSYBOX, BUSYBOX_REF, ensure_busybox
from vmforms.container.image.platform import parse_platform
from vmforms.container.image.records import MEDIA_TYPE_OCI_MANIFEST, Manifest
from vmforms.container.image.store import ImageStore

from .conftest import needs_root

pytestmark = pytest.mark.skipif(
    not os.access(BUSYBOX, os.X_OK), reason=f"{BUSYBOX} missing: apt-get install busybox-static"
)
needs_skopeo = pytest.mark.skipif(shutil.which("skopeo") is None, reason="skopeo not installed")


def _foreign_debs() -> bool:
    folders = builtin.deb_dirs()
    return all(any(f.glob(f"busybox-static_*_{arch}.deb") for f in folders if f.is_dir())
               for arch in ("i386", "riscv64"))


# The i386 and riscv64 packages come from Debian's archive; `vmforms setup` fetches them
needs_foreign = pytest.mark.skipif(not _foreign_debs(),
                                   reason="busybox-static i386/riscv64 .debs not fetched yet "
                                   "(vmforms setup)")


def test_building_twice_gives_the_same_digests(store: ImageStore, tmp_path: Path) -> None:
    assert "built for" in ensure_busybox()
    first = store.resolve("busybox")
    # a second store, built from scratch: reproducible, not merely cached
    other = ImageStore(tmp_path / "other")
    assert "built for" in ensure_busybox(other)
    second = other.resolve(BUSYBOX_REF)
    assert (second.manifest_digest, second.id, second.diff_ids, second.layers) == (
        first.manifest_digest, first.id, first.diff_ids, first.layers
    )
    # the whole index too: every platform's layer, config and manifest
    assert first.index is not None and second.index is not None
    assert (second.index.digest, second.platforms) == (first.index.digest, first.platforms)
    # and the same store again after removing the image
    store.remove("busybox")
    assert store.list() == []
    ensure_busybox()
    assert store.resolve("busybox").manifest_digest == first.manifest_digest


def test_image_config_and_manifest(store: ImageStore) -> None:
    ensure_busybox()
    image = store.resolve("busybox:latest")
    assert image.config.cmd == ("sh",)
    assert image.config.env == (
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )
    assert image.os == "linux" and image.architecture == builtin.busybox_configuration(
        image.diff_ids[0], "x").architecture
    manifest_bytes = store.blob_path(image.manifest_digest).read_bytes()
    assert "sha256:" + hashlib.sha256(manifest_bytes).hexdigest() == image.manifest_digest
    manifest = Manifest.from_bytes(manifest_bytes)
    assert manifest.media_type == MEDIA_TYPE_OCI_MANIFEST
    assert manifest.layers[0].media_type == "application/vnd.oci.image.layer.v1.tar+gzip"
    layer_blob = store.blob_path(manifest.layers[0].digest).read_bytes()
    assert layer_blob[:2] == b"\x1f\x8b" and layer_blob[4:8] == b"\0\0\0\0"  # gzip mtime 0
    config = json.loads(store.blob_path(image.id).read_bytes())
    assert config["rootfs"] == {"type": "layers", "diff_ids": list(image.diff_ids)}


@needs_root
def test_layer_is_a_usable_root_filesystem(store: ImageStore) -> None:
    ensure_busybox()
    [layer] = store.layer_dirs(store.resolve("busybox"))
    assert (layer / "bin/busybox").read_bytes() == BUSYBOX.read_bytes()
    assert os.readlink(layer / "bin/sh") == "/bin/busybox"
    assert stat.S_IMODE(os.lstat(layer / "tmp").st_mode) == 0o1777
    assert stat.S_IMODE(os.lstat(layer / "root").st_mode) == 0o700
    for d in ("proc", "sys", "dev", "home", "etc"):
        assert (layer / d).is_dir()
    assert "root:x:0:0:" in (layer / "etc/passwd").read_text()
    assert "nobody:x:65534:" in (layer / "etc/group").read_text()
    assert not (layer / "etc/hosts").exists() and not (layer / "etc/hostname").exists()
    st = os.lstat(layer / "bin/busybox")
    assert (st.st_uid, st.st_gid, st.st_mtime) == (0, 0, 0)
    applets = subprocess.run([str(BUSYBOX), "--list-full"], capture_output=True, text=True,
                             check=True).stdout.split()
    assert "bin/sh" in applets and "usr/bin/wc" in applets
    # every applet but /linuxrc, the initrd entry point, which has no place in an image
    assert [a for a in applets if not os.path.lexists(layer / a)] == ["linuxrc"]
    done = subprocess.run(["chroot", str(layer), "/bin/sh", "-c", "echo $((6*7)); ls /usr/bin/wc"],
                          capture_output=True, text=True)
    assert done.stdout.split() == ["42", "/usr/bin/wc"], done.stderr


def test_second_call_is_cached(store: ImageStore, monkeypatch: pytest.MonkeyPatch) -> None:
    ensure_busybox()
    index_mtime = store.index_path.stat().st_mtime_ns

    def no_build(*args: object) -> bytes:
        raise AssertionError("rebuilt although already built")

    monkeypatch.setattr(builtin, "build_layer", no_build)
    assert ensure_busybox().endswith("(already built)")
    assert store.index_path.stat().st_mtime_ns == index_mtime


def test_missing_layer_dir_is_rebuilt(store: ImageStore) -> None:
    ensure_busybox()
    image = store.resolve("busybox")
    shutil.rmtree(store.layer_path(image.diff_ids[0]))
    assert "built for" in ensure_busybox()
    assert store.layer_dirs(store.resolve("busybox"))


def test_missing_busybox_says_what_to_install(
    store: ImageStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(builtin, "BUSYBOX", tmp_path / "no-busybox")
    with pytest.raises(ContainerError, match="apt-get install busybox-static"):
        ensure_busybox()
    assert store.list() == []


@needs_skopeo
def test_skopeo_reads_the_oci_layout(store: ImageStore, tmp_path: Path) -> None:
    ensure_busybox()
    image = store.resolve("busybox")
    assert image.index is not None
    layout = f"oci:{store.root}:{BUSYBOX_REF}"
    inspect = json.loads(_skopeo("inspect", layout))
    assert inspect["Digest"] == image.index.digest  # the tag names the index
    assert inspect["Layers"] == [image.layers[0].digest]  # skopeo chose this host's manifest
    assert inspect["Env"] == list(image.config.env)
    raw = _skopeo("inspect", "--raw", layout).encode()
    assert "sha256:" + hashlib.sha256(raw).hexdigest() == image.index.digest
    # skopeo's docker-archive of our image loads back to the same image id
    archive = tmp_path / "from-skopeo.tar"
    _skopeo("copy", "-q", layout, f"docker-archive:{archive}:{BUSYBOX_REF}")
    other = ImageStore(tmp_path / "other")
    [loaded] = other.load_docker_archive(archive)
    assert (loaded.reference, loaded.id, loaded.diff_ids) == (BUSYBOX_REF, image.id,
                                                              image.diff_ids)


@needs_skopeo
@needs_foreign
def test_skopeo_chooses_each_platform(store: ImageStore) -> None:
    ensure_busybox()
    layout = f"oci:{store.root}:{BUSYBOX_REF}"
    raw = json.loads(_skopeo("inspect", "--raw", layout))
    assert raw["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [(m["platform"]["os"], m["platform"]["architecture"]) for m in raw["manifests"]] == [
        ("linux", "amd64"), ("linux", "386"), ("linux", "riscv64")]
    for arch in ("386", "riscv64"):
        image = store.resolve("busybox", parse_platform(f"linux/{arch}"))
        seen = json.loads(_skopeo("--override-arch", arch, "inspect", layout))
        assert (seen["Architecture"], seen["Layers"]) == (arch, [image.layers[0].digest])


@needs_foreign
def test_each_platform_holds_its_own_busybox(store: ImageStore) -> None:
    ensure_busybox()
    sources, _ = builtin.busybox_sources()
    machines = {"amd64": 62, "386": 3, "riscv64": 243}  # ELF e_machine
    seen = set()
    for source in sources:
        image = store.resolve("busybox", source.platform)
        assert (image.os, image.architecture) == ("linux", source.platform.architecture)
        assert image.config.labels[builtin.LABEL_SOURCE] == source.sha256
        assert image.platforms == ("linux/amd64", "linux/386", "linux/riscv64")
        layer = store.read_blob(image.layers[0].digest)
        assert hashlib.sha256(source.binary).hexdigest() == source.sha256
        elf = source.binary[:20]
        assert elf[:4] == b"\x7fELF" and int.from_bytes(elf[18:20], "little") == \
            machines[source.platform.architecture]
        assert elf[4] == (1 if source.platform.architecture == "386" else 2)  # ELF class
        seen.add(layer)
    assert len(seen) == 3  # three different layers


def _skopeo(*args: str) -> str:
    done = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout
