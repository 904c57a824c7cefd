"""Writing the image store: verified blobs, layers unpacked once, tags in index.json,
removal and garbage collection (OCI image-spec image-layout.md).

Every write goes to tmp/ first and is renamed into place, and index.json, which makes an
image visible, is replaced last: a writer killed at any point leaves at worst unreferenced
blobs and layer dirs, which the next garbage collection deletes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from vmforms.container.errors import ContainerError, ImageError
from vmforms.container.image.records import (
    ANNOTATION_BUILD_CACHE,
    ANNOTATION_REF_NAME,
    ANNOTATION_REPO_DIGEST,
    MEDIA_TYPE_OCI_CONFIG,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    OCI_LAYOUT_VERSION,
    Descriptor,
    History,
    Image,
    ImageConfig,
    ImageConfiguration,
    Index,
    Manifest,
    canonical_json,
)
from vmforms.container.image.reference import normalize_tag, parse_reference
from vmforms.container.image.unpack import LayerDigests, unpack_layer

if TYPE_CHECKING:
    from vmforms.container.image.store import ImageStore

DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# uname -m -> GOARCH, the names OCI config.md `architecture` uses
_GOARCH = {
    "x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "armv6l": "arm",
    "i386": "386", "i686": "386", "riscv64": "riscv64", "ppc64le": "ppc64le",
    "s390x": "s390x", "mips64": "mips64",
}


def host_architecture() -> str:
    machine = os.uname().machine
    return _GOARCH.get(machine, machine)


def rfc3339_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class StoreWriter:
    """The store's write half; only exists while its holder owns the exclusive lock."""

    def __init__(self, store: ImageStore) -> None:
        self.store = store
        self.root = store.root
        self.tmp = store.root / "tmp"

    def prepare(self) -> None:
        for sub in ("blobs/sha256", "layers", "layer-sizes", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for stale in self.tmp.iterdir():  # a crashed writer's; we hold the lock
            _remove_path(stale)
        if not (self.root / "oci-layout").exists():
            self._write_atomic(
                self.root / "oci-layout", canonical_json({"imageLayoutVersion": OCI_LAYOUT_VERSION})
            )
        if not self.store.index_path.exists():
            self.write_index(Index())

    def temp_path(self, kind: str) -> Path:
        return self.tmp / f"{kind}-{os.getpid()}-{secrets.token_hex(6)}"

    def _write_atomic(self, final: Path, data: bytes) -> None:
        tmp = self.temp_path("file")
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)

    # -- blobs and layers ----------------------------------------------------------------
    def put_bytes(self, data: bytes, expected: str | None = None, what: str = "blob") -> str:
        """Store `data` as a blob and return its digest, checking `expected` when given."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if expected is not None and expected != digest:
            raise ImageError(f"store {what}: digest mismatch: expected {expected}, got {digest}")
        final = self.store.blob_path(digest)
        try:
            intact = final.stat().st_size == len(data)
        except FileNotFoundError:
            intact = False
        if not intact:
            self._write_atomic(final, data)
        return digest

    def add_layer(
        self,
        raw: BinaryIO,
        source: str,
        *,
        expected_diff_id: str | None = None,
        expected_digest: str | None = None,
    ) -> LayerDigests:
        """Store the layer stream `raw` as a blob and unpack it, both in one pass."""
        tmp_blob = self.temp_path("blob")
        tmp_dir = self.temp_path("layer")
        try:
            with open(tmp_blob, "xb") as out:
                layer = unpack_layer(raw, tmp_dir, tarball=source, copy_to=out)
                out.flush()
                os.fsync(out.fileno())
            for label, want, got in (
                ("diff_id", expected_diff_id, layer.diff_id),
                ("digest", expected_digest, layer.digest),
            ):
                if want is not None and want != got:
                    raise ImageError(
                        f"store layer {source}: {label} mismatch: expected {want}, got {got}"
                    )
            blob = self.store.blob_path(layer.digest)
            if not blob.exists():
                os.rename(tmp_blob, blob)
            final = self.store.layer_path(layer.diff_id)
            if not final.exists():
                os.rename(tmp_dir, final)
            self._write_atomic(self.store.layer_size_path(layer.diff_id),
                               str(layer.diff_size).encode())
        finally:
            _remove_path(tmp_blob)
            _remove_path(tmp_dir)
        return layer

    def has_layer(self, digest: str, diff_id: str) -> bool:
        return self.store.blob_path(digest).is_file() and self.store.layer_path(diff_id).is_dir()

    def add_image(
        self,
        layers: Sequence[LayerDigests | Descriptor],
        configuration: ImageConfiguration,
        ref: str | None,
        config_bytes: bytes | None = None,
        *,
        listed: bool = True,
    ) -> Descriptor:
        """Store the config and a manifest over `layers`, tag it `ref`; return the
        manifest's descriptor. `config_bytes`, when given, is the config as received.
        Unless `listed`, index.json is left alone (the manifest of a platform, which an
        image index will name)."""
        if config_bytes is None:
            config_bytes = configuration.to_bytes()
        config_digest = self.put_bytes(config_bytes, what="image config")
        descriptors = tuple(
            d if isinstance(d, Descriptor) else Descriptor(d.media_type, d.digest, d.size)
            for d in layers
        )
        manifest = Manifest(
            config=Descriptor(MEDIA_TYPE_OCI_CONFIG, config_digest, len(config_bytes)),
            layers=descriptors,
        )
        data = manifest.to_bytes()
        digest = self.put_bytes(data, what="manifest")
        desc = Descriptor(MEDIA_TYPE_OCI_MANIFEST, digest, len(data))
        if listed:
            self.tag(desc, ref)
        return desc

    def add_index(self, manifests: Sequence[Descriptor], ref: str | None) -> Descriptor:
        """Store an image index (image-index.md) over platform manifests already stored,
        each descriptor carrying its platform, and tag it `ref`."""
        data = Index(tuple(manifests)).to_bytes()
        desc = Descriptor(MEDIA_TYPE_OCI_INDEX, self.put_bytes(data, what="image index"),
                          len(data))
        self.tag(desc, ref)
        return desc

    # -- index.json ----------------------------------------------------------------------
    def write_index(self, index: Index) -> None:
        self._write_atomic(self.store.index_path, index.to_bytes())

    def tag(self, desc: Descriptor, ref: str | None, *, repo_digest: str | None = None) -> None:
        """Point `ref` at `desc`; a manifest that loses its last tag stays, untagged.

        Untagged (`ref` None), `repo_digest` ("repository@digest", as pulled by digest) is
        kept on the entry, so that the image can be named that way later."""
        entries = list(self.store.read_index().manifests)
        plain = Descriptor(desc.media_type, desc.digest, desc.size)
        if ref is None:
            if repo_digest is not None:
                if not any(e.digest == desc.digest
                           and e.annotations.get(ANNOTATION_REPO_DIGEST) == repo_digest
                           for e in entries):
                    entries = [e for e in entries if e.digest != desc.digest or e.annotations]
                    entries.append(Descriptor(desc.media_type, desc.digest, desc.size,
                                              {ANNOTATION_REPO_DIGEST: repo_digest}))
            elif not any(e.digest == desc.digest for e in entries):
                entries.append(plain)
            self.write_index(Index(tuple(entries)))
            return
        displaced = {
            e.digest: Descriptor(e.media_type, e.digest, e.size)
            for e in entries
            if e.ref_name == ref and e.digest != desc.digest
        }
        entries = [
            e for e in entries
            if e.ref_name != ref and not (e.digest == desc.digest and e.ref_name is None)
        ]
        entries.append(
            Descriptor(desc.media_type, desc.digest, desc.size, {ANNOTATION_REF_NAME: ref})
        )
        for digest, old in sorted(displaced.items()):
            if not any(e.digest == digest for e in entries):
                entries.append(old)
        self.write_index(Index(tuple(entries)))

    # -- garbage collection --------------------------------------------------------------
    def collect_garbage(self) -> list[str]:
        """Delete blobs and layer dirs that no manifest in index.json references."""
        keep_blobs: set[str] = set()
        keep_layers: set[str] = set()
        for desc in self.store.read_index().manifests:
            keep_blobs.add(desc.digest)
            try:
                children = self.store.children(desc)
            except ImageError:
                continue  # a damaged index keeps what it still names
            for child in children:
                keep_blobs.add(child.digest)
                try:
                    manifest = self.store.manifest(child.digest)
                    keep_blobs.add(manifest.config.digest)
                    keep_blobs.update(layer.digest for layer in manifest.layers)
                    keep_layers.update(self.store.configuration(manifest).diff_ids)
                except ImageError:
                    continue  # a damaged image keeps what it still names
        deleted: list[str] = []
        blobs = self.root / "blobs" / "sha256"
        for path in sorted(blobs.iterdir()):
            if "sha256:" + path.name not in keep_blobs:
                path.unlink()
                deleted.append("sha256:" + path.name)
        for path in sorted((self.root / "layers").iterdir()):
            if "sha256:" + path.name not in keep_layers:
                # renamed first: a removal cut short leaves debris in tmp/, not a half layer
                doomed = self.temp_path("deleted")
                os.rename(path, doomed)
                _remove_path(doomed)
                deleted.append("sha256:" + path.name)
        sizes = self.root / "layer-sizes"
        for path in sorted(sizes.iterdir()) if sizes.is_dir() else ():
            if "sha256:" + path.name not in keep_layers:
                path.unlink()
        return deleted


def _remove_path(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


def import_rootfs(
    store: ImageStore, tarball: Path, ref: str, *, config: ImageConfig | None = None
) -> Image:
    tag = normalize_tag(ref)
    try:
        source = open(tarball, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise ImageError(f"import {tarball}: {exc.strerror}") from None
    with source, store.writing() as writer:
        layer = writer.add_layer(source, str(tarball))
        created = rfc3339_now()
        configuration = ImageConfiguration(
            architecture=host_architecture(),
            os="linux",
            config=config if config is not None else ImageConfig(),
            diff_ids=(layer.diff_id,),
            created=created,
            history=(History(created=created, created_by="vmforms import",
                             comment=f"Imported from {tarball.name}"),),
        )
        desc = writer.add_image([layer], configuration, tag)
    return store.image(desc.digest, tag)


def remove(store: ImageStore, ref: str, force: bool) -> list[str]:
    store.resolve(ref)  # an unknown image fails before the store is touched
    with store.writing() as writer:
        index = store.read_index()
        target = store.resolve(ref)
        dropped: list[Descriptor] = []
        if _is_name(ref):
            parsed = parse_reference(ref)
            if parsed.digest:
                dropped = [e for e in index.manifests if e.digest == parsed.digest
                           and e.ref_name and e.ref_name.rsplit(":", 1)[0] == parsed.name]
            else:
                dropped = [e for e in index.manifests if e.ref_name == str(parsed)]
        if not dropped:  # resolved as an image id
            dropped = [e for e in index.manifests if e.digest == target.entry_digest]
            tags = {e.ref_name for e in dropped if e.ref_name}
            if len(tags) > 1 and not force:
                raise ContainerError(
                    f"conflict: unable to delete {target.short_id} (must be forced) - image "
                    f"is referenced in multiple repositories: {', '.join(sorted(tags))}"
                )
        kept = [e for e in index.manifests if e not in dropped]
        gone = sorted({e.digest for e in dropped} - {e.digest for e in kept})
        gone_entries = [e for e in dropped if e.digest in gone]
        if not force and store.in_use is not None:
            for image in _entry_images(store, gone_entries, ref):
                if store.in_use(image):
                    raise ContainerError(
                        f"conflict: unable to remove image {ref}: image {image.short_id} is "
                        f"in use by a container; remove the container first or force"
                    )
        report = [f"Untagged: {e.ref_name}" for e in dropped if e.ref_name]
        report += [f"Deleted: {image.id}" for image in _entry_images(store, gone_entries, ref)]
        writer.write_index(Index(tuple(kept)))
        report += [f"Deleted: {d}" for d in writer.collect_garbage()]
    return _unique(report)


def prune(store: ImageStore) -> list[str]:
    with store.writing() as writer:
        index = store.read_index()
        kept = []
        report = []
        for entry in index.manifests:
            if ANNOTATION_BUILD_CACHE in entry.annotations:
                kept.append(entry)  # the build cache: `builder prune`'s, as in Docker
                continue
            images = _entry_images(store, [entry], None)
            if entry.ref_name is None and not (
                store.in_use is not None and any(store.in_use(i) for i in images)
            ):
                report += [f"Deleted: {image.id}" for image in images]
            else:
                kept.append(entry)
        writer.write_index(Index(tuple(kept)))
        report += [f"Deleted: {d}" for d in writer.collect_garbage()]
    return _unique(report)


def _entry_images(store: ImageStore, entries: list[Descriptor], ref: str | None) -> list[Image]:
    """Every stored image the index.json entries stand for: one per platform present."""
    images = []
    for entry in entries:
        for child in store.children(entry):
            images.append(store.image(child.digest, ref))
    return images


def _is_name(ref: str) -> bool:
    try:
        parse_reference(ref)
    except ContainerError:
        return False
    return True


def _unique(lines: list[str]) -> list[str]:
    return list(dict.fromkeys(lines))
