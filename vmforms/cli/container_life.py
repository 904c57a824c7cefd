"""`vmforms container` lifecycle commands beyond run/stop/kill/rm: create, start,
restart, wait, rename (Docker's flags, output and exit codes)."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from vmforms.cli.flags import LIST, VALUE, Command, Flag

F = Flag


def commands(existing: dict[str, Command]) -> dict[str, Command]:
    """This module's commands; `create` takes every flag of `run` but --detach, `inspect`
    gains --format."""
    from vmforms.cli import system
    from vmforms.cli.container_list import IMAGE_FLAGS, PS
    from vmforms.record import replace

    run = existing["run"]
    inspect = existing["inspect"]
    images = existing["images"]
    return {c.name: c for c in (
        PS, replace(images, flags=(*images.flags, *IMAGE_FLAGS)),
        system.PRUNE, *system.GROUPS, system.INFO, system.VERSION, system.VOLUME_GROUP,
        replace(inspect, flags=(*inspect.flags, F("f", "format", VALUE, "format output "
                                                  "using a custom template", metavar="string"))),
        Command("import", "[OPTIONS] file|- [REPOSITORY[:TAG]]", "Import the contents from "
                "a tarball to create a filesystem image", (
                    F("c", "change", LIST, "apply Dockerfile instruction to the created image",
                      metavar="list"),
                    F("m", "message", VALUE, "set commit message for imported image",
                      metavar="string"),
                ), ("tarball",), rest="reference", interspersed=True),
        Command("create", "[OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container",
                tuple(f for f in run.flags if f.long != "detach"), ("image",),
                rest="command"),
        Command("start", "[OPTIONS] CONTAINER [CONTAINER...]",
                "Start one or more stopped containers", (
                    F("a", "attach", help="attach STDOUT/STDERR and forward signals"),
                    F("i", "interactive", help="attach container's STDIN"),
                ), rest="containers", min_rest=1, interspersed=True),
        Command("restart", "[OPTIONS] CONTAINER [CONTAINER...]",
                "Restart one or more containers", (
                    F("t", "time", VALUE, "seconds to wait before killing the container",
                      metavar="int"),
                ), rest="containers", min_rest=1, interspersed=True),
        Command("pause", "CONTAINER [CONTAINER...]", "Pause all processes within one or more "
                "containers", (), rest="containers", min_rest=1, interspersed=True),
        Command("unpause", "CONTAINER [CONTAINER...]", "Unpause all processes within one or "
                "more containers", (), rest="containers", min_rest=1, interspersed=True),
        Command("update", "[OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of "
                "one or more containers", (
                    F("m", "memory", VALUE, "memory limit", metavar="bytes"),
                    F(None, "memory-swap", VALUE, "memory plus swap limit, -1 for unlimited",
                      metavar="bytes"),
                    F(None, "cpus", VALUE, "number of CPUs", metavar="decimal"),
                    F("c", "cpu-shares", VALUE, "CPU shares (relative weight)",
                      metavar="int"),
                    F(None, "cpuset-cpus", VALUE, "CPUs in which to allow execution",
                      metavar="string"),
                    F(None, "pids-limit", VALUE, "tune container pids limit (-1 for "
                      "unlimited)", metavar="int"),
                ), rest="containers", min_rest=1, interspersed=True),
        Command("attach", "[OPTIONS] CONTAINER", "Attach local standard output and error "
                "streams to a running container", (
                    F(None, "detach-keys", VALUE, "override the key sequence for "
                      "detaching a container", metavar="string"),
                    F(None, "no-stdin", help="do not attach STDIN"),
                    F(None, "sig-proxy", VALUE, "proxy all received signals to the process",
                      default="true", metavar="bool"),
                ), ("container",), interspersed=True),
        Command("wait", "CONTAINER [CONTAINER...]", "Block until one or more containers "
                "stop, then print their exit codes", (), rest="containers", min_rest=1,
                interspersed=True),
        Command("rename", "CONTAINER NEW_NAME", "Rename a container", (),
                ("container", "new_name"), interspersed=True),
        Command("diff", "CONTAINER", "Inspect changes to files or directories on a "
                "container's filesystem", (), ("container",), interspersed=True),
        Command("export", "[OPTIONS] CONTAINER", "Export a container's filesystem as a tar "
                "archive", (F("o", "output", VALUE, "write to a file, instead of STDOUT",
                              metavar="string"),), ("container",), interspersed=True),
        Command("commit", "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]", "Create a new image "
                "from a container's changes", (
                    F("a", "author", VALUE, "author", metavar="string"),
                    F("c", "change", LIST, "apply Dockerfile instruction to the created "
                      "image", metavar="list"),
                    F("m", "message", VALUE, "commit message", metavar="string"),
                    F("p", "pause", help="pause container during commit (accepted; the "
                      "upper directory is read as it is)"),
                ), ("container",), rest="repository", interspersed=True),
        Command("history", "[OPTIONS] IMAGE", "Show the history of an image", (
                    F("H", "human", VALUE, "print sizes and dates in human readable format",
                      default="true", metavar="bool"),
                    F(None, "no-trunc", help="don't truncate output"),
                    F("q", "quiet", help="only show image IDs"),
                    F(None, "format", VALUE, "format output using a custom template",
                      metavar="string"),
                ), ("image",), interspersed=True),
        Command("events", "[OPTIONS]", "Get real time events from the server", (
                    F(None, "since", VALUE, "show all events created since timestamp",
                      metavar="string"),
                    F(None, "until", VALUE, "stream events until this timestamp",
                      metavar="string"),
                    F("f", "filter", LIST, "filter output based on conditions provided "
                      "(container, event, image, type)", metavar="filter"),
                    F(None, "format", VALUE, "format output using a custom template",
                      metavar="string"),
                ), interspersed=True),
        Command("top", "CONTAINER [ps OPTIONS]", "Display the running processes of a "
                "container", (), ("container",), rest="ps_args"),
        Command("stats", "[OPTIONS] [CONTAINER...]", "Display a live stream of container(s) "
                "resource usage statistics", (
                    F("a", "all", help="show all containers (default shows just running)"),
                    F(None, "no-stream", help="disable streaming stats and only pull the "
                      "first result"),
                    F(None, "no-trunc", help="do not truncate output"),
                    F(None, "format", VALUE, "format output using a custom template",
                      metavar="string"),
                ), rest="containers", interspersed=True),
        Command("cp", "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH\n        vmforms container cp "
                "[OPTIONS] SRC_PATH CONTAINER:DEST_PATH", "Copy files/folders between a "
                "container and the local filesystem", (
                    F("a", "archive", help="archive mode (copy all uid/gid information)"),
                    F("q", "quiet", help="suppress progress output"),
                ), ("source", "destination"), interspersed=True),
    )}


# run's flag names that differ from RunOptions' field names
_RENAMED = {"volume": "volumes", "network_alias": "network_aliases", "add_host": "add_hosts",
            "dns_option": "dns_options"}


def run_options(a: SimpleNamespace) -> object:
    """The RunOptions that `run` would make of the same flags."""
    from vmforms.container.runconfig import RunOptions

    names = set(RunOptions.__match_args__)
    given = {_RENAMED.get(k, k): v for k, v in vars(a).items()}
    command = list(a.command)
    if command[:1] == ["--"]:
        command = command[1:]
    given["command"] = command
    return RunOptions(**{k: v for k, v in given.items() if k in names})


def _each(names: list[str], action: object) -> int:
    from vmforms.container.errors import ContainerError

    failed = 0
    for name in names:
        try:
            action(name)  # type: ignore[operator]
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
            continue
        print(name)
    return failed


def cmd_create(a: SimpleNamespace) -> int:
    from vmforms.container import engine

    c = engine.create(run_options(a))  # type: ignore[arg-type]
    print(c.id)
    return 0


def cmd_start(a: SimpleNamespace) -> int:
    from vmforms.container import control

    if a.attach or a.interactive:
        if len(a.containers) > 1:
            from vmforms.container.errors import InvalidOption

            raise InvalidOption("you cannot start and attach multiple containers at once")
        return control.start(a.containers[0], attach=True, interactive=a.interactive)
    return _each(a.containers, control.start)


def cmd_restart(a: SimpleNamespace) -> int:
    from vmforms.container import control
    from vmforms.container.errors import InvalidOption

    timeout = None
    if a.time is not None:
        try:
            timeout = int(a.time)
        except ValueError:
            raise InvalidOption(f'invalid argument "{a.time}" for "-t, --time" flag') from None
    return _each(a.containers, lambda name: control.restart(name, timeout))


def cmd_wait(a: SimpleNamespace) -> int:
    from vmforms.container import control
    from vmforms.container.errors import ContainerError

    failed = 0
    for name in a.containers:
        try:
            print(control.wait(name), flush=True)
        except ContainerError as exc:
            sys.stderr.write(f"Error response from daemon: {exc}\n")
            failed = 1
    return failed


def cmd_rename(a: SimpleNamespace) -> int:
    from vmforms.container import control

    control.rename(a.container, a.new_name)
    return 0


def cmd_cp(a: SimpleNamespace) -> int:
    from vmforms.container.copy import copy

    copy(a.source, a.destination, archive=a.archive)
    return 0


def cmd_ps(a: SimpleNamespace) -> int:
    from vmforms.cli.container_list import cmd_ps as ps

    return ps(a)


def cmd_inspect(a: SimpleNamespace) -> int:
    """`inspect --format TEMPLATE`: the template applied to each object's JSON."""
    from vmforms.cli import container as cli

    if not a.format:
        return int(cli._cmd_inspect(a))
    from vmforms.cli.gotemplate import Template
    from vmforms.container.errors import ContainerError

    kind = a.type or ""
    template = Template(a.format.replace("\\t", "\t").replace("\\n", "\n"), strict=False)
    failed = 0
    for name in a.containers:
        try:
            obj = cli._inspect_one(name, kind)
        except ContainerError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            failed = 1
            continue
        sys.stdout.write(template.execute(obj) + "\n")
    return failed


