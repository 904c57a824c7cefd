"""`pull` and `push`: OCI distribution-spec spec.md ("Pulling manifests", "Pulling
blobs", "Pushing blobs", "Pushing manifests") between a registry and the image store.

Pulling keeps the manifest exactly as the registry served it, so the digest `pull`
prints is the one the store records and `push` sends back. Everything is verified
before it is tagged: a manifest fetched by digest against that digest, the config and
every layer against the manifest's digests, each layer against its config's diff_id while
StoreWriter.add_layer unpacks it from the socket. A failed pull leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO, cast

from vmforms.container.errors import ImageError, ImageNotFound, InvalidOption
from vmforms.container.image.records import (
    INDEX_MEDIA_TYPES,
    LAYER_MEDIA_TYPES,
    MEDIA_TYPE_DOCKER_CONFIG,
    MEDIA_TYPE_DOCKER_MANIFEST,
    MEDIA_TYPE_DOCKER_MANIFEST_LIST,
    MEDIA_TYPE_OCI_CONFIG,
    MEDIA_TYPE_OCI_INDEX,
    MEDIA_TYPE_OCI_MANIFEST,
    Descriptor,
    Image,
    ImageConfiguration,
    Manifest,
)
from vmforms.container.image.reference import Reference, parse_reference
from vmforms.container.image.registry_http import (
    RegistryError,
    RemoteName,
    Response,
    Transport,
    error_text,
    split_domain,
)

if TYPE_CHECKING:
    from vmforms.container.image.platform import Platform
    from vmforms.container.image.store import ImageStore

# Docker's and containerd's limit on a manifest body; a config gets more room (history).
MAX_MANIFEST_SIZE = 4 << 20
MAX_CONFIG_SIZE = 16 << 20
MANIFEST_ACCEPT = ", ".join((MEDIA_TYPE_OCI_MANIFEST, MEDIA_TYPE_OCI_INDEX,
                             MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_DOCKER_MANIFEST_LIST))
CONFIG_MEDIA_TYPES = frozenset({MEDIA_TYPE_OCI_CONFIG, MEDIA_TYPE_DOCKER_CONFIG})

# uname -m -> the variant an index names for it (image-index.md platform.variant)
_VARIANTS = {"aarch64": "v8", "armv7l": "v7", "armv6l": "v6"}

Output = Callable[[str], None]


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _remote(text: str) -> tuple[Reference, RemoteName]:
    ref = parse_reference(text)
    return ref, split_domain(ref.name)


# -- pull --------------------------------------------------------------------------------


def pull(store: ImageStore, text: str, *, tls_verify: bool = True,
         out: Output = print, platform: Platform | None = None) -> Image:
    """`docker pull NAME[:TAG|@DIGEST]`: fetch the image for `platform` (by default this
    host's). An image index is stored as such, with the manifests pulled so far: a second
    pull for another platform adds its manifest to it."""
    ref, remote = _remote(text)
    wanted = ref.digest or ref.tag or "latest"
    transport = Transport(remote, tls_verify=tls_verify, actions="pull")
    transport.probe()
    data, media_type = _get_manifest(transport, ref, wanted)
    out(f"{wanted}: Pulling from {remote.path}")
    top_digest = _sha256(data)
    index: tuple[bytes, str] | None = None
    if media_type in INDEX_MEDIA_TYPES:
        index = data, media_type
        entry = choose_platform(data, f"manifest list for {ref}",
                                *((platform.architecture, platform.variant) if platform
                                  else ()))
        data, media_type = _get_manifest(transport, ref, entry.digest)
        if media_type in INDEX_MEDIA_TYPES:
            raise RegistryError(f"manifest for {ref}: an index inside an index is not supported")
    digest = _sha256(data)
    manifest = Manifest.from_bytes(data, f"manifest for {ref}")
    if index is None and platform is not None:
        _check_platform(manifest, transport, ref, platform)
    for layer in manifest.layers:
        if layer.media_type not in LAYER_MEDIA_TYPES:
            raise ImageError(f"pull {ref}: layer {layer.digest} has unsupported media type "
                             f"{layer.media_type!r}")
    if manifest.config.media_type not in CONFIG_MEDIA_TYPES:
        raise ImageError(f"pull {ref}: {manifest.config.media_type!r} is not an image config "
                         "(an artifact, not an image?)")
    config_bytes = _get_blob_bytes(transport, manifest.config, MAX_CONFIG_SIZE,
                                   f"image config of {ref}")
    configuration = ImageConfiguration.from_bytes(config_bytes, f"image config of {ref}")
    if len(configuration.diff_ids) != len(manifest.layers):
        raise ImageError(f"pull {ref}: {len(manifest.layers)} layers in the manifest but "
                         f"{len(configuration.diff_ids)} diff_ids in its config")
    tag = None if ref.digest else str(ref)
    with store.writing() as writer:
        before = [e for e in store.read_index().manifests if e.digest == top_digest
                  and (tag is None or e.ref_name == tag) and store.blob_path(digest).is_file()]
        for layer, diff_id in zip(manifest.layers, configuration.diff_ids, strict=True):
            short = layer.digest[7:19]
            if writer.has_layer(layer.digest, diff_id):
                if not before:
                    out(f"{short}: Already exists")
                continue
            out(f"{short}: Pulling fs layer")
            path = f"/v2/{remote.path}/blobs/{layer.digest}"
            what = f"layer {layer.digest} of {ref}"
            with _expect(transport.request("GET", path, follow_redirects=True), 200,
                         what) as resp:
                writer.add_layer(
                    cast(BinaryIO, _Bounded(resp, layer.size, what)),
                    f"{remote.full}@{layer.digest}",
                    expected_digest=layer.digest, expected_diff_id=diff_id)
            out(f"{short}: Pull complete")
        writer.put_bytes(config_bytes, manifest.config.digest, f"image config of {ref}")
        writer.put_bytes(data, digest, f"manifest for {ref}")
        stored = Descriptor(manifest.media_type, digest, len(data))
        if index is not None:
            writer.put_bytes(index[0], top_digest, f"manifest list for {ref}")
            stored = Descriptor(index[1], top_digest, len(index[0]))
        writer.tag(stored, tag, repo_digest=None if tag else f"{ref.name}@{wanted}")
    out(f"Digest: {top_digest}")
    named = tag or f"{ref.name}@{wanted}"
    if before:
        out(f"Status: Image is up to date for {named}")
    else:
        out(f"Status: Downloaded newer image for {named}")
    out(f"{remote.full}:{ref.tag}" if tag else f"{remote.full}@{wanted}")
    return store.entry_image(stored, tag, platform)


def _check_platform(manifest: Manifest, transport: Transport, ref: Reference,
                    platform: Platform) -> None:
    """A single-platform image pulled with --platform must be of that platform."""
    conf = ImageConfiguration.from_bytes(
        _get_blob_bytes(transport, manifest.config, MAX_CONFIG_SIZE, f"image config of {ref}"),
        f"image config of {ref}")
    if not platform.matches({"os": conf.os, "architecture": conf.architecture,
                             "variant": conf.variant}):
        raise RegistryError(f"image {ref} is for {conf.os}/{conf.architecture}: no "
                            f"matching manifest for {platform}")


def _expect(resp: Response, status: int, what: str) -> Response:
    """`resp` when it has `status`; otherwise a RegistryError with the registry's words."""
    if resp.status == status:
        return resp
    with resp:
        try:
            body = resp.read_limited(64 << 10, what)
        except RegistryError:
            body = b""
    raise RegistryError(f"{what}: {error_text(body, resp.status, resp.reason)}")


def _get_manifest(transport: Transport, ref: Reference, wanted: str) -> tuple[bytes, str]:
    """The manifest or index body and its media type; checked against `wanted` when that
    is a digest."""
    path = f"/v2/{transport.remote.path}/manifests/{wanted}"
    resp = transport.request("GET", path, {"Accept": MANIFEST_ACCEPT})
    with resp:
        if resp.status != 200:
            body = resp.read_limited(64 << 10, f"manifest for {ref}")
            detail = error_text(body, resp.status, resp.reason)
            if resp.status == 404:
                raise RegistryError(f"manifest for {ref} not found: {detail}")
            if resp.status in (401, 403):
                raise RegistryError(f"pull access denied for {ref.name}, repository does not "
                                    f"exist or may require 'docker login': {detail}")
            raise RegistryError(f"manifest for {ref}: {detail}")
        data = resp.read_limited(MAX_MANIFEST_SIZE, f"manifest for {ref}")
        content_type = (resp.header("Content-Type") or "").partition(";")[0].strip()
        claimed = resp.header("Docker-Content-Digest")
    expected = wanted if wanted.startswith("sha256:") else claimed
    if expected and expected.startswith("sha256:") and _sha256(data) != expected:
        raise ImageError(f"manifest for {ref}: digest mismatch: expected {expected}, "
                         f"got {_sha256(data)}")
    try:
        obj = json.loads(data)
    except ValueError:
        raise ImageError(f"manifest for {ref}: invalid JSON") from None
    if not isinstance(obj, dict):
        raise ImageError(f"manifest for {ref}: expected a JSON object")
    if obj.get("schemaVersion") == 1:
        raise ImageError(f"manifest for {ref}: Docker schema 1 manifests are not supported")
    media_type = obj.get("mediaType")
    if not isinstance(media_type, str) or not media_type:
        if "manifests" in obj:
            media_type = MEDIA_TYPE_OCI_INDEX
        elif content_type in (MEDIA_TYPE_DOCKER_MANIFEST, MEDIA_TYPE_OCI_MANIFEST):
            media_type = content_type
        else:
            media_type = MEDIA_TYPE_OCI_MANIFEST
    return data, media_type


def choose_platform(data: bytes, what: str, arch: str | None = None,
                    variant: str | None = None) -> Descriptor:
    """The entry of an image index for linux on this machine (or on `arch`), preferring
    the exact variant where the index names one."""
    from vmforms.container.image.writer import host_architecture

    if arch is None:
        arch = host_architecture()
        variant = _VARIANTS.get(os.uname().machine, "")
    try:
        obj = json.loads(data)
        entries = obj["manifests"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise ImageError(f"parse {what}: not an image index") from None
    from vmforms.container.image.platform import normalize_architecture

    descriptors = [Descriptor.from_json(e, what) for e in entries]
    matching = [d for d in descriptors if d.platform.get("os") == "linux"
                and normalize_architecture(d.platform.get("architecture", "")) == arch]
    exact = [d for d in matching if variant and d.platform.get("variant") == variant]
    if exact or matching:
        return (exact or matching)[0]
    raise RegistryError(f"no matching manifest for linux/{arch} in the manifest list entries")


def _get_blob_bytes(transport: Transport, desc: Descriptor, limit: int, what: str) -> bytes:
    if desc.size > limit:
        raise ImageError(f"{what}: {desc.size} bytes is more than the limit of {limit}")
    path = f"/v2/{transport.remote.path}/blobs/{desc.digest}"
    with _expect(transport.request("GET", path, follow_redirects=True), 200, what) as resp:
        data = resp.read_limited(limit, what)
    if len(data) != desc.size or _sha256(data) != desc.digest:
        raise ImageError(f"{what}: digest mismatch: expected {desc.digest} ({desc.size} "
                         f"bytes), got {_sha256(data)} ({len(data)} bytes)")
    return data


class _Bounded:
    """A blob stream that refuses to run past the size its descriptor promised."""

    def __init__(self, resp: Response, size: int, what: str) -> None:
        self._resp = resp
        self._left = size
        self._what = what
        self._size = size

    def read(self, n: int = -1) -> bytes:
        want = self._left + 1 if n is None or n < 0 else min(n, self._left + 1)
        data = self._resp.read(want)
        self._left -= len(data)
        if self._left < 0:
            raise ImageError(f"{self._what}: more than the {self._size} bytes its "
                             "descriptor gives")
        return data


# -- push --------------------------------------------------------------------------------


def push(store: ImageStore, text: str, *, tls_verify: bool = True,
         out: Output = print) -> str:
    """`docker push NAME[:TAG]`: upload the image tagged NAME:TAG; returns its digest."""
    ref, remote = _remote(text)
    if ref.digest:
        raise InvalidOption(f"push {text}: cannot push a digest reference")
    try:
        image = store.resolve(str(ref))
    except ImageNotFound:
        raise ImageNotFound(f"An image does not exist locally with the tag: {ref.name}") \
            from None
    out(f"The push refers to repository [{remote.full}]")
    transport = Transport(remote, tls_verify=tls_verify, actions="pull,push")
    transport.probe()
    with store.lock(shared=True):  # no rmi while its blobs are being read
        data = store.read_blob(image.manifest_digest)
        manifest = Manifest.from_bytes(data, f"manifest of {ref}")
        for layer in reversed(manifest.layers):
            short = layer.digest[7:19]
            if _push_blob(store, transport, layer):
                out(f"{short}: Pushed")
            else:
                out(f"{short}: Layer already exists")
        _push_blob(store, transport, manifest.config)
    path = f"/v2/{remote.path}/manifests/{ref.tag}"
    headers = {"Content-Type": manifest.media_type, "Content-Length": str(len(data))}
    with _expect(transport.request("PUT", path, headers, data), 201, f"put manifest {ref}") \
            as resp:
        answered = resp.header("Docker-Content-Digest")
    digest = _sha256(data)
    if answered and answered != digest:
        raise RegistryError(f"put manifest {ref}: the registry stored {answered}, "
                            f"we sent {digest}")
    out(f"{ref.tag}: digest: {digest} size: {len(data)}")
    return digest


def _push_blob(store: ImageStore, transport: Transport, desc: Descriptor) -> bool:
    """Upload one blob unless the registry has it: HEAD, then POST and one PUT (the
    monolithic upload of spec.md). True when it was uploaded."""
    repo = transport.remote.path
    what = f"blob {desc.digest}"
    with transport.request("HEAD", f"/v2/{repo}/blobs/{desc.digest}") as resp:
        if resp.status == 200:
            return False
        if resp.status != 404:
            raise RegistryError(f"{what}: HEAD: unexpected status {resp.status} {resp.reason}")
    path = store.blob_path(desc.digest)
    try:
        blob: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as exc:
        raise ImageError(f"push {what}: {exc.strerror}: missing from the image store") \
            from None
    with blob:
        size = os.fstat(blob.fileno()).st_size
        with _expect(transport.request("POST", f"/v2/{repo}/blobs/uploads/"), 202,
                     f"start upload of {what}") as resp:
            location = resp.header("Location")
        if not location:
            raise RegistryError(f"start upload of {what}: no Location in the answer")
        url = urllib.parse.urljoin(transport.base + f"/v2/{repo}/blobs/uploads/", location)
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"digest": desc.digest})
        headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size)}
        with _expect(transport.request("PUT", url, headers, blob), 201, f"upload {what}"):
            pass
    return True
