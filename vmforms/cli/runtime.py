"""`vmforms runtime` (also installed as `vmforms-runc`): runc's command line over the OCI
operations in vmforms.container.oci, so that podman (`--runtime PATH`) and conmon can
drive it: global options first, then the command, its options, and its arguments.

Errors are one line and exit status 1, as runc writes them: in logrus' text form on
stderr, or, with --log, as a record in the --log-format on the log and the bare message
on stderr.
"""

from __future__ import annotations

import os
import sys
import time

from vmforms import jsonlite
from vmforms.container.errors import ContainerError

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

    from vmforms.container.oci import Options

PROG = "vmforms-runc"
SPEC_VERSION = "1.0.2"

# Per command: option name -> (aliases, takes a value, repeatable). runc's urfave/cli
# takes --name, -name, --name=value, and stops at the first argument.
_V, _B, _L = "value", "bool", "list"
GLOBAL_FLAGS: dict[str, tuple[tuple[str, ...], str]] = {
    "root": ((), _V), "log": ((), _V), "log-format": ((), _V), "debug": ((), _B),
    "systemd-cgroup": ((), _B), "criu": ((), _V), "rootless": ((), _V),
    "help": (("h",), _B), "version": (("v",), _B),
}
_CREATE = {
    "bundle": (("b",), _V), "console-socket": ((), _V), "pid-file": ((), _V),
    "no-pivot": ((), _B), "no-new-keyring": ((), _B), "preserve-fds": ((), _V),
    "pidfd-socket": ((), _V), "config": ((), _V),
}
COMMANDS: dict[str, tuple[str, dict[str, tuple[tuple[str, ...], str]]]] = {
    "create": ("<container-id>", _CREATE),
    "run": ("<container-id>", {**_CREATE, "detach": (("d",), _B), "keep": ((), _B),
                               "no-subreaper": ((), _B)}),
    "start": ("<container-id>", {}),
    "state": ("<container-id>", {}),
    "kill": ("<container-id> [signal]", {"all": (("a",), _B)}),
    "delete": ("<container-id>", {"force": (("f",), _B)}),
    "pause": ("<container-id>", {}),
    "resume": ("<container-id>", {}),
    "exec": ("<container-id> <command> [command options]", {
        "console-socket": ((), _V), "cwd": ((), _V), "env": (("e",), _L),
        "tty": (("t",), _B), "user": (("u",), _V), "additional-gids": (("g",), _L),
        "process": (("p",), _V), "detach": (("d",), _B), "pid-file": ((), _V),
        "process-label": ((), _V), "apparmor": ((), _V), "no-new-privs": ((), _B),
        "cap": (("c",), _L), "preserve-fds": ((), _V), "ignore-paused": ((), _B),
        "cgroup": ((), _L), "pidfd-socket": ((), _V)}),
    "list": ("", {"format": (("f",), _V), "quiet": (("q",), _B)}),
    "ps": ("<container-id> [ps options]", {"format": (("f",), _V)}),
    "features": ("", {}),
    "spec": ("", {"bundle": (("b",), _V), "rootless": ((), _B)}),
    "update": ("<container-id>", {
        "resources": (("r",), _V), "blkio-weight": ((), _V), "cpu-period": ((), _V),
        "cpu-quota": ((), _V), "cpu-share": ((), _V), "cpu-rt-period": ((), _V),
        "cpu-rt-runtime": ((), _V), "cpuset-cpus": ((), _V), "cpuset-mems": ((), _V),
        "kernel-memory": ((), _V), "kernel-memory-tcp": ((), _V), "memory": ((), _V),
        "memory-reservation": ((), _V), "memory-swap": ((), _V), "pids-limit": ((), _V),
        "l3-cache-schema": ((), _V), "mem-bw-schema": ((), _V)}),
}


class UsageError(ContainerError):
    exit_code = 1


def parse_flags(argv: list[str], table: dict[str, tuple[tuple[str, ...], str]]
                ) -> tuple[dict[str, Any], list[str]]:
    """Options up to the first argument (or `--`); the rest is returned as is."""
    names = {alias: name for name, (aliases, _) in table.items() for alias in (name, *aliases)}
    values: dict[str, Any] = {name: [] if kind == _L else None for name, (_, kind) in
                              table.items()}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        key, eq, inline = arg.lstrip("-").partition("=")
        name = names.get(key)
        if name is None:
            raise UsageError(f"flag provided but not defined: -{key}")
        kind = table[name][1]
        if kind == _B:
            values[name] = inline.lower() not in ("false", "0") if eq else True
        else:
            if not eq:
                i += 1
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: -{key}")
                inline = argv[i]
            if kind == _L:
                values[name].append(inline)
            else:
                values[name] = inline
        i += 1
    return values, argv[i:]


