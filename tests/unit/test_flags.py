"""Docker's flag syntax for `vmforms container`: what pflag accepts and how it refuses."""

from __future__ import annotations

import pytest

from vmforms.cli.container import COMMANDS
from vmforms.cli.flags import HelpRequested, help_text, parse
from vmforms.container.errors import InvalidOption

RUN = COMMANDS["run"]


def test_run_flags_stop_at_the_image() -> None:
    v = parse("p", RUN, ["-it", "--rm", "--name=web", "-e", "A=1", "-eB=2", "-m", "32m",
                         "busybox", "sh", "-c", "ls -l", "--rm"])
    assert v["interactive"] and v["tty"] and v["rm"] and not v["detach"]
    assert v["name"] == "web" and v["env"] == ["A=1", "B=2"] and v["memory"] == "32m"
    assert v["image"] == "busybox"
    assert v["command"] == ["sh", "-c", "ls -l", "--rm"]


def test_clustered_short_flag_with_value() -> None:
    v = parse("p", RUN, ["-dit", "-v/a:/b", "-w/tmp", "img"])
    assert v["detach"] and v["interactive"] and v["tty"]
    assert v["volume"] == ["/a:/b"] and v["workdir"] == "/tmp" and v["command"] == []


def test_double_dash_and_bool_values() -> None:
    v = parse("p", RUN, ["--read-only=true", "--rm=false", "--", "img", "-x"])
    assert v["read_only"] is True and v["rm"] is False
    assert v["image"] == "img" and v["command"] == ["-x"]


@pytest.mark.parametrize(("argv", "message"), [
    (["--bogus", "img"], "unknown flag: --bogus"),
    (["-z", "img"], "unknown shorthand flag: 'z' in -z"),
    (["--name"], "flag needs an argument: --name"),
    (["-e"], "flag needs an argument: 'e' in -e"),
    ([], '"p run" requires at least 1 argument.'),
    (["--rm=maybe", "img"], 'invalid argument "maybe" for "--rm" flag'),
])
def test_errors_are_dockers(argv: list[str], message: str) -> None:
    with pytest.raises(InvalidOption) as err:
        parse("p", RUN, argv)
    assert message in str(err.value)
    assert str(err.value).endswith("See 'p run --help'.")


def test_interspersed_commands_and_help() -> None:
    v = parse("p", COMMANDS["rm"], ["a", "-f", "b"])
    assert v["force"] and v["containers"] == ["a", "b"]
    with pytest.raises(InvalidOption, match="requires at least 1 argument"):
        parse("p", COMMANDS["stop"], ["-t", "3"])
    with pytest.raises(HelpRequested):
        parse("p", RUN, ["--help"])
    text = help_text("p", RUN)
    assert text.startswith("Usage:  p run [OPTIONS] IMAGE [COMMAND] [ARG...]")
    assert "-m, --memory bytes" in text
