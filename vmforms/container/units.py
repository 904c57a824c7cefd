"""Docker's command-line value syntax: sizes (go-units RAMInBytes), --cpus, --pids-limit,
signals for `kill -s` and `stop -t` seconds, with the limits the Docker daemon enforces.

Every parser raises InvalidOption worded like the Docker CLI:
`invalid argument "12zz" for "-m, --memory" flag: invalid size: '12zz'`.
"""

from __future__ import annotations

import os
import re
import signal

from vmforms.container.errors import InvalidOption
from vmforms.record import record

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

# The Docker daemon refuses smaller --memory values (daemon/daemon_unix.go, linuxMinMemory).
MIN_MEMORY = 6 * MiB

# Docker converts --cpus into a CFS quota over this period (microseconds), and the kernel
# rejects cpu.cfs_quota_us below 1 ms (Documentation/scheduler/sched-bwc.rst).
CFS_PERIOD_US = 100_000
MIN_CFS_QUOTA_US = 1_000

# go-units: a number, an optional space, an optional binary prefix, optional "i" and "b".
_SIZE = re.compile(r"^(\d+(?:\.\d+)?) ?([kKmMgGtTpP])?[iI]?[bB]?$", re.ASCII)
_INTEGER = re.compile(r"^[+-]?\d+$", re.ASCII)
_DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$", re.ASCII)
_UNIT = {"": 1, "k": KiB, "m": MiB, "g": GiB, "t": 1024 * GiB, "p": 1024 * 1024 * GiB}


@record
class CpuQuota:
    """--cpus expressed as cpu.cfs_quota_us over cpu.cfs_period_us."""

    quota_us: int
    period_us: int


def _invalid(flag: str, value: str, reason: str) -> InvalidOption:
    return InvalidOption(f'invalid argument "{value}" for "{flag}" flag: {reason}')


def parse_size(value: str, flag: str = "-m, --memory") -> int:
    """Bytes in a go-units size: `1024`, `1024b`, `512k`, `32m`, `1.5g`, `2GiB`.

    Prefixes are binary (k = 1024) and a fraction is truncated to whole bytes, as
    Docker's RAMInBytes does.
    """
    match = _SIZE.match(value)
    if match is None:
        raise _invalid(flag, value, f"invalid size: '{value}'")
    number, prefix = match.group(1), (match.group(2) or "").lower()
    from decimal import Decimal, InvalidOperation  # lazily: most commands parse no size

    try:
        size = int(Decimal(number) * _UNIT[prefix])
    except InvalidOperation:
        raise _invalid(flag, value, f"invalid size: '{value}'") from None
    if size >= 1 << 63:
        raise _invalid(flag, value, f"invalid size: '{value}' is too large")
    return size


def parse_memory(value: str, flag: str = "-m, --memory") -> int | None:
    """--memory in bytes, or None for `0` (no limit, Docker's default)."""
    size = parse_size(value, flag)
    if size == 0:
        return None
    if size < MIN_MEMORY:
        raise _invalid(flag, value, "Minimum memory limit allowed is 6MB")
    return size


def parse_memory_swap(value: str, memory: int | None, flag: str = "--memory-swap") -> int | None:
    """--memory-swap: the total of memory and swap in bytes, -1 for unlimited swap, or
    None for `0`/empty, which leaves Docker's default (twice --memory, see Limits).

    Docker's rules: it needs --memory, and cannot be below it (equal means no swap).
    """
    if value in ("", "0"):
        return None
    total = -1 if value == "-1" else parse_size(value, flag)
    if memory is None:
        raise _invalid(
            flag, value, "You should always set the Memory limit when using Memoryswap limit"
        )
    if total != -1 and total < memory:
        raise _invalid(flag, value, "Minimum memoryswap limit should be larger than memory limit")
    return total


def host_cpus() -> int:
    """The CPUs this process may run on, which is what Docker calls the host's NCPU."""
    return len(os.sched_getaffinity(0))


