"""A jar's manifest Class-Path: its jars and directories are searched right after it."""

from __future__ import annotations

import zipfile
from pathlib import Path

from vmforms.jvm.runtime.classpath import ClassPath, manifest_class_path


def _jar(path: Path, manifest: str | None, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        if manifest is not None:
            z.writestr("META-INF/MANIFEST.MF", manifest)
        for name, data in files.items():
            z.writestr(name, data)


def test_class_path_jars_are_searched_after_their_jar(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "classes" / "p").mkdir(parents=True)
    (tmp_path / "classes" / "p" / "C.class").write_bytes(b"from dir")
    _jar(tmp_path / "lib" / "dep one.jar", None, {"p/B.class": b"from dep"})
    _jar(tmp_path / "other.jar", None, {"p/B.class": b"from other"})
    abs_jar = tmp_path / "abs.jar"
    _jar(abs_jar, None, {"p/D.class": b"from abs"})
    _jar(tmp_path / "app.jar",
         "Manifest-Version: 1.0\r\nClass-Path: lib/dep%20one.jar classes/ http://x/y.jar \r\n"
         f" file:{abs_jar} app.jar\r\n\r\nName: p/\r\nClass-Path: ignored.jar\r\n",
         {"p/A.class": b"from app"})
    cp = ClassPath([str(tmp_path / "app.jar"), str(tmp_path / "other.jar")])
    try:
        assert cp.find_user("p/A") is not None
        found = cp.find_user("p/B")
        assert found is not None and found[0] == b"from dep"
        found = cp.find_user("p/C")
        assert found is not None and found[0] == b"from dir"
        found = cp.find_user("p/D")
        assert found is not None and found[0] == b"from abs"
        assert len(cp.search_path()) == 5  # app, dep one, classes, abs, other; no loop
    finally:
        cp.close()


def test_manifest_without_class_path_or_oversized(tmp_path: Path) -> None:
    _jar(tmp_path / "a.jar", "Manifest-Version: 1.0\n", {})
    _jar(tmp_path / "b.jar", "Class-Path: " + "x.jar " * 400000, {})
    for name in ("a.jar", "b.jar"):
        with zipfile.ZipFile(tmp_path / name) as z:
            assert manifest_class_path(z) == []
