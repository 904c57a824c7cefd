"""`vmforms container prune`, `image prune`, `system df|prune|info`, `info` and
`version`: Docker's wording, confirmation prompts and exit codes."""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace

from vmforms.cli.flags import LIST as LIST_
from vmforms.cli.flags import VALUE, Command, Flag, HelpRequested, help_text, parse
from vmforms.container.errors import InvalidOption

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

F = Flag
FORCE = F("f", "force", help="do not prompt for confirmation")
PRUNE = Command("prune", "[OPTIONS]", "Remove all stopped containers", (FORCE,),
                interspersed=True)
IMAGE_PRUNE = Command("prune", "[OPTIONS]", "Remove unused images", (
    F("a", "all", help="remove all unused images, not just dangling ones"), FORCE),
    interspersed=True)
SYSTEM = {c.name: c for c in (
    Command("df", "[OPTIONS]", "Show docker disk usage", (
        F("v", "verbose", help="show detailed information on space usage"),
        F(None, "format", VALUE, "format output using a custom template", metavar="string"),
    ), interspersed=True),
    Command("prune", "[OPTIONS]", "Remove unused data", (
        F("a", "all", help="remove all unused images not just dangling ones"), FORCE,
        F(None, "volumes", help="prune anonymous volumes"),
    ), interspersed=True),
    Command("info", "[OPTIONS]", "Display system-wide information", (
        F("f", "format", VALUE, "format output using a custom template", metavar="string"),
    ), interspersed=True),
)}
INFO = Command("info", "[OPTIONS]", "Display system-wide information",
               SYSTEM["info"].flags, interspersed=True)
VERSION = Command("version", "[OPTIONS]", "Show the vmforms version information", (
    F("f", "format", VALUE, "format output using a custom template", metavar="string"),
), interspersed=True)
GROUPS = (Command("image", "COMMAND", "Manage images (prune)", (), rest="args"),
          Command("system", "COMMAND", "Manage the engine (df, prune, info)", (), rest="args"))


def _confirm(warning: str, force: bool) -> bool:
    if force:
        return True
    sys.stdout.write(f"{warning}\nAre you sure you want to continue? [y/N] ")
    sys.stdout.flush()
    answer = sys.stdin.readline(64).strip().lower()
    return answer in ("y", "yes")


def _reclaimed(size: int) -> str:
    from vmforms.cli.container import human_size

    return f"Total reclaimed space: {human_size(size)}"


def prune_command(warning: str, force: bool, title: str,
                  action: Callable[[], tuple[list[str], int]]) -> int:
    """A `... prune`: Docker's prompt, then what went under `title`, then the total."""
    if not _confirm(warning, force):
        return 0
    removed, size = action()
    if removed:
        print(f"{title}:\n" + "\n".join(removed) + "\n")
    print(_reclaimed(size))
    return 0


def cmd_prune(a: SimpleNamespace) -> int:
    from vmforms.container.prune import prune_containers

    return prune_command("WARNING! This will remove all stopped containers.", a.force,
                         "Deleted Containers", prune_containers)


def _image_prune(a: SimpleNamespace) -> int:
    from vmforms.container.prune import prune_images

    warning = ("WARNING! This will remove all images without at least one container "
               "associated to them." if a.all else
               "WARNING! This will remove all dangling images.")
    return prune_command(warning, a.force, "Deleted Images", lambda: prune_images(a.all))


def _sub(prog: str, table: dict[str, Command], argv: list[str]) -> tuple[Command, Any] | None:
    if not argv or argv[0] in ("-h", "--help"):
        names = "\n".join(f"  {c.name:<9} {c.help}" for c in table.values())
        sys.stdout.write(f"Usage:  {prog} COMMAND\n\nCommands:\n{names}\n")
        return None
    cmd = table.get(argv[0])
    if cmd is None:
        raise InvalidOption(f"unknown command {argv[0]!r} for {prog!r}")
    try:
        return cmd, SimpleNamespace(**parse(prog, cmd, argv[1:]))
    except HelpRequested:
        sys.stdout.write(help_text(prog, cmd))
        return None


def cmd_image(a: SimpleNamespace) -> int:
    got = _sub("vmforms container image", {"prune": IMAGE_PRUNE}, list(a.args))
    return 0 if got is None else _image_prune(got[1])


def cmd_system(a: SimpleNamespace) -> int:
    got = _sub("vmforms container system", SYSTEM, list(a.args))
    if got is None:
        return 0
    cmd, args = got
    if cmd.name == "df":
        return _df(args)
    if cmd.name == "info":
        return cmd_info(args)
    return _system_prune(args)


