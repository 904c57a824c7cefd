"""`vmforms container`: Docker's commands and options over the container engine."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, NoReturn

from vmforms.container.errors import ContainerError, InvalidOption


class _Parser(argparse.ArgumentParser):
    """Flag errors are the engine's own errors (Docker exits 125 for them), in one line."""

    def error(self, message: str) -> NoReturn:
        raise InvalidOption(f"{message}\nSee '{self.prog} --help'.")


def _add_run(sub: Any) -> None:
    run = sub.add_parser("run", help="create and run a new container from an image",
                         add_help=False)
    run.add_argument("-d", "--detach", action="store_true")
    run.add_argument("-i", "--interactive", action="store_true")
    run.add_argument("-t", "--tty", action="store_true")
    run.add_argument("--rm", action="store_true")
    run.add_argument("--name")
    run.add_argument("-e", "--env", action="append", default=[])
    run.add_argument("-v", "--volume", action="append", default=[])
    run.add_argument("-w", "--workdir")
    run.add_argument("-u", "--user")
    run.add_argument("-h", "--hostname")
    run.add_argument("-m", "--memory")
    run.add_argument("--memory-swap")
    run.add_argument("--cpus")
    run.add_argument("--pids-limit")
    run.add_argument("--read-only", action="store_true")
    run.add_argument("--entrypoint")
    run.add_argument("--help", action="help")
    run.add_argument("image")
    run.add_argument("command", nargs=argparse.REMAINDER)


def _add_ps(sub: Any) -> None:
    ps = sub.add_parser("ps", help="list containers")
    ps.add_argument("-a", "--all", action="store_true")
    ps.add_argument("-q", "--quiet", action="store_true")
    ps.add_argument("--no-trunc", action="store_true")


def _add_exec(sub: Any) -> None:
    ex = sub.add_parser("exec", help="run a command in a running container")
    ex.add_argument("-i", "--interactive", action="store_true")
    ex.add_argument("-t", "--tty", action="store_true")
    ex.add_argument("-e", "--env", action="append", default=[])
    ex.add_argument("-w", "--workdir")
    ex.add_argument("-u", "--user")
    ex.add_argument("container")
    ex.add_argument("command", nargs=argparse.REMAINDER)


def _add_logs(sub: Any) -> None:
    lg = sub.add_parser("logs", help="print a container's output")
    lg.add_argument("-f", "--follow", action="store_true")
    lg.add_argument("container")


def _add_stop(sub: Any) -> None:
    sp = sub.add_parser("stop", help="stop running containers")
    sp.add_argument("-t", "--time")
    sp.add_argument("containers", nargs="+")


def _add_kill(sub: Any) -> None:
    kl = sub.add_parser("kill", help="kill running containers")
    kl.add_argument("-s", "--signal", default="KILL")
    kl.add_argument("containers", nargs="+")


def _add_rm(sub: Any) -> None:
    rm = sub.add_parser("rm", help="remove containers")
    rm.add_argument("-f", "--force", action="store_true")
    rm.add_argument("containers", nargs="+")


def _add_inspect(sub: Any) -> None:
    ins = sub.add_parser("inspect", help="low-level information on containers, as JSON")
    ins.add_argument("containers", nargs="+")


def _add_images(sub: Any) -> None:
    im = sub.add_parser("images", help="list images")
    im.add_argument("-q", "--quiet", action="store_true")


def _add_rmi(sub: Any) -> None:
    rmi = sub.add_parser("rmi", help="remove images")
    rmi.add_argument("-f", "--force", action="store_true")
    rmi.add_argument("images", nargs="+")


def _add_import(sub: Any) -> None:
    imp = sub.add_parser("import", help="import a root filesystem tarball as an image")
    imp.add_argument("tarball")
    imp.add_argument("reference")


SUBCOMMANDS = {
    "run": _add_run, "ps": _add_ps, "exec": _add_exec, "logs": _add_logs, "stop": _add_stop,
    "kill": _add_kill, "rm": _add_rm, "inspect": _add_inspect, "images": _add_images,
    "rmi": _add_rmi, "import": _add_import,
}


