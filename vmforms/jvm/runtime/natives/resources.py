"""Resources of the system modules for a VM without the module system: class files of
any module are found as jrt:/module/path URLs, whose connections read the bytes with
our own jimage reader (the library's jdk.internal.jimage would map lib/modules).
Other resources inside a module's packages stay hidden, as strong encapsulation hides
them from the class path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

BL = "jdk/internal/loader/BootLoader"
CONN = "sun/net/www/protocol/jrt/JavaRuntimeURLConnection"


def _locate(th: JThread, name: str) -> tuple[str, bytes] | None:
    """(module, bytes) of a class-file resource such as java/lang/Object.class."""
    image = th.vm.classpath.image()
    if image is None or not name.endswith(".class") or name.startswith("/"):
        return None
    package = name.rpartition("/")[0].replace("/", ".")
    for module in image.module_of_package(package):
        loc = image.find(f"/{module}/{name}")
        if loc is not None:
            return module, image.read(loc)
    return None


def _url(th: JThread, module: str, name: str) -> JObject:
    vm = th.vm
    return vm.new_object(th, "java/net/URL", "(Ljava/lang/String;)V",
                         [vm.new_string(f"jrt:/{module}/{name}")])


@override(BL, "findResource(Ljava/lang/String;)Ljava/net/URL;")
def _find_resource(th: JThread, a: list[Any]) -> Any:
    name = th.vm.to_str(a[0])
    found = _locate(th, name)
    return _url(th, found[0], name) if found is not None else None


@override(BL, "findResources(Ljava/lang/String;)Ljava/util/Enumeration;")
def _find_resources(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    urls = vm.new_object(th, "java/util/ArrayList", "()V", [])
    url = _find_resource(th, a)
    if url is not None:
        vm.call_virtual(th, urls, "add", "(Ljava/lang/Object;)Z", url)
    return vm.call_static(th, "java/util/Collections", "enumeration",
                          "(Ljava/util/Collection;)Ljava/util/Enumeration;", urls)


@override(BL, "findResourceAsStream(Ljava/lang/String;Ljava/lang/String;)"
              "Ljava/io/InputStream;")
def _find_resource_stream(th: JThread, a: list[Any]) -> Any:
    found = _locate(th, th.vm.to_str(a[1]))
    return _stream(th, found[1]) if found is not None else None


def _stream(th: JThread, data: bytes) -> JObject:
    from vmforms.jvm.runtime.natives.annotations import byte_array

    return th.vm.new_object(th, "java/io/ByteArrayInputStream", "([B)V",
                            [byte_array(th, data)])


@override("sun/net/www/protocol/jrt/Handler",
          "openConnection(Ljava/net/URL;)Ljava/net/URLConnection;")
def _open_connection(th: JThread, a: list[Any]) -> Any:
    # The connection class's initialiser opens the library's image reader: its
    # instances are made without it, and its reading methods are ours.
    vm = th.vm
    k = vm.load(CONN, th)
    conn = k.new_instance()
    s = k.field_slots
    conn.fields[s["url"]] = a[1]
    conn.fields[s["doInput"]] = 1
    path = vm.to_str(vm.call_virtual(th, a[1], "getPath", "()Ljava/lang/String;"))
    module, _, name = path.lstrip("/").partition("/")
    conn.native = (module, name)
    return conn


def _bytes_of(th: JThread, conn: JObject) -> bytes:
    module, name = conn.native
    image = th.vm.classpath.image()
    loc = image.find(f"/{module}/{name}") if image is not None and name else None
    if loc is None or image is None:
        th.vm.throw(th, "java/io/IOException", f"cannot access jrt:/{module}/{name}")
        raise AssertionError
    return image.read(loc)


@override(CONN, "connect()V")
def _connect(th: JThread, a: list[Any]) -> Any:
    _bytes_of(th, a[0])
    a[0].fields[a[0].klass.field_slots["connected"]] = 1


@override(CONN, "getInputStream()Ljava/io/InputStream;")
def _input_stream(th: JThread, a: list[Any]) -> Any:
    return _stream(th, _bytes_of(th, a[0]))


@override(CONN, "getContentLengthLong()J")
def _length_long(th: JThread, a: list[Any]) -> Any:
    try:
        return len(_bytes_of(th, a[0]))
    except Exception:
        return -1


@override(CONN, "getContentLength()I")
def _length(th: JThread, a: list[Any]) -> Any:
    n = _length_long(th, a)
    return n if n <= 0x7FFFFFFF else -1


# -- Class.getResource(AsStream) ---------------------------------------------------------
# A system class finds resources in its own module: class files and files outside the
# module's packages for anyone, the rest for the module's own code only (as for a named
# module under HotSpot). Class-path classes ask their class loader.

def _resolve(k: Any, name: str) -> str:
    if name.startswith("/"):
        return name[1:]
    while k.component is not None:
        k = k.component
    package = k.name.rpartition("/")[0]
    return f"{package}/{name}" if package else name


def _module_resource(th: JThread, k: Any, name: str) -> bytes | None:
    image = th.vm.classpath.image()
    if image is None:
        return None
    package = name.rpartition("/")[0].replace("/", ".")
    if not name.endswith(".class") and package and image.module_of_package(package):
        frames = th.frames
        caller = frames[-1][0].klass if frames else None
        if caller is None or caller.module != k.module:
            return None
    loc = image.find(f"/{k.module}/{name}")
    return image.read(loc) if loc is not None else None


def _system_module(k: Any) -> str:
    while k.component is not None:
        k = k.component
    return str(k.module)


@override("java/lang/Class", "getResourceAsStream(Ljava/lang/String;)Ljava/io/InputStream;")
def _class_resource_stream(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    if a[1] is None:
        vm.throw(th, "java/lang/NullPointerException")
    k = a[0].native
    name = _resolve(k, vm.to_str(a[1]))
    if _system_module(k):
        data = _module_resource(th, k, name)
        return _stream(th, data) if data is not None else None
    return _loader_call(th, a[0], name, "getResourceAsStream", "Ljava/io/InputStream;")


@override("java/lang/Class", "getResource(Ljava/lang/String;)Ljava/net/URL;")
def _class_resource(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    if a[1] is None:
        vm.throw(th, "java/lang/NullPointerException")
    k = a[0].native
    name = _resolve(k, vm.to_str(a[1]))
    module = _system_module(k)
    if module:
        return _url(th, module, name) if _module_resource(th, k, name) is not None else None
    return _loader_call(th, a[0], name, "getResource", "Ljava/net/URL;")


def _loader_call(th: JThread, mirror: JObject, name: str, method: str, ret: str) -> Any:
    from vmforms.jvm.runtime.natives.services import loader_of

    vm = th.vm
    loader = loader_of(th, mirror)
    if loader is None:
        return vm.call_static(th, "java/lang/ClassLoader", "getSystem" + method[3:],
                              f"(Ljava/lang/String;){ret}", vm.new_string(name))
    return vm.call_virtual(th, loader, method, f"(Ljava/lang/String;){ret}",
                           vm.new_string(name))
