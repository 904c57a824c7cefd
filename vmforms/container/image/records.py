"""Image records: OCI image-spec descriptor.md, manifest.md, config.md and image-index.md,
parsed into frozen records and written back as canonical JSON.

Only `json` is imported here: resolving an image for `run` reads three small JSON files
and must not pay for tarfile, gzip or hashlib.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from vmforms.container.errors import ImageError
from vmforms.record import field, record

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

# OCI image-spec media-types.md
MEDIA_TYPE_OCI_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_TYPE_OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_TYPE_OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_TYPE_OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
MEDIA_TYPE_OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
# Docker's equivalents, accepted when reading (docker-archive, image-spec manifest v2.2)
MEDIA_TYPE_DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MEDIA_TYPE_DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
MEDIA_TYPE_DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
MEDIA_TYPE_DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"

LAYER_MEDIA_TYPES = frozenset(
    {MEDIA_TYPE_OCI_LAYER, MEDIA_TYPE_OCI_LAYER_GZIP, MEDIA_TYPE_DOCKER_LAYER_GZIP}
)
INDEX_MEDIA_TYPES = frozenset({MEDIA_TYPE_OCI_INDEX, MEDIA_TYPE_DOCKER_MANIFEST_LIST})

# annotations.md: the tag of a manifest in an image layout's index.json
ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"
# On an untagged index entry pulled by digest: "repository@digest" as pulled (Docker's
# RepoDigests), so that `run repository@digest` finds it again.
ANNOTATION_REPO_DIGEST = "io.vmforms.image.repo-digest"
# On an untagged index entry made by `build`: the cache key of the step it is the result
# of (build/executor.py). Such entries are the build cache: `images` does not list them.
ANNOTATION_BUILD_CACHE = "io.vmforms.build.cache-key"
OCI_LAYOUT_VERSION = "1.0.0"


def canonical_json(value: Any) -> bytes:
    """The bytes we hash: sorted keys, no insignificant white space, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def load_json(data: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise ImageError(f"parse {what}: invalid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ImageError(f"parse {what}: expected a JSON object")
    return value


def _strs(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ImageError(f"parse {what}: expected a list of strings")
    return tuple(value)


def _str_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ImageError(f"parse {what}: expected an object of strings")
    return dict(value)


def _keys(value: Any, what: str) -> tuple[str, ...]:
    """ExposedPorts and Volumes: objects whose keys are the values (the values are {})."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ImageError(f"parse {what}: expected an object")
    return tuple(sorted(value))


def _str(obj: Mapping[str, Any], key: str, what: str, default: str = "") -> str:
    value = obj.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ImageError(f"parse {what}: {key} must be a string")
    return value


@record
class Descriptor:
    """descriptor.md: a typed, sized, content-addressed pointer to a blob."""

    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=dict)
    platform: Mapping[str, str] = field(default_factory=dict)

    @property
    def ref_name(self) -> str | None:
        return self.annotations.get(ANNOTATION_REF_NAME)

    @classmethod
    def from_json(cls, obj: Any, what: str) -> Descriptor:
        if not isinstance(obj, dict):
            raise ImageError(f"parse {what}: descriptor must be an object")
        digest = _str(obj, "digest", what)
        size = obj.get("size")
        if not isinstance(size, int) or size < 0:
            raise ImageError(f"parse {what}: descriptor {digest} has no valid size")
        check_digest(digest, what)
        platform = obj.get("platform")
        if not isinstance(platform, dict):
            platform = {}
        return cls(
            media_type=_str(obj, "mediaType", what),
            digest=digest,
            size=size,
            annotations=_str_map(obj.get("annotations"), what),
            platform={k: v for k, v in platform.items() if isinstance(v, str)},
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        if self.platform:
            out["platform"] = dict(self.platform)
        return out


def check_digest(digest: str, what: str) -> str:
    """Return the hex part of a sha256 digest; the only algorithm we store."""
    algo, _, hex_part = digest.partition(":")
    if algo != "sha256" or len(hex_part) != 64 or not _is_hex(hex_part):
        raise ImageError(f"parse {what}: unsupported or malformed digest {digest!r}")
    return hex_part


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


@record
class Manifest:
    """manifest.md: one image for one platform: its config and its layers, lowest first."""

    config: Descriptor
    layers: tuple[Descriptor, ...]
    media_type: str = MEDIA_TYPE_OCI_MANIFEST
    annotations: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "manifest") -> Manifest:
        obj = load_json(data, what)
        if obj.get("schemaVersion") != 2:
            raise ImageError(f"parse {what}: schemaVersion must be 2")
        media_type = _str(obj, "mediaType", what, MEDIA_TYPE_OCI_MANIFEST)
        if media_type in INDEX_MEDIA_TYPES:
            raise ImageError(f"parse {what}: is an image index, not a manifest")
        layers = obj.get("layers")
        if not isinstance(layers, list):
            raise ImageError(f"parse {what}: layers must be a list")
        return cls(
            config=Descriptor.from_json(obj.get("config"), what),
            layers=tuple(Descriptor.from_json(d, what) for d in layers),
            media_type=media_type,
            annotations=_str_map(obj.get("annotations"), what),
        )

    def to_bytes(self) -> bytes:
        out: dict[str, Any] = {
            "schemaVersion": 2,
            "mediaType": self.media_type,
            "config": self.config.to_json(),
            "layers": [layer.to_json() for layer in self.layers],
        }
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return canonical_json(out)


@record
class ImageConfig:
    """config.md `config`: the execution parameters a container starts from."""

    env: tuple[str, ...] = ()
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    working_dir: str = ""
    user: str = ""
    exposed_ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    stop_signal: str = ""
    healthcheck: Mapping[str, Any] | None = None  # Docker's Healthcheck
    shell: tuple[str, ...] | None = None  # Docker's Shell (the SHELL instruction)
    on_build: tuple[str, ...] = ()  # Docker's OnBuild (ONBUILD triggers, as written)

    @classmethod
    def from_json(cls, obj: Any, what: str) -> ImageConfig:
        if obj is None:
            return cls()
        if not isinstance(obj, dict):
            raise ImageError(f"parse {what}: config must be an object")
        cmd, entrypoint = obj.get("Cmd"), obj.get("Entrypoint")
        return cls(
            env=_strs(obj.get("Env"), what),
            cmd=None if cmd is None else _strs(cmd, what),
            entrypoint=None if entrypoint is None else _strs(entrypoint, what),
            working_dir=_str(obj, "WorkingDir", what),
            user=_str(obj, "User", what),
            exposed_ports=_keys(obj.get("ExposedPorts"), what),
            volumes=_keys(obj.get("Volumes"), what),
            labels=_str_map(obj.get("Labels"), what),
            stop_signal=_str(obj, "StopSignal", what),
            healthcheck=obj["Healthcheck"] if isinstance(obj.get("Healthcheck"), dict) else None,
            shell=None if obj.get("Shell") is None else _strs(obj.get("Shell"), what),
            on_build=_strs(obj.get("OnBuild"), what),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.user:
            out["User"] = self.user
        if self.exposed_ports:
            out["ExposedPorts"] = {port: {} for port in self.exposed_ports}
        if self.env:
            out["Env"] = list(self.env)
        if self.entrypoint is not None:
            out["Entrypoint"] = list(self.entrypoint)
        if self.cmd is not None:
            out["Cmd"] = list(self.cmd)
        if self.volumes:
            out["Volumes"] = {v: {} for v in self.volumes}
        if self.working_dir:
            out["WorkingDir"] = self.working_dir
        if self.labels:
            out["Labels"] = dict(self.labels)
        if self.stop_signal:
            out["StopSignal"] = self.stop_signal
        if self.healthcheck is not None:
            out["Healthcheck"] = dict(self.healthcheck)
        if self.shell is not None:
            out["Shell"] = list(self.shell)
        if self.on_build:
            out["OnBuild"] = list(self.on_build)
        return out


@record
class History:
    created: str = ""
    created_by: str = ""
    comment: str = ""
    empty_layer: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.created:
            out["created"] = self.created
        if self.created_by:
            out["created_by"] = self.created_by
        if self.comment:
            out["comment"] = self.comment
        if self.empty_layer:
            out["empty_layer"] = True
        return out


@record
class ImageConfiguration:
    """config.md: the whole config blob; its digest is the image id."""

    architecture: str
    os: str
    config: ImageConfig
    diff_ids: tuple[str, ...]
    created: str = ""
    author: str = ""
    variant: str = ""
    history: tuple[History, ...] = ()

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "image config") -> ImageConfiguration:
        obj = load_json(data, what)
        rootfs = obj.get("rootfs")
        if not isinstance(rootfs, dict) or rootfs.get("type") != "layers":
            raise ImageError(f"parse {what}: rootfs.type must be \"layers\"")
        diff_ids = _strs(rootfs.get("diff_ids"), what)
        for diff_id in diff_ids:
            check_digest(diff_id, what)
        history = []
        for entry in obj.get("history") or []:
            if isinstance(entry, dict):
                history.append(
                    History(
                        created=_str(entry, "created", what),
                        created_by=_str(entry, "created_by", what),
                        comment=_str(entry, "comment", what),
                        empty_layer=bool(entry.get("empty_layer", False)),
                    )
                )
        return cls(
            architecture=_str(obj, "architecture", what),
            os=_str(obj, "os", what),
            config=ImageConfig.from_json(obj.get("config"), what),
            diff_ids=diff_ids,
            created=_str(obj, "created", what),
            author=_str(obj, "author", what),
            variant=_str(obj, "variant", what),
            history=tuple(history),
        )

    def to_bytes(self) -> bytes:
        out: dict[str, Any] = {
            "architecture": self.architecture,
            "os": self.os,
            "config": self.config.to_json(),
            "rootfs": {"type": "layers", "diff_ids": list(self.diff_ids)},
        }
        if self.created:
            out["created"] = self.created
        if self.author:
            out["author"] = self.author
        if self.variant:
            out["variant"] = self.variant
        if self.history:
            out["history"] = [h.to_json() for h in self.history]
        return canonical_json(out)


@record
class Index:
    """image-index.md as used by image-layout.md: index.json lists the stored manifests."""

    manifests: tuple[Descriptor, ...] = ()

    @classmethod
    def from_bytes(cls, data: bytes, what: str = "index.json") -> Index:
        obj = load_json(data, what)
        manifests = obj.get("manifests")
        if obj.get("schemaVersion") != 2 or not isinstance(manifests, list):
            raise ImageError(f"parse {what}: not an OCI image index")
        return cls(tuple(Descriptor.from_json(d, what) for d in manifests))

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "schemaVersion": 2,
                "mediaType": MEDIA_TYPE_OCI_INDEX,
                "manifests": [m.to_json() for m in self.manifests],
            }
        )


@record
class Image:
    """An image as the engine sees it: what `resolve` returns and `images` lists.

    `reference` is "name:tag" (None for an untagged, dangling image); `id` is the digest
    of the config blob, as in Docker; `size` is the config's plus the uncompressed layers'
    sizes, as podman reports it.
    """

    reference: str | None
    manifest_digest: str
    id: str
    config: ImageConfig
    diff_ids: tuple[str, ...]
    layers: tuple[Descriptor, ...]
    created: str
    size: int
    architecture: str
    os: str
    variant: str = ""
    # When the tag names an image index: the index's descriptor, and the platforms of the
    # manifests of it that the store holds ("linux/amd64"...), this image being one of them.
    index: Descriptor | None = None
    platforms: tuple[str, ...] = ()

    @property
    def short_id(self) -> str:
        return self.id.partition(":")[2][:12]

    @property
    def platform(self) -> str:
        text = f"{self.os or 'linux'}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    @property
    def entry_digest(self) -> str:
        """The digest index.json lists for it: its index's, or its manifest's."""
        return self.index.digest if self.index is not None else self.manifest_digest

    def inspect_json(self) -> dict[str, Any]:
        """What `docker image inspect` shows of it."""
        return {
            "Id": self.id,
            "RepoTags": [self.reference] if self.reference else [],
            "RepoDigests": [],
            "Created": self.created,
            "Config": self.config.to_json(),
            "Architecture": self.architecture,
            "Os": self.os,
            "Size": self.size,
            "RootFS": {"Type": "layers", "Layers": list(self.diff_ids)},
            "Metadata": {"ManifestDigest": self.manifest_digest},
        } | ({"Variant": self.variant} if self.variant else {}) | (
            {"Descriptor": Descriptor(self.index.media_type, self.index.digest,
                                      self.index.size).to_json(),
             "Platforms": list(self.platforms)} if self.index is not None else {})
