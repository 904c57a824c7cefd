"""Finding class bytes by name: class-path directories and jars, then the JDK's modules.

Names are binary names in internal form (java/lang/String, p/Outer$Inner), as in JVMS 4.2.1.
Jar files are zip archives (java.util.jar); a jar's manifest Class-Path names more jars
and directories, searched right after it as the JDK's URLClassPath searches them (the JAR
File Specification, "Class-Path Attribute"). The JDK's classes come from its lib/modules.
"""

from __future__ import annotations

import os
import urllib.parse
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
        self._search: list[str] | None = None

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

    def search_path(self) -> list[str]:
        """The entries with the Class-Path of each jar's manifest after that jar."""
        if self._search is None:
            out: list[str] = []
            seen: set[str] = set()
            for entry in self.entries:
                self._expand(entry, out, seen)
            self._search = out
        return self._search

    def _expand(self, entry: str, out: list[str], seen: set[str]) -> None:
        key = os.path.abspath(entry)
        if key in seen:
            return
        seen.add(key)
        out.append(entry)
        if os.path.isfile(entry):
            base = os.path.dirname(key)
            for ref in manifest_class_path(self._jar(entry)):
                path = _resolve(base, ref)
                if path is not None:
                    self._expand(path, out, seen)

    def find_user(self, internal_name: str) -> tuple[bytes, str] | None:
        """The bytes and a printable origin of a class from the class path entries."""
        rel = internal_name + ".class"
        for entry in self.search_path():
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

    @staticmethod
    def entry_of(origin: str, internal_name: str) -> str:
        """The class-path entry (a jar, or a directory ending in a separator) that
        find_user's `origin` of `internal_name` came from: its code source."""
        if "!/" in origin:
            return origin.split("!/", 1)[0]
        rel = os.path.join(*(internal_name + ".class").split("/"))
        return origin[:len(origin) - len(rel)] if origin.endswith(rel) else origin

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


MANIFEST_LIMIT = 1 << 20  # a manifest bigger than this is not read


def manifest_class_path(jar: zipfile.ZipFile | None) -> list[str]:
    """The space-separated relative URLs of a jar manifest's main Class-Path attribute."""
    if jar is None:
        return []
    try:
        info = jar.getinfo("META-INF/MANIFEST.MF")
        if info.file_size > MANIFEST_LIMIT:
            return []
        text = jar.read(info).decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
        return []
    joined: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            break  # the main section ends at the first blank line
        if line.startswith(" ") and joined:
            joined[-1] += line[1:]
        else:
            joined.append(line)
    for line in joined:
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() == "class-path":
            return value.split()
    return []


def _resolve(base: str, ref: str) -> str | None:
    """A Class-Path URL as a local path: relative to the jar's directory, or a file: URL;
    other schemes are not searched."""
    parsed = urllib.parse.urlsplit(ref)
    if parsed.scheme and parsed.scheme != "file":
        return None
    path = urllib.parse.unquote(parsed.path)
    if not path:
        return None
    return path if os.path.isabs(path) else os.path.normpath(os.path.join(base, path))
