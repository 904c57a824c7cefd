"""The virtual machine: class loading, linking and initialisation (JVMS 5), strings,
Java exceptions raised by the VM itself, and threads.

Every class comes from the boot loader's view of the class path: the JDK's lib/modules
first, then the user's directories and jars. Strings are real java.lang.String objects
(JDK 9+ compact strings: a byte[] value and a LATIN1/UTF16 coder).
"""

from __future__ import annotations

import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile import parse_class
from vmforms.jvm.classfile.attributes import ConstantValueAttribute
from vmforms.jvm.classfile.constants import (
    ConstantDouble,
    ConstantFloat,
    ConstantInteger,
    ConstantLong,
    ConstantString,
)
from vmforms.jvm.errors import ClassFormatError, JvmError
from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.heap import (
    Heap,
    JArray,
    JavaThrowable,
    JObject,
    heap_sizes,
    physical_memory,
)
from vmforms.jvm.runtime.klass import (
    ERRONEOUS,
    INITIALIZED,
    INITIALIZING,
    LOADED,
    PRIMITIVE_NAMES,
    JClass,
    JMethod,
)
from vmforms.jvm.runtime.loaders import load_via, note_definition
from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

if TYPE_CHECKING:
    from collections.abc import Callable


MAX_CLASS_VERSION = 61  # Java 17 (JVMS 4.1)
# Arrays up to this length are built first and charged after: their element list costs
# the host little even when the charge then fails.
ARRAY_PRECHECK = 1 << 16


RANDOM_SEED = 1234567  # HotSpot's os::random starts here


class JThread:
    """The VM side of one Java thread: its frames (for stack traces and getCallerClass)."""

    __slots__ = ("vm", "frames", "obj", "depth", "interrupted", "ident", "count", "parked",
                 "park_event", "limit", "hash_state")

    def __init__(self, vm: VM, obj: JObject | None) -> None:
        self.vm = vm
        self.hash_state = vm.new_hash_state()
        self.frames: list[list[Any]] = []
        self.obj = obj
        self.depth = 0
        self.interrupted = False
        self.ident = 0
        self.count = 0
        self.parked = 0
        self.park_event = threading.Event()
        self.limit = vm.max_depth


