"""The built-in `busybox:latest`: an OCI image index (image-index.md) with one manifest per
platform, each made from Debian's busybox-static of that architecture: linux/amd64 from
the host's /bin/busybox, linux/386 from Debian's i386 archive, linux/riscv64 from trixie
(the package the RISC-V guest's initramfs uses).

Every layer is reproducible: members sorted, mtime 0, owner 0:0, gzip header mtime 0, so
the same binaries always give the same layers, configs, manifests and index digest.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
from pathlib import Path

from vmforms.container.errors import ContainerError, ImageError, ImageNotFound
from vmforms.container.image.platform import (
    Platform,
    host_platform,
    ia32_emulation,
    platform_of,
)
from vmforms.container.image.records import (
    History,
    ImageConfig,
    ImageConfiguration,
    Index,
)
from vmforms.container.image.store import ImageStore
from vmforms.container.paths import DEFAULT_ROOT, locked, state_root

BUSYBOX = Path("/bin/busybox")
BUSYBOX_REF = "busybox:latest"
LABEL_SOURCE = "org.vmforms.busybox.sha256"
EPOCH = "1970-01-01T00:00:00Z"
# The platforms of the index, in its order. GOARCH -> Debian's architecture name.
ARCHITECTURES = {"amd64": "amd64", "386": "i386", "riscv64": "riscv64"}
MAX_BINARY = 32 << 20  # a static busybox is 1-3 MB; bound what a .deb may unpack to

_DIRS = {  # path -> mode
    "bin": 0o755, "dev": 0o755, "etc": 0o755, "home": 0o755, "proc": 0o555,
    "root": 0o700, "sbin": 0o755, "sys": 0o555, "tmp": 0o1777, "usr": 0o755,
    "usr/bin": 0o755, "usr/sbin": 0o755, "var": 0o755,
}
_FILES = {  # path -> content
    "etc/passwd": b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
    "etc/group": b"root:x:0:\nnobody:x:65534:\n",
}


class Source:
    """One platform's busybox: the binary, where it came from, and its applet list."""

    def __init__(self, platform: Platform, binary: bytes, origin: str, path: Path) -> None:
        self.platform, self.binary, self.origin, self.path = platform, binary, origin, path
        self.sha256 = hashlib.sha256(binary).hexdigest()


def ensure_busybox(store: ImageStore | None = None) -> str:
    """Build busybox:latest unless the store already holds it for these binaries."""
    store = store if store is not None else ImageStore()
    sources, skipped = busybox_sources()
    wanted = {str(s.platform): s.sha256 for s in sources}
    note = "".join(f"; {text}" for text in skipped)
    try:
        if _built(store) == wanted:
            image = store.resolve(BUSYBOX_REF)
            assert image.index is not None
            return f"{BUSYBOX_REF} {image.index.digest[7:19]} (already built){note}"
    except (ImageNotFound, ImageError):  # absent or damaged: build it again
        pass
    built = [(source, build_layer(source.binary, _applets(source))) for source in sources]
    with store.writing() as writer:
        children = []
        for source, layer in built:
            stored = writer.add_layer(io.BytesIO(layer), f"{BUSYBOX_REF} {source.platform} layer")
            configuration = busybox_configuration(stored.diff_id, source.sha256, source.platform,
                                                  source.origin)
            desc = writer.add_image([stored], configuration, None, listed=False)
            children.append(type(desc)(desc.media_type, desc.digest, desc.size, platform={
                "architecture": source.platform.architecture, "os": source.platform.os}))
        index_desc = writer.add_index(children, BUSYBOX_REF)
        # An older single-platform busybox:latest, displaced by the index, is one of its
        # manifests: it is not left behind as an untagged image of its own.
        digests = {c.digest for c in children}
        entries = store.read_index().manifests
        writer.write_index(Index(tuple(e for e in entries if not (
            e.ref_name is None and not e.annotations and e.digest in digests))))
    return f"{BUSYBOX_REF} {index_desc.digest[7:19]} (built for {', '.join(wanted)}){note}"


def _built(store: ImageStore) -> dict[str, str]:
    """platform -> source sha256 of the busybox:latest in the store, its layers checked."""
    entry = next((e for e in store.read_index().manifests if e.ref_name == BUSYBOX_REF), None)
    if entry is None:
        raise ImageNotFound(BUSYBOX_REF)
    out = {}
    for child in store.children(entry):
        image = store.image(child.digest, BUSYBOX_REF)
        store.layer_dirs(image)  # raises when a layer dir is missing
        out[str(platform_of(child.platform))] = image.config.labels.get(LABEL_SOURCE, "")
    return out


def busybox_configuration(diff_id: str, source: str, platform: Platform | None = None,
                          origin: str = str(BUSYBOX)) -> ImageConfiguration:
    from vmforms.container.image.writer import DEFAULT_PATH

    platform = platform if platform is not None else host_platform()
    return ImageConfiguration(
        architecture=platform.architecture,
        os=platform.os,
        config=ImageConfig(env=(DEFAULT_PATH,), cmd=("sh",), labels={LABEL_SOURCE: source}),
        diff_ids=(diff_id,),
        created=EPOCH,
        history=(History(created=EPOCH, created_by=f"vmforms setup: {origin}"),),
    )


# -- the binaries ---------------------------------------------------------------------------

