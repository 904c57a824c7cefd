"""Reading the JDK's lib/modules: the jimage container format of JDK 9 and later.

The format is the one of the JDK's ImageReader (src/java.base/share/native/libjimage):
a header of 7 u4 (magic 0xCAFEDADA, version, flags, resource count, table length,
locations size, strings size) in the byte order of the platform that built it, then the
perfect-hash redirect table, the location offsets, the location attribute streams, the
string table, and the resources. A location is a stream of attribute bytes whose high
5 bits give the kind and low 3 bits the length of a big-endian value minus one.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from vmforms.jvm.errors import JimageError

IMAGE_MAGIC = 0xCAFEDADA
HASH_MULTIPLIER = 0x01000193
ATTRIBUTE_END = 0
ATTRIBUTE_MODULE = 1
ATTRIBUTE_PARENT = 2
ATTRIBUTE_BASE = 3
ATTRIBUTE_EXTENSION = 4
ATTRIBUTE_OFFSET = 5
ATTRIBUTE_COMPRESSED = 6
ATTRIBUTE_UNCOMPRESSED = 7
_HEADER_SIZE = 28
_COMPRESSED_MAGIC = 0xCAFEFAFA


def image_hash(name: bytes, seed: int = HASH_MULTIPLIER) -> int:
    """ImageStringsReader.hashCode: FNV-1a style over the UTF-8 bytes, kept non-negative."""
    h = seed
    for b in name:
        h = ((h * HASH_MULTIPLIER) ^ b) & 0xFFFFFFFF
    return h & 0x7FFFFFFF


@dataclass(frozen=True, slots=True)
class ImageLocation:
    module: str
    parent: str
    base: str
    extension: str
    offset: int
    compressed_size: int
    uncompressed_size: int

    @property
    def name(self) -> str:
        """The full resource name, e.g. /java.base/java/lang/String.class."""
        parts = []
        if self.module:
            parts.append(f"/{self.module}/")
        if self.parent:
            parts.append(self.parent + "/")
        parts.append(self.base)
        if self.extension:
            parts.append("." + self.extension)
        return "".join(parts)


class ImageReader:
    """A read-only view of one jimage file, memory mapped."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            with open(path, "rb") as f:
                self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise JimageError(f"cannot open jimage {path}: {exc}") from None
        data = self._map
        if len(data) < _HEADER_SIZE:
            raise JimageError(f"{path}: offset 0: too short for a jimage header")
        for order in ("<", ">"):
            if struct.unpack_from(order + "I", data, 0)[0] == IMAGE_MAGIC:
                break
        else:
            raise JimageError(f"{path}: offset 0: bad jimage magic number")
        self._order = order
        (_, version, _, self.resource_count, self.table_length, locations_size,
         strings_size) = struct.unpack_from(order + "7I", data, 0)
        if version >> 16 != 1:
            raise JimageError(f"{path}: offset 4: unsupported jimage version {version >> 16}")
        n = self.table_length
        self._redirect_at = _HEADER_SIZE
        self._offsets_at = _HEADER_SIZE + 4 * n
        self._locations_at = self._offsets_at + 4 * n
        self._strings_at = self._locations_at + locations_size
        self._index_size = self._strings_at + strings_size
        if self._index_size > len(data):
            raise JimageError(f"{path}: offset 0: index larger than the file")
        self._redirect = struct.unpack_from(f"{order}{n}i", data, self._redirect_at)
        self._offsets = struct.unpack_from(f"{order}{n}I", data, self._offsets_at)
        self._strings: dict[int, str] = {}

    def close(self) -> None:
        self._map.close()

    def __enter__(self) -> ImageReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _string(self, offset: int) -> str:
        s = self._strings.get(offset)
        if s is None:
            start = self._strings_at + offset
            end = self._map.find(b"\x00", start, self._index_size)
            if end < 0:
                raise JimageError(f"{self.path}: offset {start}: unterminated string")
            s = self._strings[offset] = self._map[start:end].decode("utf-8", "replace")
        return s

    def _attributes(self, index: int) -> list[int]:
        data = self._map
        pos = self._locations_at + self._offsets[index]
        values = [0] * 8
        while True:
            if pos >= self._strings_at:
                raise JimageError(f"{self.path}: offset {pos}: location runs past its table")
            byte = data[pos]
            kind = byte >> 3
            if kind == ATTRIBUTE_END:
                return values
            length = (byte & 7) + 1
            if kind > ATTRIBUTE_UNCOMPRESSED:
                raise JimageError(f"{self.path}: offset {pos}: bad location attribute {kind}")
            values[kind] = int.from_bytes(data[pos + 1:pos + 1 + length], "big")
            pos += 1 + length

    def _location(self, index: int) -> ImageLocation:
        v = self._attributes(index)
        s = self._string
        return ImageLocation(s(v[ATTRIBUTE_MODULE]), s(v[ATTRIBUTE_PARENT]),
                             s(v[ATTRIBUTE_BASE]), s(v[ATTRIBUTE_EXTENSION]),
                             v[ATTRIBUTE_OFFSET], v[ATTRIBUTE_COMPRESSED],
                             v[ATTRIBUTE_UNCOMPRESSED])

    def find(self, name: str) -> ImageLocation | None:
        """The location of a resource such as /java.base/java/lang/String.class, or None."""
        n = self.table_length
        if not n:
            return None
        key = name.encode("utf-8")
        value = self._redirect[image_hash(key) % n]
        if value < 0:
            index = -1 - value
        elif value > 0:
            index = image_hash(key, value) % n
        else:
            return None
        if not 0 <= index < n:
            return None
        loc = self._location(index)
        return loc if loc.name == name else None

    def locations(self) -> Iterator[ImageLocation]:
        for i in range(self.table_length):
            yield self._location(i)

    def read(self, loc: ImageLocation) -> bytes:
        start = self._index_size + loc.offset
        if loc.compressed_size:
            raw = self._map[start:start + loc.compressed_size]
            return self._decompress(raw, loc)
        end = start + loc.uncompressed_size
        if end > len(self._map):
            raise JimageError(f"{self.path}: offset {start}: resource runs past the file")
        return self._map[start:end]

    def _decompress(self, raw: bytes, loc: ImageLocation) -> bytes:
        # Resources compressed by jlink --compress carry one or more headers: u4 magic,
        # u8 compressed size, u8 uncompressed size, u4 decompressor name offset, u4 content
        # offset, u1 is_terminal. Only the zip decompressor is supported here.
        data = raw
        o = self._order
        while len(data) >= 29 and struct.unpack_from(o + "I", data, 0)[0] == _COMPRESSED_MAGIC:
            _, csize, usize, name_off, _, _ = struct.unpack_from(o + "IQQIIB", data, 0)
            method = self._string(name_off)
            if method != "zip":
                raise JimageError(f"{self.path}: {loc.name}: unsupported compression {method}")
            try:
                data = zlib.decompress(data[29:29 + csize])
            except zlib.error as exc:
                raise JimageError(f"{self.path}: {loc.name}: {exc}") from None
            if len(data) != usize:
                raise JimageError(f"{self.path}: {loc.name}: bad uncompressed size")
        return data

    def module_of_package(self, package: str) -> list[str]:
        """Modules that hold a package (dotted name), from the /packages/ directory."""
        loc = self.find(f"/packages/{package}")
        if loc is None:
            return []
        data = self.read(loc)
        out = []
        for i in range(0, len(data) - 7, 8):
            _, name_off = struct.unpack_from(self._order + "II", data, i)
            out.append(self._string(name_off))
        return out

    def find_class(self, internal_name: str) -> bytes | None:
        """The bytes of a class (java/lang/String) from whichever module holds it."""
        package, _, _ = internal_name.rpartition("/")
        for module in self.module_of_package(package.replace("/", ".")):
            loc = self.find(f"/{module}/{internal_name}.class")
            if loc is not None:
                return self.read(loc)
        return None

    def class_names(self, module: str) -> list[str]:
        """Internal names of the classes of one module, module-info excluded, sorted."""
        names = []
        for loc in self.locations():
            if loc.module == module and loc.extension == "class" and loc.base != "module-info":
                names.append(f"{loc.parent}/{loc.base}" if loc.parent else loc.base)
        return sorted(names)


def default_jdk_home() -> str | None:
    """JAVA_HOME, else the JDK of the `javac` (or `java`) on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.isfile(os.path.join(home, "lib", "modules")):
        return home
    for tool in ("javac", "java"):
        for d in os.environ.get("PATH", "").split(os.pathsep):
            p = os.path.join(d, tool)
            if os.path.isfile(p):
                real = os.path.realpath(p)
                h = os.path.dirname(os.path.dirname(real))
                if os.path.isfile(os.path.join(h, "lib", "modules")):
                    return h
    return None
