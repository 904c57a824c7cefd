"""The `vmforms` command: picks the front end named by the first word and runs it.

Front ends are imported lazily, so `vmforms container run` never pays for the JVM or
the hypervisor. Each module in this table exposes `main(argv: list[str]) -> int`.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "container": ("vmforms.cli.container", "containers: run images on the host kernel"),
    "runtime": ("vmforms.cli.runtime", "an OCI runtime with runc's command line, for podman"),
    "vm": ("vmforms.cli.vm", "hypervisor: boot a guest kernel on virtual hardware"),
    "java": ("vmforms.cli.java", "language VM: run class files and jars"),
    "javap": ("vmforms.cli.javap", "disassemble class files like the JDK's javap"),
    "ruby": ("vmforms.cli.ruby", "language VM: run Ruby on our YARV interpreter"),
    "yarv": ("vmforms.cli.yarv", "disassemble a binary iseq like CRuby's disasm"),
    "demo": ("vmforms.cli.demo", "the same probe under each form, side by side"),
    "setup": ("vmforms.cli.setup", "prepare the built-in assets (images, guest, Java probe)"),
}

USAGE = "usage: vmforms {" + ",".join(COMMANDS) + "} ...\n"


def _usage() -> str:
    lines = [USAGE, "commands:"]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in COMMANDS.items()]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    if args[0] == "--version":
        from vmforms import __version__

        print(f"vmforms {__version__}")
        return 0
    entry = COMMANDS.get(args[0])
    if entry is None:
        sys.stderr.write(USAGE + f"vmforms: unknown command {args[0]!r}\n")
        return 2
    module = importlib.import_module(entry[0])
    return run_guarded(module.main, args[1:], prog=f"vmforms {args[0]}")


def run_guarded(func: object, argv: list[str], *, prog: str) -> int:
    """Call a front end; turn an expected error into one line on stderr and its exit code."""
    from vmforms.errors import VmformsError

    try:
        result = func(argv)  # type: ignore[operator]
    except VmformsError as exc:
        sys.stderr.write(f"{prog}: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
    return int(result or 0)
