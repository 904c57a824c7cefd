"""HEALTHCHECK and `--health-*`: the monitor runs the check with `exec` every interval
(never blocking its relay loop: the check is a child polled on each tick), kills it past
its timeout, and keeps Docker's State.Health (Status starting|healthy|unhealthy,
FailingStreak, the last five results) in the container's state."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from vmforms.container import state as st
from vmforms.container.errors import InvalidOption

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

SECOND = 10**9
DEFAULTS = {"Interval": 30 * SECOND, "Timeout": 30 * SECOND, "StartPeriod": 0, "Retries": 3}
MAX_OUTPUT = 4096


def config(image_check: Any, cmd: str | None, interval: str | None, timeout: str | None,
           retries: str | None, start_period: str | None, disabled: bool) -> dict[str, Any]:
    """The container's Healthcheck: the image's, with the --health-* flags over it."""
    from vmforms.container.units import parse_duration

    if disabled:
        return {"Test": ["NONE"]}
    check: dict[str, Any] = dict(image_check or {})
    if cmd is not None:
        check["Test"] = ["CMD-SHELL", cmd]
    for key, value in (("Interval", interval), ("Timeout", timeout),
                       ("StartPeriod", start_period)):
        if value is not None:
            try:
                check[key] = parse_duration(value, f"--health-{key.lower()}")
            except Exception:  # noqa: BLE001 - one wording for every bad duration
                raise InvalidOption(f'invalid argument "{value}" for "--health-'
                                    f'{key.lower()}" flag: time: invalid duration') from None
    if retries is not None:
        if not retries.isdigit():
            raise InvalidOption(f'invalid argument "{retries}" for "--health-retries" flag')
        check["Retries"] = int(retries)
    return check


def command(check: dict[str, Any]) -> list[str] | None:
    test = list(check.get("Test") or [])
    if not test or test[0] == "NONE":
        return None
    if test[0] == "CMD-SHELL":
        return ["/bin/sh", "-c", " ".join(test[1:])]
    return test[1:] if test[0] == "CMD" else test


def ticker(c: st.Container) -> Callable[[], None] | None:
    """What the monitor calls on each tick of its relay loop; None without a check."""
    check = c.record.get("Config", {}).get("Healthcheck") or {}
    argv = command(check)
    if argv is None:
        return None
    values = {k: int(check.get(k) or v) for k, v in DEFAULTS.items()}
    started = time.monotonic()
    running: dict[str, Any] = {}
    next_at = [started + values["Interval"] / SECOND]
    _save(c, lambda h: h.update(Status="starting", FailingStreak=0, Log=[]))

    def tick() -> None:
        now = time.monotonic()
        proc = running.get("proc")
        if proc is not None:
            if proc.poll() is None and now - running["began"] < values["Timeout"] / SECOND:
                return
            if proc.poll() is None:
                proc.kill()
                proc.wait()
                code, output = -1, "Health check exceeded timeout"
            else:
                code = proc.returncode
                output = proc.stdout.read(MAX_OUTPUT).decode(errors="replace")
            proc.stdout.close()
            stamp = running.get("stamp", st.now_rfc3339())
            running.clear()
            in_grace = now - started < values["StartPeriod"] / SECOND
            _record(c, running_start=stamp, code=code,
                    output=output, retries=values["Retries"], grace=in_grace)
            next_at[0] = now + values["Interval"] / SECOND
            return
        if now < next_at[0]:
            return
        running["began"] = now
        running["stamp"] = st.now_rfc3339()
        import subprocess

        running["proc"] = subprocess.Popen(
            [sys.executable, "-m", "vmforms", "container", "exec", c.id, *argv],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=os.environ.copy())

    return tick


def _save(c: st.Container, change: Callable[[dict[str, Any]], None]) -> None:
    with c.lock():
        if not c.reload():
            return
        health = dict(c.state.get("Health") or {})
        change(health)
        c.state["Health"] = health
        c.save_state()


def _record(c: st.Container, *, running_start: str, code: int, output: str, retries: int,
            grace: bool) -> None:
    def change(h: dict[str, Any]) -> None:
        log = list(h.get("Log") or [])[-4:]
        log.append({"Start": running_start, "End": st.now_rfc3339(), "ExitCode": code,
                    "Output": output})
        h["Log"] = log
        if code == 0:
            h["Status"], h["FailingStreak"] = "healthy", 0
        elif not grace:
            h["FailingStreak"] = int(h.get("FailingStreak") or 0) + 1
            if h["FailingStreak"] >= retries:
                h["Status"] = "unhealthy"

    _save(c, change)
