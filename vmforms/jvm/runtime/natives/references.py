"""java.lang.ref at the VM boundary (JDK 17 java.base): the Reference constructor, get,
refersTo0 and clear0 over the VM's RefStates, the pending list of the Reference Handler
thread, finalizer registration in Object.<init>, and System.gc (runtime/references.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import native, override
from vmforms.jvm.runtime.references import RefState, has_finalizer

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

R = "java/lang/ref/Reference"


def _state(ref: JObject) -> RefState | None:
    st = ref.native
    return st if isinstance(st, RefState) else None


@override(R, "<init>(Ljava/lang/Object;Ljava/lang/ref/ReferenceQueue;)V")
def _init(th: JThread, a: list[Any]) -> Any:
    ref, referent, q = a[0], a[1], a[2]
    vm = th.vm
    qk = vm.load("java/lang/ref/ReferenceQueue", th)
    vm.initialize(qk, th)
    null_queue = qk.statics["NULL"]
    ref.fields[ref.klass.field_slots["queue"]] = q if q is not None else null_queue
    vm.references.register(ref, referent, q is not None and q is not null_queue)


@override(R, "get()Ljava/lang/Object;", "getFromInactiveFinalReference()Ljava/lang/Object;")
def _get(th: JThread, a: list[Any]) -> Any:
    st = _state(a[0])
    return st.referent() if st is not None else None


@native(R, "refersTo0(Ljava/lang/Object;)Z")
@native("java/lang/ref/PhantomReference", "refersTo0(Ljava/lang/Object;)Z")
def _refers_to(th: JThread, a: list[Any]) -> Any:
    st = _state(a[0])
    return int((st.referent() if st is not None else None) is a[1])


@native(R, "clear0()V")
@override(R, "clearInactiveFinalReference()V")
def _clear(th: JThread, a: list[Any]) -> Any:
    st = _state(a[0])
    if st is not None:
        st.clear()


@native(R, "waitForReferencePendingList()V")
def _wait_pending(th: JThread, a: list[Any]) -> Any:
    th.vm.references.wait_pending()


@native(R, "getAndClearReferencePendingList()Ljava/lang/ref/Reference;")
def _take_pending(th: JThread, a: list[Any]) -> Any:
    return th.vm.references.take_pending()


@native(R, "hasReferencePendingList()Z")
def _has_pending(th: JThread, a: list[Any]) -> Any:
    return int(th.vm.references.has_pending())


@override("java/lang/Object", "<init>()V")
def _object_init(th: JThread, a: list[Any]) -> Any:
    k = a[0].klass
    fin = k.finalizable
    if fin is None:
        fin = k.finalizable = has_finalizer(k)
    if fin:
        th.vm.call_static(th, "java/lang/ref/Finalizer", "register", "(Ljava/lang/Object;)V",
                          a[0])


@native("java/lang/Runtime", "gc()V")
def _gc(th: JThread, a: list[Any]) -> Any:
    th.vm.references.collect(False)
