"""Native methods at the VM boundary (JNI's role, JVMS 2.5.6): a registry keyed by
"java/lang/Object.hashCode()I" that the class loader binds to methods as it loads them.

A native receives the thread and its arguments in slot form and returns the value.
Registering a Java (non-native) method replaces its bytecode by the host function: used
for intrinsics whose bytecode would be too slow to interpret or needs VM internals.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import VM, JThread

Native = Callable[["JThread", list[Any]], Any]
REGISTRY: dict[str, Native] = {}
OVERRIDES: set[str] = set()
ORIGIN: dict[str, str] = {}  # registry key -> the module that registered it

# Modules of rarely used areas are imported when the first class they serve is loaded,
# which keeps them out of start-up; tests check that every class they register for is
# listed here (test_jvm_natives_registry.py).
_NET = ("net",)
LAZY: dict[str, tuple[str, ...]] = {
    **{c: _NET for c in (
        "java/net/InetAddress", "java/net/Inet4Address", "java/net/Inet6Address",
        "java/net/NetworkInterface", "java/net/InetAddressImplFactory",
        "java/net/Inet4AddressImpl", "java/net/DatagramPacket", "sun/nio/ch/Net",
        "sun/nio/ch/SocketDispatcher", "sun/nio/ch/NativeSocketAddress",
        "sun/nio/ch/DatagramChannelImpl", "sun/nio/ch/DatagramDispatcher",
        "sun/nio/ch/PollSelectorImpl", "sun/nio/ch/DefaultSelectorProvider",
        "jdk/net/LinuxSocketOptions")},
    "sun/nio/ch/IOUtil": ("channels", "net"),
    "sun/nio/ch/FileDispatcherImpl": ("channels",),
    "sun/nio/ch/FileChannelImpl": ("channels",),
    "sun/nio/ch/FileKey": ("channels",),
    "java/nio/MappedMemoryUtils": ("channels",),
    "sun/nio/fs/UnixNativeDispatcher": ("nio",),
    "sun/nio/fs/LinuxNativeDispatcher": ("nio",),
    "sun/nio/fs/UnixCopyFile": ("nio",),
    "sun/nio/ch/NativeThread": ("nio",),
    "java/lang/ProcessImpl": ("process",),
    "java/lang/ProcessHandleImpl": ("process",),
    "java/util/zip/CRC32": ("zip",),
    "java/util/zip/Adler32": ("zip",),
    "java/util/zip/Inflater": ("zip",),
    "java/util/zip/Deflater": ("zip",),
    "jdk/internal/perf/Perf": ("zip",),
    "java/lang/StackWalker": ("stackwalk",),
    "java/lang/invoke/LambdaMetafactory": ("metafactory",),
    "java/lang/invoke/MethodHandle": ("methodhandles", "combinators"),
    "java/lang/invoke/MethodHandles": ("combinators",),
    "java/lang/invoke/MethodHandles$Lookup": ("methodhandles",),
}


def _origin() -> str:
    """The module whose code is registering (the first caller outside this one)."""
    f = sys._getframe(1)
    while f.f_back is not None and f.f_globals.get("__name__") == __name__:
        f = f.f_back
    return str(f.f_globals.get("__name__", ""))


def native(cls: str, *keys: str) -> Callable[[Native], Native]:
    origin = _origin()

    def register(fn: Native) -> Native:
        for key in keys:
            REGISTRY[f"{cls}.{key}"] = fn
            ORIGIN[f"{cls}.{key}"] = origin
        return fn

    return register


def override(cls: str, *keys: str) -> Callable[[Native], Native]:
    """Replace the bytecode of Java methods (intrinsics, or library paths that need the
    module system this VM does not boot)."""
    for key in keys:
        OVERRIDES.add(f"{cls}.{key}")
    return native(cls, *keys)


def noop(cls: str, *keys: str) -> None:
    origin = _origin()
    for key in keys:
        REGISTRY[f"{cls}.{key}"] = _noop
        ORIGIN[f"{cls}.{key}"] = origin


def _noop(th: JThread, args: list[Any]) -> Any:
    return None


def constant(cls: str, key: str, value: Any) -> None:
    REGISTRY[f"{cls}.{key}"] = lambda th, args: value
    ORIGIN[f"{cls}.{key}"] = _origin()


def register_all(vm: VM) -> None:
    from vmforms.jvm.runtime.natives import (  # noqa: F401 - imported for registration
        annotations,
        dynamic,
        fdlibm,
        files,
        invoke,
        io,
        lang,
        misc,
        modules,
        references,
        reflect,
        reflect_array,
        resources,
        services,
        signals,
        system,
        threads,
        unsafe,
        varhandle,
    )

    vm.natives.update(REGISTRY)
    vm.overrides = OVERRIDES
    vm.lazy_natives = dict(LAZY)


def load_lazy(vm: VM, cls: str) -> None:
    """Import the modules that serve class `cls` and take up their natives."""
    for module in vm.lazy_natives.pop(cls, ()):
        importlib.import_module(f"{__name__}.{module}")
    vm.natives.update(REGISTRY)
