"""Natives of java.lang.System, jdk.internal.util.SystemProps$Raw and
jdk.internal.reflect.Reflection: time, arraycopy, identity hashes and the properties
HotSpot hands to the library at start-up (JDK 17)."""

from __future__ import annotations

import os
import platform
import time
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray
from vmforms.jvm.runtime.natives import native
from vmforms.jvm.runtime.resolve import is_assignable

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

S = "java/lang/System"


@native(S, "currentTimeMillis()J")
def _millis(th: JThread, a: list[Any]) -> Any:
    return time.time_ns() // 1_000_000


@native(S, "nanoTime()J")
def _nanos(th: JThread, a: list[Any]) -> Any:
    return time.monotonic_ns()


@native(S, "identityHashCode(Ljava/lang/Object;)I")
def _identity(th: JThread, a: list[Any]) -> Any:
    return 0 if a[0] is None else th.vm.identity_hash(a[0], th)


def _set_stream(field: str) -> Any:
    def setter(th: JThread, a: list[Any]) -> Any:
        th.vm.load(S).statics[field] = a[0]

    return setter


native(S, "setIn0(Ljava/io/InputStream;)V")(_set_stream("in"))
native(S, "setOut0(Ljava/io/PrintStream;)V")(_set_stream("out"))
native(S, "setErr0(Ljava/io/PrintStream;)V")(_set_stream("err"))


@native(S, "mapLibraryName(Ljava/lang/String;)Ljava/lang/String;")
def _map_library(th: JThread, a: list[Any]) -> Any:
    return th.vm.intern("lib" + th.vm.to_str(a[0]) + ".so")


@native(S, "arraycopy(Ljava/lang/Object;ILjava/lang/Object;II)V")
def _arraycopy(th: JThread, a: list[Any]) -> Any:
    src, sp, dst, dp, n = a
    vm = th.vm
    if src is None or dst is None:
        vm.throw(th, "java/lang/NullPointerException")
    if not isinstance(src, JArray) or not isinstance(dst, JArray):
        bad = src if not isinstance(src, JArray) else dst
        which = "source" if bad is src else "destination"
        vm.throw(th, "java/lang/ArrayStoreException",
                 f"arraycopy: {which} type {bad.klass.java_name} is not an array")
    se, de = src.klass.element, dst.klass.element
    sprim, dprim = se[0] not in "L[", de[0] not in "L["
    if (sprim or dprim) and se != de:
        vm.throw(th, "java/lang/ArrayStoreException",
                 f"arraycopy: type mismatch: can not copy {_tname(se)}[] into {_tname(de)}[]")
    if n < 0 or sp < 0 or dp < 0 or sp + n > len(src.data) or dp + n > len(dst.data):
        if sp < 0:
            msg = f"arraycopy: source index {sp} out of bounds for {_tname(se)}[{len(src.data)}]"
        elif dp < 0:
            msg = (f"arraycopy: destination index {dp} out of bounds for "
                   f"{_tname(de)}[{len(dst.data)}]")
        elif n < 0:
            msg = f"arraycopy: length {n} is negative"
        elif sp + n > len(src.data):
            msg = (f"arraycopy: last source index {sp + n} out of bounds for "
                   f"{_tname(se)}[{len(src.data)}]")
        else:
            msg = (f"arraycopy: last destination index {dp + n} out of bounds for "
                   f"{_tname(de)}[{len(dst.data)}]")
        vm.throw(th, "java/lang/ArrayIndexOutOfBoundsException", msg)
    chunk = src.data[sp:sp + n]
    if not sprim and src.klass is not dst.klass:
        comp = dst.klass.component
        assert comp is not None
        for i, v in enumerate(chunk):
            if v is not None and not is_assignable(v.klass, comp):
                dst.data[dp:dp + i] = chunk[:i]
                vm.throw(th, "java/lang/ArrayStoreException",
                         f"arraycopy: element type mismatch: can not cast one of the elements"
                         f" of {src.klass.java_name if False else _tname(se)}[] to the type of "
                         f"the destination array, {comp.java_name}")
    dst.data[dp:dp + n] = chunk


