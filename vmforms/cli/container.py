"""`vmforms container`: Docker's commands and options over the container engine."""

from __future__ import annotations

import json
import os
import sys
import time
from types import SimpleNamespace

from vmforms.cli import container_life as life
from vmforms.cli.build import BUILDER
from vmforms.cli.build import COMMAND as BUILD
from vmforms.cli.flags import (
    LIST,
    VALUE,
    Command,
    Flag,
    HelpRequested,
    group_usage,
    help_text,
    parse,
)
from vmforms.cli.runflags import RUN_MORE
from vmforms.container.errors import (
    ContainerError,
    ContainerNotFound,
    ImageNotFound,
    InvalidOption,
)

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

F = Flag
PLATFORM = F(None, "platform", VALUE, "the platform (os/arch[/variant], e.g. linux/386) of a "
             "multi-platform image; this host's by default", metavar="string")
COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("run", "[OPTIONS] IMAGE [COMMAND] [ARG...]",
            "Create and run a new container from an image", (
                F("d", "detach", help="run in the background and print the container ID"),
                F("i", "interactive", help="keep STDIN open"),
                F("t", "tty", help="allocate a pseudo-TTY"),
                F(None, "rm", help="remove the container when it exits"),
                F(None, "name", VALUE, "assign a name to the container"),
                F("e", "env", LIST, "set environment variables", metavar="list"),
                F("v", "volume", LIST, "bind mount a volume HOST:CONTAINER[:ro]",
                  metavar="list"),
                F("w", "workdir", VALUE, "working directory inside the container"),
                F("u", "user", VALUE, "username or UID (format: <name|uid>[:<group|gid>])"),
                F("h", "hostname", VALUE, "container host name"),
                F("m", "memory", VALUE, "memory limit", metavar="bytes"),
                F(None, "memory-swap", VALUE, "memory plus swap limit, -1 for unlimited",
                  metavar="bytes"),
                F(None, "cpus", VALUE, "number of CPUs", metavar="decimal"),
                F(None, "pids-limit", VALUE, "tune container pids limit (-1 for unlimited)",
                  metavar="int"),
                F(None, "read-only", help="mount the container's root filesystem as read only"),
                F(None, "security-opt", LIST, "security options: seccomp=unconfined or "
                  "seccomp=PROFILE.json (Docker's default profile otherwise)", metavar="list"),
                F(None, "entrypoint", VALUE, "overwrite the default ENTRYPOINT of the image"),
                F(None, "init", help="run an init inside the container that forwards signals "
                  "and reaps processes"),
                F(None, "network", VALUE, "connect a container to a network: bridge, none, "
                  "host, container:NAME or a network's name", metavar="network"),
                F(None, "network-alias", LIST, "add network-scoped alias for the container",
                  metavar="list"),
                F("p", "publish", LIST, "publish a container's port(s) to the host",
                  metavar="list"),
                F("P", "publish-all", help="publish all exposed ports to random ports"),
                F(None, "add-host", LIST, "add a custom host-to-IP mapping (host:ip)",
                  metavar="list"),
                F(None, "dns", LIST, "set custom DNS servers", metavar="list"),
                F(None, "dns-search", LIST, "set custom DNS search domains", metavar="list"),
                F(None, "dns-option", LIST, "set DNS options", metavar="list"),
                F(None, "ip", VALUE, "IPv4 address (on a user-defined network)",
                  metavar="string"),
                PLATFORM,
                *RUN_MORE,
            ), ("image",), rest="command"),
    Command("ps", "[OPTIONS]", "List containers", (
        F("a", "all", help="show all containers (default shows just running)"),
        F("q", "quiet", help="only display container IDs"),
        F(None, "no-trunc", help="don't truncate output"),
    ), interspersed=True),
    Command("exec", "[OPTIONS] CONTAINER COMMAND [ARG...]",
            "Execute a command in a running container", (
                F("i", "interactive", help="keep STDIN open"),
                F("t", "tty", help="allocate a pseudo-TTY"),
                F("e", "env", LIST, "set environment variables", metavar="list"),
                F("w", "workdir", VALUE, "working directory inside the container"),
                F("u", "user", VALUE, "username or UID (format: <name|uid>[:<group|gid>])"),
            ), ("container",), rest="command", min_rest=1),
    Command("logs", "[OPTIONS] CONTAINER", "Fetch the logs of a container", (
        F("f", "follow", help="follow log output"),
        F("n", "tail", VALUE, 'number of lines to show from the end of the logs',
          default="all", metavar="string"),
        F("t", "timestamps", help="show timestamps"),
        F(None, "since", VALUE, "show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or "
          "relative (e.g. 42m for 42 minutes)", metavar="string"),
        F(None, "until", VALUE, "show logs before a timestamp or relative duration",
          metavar="string"),
    ), ("container",), interspersed=True),
    Command("stop", "[OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
            (F("t", "time", VALUE, "seconds to wait before killing the container",
               metavar="int"),), rest="containers", min_rest=1, interspersed=True),
    Command("kill", "[OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers",
            (F("s", "signal", VALUE, "signal to send to the container", default="KILL",
               metavar="string"),), rest="containers", min_rest=1, interspersed=True),
    Command("rm", "[OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", (
        F("f", "force", help="force the removal of a running container (uses SIGKILL)"),
        F("v", "volumes", help="remove anonymous volumes associated with the container"),
    ), rest="containers", min_rest=1, interspersed=True),
    Command("inspect", "[OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on "
            "containers or images, as JSON", (
        F(None, "type", VALUE, "only search for this type of object: container or image",
          metavar="string"),
        PLATFORM,
    ), rest="containers", min_rest=1, interspersed=True),
    Command("images", "[OPTIONS]", "List images", (
        F("q", "quiet", help="only show image IDs"),
        F(None, "tree", help="list each image's platforms beneath it"),
    ), interspersed=True),
    Command("rmi", "[OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", (
        F("f", "force", help="force removal of the image"),
    ), rest="images", min_rest=1, interspersed=True),
    Command("tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that "
            "refers to SOURCE_IMAGE", (), ("source", "target"), interspersed=True),
    Command("save", "[OPTIONS] IMAGE", "Save an image to a tar archive (streamed to STDOUT "
            "by default)", (
        F("o", "output", VALUE, "write to a file, instead of STDOUT", metavar="string"),
        PLATFORM,
    ), ("image",), interspersed=True),
    Command("load", "[OPTIONS]", "Load an image from a tar archive or STDIN", (
        F("i", "input", VALUE, "read from tar archive file, instead of STDIN",
          metavar="string"),
        F("q", "quiet", help="suppress the load output"),
        PLATFORM,
    ), interspersed=True),
    Command("import", "TARBALL REPOSITORY[:TAG]", "Import the contents from a root filesystem "
            "tarball to create an image", (), ("tarball", "reference"), interspersed=True),
    Command("port", "CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific "
            "mapping for the container", (), ("container",), rest="port", interspersed=True),
    Command("network", "COMMAND", "Manage networks", (), rest="args"),
    BUILD,
    BUILDER,
    Command("pull", "[OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", (
        F(None, "tls-verify", VALUE, "require HTTPS and verified certificates (default true)",
          default="true", metavar="bool"),
        PLATFORM,
    ), ("name",), interspersed=True),
    Command("push", "[OPTIONS] NAME[:TAG]", "Upload an image to a registry", (
        F(None, "tls-verify", VALUE, "require HTTPS and verified certificates (default true)",
          default="true", metavar="bool"),
    ), ("name",), interspersed=True),
)}
COMMANDS.update(life.commands(COMMANDS))
PROG = "vmforms container"


