# mypy: disable-error-code="func-returns-value"
"""Fiber, Thread, Mutex and Queue (CRuby cont.c, thread.c, thread_sync.c).

Fibers are coroutines resumed and yielded explicitly. Threads are coroutines too, scheduled
by the main thread whenever it waits (join, value, Queue#pop, Mutex#lock, sleep): it runs
the other threads in turn until what it waits for holds. A thread that waits hands control
back to the main thread. So only one runs at a time, and a program's output is
deterministic, as under one global lock that switches only when a thread blocks.
"""

from __future__ import annotations

import time
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.coroutine import Coroutine
from vmforms.yarv.interp.objects import RubyError


class RFiber(RObject):
    __slots__ = ("co", "block")
    co: Coroutine
    block: Any


class RThread(RObject):
    __slots__ = ("co", "block", "args", "locals", "name", "waiting", "error")
    co: Any
    block: Any
    args: list[Any]
    locals: dict[Any, Any]
    name: Any
    waiting: Any
    error: Any


def _current(vm: Any) -> Any:
    return vm.__dict__.get("_current_co")


def _run_co(vm: Any, co: Coroutine, value: Any) -> tuple[str, Any]:
    prev = _current(vm)
    vm._current_co = co
    try:
        return co.resume(value)
    finally:
        vm._current_co = prev


# --- Fiber -------------------------------------------------------------------------

