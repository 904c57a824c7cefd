"""Modules on javap's --module-path (java.lang.module.ModuleFinder's rules, in brief): each
entry is a module (an exploded directory or a modular jar with a module-info.class) or a
directory of such modules; a module is known by the name its module-info declares."""

from __future__ import annotations

import os
import zipfile

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.constants import ConstantModule
from vmforms.jvm.classfile.module import ModuleAttribute
from vmforms.jvm.errors import JvmError

_MAX_MODULE_INFO = 1 << 24


def declared_name(data: bytes, source: str) -> str | None:
    """The module name a module-info class declares, or None if it is not one."""
    try:
        cf = parse_class(data, source)
        mod = cf.attribute(ModuleAttribute)
        if mod is None:
            return None
        return cf.constant_pool.utf8(cf.constant_pool.get(mod.module_name_index,
                                                          ConstantModule).name_index)
    except JvmError:
        return None


def _module_name_of(entry: str) -> str | None:
    if os.path.isdir(entry):
        info = os.path.join(entry, "module-info.class")
        if not os.path.isfile(info):
            return None
        try:
            with open(info, "rb") as f:
                return declared_name(f.read(_MAX_MODULE_INFO), info)
        except OSError:
            return None
    if entry.endswith(".jar") and os.path.isfile(entry):
        try:
            with zipfile.ZipFile(entry) as jar:
                zi = jar.getinfo("module-info.class")
                if zi.file_size > _MAX_MODULE_INFO:
                    return None
                return declared_name(jar.read(zi), entry + "!/module-info.class")
        except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, EOFError):
            return None
    return None


def module_path_entry(module_path: list[str], module: str) -> str | None:
    """The directory or jar that holds MODULE, searching the path in order."""
    for entry in module_path:
        name = _module_name_of(entry)
        if name is not None:
            if name == module:
                return entry
            continue
        if os.path.isdir(entry):
            try:
                children = sorted(os.listdir(entry))
            except OSError:
                continue
            for child in children:
                path = os.path.join(entry, child)
                if _module_name_of(path) == module:
                    return path
    return None
