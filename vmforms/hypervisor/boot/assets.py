"""The built-in guest, built once and cached by content hash under $VMFORMS_ROOT/assets.

- kernel-<hash>/Image: Debian's linux-source-6.1, `make allnoconfig` with guest.config
  (KCONFIG_ALLCONFIG), cross-built with gcc-riscv64-linux-gnu;
- busybox-<hash>/busybox: busybox-static for riscv64 from Debian trixie, fetched with apt
  under a private sources list and architecture, leaving the host's apt state alone;
- initramfs-<hash>.cpio: our own newc writer over that busybox and the /init script;
- guest.json: the paths of the current three, read by `vmforms vm run`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from vmforms.container.paths import locked, state_root
from vmforms.hypervisor.boot.cpio import CpioEntry, directory, file
from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT, build_initramfs
from vmforms.hypervisor.errors import HypervisorError
from vmforms.hypervisor.progress import Status, format_bytes

GUEST_CONFIG = Path(__file__).with_name("guest.config")
KERNEL_TARBALL = Path("/usr/src/linux-source-6.1.tar.xz")
CROSS_COMPILE = "riscv64-linux-gnu-"
# The loadable modules guest.config builds (=m), kept beside the Image and put in the
# guest's /lib/modules
MODULE_SOURCES = "drivers/net"
MODULES_DIR = "modules"
TRIXIE_SOURCE = (
    "deb [arch=riscv64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] "
    "http://deb.debian.org/debian trixie main\n"
)
NEEDED_PACKAGES = (
    "linux-source-6.1 gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu make flex bison bc "
    "libssl-dev libelf-dev xz-utils"
)


class AssetError(HypervisorError):
    """A guest asset could not be built or fetched; the message says what to install."""


@dataclass(frozen=True, slots=True)
class GuestAssets:
    kernel: Path
    initrd: Path
    release: str


def assets_root() -> Path:
    return state_root() / "assets"


def content_hash(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:16]


def run_tool(argv: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise AssetError(f"run {argv[0]}: not found; apt-get install {NEEDED_PACKAGES}") from exc
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise AssetError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {' | '.join(tail)}")
    return proc.stdout


def run_build(argv: list[str], cwd: Path, status: Status) -> None:
    """run_tool for a long build: on a terminal each line of its output (make's
    "CC init/main.o") becomes the status line; the last lines explain a failure."""
    tail: deque[str] = deque(maxlen=5)
    try:
        proc = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace",
        )
    except FileNotFoundError as exc:
        raise AssetError(f"run {argv[0]}: not found; apt-get install {NEEDED_PACKAGES}") from exc
    with proc:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = " ".join(raw.split())
            if line:
                tail.append(line)
                status.show(line)
    if proc.returncode != 0:
        raise AssetError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {' | '.join(tail)}")


def download(args: list[str], cwd: Path, size: int, status: Status) -> None:
    """An apt-get download into `cwd`, its bytes so far on the status line (apt writes
    the file in place as it arrives)."""
    before = {p.name for p in cwd.iterdir()}
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with proc:
        while proc.poll() is None:
            got = sum(
                p.stat().st_size for p in cwd.iterdir() if p.name not in before and p.is_file()
            )
            total = f" of {format_bytes(size)}" if size else ""
            status.show(f"{format_bytes(got)}{total}")
            time.sleep(0.2)
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode != 0:
        tail = err.strip().splitlines()[-3:]
        raise AssetError(f"{' '.join(args[:2])} failed ({proc.returncode}): {' | '.join(tail)}")


def _kernel_key() -> str:
    if not KERNEL_TARBALL.exists():
        raise AssetError(f"{KERNEL_TARBALL} is missing; apt-get install linux-source-6.1")
    source = hashlib.sha256()
    with KERNEL_TARBALL.open("rb") as f:
        while chunk := f.read(1 << 20):
            source.update(chunk)
    return content_hash(b"kernel-v1", GUEST_CONFIG.read_bytes(), source.digest())


def ensure_kernel() -> tuple[Path, str, float]:
    """The cached kernel Image, its release, and the seconds spent building (0 if cached)."""
    out = assets_root() / f"kernel-{_kernel_key()}"
    image = out / "Image"
    with locked(assets_root() / ".kernel.lock"):
        if image.exists():
            return image, (out / "release").read_text().strip(), 0.0
        if shutil.which(CROSS_COMPILE + "gcc") is None:
            raise AssetError(f"{CROSS_COMPILE}gcc not found; apt-get install {NEEDED_PACKAGES}")
        start = time.monotonic()
        build = assets_root() / "build"
        src = build / "linux-source-6.1"
        with Status("setup: building the guest kernel") as status:
            if not (src / "Makefile").exists():
                build.mkdir(parents=True, exist_ok=True)
                status.show(f"unpacking {KERNEL_TARBALL.name}", force=True)
                run_tool(["tar", "-xf", str(KERNEL_TARBALL), "-C", str(build)])
            make = ["make", "ARCH=riscv", f"CROSS_COMPILE={CROSS_COMPILE}", "-s"]
            env = dict(os.environ, KCONFIG_ALLCONFIG=str(GUEST_CONFIG))
            status.show("allnoconfig", force=True)
            run_tool([*make, "allnoconfig"], cwd=src, env=env)
            # On a terminal make names each file it builds (no -s): that is the progress.
            quiet = make if not status.enabled else make[:-1]
            jobs = f"-j{min(os.cpu_count() or 1, 2)}"
            run_build(["nice", "-n", "10", *quiet, jobs, "Image", "modules"], src, status)
        release = (src / "include/config/kernel.release").read_text().strip()
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / MODULES_DIR).mkdir(parents=True)
        shutil.copy2(src / "arch/riscv/boot/Image", tmp / "Image")
        for module in sorted(src.glob(f"{MODULE_SOURCES}/*.ko")):
            shutil.copy2(module, tmp / MODULES_DIR / module.name)
        (tmp / "release").write_text(release + "\n")
        shutil.copy2(GUEST_CONFIG, tmp / "guest.config")
        shutil.copy2(src / ".config", tmp / "config")
        tmp.rename(out)
        return image, release, time.monotonic() - start


def ensure_busybox() -> Path:
    """busybox-static for riscv64 from trixie, the .deb kept under assets/debs."""
    root = assets_root()
    debs = root / "debs"
    with locked(root / ".busybox.lock"):
        found = sorted(debs.glob("busybox-static_*_riscv64.deb"))
        if not found:
            found = [_download_busybox(debs)]
        deb = found[-1]
        out = root / f"busybox-{content_hash(deb.read_bytes())}"
        binary = out / "busybox"
        if binary.exists():
            return binary
        tmp = out.with_name(out.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        run_tool(["dpkg-deb", "-x", str(deb), str(tmp / "root")])
        for candidate in ("usr/bin/busybox", "bin/busybox"):
            if (tmp / "root" / candidate).exists():
                shutil.copy2(tmp / "root" / candidate, tmp / "busybox")
                break
        else:
            raise AssetError(f"{deb.name}: no busybox binary inside")
        shutil.rmtree(tmp / "root")
        tmp.rename(out)
        return binary


def apt_riscv64(args: list[str], cwd: Path | None = None) -> str:
    """Run apt-get or apt-cache (args[0]) over the private trixie riscv64 apt state under
    assets/apt-riscv64; the host's sources and dpkg architectures are never touched."""
    return run_tool(apt_riscv64_argv(args), cwd=cwd)


