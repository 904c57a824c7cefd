"""Reclaiming space as Docker does: `container prune`, `image prune [-a]`, `system prune`
and the accounting of `system df`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from vmforms.container import state as st


def tree_size(path: Path) -> int:
    total = 0
    for top, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                continue
    return total


def prune_containers() -> tuple[list[str], int]:
    """Remove every container that is not running; (their ids, bytes reclaimed)."""
    from vmforms.container import lifecycle

    removed, size = [], 0
    for c in st.all_containers():
        lifecycle.reconcile(c)
        if c.running:
            continue
        size += tree_size(c.path / "upper")
        try:
            lifecycle.remove(c.id)
        except Exception:  # noqa: BLE001 - removed meanwhile, or started again
            continue
        removed.append(c.id)
    return removed, size


def _store() -> Any:
    from vmforms.container.image.store import ImageStore
    from vmforms.container.lifecycle import image_in_use

    return ImageStore(in_use=lambda image: image_in_use(image.id))


def prune_images(all_images: bool) -> tuple[list[str], int]:
    """Dangling images (and with `all_images` every image no container uses), then what
    nothing references; Docker's report lines and the bytes reclaimed."""
    from vmforms.container.lifecycle import image_in_use

    store = _store()
    before = tree_size(store.root / "blobs") + tree_size(store.root / "layers")
    lines: list[str] = []
    if all_images:
        for image in store.list():
            if image.reference and not image_in_use(image.id):
                lines += [line.replace("Untagged: ", "untagged: ").replace(
                    "Deleted: ", "deleted: ") for line in store.remove(image.reference)]
    lines += [line.replace("Deleted: ", "deleted: ") for line in store.prune()]
    after = tree_size(store.root / "blobs") + tree_size(store.root / "layers")
    return list(dict.fromkeys(lines)), max(0, before - after) + prune_vm_files(store)


def _stored_digests(store: Any) -> set[str]:
    try:
        return set(os.listdir(store.root / "blobs" / "sha256"))
    except OSError:
        return set()


def prune_vm_files(store: Any) -> int:
    """Remove the VM disks and snapshots (--isolation vm) of images no longer stored (an
    image's ID is its configuration's digest: gone with its blob); the bytes freed."""
    from vmforms.container.vmisolation.disk import remove_stale

    return remove_stale(_stored_digests(store))


def disk_usage() -> list[dict[str, Any]]:
    """`system df`: images, containers, local volumes and the build cache."""
    from vmforms.container.lifecycle import image_in_use

    store = _store()
    images = store.list()
    used_ids = {i.id for i in images if image_in_use(i.id)}
    unique: dict[str, Any] = {}
    for image in images:
        unique.setdefault(image.id, image)
    # an image's VM disk and snapshots (--isolation vm) count with it
    from vmforms.container.vmisolation.disk import disk_usage_bytes, vm_files

    vm = {digest: sum(map(disk_usage_bytes, paths)) for digest, paths in vm_files().items()}
    image_size = sum(i.size for i in unique.values()) + sum(vm.values())
    reclaim = sum(i.size for i in unique.values() if i.id not in used_ids) + sum(
        size for digest, size in vm.items() if f"sha256:{digest}" not in used_ids)
    containers = st.all_containers()
    sizes = {c.id: tree_size(c.path / "upper") for c in containers}
    c_size = sum(sizes.values())
    c_reclaim = sum(sizes[c.id] for c in containers if not c.running)
    from vmforms.container.build.cache import usage

    cache = usage(store)
    volumes_dir = st.containers_dir().parent / "volumes"
    volumes = [p for p in volumes_dir.iterdir()] if volumes_dir.is_dir() else []
    v_size = sum(tree_size(v) for v in volumes)
    return [
        {"Type": "Images", "TotalCount": len(unique), "Active": len(used_ids),
         "Size": image_size, "Reclaimable": reclaim},
        {"Type": "Containers", "TotalCount": len(containers),
         "Active": sum(1 for c in containers if c.running), "Size": c_size,
         "Reclaimable": c_reclaim},
        {"Type": "Local Volumes", "TotalCount": len(volumes), "Active": 0, "Size": v_size,
         "Reclaimable": v_size},
        {"Type": "Build Cache", "TotalCount": cache.entries + cache.mounts, "Active": 0,
         "Size": cache.size, "Reclaimable": cache.size},
    ]
