"""The host's module graph (runtime/modules.py) and the launcher's module options
(runtime/modoptions.py): the boot layer's modules, resolution failures, and the parsing
and ordering of --add-opens/--add-exports."""

from __future__ import annotations

import pytest

from vmforms.jvm.runtime.jimage import ImageReader
from vmforms.jvm.runtime.modoptions import (
    BootLayerError,
    _java_hash,
    decode,
    graph_for,
    hashmap_order,
)
from vmforms.jvm.runtime.modules import ModuleGraph


def test_boot_layer_of_a_class_path_application(image: ImageReader) -> None:
    layer = ModuleGraph(image).layer()
    # Roots export an API; jdk.charsets and jdk.localedata export nothing and come in by
    # service binding; incubator modules are not resolved by default.
    assert {"java.base", "java.sql", "jdk.charsets", "jdk.localedata", "jdk.zipfs"} <= layer
    assert "jdk.incubator.vector" not in layer
    incubator = ModuleGraph(image, add_modules=["jdk.incubator.vector"])
    assert "jdk.incubator.vector" in incubator.layer()


def test_declarations_answer_exports_and_opens(image: ImageReader) -> None:
    g = ModuleGraph(image)
    base = g.info("java.base")
    assert base is not None and not base.is_open
    assert base.allows("java.lang", None, False)
    assert not base.allows("java.lang", None, True)
    assert not base.allows("jdk.internal.misc", None, False)
    assert base.allows("jdk.internal.misc", "jdk.unsupported", False)
    assert "sun.nio.ch" in base.packages and base.version


def test_missing_modules_end_start_up(image: ImageReader) -> None:
    with pytest.raises(BootLayerError, match="FindException: Module nomod not found$"):
        graph_for(image, {"--add-modules": ["java.sql,nomod"]}, None)
    with pytest.raises(BootLayerError, match="Module nomod not found"):
        graph_for(image, {}, "nomod/x.Main")


def test_add_opens_values_are_parsed_as_the_launcher_does() -> None:
    assert decode("--add-opens", ["java.base/java.lang=ALL-UNNAMED,java.sql,"]) == [
        ("java.base", "java.lang", ["ALL-UNNAMED", "java.sql"])]
    for bad, text in (("java.base", "<module>=<value>: java.base"),
                      ("java.base/java.lang=", "<module>=<value>: java.base/java.lang="),
                      ("java.base/=x", "<module>/<package>: java.base/"),
                      ("a/b/c=x", "<module>/<package>: a/b/c")):
        with pytest.raises(BootLayerError, match=f"Unable to parse --add-opens {text}$"):
            decode("--add-opens", [bad])
    with pytest.raises(BootLayerError, match="Target must be specified: --add-opens a/b=,"):
        decode("--add-opens", ["a/b=,"])


def test_hashmap_order_is_javas() -> None:
    assert _java_hash("hello") == 99162322 and _java_hash("") == 0
    assert _java_hash("\u00e9t\u00e9") == 233 * 31 * 31 + ord("t") * 31 + 233
    # "Aa" and "BB" collide in Java; a colliding pair keeps insertion order.
    assert hashmap_order(["BB", "Aa"]) == ["BB", "Aa"]
    assert hashmap_order(["b", "a", "c"]) == ["a", "b", "c"]  # buckets 2, 1, 3
