"""The java launcher's module options after boot (JDK 17 ModuleBootstrap.boot2 and
LauncherHelper): --module-path, --add-modules and -m resolve the boot layer, whose
failures end start-up; --add-exports and --add-opens change it, warning about unknown
modules and packages as HotSpot does; -m finds the main class of a module."""

from __future__ import annotations

import os
from typing import Any

from vmforms.jvm.runtime.modules import ModuleGraph

BOOT_FAILED = "Error occurred during initialization of boot layer\n"


class BootLayerError(Exception):
    """Start-up ends: HotSpot prints the message on stdout and exits with 1."""


def graph_for(image: Any, options: dict[str, list[str]], main_module: str | None) -> ModuleGraph:
    path = [p or "." for v in options.get("--module-path", []) for p in v.split(os.pathsep)]
    adds = [n for v in options.get("--add-modules", []) for n in v.split(",") if n]
    module = main_module.partition("/")[0] if main_module else None
    graph = ModuleGraph(image, path, adds, module)
    graph.layer()
    if graph.missing is not None:
        raise BootLayerError(f"{BOOT_FAILED}java.lang.module.FindException: {graph.missing}")
    return graph


def decode(option: str, values: list[str]) -> list[tuple[str, str, list[str]]]:
    """--add-opens/--add-exports values: (module, package, targets), in the order given."""
    out: list[tuple[str, str, list[str]]] = []
    for value in values:
        key, eq, rhs = value.partition("=")
        if not eq or not key or not rhs:
            raise BootLayerError(f"{BOOT_FAILED}java.lang.RuntimeException: Unable to parse "
                                 f"{option} <module>=<value>: {value}")
        targets = [t for t in rhs.split(",") if t]
        if not targets:
            raise BootLayerError(f"{BOOT_FAILED}java.lang.RuntimeException: Target must be "
                                 f"specified: {option} {value}")
        parts = key.split("/")
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise BootLayerError(f"{BOOT_FAILED}java.lang.RuntimeException: Unable to parse "
                                 f"{option} <module>/<package>: {key}")
        out.append((parts[0], parts[1], targets))
    return out


def _java_hash(text: str) -> int:
    h = 0
    data = text.encode("utf-16-be", "surrogatepass")
    for i in range(0, len(data), 2):
        h = (31 * h + (data[i] << 8 | data[i + 1])) & 0xFFFFFFFF
    return h


def hashmap_order(keys: list[str]) -> list[str]:
    """The iteration order of a java.util.HashMap holding `keys` (distinct, inserted in
    this order): by bucket of the spread hash, then insertion order within a bucket,
    which resizing keeps."""
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2

    def bucket(k: str) -> int:
        h = _java_hash(k)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(keys, key=bucket)  # sorted() is stable: ties keep insertion order


def check(options: dict[str, list[str]]) -> None:
    """Refuse malformed --add-exports/--add-opens before the program starts."""
    for option in ("--add-exports", "--add-opens"):
        decode(option, options.get(option, []))


def apply(vm: Any, th: Any, graph: ModuleGraph, options: dict[str, list[str]],
          warn: Any) -> None:
    """Warn about incubator modules, then add the exports and opens asked for."""
    from vmforms.jvm.runtime.natives.modules import module_object

    layer = graph.layer()
    incubating = [n for n in sorted(layer) if n.startswith("jdk.incubator.")]
    if incubating:
        warn(f"WARNING: Using incubator modules: {', '.join(incubating)}")
    for option in ("--add-exports", "--add-opens"):
        opens = option == "--add-opens"
        # ModuleBootstrap gathers the values in a HashMap keyed by module/package.
        grouped: dict[str, list[str]] = {}
        for mn, pn, targets in decode(option, options.get(option, [])):
            grouped.setdefault(f"{mn}/{pn}", []).extend(targets)
        for key in hashmap_order(list(grouped)):
            mn, _, pn = key.partition("/")
            targets = grouped[key]
            info = graph.info(mn)
            if mn not in layer or info is None:
                warn(f"WARNING: Unknown module: {mn} specified to {option}")
                continue
            if pn not in info.packages:
                warn(f"WARNING: package {pn} not in {mn}")
                continue
            m = module_object(th, mn)
            verb = "Opens" if opens else "Exports"
            for t in targets:
                if t == "ALL-UNNAMED":
                    vm.call_static(th, "jdk/internal/module/Modules", f"add{verb}ToAllUnnamed",
                                   "(Ljava/lang/Module;Ljava/lang/String;)V", m, vm.intern(pn))
                elif t in layer:
                    vm.call_static(th, "jdk/internal/module/Modules", f"add{verb}",
                                   "(Ljava/lang/Module;Ljava/lang/String;Ljava/lang/Module;)V",
                                   m, vm.intern(pn), module_object(th, t))
                else:
                    warn(f"WARNING: Unknown module: {t} specified to {option}")


def list_modules(graph: ModuleGraph) -> str:
    """--list-modules: the system modules by name, each with its version, then the
    module path's by name, each with its location (LauncherHelper's order)."""
    names = sorted(graph.system_names()) + sorted(graph.user)
    lines = []
    for n in names:
        info = graph.info(n)
        if info is None:
            continue
        if n in graph.user:
            lines.append(f"{n} {info.location}")
        else:
            lines.append(f"{n}@{info.version}" if info.version else n)
    return "".join(f"{line}\n" for line in lines)


def main_class(graph: ModuleGraph, main_module: str) -> str:
    """The class -m names: module/class, or the module's ModuleMainClass; raises
    ValueError with the launcher's message."""
    mn, _, cls = main_module.partition("/")
    info = graph.info(mn)
    assert info is not None
    if not cls:
        if info.main_class is None:
            raise ValueError(f"module {mn} does not have a ModuleMainClass attribute, use -m "
                             "<module>/<main-class>")
        cls = info.main_class
    package = cls.rpartition(".")[0]
    if package not in info.packages:
        raise ValueError(f"Error: Could not find or load main class {cls} in module {mn}")
    return cls