def fiber_new(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    f = RFiber(s)
    f.block = b
    f.co = Coroutine(vm, lambda co, first: vm.call_proc(b, first))
    f.co.fiber = f  # type: ignore[attr-defined]
    return f


def fiber_resume(vm: Any, s: RFiber, a: list[Any], b: Any) -> Any:
    if s.co.done:
        vm.raise_error("FiberError", "attempt to resume a terminated fiber")
    kind, value = _run_co(vm, s.co, list(a) if s.co.thread is None else (
        a[0] if len(a) == 1 else RArray(list(a), vm.cArray) if a else None))
    if kind == "error":
        raise value
    return value


def fiber_yield(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    co = _current(vm)
    if co is None or not hasattr(co, "fiber"):
        vm.raise_error("FiberError", "can't yield from root fiber")
    return co.yield_(a[0] if len(a) == 1 else RArray(list(a), vm.cArray) if a else None)


# --- Thread ------------------------------------------------------------------------

def _threads(vm: Any) -> list[RThread]:
    return vm.__dict__.setdefault("_threads", [])  # type: ignore[no-any-return]


def thread_new(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if b is None:
        vm.raise_error("ThreadError", "must be called with a block")
    t = RThread(s)
    t.block, t.args, t.locals, t.name = b, list(a), {}, None
    t.waiting, t.error = None, None
    t.co = Coroutine(vm, lambda co, first: vm.call_proc(b, t.args))
    t.co.rthread = t  # type: ignore[attr-defined]
    _threads(vm).append(t)
    return t


def wait_until(vm: Any, cond: Any, what: str) -> None:
    """Block the running thread until cond() holds, running the others meanwhile."""
    co = _current(vm)
    if co is not None and hasattr(co, "rthread"):
        while not cond():
            co.rthread.waiting = cond
            co.yield_(None)
        co.rthread.waiting = None
        return
    while not cond():
        runnable = [t for t in _threads(vm) if not t.co.done and not t.co.running and (
            t.waiting is None or t.waiting())]
        if not runnable:
            sleepers = [t for t in _threads(vm) if not t.co.done and t.waiting is not None]
            if sleepers and any(getattr(t.waiting, "deadline", None) for t in sleepers):
                time.sleep(0.001)
                continue
            vm.raise_error("fatal" if False else "ThreadError",
                           f"No live threads left. Deadlock? ({what})")
        for t in runnable:
            kind, value = _run_co(vm, t.co, None)
            if kind == "error":
                t.error = value
            if cond():
                break


def thread_join(vm: Any, s: RThread, a: list[Any], b: Any) -> Any:
    wait_until(vm, lambda: s.co.done, "join")
    if s.error is not None:
        err, s.error = s.error, None
        raise err
    return s


def thread_value(vm: Any, s: RThread, a: list[Any], b: Any) -> Any:
    thread_join(vm, s, a, b)
    return s.co.result


def k_sleep(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    start = time.time()
    secs = float(a[0]) if a and a[0] is not None else 0.0
    if _threads(vm):
        deadline = start + secs

        def done() -> bool:
            return time.time() >= deadline
        done.deadline = deadline  # type: ignore[attr-defined]
        wait_until(vm, done, "sleep")
    else:
        time.sleep(max(0.0, secs))
    return round(time.time() - start)


# --- Mutex and Queue ---------------------------------------------------------------

def mutex_lock(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    iv = s.ivars or {}
    wait_until(vm, lambda: not (s.ivars or {}).get("@locked"), "mutex")
    s.ivars = {**iv, "@locked": True}
    return s


def mutex_unlock(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    s.ivars = {**(s.ivars or {}), "@locked": False}
    return s


def mutex_sync(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    mutex_lock(vm, s, a, None)
    try:
        return vm.call_proc(b, [])
    finally:
        mutex_unlock(vm, s, a, None)


def queue_push(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    iv = s.ivars = s.ivars or {}
    if iv.get("@closed"):
        vm.raise_error("ClosedQueueError", "queue closed")
    iv.setdefault("@items", []).append(a[0])
    return s


def queue_pop(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    iv = s.ivars = s.ivars or {}
    items = iv.setdefault("@items", [])
    if a and vm.truthy(a[0]) and not items:
        vm.raise_error("ThreadError", "queue empty")
    wait_until(vm, lambda: bool(items) or iv.get("@closed"), "queue")
    return items.pop(0) if items else None


def install(vm: Any) -> None:
    F = vm.define_class("Fiber")  # noqa: N806
    T = vm.define_class("Thread")  # noqa: N806
    M = vm.define_class("Mutex")  # noqa: N806
    T.consts["Mutex"] = M
    Q = vm.define_class("Queue")  # noqa: N806
    T.consts["Queue"] = Q
    vm.define_class("ClosedQueueError", vm.exc_class("StopIteration"))
    b = vm.builtin
    vm.sbuiltin(F, "new", fiber_new)
    vm.sbuiltin(F, "yield", fiber_yield)
    b(F, "resume", fiber_resume)
    b(F, "alive?", lambda vm, s, a, blk: not s.co.done, 0)
    vm.sbuiltin(T, "new start fork", thread_new)
    vm.sbuiltin(T, "current", lambda vm, s, a, blk: getattr(_current(vm), "rthread", None)
                or vm.__dict__.setdefault("_main_thread", _main_thread(vm, T)), 0)
    vm.sbuiltin(T, "main", lambda vm, s, a, blk: vm.__dict__.setdefault(
        "_main_thread", _main_thread(vm, T)), 0)
    vm.sbuiltin(T, "pass", lambda vm, s, a, blk: None, 0)
    b(T, "join", thread_join)
    b(T, "value", thread_value, 0)
    b(T, "alive?", lambda vm, s, a, blk: s.co is None or not s.co.done, 0)
    b(T, "status", lambda vm, s, a, blk: False if s.co is not None and s.co.done else
      RString("run"), 0)
    b(T, "[]", lambda vm, s, a, blk: s.locals.get(a[0]), 1)
    b(T, "[]=", lambda vm, s, a, blk: s.locals.__setitem__(a[0], a[1]) or a[1], 2)
    b(T, "name", lambda vm, s, a, blk: s.name, 0)
    b(T, "name=", lambda vm, s, a, blk: setattr(s, "name", a[0]) or a[0], 1)
    b(T, "report_on_exception= abort_on_exception=", lambda vm, s, a, blk: a[0], 1)
    b(vm.mKernel, "sleep", k_sleep, visibility="private")
    b(M, "lock", mutex_lock, 0)
    b(M, "unlock", mutex_unlock, 0)
    b(M, "synchronize", mutex_sync, 0)
    b(M, "locked?", lambda vm, s, a, blk: bool((s.ivars or {}).get("@locked")), 0)
    b(Q, "push << enq", queue_push, 1)
    b(Q, "pop shift deq", queue_pop)
    b(Q, "close", lambda vm, s, a, blk: (s.ivars or {}).__setitem__("@closed", True) or s
      if s.ivars is not None else setattr(s, "ivars", {"@closed": True}) or s, 0)
    b(Q, "empty?", lambda vm, s, a, blk: not (s.ivars or {}).get("@items"), 0)
    b(Q, "size length", lambda vm, s, a, blk: len((s.ivars or {}).get("@items", [])), 0)
    b(Q, "closed?", lambda vm, s, a, blk: bool((s.ivars or {}).get("@closed")), 0)
    _ = RubyError


def _main_thread(vm: Any, cls: Any) -> RThread:
    t = RThread(cls)
    t.co, t.block, t.args, t.locals, t.name, t.waiting, t.error = (
        None, None, [], {}, RString("main"), None, None)
    return t
