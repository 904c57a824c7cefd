"""ServiceLoader without the module system booted: the `provides` clauses of the
system modules' module-info classes (JVMS 4.7.25) stand for the boot layer's services
catalog, read once on the first lookup; the class path's META-INF/services files
follow, found by the library's own LazyClassPathLookupIterator. Also the context class
loader that initPhase3 would have given the main thread."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.module import ModuleAttribute
from vmforms.jvm.runtime.natives import override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

SL = "java/util/ServiceLoader"
_catalog: dict[int, dict[str, list[str]]] = {}


def system_module_names(image: Any) -> list[str]:
    """The system modules in the order the JDK's `release` file lists them."""
    home = os.path.dirname(os.path.dirname(image.path))
    try:
        with open(os.path.join(home, "release"), encoding="utf-8") as f:
            for line in f:
                if line.startswith("MODULES="):
                    return line.partition("=")[2].strip().strip('"').split()
    except OSError:
        pass
    return ["java.base"]


def catalog(th: JThread) -> dict[str, list[str]]:
    """Service interface -> provider classes (internal names) of the modules: the module
    path's (the application loader's), then the system modules'."""
    vm = th.vm
    found = _catalog.get(id(vm))
    if found is not None:
        return found
    out: dict[str, list[str]] = {}
    from vmforms.jvm.runtime.natives.modules import user_providers

    for service, impls in user_providers(vm):
        out.setdefault(service, []).extend(impls)
    image = vm.classpath.image()
    modules = system_module_names(image) if image is not None else []
    # ServiceLoader walks the application loader's modules, then the platform loader's,
    # then the boot loader's.
    rank = {m: 0 for m in modules}
    for level, getter in ((2, "bootModules"), (1, "platformModules")):
        names = vm.call_static(th, "jdk/internal/module/ModuleLoaderMap", getter,
                               "()Ljava/util/Set;")
        arr = vm.call_virtual(th, names, "toArray", "()[Ljava/lang/Object;")
        for n in arr.data:
            rank[vm.to_str(n)] = level
    for module in sorted(modules, key=lambda m: rank.get(m, 0)):
        loc = image.find(f"/{module}/module-info.class")  # type: ignore[union-attr]
        if loc is None:
            continue
        cf = parse_class(image.read(loc), module)  # type: ignore[union-attr]
        attr = cf.attribute(ModuleAttribute)
        if attr is None:
            continue
        cp = cf.constant_pool
        for p in attr.provides:
            impls = out.setdefault(cp.class_name(p.provides_index), [])
            impls.extend(cp.class_name(i) for i in p.provides_with_index)
    _catalog[id(vm)] = out
    return out


def _provider(th: JThread, service: JObject, impl: JClass) -> JObject | None:
    """A ServiceLoader.Provider for a module's provider class: its public static
    provider() method, else its public no-argument constructor."""
    from vmforms.jvm.runtime.natives.reflect import constructor_object, method_object

    vm = th.vm
    mirror = vm.mirror(impl)
    methods = list(impl.methods.values())
    member = None
    kind = "Ljava/lang/reflect/Constructor;"
    for slot, m in enumerate(methods):
        if m.name == "provider" and m.is_static and m.access & 0x0001 and not m.args:
            member = method_object(th, mirror, m, slot)
            kind = "Ljava/lang/reflect/Method;"
            break
    else:
        for slot, m in enumerate(methods):
            if m.key == "<init>()V":
                member = constructor_object(th, mirror, m, slot)
                break
    if member is None:
        return None
    ao = vm.load("java/lang/reflect/AccessibleObject", th)
    member.fields[ao.field_slots["override"]] = 1
    return vm.new_object(th, "java/util/ServiceLoader$ProviderImpl",
                         f"(Ljava/lang/Class;Ljava/lang/Class;{kind}"
                         "Ljava/security/AccessControlContext;)V",
                         [service, mirror, member, None])


@override(SL, "newLookupIterator()Ljava/util/Iterator;")
def _lookup_iterator(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    loader = a[0]
    service: JObject = loader.fields[loader.klass.field_slots["service"]]
    providers = vm.new_object(th, "java/util/ArrayList", "()V", [])
    for name in catalog(th).get(service.native.name, []):
        p = _provider(th, service, vm.load(name, th))
        if p is not None:
            vm.call_virtual(th, providers, "add", "(Ljava/lang/Object;)Z", p)
    rest = vm.new_object(th, "java/util/ServiceLoader$LazyClassPathLookupIterator",
                         "(Ljava/util/ServiceLoader;)V", [loader])
    while vm.call_virtual(th, rest, "hasNext", "()Z"):
        vm.call_virtual(th, providers, "add", "(Ljava/lang/Object;)Z",
                        vm.call_virtual(th, rest, "next", "()Ljava/lang/Object;"))
    return vm.call_virtual(th, providers, "iterator", "()Ljava/util/Iterator;")


# -- the context class loader ------------------------------------------------------------
# HotSpot's initPhase3 makes the system class loader the main thread's context loader.
# Building that loader costs start-up time, so it is made on the first request instead;
# a thread whose loader the program set (even to null) keeps what it set.

_explicit: set[int] = set()


@override("java/lang/Thread", "getContextClassLoader()Ljava/lang/ClassLoader;")
def _get_context_loader(th: JThread, a: list[Any]) -> Any:
    t = a[0]
    slot = t.klass.field_slots["contextClassLoader"]
    cl = t.fields[slot]
    if cl is None and id(t) not in _explicit and th.vm.booted:
        cl = t.fields[slot] = system_loader(th)
    return cl


@override("java/lang/Thread", "setContextClassLoader(Ljava/lang/ClassLoader;)V")
def _set_context_loader(th: JThread, a: list[Any]) -> Any:
    t = a[0]
    _explicit.add(id(t))
    t.fields[t.klass.field_slots["contextClassLoader"]] = a[1]


def system_loader(th: JThread) -> Any:
    """ClassLoader.getSystemClassLoader(), made as HotSpot's start-up would have made it."""
    return th.vm.as_startup(th, lambda: th.vm.call_static(
        th, "java/lang/ClassLoader", "getSystemClassLoader", "()Ljava/lang/ClassLoader;"))


# -- class loaders of class-path classes -------------------------------------------------
# Classes from the class path belong to the application class loader, as under HotSpot;
# it is made on the first request. System classes keep the boot loader (null), but those
# of the platform modules report the platform loader as HotSpot's do.

def loader_of(th: JThread, mirror: JObject) -> Any:
    vm = th.vm
    slot = mirror.klass.field_slots["classLoader"]
    cl = mirror.fields[slot]
    if cl is not None or not vm.booted:
        return cl
    k: JClass = mirror.native
    while k.component is not None:
        k = k.component
    if k.primitive:
        return None
    if k.module:
        from vmforms.jvm.runtime.natives.modules import platform_loader_of

        cl = platform_loader_of(th, k.module)
        if cl is not None:
            mirror.fields[slot] = cl
        return cl
    cl = system_loader(th)
    mirror.fields[slot] = cl
    return cl


override("java/lang/Class", "getClassLoader0()Ljava/lang/ClassLoader;")(
    lambda th, a: loader_of(th, a[0]))
override("java/lang/Class", "getClassLoader()Ljava/lang/ClassLoader;")(
    lambda th, a: loader_of(th, a[0]))
