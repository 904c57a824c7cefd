"""The journal `events` reads: one JSON line per change of a container's state, appended
by whichever command made the change (there is no daemon to ask). Docker's event shape:
Type, Action, Actor {ID, Attributes}, time, timeNano."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from vmforms.container.paths import state_root

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

# Past this size the journal starts again (the oldest events are dropped).
MAX_JOURNAL = 8 << 20
MAX_LINE = 64 << 10


def journal_path() -> Path:
    return state_root() / "events.log"


def record(action: str, c: Any, **attributes: object) -> None:
    """Append an event for container `c`; a failure to log never fails the command."""
    now = time.time_ns()
    attrs = {"image": str(c.record.get("Config", {}).get("Image", "")), "name": c.name}
    attrs.update({k: str(v) for k, v in attributes.items()})
    line = json.dumps({"status": action, "id": c.id, "from": attrs["image"],
                       "Type": "container", "Action": action,
                       "Actor": {"ID": c.id, "Attributes": attrs}, "scope": "local",
                       "time": now // 10**9, "timeNano": now}) + "\n"
    try:
        path = journal_path()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if os.fstat(fd).st_size > MAX_JOURNAL:
                os.ftruncate(fd, 0)
            os.write(fd, line.encode())
        finally:
            os.close(fd)
    except OSError:
        pass


def read(since: float | None, until: float | None,
         follow: Callable[[], bool] | None) -> Iterator[dict[str, Any]]:
    """The journal's events in [since, until]; with `follow`, new ones as they come."""
    try:
        f = open(journal_path(), "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        if follow is None:
            return
        while follow() and not journal_path().exists():
            time.sleep(0.1)
        if not journal_path().exists():
            return
        f = open(journal_path(), "rb")  # noqa: SIM115
    with f:
        pending = b""
        while True:
            chunk = f.readline(MAX_LINE)
            if not chunk:
                if follow is None or not follow():
                    return
                time.sleep(0.1)
                continue
            pending += chunk
            if not pending.endswith(b"\n") and len(pending) < MAX_LINE:
                continue
            raw, pending = pending, b""
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            t = event.get("timeNano", 0) / 1e9
            if since is not None and t < since:
                continue
            if until is not None and t > until:
                return
            yield event


def text(event: dict[str, Any]) -> str:
    """Docker's plain line: time, type, action, id, then the attributes sorted."""
    ns = int(event.get("timeNano", 0))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) + \
        f".{ns % 10**9:09d}Z"
    actor = event.get("Actor", {})
    attrs = ", ".join(f"{k}={v}" for k, v in sorted(actor.get("Attributes", {}).items()))
    return f"{stamp} {event.get('Type')} {event.get('Action')} {actor.get('ID')} ({attrs})"
