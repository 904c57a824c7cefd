"""The natives registry: modules that load lazily (natives.LAZY) must be listed for every
class they register natives for, or those natives would never be bound."""

from __future__ import annotations

import importlib
import pkgutil

from vmforms.jvm.runtime import natives


def test_lazy_modules_cover_every_class_they_serve() -> None:
    for info in pkgutil.iter_modules(natives.__path__):
        importlib.import_module(f"{natives.__name__}.{info.name}")
    lazy_modules = {m for modules in natives.LAZY.values() for m in modules}
    for module in lazy_modules:
        importlib.import_module(f"{natives.__name__}.{module}")  # each one exists
    missing = []
    for key, origin in natives.ORIGIN.items():
        module = origin.rpartition(".")[2]
        cls = key.split(".", 1)[0]
        if module in lazy_modules and module not in natives.LAZY.get(cls, ()):
            missing.append(f"{key} ({module})")
    assert missing == []
    assert set(natives.ORIGIN) == set(natives.REGISTRY)
