"""`ps` with Docker's options: -a, -q, --no-trunc, -n, -l, -s, --filter and --format
(Go templates, `table`, `json`); each row has the fields of Docker's ContainerContext."""

from __future__ import annotations

import os
import re
import sys
import time
from types import SimpleNamespace

from vmforms.cli.flags import LIST, VALUE, Command, Flag
from vmforms.container.errors import InvalidOption

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

F = Flag
PS = Command("ps", "[OPTIONS]", "List containers", (
    F("a", "all", help="show all containers (default shows just running)"),
    F("q", "quiet", help="only display container IDs"),
    F(None, "no-trunc", help="don't truncate output"),
    F("n", "last", VALUE, "show n last created containers (includes all states)",
      default="-1", metavar="int"),
    F("l", "latest", help="show the latest created container (includes all states)"),
    F("s", "size", help="display total file sizes"),
    F("f", "filter", LIST, "filter output based on conditions provided", metavar="filter"),
    F(None, "format", VALUE, "format output using a custom template: 'table', 'table "
      "TEMPLATE', 'json' or a Go template", metavar="string"),
), interspersed=True)

HEADERS = {"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND",
           "CreatedAt": "CREATED AT", "RunningFor": "CREATED", "Ports": "PORTS",
           "State": "STATE", "Status": "STATUS", "Size": "SIZE", "Names": "NAMES",
           "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
           "LocalVolumes": "LOCAL VOLUMES"}
DEFAULT = ("table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t"
           "{{.Ports}}\t{{.Names}}")
_FILTERS = ("id", "name", "label", "exited", "status", "ancestor", "before", "since",
            "network", "health", "volume")
_STATES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")


