"""jdk.internal.misc.Unsafe over our heap (JDK 17): field offsets are slot indices, static
fields get offsets from a table of their own, array offsets follow HotSpot's layout (a
16-byte base and the element size as scale) so the library's index arithmetic holds."""

from __future__ import annotations

import struct
import threading
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.heap import JArray, JObject
from vmforms.jvm.runtime.natives import constant, native, noop
from vmforms.jvm.runtime.natives.lang import klass_of

if TYPE_CHECKING:
    from vmforms.jvm.runtime.klass import JClass
    from vmforms.jvm.runtime.vm import JThread

U = "jdk/internal/misc/Unsafe"
STATIC_BASE = 1 << 40
ARRAY_BASE = 16
SCALES = {"Z": 1, "B": 1, "C": 2, "S": 2, "I": 4, "F": 4, "J": 8, "D": 8}
_FORMATS = {"Z": "b", "B": "b", "C": "H", "S": "h", "I": "i", "F": "f", "J": "q", "D": "d"}
_cas_lock = threading.Lock()


def _scale(arr: JArray) -> int:
    return SCALES.get(arr.klass.element[0], 4)


def get(th: JThread, o: Any, off: int, size: int = 0, fmt: str = "") -> Any:
    if isinstance(o, JArray):
        elem = o.klass.element[0]
        sc = SCALES.get(elem, 4)
        idx, rem = divmod(off - ARRAY_BASE, sc)
        if (size == 0 or size == sc) and rem == 0:
            return o.data[idx]
        return _get_packed(o, off, size, fmt)
    if o is None:
        return _memory_get(th, off, size, fmt)
    if off >= STATIC_BASE:
        k, name = th.vm.static_offsets[off - STATIC_BASE]
        return k.statics[name]
    return o.fields[off]


def put(th: JThread, o: Any, off: int, v: Any, size: int = 0, fmt: str = "") -> None:
    if isinstance(o, JArray):
        elem = o.klass.element[0]
        sc = SCALES.get(elem, 4)
        idx, rem = divmod(off - ARRAY_BASE, sc)
        if (size == 0 or size == sc) and rem == 0:
            o.data[idx] = v
            return
        _put_packed(o, off, v, size, fmt)
        return
    if o is None:
        _memory_put(th, off, v, size, fmt)
        return
    if off >= STATIC_BASE:
        k, name = th.vm.static_offsets[off - STATIC_BASE]
        k.statics[name] = v
        return
    o.fields[off] = v


def _array_bytes(o: JArray) -> bytearray:
    elem = o.klass.element[0]
    return bytearray(struct.pack(f"<{len(o.data)}{_FORMATS[elem]}", *o.data))


def _get_packed(o: JArray, off: int, size: int, fmt: str) -> Any:
    raw = _array_bytes(o)
    return struct.unpack_from("<" + fmt, raw, off - ARRAY_BASE)[0]


def _put_packed(o: JArray, off: int, v: Any, size: int, fmt: str) -> None:
    raw = _array_bytes(o)
    struct.pack_into("<" + fmt, raw, off - ARRAY_BASE, v)
    elem = o.klass.element[0]
    o.data[:] = list(struct.unpack(f"<{len(o.data)}{_FORMATS[elem]}", raw))


# Off-heap memory (allocateMemory): one bytearray per block, addressed by a base.
_blocks: dict[int, bytearray] = {}
_next_address = [1 << 32]


def _block(off: int) -> tuple[bytearray, int]:
    for base, mem in list(_blocks.items()):  # other threads may allocate meanwhile
        if base <= off < base + len(mem):
            return mem, off - base
    raise IndexError(f"unsafe access to unallocated address {off:#x}")


def _memory_get(th: JThread, off: int, size: int, fmt: str) -> Any:
    mem, i = _block(off)
    return struct.unpack_from("<" + (fmt or "q"), mem, i)[0]


def _memory_put(th: JThread, off: int, v: Any, size: int, fmt: str) -> None:
    mem, i = _block(off)
    struct.pack_into("<" + (fmt or "q"), mem, i, v)


def _accessors(kind: str, fmt: str, size: int) -> None:
    def getter(th: JThread, a: list[Any]) -> Any:
        return get(th, a[1], a[2], size, fmt)

    def putter(th: JThread, a: list[Any]) -> Any:
        put(th, a[1], a[2], a[4], size, fmt)

    native(U, f"get{kind}(Ljava/lang/Object;J){_DESC[kind]}",
           f"get{kind}Volatile(Ljava/lang/Object;J){_DESC[kind]}")(getter)
    native(U, f"put{kind}(Ljava/lang/Object;J{_DESC[kind]})V",
           f"put{kind}Volatile(Ljava/lang/Object;J{_DESC[kind]})V")(putter)


