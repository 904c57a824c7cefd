"""Image references parsed the way Docker parses them."""

from __future__ import annotations

import pytest

from vmforms.container.errors import InvalidOption
from vmforms.container.image.reference import (
    Reference,
    looks_like_id,
    normalize_tag,
    parse_reference,
)

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("busybox", Reference("busybox", "latest")),
        ("busybox:1.36", Reference("busybox", "1.36")),
        ("library/busybox:x", Reference("library/busybox", "x")),
        ("docker.io/library/busybox", Reference("busybox", "latest")),
        ("docker.io/team/app:2", Reference("team/app", "2")),
        ("localhost:5000/app", Reference("localhost:5000/app", "latest")),
        ("localhost:5000/a/b:v_1.2-rc", Reference("localhost:5000/a/b", "v_1.2-rc")),
        (f"busybox@{DIGEST}", Reference("busybox", None, DIGEST)),
        (f"busybox:1@{DIGEST}", Reference("busybox", "1", DIGEST)),
        ("a__b.c-d", Reference("a__b.c-d", "latest")),
    ],
)
def test_parse(text: str, expected: Reference) -> None:
    assert parse_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "Busybox", "busybox:", "busybox:-x", "busy box", "/abs", "a//b", "a@sha256:zz",
     "busybox@sha256:" + "ab" * 31, "-lead", "trail-", "a:b:c", "x:" + "t" * 129],
)
def test_invalid(text: str) -> None:
    with pytest.raises(InvalidOption, match="invalid reference format"):
        parse_reference(text)


def test_uppercase_names_say_so() -> None:
    with pytest.raises(InvalidOption, match="must be lowercase"):
        parse_reference("BusyBox:latest")


def test_str_and_tags() -> None:
    assert str(parse_reference("busybox")) == "busybox:latest"
    assert str(parse_reference(f"app@{DIGEST}")) == f"app@{DIGEST}"
    assert normalize_tag("docker.io/library/alpine:3") == "alpine:3"
    with pytest.raises(InvalidOption, match="digest"):
        normalize_tag(f"app@{DIGEST}")


def test_looks_like_id() -> None:
    assert looks_like_id("8840f894e1cd") and looks_like_id("sha256:8840")
    assert looks_like_id("a" * 64) and not looks_like_id("a" * 65)
    assert not looks_like_id("busybox") and not looks_like_id("sha256:") and not looks_like_id("")
