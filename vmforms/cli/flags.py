"""Docker's command-line flag syntax (spf13/pflag as the Docker CLI configures it).

`-d`, `--detach`, `--name NAME`, `--name=NAME`, `-e KEY=VAL` or `-eKEY=VAL`, combined
short flags (`-it`, `-dit`), `--` to end the flags. For `run` and `exec` the flags stop
at the first positional argument, so a container's own command keeps its options.
argparse would do most of this, but importing and building it is a measurable part of
`vmforms container run`'s start-up, which is benchmarked against podman.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from vmforms.container.errors import InvalidOption
from vmforms.record import record

BOOL, VALUE, LIST = "bool", "value", "list"


@record
class Flag:
    short: str | None  # one letter, without the dash
    long: str  # without the dashes; also the destination name, with - as _
    kind: str = BOOL
    help: str = ""
    default: str | None = None
    metavar: str = ""

    @property
    def dest(self) -> str:
        return self.long.replace("-", "_")


@record
class Command:
    name: str
    usage: str  # what follows the command name in the usage line
    help: str
    flags: tuple[Flag, ...]
    positionals: tuple[str, ...] = ()  # required, in order
    rest: str | None = None  # the name for everything after the positionals
    min_rest: int = 0
    interspersed: bool = False  # may flags follow positional arguments?


def group_usage(prog: str, title: str, commands: Iterable[Command], width: int) -> str:
    """The usage of a command group (`vmforms container`, `... network`), as Docker's."""
    lines = [f"Usage:  {prog} COMMAND", "", title, "", "Commands:"]
    lines += [f"  {c.name:<{width}} {c.help}" for c in commands]
    return "\n".join(lines) + f"\n\nRun '{prog} COMMAND --help' for more information.\n"


def help_text(prog: str, cmd: Command) -> str:
    lines = [f"Usage:  {prog} {cmd.name} {cmd.usage}", "", cmd.help, "", "Options:"]
    for f in cmd.flags:
        names = (f"-{f.short}, " if f.short else "    ") + f"--{f.long}"
        if f.kind != BOOL:
            names += f" {f.metavar or f.dest}"
        lines.append(f"  {names:<28} {f.help}")
    lines.append(f"  {'    --help':<28} print this usage")
    return "\n".join(lines) + "\n"


class HelpRequested(Exception):  # noqa: N818 (a request, not an error)
    pass


def parse(prog: str, cmd: Command, argv: Sequence[str]) -> dict[str, object]:
    """The parsed options by destination name, the positionals, and `rest`."""
    longs = {f.long: f for f in cmd.flags}
    shorts = {f.short: f for f in cmd.flags if f.short}
    values: dict[str, object] = {}
    for f in cmd.flags:
        values[f.dest] = [] if f.kind == LIST else (False if f.kind == BOOL else f.default)
    args: list[str] = []
    hint = f"\nSee '{prog} {cmd.name} --help'."

    def take(f: Flag, value: str) -> None:
        if f.kind == LIST:
            lst = values[f.dest]
            assert isinstance(lst, list)
            lst.append(value)
        else:
            values[f.dest] = value

    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        stop_here = args and not cmd.interspersed
        if word == "--" and not stop_here:
            args.extend(argv[i:])
            break
        if stop_here or not word.startswith("-") or word == "-":
            args.append(word)
            if not cmd.interspersed and len(args) >= len(cmd.positionals) and cmd.rest:
                args.extend(argv[i:])
                break
            continue
        if word.startswith("--"):
            name, eq, inline = word[2:].partition("=")
            if name == "help":
                raise HelpRequested
            found = longs.get(name)
            if found is None:
                raise InvalidOption(f"unknown flag: --{name}{hint}")
            f = found
            if f.kind == BOOL:
                if eq and inline not in ("true", "false"):
                    raise InvalidOption(f'invalid argument "{inline}" for "--{name}" flag: '
                                        f"strconv.ParseBool: parsing \"{inline}\": invalid "
                                        f"syntax{hint}")
                values[f.dest] = not eq or inline == "true"
                continue
            if not eq:
                if i >= len(argv):
                    raise InvalidOption(f"flag needs an argument: --{name}{hint}")
                inline = argv[i]
                i += 1
            take(f, inline)
            continue
        # A cluster of short flags: -it, -dit, -eKEY=VAL, -e KEY=VAL.
        letters = word[1:]
        j = 0
        while j < len(letters):
            letter = letters[j]
            j += 1
            found = shorts.get(letter)
            if found is None:
                raise InvalidOption(f"unknown shorthand flag: '{letter}' in {word}{hint}")
            f = found
            if f.kind == BOOL:
                values[f.dest] = True
                continue
            value = letters[j:]
            if value.startswith("="):
                value = value[1:]
            if not value:
                if i >= len(argv):
                    raise InvalidOption(f"flag needs an argument: '{letter}' in {word}{hint}")
                value = argv[i]
                i += 1
            take(f, value)
            break
    need = len(cmd.positionals) + cmd.min_rest
    if len(args) < need:
        what = "argument" if need == 1 else "arguments"
        raise InvalidOption(f'"{prog} {cmd.name}" requires at least {need} {what}.{hint}')
    if cmd.rest is None and len(args) > len(cmd.positionals):
        raise InvalidOption(f'"{prog} {cmd.name}" accepts {len(cmd.positionals)} '
                            f"arguments, got {len(args)}.{hint}")
    for name, value in zip(cmd.positionals, args, strict=False):
        values[name] = value
    if cmd.rest is not None:
        values[cmd.rest] = args[len(cmd.positionals):]
    return values
