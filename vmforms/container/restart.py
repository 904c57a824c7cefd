"""`--restart no|on-failure[:N]|always|unless-stopped`: the monitor starts PID 1 again
when it ends, with Docker's back-off (100 ms, doubled after each restart, at most a
minute, back to 100 ms once a run lasted 10 s). A container stopped or killed by a
command is not restarted. There is no daemon: after a reboot, `always` and
`unless-stopped` containers come back with `vmforms container start $(vmforms container
ps -aq -f ...)`, as docs/containers.md says."""

from __future__ import annotations

from vmforms.container import state as st
from vmforms.container.errors import InvalidOption

POLICIES = ("no", "on-failure", "always", "unless-stopped")
FIRST_DELAY = 0.1
MAX_DELAY = 60.0
RESET_AFTER = 10.0


def parse(text: str | None, auto_remove: bool) -> dict[str, object]:
    """--restart as Docker's HostConfig.RestartPolicy."""
    if not text:
        return {"Name": "no", "MaximumRetryCount": 0}
    name, sep, count = text.partition(":")
    if name not in POLICIES:
        raise InvalidOption(f"invalid restart policy '{text}'")
    retries = 0
    if sep:
        if name != "on-failure":
            raise InvalidOption(f"invalid restart policy: maximum retry count can only be "
                                f"used with 'on-failure': {text}")
        if not count.isdigit():
            raise InvalidOption(f"invalid restart policy format: maximum retry count must be "
                                f"an integer: {text}")
        retries = int(count)
    if auto_remove and name != "no":
        raise InvalidOption("Conflicting options: --restart and --rm")
    return {"Name": name, "MaximumRetryCount": retries}


def delay(c: st.Container, exit_code: int, ran_for: float, previous: float) -> float | None:
    """How long to wait before starting the container again, or None for not again."""
    if not c.reload() or c.state.get("StopRequested"):
        return None
    policy = c.record.get("HostConfig", {}).get("RestartPolicy") or {}
    name = policy.get("Name", "no")
    count = int(c.state.get("RestartCount") or 0)
    if name == "no" or (name == "on-failure" and exit_code == 0):
        return None
    limit = int(policy.get("MaximumRetryCount") or 0)
    if name == "on-failure" and limit and count >= limit:
        return None
    if ran_for >= RESET_AFTER or previous <= 0:
        return FIRST_DELAY
    return min(previous * 2, MAX_DELAY)


def count_restart(c: st.Container) -> None:
    with c.lock():
        if c.reload():
            c.state["RestartCount"] = int(c.state.get("RestartCount") or 0) + 1
            c.save_state()
