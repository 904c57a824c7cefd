"""Several processes writing one store at once: the flock keeps it consistent."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vmforms.container.image.builtin import BUSYBOX
from vmforms.container.image.store import ImageStore

from .conftest import TarBuilder, store_contents


def spawn(code: str, root: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "VMFORMS_ROOT": str(root)}
    return subprocess.Popen([sys.executable, "-c", code], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(procs: list[subprocess.Popen[str]]) -> list[str]:
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        outs.append(out.strip())
    return outs


def assert_consistent(store: ImageStore) -> None:
    for blob in (store.root / "blobs/sha256").iterdir():
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == blob.name
    for image in store.list():
        assert store.layer_dirs(image)
    assert store_contents(store)["tmp"] == []


@pytest.mark.skipif(not os.access(BUSYBOX, os.X_OK), reason=f"{BUSYBOX} missing")
def test_concurrent_busybox_builds(store: ImageStore) -> None:
    code = (
        "from vmforms.container.image.builtin import ensure_busybox\n"
        "from vmforms.container.image.store import ImageStore\n"
        "ensure_busybox(); print(ImageStore().resolve('busybox').manifest_digest)\n"
    )
    outs = finish([spawn(code, store.root.parent) for _ in range(3)])
    assert len(set(outs)) == 1
    [image] = store.list()
    assert image.manifest_digest == outs[0]
    # one layer per platform of the index, however many builders raced
    assert len(store_contents(store)["layers"]) == len(image.platforms) >= 1
    assert_consistent(store)


def test_concurrent_imports_and_removals(store: ImageStore, tmp_path: Path) -> None:
    tarballs = []
    for i in range(4):
        b = TarBuilder().dir("data")
        for j in range(40):
            b.file(f"data/f{j}", f"{i}-{j}".encode() * 100)
        tarballs.append(b.write(tmp_path / f"r{i}.tar", compress=bool(i % 2)))
    store.import_rootfs(tarballs[0], "victim")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from vmforms.container.image.store import ImageStore\n"
        "s = ImageStore()\n"
        "for n in range(3):\n"
        "    s.import_rootfs(Path(sys.argv[1]), f'{sys.argv[2]}:{n}')\n"
        "if sys.argv[2] == 'img0': s.remove('victim')\n"
        "print('ok')\n"
    )
    procs = []
    for i, tarball in enumerate(tarballs):
        env = {**os.environ, "VMFORMS_ROOT": str(store.root.parent)}
        procs.append(subprocess.Popen([sys.executable, "-c", code, str(tarball), f"img{i}"],
                                      env=env, text=True, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))
    assert finish(procs) == ["ok"] * 4
    refs = sorted(i.reference or "" for i in store.list())
    assert refs == sorted(f"img{i}:{n}" for i in range(4) for n in range(3))
    # images sharing a tarball share a layer dir; victim's went with it only if unshared
    assert len(store_contents(store)["layers"]) == 4
    assert_consistent(store)
    for i in range(4):
        [layer] = store.layer_dirs(store.resolve(f"img{i}:2"))
        assert (layer / "data/f7").read_bytes() == f"{i}-7".encode() * 100


def test_writer_killed_mid_unpack_leaves_no_visible_trace(
    store: ImageStore, tmp_path: Path
) -> None:
    import signal
    import time

    b = TarBuilder()
    for j in range(200):
        b.file(f"f{j:03}", b"x" * 4096)
    data = b.tar_bytes()
    fifo = tmp_path / "slow.tar"
    os.mkfifo(fifo)  # we decide how far the writer gets before it dies
    code = (
        "import sys; from pathlib import Path\n"
        "from vmforms.container.image.store import ImageStore\n"
        "ImageStore().import_rootfs(Path(sys.argv[1]), 'doomed')\n"
    )
    env = {**os.environ, "VMFORMS_ROOT": str(store.root.parent)}
    proc = subprocess.Popen([sys.executable, "-c", code, str(fifo)], env=env)
    try:
        with open(fifo, "wb") as pipe:
            pipe.write(data[: len(data) // 2])
            pipe.flush()
            deadline = time.monotonic() + 60
            while not any((store.root / "tmp").glob("layer-*/f05*")):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
    except BrokenPipeError:
        pass
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert list((store.root / "tmp").iterdir())  # the half-unpacked layer is there...
    assert store.list() == [] and store_contents(store)["layers"] == []  # ...but unseen
    other = TarBuilder().file("ok", b"ok").write(tmp_path / "ok.tar")
    store.import_rootfs(other, "after")  # the next writer sweeps the debris
    assert store_contents(store)["tmp"] == []
    store.remove("after")
    assert store_contents(store) == {"blobs/sha256": [], "layers": [], "tmp": []}
