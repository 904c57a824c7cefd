"""Image exchange: docker-archive (the `docker save` / `docker load` tarball: manifest.json,
a config per image, one uncompressed layer.tar per layer) and OCI archives (a tarred OCI
image-spec image-layout.md directory: oci-layout, index.json, blobs/sha256/<hex>).

Everything read from an archive is verified: configs and manifests against their
digests, layers against the diff_ids of their config, before anything is tagged.
"""

from __future__ import annotations

import json
import os
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from vmforms.container.errors import ImageError, InvalidOption
from vmforms.container.image.records import (
    ANNOTATION_REF_NAME,
    INDEX_MEDIA_TYPES,
    MEDIA_TYPE_OCI_LAYER,
    MEDIA_TYPE_OCI_LAYER_GZIP,
    OCI_LAYOUT_VERSION,
    Descriptor,
    Image,
    ImageConfiguration,
    Index,
    Manifest,
    canonical_json,
    check_digest,
)
from vmforms.container.image.reference import normalize_tag, parse_reference
from vmforms.container.image.unpack import DigestReader, LayerDigests
from vmforms.container.image.writer import StoreWriter, host_architecture

if TYPE_CHECKING:
    from vmforms.container.image.platform import Platform
    from vmforms.container.image.store import ImageStore

_HEX_NAME = re.compile(r"(?:^|/)(?:sha256[:/])?([0-9a-f]{64})(?:\.json)?$")
_CHUNK = 1 << 20


