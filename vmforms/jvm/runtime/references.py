"""Soft, weak, phantom and final references over the host's object lifetimes (the
java.lang.ref package specification; HotSpot's ReferenceProcessor plays this part).

A Reference's referent is not kept in its Java field: the Reference's `native` is a
RefState holding a host weak reference to it and, until the next collection point, a
strong one too, so a referent outlives its last Java reference until a collection as in
HotSpot, not only until reference counting frees it. A collection point (System.gc, every
`young` bytes allocated, a heap that is full) drops the strong holds and lets Python free
what nothing else holds; soft holds are dropped only when the heap is full, as HotSpot
clears soft references before an OutOfMemoryError. A referent freed by the host clears
every weak reference to it at once (the host's weakref semantics, the same atomicity
Java promises), and its references with a queue (or a Cleaner) go onto the pending list
that the library's Reference Handler thread takes with getAndClearReferencePendingList.

Finalization: an object whose class has a non-empty finalize() is registered with
Finalizer.register when Object.<init> runs (HotSpot's RegisterFinalizersAtInit). Its
class becomes JFinalizable, whose __del__ resurrects it once into its Finalizer's hold
and hands the Finalizer to the pending list; the Finalizer thread runs finalize() and
clears the hold, and the object is then freed for good (the host never calls __del__
twice, as the JVM never finalizes twice).
"""

from __future__ import annotations

import gc
import queue
import threading
import weakref
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JObject

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import VM

SOFT, WEAK, PHANTOM, FINAL = 0, 1, 2, 3
KINDS = (("java/lang/ref/SoftReference", SOFT), ("java/lang/ref/WeakReference", WEAK),
         ("java/lang/ref/PhantomReference", PHANTOM), ("java/lang/ref/FinalReference", FINAL))

# id(finalizee) -> (its Finalizer, the pending list): the key is unique while the object
# lives, and the entry is taken when it dies.
FINALIZERS: dict[int, tuple[JObject, queue.SimpleQueue[JObject]]] = {}


class JFinalizable(JObject):
    """An object with a finalizer, registered: its first death resurrects it."""

    __slots__ = ()

    def __del__(self) -> None:
        JObject.__del__(self)
        entry = FINALIZERS.pop(id(self), None)
        if entry is not None:
            ref, pending = entry
            st = ref.native
            if isinstance(st, RefState) and not st.cleared:
                st.strong = self
                pending.put(ref)  # SimpleQueue.put is safe in a finalizer


class _Watch(weakref.ref):  # type: ignore[type-arg]
    """The host weak reference to a referent; `owner` weakly names its Reference."""

    __slots__ = ("owner",)
    owner: weakref.ref[JObject]


class RefState:
    """What the VM keeps for one java.lang.ref.Reference."""

    __slots__ = ("kind", "strong", "watch", "cleared", "queued", "__weakref__")

    def __init__(self, kind: int, queued: bool) -> None:
        self.kind = kind
        self.strong: Any = None
        self.watch: _Watch | None = None
        self.cleared = False
        self.queued = queued  # has a queue, or is a Cleaner: goes to the pending list

    def referent(self) -> Any:
        if self.strong is not None:
            return self.strong
        w = self.watch
        return w() if w is not None else None

    def clear(self) -> None:
        self.cleared = True
        self.strong = None
        self.watch = None


class References:
    """The VM's reference processing: the live RefStates and the pending list."""

    def __init__(self, vm: VM) -> None:
        self.vm = vm
        # The states that still hold their referent strongly (none after a collection
        # point, but the soft ones while the heap has room).
        self.states: weakref.WeakSet[RefState] = weakref.WeakSet()
        self.lock = threading.Lock()
        # SimpleQueue.put is reentrant: weakref callbacks and __del__ may call it from
        # inside any host operation, on any thread.
        self.pending: queue.SimpleQueue[JObject] = queue.SimpleQueue()
        self.taken: list[JObject] = []
        self.discovered_slot = -1

    def register(self, ref: JObject, referent: JObject | None, queued: bool) -> RefState:
        """Bind a new Reference to its referent (the Reference constructor)."""
        kind = WEAK
        anc = ref.klass.ancestors
        for name, k in KINDS:
            if name in anc:
                kind = k
                break
        st = RefState(kind, queued or "jdk/internal/ref/Cleaner" in anc)
        ref.native = st
        if referent is None:
            st.cleared = True
            return st
        if kind == FINAL:
            if type(referent) is JObject:
                referent.__class__ = JFinalizable
            FINALIZERS[id(referent)] = (ref, self.pending)
            return st
        w = _Watch(referent, self._died)
        w.owner = weakref.ref(ref)
        st.watch = w
        st.strong = referent
        with self.lock:
            self.states.add(st)
        return st

    def _died(self, w: _Watch) -> None:
        """The host freed a referent: clear its reference and put it on the pending list."""
        ref = w.owner()
        if ref is None:
            return
        st = ref.native
        if isinstance(st, RefState) and st.watch is w and not st.cleared:
            st.clear()
            if st.queued:
                self.pending.put(ref)

    def collect(self, clear_soft: bool, full: bool = True) -> None:
        """A collection point: the strong holds of weak and phantom references (and of soft
        ones when `clear_soft`) are dropped for good, so each referent now lives exactly as
        long as something else holds it. The holds are not taken again for referents that
        survive: the interpreter's and translated code's host temporaries keep the last
        value they saw (a call's result) until they are overwritten, and a hold taken
        again would keep such a referent, dead to Java, past every later collection."""
        with self.lock:
            states = [st for st in self.states
                      if st.strong is not None and (st.kind != SOFT or clear_soft)]
            for st in states:
                self.states.discard(st)
        for st in states:
            st.strong = None
        gc.collect() if full else gc.collect(1)
        for st in states:
            w = st.watch
            if st.cleared or w is None:
                continue
            o = w()
            if o is None:
                self._died(w)  # freed, but its callback did not run (host shutdown)
            elif st.kind != PHANTOM and id(o) not in FINALIZERS and type(o) is JFinalizable:
                # Resurrected for finalization: no longer strongly reachable, so weak and
                # soft references to it are cleared now, before its finalizer runs.
                ref = w.owner()
                st.clear()
                if ref is not None and st.queued:
                    self.pending.put(ref)

    # -- the pending list, as the Reference Handler thread sees it -------------------------
    def wait_pending(self) -> None:
        if not self.taken:
            self.taken.append(self.pending.get())

    def take_pending(self) -> JObject | None:
        """The pending References linked through their `discovered` field."""
        items, self.taken = self.taken, []
        while True:
            try:
                items.append(self.pending.get_nowait())
            except queue.Empty:
                break
        if not items:
            return None
        if self.discovered_slot < 0:
            self.discovered_slot = self.vm.load("java/lang/ref/Reference").field_slots[
                "discovered"]
        slot = self.discovered_slot
        for a, b in zip(items, items[1:], strict=False):
            a.fields[slot] = b
        items[-1].fields[slot] = None
        return items[0]

    def has_pending(self) -> bool:
        return bool(self.taken) or not self.pending.empty()


def has_finalizer(k: Any) -> bool:
    """HotSpot's has_finalizer: the finalize()V a class inherits is not Object's and is
    not empty (a lone `return`)."""
    m = k.find_method("finalize()V")
    if m is None or m.klass.name == "java/lang/Object" or m.is_static:
        return False
    code = m.info.code
    return code is None or code.code != b"\xb1"
