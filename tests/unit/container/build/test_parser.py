"""The Dockerfile parser and variable substitution, as BuildKit's frontend reads them."""

from __future__ import annotations

import pytest

from vmforms.container.build.modes import parse_chmod
from vmforms.container.build.parser import (
    DockerfileError,
    expand,
    expand_raw,
    name_values,
    parse,
)
from vmforms.container.errors import ContainerError


def test_instructions_with_lines_continuations_and_comments() -> None:
    df = parse(
        "# syntax=docker/dockerfile:1\n"
        "FROM busybox AS base\n"
        "\n"
        "# a comment\n"
        "RUN echo one \\\n"
        "    # a comment inside is dropped\n"
        "\n"
        "    && echo two\n"
        "copy --chown=1:2 --chmod=0755 a b /dst/\n"
        'CMD ["sh", "-c", "echo hi"]\n'
        "ENTRYPOINT not json [\n"
    )
    assert df.directives == {"syntax": "docker/dockerfile:1"}
    cmds = [(i.cmd, i.line, i.end_line) for i in df.instructions]
    assert cmds == [("from", 2, 2), ("run", 5, 8), ("copy", 9, 9), ("cmd", 10, 10),
                    ("entrypoint", 11, 11)]
    run = df.instructions[1]
    assert run.args == ("echo one     && echo two",) and not run.json
    copy = df.instructions[2]
    assert copy.flags == (("chown", "1:2"), ("chmod", "0755"))
    assert copy.args == ("a", "b", "/dst/") and copy.flag("chown") == "1:2"
    assert df.instructions[3].json and df.instructions[3].args == ("sh", "-c", "echo hi")
    assert df.instructions[4].args == ("not json [",) and not df.instructions[4].json
    assert df.instructions[0].args == ("busybox", "AS", "base")


def test_escape_directive_changes_the_continuation() -> None:
    df = parse("# escape=`\nFROM scratch\nRUN a `\n  b\nCOPY c:\\x d\n")
    assert df.escape == "`"
    assert df.instructions[1].args == ("a   b",)
    # a directive after the first instruction is only a comment
    df = parse("FROM scratch\n# escape=`\nRUN a \\\n b\n")
    assert df.escape == "\\" and df.instructions[1].args == ("a  b",)


@pytest.mark.parametrize("text, message", [
    ("FROM a\nFOO bar\n", "line 2: unknown instruction: FOO"),
    ("", "no instructions"),
    ("# escape=x\nFROM a\n", "invalid escape token"),
    ("FROM a\nSHELL sh -c\n", "line 2: SHELL requires the arguments to be in JSON form"),
    ("FROM a\nENV\n", "line 2: ENV requires at least one argument"),
    ("# syntax=a\n# syntax=b\nFROM a\n", "only one syntax parser directive"),
])
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(DockerfileError, match=message):
        parse(text)


def test_env_and_label_pairs() -> None:
    df = parse('FROM a\nENV A=1 B="two words" C=x\\ y\nENV OLD legacy form here\n'
               "LABEL a.b=c 'd e'=f\n")
    env, old, label = df.instructions[1:]
    assert name_values(env) == [("A", "1"), ("B", '"two words"'), ("C", "x\\ y")]
    assert [(k, expand(v, {})) for k, v in name_values(env)] == [
        ("A", "1"), ("B", "two words"), ("C", "x y")]
    assert name_values(old) == [("OLD", "legacy form here")]
    assert [(expand(k, {}), v) for k, v in name_values(label)] == [("a.b", "c"), ("d e", "f")]


def test_substitution_as_buildkit() -> None:
    env = {"A": "x", "EMPTY": ""}
    cases = {
        "$A": "x", "${A}": "x", "pre${A}post": "prexpost", "$A$A": "xx", "$UNSET": "",
        "${UNSET:-dflt}": "dflt", "${EMPTY:-dflt}": "dflt", "${EMPTY-dflt}": "",
        "${A:+alt}": "alt", "${UNSET:+alt}": "", "${EMPTY+alt}": "alt",
        "'$A'": "$A", '"$A b"': "x b", "\\$A": "$A", '"\\$A"': "$A", "$": "$",
        "${UNSET:-${A}}": "x", "a\\ b": "a b",
    }
    for word, want in cases.items():
        assert expand(word, env) == want, word
    with pytest.raises(ContainerError, match="UNSET: must be set"):
        expand("${UNSET:?must be set}", env)
    with pytest.raises(ContainerError, match="matching single-quote"):
        expand("'open", env)
    with pytest.raises(ContainerError, match="missing '}'"):
        expand("${A:-x", env)


