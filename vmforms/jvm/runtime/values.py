"""Java primitive arithmetic on Python numbers: JLS 4.2 and JVMS 2.3, 2.8.

ints and longs wrap in two's complement; floats are rounded to binary32 after every
operation; conversions to integers saturate and map NaN to zero (JVMS 6.5.f2i, d2l).
"""

from __future__ import annotations

import math
import struct

_f = struct.Struct("<f")
_d = struct.Struct("<d")
_I = struct.Struct("<I")
_Q = struct.Struct("<Q")
_i = struct.Struct("<i")
_q = struct.Struct("<q")


def i32(v: int) -> int:
    return ((v + 0x80000000) & 0xFFFFFFFF) - 0x80000000


def i64(v: int) -> int:
    return ((v + 0x8000000000000000) & 0xFFFFFFFFFFFFFFFF) - 0x8000000000000000


def f32(v: float) -> float:
    """Round a double to the nearest float (an overflow becomes an infinity)."""
    try:
        return _f.unpack(_f.pack(v))[0]  # type: ignore[no-any-return]
    except OverflowError:
        if math.isnan(v):
            return v
        # struct refuses values that round past FLT_MAX: decide the rounding ourselves.
        if abs(v) < 3.4028235677973366e38:
            return math.copysign(3.4028234663852886e38, v)
        return math.copysign(math.inf, v)


def bits_to_float(bits: int) -> float:
    return _f.unpack(_I.pack(bits & 0xFFFFFFFF))[0]  # type: ignore[no-any-return]


def bits_to_double(bits: int) -> float:
    return _d.unpack(_Q.pack(bits & 0xFFFFFFFFFFFFFFFF))[0]  # type: ignore[no-any-return]


def float_to_raw_bits(v: float) -> int:
    return _i.unpack(_f.pack(v))[0]  # type: ignore[no-any-return]


def double_to_raw_bits(v: float) -> int:
    return _q.unpack(_d.pack(v))[0]  # type: ignore[no-any-return]


def f2i(v: float) -> int:
    if v != v:
        return 0
    if v >= 2147483647.0:
        return 2147483647
    if v <= -2147483648.0:
        return -2147483648
    return int(v)


def f2l(v: float) -> int:
    if v != v:
        return 0
    if v >= 9.223372036854775807e18:
        return 9223372036854775807
    if v <= -9.223372036854775808e18:
        return -9223372036854775808
    return int(v)


def idiv(a: int, b: int) -> int:
    """Java's truncating division; the caller has ruled out b == 0."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def irem(a: int, b: int) -> int:
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def fmod(a: float, b: float) -> float:
    """JVMS drem: the C fmod, not IEEE remainder; NaN for a zero divisor or infinite a."""
    if b == 0.0 or math.isinf(a) or a != a or b != b:
        return math.nan
    if math.isinf(b):
        return a
    return math.fmod(a, b)


def fdiv(a: float, b: float) -> float:
    if b == 0.0:
        if a != a or a == 0.0:
            return math.nan
        neg = (math.copysign(1.0, a) < 0) != (math.copysign(1.0, b) < 0)
        return -math.inf if neg else math.inf
    try:
        return a / b
    except OverflowError:
        neg = (a < 0) != (b < 0)
        return -math.inf if neg else math.inf


def fmul(a: float, b: float) -> float:
    return a * b


def fcmp(a: float, b: float, nan: int) -> int:
    if a != a or b != b:
        return nan
    return 1 if a > b else -1 if a < b else 0
