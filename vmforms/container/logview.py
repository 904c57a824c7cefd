"""`logs` with Docker's options over the json-file log: `--tail N`, `-t` (each line
prefixed with its RFC 3339 time), `--since` and `--until` (an RFC 3339 time, a Unix
time, or a duration before now such as `10m` or `1h30m`), `-f`."""

from __future__ import annotations

import json
import re
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from vmforms.container.errors import InvalidOption
from vmforms.container.state import parse_rfc3339

# A log line longer than this is cut: the log is the container's output, not ours to trust.
MAX_ENTRY = 1 << 20
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")


def parse_time(text: str, flag: str, now: float | None = None) -> float:
    """Docker's --since/--until value as a Unix time."""
    now = time.time() if now is None else now
    parts = _DURATION.findall(text)
    if parts and "".join(a + b for a, b in parts) == text:
        return now - sum(float(n) * _UNITS[u] for n, u in parts)
    try:
        return float(text)
    except ValueError:
        pass
    try:
        if "T" in text:
            return parse_rfc3339(text if text.endswith("Z") else text + "Z")
        return parse_rfc3339(text + "T00:00:00Z")
    except ValueError:
        raise InvalidOption(f'invalid value for "{flag}": "{text}" is not a time, a Unix '
                            "timestamp or a duration") from None


def parse_tail(text: str) -> int | None:
    if text == "all" or text == "-1":
        return None
    if not text.isdigit():
        raise InvalidOption(f'invalid value for "--tail": "{text}" (a number or "all")')
    return int(text)


def entries(path: Path, follow: Callable[[], bool] | None) -> Iterator[tuple[str, str, str]]:
    """(stream, text, time) per entry; with `follow`, on while it returns True."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except FileNotFoundError:
        return
    with f:
        pending = b""
        while True:
            line = f.readline(MAX_ENTRY)
            if line:
                pending += line
                if not pending.endswith(b"\n") and len(pending) < MAX_ENTRY:
                    continue
                raw, pending = pending, b""
                try:
                    entry = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    yield (str(entry.get("stream", "stdout")), str(entry.get("log", "")),
                           str(entry.get("time", "")))
                continue
            if follow is None or not follow():
                return
            time.sleep(0.05)


def show(path: Path, *, follow: Callable[[], bool] | None = None, tail: int | None = None,
         timestamps: bool = False, since: float | None = None,
         until: float | None = None) -> None:
    def wanted(stamp: str) -> bool:
        if since is None and until is None:
            return True
        try:
            t = parse_rfc3339(stamp)
        except ValueError:
            return False
        return (since is None or t >= since) and (until is None or t <= until)

    def emit(stream: str, text: str, stamp: str) -> None:
        out = sys.stderr if stream == "stderr" else sys.stdout
        out.write(f"{stamp} {text}" if timestamps else text)
        out.flush()

    source = entries(path, follow)
    if tail is not None:
        # the last N of what is there now; following goes on from there
        backlog: deque[tuple[str, str, str]] = deque(maxlen=tail)
        for item in entries(path, None):
            if wanted(item[2]):
                backlog.append(item)
        for item in backlog:
            emit(*item)
        if follow is None:
            return
        skip = sum(1 for _ in entries(path, None))
        source = entries(path, follow)
        for _ in range(skip):
            next(source, None)
    for stream, text, stamp in source:
        if until is not None and stamp and parse_rfc3339(stamp) > until:
            return  # nothing later can be wanted
        if wanted(stamp):
            emit(stream, text, stamp)