def _df(a: SimpleNamespace) -> int:
    from vmforms.cli.container import human_size
    from vmforms.cli.gotemplate import _json, render
    from vmforms.container.prune import disk_usage

    rows = []
    for r in disk_usage():
        pct = f" ({r['Reclaimable'] * 100 // r['Size']}%)" if r["Size"] else ""
        rows.append({"Type": r["Type"], "TotalCount": str(r["TotalCount"]),
                     "Active": str(r["Active"]), "Size": human_size(r["Size"]),
                     "Reclaimable": human_size(r["Reclaimable"]) + pct})
    if a.format == "json":
        sys.stdout.write("".join(_json(r) + "\n" for r in rows))
        return 0
    fmt = a.format or ("table {{.Type}}\\t{{.TotalCount}}\\t{{.Active}}\\t{{.Size}}\\t"
                       "{{.Reclaimable}}")
    headers = {"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE",
               "Reclaimable": "RECLAIMABLE"}
    sys.stdout.write(render(fmt, rows, headers))
    return 0


def _system_prune(a: SimpleNamespace) -> int:
    from vmforms.container.network.manage import prune as prune_networks
    from vmforms.container.prune import prune_containers, prune_images

    images = "all images without at least one container associated to them" if a.all else \
        "all dangling images"
    warning = ("WARNING! This will remove:\n  - all stopped containers\n  - all networks not "
               f"used by at least one container\n  - {images}\n  - unused build cache\n")
    if not _confirm(warning, a.force):
        return 0
    removed, size = prune_containers()
    if removed:
        print("Deleted Containers:\n" + "\n".join(removed) + "\n")
    networks = prune_networks()
    if networks:
        print("Deleted Networks:\n" + "\n".join(networks) + "\n")
    lines, image_size = prune_images(a.all)
    if lines:
        print("Deleted Images:\n" + "\n".join(lines) + "\n")
    from vmforms.cli.build import prune_cache

    cache, cache_size = prune_cache(a.all)
    if cache:
        print("Deleted build cache objects:\n" + "\n".join(cache) + "\n")
    print(_reclaimed(size + image_size + cache_size))
    return 0


def info() -> dict[str, Any]:
    from vmforms import __version__
    from vmforms.container import state as st
    from vmforms.container.cgroups import detect
    from vmforms.container.paths import state_root
    from vmforms.container.prune import _store

    containers = st.all_containers()
    running = sum(1 for c in containers if c.running)
    uname = os.uname()
    try:
        cgroup_version = str(detect().version)
    except Exception:  # noqa: BLE001 - reported, not fatal
        cgroup_version = "unknown"
    from vmforms.container import rootless

    security = ["name=seccomp,profile=builtin"]
    cgroup_driver = "cgroupfs"
    if rootless.active():  # as Docker's rootless mode reports itself
        security.append("name=rootless")
        if cgroup_version == "0":
            cgroup_driver = "none"
            cgroup_version = "2" if os.path.exists("/sys/fs/cgroup/cgroup.controllers") else "1"
    return {
        "Containers": len(containers), "ContainersRunning": running,
        "ContainersPaused": sum(1 for c in containers if c.state.get("Status") == "paused"),
        "ContainersStopped": len(containers) - running,
        "Images": len({i.id for i in _store().list()}),
        "Driver": "overlay", "LoggingDriver": "json-file",
        "CgroupDriver": cgroup_driver, "CgroupVersion": cgroup_version,
        "KernelVersion": uname.release, "OperatingSystem": _os_name(), "OSType": "linux",
        "Architecture": uname.machine, "NCPU": os.cpu_count() or 1,
        "MemTotal": _mem_total(), "Name": uname.nodename,
        "DockerRootDir": str(state_root()), "ServerVersion": __version__,
        "DefaultRuntime": "vmforms", "SecurityOptions": security,
    }


def _os_name() -> str:
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def _mem_total() -> int:
    from vmforms.container.inspection import _host_memory

    return _host_memory()


def cmd_info(a: SimpleNamespace) -> int:
    from vmforms.cli.container import human_size
    from vmforms.cli.gotemplate import Template

    data = info()
    if a.format:
        fmt = a.format.replace("\\t", "\t").replace("\\n", "\n")
        sys.stdout.write(Template(fmt, strict=False).execute(data) + "\n")
        return 0
    lines = [
        "Server:",
        f" Containers: {data['Containers']}",
        f"  Running: {data['ContainersRunning']}",
        f"  Paused: {data['ContainersPaused']}",
        f"  Stopped: {data['ContainersStopped']}",
        f" Images: {data['Images']}",
        f" Server Version: {data['ServerVersion']}",
        f" Storage Driver: {data['Driver']}",
        f" Logging Driver: {data['LoggingDriver']}",
        f" Cgroup Driver: {data['CgroupDriver']}",
        f" Cgroup Version: {data['CgroupVersion']}",
        f" Default Runtime: {data['DefaultRuntime']}",
        " Security Options:", "  seccomp", "   Profile: builtin",
        *(["  rootless"] if "name=rootless" in data["SecurityOptions"] else []),
        f" Kernel Version: {data['KernelVersion']}",
        f" Operating System: {data['OperatingSystem']}",
        f" OSType: {data['OSType']}",
        f" Architecture: {data['Architecture']}",
        f" CPUs: {data['NCPU']}",
        f" Total Memory: {human_size(data['MemTotal'])}",
        f" Name: {data['Name']}",
        f" Docker Root Dir: {data['DockerRootDir']}",
    ]
    print("\n".join(lines))
    return 0


