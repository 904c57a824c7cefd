"""Finding the class javap is asked for, in the JDK 17 javap's order: a class name in the
system modules (or the one module of --module), then on the class path, with `.` read as
`$` from the right for nested classes; then a `.class` file; then a `file:`, `jar:file:` or
`jrt:` URL. Each find says where the bytes came from and when they were last modified,
for -v and -sysinfo.
"""

from __future__ import annotations

import os
import urllib.parse
import zipfile
from dataclasses import dataclass, field

from vmforms.jvm.errors import JvmError
from vmforms.jvm.javap_verbose import ClassOrigin
from vmforms.jvm.runtime.jimage import ImageReader, default_jdk_home

MAX_CLASS_BYTES = 1 << 30  # a class file is at most this big; larger entries are refused


def _read_file(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_CLASS_BYTES + 1)
    except OSError as exc:
        raise JvmError(f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_CLASS_BYTES:
        raise JvmError(f"cannot read {path}: larger than a class file can be")
    return data


def _file_uri_path(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    import time

    return time.mktime(info.date_time + (0, 0, -1))


@dataclass
class Finder:
    """The places javap looks in; open jars and the jimage are kept until close()."""

    class_path: list[str]
    jdk_home: str | None = None  # --system: the JDK whose modules --module reads
    module: str | None = None  # --module: look only in this module
    module_path: list[str] = field(default_factory=list)
    boot_class_path: list[str] | None = None  # -bootclasspath: instead of the JDK's classes
    multi_release: str | None = None  # --multi-release: which versions of a jar's entries
    _system_image: ImageReader | None = None
    _image: ImageReader | None = None
    _image_tried: bool = False
    _jars: dict[str, zipfile.ZipFile | None] = field(default_factory=dict)

    @classmethod
    def from_options(cls, class_path: str | None = None, boot_class_path: str | None = None,
                     module: str | None = None, module_path: str | None = None,
                     system: str | None = None, multi_release: str | None = None) -> Finder:
        if class_path is None:
            class_path = os.environ.get("CLASSPATH") or "."
        mp = [p for p in module_path.split(os.pathsep) if p] if module_path else []
        bcp = ([p or "." for p in boot_class_path.split(os.pathsep)]
               if boot_class_path is not None else None)
        return cls([p or "." for p in class_path.split(os.pathsep)], system, module, mp, bcp,
                   multi_release)

    def close(self) -> None:
        for jar in self._jars.values():
            if jar is not None:
                jar.close()
        self._jars.clear()
        for image in (self._image, self._system_image):
            if image is not None:
                image.close()
        self._image = self._system_image = None

    def image(self) -> ImageReader | None:
        """The running JDK's modules: javap's platform class path."""
        if not self._image_tried:
            self._image_tried = True
            home = default_jdk_home()
            if home is not None:
                path = os.path.join(home, "lib", "modules")
                if os.path.isfile(path):
                    self._image = ImageReader(path)
        return self._image

    def module_image(self) -> ImageReader | None:
        """The modules --module reads: those of --system when it is given."""
        if self.jdk_home is None:
            return self.image()
        if self.jdk_home == "none":
            return None
        if self._system_image is None:
            self._system_image = ImageReader(os.path.join(self.jdk_home, "lib", "modules"))
        return self._system_image

    def _jar(self, path: str) -> zipfile.ZipFile | None:
        if path not in self._jars:
            try:
                self._jars[path] = zipfile.ZipFile(path)
            except (OSError, zipfile.BadZipFile):
                self._jars[path] = None
        return self._jars[path]

    def _versions(self, jar: zipfile.ZipFile) -> list[int] | None:
        """The META-INF/versions/N directories to look in first, highest first (JAR File
        Specification, multi-release JAR files); None if the jar cannot be used at all."""
        if self.multi_release is None:
            return []
        try:
            info = jar.getinfo("META-INF/MANIFEST.MF")
            manifest = jar.read(info) if info.file_size < (1 << 20) else b""
        except (KeyError, OSError, zipfile.BadZipFile, RuntimeError, EOFError):
            return []
        multi = any(line.partition(b":")[0].strip().lower() == b"multi-release"
                    and line.partition(b":")[2].strip().lower() == b"true"
                    for line in manifest.splitlines())
        if not multi:
            return []
        value = self.multi_release
        if value == "runtime":
            release = 17
        elif value.isdigit():
            release = int(value)
        else:
            return None  # javap's file manager refuses such a jar
        return list(range(release, 8, -1))

    def _jar_entry(self, jar_path: str, entry: str) -> tuple[bytes, ClassOrigin] | None:
        jar = self._jar(jar_path)
        if jar is None:
            return None
        versions = self._versions(jar)
        if versions is None:
            return None
        info = None
        for version in versions:
            try:
                info = jar.getinfo(f"META-INF/versions/{version}/{entry}")
                break
            except KeyError:
                continue
        try:
            info = info or jar.getinfo(entry)
        except KeyError:
            return None
        if info.file_size > MAX_CLASS_BYTES:
            raise JvmError(f"cannot read {entry} from {jar_path}: larger than a class file can be")
        try:
            data = jar.read(info)
        except (OSError, zipfile.BadZipFile, RuntimeError, EOFError) as exc:
            raise JvmError(f"cannot read {entry} from {jar_path}: {exc}") from None
        location = f"jar:file://{_file_uri_path(jar_path)}!/{entry}"
        return data, ClassOrigin(location, _zip_mtime(info), data, f"{jar_path}(/{entry})")

    # -- the system modules ---------------------------------------------------------------

    def has_module(self, module: str) -> bool:
        """Whether --module names a system module or one on the module path."""
        from vmforms.jvm.javap_modules import module_path_entry

        image = self.module_image()
        if image is not None and image.find(f"/{module}/module-info.class") is not None:
            return True
        return module_path_entry(self.module_path, module) is not None

    def system_modules(self) -> list[str]:
        image = self.image()
        if image is None:
            return []
        return sorted({loc.module for loc in image.locations()
                       if loc.module and loc.module not in ("modules", "packages")})

    def _system(self, internal: str, module: str | None) -> tuple[bytes, ClassOrigin] | None:
        image = self.image() if module is None else self.module_image()
        if image is None:
            return None
        package, _, _ = internal.rpartition("/")
        if module is not None:
            modules = [module]
        elif package:
            modules = image.module_of_package(package.replace("/", "."))
        elif internal == "module-info":
            # every module has one; javap's platform class path answers with the last
            modules = self.system_modules()[-1:]
        else:
            modules = []
        for mod in modules:
            loc = image.find(f"/{mod}/{internal}.class")
            if loc is not None:
                data = image.read(loc)
                try:
                    mtime: float | None = os.stat(image.path).st_mtime
                except OSError:
                    mtime = None
                return data, ClassOrigin(f"jrt:/{mod}/{internal}.class", mtime, data,
                                         f"/modules/{mod}/{internal}.class")
        return None
        return None

    def _module_path(self, internal: str, module: str) -> tuple[bytes, ClassOrigin] | None:
        """A class of a module on --module-path: an exploded directory or a modular jar
        named after the module (the name its module-info declares)."""
        from vmforms.jvm.javap_modules import module_path_entry

        entry = module_path_entry(self.module_path, module)
        if entry is None:
            return None
        rel = internal + ".class"
        if os.path.isdir(entry):
            p = os.path.join(entry, *rel.split("/"))
            if os.path.isfile(p):
                data = _read_file(p)
                return data, ClassOrigin(_file_uri_path(p), os.stat(p).st_mtime, data)
            return None
        return self._jar_entry(entry, rel)

    def _user(self, internal: str, entries: list[str]) -> tuple[bytes, ClassOrigin] | None:
        rel = internal + ".class"
        for entry in entries:
            if os.path.isdir(entry):
                p = os.path.join(entry, *rel.split("/"))
                if os.path.isfile(p):
                    data = _read_file(p)
                    return data, ClassOrigin(_file_uri_path(p), os.stat(p).st_mtime, data, p)
            elif os.path.isfile(entry):
                found = self._jar_entry(entry, rel)
                if found is not None:
                    return found
        return None

    def by_class_name(self, internal: str) -> tuple[bytes, ClassOrigin] | None:
        if not internal or internal.startswith("/") or "//" in internal:
            return None
        if self.module is not None:
            found = self._system(internal, self.module)
            if found is None and self.module_path:
                found = self._module_path(internal, self.module)
            return found
        if self.boot_class_path is not None:
            return self._user(internal, self.boot_class_path) or self._user(
                internal, self.class_path)
        return self._system(internal, None) or self._user(internal, self.class_path)

    def find(self, name: str) -> tuple[bytes, ClassOrigin] | None:
        """The bytes and origin of what javap would open for NAME, or None."""
        internal = name.replace(".", "/")
        found = self.by_class_name(internal)
        if found is not None:
            return found
        while "/" in internal:
            head, _, tail = internal.rpartition("/")
            internal = head + "$" + tail
            found = self.by_class_name(internal)
            if found is not None:
                return found
        if name.endswith(".class") and os.path.isfile(name):
            data = _read_file(name)
            return data, ClassOrigin(_file_uri_path(name), os.stat(name).st_mtime, data, name)
        if ":" in name and name.split(":", 1)[0].isalpha():
            return self.by_url(name)
        return None

    def by_url(self, url: str) -> tuple[bytes, ClassOrigin] | None:
        """file:, jar:file: and jrt: URLs as java.net.URL opens them. A jrt: URL has no
        modification time (javap prints the epoch); a missing resource is an error."""
        scheme, _, rest = url.partition(":")
        scheme = scheme.lower()
        if scheme == "file":
            path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
            if not os.path.isfile(path):
                raise JvmError(f"cannot read {url}: {path} (No such file or directory)")
            data = _read_file(path)
            return data, ClassOrigin(_file_uri_path(path), os.stat(path).st_mtime, data)
        if scheme == "jar":
            inner, sep, entry = rest.partition("!/")
            if not sep or not inner.lower().startswith("file:"):
                return None
            jar_path = urllib.parse.unquote(urllib.parse.urlsplit(inner).path)
            found = self._jar_entry(jar_path, urllib.parse.unquote(entry))
            if found is None:
                raise JvmError(f"cannot read {url}: no such entry")
            data, origin = found
            return data, ClassOrigin(url, origin.mtime, data)
        if scheme == "jrt":
            path = urllib.parse.unquote(rest)
            image = self.image()
            loc = image.find(path if path.startswith("/") else "/" + path) if image else None
            if image is None or loc is None or not path.endswith(".class"):
                raise JvmError(f"cannot read {url}: no such resource")
            data = image.read(loc)
            return data, ClassOrigin(url, 0.0, data)
        return None