def test_oversized_dockerfile_is_refused() -> None:
    with pytest.raises(DockerfileError, match="larger than"):
        parse("#" * (5 << 20))


def test_progress_plain_and_live() -> None:
    import io

    from vmforms.container.build.progress import Progress

    plain = io.StringIO()
    p = Progress(plain)
    p.begin("[1/2] RUN echo hi")
    p.output(b"hi")
    p.done()
    p.begin("[2/2] COPY a /a")
    p.done(cached=True)
    lines = plain.getvalue().splitlines()
    assert lines[0] == "#1 [1/2] RUN echo hi" and lines[1].startswith("#1 0.0")
    assert lines[1].endswith(" hi") and lines[2].startswith("#1 DONE ")
    assert lines[-2:] == ["#2 CACHED", ""]
    live = io.StringIO()
    q = Progress(live, live=True)
    q.begin("[1/1] RUN false")
    q.output(b"failing")
    q.fail("exit code: 1")
    text = live.getvalue()
    assert "\r\033[K" in text and "#1 0.0" in text and " => ERROR [1/1] RUN false\n" in text
    quiet = io.StringIO()
    Progress(quiet, quiet=True).begin("x")
    assert quiet.getvalue() == ""


def test_run_here_documents() -> None:
    df = parse("FROM busybox\nRUN <<EOF\necho one\necho two\nEOF\n"
               "RUN cat > /f <<-END\n\tindented\n\tEND\nCMD x\n")
    bare, fed, cmd = df.instructions[1:]
    assert bare.args == ("echo one\necho two\n",) and (bare.line, bare.end_line) == (2, 5)
    assert fed.args == ("cat > /f <<-END\n\tindented\n\tEND\n",) and fed.end_line == 8
    assert cmd.cmd == "cmd" and cmd.line == 9
    with pytest.raises(DockerfileError, match="unterminated here-document"):
        parse("FROM a\nRUN <<EOF\necho\n")
    with pytest.raises(DockerfileError, match="line 2: COPY: a here-document cannot be"):
        parse("FROM a\nCOPY /x <<EOF\nhi\nEOF\n")
    assert parse('FROM a\nRUN ["sh", "-c", "a <<EOF"]\n').instructions[1].json


def test_copy_here_documents_and_raw_expansion() -> None:
    df = parse('FROM a\nCOPY --chmod=755 <<one <<"two" /dst/\n$A "q"\none\n\tb $A\ntwo\n'
               "RUN true\n")
    copy, run = df.instructions[1:]
    assert copy.args == ("<<one", "<<two", "/dst/") and copy.end_line == 6
    assert copy.heredocs == (("one", '$A "q"\n', True), ("two", "\tb $A\n", False))
    assert run.line == 7
    assert expand_raw('x=$A "${B:-d}" \\$A \'$A\'\n', {"A": "1"}) == 'x=1 "d" $A \'1\'\n'


@pytest.mark.parametrize("text, mode, is_dir, want", [
    ("755", 0o100600, False, 0o755),
    ("0644", 0o100777, False, 0o644),
    ("u+x", 0o100640, False, 0o740),
    ("u+x,g-r,o+r", 0o100640, False, 0o704),
    ("a=rX", 0o40700, True, 0o555),
    ("a=rX", 0o100600, False, 0o444),
    ("a=rX", 0o100700, False, 0o555),
    ("+x", 0o100644, False, 0o755),
    ("go-w", 0o100666, False, 0o644),
    ("u=rw,g=r,o=", 0o104777, False, 0o640),
    ("u+s,+t", 0o100755, False, 0o5755),
])
def test_chmod_octal_and_symbolic(text: str, mode: int, is_dir: bool, want: int) -> None:
    assert parse_chmod(text).apply(mode, is_dir) == want


@pytest.mark.parametrize("text", ["", "9", "77777", "u+q", "z+x", "u+x,", "rwx"])
def test_chmod_refused(text: str) -> None:
    with pytest.raises(ContainerError, match="invalid --chmod"):
        parse_chmod(text)


def test_add_url_file_names() -> None:
    from vmforms.container.build.sources import _url_name

    assert _url_name("http://h:1/a/b/file.tar.gz?x=1#f") == "file.tar.gz"
    assert _url_name("http://h/dir/") == "__unnamed__"
    assert _url_name("http://h") == "__unnamed__"
    assert _url_name("http://h/%2e%2e") == "__unnamed__"
    assert _url_name("http://h/a%2Fb") == "b"  # an encoded slash is no way out
    for bad in ("http://h/a%00b", "http://h/" + "x" * 256):
        with pytest.raises(ContainerError, match="not a file name"):
            _url_name(bad)