def _tname(elem: str) -> str:
    from vmforms.jvm.runtime.klass import PRIMITIVE_NAMES

    if elem[0] == "L":
        return "object array"
    if elem[0] == "[":
        return "object array"
    return PRIMITIVE_NAMES[elem[0]]


# -- SystemProps$Raw ----------------------------------------------------------------------
RAW = "jdk/internal/util/SystemProps$Raw"
_PLATFORM_KEYS = (
    "display.country", "display.language", "display.script", "display.variant",
    "file.encoding", "file.separator", "format.country", "format.language", "format.script",
    "format.variant", "ftp.nonProxyHosts", "ftp.proxyHost", "ftp.proxyPort",
    "http.nonProxyHosts", "http.proxyHost", "http.proxyPort", "https.proxyHost",
    "https.proxyPort", "java.io.tmpdir", "line.separator", "os.arch", "os.name", "os.version",
    "path.separator", "socksNonProxyHosts", "socksProxyHost", "socksProxyPort",
    "sun.arch.abi", "sun.arch.data.model", "sun.cpu.endian", "sun.cpu.isalist",
    "sun.io.unicode.encoding", "sun.jnu.encoding", "sun.os.patch.level",
    "sun.stderr.encoding", "sun.stdout.encoding", "user.dir", "user.home", "user.name",
)


def platform_properties() -> dict[str, str]:
    machine = platform.machine()
    arch = {"x86_64": "amd64", "aarch64": "aarch64"}.get(machine, machine)
    try:
        import pwd

        pw = pwd.getpwuid(os.getuid())
        user, home = pw.pw_name, pw.pw_dir
    except (ImportError, KeyError):
        user, home = "?", os.environ.get("HOME", "?")
    props = {
        "file.encoding": "UTF-8", "file.separator": "/", "java.io.tmpdir": "/tmp",
        "line.separator": "\n", "os.arch": arch, "os.name": "Linux",
        "os.version": platform.release(), "path.separator": ":",
        "sun.arch.data.model": "64", "sun.cpu.endian": "little",
        "sun.io.unicode.encoding": "UnicodeLittle", "sun.jnu.encoding": "UTF-8",
        "user.dir": os.getcwd(), "user.home": home, "user.name": user,
        "format.language": "en", "display.language": "en",
    }
    if os.isatty(1):
        props["sun.stdout.encoding"] = "UTF-8"
    if os.isatty(2):
        props["sun.stderr.encoding"] = "UTF-8"
    return props


@native(RAW, "platformProperties()[Ljava/lang/String;")
def _platform_props(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    props = platform_properties()
    values = [vm.intern(props[k]) if k in props else None for k in _PLATFORM_KEYS]
    return vm.new_array("[Ljava/lang/String;", values)


@native(RAW, "vmProperties()[Ljava/lang/String;")
def _vm_props(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    flat: list[Any] = []
    for k, v in vm.properties.items():
        flat += [vm.intern(k), vm.intern(v)]
    return vm.new_array("[Ljava/lang/String;", flat)


# -- Reflection ---------------------------------------------------------------------------
R = "jdk/internal/reflect/Reflection"


@native(R, "getCallerClass()Ljava/lang/Class;")
def _caller_class(th: JThread, a: list[Any]) -> Any:
    frames = th.frames
    i = len(frames) - 2
    while i >= 0 and frames[i][0].klass.name in ("java/lang/reflect/Method",
                                                 "jdk/internal/reflect/NativeMethodAccessorImpl",
                                                 "jdk/internal/reflect/"
                                                 "DelegatingMethodAccessorImpl"):
        i -= 1
    if i < 0:
        return None
    return th.vm.mirror(frames[i][0].klass)


@native(R, "getClassAccessFlags(Ljava/lang/Class;)I")
def _access_flags(th: JThread, a: list[Any]) -> Any:
    return a[0].native.access & 0xFFFF


@native(R, "areNestMates(Ljava/lang/Class;Ljava/lang/Class;)Z")
def _nestmates(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.reflect import nest_host

    return 1 if nest_host(th, a[0].native) is nest_host(th, a[1].native) else 0
