"""java.lang.Module and ModuleLayer over the host's module graph (runtime/modules.py):
named modules for the system classes and the module path, the boot layer, and strong
encapsulation (JDK 17 java.lang.Module, ModuleLayer, JLS 7.7).

HotSpot maps the boot layer from its CDS archive; running ModuleBootstrap's resolution
in this interpreter would cost seconds, so a Module is made on first request: its
ModuleDescriptor is built from the module-info the host parsed (the descriptor's own
constructors, so every query on it is the library's), its `reads` from the requires
directives. Whether a package is exported or opened is answered here from the
declarations (implIsExportedOrOpen), then by the library's record of what was added at
run time (--add-opens, Module.addOpens), so the library's access checks (setAccessible,
privateLookupIn, Reflection.verifyModuleAccess) refuse what HotSpot refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JObject
from vmforms.jvm.runtime.modules import ACC_TRANSITIVE, Export, ModuleGraph, ModuleInfo, Requires
from vmforms.jvm.runtime.natives import noop, override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import VM, JThread

MD = "java/lang/module/ModuleDescriptor"
SET_OF = ("java/util/Set", "of", "([Ljava/lang/Object;)Ljava/util/Set;")


class ModuleState:
    def __init__(self, graph: ModuleGraph) -> None:
        self.graph = graph
        self.objects: dict[str, JObject] = {}
        self.versions: dict[str, Any] = {}
        self.layer: JObject | None = None
        self.platform: frozenset[str] | None = None  # the platform loader's modules


def platform_loader_of(th: JThread, module: str) -> JObject | None:
    """The platform class loader for a module it defines (JDK 17 ModuleLoaderMap), else
    None (the boot loader's modules)."""
    vm = th.vm
    st = state(vm)
    if st.platform is None:
        names = vm.call_static(th, "jdk/internal/module/ModuleLoaderMap", "platformModules",
                               "()Ljava/util/Set;")
        arr = vm.call_virtual(th, names, "toArray", "()[Ljava/lang/Object;")
        st.platform = frozenset(vm.to_str(n) for n in arr.data)
    if module not in st.platform:
        return None
    def make() -> JObject:
        cl: JObject = vm.call_static(th, "java/lang/ClassLoader", "getPlatformClassLoader",
                                     "()Ljava/lang/ClassLoader;")
        vm.identity_hash(cl, th)  # HotSpot's start-up hashes it (the loader tables)
        return cl

    found: JObject = vm.as_startup(th, make)
    return found


_states: dict[int, ModuleState] = {}


def configure(vm: VM, graph: ModuleGraph) -> None:
    """The launcher's module options (--module-path, --add-modules, -m) for this VM."""
    _states[id(vm)] = ModuleState(graph)


def state(vm: VM) -> ModuleState:
    found = _states.get(id(vm))
    if found is None:
        found = _states[id(vm)] = ModuleState(ModuleGraph(vm.classpath.image()))
    return found


def user_module_of(vm: VM, k: Any) -> ModuleInfo | None:
    """The module path module of a class, if the program has one."""
    st = _states.get(id(vm))
    if st is None or not st.graph.user or k.module or k.loader is not None:
        return None
    name = st.graph.module_of_user_class(k.name)
    return st.graph.info(name) if name else None


def user_providers(vm: VM) -> list[tuple[str, list[str]]]:
    """The `provides` of the boot layer's module path modules (internal names)."""
    st = _states.get(id(vm))
    if st is None or not st.graph.user:
        return []
    layer = st.graph.layer()
    return [(svc.replace(".", "/"), [i.replace(".", "/") for i in impls])
            for name in st.graph.user if name in layer
            for svc, impls in st.graph.infos[name].provides]


# java.lang.reflect.Proxy's dynamic module for proxies of public interfaces (the VM
# builds proxy classes itself, dynamic.py, all of them for the application loader).
PROXY_MODULE = "jdk.proxy1"
_PROXY_INFO = ModuleInfo(
    name=PROXY_MODULE, flags=0x1000, version=None,
    requires=(Requires("java.base", 0x8000, None),),
    exports=(Export(PROXY_MODULE, 0, ()),), opens=(), uses=(), provides=(),
    packages=frozenset({PROXY_MODULE}), main_class=None, location="")


def module_name_of(vm: VM, k: Any) -> str:
    """The named module of a class ("" for an unnamed one)."""
    while k.component is not None:
        k = k.component
    if k.primitive:
        return "java.base"
    if k.module:
        return str(k.module)
    if k.name.startswith("jdk/proxy1/") and k.superclass is not None \
            and k.superclass.name == "java/lang/reflect/Proxy":
        state(vm).graph.infos.setdefault(PROXY_MODULE, _PROXY_INFO)
        return PROXY_MODULE
    if k.loader is None and vm.booted:
        return state(vm).graph.module_of_user_class(k.name)
    return ""


# -- building the Java objects ---------------------------------------------------------
def _set(th: JThread, items: list[Any]) -> Any:
    vm = th.vm
    return vm.call_static(th, *SET_OF, vm.new_array("[Ljava/lang/Object;", items))


def _flags(th: JThread, enum: str, flags: int) -> Any:
    """A Set of Modifier constants for access flags (JVMS 4.7.25)."""
    vm = th.vm
    k = vm.load(enum, th)
    vm.initialize(k, th)
    names = {0x0020: "TRANSITIVE" if enum.endswith("Requires$Modifier") else "OPEN",
             0x0040: "STATIC", 0x1000: "SYNTHETIC", 0x8000: "MANDATED"}
    return _set(th, [k.statics[n] for bit, n in names.items() if flags & bit])


def _version(th: JThread, st: ModuleState, text: str | None) -> Any:
    if text is None:
        return None
    if text not in st.versions:
        st.versions[text] = th.vm.call_static(
            th, f"{MD}$Version", "parse", f"(Ljava/lang/String;)L{MD}$Version;",
            th.vm.intern(text))
    return st.versions[text]


def _descriptor(th: JThread, st: ModuleState, info: ModuleInfo) -> JObject:
    vm = th.vm
    s = vm.intern

    def directive(kind: str, d: Any) -> JObject:
        return vm.new_object(th, f"{MD}${kind}", "(Ljava/util/Set;Ljava/lang/String;"
                             "Ljava/util/Set;Z)V",
                             [_flags(th, f"{MD}${kind}$Modifier", d.flags), s(d.package),
                              _set(th, [s(t) for t in d.targets]), 0])

    requires = [vm.new_object(th, f"{MD}$Requires", "(Ljava/util/Set;Ljava/lang/String;"
                              f"L{MD}$Version;Z)V",
                              [_flags(th, f"{MD}$Requires$Modifier", r.flags), s(r.name),
                               _version(th, st, r.version), 0]) for r in info.requires]
    provides = [vm.new_object(th, f"{MD}$Provides", "(Ljava/lang/String;Ljava/util/List;Z)V",
                              [s(svc), vm.call_static(
                                  th, "java/util/List", "of",
                                  "([Ljava/lang/Object;)Ljava/util/List;",
                                  vm.new_array("[Ljava/lang/Object;", [s(p) for p in impls])),
                               0]) for svc, impls in info.provides]
    return vm.new_object(
        th, MD, f"(Ljava/lang/String;L{MD}$Version;Ljava/util/Set;Ljava/util/Set;"
        "Ljava/util/Set;Ljava/util/Set;Ljava/util/Set;Ljava/util/Set;Ljava/util/Set;"
        "Ljava/lang/String;IZ)V",
        [s(info.name), _version(th, st, info.version),
         _flags(th, f"{MD}$Modifier", info.flags), _set(th, requires),
         _set(th, [directive("Exports", e) for e in info.exports]),
         _set(th, [directive("Opens", o) for o in info.opens]),
         _set(th, [s(u) for u in info.uses]), _set(th, provides),
         _set(th, [s(p) for p in sorted(info.packages)]),
         s(info.main_class) if info.main_class else None, 0, 0])


def module_object(th: JThread, name: str) -> JObject | None:
    """The java.lang.Module of a named module (made on first request), or None."""
    st = state(th.vm)
    found = st.objects.get(name)
    if found is not None:
        return found
    if st.graph.info(name) is None:
        return None
    # HotSpot's boot layer comes from its archive at start-up: making it here draws no
    # identity hashes from the program's thread (enum sets and the reads set hash).
    made: JObject = th.vm.as_startup(th, lambda: _make_module(th, st, name))
    return made


def _make_module(th: JThread, st: ModuleState, name: str) -> JObject:
    vm = th.vm
    info = st.graph.info(name)
    assert info is not None
    with vm.load_lock:
        found = st.objects.get(name)
        if found is not None:
            return found
        mk = vm.load("java/lang/Module", th)
        vm.initialize(mk, th)
        m = mk.new_instance()
        f, slots = m.fields, mk.field_slots
        f[slots["name"]] = vm.intern(name)
        if name in st.graph.user or name == PROXY_MODULE:
            from vmforms.jvm.runtime.natives.services import system_loader

            f[slots["loader"]] = system_loader(th)
        else:
            f[slots["loader"]] = platform_loader_of(th, name)
        if st.layer is not None and name in st.graph.layer():
            f[slots["layer"]] = st.layer
        st.objects[name] = m
        f[slots["descriptor"]] = _descriptor(th, st, info)
        reads = [m2 for r in _readable(st.graph, name)
                 if (m2 := module_object(th, r)) is not None]
        f[slots["reads"]] = vm.new_object(th, "java/util/HashSet", "()V", [])
        for r in reads:
            vm.call_virtual(th, f[slots["reads"]], "add", "(Ljava/lang/Object;)Z", r)
        if name == PROXY_MODULE:  # as Proxy.getDynamicModule opens it to java.base
            vm.call_static(th, "jdk/internal/module/Modules", "addOpens",
                           "(Ljava/lang/Module;Ljava/lang/String;Ljava/lang/Module;)V",
                           m, vm.intern(name), module_object(th, "java.base"))
    return m


def _readable(graph: ModuleGraph, name: str) -> list[str]:
    """The modules `name` reads: those it requires, what they require transitively, and
    java.base (JLS 7.7.1)."""
    out: list[str] = []
    info = graph.info(name)
    todo = [r.name for r in info.requires] if info is not None else []
    while todo:
        n = todo.pop(0)
        if n in out or n == name or graph.info(n) is None:
            continue
        out.append(n)
        dep = graph.info(n)
        assert dep is not None
        todo.extend(r.name for r in dep.requires if r.flags & ACC_TRANSITIVE)
    if name != "java.base" and "java.base" not in out:
        out.append("java.base")
    return out


def boot_layer(th: JThread) -> JObject:
    """ModuleLayer.boot(): the layer of every module the boot configuration resolves.
    Its Configuration is not built (configuration() answers null)."""
    st = state(th.vm)
    if st.layer is not None:
        return st.layer
    made: JObject = th.vm.as_startup(th, lambda: _make_layer(th, st))
    return made


def _make_layer(th: JThread, st: ModuleState) -> JObject:
    vm = th.vm
    lk = vm.load("java/lang/ModuleLayer", th)
    vm.initialize(lk, th)
    layer = lk.new_instance()
    st.layer = layer
    names = st.graph.layer()
    table = vm.new_object(th, "java/util/HashMap", "()V", [])
    lslot = vm.load("java/lang/Module", th).field_slots["layer"]
    for n in sorted(names):
        m = module_object(th, n)
        if m is not None:
            m.fields[lslot] = layer
            vm.call_virtual(th, table, "put", "(Ljava/lang/Object;Ljava/lang/Object;)"
                            "Ljava/lang/Object;", vm.intern(n), m)
    empty = vm.call_static(th, "java/lang/ModuleLayer", "empty", "()Ljava/lang/ModuleLayer;")
    f, slots = layer.fields, lk.field_slots
    f[slots["nameToModule"]] = table
    f[slots["parents"]] = vm.call_static(th, "java/util/List", "of",
                                         "(Ljava/lang/Object;)Ljava/util/List;", empty)
    vm.load("java/lang/System", th).statics["bootLayer"] = layer
    return layer


# -- the library's entry points ----------------------------------------------------------
@override("java/lang/Class", "getModule()Ljava/lang/Module;")
def _get_module(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    k = a[0].native
    name = module_name_of(vm, k)
    if name:
        m = module_object(th, name)
        if m is not None:
            return m
    # Otherwise the unnamed module of the class's loader (the application loader's for
    # the class path), as HotSpot's java_lang_Class::module.
    from vmforms.jvm.runtime.natives.services import loader_of

    loader = loader_of(th, a[0])
    if loader is not None:
        cl = vm.load("java/lang/ClassLoader", th)
        unnamed = loader.fields[cl.field_slots["unnamedModule"]]
        if unnamed is not None:
            return unnamed
    return a[0].fields[a[0].klass.field_slots["module"]]


@override("java/lang/ModuleLayer", "boot()Ljava/lang/ModuleLayer;")
def _boot(th: JThread, a: list[Any]) -> Any:
    return boot_layer(th)


@override("java/lang/Module", "getLayer()Ljava/lang/ModuleLayer;")
def _get_layer(th: JThread, a: list[Any]) -> Any:
    m = a[0]
    slots = m.klass.field_slots
    name = m.fields[slots["name"]]
    if name is None:
        return None
    if m.fields[slots["layer"]] is None and th.vm.to_str(name) in state(th.vm).graph.layer():
        boot_layer(th)
    return m.fields[slots["layer"]]


@override("java/lang/Module", "implIsExportedOrOpen(Ljava/lang/String;Ljava/lang/Module;Z)Z")
def _exported_or_open(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    this, pn, other, open_only = a
    slots = this.klass.field_slots
    name = this.fields[slots["name"]]
    if name is None:
        return 1
    info = state(vm).graph.info(vm.to_str(name))
    package = vm.to_str(pn)
    if info is None:
        return 0
    if other is this and package in info.packages:
        return 1
    other_name = other.fields[slots["name"]]
    target = vm.to_str(other_name) if other_name is not None else None
    if target is not None and state(vm).objects.get(target) is not other:
        target = None  # a module of another layer with the same name
    if info.allows(package, target, bool(open_only)):
        return 1
    if info.is_open:
        return 0
    return vm.call_virtual(th, this, "isReflectivelyExportedOrOpen",
                           "(Ljava/lang/String;Ljava/lang/Module;Z)Z", pn, other, open_only)



# HotSpot's start-up ends at init level 4 (initPhase3); this VM stops after initPhase1 and
# answers getSystemClassLoader's early case itself (services.py), so only isBooted says
# that start-up is over: ServiceLoader and the others then take their booted paths.
override("jdk/internal/misc/VM", "isBooted()Z")(lambda th, a: 1 if th.vm.booted else 0)

# HotSpot keeps its own copy of the module graph for the access checks of linking; this
# VM checks module access only in the library's reflection paths (above), so the calls
# that keep HotSpot's copy in step have nothing to do.
noop("java/lang/Module", "defineModule0(Ljava/lang/Module;ZLjava/lang/String;Ljava/lang/String;"
     "[Ljava/lang/Object;)V", "addReads0(Ljava/lang/Module;Ljava/lang/Module;)V",
     "addExports0(Ljava/lang/Module;Ljava/lang/String;Ljava/lang/Module;)V",
     "addExportsToAll0(Ljava/lang/Module;Ljava/lang/String;)V",
     "addExportsToAllUnnamed0(Ljava/lang/Module;Ljava/lang/String;)V")
