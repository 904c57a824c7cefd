"""StackWalker (JEP 259) over the VM's own frame list instead of the library's
StackStreamFactory protocol: walk and forEach see StackFrame objects of a class the VM
builds, and getCallerClass reads the frame below its caller."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.classfile import MethodInfo
from vmforms.jvm.runtime.klass import INITIALIZED, JClass, JMethod
from vmforms.jvm.runtime.natives import override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

SW = "java/lang/StackWalker"
_REFLECTION = ("java/lang/reflect/Method", "java/lang/reflect/Constructor")
_frame_classes: dict[int, JClass] = {}


def _frames(th: JThread, walker: JObject) -> list[tuple[JMethod, int]]:
    """The caller's frames, innermost first, as (method, pc)."""
    vm = th.vm
    opt = vm.load(SW + "$Option", th)
    vm.initialize(opt, th)
    hidden = vm.call_virtual(th, walker, "hasOption", f"(L{SW}$Option;)Z",
                             opt.statics["SHOW_HIDDEN_FRAMES"])
    show = hidden or vm.call_virtual(th, walker, "hasOption", f"(L{SW}$Option;)Z",
                                     opt.statics["SHOW_REFLECT_FRAMES"])
    out = []
    for f in reversed(th.frames):
        m = f[0]
        if not show and (m.klass.name in _REFLECTION
                         or m.klass.name.startswith("jdk/internal/reflect/")):
            continue
        if not hidden and m.klass.hidden:
            continue
        out.append((m, m.pcs[f[1]] if m.pcs else -1))
    return out


def _frame_class(th: JThread) -> JClass:
    vm = th.vm
    k = _frame_classes.get(id(vm))
    if k is not None:
        return k
    k = JClass("java/lang/StackFrameInfo$Frame", None, vm.load("java/lang/Object", th),
               [vm.load(SW + "$StackFrame", th)])
    k.access = 0x0030
    k.state = INITIALIZED
    k.module = "java.base"

    def ste(th: JThread, obj: JObject) -> JObject:
        from vmforms.jvm.runtime.natives.lang import new_stack_trace_element

        m, pc, _ = obj.native
        return new_stack_trace_element(th, m, pc)

    def declaring(th: JThread, obj: JObject) -> Any:
        if not obj.native[2]:
            th.vm.throw(th, "java/lang/UnsupportedOperationException",
                        "No access to RETAIN_CLASS_REFERENCE")
        return th.vm.mirror(obj.native[0].klass)

    def method_type(th: JThread, obj: JObject) -> Any:
        from vmforms.jvm.runtime.natives.methodhandles import method_type as make

        declaring(th, obj)
        return make(th, obj.native[0].descriptor)

    bodies = {
        "getClassName()Ljava/lang/String;": lambda th, o: th.vm.intern(o.native[0].klass.java_name),
        "getMethodName()Ljava/lang/String;": lambda th, o: th.vm.intern(o.native[0].name),
        "getDeclaringClass()Ljava/lang/Class;": declaring,
        "getByteCodeIndex()I": lambda th, o: o.native[1],
        "getFileName()Ljava/lang/String;": lambda th, o: (
            th.vm.intern(o.native[0].klass.source_file) if o.native[0].klass.source_file
            else None),
        "getLineNumber()I": lambda th, o: (
            -2 if o.native[0].is_native else o.native[0].line_number(o.native[1])),
        "isNativeMethod()Z": lambda th, o: 1 if o.native[0].is_native else 0,
        "toStackTraceElement()Ljava/lang/StackTraceElement;": ste,
        "getMethodType()Ljava/lang/invoke/MethodType;": method_type,
        "getDescriptor()Ljava/lang/String;": lambda th, o: th.vm.intern(o.native[0].descriptor),
        "toString()Ljava/lang/String;": lambda th, o: th.vm.call_virtual(
            th, ste(th, o), "toString", "()Ljava/lang/String;"),
    }
    for key, fn in bodies.items():
        name, _, rest = key.partition("(")
        jm = JMethod(k, MethodInfo(0x0001, name, "(" + rest, ()))
        jm.native = _on_receiver(fn)
        k.methods[jm.key] = jm
    vm.classes[k.name] = k
    _frame_classes[id(vm)] = k
    return k


def _on_receiver(fn: Any) -> Any:
    return lambda th, a: fn(th, a[0])


def _frame_objects(th: JThread, walker: JObject) -> list[JObject]:
    k = _frame_class(th)
    retain = bool(walker.fields[walker.klass.field_slots["retainClassRef"]])
    out = []
    for m, pc in _frames(th, walker):
        obj = k.new_instance()
        obj.native = (m, pc, retain)
        out.append(obj)
    return out


@override(SW, "walk(Ljava/util/function/Function;)Ljava/lang/Object;")
def _walk(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    if a[1] is None:
        vm.throw(th, "java/lang/NullPointerException")
    arr = vm.new_array("[Ljava/lang/Object;", _frame_objects(th, a[0]))
    stream = vm.call_static(th, "java/util/Arrays", "stream",
                            "([Ljava/lang/Object;)Ljava/util/stream/Stream;", arr)
    return vm.call_virtual(th, a[1], "apply", "(Ljava/lang/Object;)Ljava/lang/Object;", stream)


@override(SW, "forEach(Ljava/util/function/Consumer;)V")
def _for_each(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    if a[1] is None:
        vm.throw(th, "java/lang/NullPointerException")
    for f in _frame_objects(th, a[0]):
        vm.call_virtual(th, a[1], "accept", "(Ljava/lang/Object;)V", f)


@override(SW, "getCallerClass()Ljava/lang/Class;")
def _caller_class(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    if not a[0].fields[a[0].klass.field_slots["retainClassRef"]]:
        vm.throw(th, "java/lang/UnsupportedOperationException",
                 "This stack walker does not have RETAIN_CLASS_REFERENCE access")
    frames = _frames(th, a[0])
    if len(frames) < 2:
        vm.throw(th, "java/lang/IllegalCallerException", "no caller frame")
    return vm.mirror(frames[1][0].klass)
