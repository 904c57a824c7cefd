"""The built-in `busybox:latest` image, made from Debian's busybox-static binary.

The layer is reproducible: members sorted, mtime 0, owner 0:0, gzip header mtime 0, so
the same /bin/busybox always gives the same layer, config and manifest digests.
"""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError, ImageError, ImageNotFound
from vmforms.container.image.records import History, ImageConfig, ImageConfiguration
from vmforms.container.image.store import ImageStore

BUSYBOX = Path("/bin/busybox")
BUSYBOX_REF = "busybox:latest"
LABEL_SOURCE = "org.vmforms.busybox.sha256"
EPOCH = "1970-01-01T00:00:00Z"

_DIRS = {  # path -> mode
    "bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o555,
    "root": 0o700, "sbin": 0o755, "sys": 0o555, "tmp": 0o1777, "usr": 0o755,
    "usr/bin": 0o755, "usr/sbin": 0o755, "var": 0o755,
}
_FILES = {  # path -> content
    "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    "etc/group": b"root:x:0:\nnobody:x:65534:\n",
}


def ensure_busybox(store: ImageStore | None = None) -> str:
    """Build busybox:latest unless the store already holds it for this /bin/busybox."""
    store = store if store is not None else ImageStore()
    binary = _read_busybox()
    import hashlib

    source = hashlib.sha256(binary).hexdigest()
    try:
        image = store.resolve(BUSYBOX_REF)
        if image.config.labels.get(LABEL_SOURCE) == source:
            store.layer_dirs(image)  # raises when a layer dir is missing
            return f"{BUSYBOX_REF} {image.short_id} (already built)"
    except (ImageNotFound, ImageError):  # absent or damaged: build it again
        pass
    layer = build_layer(binary, _applets())
    with store.writing() as writer:
        stored = writer.add_layer(io.BytesIO(layer), f"{BUSYBOX_REF} layer")
        configuration = busybox_configuration(stored.diff_id, source)
        desc = writer.add_image([stored], configuration, BUSYBOX_REF)
    image = store.image(desc.digest, BUSYBOX_REF)
    return f"{BUSYBOX_REF} {image.short_id} (built from {BUSYBOX})"


def busybox_configuration(diff_id: str, source: str) -> ImageConfiguration:
    from vmforms.container.image.writer import DEFAULT_PATH, host_architecture

    return ImageConfiguration(
        architecture=host_architecture(),
        os="linux",
        config=ImageConfig(env=(DEFAULT_PATH,), cmd=("sh",), labels={LABEL_SOURCE: source}),
        diff_ids=(diff_id,),
        created=EPOCH,
        history=(History(created=EPOCH, created_by=f"vmforms setup: {BUSYBOX}"),),
    )


def _read_busybox() -> bytes:
    try:
        return BUSYBOX.read_bytes()
    except OSError as exc:
        raise ContainerError(
            f"build {BUSYBOX_REF}: cannot read {BUSYBOX} ({exc.strerror}); "
            "install it with `apt-get install busybox-static`"
        ) from None


def _applets() -> list[str]:
    """The applet paths (`usr/bin/wc`...) as `busybox --list-full` prints them."""
    try:
        out = subprocess.run(
            [str(BUSYBOX), "--list-full"], check=True, capture_output=True, text=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ContainerError(
            f"build {BUSYBOX_REF}: `{BUSYBOX} --list-full` failed ({exc}); "
            "install Debian's static build with `apt-get install busybox-static`"
        ) from None
    return sorted({line.strip().lstrip("/") for line in out.splitlines() if line.strip()})


def build_layer(binary: bytes, applets: list[str]) -> bytes:
    """The reproducible gzip-compressed layer tarball."""
    import gzip
    import tarfile

    def info(name: str, kind: bytes, mode: int) -> tarfile.TarInfo:
        member = tarfile.TarInfo(name)
        member.type, member.mode, member.mtime = kind, mode, 0
        member.uid = member.gid = 0
        member.uname = member.gname = "root"
        return member

    entries: dict[str, tuple[tarfile.TarInfo, bytes | None]] = {}
    for path, mode in _DIRS.items():
        entries[path] = (info(path, tarfile.DIRTYPE, mode), None)
    for path, text in _FILES.items():
        member = info(path, tarfile.REGTYPE, 0o644)
        member.size = len(text)
        entries[path] = (member, text)
    busybox = info("bin/busybox", tarfile.REGTYPE, 0o755)
    busybox.size = len(binary)
    entries["bin/busybox"] = (busybox, binary)
    for applet in applets:
        if applet in entries or "/" not in applet or ".." in applet.split("/"):
            continue
        parent = applet.rsplit("/", 1)[0]
        if parent not in entries:
            entries[parent] = (info(parent, tarfile.DIRTYPE, 0o755), None)
        link = info(applet, tarfile.SYMTYPE, 0o777)
        link.linkname = "/bin/busybox"
        entries[applet] = (link, None)
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in sorted(entries):
            member, content = entries[path]
            tar.addfile(member, io.BytesIO(content) if content is not None else None)
    return gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)

