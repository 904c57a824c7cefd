"""Containers inside the RISC-V virtual machine (`run --isolation vm`), Docker Desktop's
and Kata Containers' shape: the container's processes run on the guest's kernel, every
instruction executed by the project's software RISC-V CPU.

Which isolation a container gets: `--isolation process` (Docker's name) shares the host
kernel; `vm` runs it in the VM; `default` (or no flag) is process isolation unless the
image is for linux/riscv64 and the host cannot execute it, which then runs in the VM
after a one-line notice. Options that need the host's kernel or devices are refused.
"""

from __future__ import annotations

import sys

from vmforms.container.errors import InvalidOption

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.image.records import Image
    from vmforms.container.runconfig import RunOptions

ISOLATIONS = ("default", "process", "vm", "hyperv")  # hyperv: Docker on Windows' name
GUEST_ARCH = "riscv64"
VM_PLATFORM = "linux/riscv64"
# RunOptions fields that mean host resources a container in the VM cannot have yet.
_REFUSED = (
    ("volumes", "-v"), ("mount", "--mount"), ("publish", "-p"), ("publish_all", "-P"),
    ("device", "--device"), ("privileged", "--privileged"), ("init", "--init"),
    ("cpus", "--cpus"), ("cpuset_cpus", "--cpuset-cpus"), ("cpu_shares", "--cpu-shares"),
    ("sysctl", "--sysctl"), ("add_hosts", "--add-host"), ("dns", "--dns"), ("ip", "--ip"),
    ("network_aliases", "--network-alias"), ("read_only", "--read-only"),
    ("tmpfs", "--tmpfs"), ("cap_add", "--cap-add"), ("cap_drop", "--cap-drop"),
    ("security_opt", "--security-opt"), ("memory_swap", "--memory-swap"),
    ("health_cmd", "--health-cmd"),
)


def resolve(store: Any, opts: RunOptions) -> tuple[Image, RunOptions]:
    """The image to run and the options, with `isolation` settled to "vm", or to "" for
    the host's kernel (what Docker on Linux records in HostConfig.Isolation)."""
    from vmforms.container.image.platform import (
        binfmt_handler,
        check_executable,
        host_platform,
        parse_platform,
        platform_of,
    )
    from vmforms.container.runconfig import resolve_image
    from vmforms.container.runopts import pull_policy
    from vmforms.record import replace

    chosen = opts.isolation or "default"
    if chosen not in ISOLATIONS:
        raise InvalidOption(f"invalid isolation {chosen!r}: use default, process or vm")
    chosen = "vm" if chosen == "hyperv" else chosen
    if chosen == "default" and host_platform().architecture != GUEST_ARCH \
            and binfmt_handler(GUEST_ARCH) is None:
        wanted = parse_platform(opts.platform) if opts.platform is not None else None
        found: Image | None = None
        if wanted is None:
            # the image is resolved once: its own platform decides
            found = pull_policy(store, opts.image, opts.pull, None)
            if found.architecture != GUEST_ARCH:
                if found.architecture != host_platform().architecture:
                    check_executable(platform_of({"os": found.os,
                                                  "architecture": found.architecture}),
                                     opts.image)
                return found, replace(opts, isolation="")
        if found is not None or (wanted is not None and wanted.architecture == GUEST_ARCH):
            sys.stderr.write(f"vmforms container: image {opts.image} is for {VM_PLATFORM}, "
                             f"which this {host_platform()} host cannot execute: running it "
                             "in the RISC-V virtual machine (--isolation vm)\n")
            chosen = "vm"
    if chosen != "vm":
        return resolve_image(store, opts), replace(opts, isolation="")
    check_vm_options(opts)
    wanted = parse_platform(opts.platform or VM_PLATFORM)
    if wanted.architecture != GUEST_ARCH:
        raise InvalidOption(f"--isolation vm runs {VM_PLATFORM} images in the RISC-V "
                            f"virtual machine, not {wanted}")
    image: Image = pull_policy(store, opts.image, opts.pull, wanted)
    if image.architecture != GUEST_ARCH:
        raise InvalidOption(f"image {opts.image} is for linux/{image.architecture}: "
                            f"--isolation vm runs {VM_PLATFORM} images")
    return image, replace(opts, isolation="vm", platform=VM_PLATFORM, network="none")


def check_vm_options(opts: RunOptions) -> None:
    """Refuse in one line what a container in the VM cannot have."""
    for name, flag in _REFUSED:
        if getattr(opts, name):
            raise InvalidOption(f"{flag} is not supported with --isolation vm (the container "
                                "runs on the guest's kernel, apart from the host's)")
    if opts.network not in (None, "none"):
        raise InvalidOption(f"--network {opts.network}: a container in the VM has no "
                            "network yet (none)")


def record_fields(opts: RunOptions) -> dict[str, Any]:
    """What the container's record (and `inspect`) says about where it runs."""
    if opts.isolation != "vm":
        return {}
    from vmforms.container.units import parse_memory
    from vmforms.container.vmisolation.guest import agent_guest
    from vmforms.container.vmisolation.launch import guest_ram

    guest = agent_guest()
    ram = guest_ram(parse_memory(opts.memory) if opts.memory else None)
    return {"VirtualMachine": {
        "Machine": f"vmforms riscv64 virt board, 1 hart, {ram >> 20} MiB RAM",
        "Kernel": f"Linux {guest.release} (riscv64, the built-in guest)",
        "KernelImage": str(guest.kernel),
        "CPU": "vmforms software RISC-V CPU (translate engine)",
        "Agent": "vmforms-enter, the guest's PID 1",
    }}
