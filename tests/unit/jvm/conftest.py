"""Fixtures of the JVM unit tests: the Java corpus compiled once per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from jvm_testlib import CORPUS, javac  # noqa: E402

from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home  # noqa: E402


@pytest.fixture(scope="session")
def corpus_classes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Class files of tests/data/java/corpus, keyed by internal name (corpus/Switches)."""
    out = tmp_path_factory.mktemp("corpus")
    files = javac(out, sorted(CORPUS.glob("*.java")))
    return {str(p.relative_to(out).with_suffix("")): p for p in files}


@pytest.fixture(scope="session")
def image() -> ImageReader:
    """The JDK's lib/modules."""
    home = default_jdk_home()
    if home is None:
        pytest.skip("no JDK found through JAVA_HOME or PATH (make setup installs one)")
    return ImageReader(str(Path(home) / "lib" / "modules"))
