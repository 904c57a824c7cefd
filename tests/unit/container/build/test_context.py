"""The build context: .dockerignore, sources and their checksum, and the refusal of any
source that would leave the context."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vmforms.container.build.context import (
    ContextError,
    Ignore,
    checksum,
    find_sources,
    open_context,
)


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "sub" / "f.log").write_text("log")
    (tmp_path / "dir" / "keep.log").write_text("keep")
    (tmp_path / "inner").symlink_to("dir/sub")
    (tmp_path / "out").symlink_to("/etc")
    (tmp_path / "climb").symlink_to("../..")
    fd = open_context(tmp_path)
    try:
        yield tmp_path, fd
    finally:
        os.close(fd)


def test_dockerignore_patterns_as_docker() -> None:
    ign = Ignore("# comment\n*.txt\n!b.txt\ndir/**/*.log\n!dir/keep.log\n/./build/\n[x-z]?\n")
    assert ign.excluded("a.txt") and not ign.excluded("b.txt")
    assert ign.excluded("dir/sub/f.log") and ign.excluded("dir/keep2.log")
    assert not ign.excluded("dir/keep.log")
    assert ign.excluded("build") and ign.excluded("build/deep/file")  # a parent matches
    assert ign.excluded("xa") and not ign.excluded("xab") and not ign.excluded("ax")
    assert not ign.excluded("sub/a.txt")  # `*` stays within one component


def test_sources_and_wildcards(ctx: tuple[Path, int]) -> None:
    _, fd = ctx
    found = find_sources(fd, ["*.txt", "dir"], Ignore("b.txt"))
    assert [(s.rel, s.is_dir) for s in found] == [("a.txt", False), ("dir", True)]
    inner = find_sources(fd, ["inner/f.log"], None)  # a link that stays inside
    assert inner[0].rel == "inner/f.log"
    with pytest.raises(ContextError, match="file not found in build context"):
        find_sources(fd, ["missing*"], None)


@pytest.mark.parametrize("source", ["../x", "dir/../../x", "out/passwd", "out", "climb/etc"])
def test_sources_outside_the_context_are_refused(ctx: tuple[Path, int], source: str) -> None:
    _, fd = ctx
    with pytest.raises(ContextError, match="forbidden path outside the build context"):
        find_sources(fd, [source], None)


def test_checksum_follows_content_and_mode(ctx: tuple[Path, int]) -> None:
    root, fd = ctx
    sources = find_sources(fd, ["dir", "a.txt"], None)
    first = checksum(fd, sources, None)
    assert checksum(fd, sources, None) == first
    (root / "dir" / "sub" / "f.log").write_text("LOG")
    second = checksum(fd, sources, None)
    assert second != first
    os.chmod(root / "a.txt", 0o600)
    assert checksum(fd, sources, None) != second
    # an ignored file changes nothing
    third = checksum(fd, sources, Ignore("dir/sub"))
    (root / "dir" / "sub" / "f.log").write_text("other")
    assert checksum(fd, sources, Ignore("dir/sub")) == third


def test_a_missing_context_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(ContextError, match="not found"):
        open_context(tmp_path / "nope")
