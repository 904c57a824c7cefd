"""Finding class bytes by name: class-path directories and jars, then the JDK's modules.

Names are binary names in internal form (java/lang/String, p/Outer$Inner), as in JVMS 4.2.1.
Jar files are zip archives (java.util.jar); the JDK's classes come from its lib/modules.
"""

from __future__ import annotations

import os
import zipfile

from vmforms.jvm.errors import JvmError
from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home


class ClassPath:
    """An ordered list of directories and jars, with the JDK's system modules behind them."""

    def __init__(self, entries: list[str], jdk_home: str | None = None) -> None:
        self.entries = entries
        self._jdk_home = jdk_home
        self._jars: dict[str, zipfile.ZipFile | None] = {}
        self._image: ImageReader | None = None
        self._image_tried = False

    @classmethod
    def from_string(cls, path: str | None, jdk_home: str | None = None) -> ClassPath:
        """A class path as given to -cp; None means $CLASSPATH, else the current directory."""
        if path is None:
            path = os.environ.get("CLASSPATH") or "."
        return cls([p or "." for p in path.split(os.pathsep)], jdk_home)

    def image(self) -> ImageReader | None:
        if not self._image_tried:
            self._image_tried = True
            home = self._jdk_home or default_jdk_home()
            if home is not None:
                self._image = ImageReader(os.path.join(home, "lib", "modules"))
        return self._image

    def _jar(self, path: str) -> zipfile.ZipFile | None:
        if path not in self._jars:
            try:
                self._jars[path] = zipfile.ZipFile(path)
            except (OSError, zipfile.BadZipFile):
                self._jars[path] = None
        return self._jars[path]

    def find_user(self, internal_name: str) -> tuple[bytes, str] | None:
        """The bytes and a printable origin of a class from the class path entries."""
        rel = internal_name + ".class"
        for entry in self.entries:
            if os.path.isdir(entry):
                p = os.path.join(entry, *rel.split("/"))
                if os.path.isfile(p):
                    try:
                        with open(p, "rb") as f:
                            return f.read(), p
                    except OSError as exc:
                        raise JvmError(f"cannot read {p}: {exc.strerror}") from None
            elif os.path.isfile(entry):
                jar = self._jar(entry)
                if jar is not None:
                    try:
                        return jar.read(rel), f"{entry}!/{rel}"
                    except KeyError:
                        continue
                    except (OSError, zipfile.BadZipFile, RuntimeError) as exc:
                        raise JvmError(f"cannot read {rel} from {entry}: {exc}") from None
        return None

    def find_system(self, internal_name: str) -> tuple[bytes, str] | None:
        image = self.image()
        if image is None:
            return None
        data = image.find_class(internal_name)
        return None if data is None else (data, internal_name + ".class")

    def find(self, internal_name: str) -> tuple[bytes, str] | None:
        """System modules first, as the JDK's javap does, then the class path."""
        return self.find_system(internal_name) or self.find_user(internal_name)

    def close(self) -> None:
        for jar in self._jars.values():
            if jar is not None:
                jar.close()
        if self._image is not None:
            self._image.close()
