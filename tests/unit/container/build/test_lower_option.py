"""overlayfs's lowerdir= for an image's layers: top-first, a repeated layer once (at its
topmost place), as a built image with two no-change steps needs."""

from __future__ import annotations

from vmforms.container.rootfs import lower_option


def test_lower_option_top_first_and_each_layer_once() -> None:
    assert lower_option(["/l/a", "/l/b", "/l/c"]) == "/l/c:/l/b:/l/a"
    assert lower_option(["/l/a", "/l/e", "/l/b", "/l/e"]) == "/l/e:/l/b:/l/a"
    assert lower_option(["/l/e", "/l/e"]) == "/l/e"