def _usage() -> str:
    return group_usage(PROG, "Run and manage containers.", COMMANDS.values(), 9)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(_usage())
        return 0 if argv else 1
    cmd = COMMANDS.get(argv[0])
    if cmd is None:
        raise InvalidOption(f"unknown command {argv[0]!r} for {PROG!r}\n"
                            f"Run '{PROG} --help' for usage.")
    try:
        args = SimpleNamespace(**parse(PROG, cmd, argv[1:]))
    except HelpRequested:
        sys.stdout.write(help_text(PROG, cmd))
        return 0
    handler = getattr(life, f"cmd_{cmd.name}", None) or globals()[f"_cmd_{cmd.name}"]
    from vmforms.container.paths import ensure_private_root

    if os.geteuid() != 0:  # rootless, as podman: a user namespace over a store of one's own
        from vmforms.container import rootless

        try:
            rootless.enter(cmd.name, args)
            if cmd.name in ("run", "create"):
                rootless.check_run_options(args)
            elif cmd.name == "build":
                rootless.check_build_options(args)
        except InvalidOption:
            raise
        except ContainerError as exc:
            if cmd.name != "run" and exc.exit_code == 125:
                exc.exit_code = 1  # as below: the daemon's errors outside `run`
            raise
    if cmd.name == "run":
        ensure_private_root()
        return int(handler(args))
    # Docker exits 1 for the daemon's errors outside `run`; flag errors stay 125.
    try:
        ensure_private_root()
        return int(handler(args))
    except InvalidOption:
        raise
    except ContainerError as exc:
        if exc.exit_code == 125:
            exc.exit_code = 1
        raise


