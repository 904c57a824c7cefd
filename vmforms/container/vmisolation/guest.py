"""The guest a container runs in: the built-in RISC-V kernel (its configuration includes
what a container host needs: namespaces, cgroups, overlayfs, ext4) and the built-in
initramfs (busybox, for a look around with `vm run`) with vmforms-enter, the agent, as
well; cached by content under the assets root."""

from __future__ import annotations

from pathlib import Path

from vmforms.container.errors import ContainerError
from vmforms.record import record


@record
class AgentGuest:
    kernel: Path
    initrd: Path
    release: str


def agent_guest() -> AgentGuest:
    """The kernel of the last `vmforms setup` and the agent's initramfs, built once."""
    from vmforms.container.vmisolation.agent import ENTER_PATH, ENTER_SOURCE, build_enter
    from vmforms.hypervisor.boot.assets import (
        AssetError,
        assets_root,
        content_hash,
        ensure_busybox,
        guest_assets,
    )
    from vmforms.hypervisor.boot.cpio import file
    from vmforms.hypervisor.boot.initramfs import INIT_SCRIPT, build_initramfs

    try:
        base = guest_assets()
        busybox = ensure_busybox().read_bytes()
    except AssetError as exc:
        raise ContainerError(f"--isolation vm: {exc}") from None
    root = assets_root() / "vm-agent"
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    enter = root / f"vmforms-enter-{content_hash(b'enter-v1', ENTER_SOURCE.read_bytes())}"
    if not enter.exists():
        build_enter(enter)
        _drop_others(root, "vmforms-enter-", enter)
    enter_bin = enter.read_bytes()
    key = content_hash(b"agent-initramfs-v2", busybox, INIT_SCRIPT.encode(), enter_bin)
    initrd = root / f"initramfs-{key}.cpio"
    if not initrd.exists():
        extra = [file(ENTER_PATH, enter_bin, 0o755)]
        tmp = initrd.with_name(initrd.name + ".tmp")
        tmp.write_bytes(build_initramfs(busybox, extra=extra))
        tmp.rename(initrd)
        _drop_others(root, "initramfs-", initrd)
    return AgentGuest(base.kernel, initrd, base.release)


def _drop_others(root: Path, prefix: str, current: Path) -> None:
    """Remove the builds of an older agent (their snapshots go when the next is saved:
    launch.prune_snapshots)."""
    for old in root.glob(f"{prefix}*"):
        if old != current and not old.name.endswith(".tmp"):  # another's, being written
            old.unlink(missing_ok=True)