def cmd_diff(a: SimpleNamespace) -> int:
    from vmforms.container.changes import diff

    for line in diff(a.container):
        print(line)
    return 0


def cmd_export(a: SimpleNamespace) -> int:
    from vmforms.container.changes import export
    from vmforms.container.errors import InvalidOption

    if a.output:
        with open(a.output, "wb") as f:
            export(a.container, f)
        return 0
    if sys.stdout.isatty():
        raise InvalidOption("cowardly refusing to save to a terminal. Use the -o flag or "
                            "redirect")
    sys.stdout.flush()
    with open(sys.stdout.fileno(), "wb", closefd=False) as out:
        export(a.container, out)
    return 0


def cmd_commit(a: SimpleNamespace) -> int:
    from vmforms.container.changes import commit
    from vmforms.container.errors import InvalidOption

    if len(a.repository) > 1:
        raise InvalidOption('"commit" requires at least 1 and at most 2 arguments')
    image_id = commit(a.container, a.repository[0] if a.repository else None,
                      message=a.message or "", author=a.author or "", changes=a.change)
    print(image_id)
    return 0


def cmd_history(a: SimpleNamespace) -> int:
    import time

    from vmforms.cli.container import human_duration, human_size
    from vmforms.cli.gotemplate import render
    from vmforms.container.image.store import ImageStore
    from vmforms.container.state import parse_rfc3339

    store = ImageStore()
    image = store.resolve(a.image)
    conf = store.configuration(store.manifest(image.manifest_digest))
    sizes = [store.layer_size(d, layer.size) for d, layer in
             zip(conf.diff_ids, image.layers, strict=True)]
    human = a.human.lower() not in ("false", "0")
    rows = []
    now = time.time()
    for entry in conf.history:
        size = 0 if entry.empty_layer or not sizes else sizes.pop(0)
        created = parse_rfc3339(entry.created) if entry.created else 0.0
        by = entry.created_by.replace("\t", " ")
        if not a.no_trunc and len(by) > 45:
            by = by[:44] + "…"
        rows.append({"ID": "<missing>", "CreatedSince": human_duration(now - created) + " ago"
                     if human else entry.created, "CreatedAt": entry.created,
                     "CreatedBy": by, "Size": human_size(size) if human else str(size),
                     "Comment": entry.comment})
    rows.reverse()
    if rows:
        rows[0]["ID"] = image.id if a.no_trunc else image.short_id
    if a.quiet:
        for r in rows:
            print(r["ID"])
        return 0
    fmt = a.format or ("table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t"
                       "{{.Comment}}")
    headers = {"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
               "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT"}
    sys.stdout.write(render(fmt, rows, headers))
    return 0


