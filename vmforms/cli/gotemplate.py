"""The part of Go's text/template that `docker ... --format` uses, over JSON-like Python
values: `{{.Field.Sub}}`, `{{.}}`, `{{json .}}`, `{{index .Labels "k"}}`, `{{range}}`,
`{{if}}`/`{{else}}`, `{{with}}`, pipelines (`{{.Names | upper}}`), `{{- trim -}}`, and
Docker's functions (json, join, split, lower, upper, title, truncate, pad, println,
printf, len). `table` formats are Docker's: a header row, then columns aligned by
text/tabwriter's rules (min width 10, padding 3)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from vmforms.container.errors import InvalidOption

_ACTION = re.compile(r"{{(-\s)?(.*?)(\s-)?}}", re.DOTALL)
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||\(|\)|[^\s|()]+)')


class TemplateError(InvalidOption):
    pass


def _text(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + " ".join(_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_text(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _json(value: Any) -> str:
    out = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _printf(fmt: str, *args: Any) -> str:
    go = re.sub(r"%v", "%s", fmt)
    try:
        return go % tuple(_text(a) if isinstance(a, list | dict | bool | type(None)) else a
                          for a in args)
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"template: printf {fmt!r}: {exc}") from None


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, list | tuple) and isinstance(key, int):
            if not 0 <= key < len(value):
                raise TemplateError(f"template: index out of range: {key}")
            value = value[key]
        else:
            raise TemplateError(f"template: can't index item of type {type(value).__name__}")
    return value


FUNCS: dict[str, Callable[..., Any]] = {
    "json": _json,
    "join": lambda items, sep: sep.join(_text(i) for i in items or []),
    "split": lambda text, sep: text.split(sep),
    "lower": lambda text: _text(text).lower(),
    "upper": lambda text: _text(text).upper(),
    "title": lambda text: _text(text).title(),
    "truncate": lambda text, n: _text(text)[:n],
    "pad": lambda text, left, right: " " * left + _text(text) + " " * right,
    "println": lambda *args: " ".join(_text(a) for a in args) + "\n",
    "print": lambda *args: "".join(_text(a) for a in args),
    "printf": _printf,
    "len": lambda value: len(value) if value is not None else 0,
    "index": _index,
}


class Template:
    def __init__(self, text: str, *, strict: bool = True) -> None:
        """`strict`: a missing field is an error (Docker's structs), else `<no value>`
        (a map, as `inspect` gives the template)."""
        self.source = text
        self.strict = strict
        self.nodes, rest = self._parse(self._lex(text), 0, ())
        if rest is not None:
            raise TemplateError(f"template: unexpected {{{{{rest[0]}}}}}")

    @staticmethod
    def _lex(text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        pos = 0
        for m in _ACTION.finditer(text):
            literal = text[pos:m.start()]
            if m.group(1):
                literal = literal.rstrip()
            if out and out[-1][0] == "trim":
                out.pop()
                literal = literal.lstrip()
            out.append(("text", literal))
            out.append(("action", m.group(2).strip()))
            if m.group(3):
                out.append(("trim", ""))
            pos = m.end()
        literal = text[pos:]
        if out and out[-1][0] == "trim":
            out.pop()
            literal = literal.lstrip()
        out.append(("text", literal))
        return out

    def _parse(self, items: list[tuple[str, str]], i: int, until: tuple[str, ...]
               ) -> tuple[list[Any], tuple[str, int] | None]:
        nodes: list[Any] = []
        while i < len(items):
            kind, body = items[i]
            i += 1
            if kind == "text":
                if body:
                    nodes.append(("text", body))
                continue
            word = body.split(None, 1)[0] if body else ""
            if word in ("end", "else"):
                if word not in until and "end" not in until:
                    raise TemplateError(f"template: unexpected {{{{{word}}}}}")
                return nodes, (word, i)
            if body.startswith("/*"):
                continue
            if word in ("if", "range", "with"):
                pipe = self._pipeline(body[len(word):])
                body_nodes, stop = self._parse(items, i, ("end", "else"))
                if stop is None:
                    raise TemplateError(f"template: unexpected EOF in {word}")
                i = stop[1]
                else_nodes: list[Any] = []
                if stop[0] == "else":
                    else_nodes, stop = self._parse(items, i, ("end",))
                    if stop is None:
                        raise TemplateError(f"template: unexpected EOF in {word}")
                    i = stop[1]
                nodes.append((word, pipe, body_nodes, else_nodes))
                continue
            nodes.append(("action", self._pipeline(body)))
        return nodes, None

    def _pipeline(self, text: str) -> list[list[Any]]:
        tokens = _TOKEN.findall(text)
        if ":=" in tokens:  # `range $v := .X`: the variable is not kept; `.` is the item
            tokens = tokens[tokens.index(":=") + 1:]
        if not tokens:
            raise TemplateError("template: missing value for command")
        commands: list[list[Any]] = [[]]
        for tok in tokens:
            if tok == "|":
                commands.append([])
            elif tok in ("(", ")"):
                raise TemplateError("template: parenthesized pipelines are not supported")
            else:
                commands[-1].append(self._operand(tok))
        if any(not c for c in commands):
            raise TemplateError("template: missing command in pipeline")
        return commands

    @staticmethod
    def _operand(tok: str) -> Any:
        if tok.startswith('"'):
            return ("lit", json.loads(tok))
        if tok.startswith("`"):
            return ("lit", tok[1:-1])
        if re.fullmatch(r"-?\d+", tok):
            return ("lit", int(tok))
        if tok in ("true", "false"):
            return ("lit", tok == "true")
        if tok == "." or tok.startswith(".") or tok.startswith("$"):
            return ("field", tok)
        if tok in FUNCS:
            return ("func", tok)
        raise TemplateError(f'template: function "{tok}" not defined')

    # -- execution -------------------------------------------------------------------------
    def execute(self, data: Any) -> str:
        out: list[str] = []
        self._run(self.nodes, data, data, out)
        return "".join(out)

    def _run(self, nodes: list[Any], dot: Any, root: Any, out: list[str]) -> None:
        for node in nodes:
            kind = node[0]
            if kind == "text":
                out.append(node[1])
            elif kind == "action":
                out.append(_text(self._eval(node[1], dot, root)))
            elif kind == "if":
                chosen = node[2] if _truth(self._eval(node[1], dot, root)) else node[3]
                self._run(chosen, dot, root, out)
            elif kind == "with":
                value = self._eval(node[1], dot, root)
                if _truth(value):
                    self._run(node[2], value, root, out)
                else:
                    self._run(node[3], dot, root, out)
            elif kind == "range":
                value = self._eval(node[1], dot, root)
                items = ([value[k] for k in sorted(value)] if isinstance(value, Mapping)
                         else list(value or []))
                for item in items:
                    self._run(node[2], item, root, out)
                if not items:
                    self._run(node[3], dot, root, out)

    def _eval(self, pipe: list[list[Any]], dot: Any, root: Any) -> Any:
        value: Any = None
        for n, command in enumerate(pipe):
            head, args = command[0], [self._arg(a, dot, root) for a in command[1:]]
            if n:
                args.append(value)
            if head[0] == "func":
                try:
                    value = FUNCS[head[1]](*args)
                except TypeError as exc:
                    raise TemplateError(f"template: {head[1]}: wrong arguments: {exc}") from None
            elif args:
                raise TemplateError(f"template: can't give argument to non-function {head[1]}")
            else:
                value = self._arg(head, dot, root)
        return value

    def _arg(self, operand: Any, dot: Any, root: Any) -> Any:
        kind, value = operand
        if kind == "lit":
            return value
        if kind == "func":
            return FUNCS[value]()
        base = root if value.startswith("$") else dot
        path = value.lstrip("$")
        for part in (p for p in path.split(".") if p):
            if isinstance(base, Mapping):
                if part not in base:
                    if not self.strict:
                        return None
                    raise TemplateError(f'template: executing "" at <{value}>: can\'t evaluate '
                                        f"field {part}")
                base = base[part]
            else:
                raise TemplateError(f'template: executing "" at <{value}>: can\'t evaluate '
                                    f"field {part} in type {type(base).__name__}")
        return base


def _truth(value: Any) -> bool:
    return bool(value) and value != 0


def render(fmt: str, rows: list[dict[str, Any]], headers: Mapping[str, str]) -> str:
    """Docker's formatter: `table ...` (a header row, aligned columns) or one line per
    row; `\\t` and `\\n` written in the format are a tab and a newline."""
    is_table = fmt.startswith("table")
    body = fmt[len("table"):] if is_table else fmt
    body = body.strip(" ").replace("\\t", "\t").replace("\\n", "\n")
    if is_table and not body:
        return ""
    template = Template(body)
    lines = [template.execute(r) for r in rows]
    if not is_table:
        return "".join(line + "\n" for line in lines)
    header = Template(body).execute({k: headers.get(k, k.upper()) for k in
                                     (rows[0] if rows else headers)})
    return tabwrite([header, *lines])


def tabwrite(lines: list[str], minwidth: int = 10, padding: int = 3) -> str:
    """Go's text/tabwriter with Docker's settings: a tab ends a cell; each column is as
    wide as its widest cell (at least `minwidth`) plus `padding`."""
    table = [line.split("\t") for line in lines]
    width: dict[int, int] = {}
    for cells in table:
        for i, cell in enumerate(cells[:-1]):
            width[i] = max(width.get(i, 0), len(cell) + padding, minwidth)
    out = []
    for cells in table:
        out.append("".join(cell.ljust(width[i]) for i, cell in enumerate(cells[:-1]))
                   + cells[-1])
    return "".join(line.rstrip(" ") + "\n" if line.strip() else line + "\n" for line in out)
