"""The Dockerfile as BuildKit's frontend reads it (Dockerfile reference; dockerfile/parser
and dockerfile/shell of moby/buildkit): parser directives, line continuations, comments,
instructions with their flags, the JSON and shell forms, and variable substitution.

`parse` is a pure function of the text: it runs nothing and reads no file, so every
error names the line it comes from. Substitution (`expand`) is applied later, by the
executor, with the variables in effect at each step.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from vmforms.container.errors import ContainerError

# The most of a Dockerfile we read, and of one instruction once its lines are joined.
MAX_DOCKERFILE = 4 << 20

INSTRUCTIONS = frozenset({
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck",
    "label", "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume",
    "workdir",
})
# Instructions whose arguments may be a JSON array of strings (the "exec form").
_JSON_FORM = frozenset({"add", "cmd", "copy", "entrypoint", "run", "shell", "volume"})
_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_FLAG = re.compile(r"^--([a-zA-Z][a-zA-Z0-9-]*)(?:=(.*))?$")
# BuildKit's here-documents (dockerfile 1.4): `RUN <<EOF`, `<<-EOF` (leading tabs
# stripped), `<<"EOF"` (no expansion; the shell does none for RUN either way).
_HEREDOC = re.compile(r"<<(-?)([\"']?)([A-Za-z_][A-Za-z0-9_]*)\2")


class DockerfileError(ContainerError):
    """A Dockerfile that cannot be read; the message names the line, as BuildKit's does."""

    exit_code = 1


@dataclass(frozen=True, slots=True)
class Instruction:
    cmd: str  # lower case: "run", "copy", ...
    line: int  # the first line (1-based) and the last, continuations included
    end_line: int
    original: str  # the instruction as written, continuations joined
    args: tuple[str, ...]  # the words; for the shell form of RUN/CMD/... one string
    flags: tuple[tuple[str, str | None], ...] = ()  # --name=value, in order
    json: bool = False  # written in the exec (JSON array) form
    # COPY/ADD here-documents: (name, content, expand), a source word `<<name` each
    heredocs: tuple[tuple[str, str, bool], ...] = ()

    def flag(self, name: str) -> str | None:
        for key, value in self.flags:
            if key == name:
                return value if value is not None else "true"
        return None

    def error(self, message: str) -> DockerfileError:
        return DockerfileError(f"dockerfile parse error on line {self.line}: {message}")


@dataclass(frozen=True, slots=True)
class Dockerfile:
    directives: dict[str, str]
    instructions: tuple[Instruction, ...]
    escape: str = "\\"


def parse(text: str) -> Dockerfile:
    """The instructions of a Dockerfile, in order."""
    if len(text) > MAX_DOCKERFILE:
        raise DockerfileError(f"the Dockerfile is larger than {MAX_DOCKERFILE} bytes")
    lines = text.splitlines()
    directives: dict[str, str] = {}
    start = 0
    # Directives come first: the first other line (even a blank one) ends them.
    while start < len(lines):
        found = _DIRECTIVE.match(lines[start])
        if not found:
            break
        name = found.group(1).lower()
        if name in directives:
            raise DockerfileError(f"dockerfile parse error on line {start + 1}: only one "
                                  f"{name} parser directive can be used")
        directives[name] = found.group(2)
        start += 1
    escape = directives.get("escape", "\\")
    if escape not in ("\\", "`"):
        raise DockerfileError(f"invalid escape token '{escape}' does not match ` or \\")
    continuation = re.compile(r"^(.*)" + re.escape(escape) + r"[ \t]*$", re.DOTALL)
    out: list[Instruction] = []
    i = start
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        first = i
        parts: list[str] = []
        text_line = raw.lstrip()
        while True:
            more = continuation.match(text_line)
            if more is None:
                parts.append(text_line)
                break
            parts.append(more.group(1))
            i += 1
            # Comment lines and empty lines inside a continuation are dropped.
            while i < len(lines) and (not lines[i].strip()
                                      or lines[i].lstrip().startswith("#")):
                i += 1
            if i >= len(lines):
                break
            text_line = lines[i]
        joined = "".join(parts)
        inst = _instruction(joined, first + 1, i + 1 if i < len(lines) else len(lines))
        marker = _HEREDOC.search(joined) if inst.cmd in ("run", "copy", "add") else None
        if marker is not None and not inst.json:
            inst, i = _heredoc(inst, marker, lines, i)
        out.append(inst)
        i += 1
    if not out:
        raise DockerfileError("the Dockerfile (or its stdin) has no instructions")
    return Dockerfile(directives, tuple(out), escape)


