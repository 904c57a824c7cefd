"""Go template formatting as `docker --format` applies it."""

from __future__ import annotations

import pytest

from vmforms.cli.gotemplate import Template, TemplateError, render, tabwrite

DATA = {"ID": "abc", "Names": "web", "Labels": {"a": "1", "b": "<2>"}, "Ports": [80, 443],
        "State": {"Status": "running", "Running": True}, "Empty": ""}


@pytest.mark.parametrize("fmt, want", [
    ("{{.ID}}", "abc"),
    ("{{.State.Status}} {{.State.Running}}", "running true"),
    ("{{json .Labels}}", '{"a":"1","b":"\\u003c2\\u003e"}'),
    ("{{index .Labels \"a\"}}", "1"),
    ("{{range .Ports}}[{{.}}]{{end}}", "[80][443]"),
    ("{{range $k := .Empty}}x{{else}}none{{end}}", "none"),
    ("{{if .Empty}}yes{{else}}no{{end}}", "no"),
    ("{{with .State}}{{.Status}}{{end}}", "running"),
    ("{{.Names | upper}}", "WEB"),
    ("{{join .Ports \",\"}}", "80,443"),
    ("{{printf \"%s-%d\" .ID 7}}", "abc-7"),
    ("a  {{- .ID -}}  b", "aabcb"),
    ("{{len .Ports}} {{.Labels}}", "2 map[a:1 b:<2>]"),
    ("{{/* a comment */}}x", "x"),
])
def test_actions(fmt: str, want: str) -> None:
    assert Template(fmt).execute(DATA) == want


@pytest.mark.parametrize("fmt, message", [
    ("{{.Nope}}", "can't evaluate field Nope"),
    ("{{nosuch .ID}}", 'function "nosuch" not defined'),
    ("{{if .ID}}x", "unexpected EOF"),
    ("{{end}}", "unexpected"),
])
def test_errors(fmt: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        Template(fmt).execute(DATA)


def test_table_and_plain_rows() -> None:
    rows = [{"ID": "abc", "Names": "web"}, {"ID": "defghijklmnop", "Names": "db"}]
    headers = {"ID": "CONTAINER ID", "Names": "NAMES"}
    assert render("table {{.ID}}\\t{{.Names}}", rows, headers) == (
        "CONTAINER ID    NAMES\n"
        "abc             web\n"
        "defghijklmnop   db\n")
    assert render("{{.ID}}:{{.Names}}", rows, headers) == "abc:web\ndefghijklmnop:db\n"
    assert tabwrite(["a\tb", "ccc\td"]) == "a         b\nccc       d\n"


def test_maps_answer_no_value_when_not_strict() -> None:
    assert Template("{{.State.Nope}}", strict=False).execute(DATA) == "<no value>"