def cmd_top(a: SimpleNamespace) -> int:
    from vmforms.container.inspection import top

    for line in top(a.container, list(a.ps_args)):
        print(line)
    return 0


def bytes_size(size: float) -> str:
    """go-units BytesSize: binary units, four significant digits."""
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    i = 0
    while size >= 1024 and i < len(units) - 1:
        size /= 1024
        i += 1
    return f"{size:.4g}{units[i]}"


def cmd_stats(a: SimpleNamespace) -> int:
    import time

    from vmforms.cli.container import human_size
    from vmforms.cli.gotemplate import render
    from vmforms.container import state as st
    from vmforms.container.inspection import running_refs, stats

    refs = list(a.containers) or running_refs()
    if a.all and not a.containers:
        refs = [c.id for c in st.all_containers() if c.running]
    fmt = a.format or ("table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t"
                       "{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}")
    headers = {"ID": "CONTAINER ID", "Container": "CONTAINER", "Name": "NAME",
               "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT", "MemPerc": "MEM %",
               "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"}
    while True:
        rows = []
        for ref, s in zip(refs, stats(refs), strict=True):
            rows.append({
                "Container": ref, "Name": s["Name"],
                "ID": s["ID"] if a.no_trunc else s["ID"][:12],
                "CPUPerc": f"{s['CPUPerc']:.2f}%",
                "MemUsage": f"{bytes_size(s['MemUsage'])} / {bytes_size(s['MemLimit'])}",
                "MemPerc": f"{s['MemPerc']:.2f}%",
                "NetIO": f"{human_size(s['NetInput'])} / {human_size(s['NetOutput'])}",
                "BlockIO": f"{human_size(s['BlockInput'])} / {human_size(s['BlockOutput'])}",
                "PIDs": str(s["PIDs"])})
        text = render(fmt, rows, headers) if rows or fmt.startswith("table") else ""
        if not rows and fmt.startswith("table"):
            text = render(fmt, [dict.fromkeys(headers, "")], headers).splitlines()[0] + "\n"
        if a.no_stream:
            sys.stdout.write(text)
            return 0
        if sys.stdout.isatty():
            sys.stdout.write("\033[2J\033[H")
        sys.stdout.write(text)
        sys.stdout.flush()
        if not refs:
            time.sleep(1)


