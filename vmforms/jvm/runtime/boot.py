"""Starting the VM the way HotSpot's Threads::create_vm does, as far as programs need:
the initial thread group and thread, then System.initPhase1 (System.in/out/err over the
real FileInputStream/FileOutputStream and PrintStream, the system properties)."""

from __future__ import annotations

import os
from typing import Any

from vmforms.jvm.runtime.heap import JObject
from vmforms.jvm.runtime.natives.threads import RUNNABLE
from vmforms.jvm.runtime.vm import VM, JThread


def _release(java_home: str) -> dict[str, str]:
    """The JDK's `release` file (KEY="value" lines): the VM reports the same version."""
    out: dict[str, str] = {}
    try:
        with open(os.path.join(java_home, "release"), encoding="utf-8") as f:
            for line in f:
                k, sep, v = line.strip().partition("=")
                if sep:
                    out[k] = v.strip('"')
    except OSError:
        pass
    return out


def vm_properties(java_home: str, classpath: str, user: dict[str, str]) -> dict[str, str]:
    """What HotSpot's Arguments hand to SystemProps as vmProperties()."""
    from vmforms.jvm.interp import translate

    release = _release(java_home)
    props = {
        "java.vm.specification.name": "Java Virtual Machine Specification",
        "java.vm.specification.vendor": "Oracle Corporation",
        "java.vm.specification.version": "17",
        "java.vm.name": "OpenJDK 64-Bit Server VM",
        "java.vm.vendor": release.get("IMPLEMENTOR", "Oracle Corporation"),
        "java.vm.version": release.get("JAVA_RUNTIME_VERSION", "17"),
        # HotSpot's words for its execution modes; no CDS archive: no ", sharing".
        "java.vm.info": "mixed mode" if translate.TRANSLATE else "interpreted mode",
        "jdk.debug": "release",
        "java.home": java_home,
        "java.class.path": classpath,
        "java.library.path": "/usr/java/packages/lib:/usr/lib/x86_64-linux-gnu/jni:"
                             "/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu:/usr/lib/jni:"
                             "/lib:/usr/lib",
        "sun.boot.library.path": os.path.join(java_home, "lib"),
        "sun.java.launcher": "SUN_STANDARD",
        "sun.reflect.inflationThreshold": "2147483647",
    }
    props.update(user)
    return props


def boot(vm: VM) -> JThread:
    """Create the main thread and run System.initPhase1; return the main thread."""
    th = JThread(vm, None)
    vm.main_thread = th
    vm.threads[id(th)] = th
    for name in ("java/lang/Object", "java/lang/String", "java/lang/System",
                 "java/lang/Class", "java/lang/ThreadGroup", "java/lang/Thread"):
        vm.initialize(vm.load(name), th)
    tk = vm.load("java/lang/Thread")
    tobj = tk.new_instance()
    tobj.native = th
    th.obj = tobj
    f = tobj.fields
    f[tk.field_slots["priority"]] = 5
    f[tk.field_slots["threadStatus"]] = RUNNABLE
    f[tk.field_slots["eetop"]] = id(th)
    system_group = vm.new_object(th, "java/lang/ThreadGroup", "()V", [])
    main_group = vm.new_object(th, "java/lang/ThreadGroup",
                               "(Ljava/lang/ThreadGroup;Ljava/lang/String;)V",
                               [system_group, vm.intern("main")])
    vm.invoke(th, vm.find_method(tk, "<init>", "(Ljava/lang/ThreadGroup;Ljava/lang/String;)V"),
              [tobj, main_group, vm.intern("main")])
    for name in ("jdk/internal/misc/UnsafeConstants", "java/lang/reflect/Method",
                 "java/lang/ref/Finalizer"):
        vm.initialize(vm.load(name), th)
        if name == "jdk/internal/misc/UnsafeConstants":
            # HotSpot injects these after the class's own <clinit> left them zero.
            vm.load(name).statics.update(ADDRESS_SIZE0=8, PAGE_SIZE=4096, BIG_ENDIAN=0,
                                         UNALIGNED_ACCESS=1)
    vm.call_static(th, "java/lang/System", "initPhase1", "()V")
    # One unnamed module stands for every module: initPhase2 (the module graph) is not run.
    module = vm.load("java/lang/Module").new_instance()
    vm.unnamed_module = module
    slot = vm.load("java/lang/Class").field_slots["module"]
    for k in list(vm.classes.values()):
        if k.mirror is not None:
            k.mirror.fields[slot] = module
    vm.booted = True
    return th


def main_thread_group(th: JThread) -> Any:
    obj: JObject | None = th.obj
    assert obj is not None
    return obj.fields[obj.klass.field_slots["group"]]
