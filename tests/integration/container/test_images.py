"""Image commands: import, tag, save, load, inspect and SIZE, checked against podman."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf


def _rootfs_tar(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    (tree / "bin").mkdir(parents=True)
    shutil.copy2("/bin/busybox", tree / "bin" / "busybox")
    (tree / "etc").mkdir()
    (tree / "etc" / "motd").write_text("imported\n")
    out = tmp_path / "rootfs.tar"
    with tarfile.open(out, "w") as tar:
        tar.add(tree, arcname=".")
    return out


def _images(vmf: Vmf) -> dict[str, list[str]]:
    lines = vmf("images", check=True).stdout.splitlines()[1:]
    return {f"{row[0]}:{row[1]}": row for row in (line.split() for line in lines)}


def test_import_tag_save_load_inspect(vmf: Vmf, tmp_path: Path) -> None:
    tarball = _rootfs_tar(tmp_path)
    ref = f"vmforms-test/imported:{os.getpid()}"
    image_id = vmf("import", str(tarball), ref, check=True).stdout.strip()
    try:
        [info] = json.loads(vmf("inspect", ref, check=True).stdout)
        assert info["Id"] == image_id and info["RepoTags"] == [ref]
        assert info["Config"] == {}  # like docker and podman import: PATH is added at run time
        # SIZE counts the uncompressed layer (plus the config), not the stored blob
        assert tarball.stat().st_size <= info["Size"] < tarball.stat().st_size + 4096
        run = vmf("run", "--rm", ref, "/bin/busybox", "sh", "-c", 'echo "$PATH"; cat /etc/motd',
                  check=True)
        assert run.stdout == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n" \
                             "imported\n"
        vmf("tag", ref, f"{ref}-copy", check=True)
        listed = _images(vmf)
        assert listed[ref][2] == listed[f"{ref}-copy"][2] == image_id[7:19]
        archive = tmp_path / "saved.tar"
        with archive.open("wb") as out:  # streamed to stdout, as docker save does
            done = subprocess.run([vmf.bin, "container", "save", ref], stdout=out,
                                  env=vmf.env, timeout=60)
        assert done.returncode == 0
        vmf("rmi", ref, f"{ref}-copy", check=True)
        assert ref not in _images(vmf)
        with archive.open("rb") as src:
            loaded = subprocess.run([vmf.bin, "container", "load"], stdin=src, text=True,
                                    capture_output=True, env=vmf.env, timeout=60)
        assert loaded.returncode == 0, loaded.stderr
        assert loaded.stdout == f"Loaded image: {ref}\n"
        [again] = json.loads(vmf("inspect", "--type", "image", ref, check=True).stdout)
        assert again["Id"] == image_id and again["Size"] == info["Size"]
        if shutil.which("podman") is not None:
            _podman_agrees(archive, ref, image_id, info["Size"])
    finally:
        vmf("rmi", "-f", ref)
    assert not list((vmf.root / "images").glob(".archive-*"))


def _podman_agrees(archive: Path, ref: str, image_id: str, size: int) -> None:
    """podman loads what we saved as the same image id, and sizes it alike."""
    name = f"localhost/{ref}"
    try:
        done = subprocess.run(["podman", "load", "-q", "-i", str(archive)], text=True,
                              capture_output=True, timeout=180)
        assert done.returncode == 0, done.stderr
        shown = subprocess.run(["podman", "image", "inspect", "--format", "{{.Id}} {{.Size}}",
                                name], text=True, capture_output=True, timeout=60)
        assert shown.returncode == 0, shown.stderr
        podman_id, podman_size = shown.stdout.split()
        assert podman_id == image_id.removeprefix("sha256:")
        assert abs(int(podman_size) - size) < 4096, (podman_size, size)
    finally:
        subprocess.run(["podman", "rmi", name], capture_output=True, timeout=120)


@pytest.mark.parametrize("args", [["load"], ["save", "busybox"]])
def test_refuses_a_terminal(vmf: Vmf, args: list[str]) -> None:
    import pty

    leader, follower = pty.openpty()
    try:
        done = subprocess.run([vmf.bin, "container", *args], stdin=follower, stdout=follower,
                              stderr=subprocess.PIPE, text=True, env=vmf.env, timeout=60)
    finally:
        os.close(leader)
        os.close(follower)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