def _cmd_run(a: SimpleNamespace) -> int:
    from vmforms.container.engine import run

    _tty_warning(a)
    return run(life.run_options(a))  # type: ignore[arg-type]


def _tty_warning(a: SimpleNamespace) -> None:
    """-it with a standard input that is no terminal: said once, then done as asked."""
    if a.tty and a.interactive and not sys.stdin.isatty():
        sys.stderr.write("WARNING: The input device is not a TTY. The --tty and "
                         "--interactive flags might not work properly\n")


def _cmd_port(a: SimpleNamespace) -> int:
    from vmforms.container import state as st
    from vmforms.container.network.inspect import port_lines

    if len(a.port) > 1:
        raise InvalidOption('"port" requires at most 2 arguments')
    c = st.find(a.container)
    lines = port_lines(c, a.port[0] if a.port else None) if c.running else []
    if a.port and not lines:
        raise ContainerError(f"No public port '{a.port[0]}' published for {a.container}")
    for line in lines:
        print(line)
    return 0


def _cmd_build(a: SimpleNamespace) -> int:
    from vmforms.cli.build import run

    return run(a)


def _cmd_builder(a: SimpleNamespace) -> int:
    from vmforms.cli.build import run_builder

    return run_builder(a)


def _cmd_network(a: SimpleNamespace) -> int:
    from vmforms.cli.network import main as network_main

    return network_main(list(a.args))


def _each(names: list[str], action: Any) -> int:
    """Docker's multi-target commands: print each name done, an error line per failure."""
    failed = 0
    for name in names:
        try:
            action(name)
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
            continue
        print(name)
    return failed


def _cmd_stop(a: SimpleNamespace) -> int:
    from vmforms.container import lifecycle
    from vmforms.container.units import parse_stop_timeout

    timeout = parse_stop_timeout(a.time) if a.time is not None else None
    return _each(a.containers, lambda n: lifecycle.stop(n, timeout))


def _cmd_kill(a: SimpleNamespace) -> int:
    from vmforms.container import lifecycle
    from vmforms.container.units import parse_signal

    sig = parse_signal(a.signal)
    return _each(a.containers, lambda n: lifecycle.kill(n, sig))


def _cmd_rm(a: SimpleNamespace) -> int:
    from vmforms.container import lifecycle

    return _each(a.containers, lambda n: lifecycle.remove(n, a.force, volumes=a.volumes))


def _cmd_exec(a: SimpleNamespace) -> int:
    _tty_warning(a)
    from vmforms.container import lifecycle

    command = list(a.command)
    if command[:1] == ["--"]:
        command = command[1:]
    return lifecycle.exec_command(a.container, command, interactive=a.interactive, tty=a.tty,
                               env=a.env, workdir=a.workdir, user=a.user)


def _cmd_logs(a: SimpleNamespace) -> int:
    from vmforms.container import state as st
    from vmforms.container.logview import parse_tail, parse_time, show

    tail = parse_tail(a.tail)
    since = parse_time(a.since, "--since") if a.since else None
    until = parse_time(a.until, "--until") if a.until else None
    c = st.find(a.container)

    def still_running() -> bool:
        return c.reload() and c.running

    show(c.path / "ctr.log", follow=still_running if a.follow else None, tail=tail,
         timestamps=a.timestamps, since=since, until=until)
    return 0


