"""Runtime classes and methods: the linked form of a ClassFile (JVMS 5.3-5.4).

A JClass owns its methods, the slot layout of its instance fields (inherited slots
first, so a subclass layout extends its superclass's), its static values, its
initialisation state (JVMS 5.5) and a cache of resolved constant-pool entries.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.attributes import LineNumberTableAttribute
from vmforms.jvm.classfile.classfile import (
    ACC_ABSTRACT,
    ACC_INTERFACE,
    ACC_NATIVE,
    ACC_STATIC,
    ACC_SYNCHRONIZED,
    ClassFile,
    MethodInfo,
)
from vmforms.jvm.runtime.heap import ELEMENT_SIZES, OBJECT_HEADER, UNBOUNDED, Heap, JObject

if TYPE_CHECKING:
    from collections.abc import Callable

# JVMS 5.5 initialisation states.
LOADED, INITIALIZING, INITIALIZED, ERRONEOUS = 0, 1, 2, 3

PRIMITIVE_NAMES = {"Z": "boolean", "B": "byte", "C": "char", "S": "short", "I": "int",
                   "J": "long", "F": "float", "D": "double", "V": "void"}


def default_value(descriptor: str) -> Any:
    c = descriptor[0]
    if c in "LJ[" and c != "J":
        return None
    if c == "F" or c == "D":
        return 0.0
    return 0


def parse_arguments(descriptor: str) -> tuple[list[str], str]:
    """Split a method descriptor (JVMS 4.3.3) into parameter descriptors and the return."""
    args: list[str] = []
    i = 1
    while descriptor[i] != ")":
        j = i
        while descriptor[j] == "[":
            j += 1
        if descriptor[j] == "L":
            j = descriptor.index(";", j)
        args.append(descriptor[i:j + 1])
        i = j + 1
    return args, descriptor[i + 1:]


def slot_count(args: list[str]) -> int:
    return sum(2 if a in ("J", "D") else 1 for a in args)


class JMethod:
    """A method of a runtime class; `code` is filled by the interpreter's decoder on first
    call, `native` by the natives registry when the method is native or overridden."""

    __slots__ = ("klass", "name", "descriptor", "access", "info", "arg_slots", "ret_slots",
                 "args", "ret", "code", "pcs", "handlers", "max_locals", "native", "key",
                 "is_static", "lines", "vindex", "calls", "relinked")

    def __init__(self, klass: JClass, info: MethodInfo) -> None:
        self.klass = klass
        self.info = info
        self.name = info.name
        self.descriptor = info.descriptor
        self.key = info.name + info.descriptor
        self.access = info.access_flags
        self.is_static = bool(self.access & ACC_STATIC)
        self.args, self.ret = parse_arguments(info.descriptor)
        self.arg_slots = slot_count(self.args) + (0 if self.is_static else 1)
        self.ret_slots = 0 if self.ret == "V" else 2 if self.ret in ("J", "D") else 1
        c = info.code
        self.max_locals = c.max_locals if c is not None else self.arg_slots
        self.code: list[tuple[Any, ...]] | None = None
        self.pcs: list[int] = []
        self.handlers: list[tuple[int, int, int, Any]] = []
        self.native: Callable[..., Any] | None = None
        self.lines: list[tuple[int, int]] | None = None
        self.vindex = 0
        self.calls = 0
        self.relinked = 0  # times its translation was dropped for one with more linked

    @property
    def is_native(self) -> bool:
        return bool(self.access & ACC_NATIVE)

    @property
    def is_abstract(self) -> bool:
        return bool(self.access & ACC_ABSTRACT)

    @property
    def is_synchronized(self) -> bool:
        return bool(self.access & ACC_SYNCHRONIZED)

    def line_number(self, pc: int) -> int:
        """The source line of `pc` from LineNumberTable, or -1 (JVMS 4.7.12)."""
        if self.lines is None:
            lines: list[tuple[int, int]] = []
            c = self.info.code
            if c is not None:
                for a in c.attributes:
                    if isinstance(a, LineNumberTableAttribute):
                        lines.extend((e.start_pc, e.line_number) for e in a.entries())
            lines.sort()
            self.lines = lines
        best = -1
        for start, line in self.lines:
            if start <= pc:
                best = line
            else:
                break
        return best

    def __repr__(self) -> str:
        return f"{self.klass.name}.{self.name}{self.descriptor}"


class JClass:
    """A loaded class, interface or array class."""

    def __init__(self, name: str, cf: ClassFile | None, superclass: JClass | None,
                 interfaces: list[JClass], loader: JObject | None = None) -> None:
        self.name = name
        self.java_name = name.replace("/", ".")
        self.cf = cf
        self.superclass = superclass
        self.interfaces = interfaces
        self.loader = loader
        self.access = cf.access_flags if cf is not None else 0x411
        self.is_interface = bool(self.access & ACC_INTERFACE)
        self.is_array = name.startswith("[")
        self.component: JClass | None = None
        self.element: str = ""  # the array element descriptor for arrays
        self.primitive: str = ""  # the descriptor letter for primitive classes
        self.methods: dict[str, JMethod] = {}
        self.vcache: dict[str, JMethod | None] = {}
        self.field_slots: dict[str, int] = dict(superclass.field_slots) if superclass else {}
        self.field_types: dict[str, str] = dict(superclass.field_types) if superclass else {}
        self.slot_names: list[str] = list(superclass.slot_names) if superclass else []
        self.slot_defaults: list[Any] = list(superclass.slot_defaults) if superclass else []
        self.static_types: dict[str, str] = {}
        self.statics: dict[str, Any] = {}
        self.state = LOADED
        self.init_thread: int | None = None
        self.init_lock = threading.RLock()
        self.mirror: JObject | None = None
        self.rcp: list[Any] = []  # resolved constant-pool entries
        self.ancestors: set[str] = {name}
        self.array_class: JClass | None = None
        self.module = ""  # the JDK module of a system class, "" for the class path
        self.hidden = False  # a hidden class (JVMS 5.3.5: lambda classes here)
        self.nest_host: JClass | None = None  # a hidden nestmate's host (JVMS 5.4.4)
        # Another loader defined a class of the same name: type checks that match the
        # name must also match the class (JVMS 5.3: a class is its name and its loader).
        self.shadowed = False
        self.code_source: str | None = None  # the class-path jar or directory it came from
        self.protection_domain: JObject | None = None
        self.finalizable: bool | None = None  # has a finalizer (references.py); None: unknown
        self.source_file: str | None = cf.source_file if cf is not None else None
        # What an instance (or an array element) is charged to `heap`: see heap.py.
        self.heap: Heap = UNBOUNDED
        self.field_bytes: int = superclass.field_bytes if superclass else 0
        self.element_size = ELEMENT_SIZES.get(name[1], 4) if self.is_array else 0
        if superclass is not None:
            self.ancestors |= superclass.ancestors
        for i in interfaces:
            self.ancestors |= i.ancestors
        if cf is not None:
            self.rcp = [None] * len(cf.constant_pool)
            for f in cf.fields:
                if f.access_flags & ACC_STATIC:
                    self.static_types[f.name] = f.descriptor
                    self.statics[f.name] = default_value(f.descriptor)
                else:
                    key = f.name
                    if key in self.field_slots:  # a hidden field: qualify the older one
                        old = self.field_slots.pop(key)
                        self.field_slots[f"{self.slot_owner(old)}.{key}"] = old
                    self.field_slots[key] = len(self.slot_names)
                    self.field_types[key] = f.descriptor
                    self.slot_names.append(f"{name}.{key}")
                    self.slot_defaults.append(default_value(f.descriptor))
                    self.field_bytes += ELEMENT_SIZES.get(f.descriptor[0], 4)
            for mi in cf.methods:
                m = JMethod(self, mi)
                self.methods[m.key] = m
        self.instance_size = max(16, (OBJECT_HEADER + self.field_bytes + 7) & -8)

    def slot_owner(self, slot: int) -> str:
        return self.slot_names[slot].rpartition(".")[0]

    def is_subclass_of(self, other: JClass) -> bool:
        """Assignment compatibility of JVMS 6.5.checkcast for non-array classes."""
        return other.name in self.ancestors and (not other.shadowed or self.has_ancestor(other))

    def has_ancestor(self, other: JClass) -> bool:
        """Whether `other` itself (not only a class of its name) is this class, a
        superclass or a superinterface."""
        if self is other:
            return True
        return any(c is not None and other.name in c.ancestors and c.has_ancestor(other)
                   for c in (self.superclass, *self.interfaces))

    def find_method(self, key: str) -> JMethod | None:
        """Method resolution (JVMS 5.4.3.3): this class, its superclasses, then the
        maximally-specific superinterface methods."""
        c: JClass | None = self
        while c is not None:
            m = c.methods.get(key)
            if m is not None:
                return m
            c = c.superclass
        return self.find_interface_method(key)

    def find_interface_method(self, key: str) -> JMethod | None:
        found: JMethod | None = None
        for i in self.all_interfaces():
            m = i.methods.get(key)
            if m is None or m.is_static or m.access & 0x0002:
                continue
            if found is None or (found.is_abstract and not m.is_abstract) or \
                    (not m.is_abstract and m.klass.is_subclass_of(found.klass)):
                found = m
        return found

    def all_interfaces(self) -> list[JClass]:
        out: list[JClass] = []
        seen: set[str] = set()
        c: JClass | None = self
        stack: list[JClass] = []
        while c is not None:
            stack.extend(c.interfaces)
            c = c.superclass
        while stack:
            i = stack.pop(0)
            if i.name not in seen:
                seen.add(i.name)
                out.append(i)
                stack.extend(i.interfaces)
        return out

    def select_virtual(self, key: str) -> JMethod | None:
        """Method selection for invokevirtual/invokeinterface (JVMS 5.4.6), cached."""
        try:
            return self.vcache[key]
        except KeyError:
            pass
        m: JMethod | None = None
        c: JClass | None = self
        while c is not None:
            cand = c.methods.get(key)
            if cand is not None and not cand.is_static and not cand.is_abstract:
                m = cand
                break
            c = c.superclass
        if m is None:
            m = self.find_interface_method(key)
            if m is not None and m.is_abstract:
                m = None
        self.vcache[key] = m
        return m

    def field_slot(self, name: str, owner: str | None = None) -> int:
        if owner is not None:
            s = self.field_slots.get(f"{owner}.{name}")
            if s is not None:
                return s
        return self.field_slots[name]

    def new_instance(self) -> JObject:
        return JObject(self, list(self.slot_defaults))

    def __repr__(self) -> str:
        return f"<class {self.name}>"
