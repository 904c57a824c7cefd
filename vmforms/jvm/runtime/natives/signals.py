"""jdk.internal.misc.Signal (and so sun.misc.Signal and the shutdown on SIGINT, SIGTERM and
SIGHUP that java.lang.Terminator sets up) over the host's signals, as HotSpot's
JVM_FindSignal, JVM_RegisterSignal and JVM_RaiseSignal answer them on Linux.

The host installs signal handlers from its main thread only, and runs them there; the
Java threads run on other host threads (the launcher gives them big stacks), so the
launcher's main thread serves the installs that handle0 asks for (`serve`). A Java
handler is a host handler that calls Signal.dispatch(number) on a "Signal Dispatcher"
Java thread of its own, as HotSpot's dispatcher thread does; dispatch starts the
handler's Java thread.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JavaThrowable, ThreadExit
from vmforms.jvm.runtime.natives import native

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import VM, JThread

S = "jdk/internal/misc/Signal"
# Signals HotSpot keeps for itself: JVM_RegisterSignal answers -1 for them
# (SIGQUIT prints the thread dump unless -Xrs).
RESERVED = {signal.SIGFPE, signal.SIGILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGQUIT}
DEFAULT, IGNORE, JAVA = 0, 1, 2  # the handler values of Signal.handle0


@native(S, "findSignal0(Ljava/lang/String;)I")
def _find_signal(th: JThread, a: list[Any]) -> Any:
    name = th.vm.to_str(a[0])
    try:
        return int(signal.Signals["SIG" + name])
    except KeyError:
        return -1


def _dispatcher(vm: VM) -> Callable[[int, Any], None]:
    def dispatch(signum: int, frame: Any) -> None:
        th = _dispatcher_thread(vm)
        if th is None:
            return
        try:
            vm.call_static(th, S, "dispatch", "(I)V", signum)
        except (JavaThrowable, ThreadExit):
            pass
    dispatch.java_handler = True  # type: ignore[attr-defined]
    return dispatch


def _dispatcher_thread(vm: VM) -> JThread | None:
    """The "Signal Dispatcher" Java thread (a daemon of the system thread group) that the
    host's main thread runs handlers as; made on the first signal."""
    from vmforms.jvm.runtime.natives.threads import RUNNABLE
    from vmforms.jvm.runtime.vm import JThread

    th: JThread | None = getattr(vm, "signal_thread", None)
    main = vm.main_thread
    if th is not None or main is None or main.obj is None:
        return th
    tk = vm.load("java/lang/Thread")
    group = main.obj.fields[tk.field_slots["group"]]
    system = group.fields[group.klass.field_slots["parent"]] or group
    th = JThread(vm, None)
    obj = tk.new_instance()
    obj.native = th
    th.obj = obj
    obj.fields[tk.field_slots["priority"]] = 9
    obj.fields[tk.field_slots["threadStatus"]] = RUNNABLE
    obj.fields[tk.field_slots["eetop"]] = id(th)
    try:
        vm.invoke(th, vm.find_method(tk, "<init>", "(Ljava/lang/ThreadGroup;Ljava/lang/String;)V"),
                  [obj, system, vm.intern("Signal Dispatcher")])
    except JavaThrowable:
        return None
    obj.fields[tk.field_slots["daemon"]] = 1  # setDaemon refuses a thread already alive
    vm.signal_thread = th  # type: ignore[attr-defined]
    vm.threads[id(th)] = th
    return th


# Installs asked for by Java threads, run by the host's main thread while it waits for
# the Java main thread (serve): (the install, where its result goes, when it is done).
_requests: queue.SimpleQueue[tuple[Callable[[], int], list[int], threading.Event] | None] = \
    queue.SimpleQueue()
_serving = threading.Event()


def serve(worker: threading.Thread) -> None:
    """Start `worker` and serve it from the host's main thread until it ends: install
    the handlers Java threads ask for; the host runs signal handlers here too (the wait
    is in slices, so a handler runs within one)."""
    body = worker.run

    def run_then_wake() -> None:
        try:
            body()
        finally:
            _requests.put(None)  # the main thread returns at once

    worker.run = run_then_wake  # type: ignore[method-assign]
    _serving.set()
    try:
        worker.start()
        while worker.is_alive():
            try:
                item = _requests.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                break
            install, result, done = item
            try:
                result.append(install())
            finally:
                done.set()
    finally:
        _serving.clear()


def _on_main(install: Callable[[], int]) -> int:
    if threading.current_thread() is threading.main_thread():
        return install()
    if not _serving.is_set():
        return -1  # no host main thread serves this VM: the signal cannot be handled
    result: list[int] = []
    done = threading.Event()
    _requests.put((install, result, done))
    done.wait()
    return result[0] if result else -1


@native(S, "handle0(IJ)J")
def _handle(th: JThread, a: list[Any]) -> Any:
    sig, new = a[0], a[1]
    if sig in RESERVED or sig <= 0 or sig >= signal.NSIG or sig in (signal.SIGKILL,
                                                                     signal.SIGSTOP):
        return -1
    vm = th.vm

    def install() -> int:
        old = signal.getsignal(sig)
        if sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM) and old == signal.SIG_IGN:
            return IGNORE  # as HotSpot: a shutdown signal the parent ignored stays ignored
        handler: Any = signal.SIG_DFL if new == DEFAULT else \
            signal.SIG_IGN if new == IGNORE else _dispatcher(vm)
        signal.signal(sig, handler)
        if old == signal.SIG_IGN:
            return IGNORE
        return JAVA if getattr(old, "java_handler", False) else DEFAULT

    return _on_main(install)


@native(S, "raise0(I)V")
def _raise(th: JThread, a: list[Any]) -> Any:
    os.kill(os.getpid(), a[0])
