"""Platforms: OCI image-index.md `platform` (os, architecture, variant), `--platform`
parsing as containerd's platforms package normalises it, the choice of an index entry,
and whether this host can execute a platform's programs.

A 64-bit x86 kernel runs i386 programs itself (CONFIG_IA32_EMULATION: the compat syscall
entry and a 32-bit ELF loader); any other architecture needs a binfmt_misc handler (an
emulator such as qemu-user) registered on the host.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from vmforms.container.errors import ContainerError, ImageNotFound, InvalidOption
from vmforms.record import record

# uname -m and common spellings -> GOARCH, the names image-spec config.md uses
_ARCH_ALIASES = {
    "x86_64": "amd64", "x86-64": "amd64", "amd64": "amd64",
    "i386": "386", "i486": "386", "i586": "386", "i686": "386", "x86": "386", "386": "386",
    "aarch64": "arm64", "arm64": "arm64", "armhf": "arm", "armel": "arm", "arm": "arm",
    "armv7l": "arm", "armv6l": "arm", "riscv64": "riscv64", "ppc64le": "ppc64le",
    "s390x": "s390x", "mips64le": "mips64le",
}
# the binfmt_misc entry names qemu-user registers, by GOARCH
_QEMU_NAMES = {"386": "i386", "amd64": "x86_64", "arm64": "aarch64", "arm": "arm",
               "riscv64": "riscv64", "ppc64le": "ppc64le", "s390x": "s390x"}
_BINFMT = "/proc/sys/fs/binfmt_misc"


@record
class Platform:
    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text

    def matches(self, entry: Mapping[str, str]) -> bool:
        """Whether an index entry's platform object (or a config's) is this platform."""
        if entry.get("os", "linux") != self.os:
            return False
        if normalize_architecture(entry.get("architecture", "")) != self.architecture:
            return False
        return not self.variant or entry.get("variant", "") in ("", self.variant)


def normalize_architecture(arch: str) -> str:
    return _ARCH_ALIASES.get(arch.lower(), arch.lower())


def host_platform() -> Platform:
    return Platform("linux", normalize_architecture(os.uname().machine))


def parse_platform(text: str) -> Platform:
    """`linux/386`, `linux/arm64/v8`, `386` (the host's os), as `docker --platform`."""
    parts = text.strip().split("/")
    if not text.strip() or len(parts) > 3 or not all(parts):
        raise InvalidOption(f'invalid platform "{text}": expected os/arch[/variant]')
    if len(parts) == 1:
        if parts[0].lower() == "linux":
            return host_platform()
        parts = ["linux", parts[0]]
    os_name, arch = parts[0].lower(), normalize_architecture(parts[1])
    if os_name != "linux":
        raise InvalidOption(f'invalid platform "{text}": only linux images run here')
    if not all(c.isalnum() or c in "_-" for c in arch):
        raise InvalidOption(f'invalid platform "{text}": bad architecture {parts[1]!r}')
    return Platform(os_name, arch, parts[2].lower() if len(parts) == 3 else "")


def platform_of(entry: Mapping[str, str]) -> Platform:
    """The platform an index entry or config names; what a registry sent is shown on a
    terminal later, so anything but plain printable text is replaced."""
    return Platform(_printable(entry.get("os", "linux") or "linux"),
                    _printable(normalize_architecture(entry.get("architecture", ""))),
                    _printable(entry.get("variant", "")))


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() and c != "/" else "?" for c in text[:64])


def choose(entries: Iterable[Mapping[str, str]], wanted: Platform) -> int | None:
    """The position of the entry for `wanted`: an exact variant first, else any variant,
    else (for a host that runs i386 programs) nothing: Docker does not fall back from
    amd64 to 386 either."""
    candidates = list(entries)
    for exact in (True, False):
        for i, entry in enumerate(candidates):
            if wanted.matches(entry) and (not exact or not wanted.variant
                                          or entry.get("variant", "") == wanted.variant):
                return i
    return None


def no_match(reference: str, wanted: Platform, present: Iterable[str]) -> ImageNotFound:
    have = ", ".join(present) or "none"
    return ImageNotFound(f"image {reference} has no manifest for {wanted} in the store "
                         f"(platforms present: {have}); pull it with --platform {wanted}")


# -- can this host execute it? ------------------------------------------------------------

# A complete i386 ELF program: exit(0) through `int $0x80`. Executing it is the only sure
# test of IA32 emulation: CONFIG_IA32_EMULATION may be built in but switched off at boot
# (ia32_emulation=false, or CONFIG_IA32_EMULATION_DEFAULT_DISABLED).
_I386_CODE = bytes.fromhex("b801000000" "31db" "cd80")  # mov $1,%eax; xor %ebx,%ebx; int $0x80


def i386_exit_program() -> bytes:
    import struct

    base, ehsize, phsize = 0x08048000, 52, 32
    entry = base + ehsize + phsize
    header = struct.pack(
        "<4sBBBB8xHHIIIIIHHHHHH", b"\x7fELF", 1, 1, 1, 0,  # ELFCLASS32, LSB, v1, SysV
        2, 3, 1, entry, ehsize, 0, 0, ehsize, phsize, 1, 0, 0, 0)  # ET_EXEC, EM_386
    total = ehsize + phsize + len(_I386_CODE)
    program = struct.pack("<IIIIIIII", 1, 0, base, base, total, total, 5, 0x1000)  # PT_LOAD RX
    return header + program + _I386_CODE


def ia32_emulation() -> bool:
    """Whether the kernel runs i386 programs: one is executed from a memfd."""
    import subprocess

    fd = os.memfd_create("vmforms-ia32-probe", 0)
    try:
        os.write(fd, i386_exit_program())
        os.fchmod(fd, 0o500)
        try:
            done = subprocess.run([f"/proc/self/fd/{fd}"], pass_fds=(fd,), timeout=10,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, check=False)
        except OSError:  # ENOEXEC: the kernel has no loader for ELFCLASS32 on x86-64
            return False
        return done.returncode == 0
    finally:
        os.close(fd)


def binfmt_handler(arch: str, root: str = _BINFMT) -> str | None:
    """The enabled binfmt_misc entry that runs `arch` programs, if any."""
    name = _QEMU_NAMES.get(arch, arch)
    for entry in (f"qemu-{name}", name):
        try:
            with open(os.path.join(root, entry), "rb") as f:
                text = f.read(4096)
        except OSError:
            continue
        if text.startswith(b"enabled"):
            return entry
    return None


def check_executable(wanted: Platform, reference: str) -> None:
    """Refuse, in one line, an image whose programs this host cannot execute."""
    host = host_platform()
    if wanted.os != "linux":
        raise ContainerError(f"image {reference} is for {wanted}: only linux images run here")
    if wanted.architecture == host.architecture:
        return
    if wanted.architecture == "386" and host.architecture == "amd64":
        if ia32_emulation():
            return
        raise ContainerError(
            f"image {reference} is for {wanted}, but this x86-64 kernel does not run 32-bit "
            "programs: it was built without CONFIG_IA32_EMULATION or booted with "
            "ia32_emulation=false")
    if binfmt_handler(wanted.architecture) is not None:
        return
    raise ContainerError(
        f"image {reference} is for {wanted} and this {host} host cannot execute it: no "
        f"binfmt_misc handler for {wanted.architecture} is registered in {_BINFMT} "
        "(register qemu-user's, e.g. from Debian's qemu-user-binfmt)")
