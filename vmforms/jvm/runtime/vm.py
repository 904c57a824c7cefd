"""The virtual machine: class loading, linking and initialisation (JVMS 5), strings,
Java exceptions raised by the VM itself, and threads.

Every class comes from the boot loader's view of the class path: the JDK's lib/modules
first, then the user's directories and jars. Strings are real java.lang.String objects
(JDK 9+ compact strings: a byte[] value and a LATIN1/UTF16 coder).
"""

from __future__ import annotations

import threading
import time
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
from vmforms.jvm.runtime.values import bits_to_double, bits_to_float

if TYPE_CHECKING:
    from collections.abc import Callable


MAX_CLASS_VERSION = 61  # Java 17 (JVMS 4.1)
# Arrays up to this length are built first and charged after: their element list costs
# the host little even when the charge then fails.
ARRAY_PRECHECK = 1 << 16


class JThread:
    """The VM side of one Java thread: its frames (for stack traces and getCallerClass)."""

    __slots__ = ("vm", "frames", "obj", "depth", "interrupted", "ident", "count", "parked",
                 "park_event", "limit")

    def __init__(self, vm: VM, obj: JObject | None) -> None:
        self.vm = vm
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
        self.interned: dict[str, JObject] = {}
        self.properties = properties or {}
        self.max_depth = max_depth
        # Every object is charged to the -Xmx budget (HotSpot's default when not given);
        # an array longer than max_array is checked against it before its list is built.
        top, initial = heap_sizes(max_heap, physical_memory())
        self.heap = Heap(top, initial)
        self.max_array = ARRAY_PRECHECK
        self.assertions = assertions
        self.load_lock = threading.RLock()
        self.threads: dict[int, JThread] = {}
        self.start_ns = time.monotonic_ns()
        self.bytecodes = 0
        self.natives: dict[str, Callable[..., Any]] = {}
        self.overrides: set[str] = set()
        self.main_thread: JThread | None = None
        self.exit_status: int | None = None
        self.static_offsets: list[tuple[JClass, str]] = []
        self.host_threads: list[Any] = []
        self.unnamed_module: JObject | None = None
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
            module = ""
            found = self.classpath.find_system(name)
            if found is not None:
                module = self._module_of(name)
            else:
                found = self.classpath.find_user(name)
            if found is None:
                if th is not None:
                    self.throw(th, "java/lang/NoClassDefFoundError", name)
                from vmforms.jvm.errors import ClassNotFoundError

                raise ClassNotFoundError(name)
            data, origin = found
            try:
                cf = parse_class(bytes(data), origin)
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
            sup = self.load(cf.super_name, th) if cf.super_name else None
            ifaces = [self.load(i, th) for i in cf.interface_names]
            k = JClass(name, cf, sup, ifaces)
            k.heap = self.heap
            k.module = module
            self._bind_natives(k)
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
        prefix = k.name + "."
        for m in k.methods.values():
            key = prefix + m.key
            fn = self.natives.get(key)
            if fn is not None and (m.is_native or key in self.overrides):
                m.native = fn

    # -- initialisation (JVMS 5.5) ------------------------------------------------------
    def initialize(self, k: JClass, th: JThread) -> None:
        if k.state == INITIALIZED:
            return
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

    def identity_hash(self, obj: JObject) -> int:
        h = obj.ihash
        if not h:
            # A multiplicative hash of a counter, positive and non-zero like HotSpot's.
            self._next_hash = (self._next_hash * 1103515245 + 12345) & 0x7FFFFFFF
            h = obj.ihash = self._next_hash or 1
        return h

    _next_hash = 0x2545F491



def slot_args(desc: str, args: tuple[Any, ...] | list[Any]) -> list[Any]:
    """Spread `args` into slot form: a long or double is followed by a None."""
    from vmforms.jvm.runtime.klass import parse_arguments

    params, _ = parse_arguments(desc)
    out: list[Any] = []
    for p, a in zip(params, args, strict=True):
        out.append(a)
        if p in ("J", "D"):
            out.append(None)
    return out


__all__ = ["VM", "JThread", "slot_args", "LOADED", "INITIALIZING"]
