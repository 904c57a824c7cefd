"""Fixtures for the image store tests: a private VMFORMS_ROOT and tarball builders."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from vmforms.container.image.store import ImageStore


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ImageStore]:
    root = tmp_path / "state"
    monkeypatch.setenv("VMFORMS_ROOT", str(root))
    image_store = ImageStore()
    assert image_store.root == root / "images"
    yield image_store
    tmp = image_store.root / "tmp"
    if tmp.exists():  # no writer may leave work in progress behind
        assert list(tmp.iterdir()) == []


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (chown, mknod, xattrs)")


@dataclass
class TarBuilder:
    """Members added in order, exactly as given: hostile names are the point."""

    members: list[tuple[tarfile.TarInfo, bytes | None]] = field(default_factory=list)

    def _info(self, name: str, kind: bytes, mode: int, **attrs: object) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime = kind, mode, 1_600_000_000
        for key, value in attrs.items():
            setattr(info, key, value)
        return info

    def dir(self, name: str, mode: int = 0o755, **attrs: object) -> TarBuilder:
        self.members.append((self._info(name, tarfile.DIRTYPE, mode, **attrs), None))
        return self

    def file(self, name: str, data: bytes = b"", mode: int = 0o644, **attrs: object) -> TarBuilder:
        info = self._info(name, tarfile.REGTYPE, mode, **attrs)
        info.size = len(data)
        self.members.append((info, data))
        return self

    def symlink(self, name: str, target: str) -> TarBuilder:
        self.members.append((self._info(name, tarfile.SYMTYPE, 0o777, linkname=target), None))
        return self

    def hardlink(self, name: str, target: str) -> TarBuilder:
        self.members.append((self._info(name, tarfile.LNKTYPE, 0o644, linkname=target), None))
        return self

    def device(
        self, name: str, kind: bytes, major: int, minor: int, mode: int = 0o666
    ) -> TarBuilder:
        info = self._info(name, kind, mode, devmajor=major, devminor=minor)
        self.members.append((info, None))
        return self

    def tar_bytes(self) -> bytes:
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for info, data in self.members:
                tar.addfile(info, io.BytesIO(data) if data is not None else None)
        return raw.getvalue()

    def write(self, path: Path, *, compress: bool = False) -> Path:
        data = self.tar_bytes()
        path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
        return path


def store_contents(store: ImageStore) -> dict[str, list[str]]:
    """What the store holds on disk: blobs, layer dirs and work in progress."""
    out: dict[str, list[str]] = {}
    for sub in ("blobs/sha256", "layers", "tmp"):
        path = store.root / sub
        out[sub] = sorted(p.name for p in path.iterdir()) if path.exists() else []
    sizes = store.root / "layer-sizes"  # listed only when it holds a layer's record
    if sizes.exists() and any(sizes.iterdir()):
        out["layer-sizes"] = sorted(p.name for p in sizes.iterdir())
    return out
