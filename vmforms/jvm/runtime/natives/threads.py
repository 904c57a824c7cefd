"""Threads and monitors (JVMS 2.11.10, 6.5.monitorenter; JLS 17): each Java thread is a
host thread, each object monitor a re-entrant lock with a condition for wait/notify.
Python's global interpreter lock makes field access atomic, as the Java memory model
allows for the programs we run."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JavaThrowable, JObject, ThreadExit
from vmforms.jvm.runtime.natives import native, noop

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

T = "java/lang/Thread"
THREAD_STACK = 256 * 1024 * 1024
# JVMTI thread state bits, as Thread.threadStatus holds them (jdk.internal.misc.VM).
NEW, RUNNABLE, TERMINATED = 0, 0x0005, 0x0002
WAITING, TIMED_WAITING, SLEEPING = 0x0191, 0x01A1, 0x00E1
PARKED, TIMED_PARKED = 0x0291, 0x02A1
BLOCKED = 0x0401  # alive, blocked on monitor enter


class _State:
    """Sets the current thread's threadStatus for the duration of a blocking call."""

    def __init__(self, th: JThread, status: int) -> None:
        self.obj = th.obj
        self.status = status

    def __enter__(self) -> None:
        if self.obj is not None:
            self.obj.fields[self.obj.klass.field_slots["threadStatus"]] = self.status

    def __exit__(self, *exc: object) -> None:
        if self.obj is not None:
            self.obj.fields[self.obj.klass.field_slots["threadStatus"]] = RUNNABLE


def monitor_enter(th: JThread, obj: JObject) -> None:
    lock = obj.get_monitor().lock
    if not lock.acquire(blocking=False):
        with _State(th, BLOCKED):  # contended: Thread.getState() says BLOCKED meanwhile
            lock.acquire()


def monitor_exit(th: JThread, obj: JObject) -> None:
    try:
        obj.get_monitor().lock.release()
    except RuntimeError:
        th.vm.throw(th, "java/lang/IllegalMonitorStateException",
                    "current thread is not owner")


def monitor_notify(th: JThread, obj: JObject, all_: bool) -> None:
    mon = obj.get_monitor()
    cond = mon.cond
    try:
        if all_:
            cond.notify_all()
        else:
            cond.notify()
    except RuntimeError:
        th.vm.throw(th, "java/lang/IllegalMonitorStateException",
                    "current thread is not owner")
    mon.notifies += 1


def _check_interrupt(th: JThread) -> None:
    obj = th.obj
    if obj is not None:
        slot = obj.klass.field_slots["interrupted"]
        if obj.fields[slot]:
            obj.fields[slot] = 0
            th.vm.throw(th, "java/lang/InterruptedException", "sleep interrupted")


def monitor_wait(th: JThread, obj: JObject, millis: int) -> None:
    if millis < 0:
        th.vm.throw(th, "java/lang/IllegalArgumentException", "timeout value is negative")
    _check_interrupt(th)
    mon = obj.get_monitor()
    if not mon.lock._is_owned():  # type: ignore[attr-defined]
        th.vm.throw(th, "java/lang/IllegalMonitorStateException",
                    "current thread is not owner")
    # Wait in short slices so that Thread.interrupt, which needs no monitor, is seen.
    # A notify that lands as a slice times out leaves Condition.wait returning False
    # (it removed this waiter but the timeout won): the notify count catches it.
    deadline = time.monotonic() + millis / 1000 if millis else None
    seen = mon.notifies
    with _State(th, TIMED_WAITING if millis else WAITING):
        while True:
            step = 0.05 if deadline is None else min(0.05, deadline - time.monotonic())
            if step <= 0 or mon.cond.wait(step) or mon.notifies != seen or _interrupted(th):
                break
    _check_interrupt(th)


def _interrupted(th: JThread) -> bool:
    obj = th.obj
    return obj is not None and bool(obj.fields[obj.klass.field_slots["interrupted"]])


@native(T, "currentThread()Ljava/lang/Thread;")
def _current(th: JThread, a: list[Any]) -> Any:
    return th.obj


# Linux HotSpot ignores Java priorities (ThreadPriorityPolicy=0); the other two are
# Windows-only or a hint to the JIT.
noop(T, "setPriority0(I)V", "clearInterruptEvent()V",
     "ensureMaterializedForStackWalk(Ljava/lang/Object;)V")


@native(T, "yield()V")
def _yield(th: JThread, a: list[Any]) -> Any:
    time.sleep(0)  # gives up the host's interpreter lock, as sched_yield gives up the CPU


@native(T, "setNativeName(Ljava/lang/String;)V")
def _set_native_name(th: JThread, a: list[Any]) -> Any:
    """HotSpot names the OS thread (pthread_setname_np) when a thread renames itself;
    the host thread here."""
    if a[1] is not None and a[0] is th.obj:
        threading.current_thread().name = th.vm.to_str(a[1])


