"""The build cache as `docker builder prune` and `system df` see it: the steps' images
kept in the store's index under a cache-key annotation, and the RUN cache mounts'
directories (mounts.py).

A step's entry is "dangling" when no image name holds the same manifest (BuildKit
counts a record in use only while an image or another record refers to it): a plain
prune drops those and every cache mount, `--all` every entry. Content that nothing
names afterwards goes with the store's garbage collection, as for `image prune`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from vmforms.container.errors import ContainerError
from vmforms.container.image.records import ANNOTATION_BUILD_CACHE, Descriptor, Index
from vmforms.container.image.store import ImageStore


@dataclass(frozen=True, slots=True)
class CacheUsage:
    entries: int
    mounts: int
    size: int  # bytes of the cache mounts and of the blobs only the cache holds


def mounts_dir(store: ImageStore) -> Path:
    return store.root.parent / "build-cache-mounts"


def _tree_size(path: Path) -> int:
    from vmforms.container.prune import tree_size

    return tree_size(path)


def _blobs(store: ImageStore, desc: Descriptor) -> dict[str, int]:
    """The config and layer blobs an index.json entry holds, with their sizes."""
    out: dict[str, int] = {}
    try:
        for child in store.children(desc):
            manifest = store.manifest(child.digest)
            out[manifest.config.digest] = manifest.config.size
            out.update((layer.digest, layer.size) for layer in manifest.layers)
    except ContainerError:
        pass  # a damaged entry counts for nothing
    return out


def usage(store: ImageStore) -> CacheUsage:
    """Entries, cache mounts, and the bytes only the cache holds (what a prune -a frees)."""
    manifests = store.read_index().manifests
    cached: dict[str, int] = {}
    named: set[str] = set()
    for desc in manifests:
        if ANNOTATION_BUILD_CACHE in desc.annotations:
            cached.update(_blobs(store, desc))
        else:
            named.update(_blobs(store, desc))
    entries = sum(1 for d in manifests if ANNOTATION_BUILD_CACHE in d.annotations)
    root = mounts_dir(store)
    mounts = sorted(root.iterdir()) if root.is_dir() else []
    only_cached = sum(size for digest, size in cached.items() if digest not in named)
    return CacheUsage(entries, len(mounts), only_cached + sum(_tree_size(m) for m in mounts))


def prune(store: ImageStore, all_cache: bool) -> tuple[list[str], int]:
    """Drop the cache entries (dangling ones, or all) and the cache mounts; the ids of
    what went and the bytes reclaimed."""
    from vmforms.container.lifecycle import image_in_use

    before = _tree_size(store.root / "blobs") + _tree_size(store.root / "layers")
    removed: list[str] = []
    with store.writing() as writer:
        manifests = store.read_index().manifests
        named = {d.digest for d in manifests if ANNOTATION_BUILD_CACHE not in d.annotations}
        kept = []
        for entry in manifests:
            key = entry.annotations.get(ANNOTATION_BUILD_CACHE)
            if key is None or (not all_cache and entry.digest in named):
                kept.append(entry)
                continue
            try:
                image_id = store.image(entry.digest, None).id
            except Exception:  # noqa: BLE001 - a damaged entry is dropped all the same
                image_id = ""
            if image_id and image_in_use(image_id):
                kept.append(entry)  # a container runs an intermediate image
                continue
            removed.append(key.removeprefix("sha256:")[:25])
        writer.write_index(Index(tuple(kept)))
        writer.collect_garbage()
    after = _tree_size(store.root / "blobs") + _tree_size(store.root / "layers")
    mounts = 0
    root = mounts_dir(store)
    if root.is_dir():
        from vmforms.container import state as st

        for path in sorted(root.iterdir()):
            mounts += _tree_size(path)
            removed.append(path.name[:25])
            st.remove_dir(path)
        os.rmdir(root)
    return removed, max(0, before - after) + mounts
