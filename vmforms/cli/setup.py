"""`vmforms setup`: prepare every built-in asset; each step is idempotent and cached."""

from __future__ import annotations

import argparse
import importlib
import sys

# (name, "module:function") in the order they run; each function takes no argument
# and returns a one-line description of what it made or found.
STEPS: list[tuple[str, str]] = [
    ("state root", "vmforms.container.paths:ensure_private_root"),
    ("busybox image", "vmforms.container.image.builtin:ensure_busybox"),
    ("container init", "vmforms.container.init:ensure_init"),
    ("guest", "vmforms.hypervisor.boot.assets:ensure_guest"),
    ("x86 probe guest", "vmforms.hypervisor.guests.x86_probe:ensure_probe"),
    ("x86 guest kernel", "vmforms.hypervisor.boot.x86_assets:setup_x86_guest"),
    ("debian guest", "vmforms.hypervisor.boot.debian:ensure_debian_guest"),
    ("demo probes", "vmforms.demo:ensure_probes"),
    ("jvm preloaded classes", "vmforms.jvm.runtime.hotspot:ensure_preloaded_classes"),
]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="vmforms setup", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only the steps with these names")
    args = parser.parse_args(argv)
    for name, target in STEPS:
        if args.only and name not in args.only:
            continue
        module_name, func_name = target.split(":")
        func = getattr(importlib.import_module(module_name), func_name)
        sys.stdout.write(f"setup: {name}: {func()}\n")
    return 0