def apt_riscv64_argv(args: list[str]) -> list[str]:
    """The command line of apt_riscv64."""
    apt = assets_root() / "apt-riscv64"
    for sub in ("lists/partial", "cache/archives/partial", "etc"):
        (apt / sub).mkdir(parents=True, exist_ok=True)
    (apt / "etc/sources.list").write_text(TRIXIE_SOURCE)
    opts = [
        f"-oDir::Etc::SourceList={apt}/etc/sources.list",
        "-oDir::Etc::SourceParts=/dev/null",
        f"-oDir::State::Lists={apt}/lists",
        f"-oDir::Cache={apt}/cache",
        "-oAPT::Architecture=riscv64",
        "-oAPT::Architectures::=riscv64",
        "-oDebug::NoLocking=1",
        "-oAPT::Sandbox::User=root",
    ]
    return [args[0], "-qq", *opts, *args[1:]]


def _download_busybox(debs: Path) -> Path:
    apt_riscv64(["apt-get", "update"])
    debs.mkdir(parents=True, exist_ok=True)
    apt_riscv64(["apt-get", "download", "busybox-static:riscv64"], cwd=debs)
    found = sorted(debs.glob("busybox-static_*_riscv64.deb"))
    if not found:
        raise AssetError("apt-get download busybox-static:riscv64 from trixie produced no .deb")
    return found[-1]


def module_entries(kernel: Path) -> list[CpioEntry]:
    """The kernel's modules (built beside its Image) as /lib/modules/NAME.ko entries."""
    found = sorted((kernel.parent / MODULES_DIR).glob("*.ko"))
    if not found:
        return []
    return [directory("lib"), directory("lib/modules"),
            *(file(f"lib/modules/{m.name}", m.read_bytes(), 0o644) for m in found)]


def ensure_initramfs(busybox: Path, kernel: Path | None = None) -> Path:
    blob = busybox.read_bytes()
    modules = module_entries(kernel) if kernel is not None else []
    key = content_hash(b"initramfs-v2", blob, INIT_SCRIPT.encode(),
                       *(e.data for e in modules))
    out = assets_root() / f"initramfs-{key}.cpio"
    if not out.exists():
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(build_initramfs(blob, extra=modules))
        tmp.rename(out)
    return out


def ensure_guest() -> str:
    """`vmforms setup` step: build or find the kernel, busybox and initramfs."""
    image, release, seconds = ensure_kernel()
    initrd = ensure_initramfs(ensure_busybox(), image)
    write_manifest("guest.json", GuestAssets(image, initrd, release))
    built = f" (kernel built in {seconds:.0f}s)" if seconds else ""
    return f"guest kernel {release} and initramfs in {assets_root()}{built}"


def write_manifest(name: str, assets: GuestAssets) -> None:
    """Record a built guest (kernel, initrd, release) as `name` under the assets root."""
    manifest = {"kernel": str(assets.kernel), "initrd": str(assets.initrd),
                "release": assets.release}
    path = assets_root() / name
    tmp = path.with_name(name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    tmp.rename(path)


def read_manifest(name: str, missing: str, incomplete: str) -> GuestAssets:
    """A guest recorded by write_manifest; AssetError with `missing` (the manifest's path
    is appended) or `incomplete` when it or its files are not there."""
    path = assets_root() / name
    try:
        manifest = json.loads(path.read_text())
        assets = GuestAssets(
            Path(manifest["kernel"]), Path(manifest["initrd"]), manifest["release"]
        )
    except (OSError, ValueError, KeyError) as exc:
        raise AssetError(missing.format(path=path)) from exc
    if not assets.kernel.exists() or not assets.initrd.exists():
        raise AssetError(incomplete)
    return assets


def guest_assets() -> GuestAssets:
    """The built-in guest, as recorded by the last `vmforms setup`."""
    return read_manifest(
        "guest.json",
        "the built-in guest is not built ({path}); run `vmforms setup` or pass --kernel",
        f"the built-in guest in {assets_root()} is incomplete; run `vmforms setup`",
    )
