"""Natives the library's start-up touches that need no more than a constant answer:
access-control contexts, user ids (JDK 17 java.base)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import constant, native, noop, override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

_AC = "java/security/AccessController"
constant(_AC, "getStackAccessControlContext()Ljava/security/AccessControlContext;", None)
constant(_AC, "getInheritedAccessControlContext()Ljava/security/AccessControlContext;", None)
constant(_AC, "getProtectionDomain(Ljava/lang/Class;)Ljava/security/ProtectionDomain;", None)
noop(_AC, "ensureMaterializedForStackWalk(Ljava/lang/Object;)V")
constant("jdk/internal/misc/VM", "getuid()J", os.getuid())
constant("jdk/internal/misc/VM", "geteuid()J", os.geteuid())
constant("jdk/internal/misc/VM", "getgid()J", os.getgid())
constant("jdk/internal/misc/VM", "getegid()J", os.getegid())



noop("jdk/internal/loader/BootLoader", "setBootLoaderUnnamedModule0(Ljava/lang/Module;)V")


@native("jdk/internal/loader/BootLoader",
        "getSystemPackageLocation(Ljava/lang/String;)Ljava/lang/String;")
def _system_package_location(th: JThread, a: list[Any]) -> Any:
    """HotSpot's ClassLoader::get_system_package: "jrt:/MODULE" for a package of the
    system modules (the jimage's /packages directory), null for any other."""
    vm = th.vm
    image = vm.classpath.image()
    if image is None or a[0] is None:
        return None
    mods = image.module_of_package(vm.to_str(a[0]).replace("/", "."))
    return vm.new_string(f"jrt:/{mods[0]}") if mods else None


@override("jdk/internal/loader/BootLoader$PackageHelper",
          "findModule(Ljava/lang/String;)Ljava/lang/Module;")
def _package_module(th: JThread, a: list[Any]) -> Any:
    """The named module a system package is defined in (its location is jrt:/MODULE)."""
    from vmforms.jvm.runtime.natives.modules import module_object

    loc = th.vm.to_str(a[0]) if a[0] is not None else ""
    return module_object(th, loc[5:]) if loc.startswith("jrt:/") else None
# The JDK's own native libraries are part of the VM.
override("jdk/internal/loader/BootLoader", "loadLibrary(Ljava/lang/String;)V")(
    lambda th, a: None)


constant("java/util/concurrent/atomic/AtomicLong", "VMSupportsCS8()Z", 1)


@native("java/util/TimeZone", "getSystemTimeZoneID(Ljava/lang/String;)Ljava/lang/String;")
def _tz_id(th: JThread, a: list[Any]) -> Any:
    tz = os.environ.get("TZ", "").lstrip(":")
    if not tz:
        try:
            with open("/etc/timezone") as f:
                tz = f.read().strip()
        except OSError:
            real = os.path.realpath("/etc/localtime")
            tz = real.split("zoneinfo/", 1)[1] if "zoneinfo/" in real else "UTC"
    return th.vm.new_string(tz or "UTC")


constant("java/util/TimeZone", "getSystemGMTOffsetID()Ljava/lang/String;", None)


@native("java/lang/ProcessEnvironment", "environ()[[B")
def _environ(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    flat = []
    for k, v in os.environb.items():
        for part in (k, v):
            flat.append(vm.new_array("[B", [b - 256 if b > 127 else b for b in part]))
    return vm.new_array("[[B", flat)


# -- ProcessHandle.current(): this process only (starting processes is not supported).
_PH = "java/lang/ProcessHandleImpl"
noop(_PH, "initNative()V")
noop(_PH + "$Info", "initIDs()V")
constant(_PH, "getCurrentPid0()J", os.getpid())


@native(_PH, "isAlive0(J)J")
def _process_alive(th: JThread, a: list[Any]) -> Any:
    try:
        os.kill(a[0], 0)
    except OSError:
        return -1
    return 0


@native(_PH, "parent0(JJ)J")
def _process_parent(th: JThread, a: list[Any]) -> Any:
    return os.getppid() if a[0] == os.getpid() else -1


@override("java/lang/Runtime", "loadLibrary0(Ljava/lang/Class;Ljava/lang/String;)V")
def _load_library(th: JThread, a: list[Any]) -> Any:
    """The JDK's own libraries are built into the VM; a program's JNI library cannot be
    loaded, and the error is HotSpot's for a library that is not found."""
    caller = a[1].native if a[1] is not None else None
    if caller is not None and caller.module:
        return
    vm = th.vm
    name = vm.to_str(a[2])
    vm.throw(th, "java/lang/UnsatisfiedLinkError",
             f"no {name} in java.library.path: {vm.properties.get('java.library.path', '')}")