def _cmd_inspect(a: SimpleNamespace) -> int:
    kind = a.type or ""
    if kind not in ("", "container", "image"):
        raise ContainerError(f'"{kind}" is not a valid value for --type')
    found = []
    failed = 0
    for name in a.containers:
        try:
            found.append(_inspect_one(name, kind, a.platform))
        except ContainerError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            failed = 1
    print(json.dumps(found, indent=4))
    return failed


def _inspect_one(name: str, kind: str, platform: str | None = None) -> Any:
    """A container's JSON, else (unless --type container) an image's, as docker inspect;
    of an image index, the manifest for --platform (this host's by default)."""
    from vmforms.container import lifecycle

    if kind != "image":
        try:
            return lifecycle.inspect(name)
        except ContainerNotFound:
            if kind == "container":
                raise
    try:
        return _store().resolve(name, _platform(platform)).inspect_json()
    except ImageNotFound as exc:
        if platform is not None and not str(exc).startswith("no such image"):
            raise
        raise ImageNotFound(f"No such {'image' if kind else 'object'}: {name}") from None


# --- tables ----------------------------------------------------------------------------


def human_duration(seconds: float) -> str:
    """go-units HumanDuration, as Docker prints ages."""
    s = int(seconds)
    if s < 1:
        return "Less than a second"
    if s == 1:
        return "1 second"
    if s < 60:
        return f"{s} seconds"
    minutes = s // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = round(seconds / 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{hours // 24 // 365} years"


def human_size(size: float) -> str:
    """go-units HumanSize: decimal units, four significant digits."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while size >= 1000 and i < len(units) - 1:
        size /= 1000
        i += 1
    return f"{size:.4g}{units[i]}"


def table(rows: list[list[str]]) -> str:
    """Docker's tabwriter layout: columns padded by 3, at least 10 wide, last unpadded."""
    widths = [max(10, max(len(r[i]) for r in rows) + 3) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.ljust(widths[i]) for i, c in enumerate(r[:-1])] + [r[-1]]
        lines.append("".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _quote_command(args: list[str], trunc: bool) -> str:
    text = " ".join(args)
    if trunc and len(text) > 20:
        text = text[:19] + "…"
    return json.dumps(text, ensure_ascii=False)


def _ps_ports(c: Any) -> str:
    from vmforms.container.network.inspect import ps_ports

    return ps_ports(c)


def _platform(text: str | None) -> Any:
    """--platform parsed (None when not given)."""
    if text is None:
        return None
    from vmforms.container.image.platform import parse_platform

    return parse_platform(text)


def _store() -> Any:
    from vmforms.container.image.store import ImageStore

    return ImageStore()


def _cmd_images(a: SimpleNamespace) -> int:
    from vmforms.container import state as st

    if a.tree and not a.quiet:
        return _images_tree()
    now = time.time()
    rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]]
    for image in _store().list():
        short = image.id.split(":", 1)[-1][:12]
        if a.quiet:
            print(short)
            continue
        repo, tag = _split_ref(image.reference)
        created = st.parse_rfc3339(image.created)
        age = human_duration(now - created) + " ago" if created else "N/A"
        rows.append([repo, tag, short, age, human_size(image.size)])
    if not a.quiet:
        sys.stdout.write(table(rows))
    return 0


def _images_tree() -> int:
    """`docker images --tree`: each image, then its platforms present beneath it."""
    store = _store()
    rows = [["IMAGE", "ID", "DISK USAGE"]]
    for image in store.list():
        name = image.reference or "<untagged>"
        if image.index is None:
            rows.append([name, image.short_id, human_size(image.size)])
            continue
        parts = store.platform_images(image)
        rows.append([name, image.index.digest[7:19], human_size(sum(p.size for p in parts))])
        for i, part in enumerate(parts):
            branch = "└─" if i == len(parts) - 1 else "├─"
            rows.append([f"{branch} {part.platform}", part.short_id, human_size(part.size)])
    sys.stdout.write(table(rows))
    return 0


