"""What the java launcher does after option parsing (JDK 17 LauncherHelper and
java.c JavaMain): boot, load and check the main class, pick the main method (including
JEP 512's instance and parameterless forms), run it and turn the outcome into an exit
status, printing an uncaught exception through Thread.dispatchUncaughtException."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from vmforms.jvm.errors import ClassFormatError, ClassNotFoundError, JvmError
from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.heap import JavaThrowable, ThreadExit
from vmforms.jvm.runtime.jimage import default_jdk_home

MAIN_NOT_FOUND = ("Error: Main method not found in class {0}, please define the main method "
                  "as:\n   public static void main(String[] args)\nor a JavaFX application "
                  "class must extend javafx.application.Application")


def _err(text: str) -> None:
    os.write(2, (text + "\n").encode("utf-8"))


def launch(main: str | None, args: list[str], cp: str | None, props: dict[str, str],
           ea: bool, xss: int | None, xmx: int | None, version: str | None = None,
           modules: dict[str, list[str]] | None = None, main_module: str | None = None) -> int:
    from vmforms.jvm.runtime import modoptions
    from vmforms.jvm.runtime.boot import boot, vm_properties
    from vmforms.jvm.runtime.vm import VM

    home = default_jdk_home()
    if home is None:
        _err("Error: no JDK class library found: set JAVA_HOME to a JDK 17 (lib/modules)")
        return 1
    classpath = ClassPath.from_string(cp, home)
    cp_text = cp if cp is not None else os.environ.get("CLASSPATH") or "."
    graph = None
    modules = modules or {}
    if modules or main_module:
        try:
            graph = modoptions.graph_for(classpath.image(), modules, main_module)
            modoptions.check(modules)
        except modoptions.BootLayerError as exc:
            sys.stdout.write(f"{exc}\n")
            return 1
        # Module path modules are defined by the application loader, as class-path classes.
        classpath.entries[0:0] = [graph.user[n] for n in sorted(graph.layer()) if n in graph.user]
        if "--module-path" in modules:
            props = {"jdk.module.path": os.pathsep.join(modules["--module-path"]), **props}
        if main_module:
            props = {"jdk.module.main": main_module.partition("/")[0], **props}
    depth = max(200, (xss or 1024 * 1024) // 100)
    vm = VM(classpath, vm_properties(home, cp_text, props), max_depth=depth, assertions=ea,
            max_heap=xmx)
    if graph is not None:
        from vmforms.jvm.runtime.natives.modules import configure

        configure(vm, graph)
    started = time.perf_counter()
    try:
        th = boot(vm)
    except JavaThrowable as exc:
        _err(f"Error occurred during initialization of VM\n{_describe(vm, exc)}")
        return 1
    except ThreadExit as ex:
        return ex.status
    booted = time.perf_counter()
    boot_count = th.count
    if graph is not None:
        modoptions.apply(vm, th, graph, modules, _err)
        if main_module:
            try:
                main = modoptions.main_class(graph, main_module)
            except ValueError as exc:
                _err(str(exc))
                return 1
    try:
        if version is not None:
            # LauncherHelper prints the version through the library's VersionProps:
            # -version and -showversion to stderr, --version and --show-version to stdout.
            vm.call_static(th, "java/lang/VersionProps", "print", "(Z)V",
                           1 if version in ("-version", "-showversion") else 0)
        if main is None:
            return 0
        return _run_main(vm, th, main, args, main_module.partition("/")[0] if main_module else None)
    finally:
        if os.environ.get("VMFORMS_JVM_STATS"):
            _stats(vm, started, booted, boot_count)


def _run_main(vm: Any, th: Any, main: str, args: list[str], module: str | None) -> int:
    name = main.replace(".", "/")
    try:
        try:
            k = vm.load(name)
        except ClassNotFoundError:
            if module is not None:
                _err(f"Error: Could not find or load main class {main} in module {module}")
            else:
                _err(f"Error: Could not find or load main class {main}\n"
                     f"Caused by: java.lang.ClassNotFoundException: {main}")
            return 1
        except ClassFormatError as exc:
            return _link_error(vm, th, main, exc)
        except JvmError as exc:
            msg = str(exc)
            if "wrong name" in msg:
                wrong = msg.split("wrong name: ")[1].rstrip(")")
                _err(f"Error: Could not find or load main class {main}\n"
                     f"Caused by: java.lang.NoClassDefFoundError: {name} (wrong name: "
                     f"{wrong})")
                return 1
            raise
        except JavaThrowable as exc:
            _err(f"Error: Could not find or load main class {main}\n"
                 f"Caused by: {_describe(vm, exc)}")
            return 1
        m = k.methods.get("main([Ljava/lang/String;)V")
        if m is None or m.access & 0x0002:
            m = k.methods.get("main()V")
        if m is None or m.access & 0x0002:
            sup = k.superclass
            while sup is not None and (m is None or m.access & 0x0002):
                m = sup.methods.get("main([Ljava/lang/String;)V") or sup.methods.get("main()V")
                sup = sup.superclass
        if m is None or m.access & 0x0002:
            _err(MAIN_NOT_FOUND.format(main))
            return 1
        jargs = vm.new_array("[Ljava/lang/String;", [vm.new_string(a) for a in args])
        call_args: list[Any] = [jargs] if m.args else []
        try:
            vm.reset_main_hash_state(k)
            vm.initialize(k, th)
            if not m.is_static:
                ctor = k.methods.get("<init>()V")
                if ctor is None or ctor.access & 0x0002:
                    _err(MAIN_NOT_FOUND.format(main))
                    return 1
                obj = k.new_instance()
                vm.invoke(th, ctor, [obj])
                call_args = [obj, *call_args]
            vm.invoke(th, m, call_args)
            status = 0
        except JavaThrowable as exc:
            thrown = exc.obj
            status = 1
        if status:
            # Out of the except block: the host traceback would keep the finished frames,
            # and every object their locals held, alive while the handler runs.
            _uncaught(vm, th, thrown)
        _wait_for_threads(vm)
        try:
            vm.call_static(th, "java/lang/Shutdown", "shutdown", "()V")
        except JavaThrowable:
            pass
        return status
    except ThreadExit as ex:
        return ex.status


def _stats(vm: Any, started: float, booted: float, boot_count: int) -> None:
    """Counters for bench/jvm.py: boot time, bytecodes run after boot and their rate."""
    now = time.perf_counter()
    total = sum(t.count for t in vm.threads.values())
    run = total - boot_count
    secs = now - booted
    _err(f"vmforms-stats boot_s={booted - started:.3f} boot_bytecodes={boot_count} "
         f"run_s={secs:.3f} run_bytecodes={run} rate={run / secs if secs else 0:.0f}")


def _link_error(vm: Any, th: Any, main: str, exc: ClassFormatError) -> int:
    from vmforms.jvm.errors import UnsupportedClassVersionError

    if isinstance(exc, UnsupportedClassVersionError):
        _err(f"Error: LinkageError occurred while loading main class {main}\n"
             f"\tjava.lang.UnsupportedClassVersionError: {exc.problem}")
    else:
        _err(f"Error: LinkageError occurred while loading main class {main}\n"
             f"\tjava.lang.ClassFormatError: {exc.problem}")
    return 1


def _describe(vm: Any, exc: JavaThrowable) -> str:
    from vmforms.jvm.runtime.vm import JThread

    th = vm.main_thread or JThread(vm, None)
    try:
        s = vm.call_virtual(th, exc.obj, "toString", "()Ljava/lang/String;")
        return str(vm.to_str(s))
    except (JavaThrowable, JvmError):
        return str(exc.obj.klass.java_name)


def _uncaught(vm: Any, th: Any, thrown: Any) -> None:
    try:
        vm.call_virtual(th, th.obj, "dispatchUncaughtException",
                        "(Ljava/lang/Throwable;)V", thrown)
    except JavaThrowable as again:
        _err(f"Exception: {_describe(vm, again)} thrown from the "
             f"UncaughtExceptionHandler in thread \"main\"")


def _wait_for_threads(vm: Any) -> None:
    for t in list(vm.host_threads):
        if not t.daemon:
            t.join()
    sys.stdout.flush()