_DESC = {"Int": "I", "Long": "J", "Boolean": "Z", "Byte": "B", "Short": "S", "Char": "C",
         "Float": "F", "Double": "D", "Reference": "Ljava/lang/Object;"}
for _kind, _fmt, _size in (("Int", "i", 4), ("Long", "q", 8), ("Boolean", "b", 1),
                           ("Byte", "b", 1), ("Short", "h", 2), ("Char", "H", 2),
                           ("Float", "f", 4), ("Double", "d", 8), ("Reference", "", 0)):
    _accessors(_kind, _fmt, _size)


@native(U, "putLong(Ljava/lang/Object;JJ)V", "putLongVolatile(Ljava/lang/Object;JJ)V",
        "putDouble(Ljava/lang/Object;JD)V", "putDoubleVolatile(Ljava/lang/Object;JD)V")
def _put_wide(th: JThread, a: list[Any]) -> Any:
    fmt = "q" if isinstance(a[4], int) else "d"
    put(th, a[1], a[2], a[4], 8, fmt)


def _slot(th: JThread, o: Any, off: int, size: int) -> tuple[Any, Any] | None:
    """(container, key) of the variable at `off` of `o` when it is one Python item (a
    field, a static, an array element of that size); None for packed or off-heap bytes."""
    if isinstance(o, JArray):
        sc = SCALES.get(o.klass.element[0], 4)
        idx, rem = divmod(off - ARRAY_BASE, sc)
        return (o.data, idx) if (size == 0 or size == sc) and rem == 0 else None
    if o is None:
        return None
    if off >= STATIC_BASE:
        k, name = th.vm.static_offsets[off - STATIC_BASE]
        return k.statics, name
    return o.fields, off


def _compare_and_set(th: JThread, o: Any, off: int, expect: Any, new: Any, size: int,
                     fmt: str) -> tuple[bool, Any]:
    """(whether it was set, the value seen). Java's CAS is atomic against every other
    access of the variable, plain volatile writes too (a putfield, which takes no lock):
    so from the read to the write there is no call, the interpreter handing the GIL
    over only at calls and backward jumps. The lock orders the CASes among themselves."""
    where = _slot(th, o, off, size)
    identity = expect.__class__ is not int
    with _cas_lock:
        if where is None:  # bytes packed in an array or off-heap: under the lock only
            cur = get(th, o, off, size, fmt)
            if cur == expect:
                put(th, o, off, new, size, fmt)
                return True, cur
            return False, cur
        box, key = where
        cur = box[key]
        if cur is expect or (not identity and cur == expect):
            box[key] = new
            return True, cur
        return False, cur


@native(U, "compareAndSetInt(Ljava/lang/Object;JII)Z",
        "compareAndSetReference(Ljava/lang/Object;JLjava/lang/Object;Ljava/lang/Object;)Z")
def _cas(th: JThread, a: list[Any]) -> Any:
    return int(_compare_and_set(th, a[1], a[2], a[4], a[5], 0, "")[0])


@native(U, "compareAndSetLong(Ljava/lang/Object;JJJ)Z")
def _cas_long(th: JThread, a: list[Any]) -> Any:
    return int(_compare_and_set(th, a[1], a[2], a[4], a[6], 8, "q")[0])


@native(U, "compareAndExchangeInt(Ljava/lang/Object;JII)I",
        "compareAndExchangeReference(Ljava/lang/Object;JLjava/lang/Object;Ljava/lang/Object;)"
        "Ljava/lang/Object;")
def _cax(th: JThread, a: list[Any]) -> Any:
    return _compare_and_set(th, a[1], a[2], a[4], a[5], 0, "")[1]


@native(U, "compareAndExchangeLong(Ljava/lang/Object;JJJ)J")
def _cax_long(th: JThread, a: list[Any]) -> Any:
    return _compare_and_set(th, a[1], a[2], a[4], a[6], 8, "q")[1]


@native(U, "arrayBaseOffset0(Ljava/lang/Class;)I")
def _array_base(th: JThread, a: list[Any]) -> Any:
    return ARRAY_BASE


@native(U, "arrayIndexScale0(Ljava/lang/Class;)I")
def _array_scale(th: JThread, a: list[Any]) -> Any:
    k = klass_of(a[1])
    return SCALES.get(k.element[:1], 4)


constant(U, "addressSize0()I", 8)
constant(U, "pageSize()I", 4096)
constant(U, "isBigEndian0()Z", 0)
constant(U, "unalignedAccess0()Z", 1)
noop(U, "loadFence()V", "storeFence()V", "fullFence()V")


@native(U, "objectFieldOffset1(Ljava/lang/Class;Ljava/lang/String;)J")
def _field_offset(th: JThread, a: list[Any]) -> Any:
    k = klass_of(a[1])
    name = th.vm.to_str(a[2])
    slot = k.field_slots.get(name)
    if slot is None:
        th.vm.throw(th, "java/lang/InternalError", name)
    return slot