def cmd_prune(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_prune as prune

    return prune(a)


def cmd_image(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_image as image

    return image(a)


def cmd_system(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_system as system

    return system(a)


def cmd_info(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_info as info

    return info(a)


def cmd_version(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_version as version

    return version(a)


def cmd_volume(a: SimpleNamespace) -> int:
    from vmforms.cli.system import cmd_volume as volume

    return volume(a)


def cmd_pause(a: SimpleNamespace) -> int:
    from vmforms.container import control

    return _each(a.containers, control.pause)


def cmd_unpause(a: SimpleNamespace) -> int:
    from vmforms.container import control

    return _each(a.containers, control.unpause)


def cmd_images(a: SimpleNamespace) -> int:
    from vmforms.cli.container_list import cmd_images as images

    return images(a)


def cmd_import(a: SimpleNamespace) -> int:
    """`import FILE|- [REPOSITORY[:TAG]]` with --change; standard input is copied to a
    file beside the store first (the layer is stored and unpacked from it)."""
    import os
    import shutil
    from pathlib import Path

    from vmforms.cli import container as cli
    from vmforms.container.changes import apply_changes
    from vmforms.container.errors import InvalidOption
    from vmforms.container.image.records import ImageConfig

    if len(a.reference) > 1:
        raise InvalidOption('"import" requires at least 1 and at most 2 arguments')
    store = cli._store()
    config = apply_changes(ImageConfig(), list(a.change)) if a.change else None
    if not a.reference:
        raise InvalidOption("import: give a REPOSITORY[:TAG] for the image")
    reference = a.reference[0]
    scratch = None
    source = Path(a.tarball)
    if a.tarball == "-":
        if sys.stdin.isatty():
            raise InvalidOption("import: standard input is a terminal; pipe a tarball in")
        scratch = cli._scratch_file(store)
        with open(scratch, "wb") as out:
            shutil.copyfileobj(sys.stdin.buffer, out, 1 << 20)
        source = scratch
    try:
        image = store.import_rootfs(source, reference, config=config)
    finally:
        if scratch is not None:
            os.unlink(scratch)
    print(image.id)
    return 0



def cmd_events(a: SimpleNamespace) -> int:
    """`events`: the journal from --since (default: now) and on, until --until or ^C."""
    import time

    from vmforms.cli.container_list import parse_filters
    from vmforms.cli.gotemplate import Template, _json
    from vmforms.container import events
    from vmforms.container.logview import parse_time

    filters = parse_filters(a.filter, ("container", "event", "image", "type"))
    since = parse_time(a.since, "--since") if a.since else time.time()
    until = parse_time(a.until, "--until") if a.until else None
    template = None
    if a.format and a.format != "json":
        template = Template(a.format.replace("\\t", "\t").replace("\\n", "\n"),
                            strict=False)

    def more() -> bool:
        return until is None or time.time() <= until

    for event in events.read(since, until, more):
        attrs = event.get("Actor", {}).get("Attributes", {})
        wanted = {"container": {event.get("id", ""), attrs.get("name", "")},
                  "event": {event.get("Action", "")}, "image": {attrs.get("image", "")},
                  "type": {event.get("Type", "")}}
        if any(not (set(v) & wanted[k] or (k == "container" and any(
                event.get("id", "").startswith(x) for x in v))) for k, v in filters.items()):
            continue
        if a.format == "json":
            line = _json(event)
        elif template is not None:
            line = template.execute(event)
        else:
            line = events.text(event)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
    return 0


def cmd_update(a: SimpleNamespace) -> int:
    from vmforms.container import control

    return _each(a.containers, lambda name: control.update(
        name, memory=a.memory, memory_swap=a.memory_swap, cpus=a.cpus,
        cpu_shares=a.cpu_shares, cpuset_cpus=a.cpuset_cpus, pids_limit=a.pids_limit))


def cmd_attach(a: SimpleNamespace) -> int:
    from vmforms.container import control
    from vmforms.container.attach import parse_detach_keys

    keys = parse_detach_keys(a.detach_keys) if a.detach_keys else None
    return control.attach(a.container, sig_proxy=a.sig_proxy.lower() not in ("false", "0"),
                          stdin=not a.no_stdin, detach_keys=keys)
