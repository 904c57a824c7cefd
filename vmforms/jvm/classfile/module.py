"""The Module attribute of a module-info class: JVMS 17 section 4.7.25."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from vmforms.jvm.errors import ClassFormatError


@dataclass(frozen=True, slots=True)
class ModuleRequires:
    requires_index: int
    requires_flags: int
    requires_version_index: int


@dataclass(frozen=True, slots=True)
class ModuleExports:
    """Also used for `opens` entries, which have the same layout."""

    index: int
    flags: int
    to_index: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ModuleProvides:
    provides_index: int
    provides_with_index: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ModuleAttribute:
    module_name_index: int
    module_flags: int
    module_version_index: int
    requires: tuple[ModuleRequires, ...]
    exports: tuple[ModuleExports, ...]
    opens: tuple[ModuleExports, ...]
    uses_index: tuple[int, ...]
    provides: tuple[ModuleProvides, ...]


def parse_module(data: bytes, pos: int, length: int, source: str) -> ModuleAttribute:
    end = pos + length
    p = pos

    def take(fmt: str) -> tuple[int, ...]:
        nonlocal p
        size = struct.calcsize(fmt)
        if p + size > end:
            raise ClassFormatError(source, p, "truncated Module attribute")
        values = struct.unpack_from(fmt, data, p)
        p += size
        return values

    def u2_list() -> tuple[int, ...]:
        (n,) = take(">H")
        return take(f">{n}H")

    name, flags, version = take(">HHH")
    requires = tuple(ModuleRequires(*take(">HHH")) for _ in range(take(">H")[0]))
    exports = []
    for _ in range(take(">H")[0]):
        idx, fl = take(">HH")
        exports.append(ModuleExports(idx, fl, u2_list()))
    opens = []
    for _ in range(take(">H")[0]):
        idx, fl = take(">HH")
        opens.append(ModuleExports(idx, fl, u2_list()))
    uses = u2_list()
    provides = []
    for _ in range(take(">H")[0]):
        (idx,) = take(">H")
        provides.append(ModuleProvides(idx, u2_list()))
    if p != end:
        raise ClassFormatError(source, p, "Module attribute length does not match its contents")
    return ModuleAttribute(name, flags, version, requires, tuple(exports), tuple(opens), uses,
                           tuple(provides))