def _parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that subcommand's (building all of them costs
    start-up time that `run` cannot spare)."""
    p = _Parser(prog="vmforms container", description="Run and manage containers.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    for name, add in SUBCOMMANDS.items():
        if only is None or name == only:
            add(sub)
    return p


def main(argv: list[str]) -> int:
    args = _parser(argv[0] if argv and argv[0] in SUBCOMMANDS else None).parse_args(argv)
    handler = globals()[f"_cmd_{args.cmd}"]
    if args.cmd == "run":
        return int(handler(args))
    # Docker exits 1 for the daemon's errors outside `run`; flag errors stay 125.
    try:
        return int(handler(args))
    except InvalidOption:
        raise
    except ContainerError as exc:
        if exc.exit_code == 125:
            exc.exit_code = 1
        raise


def _cmd_run(a: argparse.Namespace) -> int:
    from vmforms.container.engine import RunOptions, run

    command = list(a.command)
    if command[:1] == ["--"]:
        command = command[1:]
    return run(RunOptions(
        image=a.image, command=command, detach=a.detach, interactive=a.interactive,
        tty=a.tty, rm=a.rm, name=a.name, env=a.env, volumes=a.volume, workdir=a.workdir,
        user=a.user, hostname=a.hostname, memory=a.memory, memory_swap=a.memory_swap,
        cpus=a.cpus, pids_limit=a.pids_limit, read_only=a.read_only, entrypoint=a.entrypoint,
    ))


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


def _cmd_stop(a: argparse.Namespace) -> int:
    from vmforms.container import engine
    from vmforms.container.units import parse_stop_timeout

    timeout = parse_stop_timeout(a.time) if a.time is not None else None
    return _each(a.containers, lambda n: engine.stop(n, timeout))


def _cmd_kill(a: argparse.Namespace) -> int:
    from vmforms.container import engine
    from vmforms.container.units import parse_signal

    sig = parse_signal(a.signal)
    return _each(a.containers, lambda n: engine.kill(n, sig))


def _cmd_rm(a: argparse.Namespace) -> int:
    from vmforms.container import engine

    return _each(a.containers, lambda n: engine.remove(n, a.force))


def _cmd_exec(a: argparse.Namespace) -> int:
    from vmforms.container import engine

    command = list(a.command)
    if command[:1] == ["--"]:
        command = command[1:]
    return engine.exec_command(a.container, command, interactive=a.interactive, tty=a.tty,
                               env=a.env, workdir=a.workdir, user=a.user)


def _cmd_logs(a: argparse.Namespace) -> int:
    from vmforms.container import engine

    engine.logs(a.container, follow=a.follow)
    return 0


def _cmd_inspect(a: argparse.Namespace) -> int:
    from vmforms.container import engine

    found = []
    failed = 0
    for name in a.containers:
        try:
            found.append(engine.inspect(name))
        except ContainerError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            failed = 1
    print(json.dumps(found, indent=4))
    return failed


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


def _cmd_ps(a: argparse.Namespace) -> int:
    from vmforms.container import engine
    from vmforms.container import state as st

    now = time.time()
    rows = [["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]]
    for c in st.all_containers():
        if c.state.get("Status") == "running" and not c.running:
            engine.reconcile(c)
        if not a.all and not c.running:
            continue
        if a.quiet:
            print(c.id if a.no_trunc else c.id[:12])
            continue
        s = c.state
        if c.running:
            status = "Up " + human_duration(now - st.parse_rfc3339(s.get("StartedAt", "")))
        elif s.get("Status") == "created":
            status = "Created"
        else:
            status = (f"Exited ({s.get('ExitCode', 0)}) "
                      + human_duration(now - st.parse_rfc3339(s.get("FinishedAt", ""))) + " ago")
        created = human_duration(now - st.parse_rfc3339(c.record["Created"])) + " ago"
        rows.append([c.id if a.no_trunc else c.id[:12], c.record["Config"]["Image"],
                     _quote_command([c.record["Path"], *c.record["Args"]], not a.no_trunc),
                     created, status, "", c.name])
    if not a.quiet:
        sys.stdout.write(table(rows))
    return 0


def _store() -> Any:
    from vmforms.container.image.store import ImageStore

    return ImageStore()


def _cmd_images(a: argparse.Namespace) -> int:
    from vmforms.container import state as st

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


def _split_ref(ref: str | None) -> tuple[str, str]:
    if not ref:
        return "<none>", "<none>"
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    if colon > slash:
        return ref[:colon], ref[colon + 1:]
    return ref, "latest"


def _cmd_rmi(a: argparse.Namespace) -> int:
    from vmforms.container import engine
    from vmforms.container.image.store import ImageStore

    store = ImageStore(in_use=lambda image: engine.image_in_use(image.id))
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
    return failed


def _cmd_import(a: argparse.Namespace) -> int:
    from pathlib import Path

    image = _store().import_rootfs(Path(a.tarball), a.reference)
    print(image.id)
    return 0