def _instruction(text: str, line: int, end_line: int) -> Instruction:
    word, _, rest = text.strip().partition(" ")
    if "\t" in word:
        word, _, tail = word.partition("\t")
        rest = tail + " " + rest
    cmd = word.lower()
    if cmd not in INSTRUCTIONS:
        raise DockerfileError(f"dockerfile parse error on line {line}: unknown instruction: "
                              f"{word.upper()}")
    rest = rest.strip()
    flags: list[tuple[str, str | None]] = []
    while rest.startswith("--"):
        token, _, after = rest.partition(" ")
        found = _FLAG.match(token)
        if found is None:
            raise DockerfileError(f"dockerfile parse error on line {line}: bad flag {token}")
        flags.append((found.group(1), found.group(2)))
        rest = after.lstrip()
    args: tuple[str, ...]
    is_json = False
    if cmd in _JSON_FORM and rest.startswith("["):
        try:
            value = json.loads(rest)
        except ValueError:
            value = None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            args, is_json = tuple(value), True
        else:
            args = (rest,)
    elif cmd in ("run", "cmd", "entrypoint", "shell", "stopsignal", "user", "workdir",
                 "maintainer", "healthcheck", "onbuild"):
        args = (rest,) if rest else ()
    else:
        args = tuple(split_words(rest))
    if cmd == "shell" and not is_json:
        raise DockerfileError(f"dockerfile parse error on line {line}: SHELL requires the "
                              "arguments to be in JSON form")
    if not args and cmd not in ("cmd", "entrypoint", "run"):
        raise DockerfileError(f"dockerfile parse error on line {line}: {cmd.upper()} "
                              "requires at least one argument")
    return Instruction(cmd, line, end_line, text.strip(), args, tuple(flags), is_json)


def split_words(text: str) -> list[str]:
    """Words separated by white space outside quotes; quotes and escapes are kept, for
    `expand` to remove (BuildKit's parseWords)."""
    words: list[str] = []
    cur = ""
    quote = ""
    escaped = False
    for ch in text:
        if escaped:
            cur += ch
            escaped = False
        elif ch == "\\" and quote != "'":
            cur += ch
            escaped = True
        elif quote:
            cur += ch
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            cur += ch
            quote = ch
        elif ch.isspace():
            if cur:
                words.append(cur)
                cur = ""
        else:
            cur += ch
    if cur:
        words.append(cur)
    return words


def name_values(inst: Instruction) -> list[tuple[str, str]]:
    """ENV and LABEL: `KEY=VALUE ...`, or the legacy `KEY VALUE WITH SPACES` (words
    still quoted: expand each value)."""
    words = list(inst.args)
    if words and "=" not in words[0]:
        if len(words) < 2:
            raise inst.error(f"{inst.cmd.upper()} must have two arguments")
        rest = inst.original.split(None, 1)[1].strip()
        return [(words[0], rest[len(words[0]):].strip())]
    pairs = []
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise inst.error(f"{inst.cmd.upper()} names can not be blank" if not key else
                             f"syntax error - can't find = in \"{word}\". Must be of the "
                             "form: name=value")
        pairs.append((key, value))
    return pairs


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1
        return ch


def expand(word: str, env: dict[str, str], escape: str = "\\", raw: bool = False) -> str:
    """One word with its variables substituted and its quotes removed (BuildKit's
    ProcessWord): `$V`, `${V}`, `${V:-x}`, `${V-x}`, `${V:+x}`, `${V+x}`, `${V:?msg}`;
    single quotes keep everything literal, double quotes keep all but `$`."""
    s = _Scanner(word)
    out: list[str] = []
    while s.peek():
        ch = s.next()
        if raw and ch in ("'", '"', escape) and not (ch == escape and s.peek() == "$"):
            out.append(ch)
        elif ch == "'":
            while s.peek() and s.peek() != "'":
                out.append(s.next())
            if not s.peek():
                raise ContainerError(f"unexpected end of statement while looking for "
                                     f"matching single-quote in {word!r}")
            s.next()
        elif ch == '"':
            while s.peek() and s.peek() != '"':
                c = s.next()
                if c == escape and s.peek() in ('"', "$", escape) and s.peek():
                    out.append(s.next())
                elif c == "$":
                    out.append(_dollar(s, env, escape))
                else:
                    out.append(c)
            if not s.peek():
                raise ContainerError(f"unexpected end of statement while looking for "
                                     f"matching double-quote in {word!r}")
            s.next()
        elif ch == escape:
            if s.peek():
                out.append(s.next())
        elif ch == "$":
            out.append(_dollar(s, env, escape))
        else:
            out.append(ch)
    return "".join(out)