def busybox_sources() -> tuple[list[Source], list[str]]:
    """Every platform's busybox that can be had, and a note for each that cannot. The
    host's own platform is required; the others are fetched once and cached as .debs."""
    host = host_platform()
    sources: list[Source] = []
    skipped: list[str] = []
    for arch, debian_arch in ARCHITECTURES.items():
        platform = Platform("linux", arch)
        if arch == host.architecture:
            sources.append(Source(platform, _read_busybox(), str(BUSYBOX), BUSYBOX))
            continue
        try:
            deb = debian_package(debian_arch)
            path = _unpack_busybox(deb)
            sources.append(Source(platform, path.read_bytes(), f"{deb.name}", path))
        except ContainerError as exc:
            skipped.append(f"{platform} left out: {exc}")
    if not any(s.platform.architecture == host.architecture for s in sources):
        raise ContainerError(f"build {BUSYBOX_REF}: no busybox for the host's {host}")
    return sources, skipped


def deb_dirs() -> list[Path]:
    """Where busybox-static .debs are kept: under the state root, and (read only) under
    the default one, so that a private root (tests, a second store) finds them too."""
    dirs = [state_root() / "assets" / "debs", Path(DEFAULT_ROOT) / "assets" / "debs"]
    return list(dict.fromkeys(dirs))


def debian_package(debian_arch: str) -> Path:
    """busybox-static_*_<arch>.deb, downloaded once: riscv64 from trixie with the guest's
    private apt state; any other with the host's apt (`dpkg --add-architecture i386`)."""
    pattern = f"busybox-static_*_{debian_arch}.deb"
    for folder in deb_dirs():
        found = sorted(folder.glob(pattern)) if folder.is_dir() else []
        if found:
            return found[-1]
    debs = deb_dirs()[0]
    debs.mkdir(parents=True, exist_ok=True)
    if debian_arch == "riscv64":
        from vmforms.hypervisor.boot.assets import AssetError
        from vmforms.hypervisor.boot.assets import ensure_busybox as guest_busybox

        try:
            guest_busybox()  # keeps its .deb in assets/debs, the first of deb_dirs()
        except AssetError as exc:
            raise ContainerError(f"fetch busybox-static:riscv64 from trixie: {exc}") from None
    else:
        with locked(debs / ".download.lock"):
            _run(["apt-get", "-qq", "download", f"busybox-static:{debian_arch}"], cwd=debs,
                 fix=f"run `dpkg --add-architecture {debian_arch} && apt-get update` (or "
                     "`make setup`), or work offline without this platform")
    found = sorted(debs.glob(pattern))
    if not found:
        raise ContainerError(f"apt-get download busybox-static:{debian_arch} gave no .deb")
    return found[-1]


def _unpack_busybox(deb: Path) -> Path:
    """The busybox binary of a .deb, extracted once (bounded in size)."""
    import tarfile

    data = deb.read_bytes()
    out = deb_dirs()[0] / f"busybox-{hashlib.sha256(data).hexdigest()[:16]}"
    if out.is_file():
        return out
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as proc:
        assert proc.stdout is not None
        try:
            with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
                for member in tar:
                    name = member.name.lstrip("./")
                    if name in ("bin/busybox", "usr/bin/busybox") and member.isreg():
                        if member.size > MAX_BINARY:
                            raise ContainerError(f"{deb.name}: busybox is {member.size} bytes")
                        reader = tar.extractfile(member)
                        assert reader is not None
                        binary = reader.read(MAX_BINARY)
                        break
                else:
                    raise ContainerError(f"{deb.name}: no busybox binary inside")
        except tarfile.TarError as exc:
            raise ContainerError(f"{deb.name}: damaged package: {exc}") from None
        finally:
            proc.kill()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    tmp.write_bytes(binary)
    tmp.chmod(0o755)
    os.replace(tmp, out)
    return out


def _read_busybox() -> bytes:
    try:
        return BUSYBOX.read_bytes()
    except OSError as exc:
        raise ContainerError(
            f"build {BUSYBOX_REF}: cannot read {BUSYBOX} ({exc.strerror}); "
            "install it with `apt-get install busybox-static`"
        ) from None


def _applets(source: Source) -> list[str]:
    """The applet paths (`usr/bin/wc`...) as `busybox --list-full` prints them: run on
    this host when it executes the platform, else under qemu-user."""
    host = host_platform().architecture
    arch = source.platform.architecture
    argv = [str(source.path), "--list-full"]
    if arch != host and not (arch == "386" and host == "amd64" and ia32_emulation()):
        qemu = {"386": "i386", "amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)
        argv = [f"qemu-{qemu}", *argv]
    return _run(argv, fix="install Debian's busybox-static (and qemu-user for other "
                          "architectures)", listing=True)


def _run(argv: list[str], *, cwd: Path | None = None, fix: str,
         listing: bool = False) -> list[str]:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ContainerError(f"build {BUSYBOX_REF}: `{' '.join(argv)}` failed ({exc}); "
                             f"{fix}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit status " + str(done.returncode)])
        raise ContainerError(f"build {BUSYBOX_REF}: `{' '.join(argv)}`: {last[-1]}; {fix}")
    if not listing:
        return []
    return sorted({line.strip().lstrip("/") for line in done.stdout.splitlines()
                   if line.strip()})


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
