"""The local image store: an OCI image layout (image-spec image-layout.md) plus one
unpacked directory per layer, ready to be an overlayfs lower dir.

    <root>/oci-layout, index.json    the layout; each tag is a manifest descriptor in
                                     index.json annotated org.opencontainers.image.ref.name
    <root>/blobs/sha256/<hex>        manifests, configs, layer tarballs (verified on write)
    <root>/layers/<diff_id hex>/     a layer unpacked once, shared by every image using it
    <root>/tmp/                      work in progress, renamed into place when complete
    <root>/lock                      flock: writers exclusive, exporters shared

Readers take no lock: index.json and every blob and layer dir appear by rename, so a
reader sees the old state or the new one, never a half-written file. Writers hold the
lock for the whole write, which also makes anything left in tmp/ the debris of a crashed
writer, removed by the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from vmforms.container.errors import ContainerError, ImageError, ImageNotFound, InvalidOption
from vmforms.container.image.records import (
    ANNOTATION_BUILD_CACHE,
    ANNOTATION_REPO_DIGEST,
    INDEX_MEDIA_TYPES,
    Descriptor,
    Image,
    ImageConfig,
    ImageConfiguration,
    Index,
    Manifest,
    check_digest,
)
from vmforms.container.image.reference import looks_like_id, parse_reference
from vmforms.container.paths import locked, state_root

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from vmforms.container.image.platform import Platform
    from vmforms.container.image.writer import StoreWriter

InUse = Callable[[Image], bool]
Images = list[Image]
Lines = list[str]
Paths = list[Path]


class ImageStore:
    """Images under `root` (default: state_root()/images).

    `in_use(image)` tells `remove` whether a container still uses an image; without it no
    image counts as in use.
    """

    def __init__(self, root: Path | None = None, *, in_use: InUse | None = None) -> None:
        self.root = root if root is not None else state_root() / "images"
        self.in_use = in_use

    # -- paths ---------------------------------------------------------------------------
    def blob_path(self, digest: str) -> Path:
        return self.root / "blobs" / "sha256" / check_digest(digest, "blob digest")

    def layer_path(self, diff_id: str) -> Path:
        return self.root / "layers" / check_digest(diff_id, "layer diff_id")

    def layer_size_path(self, diff_id: str) -> Path:
        """Where the uncompressed size of a layer's tar is recorded when it is stored."""
        return self.root / "layer-sizes" / check_digest(diff_id, "layer diff_id")

    def layer_size(self, diff_id: str, stored: int) -> int:
        """The uncompressed size of a layer, or `stored` (its blob's size) if unrecorded."""
        try:
            return int(self.layer_size_path(diff_id).read_text())
        except (OSError, ValueError):
            return stored

    @property
    def index_path(self) -> Path:
        return self.root / "index.json"

    def lock(self, *, shared: bool = False) -> AbstractContextManager[None]:
        """The store's flock. Hold it shared to keep images from being removed meanwhile;
        do not call a writing method while holding it (flock does not nest)."""
        return locked(self.root / "lock", shared=shared)

    # -- reading -------------------------------------------------------------------------
    def read_blob(self, digest: str) -> bytes:
        try:
            return self.blob_path(digest).read_bytes()
        except FileNotFoundError:
            raise ImageError(f"read blob {digest}: missing from the image store") from None

    def read_index(self) -> Index:
        try:
            data = self.index_path.read_bytes()
        except FileNotFoundError:
            return Index()
        return Index.from_bytes(data, str(self.index_path))

    def manifest(self, digest: str) -> Manifest:
        return Manifest.from_bytes(self.read_blob(digest), f"manifest {digest}")

    def configuration(self, manifest: Manifest) -> ImageConfiguration:
        digest = manifest.config.digest
        return ImageConfiguration.from_bytes(self.read_blob(digest), f"image config {digest}")

    def children(self, entry: Descriptor) -> list[Descriptor]:
        """The manifests an index.json entry stands for that the store holds: the entry
        itself, or those of the image index it names (each with its platform)."""
        if entry.media_type not in INDEX_MEDIA_TYPES:
            return [entry]
        index = Index.from_bytes(self.read_blob(entry.digest), f"image index {entry.digest}")
        return [d for d in index.manifests
                if d.media_type not in INDEX_MEDIA_TYPES and self.blob_path(d.digest).is_file()]

    def entry_image(self, entry: Descriptor, reference: str | None,
                    platform: Platform | None = None) -> Image:
        """The image an index.json entry gives for `platform`. Without one, an index gives
        its manifest for this host, else (for listing) its first one present."""
        from vmforms.container.image.platform import (
            choose,
            host_platform,
            no_match,
            platform_of,
        )
        from vmforms.record import replace

        if entry.media_type not in INDEX_MEDIA_TYPES:
            image = self.image(entry.digest, reference)
            if platform is not None and not platform.matches(
                    {"os": image.os, "architecture": image.architecture,
                     "variant": image.variant}):
                raise ImageNotFound(
                    f"image with reference {reference or image.short_id} was found but does "
                    f"not match the specified platform: wanted {platform}, actual: "
                    f"{image.platform}")
            return image
        present = self.children(entry)
        names = tuple(str(platform_of(d.platform)) for d in present)
        where = choose([d.platform for d in present], platform or host_platform())
        if where is None:
            if platform is not None or not present:
                raise no_match(reference or entry.digest, platform or host_platform(), names)
            where = 0
        image = self.image(present[where].digest, reference)
        return replace(image, index=entry, platforms=names)

    def image(self, manifest_digest: str, reference: str | None) -> Image:
        """The Image stored under `manifest_digest`, reported as `reference`."""
        manifest = self.manifest(manifest_digest)
        conf = self.configuration(manifest)
        if len(conf.diff_ids) != len(manifest.layers):
            raise ImageError(
                f"image {reference or manifest_digest}: {len(manifest.layers)} layers but "
                f"{len(conf.diff_ids)} diff_ids in its config"
            )
        return Image(
            reference=reference,
            manifest_digest=manifest_digest,
            id=manifest.config.digest,
            config=conf.config,
            diff_ids=conf.diff_ids,
            layers=manifest.layers,
            created=conf.created,
            size=manifest.config.size + sum(
                self.layer_size(diff_id, layer.size)
                for diff_id, layer in zip(conf.diff_ids, manifest.layers, strict=True)
            ),
            architecture=conf.architecture,
            os=conf.os,
            variant=conf.variant,
        )

    def resolve(self, ref: str, platform: Platform | None = None) -> Image:
        """`name[:tag]`, `name@sha256:...`, an image id or an unambiguous id prefix; the
        manifest for `platform` (by default this host's) when it names an image index."""
        index = self.read_index()
        try:
            parsed = parse_reference(ref)
        except InvalidOption:
            if not looks_like_id(ref):
                raise
            parsed = None
        if parsed is not None:
            found = _find_named(index, parsed.name, parsed.tag, parsed.digest)
            if found is not None:
                return self.entry_image(found, found.ref_name, platform)
        if looks_like_id(ref):
            image = self._resolve_id(index, ref, platform)
            if image is not None:
                return image
        raise ImageNotFound(f"no such image: {ref}")

    def _resolve_id(self, index: Index, prefix: str,
                    platform: Platform | None = None) -> Image | None:
        """An image id is its config's digest; a platform's manifest in an index is
        found by its own id, the index by its digest (as Docker's containerd store)."""
        if not prefix.startswith("sha256:"):
            prefix = "sha256:" + prefix
        matches: dict[str, tuple[Descriptor, Descriptor | None]] = {}  # id -> entry, child
        for desc in index.manifests:
            if desc.digest.startswith(prefix) and desc.media_type in INDEX_MEDIA_TYPES:
                matches.setdefault(desc.digest, (desc, None))
                continue
            for child in self.children(desc):
                config = self.manifest(child.digest).config.digest
                if config.startswith(prefix):
                    matches.setdefault(config, (desc, child))
        if len(matches) > 1:
            raise ContainerError(
                f"image id prefix {prefix[7:]!r} is ambiguous: {len(matches)} images")
        if not matches:
            return None
        entry, found = next(iter(matches.values()))
        names = [d.ref_name for d in index.manifests if d.digest == entry.digest and d.ref_name]
        name = names[0] if names else None
        if found is None or found is entry:
            return self.entry_image(entry, name, platform)
        return self.entry_image(entry, name, platform_of_child(found))

    def list(self) -> Images:
        """One entry per tag, plus one per untagged image, in the order of index.json; the
        build cache's entries (ANNOTATION_BUILD_CACHE) are not images of their own."""
        return [self.entry_image(desc, desc.ref_name) for desc in self.read_index().manifests
                if ANNOTATION_BUILD_CACHE not in desc.annotations]

    def platform_images(self, image: Image) -> Images:
        """One image per platform of the index `image` came from ([image] if none)."""
        if image.index is None:
            return [image]
        return [self.image(c.digest, image.reference) for c in self.children(image.index)]

    def layer_dirs(self, image: Image) -> Paths:
        """The unpacked layers of `image`, lowest first (overlayfs lowerdir wants the
        reverse order: the topmost layer first)."""
        dirs = [self.layer_path(diff_id) for diff_id in image.diff_ids]
        for diff_id, path in zip(image.diff_ids, dirs, strict=True):
            if not path.is_dir():
                raise ImageError(
                    f"image {image.reference or image.id}: layer {diff_id} is missing from "
                    f"{path.parent}; remove the image and import or load it again"
                )
        return dirs

    # -- writing -------------------------------------------------------------------------
    @contextmanager
    def writing(self) -> Iterator[StoreWriter]:
        """Hold the lock exclusively and hand out the store's writer."""
        from vmforms.container.image.writer import StoreWriter

        self.root.mkdir(parents=True, exist_ok=True)
        with self.lock():
            writer = StoreWriter(self)
            writer.prepare()
            # What no image references is debris of a writer that was killed: gone before
            # this one starts, so that what it reports deleted is its own.
            writer.collect_garbage()
            try:
                yield writer
            except BaseException:
                writer.collect_garbage()  # a refused write leaves the store as it was
                raise

    def import_rootfs(
        self, tarball: Path, ref: str, *, config: ImageConfig | None = None
    ) -> Image:
        """A root-filesystem tarball (plain or gzip) becomes a one-layer image tagged `ref`,
        like `docker import`."""
        from vmforms.container.image.writer import import_rootfs

        return import_rootfs(self, tarball, ref, config=config)

    def tag(self, ref: str, new_ref: str) -> Image:
        """`docker tag`: give the image `ref` resolves to the tag `new_ref` too."""
        from vmforms.container.image.reference import normalize_tag

        tag = normalize_tag(new_ref)
        with self.writing() as writer:
            image = self.resolve(ref)
            entry = next(e for e in self.read_index().manifests
                         if e.digest == image.entry_digest)
            writer.tag(entry, tag)
        return self.entry_image(entry, tag)

    def remove(self, ref: str, force: bool = False) -> Lines:
        """`docker rmi`: untag `ref`; once an image has no tag left, delete it and every
        blob and layer directory no other image uses. Returns Docker's report lines
        ("Untagged: busybox:latest", "Deleted: sha256:...")."""
        from vmforms.container.image.writer import remove

        return remove(self, ref, force)

    def prune(self) -> Lines:
        """Delete untagged images that no container uses, then unreferenced content."""
        from vmforms.container.image.writer import prune

        return prune(self)

    def load_archive(self, path: Path, platform: Platform | None = None) -> Images:
        """`docker load`: a docker-archive or an OCI layout tarball, whichever it is; of an
        image index, every platform in it or only `platform`."""
        from vmforms.container.image.archive import load_archive

        return load_archive(self, path, platform)

    def load_docker_archive(self, path: Path) -> Images:
        """`docker load`: import every image of a docker-archive (`docker save`) tarball."""
        from vmforms.container.image.archive import load_docker_archive

        return load_docker_archive(self, path)

    def save_docker_archive(self, ref: str, path: Path,
                            platform: Platform | None = None) -> None:
        """`docker save`: write the image as a docker-archive tarball at `path` (with the
        OCI layout of the whole index beside it, for an image index and no `platform`)."""
        from vmforms.container.image.archive import save_docker_archive

        save_docker_archive(self, ref, path, platform)

    def load_oci_archive(self, path: Path, ref: str | None = None) -> Images:
        """Import the images of an OCI layout tarball (or directory), tagged by their
        ref.name annotations, or all as `ref` when given."""
        from vmforms.container.image.archive import load_oci_archive

        return load_oci_archive(self, path, ref)


def platform_of_child(child: Descriptor) -> Platform:
    from vmforms.container.image.platform import platform_of

    return platform_of(child.platform)


def _find_named(index: Index, name: str, tag: str | None, digest: str | None) -> Descriptor | None:
    if digest is None:
        wanted = f"{name}:{tag}"
        for desc in index.manifests:
            if desc.ref_name == wanted:
                return desc
        return None
    pulled = f"{name}@{digest}"
    for desc in index.manifests:
        if desc.digest == digest and _repository(desc.ref_name) == name:
            return desc
        if desc.annotations.get(ANNOTATION_REPO_DIGEST) == pulled:
            return desc
    return None


def _repository(ref_name: str | None) -> str | None:
    if ref_name is None:
        return None
    slash = ref_name.rfind("/")
    colon = ref_name.rfind(":")
    return ref_name[:colon] if colon > slash else ref_name