class VM:
    def __init__(self, classpath: ClassPath, properties: dict[str, str] | None = None,
                 max_depth: int = 2600, assertions: bool = False,
                 max_heap: int | None = None) -> None:
        self.classpath = classpath
        self.classes: dict[str, JClass] = {}
        # The classes each program class loader defined, by name (its namespace).
        self.loader_classes: weakref.WeakKeyDictionary[JObject, dict[str, JClass]] = \
            weakref.WeakKeyDictionary()
        self.interned: dict[str, JObject] = {}
        self.properties = properties or {}
        self.max_depth = max_depth
        # Every object is charged to the -Xmx budget (HotSpot's default when not given);
        # an array longer than max_array is checked against it before its list is built.
        top, initial = heap_sizes(max_heap, physical_memory())
        self.heap = Heap(top, initial)
        from vmforms.jvm.runtime.references import References

        self.references = References(self)
        self.heap.collector = lambda soft: self.references.collect(soft, full=False)
        self.max_array = ARRAY_PRECHECK
        self.assertions = assertions
        self.load_lock = threading.RLock()
        self.threads: dict[int, JThread] = {}
        self.start_ns = time.monotonic_ns()
        self.bytecodes = 0
        self.natives: dict[str, Callable[..., Any]] = {}
        self.lazy_natives: dict[str, tuple[str, ...]] = {}
        self.overrides: set[str] = set()
        self.main_thread: JThread | None = None
        self.exit_status: int | None = None
        self.static_offsets: list[tuple[JClass, str]] = []
        self.host_threads: list[Any] = []
        self.unnamed_module: JObject | None = None
        self.booted = False  # System.initPhase1 has run
        # From `main` on: the classes whose linking draws no identity hash (hotspot.py),
        # and the classes linked so far
        self.preloaded: frozenset[str] | None = None
        self.linked: set[str] = set()
        from vmforms.jvm.interp.interpreter import execute
        from vmforms.jvm.runtime.natives import register_all

        self._execute = execute
        register_all(self)

    # -- loading (JVMS 5.3) ------------------------------------------------------------
    def load(self, name: str, th: JThread | None = None) -> JClass:
        """The class named `name` (internal form or array descriptor); raises a Java
        NoClassDefFoundError when `th` is given, else a host ClassNotFound error."""
        k = self.classes.get(name)
        if k is not None:
            return k
        with self.load_lock:
            k = self.classes.get(name)
            if k is not None:
                return k
            if name.startswith("["):
                return self._array_class(name, th)
            module, source = "", None
            found = self.classpath.find_system(name)
            if found is not None:
                module = self._module_of(name)
            else:
                found = self.classpath.find_user(name)
                if found is not None:
                    source = self.classpath.entry_of(found[1], name)
            if found is None:
                if th is not None:
                    self.throw(th, "java/lang/NoClassDefFoundError", name)
                from vmforms.jvm.errors import ClassNotFoundError

                raise ClassNotFoundError(name)
            data, origin = found
            k = self._define(name, bytes(data), origin, module, th)
            k.code_source = source
            return k

    def load_for(self, referrer: JClass, name: str, th: JThread) -> JClass:
        """The class `name` as `referrer` sees it: the boot loader's view, then, for a
        class defined by a program's class loader, what that loader's loadClass finds."""
        loader = referrer.loader
        if referrer.hidden and referrer.cf is not None and name == referrer.cf.name:
            return referrer  # this_class of a hidden class is the class itself
        if loader is None:
            k = self.classes.get(name)
            return k if k is not None else self.load(name, th)
        elem = name.lstrip("[")
        if elem != name:
            if elem[0] == "L":
                self.load_for(referrer, elem[1:-1], th)
            return self.load(name, th)
        return self._load_via(loader, name, th)

    def _load_via(self, loader: JObject | None, name: str, th: JThread) -> JClass:
        return self.load(name, th) if loader is None else load_via(self, loader, name, th)

    def define(self, name: str | None, data: bytes, loader: JObject | None,
               th: JThread) -> JClass:
        """A class from bytes given at run time (ClassLoader.defineClass, JVMS 5.3.5);
        a Java LinkageError when a class of that name is already loaded."""
        with self.load_lock:
            try:
                cf = parse_class(data, "<defineClass>")
            except ClassFormatError as exc:
                self.throw(th, "java/lang/ClassFormatError", str(exc))
                raise
            cname = cf.name
            if name is not None and name != cname:
                self.throw(th, "java/lang/NoClassDefFoundError", f"{name} (wrong name: {cname})")
            # Each loader has a namespace of its own (JVMS 5.3): a name another loader
            # already defined makes a distinct class, kept in this loader's table only.
            existing = self.classes.get(cname)
            own = self.loader_classes.get(loader) if loader is not None else None
            if (own is not None and cname in own) or \
                    (existing is not None and (loader is None or existing.loader is loader)):
                from vmforms.jvm.runtime.loaders import duplicate_message

                self.throw(th, "java/lang/LinkageError", duplicate_message(th, loader, cname))
            k = self._define(cname, data, "<defineClass>", "", th, cf, loader,
                             shared=existing is None)
            k.loader = loader
            if loader is not None:
                note_definition(self, k)
                self.loader_classes.setdefault(loader, {})[cname] = k
                cc = self.load("java/lang/Class")
                self.mirror(k).fields[cc.field_slots["classLoader"]] = loader
            return k

    def _define(self, name: str, data: bytes, origin: str, module: str,
                th: JThread | None, cf: Any = None, loader: JObject | None = None,
                shared: bool = True) -> JClass:
        if cf is None:
            try:
                cf = parse_class(data, origin)
            except ClassFormatError as exc:
                if th is not None:
                    self.throw(th, "java/lang/ClassFormatError", str(exc))
                raise
        if cf.major_version > MAX_CLASS_VERSION:
            msg = (f"{cf.name.replace('/', '.')} has been compiled by a more recent version "
                   f"of the Java Runtime (class file version {cf.major_version}."
                   f"{cf.minor_version}), this version of the Java Runtime only recognizes "
                   f"class file versions up to {MAX_CLASS_VERSION}.0")
            if th is not None:
                self.throw(th, "java/lang/UnsupportedClassVersionError", msg)
            from vmforms.jvm.errors import UnsupportedClassVersionError

            raise UnsupportedClassVersionError(origin, 6, msg)
        if cf.name != name:
            msg = f"{name} (wrong name: {cf.name})"
            if th is not None:
                self.throw(th, "java/lang/NoClassDefFoundError", msg)
            raise JvmError(f"NoClassDefFoundError: {msg}")
        if loader is not None and th is not None:
            sup = self._load_via(loader, cf.super_name, th) if cf.super_name else None
            ifaces = [self._load_via(loader, i, th) for i in cf.interface_names]
        else:
            sup = self.load(cf.super_name, th) if cf.super_name else None
            ifaces = [self.load(i, th) for i in cf.interface_names]
        k = JClass(name, cf, sup, ifaces)
        k.heap = self.heap
        k.module = module
        self._bind_natives(k)
        if shared:
            self.classes[name] = k
        return k

    def _module_of(self, name: str) -> str:
        image = self.classpath.image()
        pkg = name.rpartition("/")[0].replace("/", ".")
        mods = image.module_of_package(pkg) if image is not None else []
        return mods[0] if mods else "java.base"

    def _array_class(self, name: str, th: JThread | None) -> JClass:
        elem = name[1:]
        obj = self.load("java/lang/Object", th)
        comp: JClass
        if elem[0] == "L":
            comp = self.load(elem[1:-1], th)
        elif elem[0] == "[":
            comp = self.load(elem, th)
        else:
            comp = self.primitive_class(elem)
        k = JClass(name, None, obj, [self.load("java/lang/Cloneable", th),
                                     self.load("java/io/Serializable", th)])
        k.component = comp
        k.element = elem
        k.heap = self.heap
        k.access = 0x1011 if comp.primitive else (comp.access & 0x7) | 0x1010
        k.loader = comp.loader
        self.classes[name] = k
        k.state = INITIALIZED
        k.ancestors |= {"[" + a if a.startswith("[") else f"[L{a};"
                        for a in comp.ancestors} if not comp.primitive else set()
        if comp.is_interface or comp.primitive == "" and comp.name != "java/lang/Object":
            k.ancestors.add("[Ljava/lang/Object;")
        return k

    def primitive_class(self, letter: str) -> JClass:
        name = PRIMITIVE_NAMES[letter]
        k = self.classes.get(name)
        if k is None:
            k = JClass(name, None, None, [])
            k.primitive = letter
            k.state = INITIALIZED
            k.access = 0x411
            self.classes[name] = k
        return k

    def array_of(self, comp: JClass) -> JClass:
        k = comp.array_class
        if k is None:
            if comp.primitive:
                desc = "[" + comp.primitive
            elif comp.is_array:
                desc = "[" + comp.name
            else:
                desc = f"[L{comp.name};"
            k = comp.array_class = self.load(desc)
        return k

    def _bind_natives(self, k: JClass) -> None:
        if k.name in self.lazy_natives:
            from vmforms.jvm.runtime.natives import load_lazy

            load_lazy(self, k.name)
        prefix = k.name + "."
        for m in k.methods.values():
            key = prefix + m.key
            fn = self.natives.get(key)
            if fn is not None and (m.is_native or key in self.overrides):
                m.native = fn
                # An overridden abstract method becomes the class's own implementation.
                m.access &= ~0x0400

    # -- initialisation (JVMS 5.5) ------------------------------------------------------
    def initialize(self, k: JClass, th: JThread) -> None:
        if k.state == INITIALIZED:
            return
        if self.preloaded is not None:
            self._link_draws(k, th)
        me = threading.get_ident()
        with k.init_lock:
            if k.state == INITIALIZED or (k.state == INITIALIZING and k.init_thread == me):
                return
            if k.state == ERRONEOUS:
                self.throw(th, "java/lang/NoClassDefFoundError",
                           f"Could not initialize class {k.java_name}")
            k.state = INITIALIZING
            k.init_thread = me
            try:
                if k.superclass is not None and not k.is_interface:
                    self.initialize(k.superclass, th)
                    for i in k.interfaces:
                        if any(not m.is_abstract and not m.is_static
                               for m in i.methods.values()):
                            self.initialize(i, th)
                self._constant_values(k)
                clinit = k.methods.get("<clinit>()V")
                if clinit is not None:
                    self.invoke(th, clinit, [])
            except JavaThrowable as exc:
                k.state = ERRONEOUS
                ex = exc.obj
                if not ex.klass.is_subclass_of(self.load("java/lang/Error")):
                    err = self.new_object(th, "java/lang/ExceptionInInitializerError",
                                          "(Ljava/lang/Throwable;)V", [ex])
                    raise JavaThrowable(err) from None
                raise
            except BaseException:
                k.state = LOADED
                raise
            k.state = INITIALIZED

    def _constant_values(self, k: JClass) -> None:
        cf = k.cf
        if cf is None:
            return
        cp = cf.constant_pool
        for f in cf.fields:
            if not f.access_flags & 0x0008:
                continue
            cv = f.attribute(ConstantValueAttribute)
            if cv is None:
                continue
            e = cp.entry(cv.constantvalue_index)
            if isinstance(e, ConstantInteger | ConstantLong):
                k.statics[f.name] = e.value
            elif isinstance(e, ConstantFloat):
                k.statics[f.name] = bits_to_float(e.bits)
            elif isinstance(e, ConstantDouble):
                k.statics[f.name] = bits_to_double(e.bits)
            elif isinstance(e, ConstantString):
                k.statics[f.name] = self.intern(cp.utf8(e.string_index))

    # -- calling -------------------------------------------------------------------------
    def invoke(self, th: JThread, m: JMethod, args: list[Any]) -> Any:
        """Call `m` with `args` in slot form (a long or double followed by None)."""
        if m.native is not None:
            return m.native(th, args)
        return self._execute(th, m, args)

    def find_method(self, k: JClass, name: str, descriptor: str) -> JMethod:
        m = k.find_method(name + descriptor)
        if m is None:
            raise JvmError(f"no method {k.name}.{name}{descriptor}")
        return m

    def call_static(self, th: JThread, cls: str, name: str, desc: str, *args: Any) -> Any:
        k = self.load(cls, th)
        self.initialize(k, th)
        return self.invoke(th, self.find_method(k, name, desc), slot_args(desc, args))

    def call_virtual(self, th: JThread, obj: JObject, name: str, desc: str, *args: Any) -> Any:
        m = obj.klass.select_virtual(name + desc)
        if m is None:
            raise JvmError(f"no method {obj.klass.name}.{name}{desc}")
        return self.invoke(th, m, [obj, *slot_args(desc, args)])

    def new_object(self, th: JThread, cls: str, desc: str, args: list[Any]) -> JObject:
        k = self.load(cls, th)
        self.initialize(k, th)
        obj = k.new_instance()
        self.invoke(th, self.find_method(k, "<init>", desc), [obj, *slot_args(desc, args)])
        return obj

    # -- exceptions ----------------------------------------------------------------------
    def throw(self, th: JThread, cls: str, message: str | None = None) -> Any:
        """Raise a new Java exception of class `cls` in `th`."""
        if message is None:
            obj = self.new_object(th, cls, "()V", [])
        else:
            obj = self.new_object(th, cls, "(Ljava/lang/String;)V", [self.intern(message)])
        raise JavaThrowable(obj)

    # -- strings -------------------------------------------------------------------------
    def new_string(self, s: str) -> JObject:
        k = self.classes.get("java/lang/String") or self.load("java/lang/String")
        obj = k.new_instance()
        f = obj.fields
        try:
            data = s.encode("latin-1")
            coder = 0
        except UnicodeEncodeError:
            data = s.encode("utf-16-le", "surrogatepass")
            coder = 1
        f[k.field_slots["value"]] = JArray(self.load("[B"),
                                           [b - 256 if b > 127 else b for b in data])
        f[k.field_slots["coder"]] = coder
        return obj

    def intern(self, s: str) -> JObject:
        obj = self.interned.get(s)
        if obj is None:
            obj = self.interned[s] = self.new_string(s)
        return obj

    def intern_object(self, obj: JObject) -> JObject:
        return self.interned.setdefault(self.to_str(obj), obj)

    def to_str(self, obj: JObject | None) -> str:
        if obj is None:
            return "null"
        k = obj.klass
        value = obj.fields[k.field_slots["value"]]
        raw = bytes(b & 0xFF for b in value.data)
        if obj.fields[k.field_slots["coder"]] == 0:
            return raw.decode("latin-1")
        return raw.decode("utf-16-le", "surrogatepass")

    # -- mirrors -------------------------------------------------------------------------
    def mirror(self, k: JClass) -> JObject:
        m = k.mirror
        if m is None:
            with self.load_lock:
                m = k.mirror
                if m is None:
                    cc = self.load("java/lang/Class")
                    m = cc.new_instance()
                    m.native = k
                    if self.unnamed_module is not None:
                        m.fields[cc.field_slots["module"]] = self.unnamed_module
                    if k.component is not None:
                        m.fields[cc.field_slots["componentType"]] = self.mirror(k.component)
                    k.mirror = m
        return m

    def new_array(self, desc: str, data: list[Any]) -> JArray:
        return JArray(self.load(desc), data)

    def identity_hash(self, obj: JObject, th: JThread | None = None) -> int:
        """The object's identity hash, drawn on first use from the asking thread's
        Marsaglia xor-shift generator, as HotSpot's default (-XX:hashCode=5) draws it."""
        h = obj.ihash
        if not h:
            owner = th if th is not None else self.main_thread
            state = owner.hash_state if owner is not None else self.new_hash_state()
            h = obj.ihash = next_identity_hash(state)
        return h

    def new_hash_state(self) -> list[int]:
        """A new thread's generator: x from the VM's Park-Miller sequence (os::random,
        seeded 1234567), the other words HotSpot's constants."""
        self._random_seed = next_random(self._random_seed)
        return hash_state(self._random_seed)

    def reset_main_hash_state(self, main: JClass | None = None) -> None:
        """Put the main thread's generator where HotSpot's stands when `main` starts:
        the first thread's seed, after the draws its start-up makes (with the default
        class-data sharing), whatever our own start-up drew."""
        if self.main_thread is None:
            return
        state = hash_state(next_random(RANDOM_SEED))
        for _ in range(HOTSPOT_STARTUP_HASHES):
            next_identity_hash(state)
        self.main_thread.hash_state = state
        from vmforms.jvm.runtime.hotspot import preloaded_classes

        self.preloaded = preloaded_classes()
        # what is linked by now stays so; HotSpot linked the main class before `main`
        self.linked = {name for name, c in self.classes.items() if c.state == INITIALIZED}
        if main is not None:
            self._link_draws(main, None, draw=False)

    def as_startup(self, th: JThread, fn: Callable[[], Any]) -> Any:
        """Run `fn`, work HotSpot does before `main` that this VM defers (the system class
        loader), without drawing from the thread's identity hashes."""
        saved, preloaded = th.hash_state, self.preloaded
        th.hash_state = [saved[0] ^ 0x5DEECE66, saved[1], saved[2], saved[3] ^ 0xB]
        self.preloaded = None
        try:
            return fn()
        finally:
            th.hash_state, self.preloaded = saved, preloaded

    def _link_draws(self, k: JClass, th: JThread | None, *, draw: bool = True) -> None:
        """Link `k` as HotSpot orders it (superclass, then interfaces, then the class);
        each class linked from parsed bytes, not from HotSpot's archive, draws a hash."""
        if k.name in self.linked or k.cf is None:
            return
        self.linked.add(k.name)
        if k.superclass is not None:
            self._link_draws(k.superclass, th, draw=draw)
        for i in k.interfaces:
            self._link_draws(i, th, draw=draw)
        if draw and self.preloaded is not None and k.name not in self.preloaded:
            owner = th if th is not None else self.main_thread
            if owner is not None:
                next_identity_hash(owner.hash_state)

    _random_seed = RANDOM_SEED