def _reflect_field(th: JThread, f: JObject) -> tuple[JClass, str]:
    fk = f.klass
    k = klass_of(f.fields[fk.field_slots["clazz"]])
    return k, th.vm.to_str(f.fields[fk.field_slots["name"]])


@native(U, "objectFieldOffset0(Ljava/lang/reflect/Field;)J")
def _field_offset0(th: JThread, a: list[Any]) -> Any:
    k, name = _reflect_field(th, a[1])
    return k.field_slots[name]


@native(U, "staticFieldOffset0(Ljava/lang/reflect/Field;)J")
def _static_offset(th: JThread, a: list[Any]) -> Any:
    k, name = _reflect_field(th, a[1])
    table = th.vm.static_offsets
    table.append((k, name))
    return STATIC_BASE + len(table) - 1


@native(U, "staticFieldBase0(Ljava/lang/reflect/Field;)Ljava/lang/Object;")
def _static_base(th: JThread, a: list[Any]) -> Any:
    k, _ = _reflect_field(th, a[1])
    return th.vm.mirror(k)


@native(U, "shouldBeInitialized0(Ljava/lang/Class;)Z")
def _should_init(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.klass import INITIALIZED

    return 0 if klass_of(a[1]).state == INITIALIZED else 1


@native(U, "ensureClassInitialized0(Ljava/lang/Class;)V")
def _ensure_init(th: JThread, a: list[Any]) -> Any:
    th.vm.initialize(klass_of(a[1]), th)


@native(U, "allocateInstance(Ljava/lang/Class;)Ljava/lang/Object;")
def _allocate(th: JThread, a: list[Any]) -> Any:
    k = klass_of(a[1])
    th.vm.initialize(k, th)
    return k.new_instance()


@native(U, "throwException(Ljava/lang/Throwable;)V")
def _throw(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.heap import JavaThrowable

    raise JavaThrowable(a[1])


@native(U, "allocateMemory0(J)J")
def _allocate_memory(th: JThread, a: list[Any]) -> Any:
    base = _next_address[0]
    size = max(a[1], 1)
    _blocks[base] = bytearray(size)
    _next_address[0] += (size + 4095) & ~4095
    return base


@native(U, "freeMemory0(J)V")
def _free_memory(th: JThread, a: list[Any]) -> Any:
    _blocks.pop(a[1], None)


@native(U, "setMemory0(Ljava/lang/Object;JJB)V")
def _set_memory(th: JThread, a: list[Any]) -> Any:
    o, off, n, v = a[1], a[2], a[4], a[6]
    for i in range(n):
        put(th, o, off + i, v, 1, "b")


def read_memory(address: int, n: int) -> bytes:
    """`n` bytes of off-heap memory at `address` (for natives that take a C buffer)."""
    mem, i = _block(address)
    return bytes(mem[i:i + n])


def write_memory(address: int, data: bytes) -> None:
    mem, i = _block(address)
    mem[i:i + len(data)] = data


def read_cstring(address: int) -> bytes:
    """The NUL-terminated string at `address` (a path in a NativeBuffer)."""
    mem, i = _block(address)
    return bytes(mem[i:mem.index(0, i)])


def _is_bytes(o: Any) -> bool:
    return isinstance(o, JArray) and o.klass.element in ("B", "Z")


@native(U, "copyMemory0(Ljava/lang/Object;JLjava/lang/Object;JJ)V")
def _copy_memory(th: JThread, a: list[Any]) -> Any:
    src, soff, dst, doff, n = a[1], a[2], a[4], a[5], a[7]
    # Byte arrays and off-heap memory, the copies of NIO buffers, go in one slice.
    if (src is None or _is_bytes(src)) and (dst is None or _is_bytes(dst)):
        if src is None:
            raw = read_memory(soff, n)
            vals: list[int] = [b - 256 if b > 127 else b for b in raw]
        else:
            i = soff - ARRAY_BASE
            vals = src.data[i:i + n]
        if dst is None:
            write_memory(doff, bytes(v & 0xFF for v in vals))
        else:
            j = doff - ARRAY_BASE
            dst.data[j:j + n] = vals
        return
    data = [get(th, src, soff + i, 1, "b") for i in range(n)]
    for i, v in enumerate(data):
        put(th, dst, doff + i, v, 1, "b")


@native(U, "park(ZJ)V")
def _park(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.threads import park

    park(th, bool(a[1]), a[2])


@native(U, "unpark(Ljava/lang/Object;)V")
def _unpark(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.threads import unpark

    unpark(th, a[1])


@native(U, "getLoadAverage0([DI)I")
def _load_average(th: JThread, a: list[Any]) -> Any:
    return -1
