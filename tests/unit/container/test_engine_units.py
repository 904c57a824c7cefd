"""The engine's pure parts: volumes, users from the image's files, logs, tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from vmforms.cli.container import human_duration, human_size, table
from vmforms.container.errors import ContainerError, InvalidOption
from vmforms.container.logs import LogWriter, read_entries
from vmforms.container.runconfig import parse_volume as _parse_volume
from vmforms.container.runconfig import resolve_user as _resolve_user


def test_volume_parsing(tmp_path: Path) -> None:
    m = _parse_volume(f"{tmp_path}:/data:ro")
    assert (m.destination, m.source, m.options) == ("/data", str(tmp_path),
                                                     ("rbind", "rprivate", "ro"))
    for bad in ("nocolon", f"{tmp_path}:rel", f"{tmp_path}:/x:rx", "named:/x",
                "/no/such/path:/x", f"{tmp_path}:/"):
        with pytest.raises(InvalidOption):
            _parse_volume(bad)


def test_users_from_image_files(tmp_path: Path) -> None:
    lower, upper = tmp_path / "l1", tmp_path / "l2"
    (lower / "etc").mkdir(parents=True)
    (upper / "etc").mkdir(parents=True)
    (lower / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (upper / "etc/passwd").write_text("root:x:0:0:root:/root:/bin/sh\n"
                                      "app:x:1000:1000:app:/home/app:/bin/sh\n")
    (upper / "etc/group").write_text("root:x:0:\napp:x:1000:\nwheel:x:10:app\n")
    layers = [lower, upper]
    assert _resolve_user("0", layers) == (0, 0, [], "/root")
    assert _resolve_user("app", layers) == (1000, 1000, [10], "/home/app")
    assert _resolve_user("1000:wheel", layers) == (1000, 10, [], "/home/app")
    assert _resolve_user("4242", layers) == (4242, 0, [], "/")
    with pytest.raises(ContainerError, match="unable to find user ghost"):
        _resolve_user("ghost", layers)
    with pytest.raises(ContainerError, match="unable to find group nogroup"):
        _resolve_user("app:nogroup", layers)


def test_log_round_trip(tmp_path: Path) -> None:
    log = LogWriter(tmp_path / "ctr.log")
    log.write("stdout", b"one\ntw")
    log.write("stderr", b"err\n")
    log.write("stdout", b"o\nthree")
    log.close()
    assert list(read_entries(tmp_path / "ctr.log")) == [
        ("stdout", "one\n"), ("stderr", "err\n"), ("stdout", "two\n"), ("stdout", "three")]


def test_go_units_formats() -> None:
    assert human_duration(0.2) == "Less than a second"
    assert human_duration(1) == "1 second"
    assert human_duration(59) == "59 seconds"
    assert human_duration(61) == "About a minute"
    assert human_duration(3 * 3600) == "3 hours"
    assert human_size(2_130_000) == "2.13MB"
    assert human_size(999) == "999B"


def test_table_layout() -> None:
    out = table([["CONTAINER ID", "NAMES"], ["abc", "x"]])
    assert out == "CONTAINER ID   NAMES\nabc            x\n"
