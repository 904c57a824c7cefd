"""The status line of long waits: drawn only on a terminal, fed by a build's output or a
download's bytes, erased at the end."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from vmforms.hypervisor.boot.assets import AssetError, download, run_build
from vmforms.hypervisor.progress import Status, format_bytes, format_elapsed


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_nothing_is_written_when_not_a_terminal() -> None:
    stream = io.StringIO()
    with Status("setup: building", stream) as status:
        status.show("CC init/main.o", force=True)
    assert stream.getvalue() == ""


def test_on_a_terminal_one_line_is_rewritten_then_erased() -> None:
    stream = Tty()
    with Status("setup: building", stream) as status:
        status.show("CC init/main.o", force=True)
        status.show("CC kernel/fork.o")  # within the refresh interval: not drawn
        status.show("LD vmlinux\x1b[31m", force=True)
    out = stream.getvalue()
    assert out.startswith("\rsetup: building: CC init/main.o (0s)\x1b[K")
    assert "kernel/fork.o" not in out
    assert "\rsetup: building: LD vmlinux[31m (0s)\x1b[K" in out  # no raw escapes from input
    assert out.endswith("\r\x1b[K")


def test_formats() -> None:
    assert (format_elapsed(59.9), format_elapsed(61), format_elapsed(3600)) == ("59s", "1m01s",
                                                                                 "60m00s")
    assert (format_bytes(10), format_bytes(1536), format_bytes(5 << 20)) == ("10 B", "1.5 KiB",
                                                                             "5.0 MiB")


def test_a_build_shows_its_lines_and_a_failure_keeps_the_last_ones(tmp_path: Path) -> None:
    stream = Tty()
    status = Status("build", stream, enabled=True)
    run_build(["sh", "-c", "echo '  CC      init/main.o'"], tmp_path, status)
    assert "build: CC init/main.o" in stream.getvalue()
    with pytest.raises(AssetError, match=r"failed \(3\): one \| two"):
        run_build(["sh", "-c", "echo one; echo two >&2; exit 3"], tmp_path, status)


def test_a_download_shows_its_bytes(tmp_path: Path) -> None:
    stream = Tty()
    status = Status("downloading", stream, enabled=True)
    script = "head -c 3000 /dev/zero > pkg.deb; sleep 0.5; head -c 3000 /dev/zero >> pkg.deb"
    download(["sh", "-c", script], tmp_path, 6000, status)
    assert "of 5.9 KiB" in stream.getvalue()
    assert (tmp_path / "pkg.deb").stat().st_size == 6000
    with pytest.raises(AssetError, match="failed"):
        download(["sh", "-c", "echo no network >&2; exit 100"], tmp_path, 0, status)