def cmd_version(a: SimpleNamespace) -> int:
    import platform

    from vmforms import __version__
    from vmforms.cli.gotemplate import Template

    data = {"Client": {"Version": __version__, "ApiVersion": "1.43",
                       "GoVersion": f"python{platform.python_version()}",
                       "Os": "linux", "Arch": _goarch()},
            "Server": {"Version": __version__, "Os": "linux", "Arch": _goarch(),
                       "KernelVersion": os.uname().release}}
    if a.format:
        fmt = a.format.replace("\\t", "\t").replace("\\n", "\n")
        text = Template(fmt, strict=False).execute(data)
        sys.stdout.write(text + "\n")
        return 0
    c, s = data["Client"], data["Server"]
    print(f"Client:\n Version:           {c['Version']}\n API version:       "
          f"{c['ApiVersion']}\n Go version:        {c['GoVersion']}\n OS/Arch:           "
          f"{c['Os']}/{c['Arch']}\n\nServer: vmforms (no daemon)\n Engine:\n  Version:          "
          f"{s['Version']}\n  OS/Arch:          {s['Os']}/{s['Arch']}\n  Kernel Version:   "
          f"{s['KernelVersion']}")
    return 0


def _goarch() -> str:
    from vmforms.container.image.writer import host_architecture

    return host_architecture()


VOLUME = {c.name: c for c in (
    Command("create", "[OPTIONS] [VOLUME]", "Create a volume", (
        F(None, "label", LIST_, "set metadata for a volume", metavar="list"),
        F("d", "driver", VALUE, "specify volume driver name (local only)", default="local",
          metavar="string"),
    ), rest="name", interspersed=True),
    Command("ls", "[OPTIONS]", "List volumes", (
        F("q", "quiet", help="only display volume names"),
        F(None, "format", VALUE, "format output using a custom template", metavar="string"),
    ), interspersed=True),
    Command("inspect", "[OPTIONS] VOLUME [VOLUME...]", "Display detailed information on one "
            "or more volumes", (
                F("f", "format", VALUE, "format output using a custom template",
                  metavar="string"),
            ), rest="names", min_rest=1, interspersed=True),
    Command("rm", "[OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", (
        F("f", "force", help="force the removal of one or more volumes"),
    ), rest="names", min_rest=1, interspersed=True),
    Command("prune", "[OPTIONS]", "Remove unused local volumes", (
        F("a", "all", help="remove all unused volumes, not just anonymous ones"), FORCE),
        interspersed=True),
)}
VOLUME_GROUP = Command("volume", "COMMAND", "Manage volumes", (), rest="args")


def cmd_volume(a: SimpleNamespace) -> int:
    import json

    from vmforms.cli.gotemplate import Template, render
    from vmforms.container import volumes
    from vmforms.container.errors import ContainerError

    got = _sub("vmforms container volume", VOLUME, list(a.args))
    if got is None:
        return 0
    cmd, args = got
    if cmd.name == "create":
        if args.driver != "local":
            raise InvalidOption(f"volume driver {args.driver!r} is not available (local only)")
        if len(args.name) > 1:
            raise InvalidOption('"volume create" requires at most 1 argument')
        labels = dict(item.partition("=")[::2] for item in args.label)
        name, _ = volumes.create(args.name[0] if args.name else None, labels)
        print(name)
        return 0
    if cmd.name == "ls":
        rows = [{"Driver": "local", "Name": n} for n in volumes.names()]
        fmt = "{{.Name}}" if args.quiet else (args.format or
                                               "table {{.Driver}}\\t{{.Name}}")
        sys.stdout.write(render(fmt, rows, {"Driver": "DRIVER", "Name": "VOLUME NAME"}))
        return 0
    if cmd.name == "prune":
        if not _confirm("WARNING! This will remove anonymous local volumes not used by at "
                        "least one container.", args.force):
            return 0
        gone = volumes.prune(args.all)
        if gone:
            print("Deleted Volumes:\n" + "\n".join(gone) + "\n")
        print("Total reclaimed space: 0B")
        return 0
    failed = 0
    found = []
    for name in args.names:
        try:
            if cmd.name == "rm":
                volumes.remove(name, args.force)
                print(name)
            else:
                found.append(volumes.inspect(name))
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n" if cmd.name == "rm"
                             else f"Error: {exc}\n")
            failed = 1
    if cmd.name == "inspect":
        if args.format:
            template = Template(args.format, strict=False)
            for obj in found:
                print(template.execute(obj))
        else:
            print(json.dumps(found, indent=4))
    return failed
