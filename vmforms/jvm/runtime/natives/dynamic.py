"""Classes made at run time: the ClassLoader.defineClass natives (JVMS 5.3.5) and
java.lang.reflect.Proxy classes. A proxy class is built by the VM itself, as lambda
classes are (invoke.py): each interface method is a host function that boxes its
arguments and calls InvocationHandler.invoke(proxy, method, args), so the library's
ProxyGenerator and the dynamic modules it needs are not run."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from vmforms.jvm.classfile.attributes import ExceptionsAttribute
from vmforms.jvm.classfile.classfile import MethodInfo
from vmforms.jvm.runtime.heap import JArray, JavaThrowable, JObject
from vmforms.jvm.runtime.klass import INITIALIZED, JClass, JMethod
from vmforms.jvm.runtime.natives import native, override

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread

CL = "java/lang/ClassLoader"
P = "java/lang/reflect/Proxy"
_proxy_ids = itertools.count(0)
_INVOKE = "(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;)Ljava/lang/Object;"


def _define(th: JThread, loader: Any, name: Any, data: bytes) -> Any:
    vm = th.vm
    internal = vm.to_str(name).replace(".", "/") if name is not None else None
    return vm.mirror(vm.define(internal, data, loader, th))


def _bytes(arr: JArray, off: int, length: int) -> bytes:
    return bytes(b & 0xFF for b in arr.data[off:off + length])


@native(CL, "defineClass1(Ljava/lang/ClassLoader;Ljava/lang/String;[BIILjava/security/"
            "ProtectionDomain;Ljava/lang/String;)Ljava/lang/Class;")
def _define1(th: JThread, a: list[Any]) -> Any:
    return _define(th, a[0], a[1], _bytes(a[2], a[3], a[4]))


# ClassLoader's flags for defineClass0 (Lookup.defineHiddenClass and its ClassOptions)
NESTMATE_CLASS = 0x1
HIDDEN_CLASS = 0x2
_hidden_ids = itertools.count(0)


def make_hidden(k: JClass, host: JClass | None) -> None:
    """Mark `k` hidden with HotSpot's name for it: the name from its bytes, a slash and
    the address of its class metadata (made up here, distinct per class), so that no
    class loader can find it by name. `host`: the nest it joins (NESTMATE)."""
    k.hidden = True
    k.nest_host = host
    k.java_name = f"{k.name.replace('/', '.')}/0x{0x800C00000 + 0x400 * next(_hidden_ids):016x}"


@native(CL, "defineClass0(Ljava/lang/ClassLoader;Ljava/lang/Class;Ljava/lang/String;[BII"
            "Ljava/security/ProtectionDomain;ZILjava/lang/Object;)Ljava/lang/Class;")
def _define0(th: JThread, a: list[Any]) -> Any:
    data = _bytes(a[3], a[4], a[5])
    if a[8] & HIDDEN_CLASS:
        mirror = _define_hidden(th, a[0], a[1].native, data, a[8], a[9])
    else:
        mirror = _define(th, a[0], a[2], data)
    if a[7]:
        th.vm.initialize(mirror.native, th)
    return mirror


def _define_hidden(th: JThread, loader: Any, lookup: JClass, data: bytes, flags: int,
                   class_data: Any) -> JObject:
    """Lookup.defineHiddenClass (JVMS 5.3.5 with JEP 371): a class in the lookup class's
    loader, package and module that is in no loader's namespace; only references keep
    it, so it is unloaded with its last one."""
    from vmforms.jvm.classfile import parse_class
    from vmforms.jvm.errors import ClassFormatError
    from vmforms.jvm.runtime.natives.reflect import nest_host

    vm = th.vm
    try:
        cf = parse_class(data, "<defineHiddenClass>")
    except ClassFormatError as exc:
        vm.throw(th, "java/lang/ClassFormatError", str(exc))
        raise
    with vm.load_lock:
        k = vm._define(cf.name, data, "<defineHiddenClass>", lookup.module, th, cf, loader,
                       shared=False)
    k.loader = loader
    k.code_source = lookup.code_source
    make_hidden(k, nest_host(th, lookup) if flags & NESTMATE_CLASS else None)
    mirror = vm.mirror(k)
    slots = mirror.klass.field_slots
    mirror.fields[slots["classLoader"]] = loader
    mirror.fields[slots["classData"]] = class_data
    return mirror


@native(CL, "defineClass2(Ljava/lang/ClassLoader;Ljava/lang/String;Ljava/nio/ByteBuffer;II"
            "Ljava/security/ProtectionDomain;Ljava/lang/String;)Ljava/lang/Class;")
def _define2(th: JThread, a: list[Any]) -> Any:
    vm = th.vm
    buf, off, length = a[2], a[3], a[4]
    arr = vm.call_virtual(th, buf, "array", "()Ljava/lang/Object;") \
        if vm.call_virtual(th, buf, "hasArray", "()Z") else None
    if arr is None:
        data = bytes(vm.call_virtual(th, buf, "get", "(I)B", off + i) & 0xFF
                     for i in range(length))
    else:
        base = vm.call_virtual(th, buf, "arrayOffset", "()I")
        data = _bytes(arr, base + off, length)
    return _define(th, a[0], a[1], data)


# -- java.lang.reflect.Proxy ---------------------------------------------------------------

_proxies: dict[tuple[int, tuple[str, ...]], JClass] = {}  # (id of the VM, interfaces)


@override(P, "newProxyInstance(Ljava/lang/ClassLoader;[Ljava/lang/Class;"
             "Ljava/lang/reflect/InvocationHandler;)Ljava/lang/Object;")
def _new_proxy_instance(th: JThread, a: list[Any]) -> Any:
    if a[2] is None or a[1] is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    k = proxy_class(th, [m.native for m in a[1].data])
    obj = k.new_instance()
    obj.fields[k.field_slots["h"]] = a[2]
    return obj


@override(P, "getProxyClass(Ljava/lang/ClassLoader;[Ljava/lang/Class;)Ljava/lang/Class;")
def _get_proxy_class(th: JThread, a: list[Any]) -> Any:
    return th.vm.mirror(proxy_class(th, [m.native for m in a[1].data]))


@override(P, "isProxyClass(Ljava/lang/Class;)Z")
def _is_proxy_class(th: JThread, a: list[Any]) -> Any:
    if a[0] is None:
        th.vm.throw(th, "java/lang/NullPointerException")
    k: JClass = a[0].native
    return 1 if any(p is k for p in _proxies.values()) else 0


def proxy_class(th: JThread, interfaces: list[JClass]) -> JClass:
    """The proxy class implementing `interfaces` in order, made once per list."""
    vm = th.vm
    key = (id(vm), tuple(i.name for i in interfaces))
    with vm.load_lock:
        k = _proxies.get(key)
        if k is not None:
            return k
        seen: set[str] = set()
        for i in interfaces:
            if not i.is_interface:
                vm.throw(th, "java/lang/IllegalArgumentException",
                         f"{i.java_name} is not an interface")
            if i.name in seen:
                vm.throw(th, "java/lang/IllegalArgumentException",
                         f"repeated interface: {i.java_name}")
            seen.add(i.name)
        private = [i for i in interfaces if not i.access & 0x0001]
        pkg = private[0].name.rpartition("/")[0] + "/" if private else "jdk/proxy1/"
        name = f"{pkg.lstrip('/')}$Proxy{next(_proxy_ids)}"
        k = JClass(name, None, vm.load(P, th), list(interfaces))
        k.access = 0x0011
        k.state = INITIALIZED
        k.heap = vm.heap
        obj = vm.load("java/lang/Object", th)
        targets: list[JMethod] = [obj.methods[key] for key in (
            "hashCode()I", "equals(Ljava/lang/Object;)Z", "toString()Ljava/lang/String;")]
        for i in [*interfaces, *k.all_interfaces()]:
            targets += [m for m in i.methods.values()
                        if not m.is_static and not m.access & 0x0002 and m.name != "<clinit>"]
        for t in targets:
            if t.key not in k.methods:
                pm = JMethod(k, MethodInfo(0x0011, t.name, t.descriptor, ()))
                pm.native = _proxy_body(t)
                k.methods[pm.key] = pm
        vm.classes[name] = k
        _proxies[key] = k
        return k


def _declared(th: JThread, m: JMethod) -> list[JClass]:
    ex = m.info.attribute(ExceptionsAttribute)
    if ex is None or m.klass.cf is None:
        return []
    cp = m.klass.cf.constant_pool
    return [th.vm.load(cp.class_name(i), th) for i in ex.exception_index_table]


def _proxy_body(target: JMethod) -> Any:
    from vmforms.jvm.runtime.natives.invoke import values_of
    from vmforms.jvm.runtime.natives.reflect import box, method_object

    cache: list[JObject] = []

    def body(th: JThread, slots: list[Any]) -> Any:
        vm = th.vm
        proxy = slots[0]
        if not cache:
            slot = list(target.klass.methods.values()).index(target)
            cache.append(method_object(th, vm.mirror(target.klass), target, slot))
        vals = values_of(target.descriptor, slots[1:])
        args = vm.new_array("[Ljava/lang/Object;",
                            [box(th, d, v) for d, v in zip(target.args, vals, strict=True)]) \
            if vals else None
        h = proxy.fields[proxy.klass.field_slots["h"]]
        try:
            r = vm.call_virtual(th, h, "invoke", _INVOKE, proxy, cache[0], args)
        except JavaThrowable as exc:
            ex = exc.obj.klass
            unchecked = ("java/lang/RuntimeException" in ex.ancestors
                         or "java/lang/Error" in ex.ancestors)
            if unchecked or any(ex.is_subclass_of(d) for d in _declared(th, target)):
                raise
            ute = vm.new_object(th, "java/lang/reflect/UndeclaredThrowableException",
                                "(Ljava/lang/Throwable;)V", [exc.obj])
            raise JavaThrowable(ute) from None
        return _result(th, target.ret, r)

    return body


def _result(th: JThread, ret: str, r: Any) -> Any:
    from vmforms.jvm.interp.link import checkcast_slow
    from vmforms.jvm.runtime.natives.reflect import unbox

    vm = th.vm
    if ret == "V":
        return None
    if ret[0] in "L[":
        if r is not None:
            checkcast_slow(th, r, vm.load(ret[1:-1] if ret[0] == "L" else ret, th))
        return r
    if r is None:
        vm.throw(th, "java/lang/NullPointerException")
    return unbox(th, ret, r)


@override(P, "invokeDefault(Ljava/lang/Object;Ljava/lang/reflect/Method;[Ljava/lang/Object;"
             "Ljava/lang/Class;)Ljava/lang/Object;")
def _invoke_default(th: JThread, a: list[Any]) -> Any:
    """InvocationHandler.invokeDefault: the interface's own default method, run on the
    proxy without virtual dispatch."""
    from vmforms.jvm.runtime.natives.reflect import box, unbox

    vm = th.vm
    proxy, method, args = a[0], a[1], a[2]
    if proxy is None or method is None:
        vm.throw(th, "java/lang/NullPointerException")
    s = method.klass.field_slots
    k: JClass = method.fields[s["clazz"]].native
    m = list(k.methods.values())[method.fields[s["slot"]]]
    if not k.is_interface or m.is_abstract or m.is_static or \
            not any(p is proxy.klass for p in _proxies.values()) or \
            not proxy.klass.is_subclass_of(k):
        vm.throw(th, "java/lang/IllegalArgumentException",
                 f"\"{m.name}\" is not a default method of a proxy interface")
    values = list(args.data) if args is not None else []
    if len(values) != len(m.args):
        vm.throw(th, "java/lang/IllegalArgumentException", "wrong number of arguments")
    slots: list[Any] = [proxy]
    for d, v in zip(m.args, values, strict=True):
        slots.append(unbox(th, d, v))
        if d in ("J", "D"):
            slots.append(None)
    return box(th, m.ret, vm.invoke(th, m, slots))
