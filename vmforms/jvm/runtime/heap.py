"""Heap values of the running program: objects, arrays and thrown Java exceptions (JVMS 2.4, 2.7),
and the -Xmx budget they are charged against (JVMS 2.5.3).

A Java int, long, float or double is a Python int or float (already wrapped or rounded by
the interpreter); a reference is a JObject, a JArray or None. Fields live in a list indexed
by the slot the class layout assigned; arrays keep their elements in a list.

Every object is charged to its class's Heap when it is built, at the size HotSpot gives it
(64-bit, compressed references: a 12-byte header, then the fields; an array a 16-byte header,
then its elements; rounded up to 8 bytes), and credited back by __del__ when Python frees
it, so `used` (charged - freed) follows the live objects: reference counting frees most
garbage at once, Python's cycle collector the rest. `charged` only grows, so it also
measures allocation as HotSpot's eden does: each `young` bytes allocated is a collection
point, where soft, weak and phantom referents that nothing else holds are cleared
(references.py).
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass


class Monitor:
    """The monitor of one object (JVMS 2.11.10): re-entrant, with wait/notify."""

    __slots__ = ("lock", "cond", "notifies")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        # Counts notify/notifyAll calls: a waiter whose timed slice of Condition.wait
        # ends just as a notify arrives sees the count move (see threads.monitor_wait).
        self.notifies = 0


_monitor_guard = threading.Lock()

# What an element of each array type, or a field of each type, takes in HotSpot's layout.
ELEMENT_SIZES = {"Z": 1, "B": 1, "C": 2, "S": 2, "I": 4, "F": 4, "J": 8, "D": 8, "L": 4, "[": 4}
OBJECT_HEADER = 12
ARRAY_HEADER = 16


def array_size(length: int, element_size: int) -> int:
    return (ARRAY_HEADER + length * element_size + 7) & -8


class HeapExhausted(MemoryError):
    """An allocation that does not fit in the budget even after a collection; the
    interpreter turns it into java.lang.OutOfMemoryError: Java heap space."""


class Heap:
    """The -Xmx budget: bytes charged by the live objects of the classes bound to it.

    `limit` is what the fast path compares `charged` with: the next collection point
    (at most where `used` would reach `max`), lifted while the VM builds an
    OutOfMemoryError (HotSpot preallocates those). `collector`, set by the VM, clears
    references: collector(False) keeps soft referents, collector(True) clears them too,
    as HotSpot does before it gives up with an OutOfMemoryError."""

    __slots__ = ("charged", "freed", "max", "limit", "initial", "young", "collector",
                 "__weakref__")

    def __init__(self, max_bytes: int, initial: int | None = None) -> None:
        self.charged = 0
        self.freed = 0
        self.max = max_bytes
        self.initial = min(max_bytes, initial if initial is not None else max_bytes)
        # G1 gives the young generation between 5% and 60% of the heap; an eighth of the
        # initial heap, at least 1 MB, is a collection point often enough for programs
        # that wait for a reference to clear while they allocate.
        self.young = max(1 << 20, self.initial // 8)
        self.collector: Callable[[bool], None] | None = None
        self.limit = 0
        self.rearm()

    @property
    def used(self) -> int:
        return self.charged - self.freed

    def rearm(self) -> None:
        """Set the next collection point: `young` more bytes, or where the heap is full."""
        self.limit = self.charged + min(self.young, max(0, self.max - self.used))

    def overflow(self) -> None:
        """Called once `charged`, already charged with a new object, passes `limit`."""
        if self.used <= self.max and self.collector is not None:
            self.collector(False)
        self.make_room(0)
        self.rearm()

    def make_room(self, size: int) -> None:
        """Make room for `size` more bytes (a big array's before its element list is
        built), or raise HeapExhausted: first let Python free what is unreachable, then
        clear soft references, then recount (racing threads can lose updates, so `used`
        may drift) if still over."""
        if self.used + size <= self.max:
            return
        gc.collect()
        if self.used + size > self.max and self.collector is not None:
            self.collector(True)
        if self.used + size > self.max:
            self.freed = self.charged - self.recount()
            if self.used + size > self.max:
                raise HeapExhausted("Java heap space")

    def recount(self) -> int:
        total = 0
        for o in gc.get_objects():
            if isinstance(o, JObject):
                k = o.klass
                if k.heap is self:
                    total += array_size(len(o.data), k.element_size) \
                        if isinstance(o, JArray) else k.instance_size
        return total

    def total(self) -> int:
        """What Runtime.totalMemory reports: the committed heap, the initial size until
        the live objects need more."""
        return min(self.max, max(self.initial, (self.used + (1 << 20) - 1) & -(1 << 20)))

    def free(self) -> int:
        return max(0, self.total() - self.used)


def physical_memory() -> int:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return 4 << 30


def heap_sizes(xmx: int | None, physical: int) -> tuple[int, int]:
    """The maximum and initial heap sizes as G1's ergonomics picks them in JDK 17: -Xmx or
    a quarter of physical memory, an initial heap of 1/64 of it; both rounded up to the
    heap alignment (the region size, itself a power of two near max/2048, and at least
    2 MB)."""
    requested = xmx if xmx is not None else physical // 4
    region = 1 << max(20, (max(requested // 2048, 1) - 1).bit_length())
    align = max(min(region, 32 << 20), 2 << 20)
    top = -(-requested // align) * align
    initial = min(top, -(-(physical // 64) // align) * align)
    return top, initial


# The heap of classes that no VM has bound (classes built directly by tests): unbounded.
UNBOUNDED = Heap(1 << 62)


class JObject:
    """An instance of a class; `native` holds host data of VM-managed objects (a Class's
    runtime class, a Throwable's backtrace)."""

    __slots__ = ("klass", "fields", "monitor", "native", "ihash", "__weakref__")

    def __init__(self, klass: JClass, fields: list[Any]) -> None:
        self.klass = klass
        self.fields = fields
        self.monitor: Monitor | None = None
        self.native: Any = None
        self.ihash = 0
        heap = klass.heap
        heap.charged += klass.instance_size
        if heap.charged > heap.limit:
            heap.overflow()

    def __del__(self) -> None:
        k = self.klass
        k.heap.freed += k.instance_size

    def get_monitor(self) -> Monitor:
        m = self.monitor
        if m is None:
            with _monitor_guard:
                m = self.monitor
                if m is None:
                    m = self.monitor = Monitor()
        return m

    def __repr__(self) -> str:
        return f"<{self.klass.name}@{id(self):x}>"


class JArray(JObject):
    """An array: `data` holds the elements (ints, floats or references)."""

    __slots__ = ("data",)

    def __init__(self, klass: JClass, data: list[Any]) -> None:
        self.klass = klass
        self.fields = []
        self.monitor = None
        self.native = None
        self.ihash = 0
        self.data = data
        heap = klass.heap
        heap.charged += (ARRAY_HEADER + len(data) * klass.element_size + 7) & -8
        if heap.charged > heap.limit:
            heap.overflow()

    def __del__(self) -> None:
        k = self.klass
        k.heap.freed += (ARRAY_HEADER + len(self.data) * k.element_size + 7) & -8

    def __repr__(self) -> str:
        return f"<{self.klass.name} len={len(self.data)}>"


class JavaThrowable(Exception):  # noqa: N818 - it is a Java Throwable, not a host error
    """A Java exception in flight; `obj` is the java.lang.Throwable instance."""

    def __init__(self, obj: JObject) -> None:
        super().__init__(obj.klass.name)
        self.obj = obj


class ThreadExit(BaseException):
    """Unwinds every frame of the VM after System.exit/Runtime.halt."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status