# Identity hashes HotSpot 17's main thread draws before `main` (default CDS archive).
HOTSPOT_STARTUP_HASHES = 7


def next_random(seed: int) -> int:
    """HotSpot's os::random step: Park and Miller's minimal standard generator."""
    return seed * 16807 % 0x7FFFFFFF


def hash_state(x: int) -> list[int]:
    """A thread's identity-hash generator as HotSpot starts it: x from os::random."""
    return [x, 842502087, 0x8767, 273326509]


def next_identity_hash(state: list[int]) -> int:
    """One step of the xor-shift generator (Marsaglia, "Xorshift RNGs", 2003), 31 bits
    kept as in the mark word; never 0."""
    x, y, z, w = state
    t = (x ^ (x << 11)) & 0xFFFFFFFF
    v = (w ^ (w >> 19)) ^ (t ^ (t >> 8))
    state[0], state[1], state[2], state[3] = y, z, w, v
    return (v & 0x7FFFFFFF) or 0xBAD


def spread_slots(descs: list[str], vals: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Values of the types `descs` in slot form: a long or double is followed by a None."""
    out: list[Any] = []
    for d, v in zip(descs, vals, strict=True):
        out.append(v)
        if d in ("J", "D"):
            out.append(None)
    return out


def slot_args(desc: str, args: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Spread `args` of the method descriptor `desc` into slot form."""
    from vmforms.jvm.runtime.klass import parse_arguments

    return spread_slots(parse_arguments(desc)[0], args)


__all__ = ["VM", "JThread", "slot_args", "spread_slots", "LOADED", "INITIALIZING"]
