"""Run a compiled program: the top frame, uncaught exceptions printed as ruby prints them
(eval_error.c rb_error_write), exit status, at_exit handlers, require of other files."""

from __future__ import annotations

import gc
import os
import time
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.frame import Cref, Env, Frame
from vmforms.yarv.interp.loop import execute
from vmforms.yarv.interp.objects import RException, RubyError, Signal, ThrowSignal
from vmforms.yarv.interp.vm import VM


class SystemExitRequest(Exception):  # noqa: N818 - Kernel#exit unwinding to the top
    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status


def new_vm() -> VM:
    from vmforms.yarv.core.install import install_all

    vm = VM()
    install_all(vm)
    # The core library lives as long as the VM: keep it out of the collector's scans, and
    # collect young objects less often (a call allocates a frame, an env and lists).
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)
    return vm


def run_toplevel(vm: VM, iseq: Any, label: str | None = None) -> Any:
    cref = Cref(vm.cObject, None)
    cref.visibility = "private"
    f = Frame(iseq, vm.main, Env([None] * len(iseq.local_table), None), None, None, cref,
              None)
    f.label = label
    return execute(vm, f)


def error_message(vm: VM, exc: RException) -> str:
    """The text ruby prints for an uncaught exception."""
    bt = exc.backtrace or []
    head = bt[0] if bt else "-e:1"
    cls = vm.real_class(exc).name or "?"
    msg = vm.to_s(vm.send(exc, "message"))
    out = [head, ": "]
    if not msg:
        out.append("unhandled exception")
    elif "\n" in msg:
        first, _, rest = msg.partition("\n")
        out.append(f"{first} ({cls})\n{rest}")
    else:
        out.append(f"{msg} ({cls})")
    out.append("\n")
    for line in bt[1:]:
        out.append(f"\tfrom {line}\n")
    return "".join(out)


def report(vm: VM, exc: RException) -> int:
    cls = vm.real_class(exc)
    if cls.name == "SystemExit":
        status = (exc.ivars or {}).get("@status", 0)
        return int(status)
    vm.write_err(error_message(vm, exc))
    return 1


def run_main(iseqs: Any, path: str, args: list[str], *, load_path: list[str],
             requires: list[str], verbose: bool | None) -> int:
    vm = new_vm()
    vm.script = path
    vm.verbose = verbose
    stats = os.environ.get("VMFORMS_YARV_STATS", "")
    vm.counting = stats not in ("", "0", "time")
    vm.load_path = [os.path.abspath(p) for p in load_path] + vm.load_path
    vm.cObject.consts["ARGV"] = RArray([RString(a) for a in args], vm.cArray)
    status = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        try:
            for lib in requires:
                vm.send(vm.main, "require", RString(lib))
            run_toplevel(vm, iseqs.top)
        finally:
            status = run_at_exit(vm, status)
    except RubyError as e:
        status = report(vm, e.exc)
    except SystemExitRequest as e:
        status = e.status
    except ThrowSignal as t:
        vm.write_err(f"{path}: uncaught throw {vm.inspect(t.target)} (UncaughtThrowError)\n")
        status = 1
    except Signal:
        status = 0
    except RecursionError:
        vm.write_err(f"{path}: stack level too deep (SystemStackError)\n")
        status = 1
    vm.flush_out()
    if stats:
        elapsed = time.perf_counter() - started
        rate = int(vm.icount / elapsed) if elapsed > 0 else 0
        cpu = time.process_time() - cpu_started  # the run's own CPU time: steadier when shared
        vm.write_err(f"vmforms-stats insns={vm.icount} run_s={elapsed:.3f} rate={rate} "
                     f"cpu_s={cpu:.3f}\n")
    return status


def run_at_exit(vm: VM, status: int) -> int:
    while vm.at_exit:
        proc = vm.at_exit.pop()
        try:
            vm.call_proc(proc, [])
        except RubyError as e:
            status = report(vm, e.exc)
    return status