class Log:
    """runc's logging: logrus text or JSON records, to --log or else to stderr."""

    def __init__(self, path: str | None, fmt: str) -> None:
        self.path = path
        self.fmt = fmt

    def record(self, level: str, message: str) -> str:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if self.fmt == "json":
            return jsonlite.dumps({"level": level, "msg": message, "time": now})
        return f"time={jsonlite.dumps(now)} level={level} msg={jsonlite.dumps(message)}"

    def write(self, level: str, message: str) -> None:
        message = " ".join(message.split("\n"))
        line = self.record(level, message) + "\n"
        if self.path is None:
            sys.stderr.write(line)
            return
        try:
            with open(self.path, "a") as f:
                f.write(line)
        except OSError as exc:
            sys.stderr.write(f"{PROG}: write log {self.path}: {exc.strerror}\n")
        if level == "error":
            sys.stderr.write(message + "\n")

    def warn(self, message: str) -> None:
        self.write("warning", message)


def _version() -> str:
    from vmforms import __version__

    return f"{PROG} version {__version__}\nspec: {SPEC_VERSION}\n"


def _usage() -> str:
    lines = [f"usage: {PROG} [global options] command [command options] [arguments...]", "",
             "commands:"]
    lines += [f"  {name} {args}".rstrip() for name, (args, _) in COMMANDS.items()]
    lines += ["", "global options: --root DIR --log FILE --log-format text|json "
              "--systemd-cgroup --debug --version"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    try:
        g, rest = parse_flags(argv, GLOBAL_FLAGS)
    except UsageError as exc:
        sys.stderr.write(f"{PROG}: {exc}\n")
        return 1
    log = Log(g["log"], g["log-format"] or "text")
    if g["log-format"] not in (None, "text", "json"):
        log = Log(g["log"], "text")
        log.write("error", f"invalid log-format: {g['log-format']}")
        return 1
    if g["version"]:
        sys.stdout.write(_version())
        return 0
    if g["help"] or not rest:
        sys.stdout.write(_usage())
        return 0 if g["help"] else 1
    from vmforms.container.oci import DEFAULT_ROOT, Options

    root = g["root"]
    if not root and os.geteuid() != 0:  # as runc rootless: the user's runtime directory
        from vmforms.container.rootless import oci_root

        root = oci_root()
    opts = Options(root or DEFAULT_ROOT, bool(g["systemd-cgroup"]), log.warn)
    command, args = rest[0], rest[1:]
    try:
        if command not in COMMANDS:
            raise UsageError(f"No help topic for '{command}'")
        flags, positional = parse_flags(args, COMMANDS[command][1])
        return int(globals()["_cmd_" + command](opts, flags, positional) or 0)
    except ContainerError as exc:
        log.write("error", str(exc))
        return 1
    except PermissionError as exc:
        # runc goes rootless here; this runtime needs root for its state and namespaces.
        where = f": {exc.filename}" if exc.filename else ""
        log.write("error", f"{exc.strerror or exc}{where} (this runtime needs root)")
        return 1
    except KeyboardInterrupt:
        return 130


def entry() -> int:
    """The `vmforms-runc` console script. An engine starts one such process for each of
    create, start, state and delete: each ends without the interpreter's tear-down of its
    modules (every file it wrote is closed by then), a few ms of every container's start."""
    try:
        code = main(sys.argv[1:])
    except BrokenPipeError:
        code = 141
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = 141
    os._exit(code)


def _one_id(command: str, positional: list[str], extra: int = 0) -> str:
    if not 1 <= len(positional) <= 1 + extra:
        if extra:
            raise UsageError(f'"{command}" requires a minimum of 1 and a maximum of '
                             f"{1 + extra} arguments")
        raise UsageError(f'"{command}" requires exactly 1 argument(s)')
    return positional[0]


def _count(text: str | None) -> int:
    if text is None:
        return 0
    if not text.isdigit():
        raise UsageError(f"invalid value {text!r} for flag -preserve-fds")
    return int(text)


def _cmd_create(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    cid = _one_id("create", positional)
    oci.create(opts, cid, f["bundle"] or os.getcwd(), pid_file=f["pid-file"],
               console_socket=f["console-socket"], preserve_fds=_count(f["preserve-fds"]),
               config=f["config"])
    return 0


def _cmd_run(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    cid = _one_id("run", positional)
    return oci.run(opts, cid, f["bundle"] or os.getcwd(), pid_file=f["pid-file"],
                   console_socket=f["console-socket"], detach=bool(f["detach"]),
                   preserve_fds=_count(f["preserve-fds"]), config=f["config"])


def _cmd_start(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    oci.start(opts, _one_id("start", positional))
    return 0


def _cmd_state(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    import json

    from vmforms.container import oci

    c = oci.find(opts, _one_id("state", positional))
    sys.stdout.write(json.dumps(c.state(), indent=2))
    return 0


def _cmd_kill(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    cid = _one_id("kill", positional, extra=1)
    sig = oci.parse_signal(positional[1] if len(positional) > 1 else "SIGTERM")
    oci.kill(opts, cid, sig, all_processes=bool(f["all"]))
    return 0


def _cmd_delete(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    oci.delete(opts, _one_id("delete", positional), force=bool(f["force"]))
    return 0


def _cmd_pause(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    oci.pause(opts, _one_id("pause", positional))
    return 0


def _cmd_resume(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    oci.resume(opts, _one_id("resume", positional))
    return 0


def _cmd_exec(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    if not positional:
        raise UsageError('"exec" requires a minimum of 1 argument')
    cid, command = positional[0], positional[1:]
    c = oci.find(opts, cid)
    proc = _exec_process(c, f, command)
    return oci.exec_process(opts, cid, proc, detach=bool(f["detach"]), pid_file=f["pid-file"],
                            console_socket=f["console-socket"],
                            preserve_fds=_count(f["preserve-fds"]))


def _exec_process(c: Any, f: dict[str, Any], command: list[str]) -> Any:
    """The process to exec: --process's JSON, or the container's own with the command and
    the options given here."""
    import json

    from vmforms.container.errors import InvalidOption
    from vmforms.container.spec import Capabilities, User, load_process
    from vmforms.record import replace

    if f["process"]:
        try:
            with open(f["process"]) as fh:
                return load_process(json.load(fh))
        except OSError as exc:
            raise UsageError(f"open {f['process']}: {exc.strerror}") from None
        except (ValueError, InvalidOption) as exc:
            raise UsageError(f"{f['process']}: {exc}") from None
    if not command:
        raise UsageError("exec: no command given: pass it after the container id, "
                         "or --process FILE")
    proc = c.spec().process
    env = dict(e.partition("=")[::2] for e in proc.env)
    env.update(e.partition("=")[::2] for e in f["env"])
    proc = replace(proc, args=tuple(command), terminal=bool(f["tty"]),
                   env=tuple(f"{k}={v}" for k, v in env.items()), cwd=f["cwd"] or proc.cwd)
    if f["user"]:
        uid, _, gid = f["user"].partition(":")
        if not uid.isdigit() or (gid and not gid.isdigit()):
            raise UsageError(f"exec: --user {f['user']!r}: expected UID[:GID]")
        gids = tuple(int(g) for g in f["additional-gids"])
        proc = replace(proc, user=User(int(uid), int(gid or 0), gids, proc.user.umask))
    if f["cap"]:
        caps = proc.capabilities
        extra = tuple(c for c in f["cap"] if c not in caps.bounding)
        proc = replace(proc, capabilities=Capabilities(
            caps.bounding + extra, caps.effective + extra, caps.permitted + extra,
            caps.inheritable, caps.ambient))
    if f["no-new-privs"]:
        proc = replace(proc, no_new_privileges=True)
    return proc


def _cmd_list(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    import json
    import pwd

    from vmforms.container import oci

    states = []
    for c in oci.all_containers(opts):
        try:
            owner = pwd.getpwuid(os.stat(c.path).st_uid).pw_name
        except (KeyError, OSError):
            owner = "#?"
        states.append(c.state(owner))
    if f["quiet"]:
        sys.stdout.write("".join(s["id"] + "\n" for s in states))
        return 0
    if (f["format"] or "table") == "json":
        sys.stdout.write(json.dumps(states, separators=(",", ":")) + "\n")
        return 0
    if f["format"] not in (None, "table"):
        raise UsageError(f"invalid format option: {f['format']}")
    rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
    rows += [[s["id"], str(s["pid"]), s["status"], s["bundle"], s["created"], s["owner"]]
             for s in states]
    widths = [max(len(r[i]) for r in rows) + 3 for i in range(5)]
    widths = [max(w, 12) for w in widths]
    for r in rows:
        sys.stdout.write("".join(v.ljust(widths[i]) for i, v in enumerate(r[:5])) + r[5] + "\n")
    return 0


def _cmd_ps(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    import json

    from vmforms.container import oci

    if not positional:
        raise UsageError('"ps" requires a minimum of 1 argument')
    c = oci.find(opts, positional[0])
    cgroup = oci.open_cgroup(c)
    pids = cgroup.procs() if cgroup is not None else []
    if f["format"] == "json":
        sys.stdout.write(json.dumps(pids) + "\n")
        return 0
    import subprocess

    args = positional[1:] or ["-ef"]
    out = subprocess.run(["ps", *args], capture_output=True, text=True, check=False).stdout
    lines = out.splitlines()
    if not lines:
        return 0
    header = lines[0].split()
    column = header.index("PID") if "PID" in header else 1
    keep = set(pids)
    sys.stdout.write(lines[0] + "\n")
    for line in lines[1:]:
        fields = line.split()
        if len(fields) > column and fields[column].isdigit() and int(fields[column]) in keep:
            sys.stdout.write(line + "\n")
    return 0


def _cmd_spec(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    """runc's `spec`: a sample config.json in the bundle (the current directory)."""
    import json

    from vmforms.container.errors import RuntimeFailure
    from vmforms.container.ocidefault import sample_config

    if positional:
        raise UsageError('"spec" requires exactly 0 argument(s)')
    bundle = f["bundle"] or "."
    if not os.path.isdir(bundle):
        raise RuntimeFailure(f"chdir {bundle}: no such file or directory")
    path = os.path.join(bundle, "config.json")
    config = sample_config(SPEC_VERSION, rootless=bool(f["rootless"]), uid=os.geteuid(),
                           gid=os.getegid())
    try:
        with open(path, "x") as out:
            out.write(json.dumps(config, indent="\t"))
    except FileExistsError:
        raise RuntimeFailure("File config.json exists. Remove it first") from None
    except OSError as exc:
        raise RuntimeFailure(f"write {path}: {exc.strerror}") from None
    return 0


# runc update's flags: (section, key, how the value is read).
_UPDATE_FLAGS: dict[str, tuple[str, str, str]] = {
    "blkio-weight": ("blockIO", "weight", "int"), "cpu-period": ("cpu", "period", "int"),
    "cpu-quota": ("cpu", "quota", "int"), "cpu-share": ("cpu", "shares", "int"),
    "cpu-rt-period": ("cpu", "realtimePeriod", "int"),
    "cpu-rt-runtime": ("cpu", "realtimeRuntime", "int"),
    "cpuset-cpus": ("cpu", "cpus", "str"), "cpuset-mems": ("cpu", "mems", "str"),
    "kernel-memory": ("memory", "kernel", "size"),
    "kernel-memory-tcp": ("memory", "kernelTCP", "size"),
    "memory": ("memory", "limit", "size"), "memory-reservation": ("memory", "reservation",
                                                                 "size"),
    "memory-swap": ("memory", "swap", "size"), "pids-limit": ("pids", "limit", "int"),
}
_MAX_RESOURCES_FILE = 1 << 20


def _update_changes(f: dict[str, Any]) -> dict[str, Any]:
    """The linux.resources an update asks for: the -r file (or stdin), then the flags."""
    import json

    changes: dict[str, Any] = {}
    source = f["resources"]
    if source is not None:
        try:
            if source == "-":
                text = sys.stdin.buffer.read(_MAX_RESOURCES_FILE + 1)
            else:
                with open(source, "rb") as fh:
                    text = fh.read(_MAX_RESOURCES_FILE + 1)
        except OSError as exc:
            raise UsageError(f"open {source}: {exc.strerror}") from None
        if len(text) > _MAX_RESOURCES_FILE:
            raise UsageError(f"{source}: larger than {_MAX_RESOURCES_FILE} bytes")
        try:
            changes = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"decode {source}: {exc}") from None
        if not isinstance(changes, dict):
            raise UsageError(f"{source}: expected a JSON object of linux.resources")
    for flag in ("l3-cache-schema", "mem-bw-schema"):
        if f[flag] is not None:
            raise UsageError(f"--{flag}: Intel RDT is not supported by this runtime")
    for flag, (section, key, kind) in _UPDATE_FLAGS.items():
        text = f[flag]
        if text is None:
            continue
        value: int | str
        if kind == "str":
            value = text
        elif kind == "size" and text == "-1":
            value = -1
        elif kind == "size":
            from vmforms.container.units import parse_size

            value = parse_size(text, f"--{flag}")
        else:
            try:
                value = int(text)
            except ValueError:
                raise UsageError(f'invalid value "{text}" for flag --{flag}') from None
        changes.setdefault(section, {})[key] = value
    if not changes:
        raise UsageError("update: nothing to change (give -r FILE or a resource flag)")
    return changes


def _cmd_update(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    from vmforms.container import oci

    oci.update(opts, _one_id("update", positional), _update_changes(f))
    return 0


def _cmd_features(opts: Options, f: dict[str, Any], positional: list[str]) -> int:
    import json

    from vmforms.container import oci

    sys.stdout.write(json.dumps(oci.features(), indent=4) + "\n")
    return 0
