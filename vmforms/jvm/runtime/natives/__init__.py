"""Native methods at the VM boundary (JNI's role, JVMS 2.5.6): a registry keyed by
"java/lang/Object.hashCode()I" that the class loader binds to methods as it loads them.

A native receives the thread and its arguments in slot form and returns the value.
Registering a Java (non-native) method replaces its bytecode by the host function: used
for intrinsics whose bytecode would be too slow to interpret or needs VM internals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import VM, JThread

Native = Callable[["JThread", list[Any]], Any]
REGISTRY: dict[str, Native] = {}
OVERRIDES: set[str] = set()


def native(cls: str, *keys: str) -> Callable[[Native], Native]:
    def register(fn: Native) -> Native:
        for key in keys:
            REGISTRY[f"{cls}.{key}"] = fn
        return fn

    return register


def override(cls: str, *keys: str) -> Callable[[Native], Native]:
    """Replace the bytecode of Java methods (intrinsics, or library paths that need the
    module system this VM does not boot)."""
    for key in keys:
        OVERRIDES.add(f"{cls}.{key}")
    return native(cls, *keys)


def noop(cls: str, *keys: str) -> None:
    for key in keys:
        REGISTRY[f"{cls}.{key}"] = _noop


def _noop(th: JThread, args: list[Any]) -> Any:
    return None


def constant(cls: str, key: str, value: Any) -> None:
    REGISTRY[f"{cls}.{key}"] = lambda th, args: value


def register_all(vm: VM) -> None:
    from vmforms.jvm.runtime.natives import (  # noqa: F401 - imported for registration
        invoke,
        io,
        lang,
        misc,
        reflect,
        system,
        threads,
        unsafe,
        varhandle,
    )

    vm.natives.update(REGISTRY)
    vm.overrides = OVERRIDES