def parse_filters(items: list[str], allowed: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise InvalidOption(f'bad format of filter (expected name=value): "{item}"')
        if key not in allowed:
            raise InvalidOption(f"invalid filter '{key}'")
        out.setdefault(key, []).append(value)
    return out


def _dir_size(path: str) -> int:
    total = 0
    for top, _dirs, files in os.walk(path):  # files only, as Docker sizes a layer
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                continue
    return total


def row(c: Any, now: float, trunc: bool, size: bool) -> dict[str, Any]:
    from vmforms.cli.container import _ps_ports, _quote_command, human_duration, human_size
    from vmforms.container import state as st

    s = c.state
    status_word = s.get("Status", "")
    if c.running:
        status = "Up " + human_duration(now - st.parse_rfc3339(s.get("StartedAt", "")))
        state = "paused" if s.get("Paused") else "running"
        health = (s.get("Health") or {}).get("Status")
        if health:
            status += f" (health: {health})" if health == "starting" else f" ({health})"
        status += " (Paused)" if s.get("Paused") else ""
    elif status_word == "created":
        status, state = "Created", "created"
    else:
        status = (f"Exited ({s.get('ExitCode', 0)}) "
                  + human_duration(now - st.parse_rfc3339(s.get("FinishedAt", ""))) + " ago")
        state = "exited"
    labels = c.record["Config"].get("Labels") or {}
    out = {
        "Command": _quote_command([c.record["Path"], *c.record["Args"]], trunc),
        "CreatedAt": time.strftime("%Y-%m-%d %H:%M:%S +0000 UTC",
                                   time.gmtime(st.parse_rfc3339(c.record["Created"]))),
        "ID": c.id[:12] if trunc else c.id,
        "Image": c.record["Config"]["Image"],
        "Labels": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        "LocalVolumes": "0", "Mounts": "",
        "Names": c.name,
        "Networks": str(c.record["HostConfig"].get("NetworkMode") or "bridge"),
        "Ports": _ps_ports(c) if c.running else "",
        "RunningFor": human_duration(now - st.parse_rfc3339(c.record["Created"])) + " ago",
        "Size": "",
        "State": state,
        "Status": status,
    }
    if size:
        out["Size"] = f"{human_size(_dir_size(str(c.path / 'upper')))} (virtual " \
                      f"{human_size(_virtual(c))})"
    return out


def _virtual(c: Any) -> int:
    total = 0
    for layer in c.record.get("Layers", []):
        total += _dir_size(layer)
    return total + _dir_size(str(c.path / "upper"))


def _matches(c: Any, r: dict[str, Any], filters: dict[str, list[str]],
             created: dict[str, str]) -> bool:
    for key, values in filters.items():
        if key == "id" and not any(c.id.startswith(v) for v in values):
            return False
        if key == "name" and not any(re.search(v, c.name) for v in values):
            return False
        if key == "status":
            for v in values:
                if v not in _STATES:
                    raise InvalidOption(f"invalid filter 'status={v}'")
            if r["State"] not in values:
                return False
        if key == "exited" and not (r["State"] == "exited" and str(
                c.state.get("ExitCode", 0)) in values):
            return False
        if key == "label":
            labels = c.record["Config"].get("Labels") or {}
            for v in values:
                k, sep, want = v.partition("=")
                if k not in labels or (sep and labels[k] != want):
                    return False
        if key == "ancestor" and not any(_ancestor(c, v) for v in values):
            return False
        if key in ("before", "since"):
            for v in values:
                if v not in created:
                    raise InvalidOption(f"No such container: {v}")
                mine = c.record.get("Created", "")
                if (key == "before" and not mine < created[v]) or (
                        key == "since" and not mine > created[v]):
                    return False
        if key == "network" and r["Networks"] not in values:
            return False
        if key == "volume" and not any(_uses_volume(c, v) for v in values):
            return False
        if key == "health":
            have = (c.state.get("Health") or {}).get("Status") if c.running else None
            if (have or "none") not in values:
                return False
    return True


def _uses_volume(c: Any, value: str) -> bool:
    """`volume=` names a volume or a mount's destination in the container."""
    from vmforms.container.volumes import volumes_dir

    source = f"{volumes_dir()}/{value}/_data"
    mounts = [m for m in c.record.get("Spec", {}).get("mounts", []) if isinstance(m, dict)]
    return any(m.get("destination") == value or m.get("source") == source for m in mounts)


def _ancestor(c: Any, ref: str) -> bool:
    image = str(c.record.get("Image", ""))
    given = str(c.record["Config"].get("Image", ""))
    bare = ref.split(":")[0]
    return (ref in (given, image) or image.removeprefix("sha256:").startswith(ref)
            or given.split(":")[0] == bare and ":" not in ref)


def cmd_ps(a: SimpleNamespace) -> int:
    from vmforms.cli.gotemplate import _json, render
    from vmforms.container import lifecycle
    from vmforms.container import state as st

    try:
        last = int(a.last)
    except ValueError:
        raise InvalidOption(f'invalid argument "{a.last}" for "-n, --last" flag') from None
    if a.latest:
        last = 1
    filters = parse_filters(a.filter, _FILTERS)
    everything = a.all or last > 0 or "status" in filters or "exited" in filters
    now = time.time()
    containers = st.all_containers()  # newest first, as Docker lists them
    created = {}
    for c in containers:
        created[c.name] = created[c.id] = created[c.id[:12]] = c.record.get("Created", "")
    rows = []
    for c in containers:
        if c.state.get("Status") == "running" and not c.running:
            lifecycle.reconcile(c)
        if not everything and not c.running:
            continue
        r = row(c, now, not a.no_trunc, a.size)
        if not _matches(c, r, filters, created):
            continue
        rows.append(r)
    if last > 0:
        rows = rows[:last]
    fmt = a.format
    if a.quiet and not fmt:
        fmt = "{{.ID}}"
    if not fmt or fmt == "table":
        fmt = DEFAULT + ("\t{{.Size}}" if a.size else "")
    if fmt == "json":
        sys.stdout.write("".join(_json(r) + "\n" for r in rows))
        return 0
    sys.stdout.write(render(fmt, rows, HEADERS))
    return 0


IMAGE_FLAGS = (
    F("a", "all", help="show all images (build cache entries are never listed)"),
    F(None, "no-trunc", help="don't truncate output"),
    F("f", "filter", LIST, "filter output based on conditions provided (dangling, label, "
      "before, since, reference)", metavar="filter"),
    F(None, "format", VALUE, "format output using a custom template: 'table', 'table "
      "TEMPLATE', 'json' or a Go template", metavar="string"),
)
IMAGE_HEADERS = {"ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG",
                 "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
                 "Digest": "DIGEST", "Containers": "CONTAINERS", "VirtualSize": "SIZE"}
IMAGE_DEFAULT = ("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}")


def _glob(pattern: str, text: str) -> bool:
    from fnmatch import fnmatchcase

    return fnmatchcase(text, pattern)


def cmd_images(a: SimpleNamespace) -> int:
    """`images` with --format/--filter/--no-trunc; the plain listing stays the engine's."""
    from vmforms.cli import container as cli

    if not (a.format or a.filter or a.no_trunc):
        return int(cli._cmd_images(a))
    from vmforms.cli.gotemplate import _json, render
    from vmforms.container import state as st
    from vmforms.container.lifecycle import image_in_use

    filters = parse_filters(a.filter, ("dangling", "label", "before", "since", "reference"))
    images = cli._store().list()
    created_of = {}
    for image in images:
        bare = image.reference.removesuffix(":latest") if image.reference else None
        for key in (image.reference, bare, image.id, image.id[7:19]):
            if key:
                created_of[key] = image.created
    now = time.time()
    rows = []
    for image in images:
        repo, tag = cli._split_ref(image.reference)
        if not _image_matches(image, repo, tag, filters, created_of):
            continue
        created = st.parse_rfc3339(image.created)
        rows.append({
            "ID": image.id if a.no_trunc else image.short_id, "Repository": repo, "Tag": tag,
            "Digest": "<none>", "CreatedAt": time.strftime(
                "%Y-%m-%d %H:%M:%S +0000 UTC", time.gmtime(created)) if created else "",
            "CreatedSince": cli.human_duration(now - created) + " ago" if created else "N/A",
            "Size": cli.human_size(image.size), "VirtualSize": cli.human_size(image.size),
            "Containers": "1" if image_in_use(image.id) else "0"})
    if a.quiet:
        sys.stdout.write("".join(dict.fromkeys(r["ID"] + "\n" for r in rows)))
        return 0
    fmt = a.format or IMAGE_DEFAULT
    if fmt == "json":
        sys.stdout.write("".join(_json(r) + "\n" for r in rows))
        return 0
    sys.stdout.write(render(IMAGE_DEFAULT if fmt == "table" else fmt, rows, IMAGE_HEADERS))
    return 0


def _image_matches(image: Any, repo: str, tag: str, filters: dict[str, list[str]],
                   created_of: dict[str, str]) -> bool:
    for key, values in filters.items():
        for v in values:
            if key == "dangling":
                if v not in ("true", "false", "1", "0"):
                    raise InvalidOption(f"invalid filter 'dangling={v}'")
                if (image.reference is None) != (v in ("true", "1")):
                    return False
            elif key == "label":
                k, sep, want = v.partition("=")
                labels = image.config.labels
                if k not in labels or (sep and labels[k] != want):
                    return False
            elif key in ("before", "since"):
                if v not in created_of:
                    raise InvalidOption(f"No such image: {v}")
                if (key == "before" and not image.created < created_of[v]) or (
                        key == "since" and not image.created > created_of[v]):
                    return False
            elif key == "reference":
                ref = f"{repo}:{tag}"
                if not (_glob(v, ref) or _glob(v, repo)):
                    return False
    return True