def expand_raw(text: str, env: dict[str, str], escape: str = "\\") -> str:
    """A here-document's text with its variables substituted and nothing else changed
    (quotes kept; an escaped `$` is a plain one), as BuildKit expands COPY's."""
    return expand(text, env, escape, raw=True)


def _name(s: _Scanner) -> str:
    name = ""
    while s.peek() and (s.peek().isalnum() or s.peek() == "_"):
        name += s.next()
    return name


def _dollar(s: _Scanner, env: dict[str, str], escape: str) -> str:
    if s.peek() != "{":
        name = _name(s)
        return "$" if not name else env.get(name, "")
    s.next()
    name = _name(s)
    if not name:
        raise ContainerError("bad substitution: a variable name is missing after ${")
    if s.peek() == "}":
        s.next()
        return env.get(name, "")
    colon = s.peek() == ":"
    if colon:
        s.next()
    op = s.next()
    if op not in "-+?":
        raise ContainerError(f"unsupported modifier ({op}) in substitution of ${{{name}}}")
    depth, word = 1, ""
    while True:
        c = s.next()
        if not c:
            raise ContainerError(f"missing '}}' in substitution of ${{{name}}}")
        if c == escape and s.peek():
            word += c + s.next()
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                break
        word += c
    value = env.get(name)
    is_set = value is not None and (value != "" or not colon)
    if op == "-":
        return value if is_set and value is not None else expand(word, env, escape)
    if op == "+":
        return expand(word, env, escape) if is_set else ""
    if not is_set or value is None:
        raise ContainerError(f"{name}: {expand(word, env, escape) or 'is not allowed to be unset'}")
    return value


def _heredoc(inst: Instruction, marker: re.Match[str], lines: list[str],
             i: int) -> tuple[Instruction, int]:
    """Take the here-document's lines after the instruction's: a bare `RUN <<EOF` runs
    them as the script, `RUN cmd <<EOF` hands the shell the whole text (it reads the
    here-document itself). COPY and ADD take each as a file of that name."""
    from dataclasses import replace

    if inst.cmd != "run":
        return _file_heredocs(inst, lines, i)
    strip_tabs, word = marker.group(1) == "-", marker.group(3)
    body: list[str] = []
    j = i + 1
    while True:
        if j >= len(lines):
            raise inst.error(f"unterminated here-document: no line {word!r} after it")
        line = lines[j].lstrip("\t") if strip_tabs else lines[j]
        if line == word:
            break
        body.append(line)
        j += 1
    text = inst.args[0] if inst.args else ""
    rest = text.replace(marker.group(0), "", 1).strip()
    script = "\n".join(body) + "\n"
    if rest:
        script = text + "\n" + "\n".join(lines[i + 1:j + 1]) + "\n"
    return replace(inst, args=(script,), end_line=j + 1), j


def _heredoc_body(inst: Instruction, lines: list[str], j: int, strip_tabs: bool,
                  word: str) -> tuple[list[str], int]:
    body: list[str] = []
    while True:
        if j >= len(lines):
            raise inst.error(f"unterminated here-document: no line {word!r} after it")
        line = lines[j].lstrip("\t") if strip_tabs else lines[j]
        if line == word:
            return body, j
        body.append(line)
        j += 1


def _file_heredocs(inst: Instruction, lines: list[str], i: int) -> tuple[Instruction, int]:
    """`COPY <<a <<b /dst/`: each source word `<<name` reads the next here-document;
    the destination cannot be one. Quoting the word turns substitution off (BuildKit)."""
    from dataclasses import replace

    docs: list[tuple[str, str, bool]] = []
    args: list[str] = []
    j = i
    for k, word in enumerate(inst.args):
        marker = _HEREDOC.fullmatch(word)
        if marker is None:
            args.append(word)
            continue
        if k == len(inst.args) - 1:
            raise inst.error(f"{inst.cmd.upper()}: a here-document cannot be the destination")
        body, j = _heredoc_body(inst, lines, j + 1, marker.group(1) == "-", marker.group(3))
        docs.append((marker.group(3), "\n".join(body) + "\n", not marker.group(2)))
        args.append("<<" + marker.group(3))
    if not docs:
        raise inst.error(f"{inst.cmd.upper()}: a here-document must be a source word of its own")
    return replace(inst, args=tuple(args), heredocs=tuple(docs), end_line=j + 1), j
