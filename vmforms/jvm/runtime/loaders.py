"""Class loaders as HotSpot's messages name them (ClassLoaderData::loader_name_and_id)."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.klass import JClass
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


# Per class loader, the classes it was asked for and answered (HotSpot records it as
# their initiating loader), so each name is asked once.
_initiated: weakref.WeakKeyDictionary[JObject, dict[str, JClass]] = weakref.WeakKeyDictionary()


def load_via(vm: Any, loader: JObject, name: str, th: JThread) -> JClass:
    """The class `name` as a program's class loader gives it to the classes it defined
    (JVMS 5.3.2): its own, the system classes (every loader ends at the boot loader for
    those), else what its loadClass answers, as HotSpot asks it, so a child-first
    loader's own copy wins over the class path's."""
    from vmforms.jvm.runtime.heap import JavaThrowable

    own = vm.loader_classes.get(loader)
    if own is not None and name in own:
        return own[name]  # type: ignore[no-any-return]
    seen = _initiated.setdefault(loader, {})
    k = seen.get(name)
    if k is not None:
        return k
    shared = vm.classes.get(name)
    if shared is not None and shared.module or \
            shared is None and vm.classpath.find_system(name) is not None:
        return vm.load(name, th)  # type: ignore[no-any-return]
    try:
        mirror = vm.call_virtual(th, loader, "loadClass", "(Ljava/lang/String;)Ljava/lang/Class;",
                                 vm.new_string(name.replace("/", ".")))
    except JavaThrowable as exc:
        if exc.obj.klass.name != "java/lang/ClassNotFoundException":
            raise
        mirror = None
    if mirror is None:
        vm.throw(th, "java/lang/NoClassDefFoundError", name)
    found: JClass = mirror.native
    seen[name] = found
    return found


def note_definition(vm: Any, k: JClass) -> None:
    """Once two loaders define one name, mark every class of that name shadowed, so
    that type checks compare classes, not names."""
    same = [c for c in (vm.classes.get(k.name),
                        *(own.get(k.name) for own in vm.loader_classes.values()))
            if c is not None and c is not k]
    if same:
        k.shadowed = True
        for c in same:
            c.shadowed = True


def _loader(th: JThread, k: JClass) -> JObject | None:
    from vmforms.jvm.runtime.natives.services import loader_of

    while k.component is not None:
        k = k.component
    return loader_of(th, th.vm.mirror(k)) if not k.primitive else None


def describe(th: JThread, k: JClass, parent: bool = False) -> str:
    """A class's module and loader as HotSpot's messages name them (ClassCastException;
    with the parent of a program's loader, loader constraint violations)."""
    from vmforms.jvm.runtime.natives.modules import module_name_of

    loader = _loader(th, k)
    module = module_name_of(th.vm, k)
    where = f"module {module}" if module else "unnamed module"
    text = f"{where} of loader {loader_text(th, loader)}"
    if parent and loader is not None and loader.klass.name not in BUILTIN:
        up = loader.fields[loader.klass.field_slots["parent"]]
        text += f", parent loader {loader_text(th, up)}"
    return text


def _known(vm: Any, loader: JObject | None, name: str) -> JClass | None:
    """The class `name` as `loader` sees it, if that is already settled (nothing loads)."""
    if loader is None:
        return vm.classes.get(name)  # type: ignore[no-any-return]
    own = vm.loader_classes.get(loader)
    k = own.get(name) if own is not None else None
    if k is None:
        k = _initiated.get(loader, {}).get(name)
    if k is None:
        shared = vm.classes.get(name)
        k = shared if shared is not None and shared.module else None
    return k


def check_constraints(th: JThread, current: JClass, method: Any) -> None:
    """JVMS 5.3.4: a method resolved across two loaders must mean the same classes by
    the names of its descriptor to both. HotSpot records constraints on names not yet
    loaded too; this checks the names both loaders have already settled."""
    from vmforms.jvm.runtime.klass import parse_arguments

    a, b = current.loader, method.klass.loader
    if a is b or a is not None and b is not None and a.klass.name in BUILTIN:
        return
    args, ret = parse_arguments(method.descriptor)
    for d in (*args, ret):
        base = d.lstrip("[")
        if not base.startswith("L"):
            continue
        name = base[1:-1]
        x, y = _known(th.vm, a, name), _known(th.vm, b, name)
        if x is None or y is None or x is y:
            continue
        from vmforms.jvm.runtime.resolve import _params_name, _return_name

        d_cls, c_cls, desc = method.klass, current, method.descriptor
        th.vm.throw(th, "java/lang/LinkageError", (
            f"loader constraint violation: when resolving method '{_return_name(desc)} "
            f"{d_cls.java_name}.{method.name}{_params_name(desc)}' the class loader "
            f"{loader_text(th, _loader(th, c_cls))} of the current class, {c_cls.java_name}, "
            f"and the class loader {loader_text(th, _loader(th, d_cls))} for the method's "
            f"defining class, {d_cls.java_name}, have different Class objects for the type "
            f"{name.replace('/', '.')} used in the signature ({c_cls.java_name} is in "
            f"{describe(th, c_cls, True)}; {d_cls.java_name} is in {describe(th, d_cls, True)})"))


def duplicate_message(th: JThread, loader: JObject | None, name: str) -> str:
    """The LinkageError of a second definition of `name` by the same loader."""
    if loader is None:
        return f'duplicate class definition for name: "{name}"'
    who = loader_text(th, loader)
    parent = loader.fields[loader.klass.field_slots["parent"]]
    java = name.replace("/", ".")
    return (f"loader {who} attempted duplicate class definition for {java}. ({java} is in "
            f"unnamed module of loader {who}, parent loader {loader_text(th, parent)})")