def _split_ref(ref: str | None) -> tuple[str, str]:
    if not ref:
        return "<none>", "<none>"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:]
    return ref, "latest"


def _cmd_rmi(a: SimpleNamespace) -> int:
    from vmforms.container import lifecycle
    from vmforms.container.image.store import ImageStore

    store = ImageStore(in_use=lambda image: lifecycle.image_in_use(image.id))
    failed = 0
    for ref in a.images:
        try:
            lines = store.remove(ref, force=a.force)
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
            continue
        for line in lines:
            print(line)
    from vmforms.container.prune import prune_vm_files

    prune_vm_files(store)
    return failed


def _cmd_tag(a: SimpleNamespace) -> int:
    _store().tag(a.source, a.target)
    return 0


def _cmd_save(a: SimpleNamespace) -> int:
    import os
    import shutil
    from pathlib import Path

    store = _store()
    if a.output:
        store.save_docker_archive(a.image, Path(a.output), _platform(a.platform))
        return 0
    if sys.stdout.isatty():
        raise ContainerError("cowardly refusing to save to a terminal. Use the -o flag or "
                             "redirect")
    tmp = _scratch_file(store)
    try:
        store.save_docker_archive(a.image, tmp, _platform(a.platform))
        sys.stdout.flush()
        with open(tmp, "rb") as src, os.fdopen(os.dup(1), "wb") as out:
            shutil.copyfileobj(src, out)
    finally:
        tmp.unlink(missing_ok=True)
    return 0


def _cmd_load(a: SimpleNamespace) -> int:
    import shutil
    from pathlib import Path

    store = _store()
    if a.input:
        images = store.load_archive(Path(a.input), _platform(a.platform))
    else:
        if sys.stdin.isatty():
            raise ContainerError("requested load from stdin, but stdin is empty")
        tmp = _scratch_file(store)
        try:
            with open(tmp, "wb") as out:
                shutil.copyfileobj(sys.stdin.buffer, out)
            if not tmp.stat().st_size:
                raise ContainerError("requested load from stdin, but stdin is empty")
            images = store.load_archive(tmp, _platform(a.platform))
        finally:
            tmp.unlink(missing_ok=True)
    if not a.quiet:
        for image in images:
            print(f"Loaded image: {image.reference}" if image.reference
                  else f"Loaded image ID: {image.id}")
    return 0


def _scratch_file(store: Any) -> Any:
    """A new empty file beside the image store (same file system), for an archive."""
    import os
    import tempfile
    from pathlib import Path

    store.root.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".archive-", dir=store.root)
    os.close(fd)
    return Path(name)


def _cmd_import(a: SimpleNamespace) -> int:
    from pathlib import Path

    image = _store().import_rootfs(Path(a.tarball), a.reference)
    print(image.id)
    return 0


def _tls_verify(value: str) -> bool:
    if value not in ("true", "false"):
        raise InvalidOption(f'invalid argument "{value}" for "--tls-verify" flag: '
                            f'strconv.ParseBool: parsing "{value}": invalid syntax')
    return value == "true"


def _registry_command(action: Any) -> int:
    """Run a pull or push; its failure is one line, as the Docker CLI prints it."""
    try:
        action()
    except InvalidOption:
        raise
    except ContainerError as exc:
        sys.stdout.flush()
        sys.stderr.write(f"Error response from daemon: {exc}\n")
        return 1
    return 0


def _progress(line: str) -> None:
    print(line, flush=True)


def _cmd_pull(a: SimpleNamespace) -> int:
    from vmforms.container.image.registry import pull

    verify = _tls_verify(a.tls_verify)
    platform = _platform(a.platform)
    return _registry_command(lambda: pull(_store(), a.name, tls_verify=verify, out=_progress,
                                          platform=platform))


def _cmd_push(a: SimpleNamespace) -> int:
    from vmforms.container.image.registry import push

    verify = _tls_verify(a.tls_verify)
    return _registry_command(lambda: push(_store(), a.name, tls_verify=verify, out=_progress))