def parse_cpus(value: str, ncpu: int | None = None, flag: str = "--cpus") -> CpuQuota:
    """--cpus as a CFS quota over Docker's 100 ms period: `1.5` -> 150000/100000.

    The value is a decimal number of CPUs, above zero and at most the host's CPU count
    (`ncpu`, default: host_cpus()); Docker accepts at most nine decimal places
    (it counts in nano-CPUs) and the resulting quota must be at least 1 ms.
    """
    ncpu = host_cpus() if ncpu is None else ncpu
    if _DECIMAL.match(value.strip()) is None:
        raise _invalid(flag, value, f"failed to parse {value} as a rational number")
    from decimal import Decimal

    cpus = Decimal(value.strip())
    nano = cpus * 1_000_000_000
    if nano != nano.to_integral_value():
        raise _invalid(flag, value, "value is too precise")
    quota = int(nano) * CFS_PERIOD_US // 1_000_000_000
    if cpus <= 0 or cpus > ncpu or quota < MIN_CFS_QUOTA_US:
        raise _invalid(
            flag,
            value,
            f"Range of CPUs is from 0.01 to {ncpu}.00, as there are only {ncpu} CPUs available",
        )
    return CpuQuota(quota, CFS_PERIOD_US)


def parse_pids_limit(value: str, flag: str = "--pids-limit") -> int | None:
    """--pids-limit: a positive maximum of tasks, or None for `0` and `-1` (unlimited).

    Docker's daemon treats every value <= 0 as "no limit", and so do we.
    """
    if _INTEGER.match(value.strip()) is None:
        raise _invalid(flag, value, "invalid syntax, expected an integer")
    limit = int(value)
    return limit if limit > 0 else None


def _signal_names() -> dict[str, int]:
    names = {
        name.removeprefix("SIG"): int(sig)
        for name, sig in signal.Signals.__members__.items()
        if name.startswith("SIG") and not name.startswith("SIG_")
    }
    rtmin, rtmax = int(signal.SIGRTMIN), int(signal.SIGRTMAX)
    # Docker's Linux signal map spells the real-time range RTMIN+n up to the middle,
    # then RTMAX-n above it (moby/sys/signal, signal_linux.go).
    middle = (rtmin + rtmax) // 2
    for number in range(rtmin + 1, middle + 1):
        names[f"RTMIN+{number - rtmin}"] = number
    for number in range(middle + 1, rtmax):
        names[f"RTMAX-{rtmax - number}"] = number
    return names


_SIGNALS = _signal_names()


def parse_signal(value: str, flag: str = "-s, --signal") -> int:
    """A signal for `kill -s`: a name with or without SIG in any case (`KILL`, `sigkill`,
    `RTMIN+3`) or a number from 1 to SIGRTMAX (`9`)."""
    text = value.strip()
    if _INTEGER.match(text) is not None and not text.startswith(("+", "-")):
        number = int(text)
        if 1 <= number <= int(signal.SIGRTMAX):
            return number
        raise _invalid(flag, value, f"Invalid signal: {value}")
    number_by_name = _SIGNALS.get(text.upper().removeprefix("SIG"))
    if number_by_name is None:
        raise _invalid(flag, value, f"Invalid signal: {value}")
    return number_by_name


def parse_stop_timeout(value: str, flag: str = "-t, --time") -> int:
    """Seconds for `stop -t` before SIGKILL, a whole number. Any negative value comes back
    as -1, Docker's "wait without a deadline" (the API's t=-1); None is never returned,
    so that "not given" stays distinct from "forever"."""
    if _INTEGER.match(value.strip()) is None:
        raise _invalid(flag, value, "invalid syntax, expected whole seconds")
    return max(int(value), -1)


_DURATION_UNITS = {"ns": 1, "us": 1000, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
                   "h": 3600 * 10**9}


def parse_duration(text: str, what: str) -> int:
    """Go's time.ParseDuration for the forms HEALTHCHECK and --health-* take (30s,
    1m30s, 500ms), in nanoseconds."""
    parts = re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text)
    if not parts or "".join(a + b for a, b in parts) != text:
        raise InvalidOption(f"{what}: time: invalid duration \"{text}\"")
    return int(sum(float(n) * _DURATION_UNITS[u] for n, u in parts))