@native(T, "sleep(J)V")
def _sleep(th: JThread, a: list[Any]) -> Any:
    if a[0] < 0:
        th.vm.throw(th, "java/lang/IllegalArgumentException", "timeout value is negative")
    _check_interrupt(th)
    th.park_event.clear()
    if a[0]:
        with _State(th, SLEEPING):
            th.park_event.wait(a[0] / 1000)
    else:
        time.sleep(0)
    _check_interrupt(th)


@native(T, "interrupt0()V")
def _interrupt(th: JThread, a: list[Any]) -> Any:
    target = a[0].native
    if target is not None:
        target.park_event.set()
        m = None
        _ = m


@native(T, "holdsLock(Ljava/lang/Object;)Z")
def _holds_lock(th: JThread, a: list[Any]) -> Any:
    mon = a[0].get_monitor()
    return 1 if mon.lock._is_owned() else 0  # type: ignore[attr-defined]


@native(T, "start0()V")
def _start(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.vm import JThread as Thread_

    vm = th.vm
    obj: JObject = a[0]
    new = Thread_(vm, obj)
    obj.native = new
    status = obj.klass.field_slots["threadStatus"]
    eetop = obj.klass.field_slots["eetop"]
    obj.fields[status] = RUNNABLE
    obj.fields[eetop] = id(new)

    def body() -> None:
        thrown: JObject | None = None
        try:
            try:
                vm.call_virtual(new, obj, "run", "()V")
            except JavaThrowable as exc:
                thrown = exc.obj  # handled below, where no host traceback holds frames
            if thrown is not None:
                try:
                    vm.call_virtual(new, obj, "dispatchUncaughtException",
                                    "(Ljava/lang/Throwable;)V", thrown)
                except JavaThrowable:
                    pass
        except ThreadExit:
            pass
        finally:
            try:
                vm.call_virtual(new, obj, "exit", "()V")
            except (JavaThrowable, ThreadExit):
                pass
            mon = obj.get_monitor()
            with mon.lock:
                obj.fields[status] = TERMINATED
                obj.fields[eetop] = 0
                mon.notifies += 1
                mon.cond.notify_all()

    daemon = bool(obj.fields[obj.klass.field_slots["daemon"]])
    threading.stack_size(THREAD_STACK)
    t = threading.Thread(target=body, daemon=daemon)
    t.start()
    vm.threads[id(new)] = new
    new.ident = t.ident or 0
    vm.host_threads.append(t)


def park(th: JThread, absolute: bool, t: int) -> None:
    ev = th.park_event
    if th.parked > 0:
        th.parked = 0
        return
    timeout: float | None
    if absolute:
        timeout = max(0.0, t / 1000 - time.time())
    else:
        timeout = t / 1e9 if t else None
    with _State(th, PARKED if timeout is None else TIMED_PARKED):
        ev.wait(timeout)
    ev.clear()
    th.parked = 0


def unpark(th: JThread, thread_obj: Any) -> None:
    if thread_obj is None:
        return
    target = thread_obj.native
    if target is not None:
        target.parked = 1
        target.park_event.set()


@native(T, "getThreads()[Ljava/lang/Thread;")
def _threads(th: JThread, a: list[Any]) -> Any:
    objs = [t.obj for t in th.vm.threads.values() if t.obj is not None]
    return th.vm.new_array("[Ljava/lang/Thread;", objs)


# The native method a thread blocked in is on top of its stack, as HotSpot shows it.
_BLOCKED_IN = {SLEEPING: ("java/lang/Thread", "sleep(J)V"),
               WAITING: ("java/lang/Object", "wait(J)V"),
               TIMED_WAITING: ("java/lang/Object", "wait(J)V"),
               PARKED: ("jdk/internal/misc/Unsafe", "park(ZJ)V"),
               TIMED_PARKED: ("jdk/internal/misc/Unsafe", "park(ZJ)V")}


@native(T, "dumpThreads([Ljava/lang/Thread;)[[Ljava/lang/StackTraceElement;")
def _dump_threads(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.lang import new_stack_trace_element

    vm = th.vm
    out = []
    for t in a[0].data:
        other = t.native if t is not None else None
        trace: list[tuple[Any, int]] = []
        if other is not None and t.fields[t.klass.field_slots["eetop"]]:
            blocked = _BLOCKED_IN.get(t.fields[t.klass.field_slots["threadStatus"]])
            if blocked is not None:
                trace.append((vm.load(blocked[0]).methods[blocked[1]], -1))
            for f in reversed(list(other.frames)):
                trace.append((f[0], f[0].pcs[f[1]] if f[0].pcs else -1))
        out.append(vm.new_array("[Ljava/lang/StackTraceElement;",
                                [new_stack_trace_element(th, m, pc) for m, pc in trace]))
    return vm.new_array("[[Ljava/lang/StackTraceElement;", out)
