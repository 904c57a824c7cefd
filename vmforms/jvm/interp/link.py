"""Linking instructions on first execution (JVMS 5.4.3, 6.5): resolve the constant-pool
operand, initialise the class where JVMS 5.5 says so, and return the quick instruction
that replaces the original in the decoded code. Also the slow paths of the loop:
array creation, store and cast checks, and exceptions the VM itself raises."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

from vmforms.jvm.interp import decode as D
from vmforms.jvm.runtime.heap import (
    ELEMENT_SIZES,
    UNBOUNDED,
    HeapExhausted,
    JArray,
    JavaThrowable,
    JObject,
    array_size,
)
from vmforms.jvm.runtime.resolve import (
    is_assignable,
    resolve_constant,
    resolve_field,
    resolve_method,
)

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass, JMethod
    from vmforms.jvm.runtime.vm import JThread

ARRAY_TYPES = {4: "[Z", 5: "[C", 6: "[F", 7: "[D", 8: "[B", 9: "[S", 10: "[I", 11: "[J"}


def make_exception(th: JThread, cls: str, message: str | None) -> JObject:
    vm = th.vm
    if message is None:
        return vm.new_object(th, cls, "()V", [])
    return vm.new_object(th, cls, "(Ljava/lang/String;)V", [vm.intern(message)])


def vm_exception(th: JThread, cls: str, message: str | None) -> NoReturn:
    raise JavaThrowable(make_exception(th, cls, message))


def checkcast_slow(th: JThread, v: JObject, target: JClass) -> None:
    from vmforms.jvm.runtime.loaders import describe

    if is_assignable(v.klass, target):
        return
    s, t = v.klass, target
    ds, dt = describe(th, s), describe(th, t)
    if ds == dt:
        where = f"{s.java_name} and {t.java_name} are in {ds}"
    else:
        where = f"{s.java_name} is in {ds}; {t.java_name} is in {dt}"
    vm_exception(th, "java/lang/ClassCastException",
                 f"class {s.java_name} cannot be cast to class {t.java_name} ({where})")


def array_store_check(th: JThread, arr: JArray, v: JObject) -> None:
    comp = arr.klass.component
    assert comp is not None
    if v.klass is not comp and not is_assignable(v.klass, comp):
        vm_exception(th, "java/lang/ArrayStoreException", v.klass.java_name)


def out_of_memory(th: JThread) -> JObject:
    """java.lang.OutOfMemoryError: Java heap space. HotSpot preallocates it; we lift the
    budget while building it (its object, message and backtrace are small)."""
    heap = th.vm.heap
    heap.limit = UNBOUNDED.max
    try:
        return make_exception(th, "java/lang/OutOfMemoryError", "Java heap space")
    finally:
        heap.rearm()


def check_array_size(th: JThread, count: int, element_size: int = 4) -> None:
    """The checks of a long array before its elements exist: a negative length, one past
    what HotSpot can index, then room in the heap."""
    if count < 0:
        vm_exception(th, "java/lang/NegativeArraySizeException", str(count))
    if count > 0x7FFFFFFD:
        vm_exception(th, "java/lang/OutOfMemoryError", "Requested array size exceeds VM limit")
    try:
        th.vm.heap.make_room(array_size(count, element_size))
    except HeapExhausted:
        raise JavaThrowable(out_of_memory(th)) from None


def new_primitive_array(th: JThread, atype: int, count: int) -> JArray:
    desc = ARRAY_TYPES[atype]
    if count < 0 or count > th.vm.max_array:
        check_array_size(th, count, ELEMENT_SIZES[desc[1]])
    zero: Any = 0.0 if desc in ("[F", "[D") else 0
    return JArray(th.vm.load(desc), [zero] * count)


def new_array(th: JThread, desc: str, dims: list[int]) -> JArray:
    """An array of class `desc` with the given dimension lengths (JVMS 6.5.multianewarray)."""
    vm = th.vm
    count = dims[0]
    elem = desc[1]
    if count < 0 or count > vm.max_array:
        check_array_size(th, count, ELEMENT_SIZES[elem])
    k = vm.load(desc, th)
    if len(dims) == 1:
        zero: Any = None if elem in "L[" else 0.0 if elem in "FD" else 0
        return JArray(k, [zero] * count)
    return JArray(k, [new_array(th, desc[1:], dims[1:]) for _ in range(count)])


def new_multi_array(th: JThread, owner: JClass, desc: str, dims: list[int]) -> JArray:
    for d in dims:
        if d < 0:
            vm_exception(th, "java/lang/NegativeArraySizeException", str(d))
    return new_array(th, desc, dims)


def _unsatisfied(m: JMethod) -> Any:
    def missing(th: JThread, args: list[Any]) -> Any:
        vm_exception(th, "java/lang/UnsatisfiedLinkError",
                     f"'{m.klass.java_name}.{m.name}{m.descriptor}'")

    return missing


def prepare_call(m: JMethod) -> None:
    if m.native is None and m.is_native:
        m.native = _unsatisfied(m)


def link_instruction(th: JThread, m: JMethod, op: int, a: Any, b: Any) -> tuple[Any, ...]:
    vm = th.vm
    k = m.klass
    if op == 0xB4 or op == 0xB5:  # getfield, putfield
        d, name, desc = resolve_field(th, k, a)
        slot = d.field_slots[name]
        two = desc in ("J", "D")
        if op == 0xB4:
            return (D.GETFIELD2_Q if two else D.GETFIELD_Q, slot, 0)
        return (D.PUTFIELD2_Q if two else D.PUTFIELD_Q, slot, 0)
    if op == 0xB2 or op == 0xB3:  # getstatic, putstatic
        d, name, desc = resolve_field(th, k, a)
        vm.initialize(d, th)
        two = desc in ("J", "D")
        if op == 0xB2:
            return (D.GETSTATIC2_Q if two else D.GETSTATIC_Q, d.statics, name)
        return (D.PUTSTATIC2_Q if two else D.PUTSTATIC_Q, d.statics, name)
    if op == 0xB8:  # invokestatic
        t = resolve_method(th, k, a)
        if not t.is_static:
            vm_exception(th, "java/lang/IncompatibleClassChangeError",
                         f"Expected static method '{t}'")
        vm.initialize(t.klass, th)
        prepare_call(t)
        return (D.INVOKESTATIC_Q, (t, t.arg_slots, t.ret_slots), 0)
    if op == 0xB6 or op == 0xB9:  # invokevirtual, invokeinterface
        t = resolve_method(th, k, a)
        if t.is_static:
            vm_exception(th, "java/lang/IncompatibleClassChangeError",
                         f"Expecting non-static method '{t}'")
        from vmforms.jvm.runtime.natives.invoke import signature_polymorphic

        poly = signature_polymorphic(th, k, a, t)
        if poly is not None:
            return poly
        prepare_call(t)
        # Private and final methods, and the methods of a final class, have one target.
        if t.access & 0x0002 or (t.access & 0x0010 or t.klass.access & 0x0010) \
                and not t.klass.is_interface:
            return (D.INVOKESPECIAL_Q, (t, t.arg_slots, t.ret_slots), 0)
        return (D.INVOKEVIRTUAL_Q, (t.key, t.arg_slots, t.ret_slots), 0)
    if op == 0xB7:  # invokespecial
        t = resolve_method(th, k, a)
        if t.name != "<init>" and not t.klass.is_interface and t.klass is not k \
                and k.is_subclass_of(t.klass) and k.superclass is not None:
            sel = k.superclass.select_virtual(t.key)
            if sel is not None:
                t = sel
        prepare_call(t)
        return (D.INVOKESPECIAL_Q, (t, t.arg_slots, t.ret_slots), 0)
    if op == 0xBA:  # invokedynamic
        from vmforms.jvm.runtime.natives.invoke import link_call_site

        site, ns, rs = link_call_site(th, k, a)
        return (D.INVOKEDYNAMIC_Q, (site, ns, rs), 0)
    if op == 0xBB:  # new
        c = vm.load_for(k, a, th)
        if c.is_interface or c.access & 0x0400:
            vm_exception(th, "java/lang/InstantiationError", c.java_name)
        vm.initialize(c, th)
        return (D.NEW_Q, c, tuple(c.slot_defaults))
    if op == 0xBD:  # anewarray
        c = vm.load_for(k, a, th)
        return (D.ANEWARRAY_Q, vm.array_of(c), 0)
    if op == 0xC0:
        return (D.CHECKCAST_Q, vm.load_for(k, a, th), 0)
    if op == 0xC1:
        return (D.INSTANCEOF_Q, vm.load_for(k, a, th), 0)
    if op == D.LDC:
        return (D.CONST, resolve_constant(th, k, a), 0)
    if op == D.LDC2:
        return (D.CONST2, resolve_constant(th, k, a), 0)
    if op == 0xC5:  # multianewarray: a = class index
        assert k.cf is not None
        return (0xC5, k.cf.constant_pool.class_name(a), b)
    vm_exception(th, "java/lang/VerifyError", f"unsupported opcode {op} in {m}")


def stack_overflow(th: JThread) -> None:
    # Leave the new StackOverflowError room for its own constructor frames.
    th.limit += 64
    try:
        vm_exception(th, "java/lang/StackOverflowError", None)
    finally:
        th.limit -= 64


def host_error(th: JThread, m: JMethod, index: int, err: BaseException) -> JObject:
    """The Java exception a host error at instruction `index` stands for."""
    assert m.code is not None
    op = m.code[index][0]
    if isinstance(err, ZeroDivisionError):
        return make_exception(th, "java/lang/ArithmeticException", "/ by zero")
    if isinstance(err, MemoryError):
        return out_of_memory(th)
    if isinstance(err, RecursionError):
        return make_exception(th, "java/lang/StackOverflowError", None)
    if isinstance(err, IndexError) and op in (0x2E, 0x2F, 0x4F, 0x50, 0x53, 0x54, 0x55, 0x56):
        i, length = _index_of(err)
        return make_exception(th, "java/lang/ArrayIndexOutOfBoundsException",
                              f"Index {i} out of bounds for length {length}")
    if isinstance(err, AttributeError | TypeError) and "NoneType" in str(err):
        npe = make_exception(th, "java/lang/NullPointerException", None)
        npe.native = ("npe", m, m.pcs[index])
        return npe
    raise err


def _index_of(err: IndexError) -> tuple[int, int]:
    if len(err.args) == 2:
        return err.args[0], err.args[1]
    tb = err.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:
        f = tb.tb_frame.f_locals
        return f.get("i", 0), len(f.get("d", ()))
    return 0, 0


def find_handler(m: JMethod, index: int, ex: JObject) -> int:
    ancestors = ex.klass.ancestors
    for start, end, handler, catch in m.handlers:
        if start <= index < end and (catch is None or catch in ancestors):
            return handler
    return -1
