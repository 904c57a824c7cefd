"""Heap values of the running program: objects, arrays and thrown Java exceptions (JVMS 2.4, 2.7).

A Java int, long, float or double is a Python int or float (already wrapped or rounded by
the interpreter); a reference is a JObject, a JArray or None. Fields live in a list indexed
by the slot the class layout assigned; arrays keep their elements in a list.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass


class Monitor:
    """The monitor of one object (JVMS 2.11.10): re-entrant, with wait/notify."""

    __slots__ = ("lock", "cond", "owner", "count")

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.owner: int | None = None
        self.count = 0


_monitor_guard = threading.Lock()


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
