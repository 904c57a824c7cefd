"""Docker's option syntax: sizes, --memory, --memory-swap, --cpus, --pids-limit, signals
and stop timeouts, with the daemon's limits and the CLI's error wording."""

from __future__ import annotations

import signal

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.units import (
    CpuQuota,
    host_cpus,
    parse_cpus,
    parse_memory,
    parse_memory_swap,
    parse_pids_limit,
    parse_signal,
    parse_size,
    parse_stop_timeout,
)

KiB, MiB, GiB = 1024, 1024**2, 1024**3


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1024", 1024),
        ("1024b", 1024),
        ("512k", 512 * KiB),
        ("512K", 512 * KiB),
        ("32m", 32 * MiB),
        ("32MB", 32 * MiB),
        ("32 MiB", 32 * MiB),
        ("1g", GiB),
        ("1.5g", 3 * GiB // 2),
        ("0.5k", 512),
        ("1.0001k", 1024),  # truncated to whole bytes
        ("2t", 2 * 1024 * GiB),
        ("0", 0),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["12zz", "", "-1", "1.", ".5m", "1..2m", "1e3", "m", "1mb2", "٣m"])
def test_bad_sizes_name_the_flag_and_the_value(text: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_size(text)
    assert str(caught.value) == (
        f'invalid argument "{text}" for "-m, --memory" flag: invalid size: \'{text}\''
    )


def test_docker_example_message() -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_memory("12zz")
    assert str(caught.value) == (
        'invalid argument "12zz" for "-m, --memory" flag: invalid size: \'12zz\''
    )
    assert caught.value.exit_code == 125


def test_memory_minimum_is_6mb_and_zero_means_unlimited() -> None:
    assert parse_memory("6m") == 6 * MiB
    assert parse_memory("0") is None
    for small in ("6291455", "5m", "1024k", "1b"):
        with pytest.raises(InvalidOption, match="Minimum memory limit allowed is 6MB"):
            parse_memory(small)


def test_size_overflow_is_refused() -> None:
    with pytest.raises(InvalidOption, match="too large"):
        parse_size("8388608t")


def test_memory_swap() -> None:
    assert parse_memory_swap("-1", 32 * MiB) == -1
    assert parse_memory_swap("64m", 32 * MiB) == 64 * MiB
    assert parse_memory_swap("32m", 32 * MiB) == 32 * MiB
    assert parse_memory_swap("0", 32 * MiB) is None
    assert parse_memory_swap("", None) is None
    with pytest.raises(InvalidOption, match="larger than memory limit"):
        parse_memory_swap("16m", 32 * MiB)
    with pytest.raises(InvalidOption, match='"--memory-swap" flag: You should always set the Mem'):
        parse_memory_swap("64m", None)


@pytest.mark.parametrize(
    ("text", "quota"),
    [("1", 100_000), ("1.5", 150_000), ("0.01", 1_000), ("2", 200_000), (".5", 50_000)],
)
def test_cpus_become_a_quota_over_100ms(text: str, quota: int) -> None:
    assert parse_cpus(text, ncpu=2) == CpuQuota(quota, 100_000)


@pytest.mark.parametrize("text", ["0", "-1", "2.01", "3", "0.001", "0.009"])
def test_cpus_out_of_range(text: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_cpus(text, ncpu=2)
    assert str(caught.value) == (
        f'invalid argument "{text}" for "--cpus" flag: '
        "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"
    )


@pytest.mark.parametrize("text", ["abc", "", "1,5", "nan", "inf", "1e0", "1_0"])
def test_cpus_not_a_number(text: str) -> None:
    with pytest.raises(InvalidOption, match=f'"{text}" for "--cpus" flag: failed to parse'):
        parse_cpus(text, ncpu=2)


def test_cpus_too_precise_and_host_default() -> None:
    with pytest.raises(InvalidOption, match="value is too precise"):
        parse_cpus("0.0100000001", ncpu=2)
    assert parse_cpus(str(host_cpus())).quota_us == host_cpus() * 100_000
    with pytest.raises(InvalidOption, match="Range of CPUs"):
        parse_cpus(str(host_cpus() + 1))


@pytest.mark.parametrize(("text", "limit"), [("100", 100), ("1", 1), ("0", None), ("-1", None)])
def test_pids_limit(text: str, limit: int | None) -> None:
    assert parse_pids_limit(text) == limit


@pytest.mark.parametrize("text", ["ten", "1.5", "", "1_000"])
def test_pids_limit_not_an_integer(text: str) -> None:
    with pytest.raises(InvalidOption, match=f'invalid argument "{text}" for "--pids-limit"'):
        parse_pids_limit(text)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("KILL", signal.SIGKILL),
        ("SIGKILL", signal.SIGKILL),
        ("sigterm", signal.SIGTERM),
        ("9", signal.SIGKILL),
        ("HUP", signal.SIGHUP),
        ("SIGIOT", signal.SIGABRT),  # an alias
        ("RTMIN", signal.SIGRTMIN),
        ("RTMIN+3", signal.SIGRTMIN + 3),
        ("RTMAX-1", signal.SIGRTMAX - 1),
        ("RTMAX", signal.SIGRTMAX),
        (str(int(signal.SIGRTMAX)), signal.SIGRTMAX),
    ],
)
def test_signals(text: str, number: int) -> None:
    assert parse_signal(text) == number


@pytest.mark.parametrize("text", ["0", "65", "-9", "FOO", "SIG", "", "SIG_DFL", "+9"])
def test_bad_signals(text: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        parse_signal(text)
    assert str(caught.value) == (
        f'invalid argument "{text}" for "-s, --signal" flag: Invalid signal: {text}'
    )


@pytest.mark.parametrize(("text", "seconds"), [("10", 10), ("0", 0), ("-1", -1), ("-30", -1)])
def test_stop_timeout(text: str, seconds: int) -> None:
    assert parse_stop_timeout(text) == seconds


@pytest.mark.parametrize("text", ["10s", "1.5", "", "ten"])
def test_stop_timeout_wants_whole_seconds(text: str) -> None:
    with pytest.raises(InvalidOption, match=f'invalid argument "{text}" for "-t, --time" flag'):
        parse_stop_timeout(text)


def test_the_flag_name_is_the_callers() -> None:
    with pytest.raises(InvalidOption, match='for "--memory-reservation" flag'):
        parse_size("x", flag="--memory-reservation")