class _Archive:
    """Members of a tarball (or files of a directory) by name; symlinks inside resolved."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._tar: tarfile.TarFile | None = None
        if not path.is_dir():
            try:
                self._tar = tarfile.open(path, "r:*")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise ImageError(f"load {path}: cannot read the archive: {exc.strerror}") \
                    from None
            except tarfile.TarError:
                raise ImageError(f"load {path}: not a tar archive (plain, gzip, bzip2 or xz)") \
                    from None

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()

    def open(self, name: str) -> BinaryIO:
        if self._tar is None:
            parts = [p for p in name.split("/") if p not in ("", ".")]
            if ".." in parts or not parts:
                raise ImageError(f"load {self.path}: invalid member name {name!r}")
            try:
                return open(self.path.joinpath(*parts), "rb")  # noqa: SIM115
            except OSError as exc:
                raise ImageError(f"load {self.path}: {name}: {exc.strerror}") from None
        for candidate in (name, name.lstrip("/"), "./" + name.lstrip("./")):
            try:
                member = self._tar.extractfile(candidate)
            except (KeyError, tarfile.TarError):
                continue
            if member is not None:
                return cast(BinaryIO, member)
        raise ImageError(f"load {self.path}: {name} is missing from the archive")

    def read(self, name: str) -> bytes:
        with self.open(name) as member:
            return member.read()

    def has(self, name: str) -> bool:
        if self._tar is None:
            return (self.path / name).is_file()
        try:
            self._tar.getmember(name)
        except KeyError:
            try:
                self._tar.getmember("./" + name)
            except KeyError:
                return False
        return True


@contextmanager
def _opened(path: Path) -> Iterator[_Archive]:
    """The archive at `path`; a truncated or damaged one, found wherever it is read, is
    one ImageError naming it."""
    import gzip
    import zlib

    archive = _Archive(path)
    try:
        yield archive
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ImageError(f"load {path}: the archive is truncated or damaged: {exc}") from None
    finally:
        archive.close()


def _store_layer(
    writer: StoreWriter, archive: _Archive, name: str, diff_id: str, digest: str | None
) -> LayerDigests | Descriptor:
    """A layer from the archive, read only when the store does not have it yet."""
    if digest is None and writer.has_layer(diff_id, diff_id):  # stored uncompressed
        size = writer.store.blob_path(diff_id).stat().st_size
        return Descriptor(MEDIA_TYPE_OCI_LAYER, diff_id, size)
    with archive.open(name) as raw:
        return writer.add_layer(
            raw, f"{archive.path}:{name}", expected_diff_id=diff_id, expected_digest=digest
        )


def load_archive(store: ImageStore, path: Path, platform: Platform | None = None) -> list[Image]:
    """`docker load`: an OCI layout (index.json) whose images are indexes, kept whole or
    for `platform`; else a docker-archive (manifest.json); else any OCI layout."""
    with _opened(path) as archive:
        docker = archive.has("manifest.json")
        oci = archive.has("index.json")
        if not docker and not oci:
            raise ImageError(f"load {path}: neither manifest.json nor index.json in the "
                             "archive: not a docker-archive or OCI image layout")
        if oci and docker:
            top = Index.from_bytes(archive.read("index.json"), f"{path}: index.json")
            docker = not any(d.media_type in INDEX_MEDIA_TYPES for d in top.manifests)
    if docker:
        if platform is not None:
            _check_docker_platforms(path, platform)
        return load_docker_archive(store, path)
    return load_oci_archive(store, path, platform=platform)


def _check_docker_platforms(path: Path, platform: Platform) -> None:
    """Refuse, before anything is stored, a docker-archive holding another platform."""
    with _opened(path) as archive:
        entries = _parse_json(archive.read("manifest.json"), f"{path}: manifest.json")
        for entry in entries if isinstance(entries, list) else ():
            name = entry.get("Config") if isinstance(entry, dict) else None
            if not isinstance(name, str):
                continue  # load_docker_archive names the fault
            conf = ImageConfiguration.from_bytes(archive.read(name), f"{path}: {name}")
            if not platform.matches({"os": conf.os, "architecture": conf.architecture,
                                     "variant": conf.variant}):
                raise ImageError(f"load {path}: the archive holds an image for "
                                 f"{conf.os}/{conf.architecture}, not {platform}")


def load_docker_archive(store: ImageStore, path: Path) -> list[Image]:
    loaded: list[tuple[str, str | None]] = []
    with _opened(path) as archive, store.writing() as writer:
        entries = _parse_json(archive.read("manifest.json"), f"{path}: manifest.json")
        if not isinstance(entries, list) or not entries:
            raise ImageError(f"load {path}: manifest.json must be a non-empty list")
        for entry in entries:
            if not isinstance(entry, dict) or not isinstance(entry.get("Config"), str):
                raise ImageError(f"load {path}: manifest.json entry without Config")
            config_name: str = entry["Config"]
            config_bytes = archive.read(config_name)
            match = _HEX_NAME.search(config_name)
            expected = "sha256:" + match.group(1) if match else None
            writer.put_bytes(config_bytes, expected, f"{path}: {config_name}")
            conf = ImageConfiguration.from_bytes(config_bytes, f"{path}: {config_name}")
            names = entry.get("Layers") or []
            if not isinstance(names, list) or len(names) != len(conf.diff_ids):
                raise ImageError(
                    f"load {path}: {config_name} lists {len(conf.diff_ids)} diff_ids but "
                    f"manifest.json {len(names)} layers"
                )
            layers: list[LayerDigests | Descriptor] = [
                _store_layer(writer, archive, str(name), diff_id, None)
                for name, diff_id in zip(names, conf.diff_ids, strict=True)
            ]
            tags = [normalize_tag(t) for t in entry.get("RepoTags") or [] if isinstance(t, str)]
            desc = writer.add_image(layers, conf, tags[0] if tags else None, config_bytes)
            for tag in tags[1:]:
                writer.tag(desc, tag)
            loaded += [(desc.digest, tag) for tag in tags] or [(desc.digest, None)]
    return [store.image(digest, tag) for digest, tag in loaded]


def save_docker_archive(store: ImageStore, ref: str, path: Path,
                        platform: Platform | None = None) -> None:
    """`docker save`: the image for `platform` (this host's by default) as a docker-archive.
    An image index saved without --platform, all of its platforms present, is written as
    Docker 25 writes it: the docker-archive of this host's image and, beside it, an OCI
    image layout (oci-layout, index.json, blobs/) holding the whole index, its blobs as
    stored, so that its digests survive `load` (and skopeo's oci-archive: reads it)."""
    image = store.resolve(ref, platform)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with store.lock(shared=True), tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
            _write_docker_parts(tar, store, image, ref, path)
            if platform is None and image.index is not None and image.reference \
                    and _named(ref, image) and _index_complete(store, image.index):
                _write_oci_layout(tar, store, image.index, image.reference)
        os.replace(tmp, path)
    except OSError as exc:
        raise ImageError(f"save {ref} to {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _index_complete(store: ImageStore, index: Descriptor) -> bool:
    listed = Index.from_bytes(store.read_blob(index.digest), f"image index {index.digest}")
    return len(store.children(index)) == len(listed.manifests)


def _write_oci_layout(tar: tarfile.TarFile, store: ImageStore, index: Descriptor,
                      reference: str) -> None:
    written: set[str] = set()

    def blob(digest: str) -> None:
        if digest in written:
            return
        written.add(digest)
        source = store.blob_path(digest)
        with open(source, "rb") as data:
            tar.addfile(_member(_blob_name(digest), source.stat().st_size), data)

    _add_dir(tar, "blobs")
    _add_dir(tar, "blobs/sha256")
    blob(index.digest)
    for child in store.children(index):
        blob(child.digest)
        manifest = store.manifest(child.digest)
        blob(manifest.config.digest)
        for layer in manifest.layers:
            blob(layer.digest)
    top = Descriptor(index.media_type, index.digest, index.size,
                     {ANNOTATION_REF_NAME: reference})
    _add_bytes(tar, "oci-layout", canonical_json({"imageLayoutVersion": OCI_LAYOUT_VERSION}))
    _add_bytes(tar, "index.json", Index((top,)).to_bytes())


def _write_docker_parts(tar: tarfile.TarFile, store: ImageStore, image: Image, ref: str,
                        path: Path) -> None:
    config_name = check_digest(image.id, "image id") + ".json"
    _add_bytes(tar, config_name, store.read_blob(image.id))
    layer_names: list[str] = []
    parent = ""
    for layer, diff_id in zip(image.layers, image.diff_ids, strict=True):
        hex_id = check_digest(diff_id, "diff_id")
        name = f"{hex_id}/layer.tar"
        _add_dir(tar, hex_id)
        _add_bytes(tar, f"{hex_id}/VERSION", b"1.0")
        legacy: dict[str, Any] = {"id": hex_id, "created": image.created or ""}
        if parent:
            legacy["parent"] = parent
        _add_bytes(tar, f"{hex_id}/json", canonical_json(legacy))
        with _uncompressed_layer(store, layer, diff_id, path) as (data, size):
            member = _member(name, size)
            tar.addfile(member, data)
        layer_names.append(name)
        parent = hex_id
    tags = [image.reference] if image.reference and _named(ref, image) else []
    manifest = [{"Config": config_name, "RepoTags": tags, "Layers": layer_names}]
    _add_bytes(tar, "manifest.json", canonical_json(manifest))
    if image.reference and parent:
        repo, _, tag = image.reference.rpartition(":")
        _add_bytes(tar, "repositories", canonical_json({repo: {tag: parent}}))


def _named(ref: str, image: Image) -> bool:
    """Whether `ref` named the image (saved with its tag) rather than gave its id."""
    try:
        parsed = parse_reference(ref)
    except InvalidOption:
        return False
    return parsed.digest is not None or str(parsed) == image.reference


@contextmanager
def _uncompressed_layer(
    store: ImageStore, layer: Descriptor, diff_id: str, dest: Path
) -> Iterator[tuple[BinaryIO, int]]:
    blob = store.blob_path(layer.digest)
    if layer.media_type == MEDIA_TYPE_OCI_LAYER or layer.digest == diff_id:
        with open(blob, "rb") as data:
            yield data, blob.stat().st_size
        return
    import gzip
    import tempfile

    with open(blob, "rb") as raw, tempfile.TemporaryFile(dir=dest.parent) as out:
        reader = DigestReader(gzip.GzipFile(fileobj=raw, mode="rb"), out)  # type: ignore[arg-type]
        reader.drain()
        if reader.digest != diff_id:
            raise ImageError(f"save: layer {layer.digest} does not match its diff_id {diff_id}")
        out.seek(0)
        yield out, reader.size  # type: ignore[misc]


def _member(name: str, size: int = 0, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mtime = size, kind, 0
    info.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    import io

    tar.addfile(_member(name, len(data)), io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str) -> None:
    tar.addfile(_member(name, 0, tarfile.DIRTYPE))


def _parse_json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except ValueError as exc:
        raise ImageError(f"load {what}: invalid JSON: {exc}") from None


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + check_digest(digest, "descriptor digest")


def _platform_manifest(archive: _Archive, desc: Descriptor, depth: int = 0) -> Descriptor:
    """Follow nested image indexes down to a manifest for this host (image-index.md)."""
    if desc.media_type not in INDEX_MEDIA_TYPES:
        return desc
    if depth > 4:
        raise ImageError(f"load {archive.path}: image indexes nested too deeply")
    index = Index.from_bytes(archive.read(_blob_name(desc.digest)), f"index {desc.digest}")
    arch = host_architecture()
    for entry in index.manifests:
        if entry.platform.get("architecture", arch) == arch and entry.platform.get(
            "os", "linux"
        ) == "linux":
            return _platform_manifest(archive, entry, depth + 1)
    raise ImageError(f"load {archive.path}: no manifest for linux/{arch} in {desc.digest}")


def _index_children(archive: _Archive, top: Descriptor, writer: StoreWriter,
                    platform: Platform | None) -> list[Descriptor] | None:
    """The manifests of a top-level image index to load (those of `platform`, else every
    one the archive holds), its own blob stored; None when it is not a flat index."""
    from vmforms.container.image.platform import choose

    data = archive.read(_blob_name(top.digest))
    index = Index.from_bytes(data, f"{archive.path}: index {top.digest}")
    if any(c.media_type in INDEX_MEDIA_TYPES for c in index.manifests):
        return None  # nested: only the platform's manifest is loaded, the index dropped
    writer.put_bytes(data, top.digest, f"{archive.path}: index")
    present = [c for c in index.manifests if archive.has(_blob_name(c.digest))]
    if platform is None:
        if not present:
            raise ImageError(f"load {archive.path}: index {top.digest} has no manifest "
                             "in the archive")
        return present
    where = choose([c.platform for c in present], platform)
    if where is None:
        raise ImageError(f"load {archive.path}: no manifest for {platform} in the archive")
    return [present[where]]


def _load_manifest(writer: StoreWriter, archive: _Archive, desc: Descriptor) -> bytes:
    """A manifest, its config and its layers from the archive into the store, verified."""
    path = archive.path
    data = archive.read(_blob_name(desc.digest))
    writer.put_bytes(data, desc.digest, f"{path}: manifest")
    manifest = Manifest.from_bytes(data, f"{path}: manifest {desc.digest}")
    config_bytes = archive.read(_blob_name(manifest.config.digest))
    writer.put_bytes(config_bytes, manifest.config.digest, f"{path}: config")
    conf = ImageConfiguration.from_bytes(config_bytes, f"{path}: config")
    if len(conf.diff_ids) != len(manifest.layers):
        raise ImageError(f"load {path}: manifest {desc.digest} and its config disagree "
                         "on the number of layers")
    for layer, diff_id in zip(manifest.layers, conf.diff_ids, strict=True):
        if layer.media_type not in (MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP) \
                and not layer.media_type.endswith(".tar.gzip"):
            raise ImageError(f"load {path}: layer media type {layer.media_type} is "
                             "not supported")
        if not writer.has_layer(layer.digest, diff_id):
            _store_layer(writer, archive, _blob_name(layer.digest), diff_id, layer.digest)
    return data


def load_oci_archive(store: ImageStore, path: Path, ref: str | None = None,
                     platform: Platform | None = None) -> list[Image]:
    """The images of an OCI layout; a top-level image index is kept as an index (with
    the manifests of every platform in the archive, or of `platform` only)."""
    loaded: list[tuple[Descriptor, str | None]] = []
    with _opened(path) as archive, store.writing() as writer:
        index = Index.from_bytes(archive.read("index.json"), f"{path}: index.json")
        if not index.manifests:
            raise ImageError(f"load {path}: index.json lists no image")
        if ref is not None and len(index.manifests) > 1:
            raise ImageError(f"load {path}: holds {len(index.manifests)} images; cannot tag "
                             f"them all {ref}")
        for top in index.manifests:
            name = ref if ref is not None else _top_name(top)
            tag = normalize_tag(name) if name else None
            children = None
            if top.media_type in INDEX_MEDIA_TYPES:
                children = _index_children(archive, top, writer, platform)
            if children is not None:
                for child in children:
                    _load_manifest(writer, archive, child)
                stored = Descriptor(top.media_type, top.digest, top.size)
            else:
                desc = _platform_manifest(archive, top)
                data = _load_manifest(writer, archive, desc)
                stored = Descriptor(desc.media_type, desc.digest, len(data))
            writer.tag(stored, tag)
            loaded.append((stored, tag))
    return [store.entry_image(desc, tag, platform) for desc, tag in loaded]


def _top_name(top: Descriptor) -> str | None:
    """The tag of an index.json entry: ref.name, or containerd's full image name when
    ref.name is a bare tag (as Docker's `save` writes them)."""
    name = top.ref_name
    full = top.annotations.get("io.containerd.image.name")
    if full and (name is None or ":" not in name and "/" not in name):
        return full
    return name
