"""Natives of java.lang: Object, Class, Throwable and StackTraceElement, String, the
Float/Double bit conversions and StrictMath (JDK 17 java.base, JLS 12.5, JVMS 2.10)."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.natives import constant, native, noop, override
from vmforms.jvm.runtime.values import (
    bits_to_double,
    bits_to_float,
    double_to_raw_bits,
    float_to_raw_bits,
)

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

OBJ = "java/lang/Object"
C = "java/lang/Class"

for _cls in (OBJ, C, "java/lang/System", "java/lang/Thread", "jdk/internal/misc/Unsafe",
             "java/lang/ClassLoader", "jdk/internal/misc/CDS", "jdk/internal/misc/VM",
             "java/lang/invoke/MethodHandleNatives", "java/io/FileDescriptor",
             "java/io/FileInputStream", "java/io/FileOutputStream", "java/lang/Module",
             "jdk/internal/misc/ScopedMemoryAccess", "java/lang/ref/Reference",
             "java/io/UnixFileSystem", "java/lang/ProcessEnvironment"):
    noop(_cls, "registerNatives()V", "initIDs()V")


def klass_of(mirror: JObject) -> JClass:
    k: JClass = mirror.native
    return k


# -- java.lang.Object -----------------------------------------------------------------
@native(OBJ, "getClass()Ljava/lang/Class;")
def _get_class(th: JThread, a: list[Any]) -> Any:
    return th.vm.mirror(a[0].klass)


@native(OBJ, "hashCode()I")
def _hash_code(th: JThread, a: list[Any]) -> Any:
    return th.vm.identity_hash(a[0], th)


@native(OBJ, "clone()Ljava/lang/Object;")
def _clone(th: JThread, a: list[Any]) -> Any:
    o = a[0]
    if isinstance(o, JArray):
        return JArray(o.klass, list(o.data))
    if "java/lang/Cloneable" not in o.klass.ancestors:
        th.vm.throw(th, "java/lang/CloneNotSupportedException", o.klass.java_name)
    c = JObject(o.klass, list(o.fields))
    return c


# -- java.lang.Throwable and stack traces ---------------------------------------------
@native("java/lang/Throwable", "fillInStackTrace(I)Ljava/lang/Throwable;")
def _fill_in_stack_trace(th: JThread, a: list[Any]) -> Any:
    ex: JObject = a[0]
    frames = th.frames
    i = len(frames) - 1
    while i >= 0 and frames[i][0].name == "fillInStackTrace":
        i -= 1
    while i >= 0 and frames[i][0].name == "<init>" and \
            frames[i][0].klass.name in ex.klass.ancestors:
        i -= 1
    trace: list[tuple[Any, int]] = []
    above = None  # the method of the frame called by the one being walked
    for f in reversed(frames[:i + 1]):
        m = f[0]
        if m.klass.hidden:
            continue  # HotSpot marks the methods of hidden classes hidden frames
        pc = m.pcs[f[1]] if m.pcs else -1
        callee = native_callee(th, m, pc)
        if callee is not None and (above is None or above.key != callee.key):
            trace.append((callee, -1))  # natives run without a frame: "(Native Method)"
        trace.append((m, pc))
        above = m
        if len(trace) >= 1024:  # HotSpot keeps at most MaxJavaStackTraceDepth frames
            del trace[1024:]
            break
    k = ex.klass
    holder = JObject(th.vm.load(OBJ), [])
    holder.native = trace
    ex.fields[k.field_slots["backtrace"]] = holder
    ex.fields[k.field_slots["depth"]] = len(trace)
    return ex


_callees: dict[tuple[int, int], Any] = {}


def native_callee(th: JThread, m: Any, pc: int) -> Any:
    """The native method (ACC_NATIVE) that the invoke at `pc` of `m` calls, if it is one:
    the frame stands at that invoke while the native runs."""
    key = (id(m), pc)
    if key in _callees:
        return _callees[key]
    found = None
    info = m.info.code
    cf = m.klass.cf
    if info is not None and cf is not None and 0 <= pc < len(info.code) - 2 and \
            info.code[pc] in (0xB6, 0xB7, 0xB8, 0xB9):
        from vmforms.jvm.runtime.resolve import member_ref

        try:
            cls, name, desc, _ = member_ref(m.klass, (info.code[pc + 1] << 8) | info.code[pc + 2])
            k = th.vm.classes.get(cls)
            target = k.find_method(name + desc) if k is not None else None
        except (KeyError, IndexError, AttributeError, ValueError):
            target = None
        if target is not None and target.is_native:
            found = target
    _callees[key] = found
    return found


def backtrace(ex: JObject) -> list[tuple[Any, int]]:
    holder = ex.fields[ex.klass.field_slots["backtrace"]]
    if holder is None or not isinstance(holder.native, list):
        return []
    return holder.native  # type: ignore[no-any-return]


def new_stack_trace_element(th: JThread, m: Any, pc: int) -> JObject:
    vm = th.vm
    sk = vm.load("java/lang/StackTraceElement")
    e = sk.new_instance()
    f = e.fields
    s = sk.field_slots
    k = m.klass
    f[s["declaringClass"]] = vm.intern(k.java_name)
    f[s["methodName"]] = vm.intern(m.name)
    src = k.source_file
    f[s["fileName"]] = vm.intern(src) if src else None
    line = -2 if m.is_native else m.line_number(pc)
    f[s["lineNumber"]] = line
    if k.module:
        f[s["moduleName"]] = vm.intern(k.module)
        if not k.module.startswith(("java.", "jdk.")):
            f[s["moduleVersion"]] = vm.intern(vm.properties.get("java.version", "17"))
    elif vm.booted:
        from vmforms.jvm.runtime.natives.modules import user_module_of

        info = user_module_of(vm, k)
        if info is not None:
            f[s["moduleName"]] = vm.intern(info.name)
            f[s["moduleVersion"]] = vm.intern(info.version) if info.version else None
    f[s["format"]] = 2 if k.module else 1
    return e


@override("java/lang/StackTraceElement", "of(Ljava/lang/Throwable;I)[Ljava/lang/StackTraceElement;")
def _ste_of(th: JThread, a: list[Any]) -> Any:
    trace = backtrace(a[0])[: a[1]]
    return th.vm.new_array("[Ljava/lang/StackTraceElement;",
                           [new_stack_trace_element(th, m, pc) for m, pc in trace])


# -- java.lang.String -------------------------------------------------------------------
@native("java/lang/String", "intern()Ljava/lang/String;")
def _intern(th: JThread, a: list[Any]) -> Any:
    return th.vm.intern_object(a[0])


constant("java/lang/StringUTF16", "isBigEndian()Z", 0)


# -- Float and Double ---------------------------------------------------------------------
@native("java/lang/Float", "floatToRawIntBits(F)I")
def _f2bits(th: JThread, a: list[Any]) -> Any:
    return float_to_raw_bits(a[0])


@native("java/lang/Float", "intBitsToFloat(I)F")
def _bits2f(th: JThread, a: list[Any]) -> Any:
    return bits_to_float(a[0])


@native("java/lang/Double", "doubleToRawLongBits(D)J")
def _d2bits(th: JThread, a: list[Any]) -> Any:
    return double_to_raw_bits(a[0])


@native("java/lang/Double", "longBitsToDouble(J)D")
def _bits2d(th: JThread, a: list[Any]) -> Any:
    return bits_to_double(a[0])


# -- StrictMath: where Python's libm result is the correctly rounded one -------------------
def _math1(fn: Any) -> Any:
    def call(th: JThread, a: list[Any]) -> Any:
        x = a[0]
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return x if x != x else _edge(fn, x)

    return call


def _edge(fn: Any, x: float) -> float:
    if fn is math.log or fn is math.log10:
        return -math.inf if x == 0 else math.nan
    if fn is math.exp or fn is math.sinh or fn is math.cosh:
        return math.inf if x > 0 or fn is math.cosh else -math.inf
    if fn is math.log1p:
        return -math.inf if x == -1 else math.nan
    return math.nan


_SM = "java/lang/StrictMath"
for _name, _fn in (("sin", math.sin), ("cos", math.cos), ("tan", math.tan), ("asin", math.asin),
                   ("acos", math.acos), ("log10", math.log10), ("sqrt", math.sqrt),
                   ("expm1", math.expm1), ("log1p", math.log1p)):
    native(_SM, f"{_name}(D)D")(_math1(_fn))


# fdlibm's e_exp.c: StrictMath.exp(1.0) is 2.7182818284590455, one ulp above libm's.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
_P = (1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05,
      -1.65339022054652515390e-06, 4.13813679705723846039e-08)


def fdlibm_exp(x: float) -> float:
    if x != x:
        return x
    if x > 7.09782712893383973096e02:
        return math.inf
    if x < -7.45133219101941108420e02:
        return 0.0
    ax = abs(x)
    neg = x < 0
    k = 0
    hi = lo = 0.0
    if ax > 0.34657359027997264:
        if ax < 1.0397207708399179:
            hi = x - (-_LN2_HI if neg else _LN2_HI)
            lo = -_LN2_LO if neg else _LN2_LO
            k = -1 if neg else 1
        else:
            k = int(_INV_LN2 * x + (-0.5 if neg else 0.5))
            hi = x - k * _LN2_HI
            lo = k * _LN2_LO
        x = hi - lo
    elif ax < 2.0 ** -28:
        return 1.0 + x
    t = x * x
    c = x - t * (_P[0] + t * (_P[1] + t * (_P[2] + t * (_P[3] + t * _P[4]))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    if k >= -1021:
        return math.ldexp(y, k)
    return math.ldexp(y, k + 1000) * 9.33263618503218878990e-302


# fdlibm's e_sinh.c, e_cosh.c and s_tanh.c, which StrictMath specifies, over exp/expm1.
_LN_MAX = 7.09782712893383973096e02
_OVERFLOW = 710.4758600739439


@native(_SM, "sinh(D)D")
def _sinh(th: JThread, a: list[Any]) -> Any:
    x = a[0]
    if x != x or math.isinf(x):
        return x
    h = 0.5 if math.copysign(1.0, x) > 0 else -0.5
    ax = abs(x)
    if ax < 22:
        if ax < 2.0 ** -28:
            return x
        t = math.expm1(ax)
        if ax < 1:
            return h * (2.0 * t - t * t / (t + 1.0))
        return h * (t + t / (t + 1.0))
    if ax < _LN_MAX:
        return h * fdlibm_exp(ax)
    if ax <= _OVERFLOW:
        w = fdlibm_exp(0.5 * ax)
        return (h * w) * w
    return math.copysign(math.inf, x)


@native(_SM, "cosh(D)D")
def _cosh(th: JThread, a: list[Any]) -> Any:
    x = a[0]
    if x != x:
        return x
    ax = abs(x)
    if math.isinf(ax):
        return ax
    if ax < 0.3465735902799726:
        t = math.expm1(ax)
        w = 1.0 + t
        if ax < 2.0 ** -55:
            return w
        return 1.0 + (t * t) / (w + w)
    if ax < 22:
        t = fdlibm_exp(ax)
        return 0.5 * t + 0.5 / t
    if ax < _LN_MAX:
        return 0.5 * fdlibm_exp(ax)
    if ax <= _OVERFLOW:
        w = fdlibm_exp(0.5 * ax)
        return (0.5 * w) * w
    return math.inf


@native(_SM, "tanh(D)D")
def _tanh(th: JThread, a: list[Any]) -> Any:
    x = a[0]
    if x != x:
        return x
    if math.isinf(x):
        return math.copysign(1.0, x)
    ax = abs(x)
    if ax < 22:
        if ax < 2.0 ** -55:
            return x * (1.0 + x)
        if ax >= 1:
            t = math.expm1(2.0 * ax)
            z = 1.0 - 2.0 / (t + 2.0)
        else:
            t = math.expm1(-2.0 * ax)
            z = -t / (t + 2.0)
    else:
        z = 1.0
    return z if math.copysign(1.0, x) > 0 else -z


@native(_SM, "atan2(DD)D")
def _atan2(th: JThread, a: list[Any]) -> Any:
    return math.atan2(a[0], a[2])


@native(_SM, "IEEEremainder(DD)D")
def _ieee_rem(th: JThread, a: list[Any]) -> Any:
    try:
        return math.remainder(a[0], a[2])
    except ValueError:
        return math.nan


# -- Math: HotSpot's intrinsics (also used by its interpreter) are the libm results ------
_M = "java/lang/Math"
for _name, _fn in (("sin", math.sin), ("cos", math.cos), ("tan", math.tan), ("exp", math.exp),
                   ("log", math.log), ("log10", math.log10)):
    override(_M, f"{_name}(D)D")(_math1(_fn))


@override(_M, "pow(DD)D")
def _pow(th: JThread, a: list[Any]) -> Any:
    x, y = a[0], a[2]
    if y == 0:
        return 1.0
    if y != y or x != x:
        return math.nan
    if math.isinf(y) and abs(x) == 1:
        return math.nan
    odd = y == int(y) and not math.isinf(y) and int(y) % 2 == 1
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and odd else math.inf
    except (ValueError, ZeroDivisionError):
        if x == 0:
            return -math.inf if odd and math.copysign(1.0, x) < 0 else math.inf
        return math.nan


# -- java.lang.Runtime ---------------------------------------------------------------------
# The CPUs this process may run on, as HotSpot counts them (sched_getaffinity).
constant("java/lang/Runtime", "availableProcessors()I", len(os.sched_getaffinity(0)))


@native("java/lang/Runtime", "maxMemory()J")
def _max_memory(th: JThread, a: list[Any]) -> Any:
    return th.vm.heap.max


@native("java/lang/Runtime", "totalMemory()J")
def _total_memory(th: JThread, a: list[Any]) -> Any:
    return th.vm.heap.total()


@native("java/lang/Runtime", "freeMemory()J")
def _free_memory(th: JThread, a: list[Any]) -> Any:
    return th.vm.heap.free()


@native("java/lang/Shutdown", "halt0(I)V")
def _halt(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.heap import ThreadExit

    th.vm.exit_status = a[0]
    if th is not th.vm.main_thread:
        # Runtime.halt from another thread ends the process at once, as in HotSpot;
        # our output streams are unbuffered host descriptors, so nothing is lost.
        import os

        os._exit(a[0])
    raise ThreadExit(a[0])


noop("java/lang/Shutdown", "beforeHalt()V")
noop("jdk/internal/misc/CDS", "initializeFromArchive(Ljava/lang/Class;)V",
     "defineArchivedModules(Ljava/lang/ClassLoader;Ljava/lang/ClassLoader;)V",
     "logLambdaFormInvoker(Ljava/lang/String;)V")
constant("jdk/internal/misc/CDS", "isDumpingClassList0()Z", 0)
constant("jdk/internal/misc/CDS", "isDumpingArchive0()Z", 0)
constant("jdk/internal/misc/CDS", "isSharingEnabled0()Z", 0)
constant("jdk/internal/misc/CDS", "getRandomSeedForDumping()J", 0)
noop("jdk/internal/misc/VM", "initialize()V", "initializeFromArchive(Ljava/lang/Class;)V")
constant("jdk/internal/misc/VM", "latestUserDefinedLoader0()Ljava/lang/ClassLoader;", None)
constant("jdk/internal/misc/VM", "getNanoTimeAdjustment(J)J", 0)
constant("jdk/internal/misc/VM", "getRuntimeArguments()[Ljava/lang/String;", None)


@native("jdk/internal/misc/VM", "getNanoTimeAdjustment(J)J")
def _nano_adjust(th: JThread, a: list[Any]) -> Any:
    import time

    ns = time.time_ns()
    return ns - a[0] * 1_000_000_000


@native("java/lang/Object", "notify()V", "notifyAll()V")
def _notify(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.threads import monitor_notify

    monitor_notify(th, a[0], all_=True)


@native("java/lang/Object", "wait(J)V")
def _wait(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.threads import monitor_wait

    monitor_wait(th, a[0], a[1])


@native("java/lang/NullPointerException", "getExtendedNPEMessage()Ljava/lang/String;")
def _npe_message(th: JThread, a: list[Any]) -> Any:
    info = a[0].native
    if not (isinstance(info, tuple) and info and info[0] == "npe"):
        return None
    from vmforms.jvm.interp.npe import npe_message

    msg = npe_message(info[1], info[2])
    return th.vm.intern(msg) if msg is not None else None
