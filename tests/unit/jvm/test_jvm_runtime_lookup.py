"""Finding class bytes: the jimage reader over the JDK's lib/modules, jars and directories."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.errors import ClassNotFoundError, JimageError
from vmforms.jvm.javap import load_class_bytes
from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.jimage import ImageReader, image_hash


def test_hash_is_the_jdk_one() -> None:
    # ImageStringsReader.hashCode("", seed) is the seed; each byte multiplies, then xors.
    assert image_hash(b"") == 0x01000193
    assert image_hash(b"a") == ((0x01000193 * 0x01000193) ^ 0x61) & 0x7FFFFFFF


def test_find_and_read_a_class(image: ImageReader) -> None:
    loc = image.find("/java.base/java/lang/String.class")
    assert loc is not None
    assert (loc.module, loc.parent, loc.base, loc.extension) == (
        "java.base", "java/lang", "String", "class")
    cf = parse_class(image.read(loc), "String.class")
    assert cf.name == "java/lang/String"
    assert image.find("/java.base/java/lang/NoSuchClass.class") is None
    assert image.find_class("java/util/Map$Entry") is not None
    assert image.find_class("javax/swing/JButton") is None or "java.desktop" in \
        image.module_of_package("javax.swing")
    assert "java.base" in image.module_of_package("java.lang")


def test_list_module_classes(image: ImageReader) -> None:
    names = image.class_names("java.base")
    assert len(names) > 6000
    assert "java/lang/Object" in names and "module-info" not in names
    assert names == sorted(names)


def test_not_a_jimage(tmp_path: Path) -> None:
    bad = tmp_path / "modules"
    bad.write_bytes(struct.pack("<7I", 0x12345678, 0, 0, 0, 0, 0, 0))
    with pytest.raises(JimageError, match="bad jimage magic"):
        ImageReader(str(bad))
    with pytest.raises(JimageError, match="cannot open"):
        ImageReader(str(tmp_path / "missing"))


def test_class_path_dirs_and_jars(tmp_path: Path, corpus_classes: dict[str, Path]) -> None:
    switches = corpus_classes["corpus/Switches"].read_bytes()
    enums = corpus_classes["corpus/Enums"].read_bytes()
    jar = tmp_path / "lib.jar"
    with zipfile.ZipFile(jar, "w") as z:
        z.writestr("corpus/Enums.class", enums)
    d = tmp_path / "classes" / "corpus"
    d.mkdir(parents=True)
    (d / "Switches.class").write_bytes(switches)
    cp = ClassPath.from_string(f"{tmp_path / 'missing'}:{tmp_path / 'classes'}:{jar}")
    try:
        assert cp.find_user("corpus/Switches") == (switches, str(d / "Switches.class"))
        found = cp.find_user("corpus/Enums")
        assert found is not None and found[0] == enums and found[1].endswith("!/corpus/Enums.class")
        assert cp.find_user("corpus/Nope") is None
        assert load_class_bytes("corpus.Switches", cp)[0] == switches
        with pytest.raises(ClassNotFoundError, match="class not found: corpus.Nope"):
            load_class_bytes("corpus.Nope", cp)
    finally:
        cp.close()


def test_nested_class_by_dotted_name(image: ImageReader) -> None:
    cp = ClassPath.from_string("/nonexistent")
    try:
        data, _ = load_class_bytes("java.util.Map.Entry", cp)
        assert parse_class(data).name == "java/util/Map$Entry"
    finally:
        cp.close()
