"""Class loaders as HotSpot's messages name them (ClassLoaderData::loader_name_and_id)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

BUILTIN = {"jdk/internal/loader/ClassLoaders$AppClassLoader": "'app'",
           "jdk/internal/loader/ClassLoaders$PlatformClassLoader": "'platform'"}


def loader_text(th: JThread, loader: JObject | None) -> str:
    """'app', 'platform', 'bootstrap', else the loader's name (or class) and identity hash."""
    if loader is None:
        return "'bootstrap'"
    if loader.klass.name in BUILTIN:
        return BUILTIN[loader.klass.name]
    vm = th.vm
    name = loader.fields[loader.klass.field_slots["name"]]
    label = f"'{vm.to_str(name)}'" if name is not None else loader.klass.java_name
    return f"{label} @{vm.identity_hash(loader, th):x}"


def duplicate_message(th: JThread, loader: JObject | None, name: str) -> str:
    """The LinkageError of a second definition of `name` by the same loader."""
    if loader is None:
        return f'duplicate class definition for name: "{name}"'
    who = loader_text(th, loader)
    parent = loader.fields[loader.klass.field_slots["parent"]]
    java = name.replace("/", ".")
    return (f"loader {who} attempted duplicate class definition for {java}. ({java} is in "
            f"unnamed module of loader {who}, parent loader {loader_text(th, parent)})")
