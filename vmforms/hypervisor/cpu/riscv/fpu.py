"""IEEE 754 binary32/binary64 arithmetic for the F and D extensions (unprivileged spec ch. 11-12).

Every operation is computed exactly on rationals and rounded once in the requested mode,
so results and the NV/DZ/OF/UF/NX flags are bit-exact in all five rounding modes. Values
travel as raw bit patterns; NaN-boxing of binary32 in the 64-bit registers (11.2) is done by
`unbox` and the callers. Any NaN result is the canonical NaN (11.3).
"""

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

FLAG_NX = 1
FLAG_UF = 2
FLAG_OF = 4
FLAG_DZ = 8
FLAG_NV = 16

RM_RNE = 0
RM_RTZ = 1
RM_RDN = 2
RM_RUP = 3
RM_RMM = 4

BOX = 0xFFFFFFFF_00000000


@dataclass(frozen=True, slots=True)
class Fmt:
    """A binary interchange format: width, exponent and fraction bits."""

    width: int
    ebits: int
    mbits: int

    @property
    def bias(self) -> int:
        return (1 << (self.ebits - 1)) - 1

    @property
    def sign_bit(self) -> int:
        return 1 << (self.width - 1)

    @property
    def exp_mask(self) -> int:
        return ((1 << self.ebits) - 1) << self.mbits

    @property
    def man_mask(self) -> int:
        return (1 << self.mbits) - 1

    @property
    def qnan(self) -> int:
        return self.exp_mask | (1 << (self.mbits - 1))

    @property
    def inf(self) -> int:
        return self.exp_mask


F32 = Fmt(32, 8, 23)
F64 = Fmt(64, 11, 52)
_S32 = struct.Struct("<f")
_U32 = struct.Struct("<I")
_S64 = struct.Struct("<d")
_U64 = struct.Struct("<Q")


def unbox(v: int) -> int:
    """The binary32 held by a register; an improperly boxed value reads as the canonical NaN."""
    return v & 0xFFFFFFFF if v >> 32 == 0xFFFFFFFF else F32.qnan


def is_nan(fmt: Fmt, v: int) -> bool:
    return v & fmt.exp_mask == fmt.exp_mask and v & fmt.man_mask != 0


def is_snan(fmt: Fmt, v: int) -> bool:
    return is_nan(fmt, v) and not (v >> (fmt.mbits - 1)) & 1


def is_inf(fmt: Fmt, v: int) -> bool:
    return v & ~fmt.sign_bit == fmt.exp_mask


def is_zero(fmt: Fmt, v: int) -> bool:
    return v & ~fmt.sign_bit == 0


def to_float(fmt: Fmt, v: int) -> float:
    """A Python float of the same value (exact: binary32 values fit in binary64)."""
    if fmt is F32:
        return float(_S32.unpack(_U32.pack(v))[0])
    return float(_S64.unpack(_U64.pack(v))[0])


def value(fmt: Fmt, v: int) -> Fraction:
    """The exact value of a finite operand."""
    field = (v & fmt.exp_mask) >> fmt.mbits
    man = v & fmt.man_mask
    if field:
        man |= 1 << fmt.mbits
    exp = max(field, 1) - fmt.bias - fmt.mbits
    q = Fraction(man << exp) if exp >= 0 else Fraction(man, 1 << -exp)
    return -q if v & fmt.sign_bit else q


def _zero(fmt: Fmt, negative: bool) -> int:
    return fmt.sign_bit if negative else 0


def _round_up(rm: int, negative: bool, odd: bool, twice_rem: int, den: int) -> bool:
    if rm == RM_RNE:
        return twice_rem > den or (twice_rem == den and odd)
    if rm == RM_RMM:
        return twice_rem >= den
    if rm == RM_RDN:
        return negative
    if rm == RM_RUP:
        return not negative
    return False


def round_fraction(fmt: Fmt, q: Fraction, rm: int) -> tuple[int, int]:
    """Round a non-zero exact value to `fmt` in mode `rm`: (bits, flags)."""
    negative = q < 0
    if negative:
        q = -q
    n, d = q.numerator, q.denominator
    e = n.bit_length() - d.bit_length()
    if (n << max(0, -e)) < (d << max(0, e)):
        e -= 1
    emin = 1 - fmt.bias
    flags = 0
    if e < emin:
        # Tininess is judged after rounding (IEEE 754 7.5, as RISC-V chose): round to the
        # full precision with an unbounded exponent and see whether it is still below 2^emin.
        m, rem, den = _scaled(n, d, e - fmt.mbits)
        if rem and _round_up(rm, negative, bool(m & 1), 2 * rem, den):
            m += 1
        if m < 1 << (emin - e + fmt.mbits):
            flags = FLAG_UF  # tiny; it only counts as underflow when also inexact
        e = emin
    m, rem, den = _scaled(n, d, e - fmt.mbits)
    if rem:
        flags |= FLAG_NX
        if _round_up(rm, negative, bool(m & 1), 2 * rem, den):
            m += 1
    else:
        flags = 0
    if m >> (fmt.mbits + 1):
        m >>= 1
        e += 1
    sign = fmt.sign_bit if negative else 0
    if e > fmt.bias:
        to_inf = rm in (RM_RNE, RM_RMM) or (rm == RM_RDN and negative)
        to_inf = to_inf or (rm == RM_RUP and not negative)
        big = fmt.inf if to_inf else fmt.inf - 1
        return sign | big, FLAG_OF | FLAG_NX
    if m >> fmt.mbits:
        return sign | (e + fmt.bias) << fmt.mbits | (m & fmt.man_mask), flags
    return sign | m, flags


def _scaled(n: int, d: int, shift: int) -> tuple[int, int, int]:
    """n/d divided by 2^shift: (integer part, remainder, divisor)."""
    num, den = (n, d << shift) if shift >= 0 else (n << -shift, d)
    m, rem = divmod(num, den)
    return m, rem, den


def _nan_result(fmt: Fmt, *ops: int) -> tuple[int, int]:
    return fmt.qnan, FLAG_NV if any(is_snan(fmt, v) for v in ops) else 0


def _sum(fmt: Fmt, q: Fraction, neg_a: bool, neg_b: bool, rm: int) -> tuple[int, int]:
    """Round an exact sum; an exact zero takes the sign rules of 6.3 of IEEE 754."""
    if q == 0:
        return _zero(fmt, neg_a and neg_b if neg_a == neg_b else rm == RM_RDN), 0
    return round_fraction(fmt, q, rm)


def add(fmt: Fmt, a: int, b: int, rm: int) -> tuple[int, int]:
    if is_nan(fmt, a) or is_nan(fmt, b):
        return _nan_result(fmt, a, b)
    sa, sb = bool(a & fmt.sign_bit), bool(b & fmt.sign_bit)
    ia, ib = is_inf(fmt, a), is_inf(fmt, b)
    if ia or ib:
        if ia and ib and sa != sb:
            return fmt.qnan, FLAG_NV
        return (a if ia else b), 0
    if is_zero(fmt, a) and is_zero(fmt, b):
        return _zero(fmt, sa and sb if sa == sb else rm == RM_RDN), 0
    return _sum(fmt, value(fmt, a) + value(fmt, b), sa, sb, rm)


def sub(fmt: Fmt, a: int, b: int, rm: int) -> tuple[int, int]:
    if is_nan(fmt, b):
        return _nan_result(fmt, a, b)
    return add(fmt, a, b ^ fmt.sign_bit, rm)


def mul(fmt: Fmt, a: int, b: int, rm: int) -> tuple[int, int]:
    if is_nan(fmt, a) or is_nan(fmt, b):
        return _nan_result(fmt, a, b)
    negative = bool((a ^ b) & fmt.sign_bit)
    if is_inf(fmt, a) or is_inf(fmt, b):
        if is_zero(fmt, a) or is_zero(fmt, b):
            return fmt.qnan, FLAG_NV
        return _zero(fmt, negative) | fmt.inf, 0
    if is_zero(fmt, a) or is_zero(fmt, b):
        return _zero(fmt, negative), 0
    return round_fraction(fmt, value(fmt, a) * value(fmt, b), rm)


def div(fmt: Fmt, a: int, b: int, rm: int) -> tuple[int, int]:
    if is_nan(fmt, a) or is_nan(fmt, b):
        return _nan_result(fmt, a, b)
    negative = bool((a ^ b) & fmt.sign_bit)
    ia, ib = is_inf(fmt, a), is_inf(fmt, b)
    za, zb = is_zero(fmt, a), is_zero(fmt, b)
    if (ia and ib) or (za and zb):
        return fmt.qnan, FLAG_NV
    if ia:
        return _zero(fmt, negative) | fmt.inf, 0
    if ib or za:
        return _zero(fmt, negative), 0
    if zb:
        return _zero(fmt, negative) | fmt.inf, FLAG_DZ
    return round_fraction(fmt, value(fmt, a) / value(fmt, b), rm)


def sqrt(fmt: Fmt, a: int, rm: int) -> tuple[int, int]:
    if is_nan(fmt, a):
        return _nan_result(fmt, a)
    if is_zero(fmt, a):
        return a, 0
    if a & fmt.sign_bit:
        return fmt.qnan, FLAG_NV
    if is_inf(fmt, a):
        return a, 0
    q = value(fmt, a)
    # floor(sqrt(q) * 2^k) with k large enough that a sticky half-unit decides every tie.
    k = 2 * fmt.mbits + 8 + max(0, q.denominator.bit_length())
    scaled = (q.numerator << (2 * k)) // q.denominator
    r = math.isqrt(scaled)
    exact = r * r * q.denominator == q.numerator << (2 * k)
    root = Fraction(r, 1 << k) if exact else Fraction(2 * r + 1, 1 << (k + 1))
    return round_fraction(fmt, root, rm)


def fma(
    fmt: Fmt, a: int, b: int, c: int, rm: int, neg_product: bool, neg_addend: bool
) -> tuple[int, int]:
    """(+/-)(a*b) (+/-) c rounded once: fmadd, fmsub, fnmsub and fnmadd."""
    inf_times_zero = (is_inf(fmt, a) and is_zero(fmt, b)) or (is_zero(fmt, a) and is_inf(fmt, b))
    if is_nan(fmt, a) or is_nan(fmt, b) or is_nan(fmt, c):
        bits, flags = _nan_result(fmt, a, b, c)
        return bits, flags | (FLAG_NV if inf_times_zero else 0)
    if inf_times_zero:
        return fmt.qnan, FLAG_NV
    if neg_addend:
        c ^= fmt.sign_bit
    p_neg = bool((a ^ b) & fmt.sign_bit) != neg_product
    c_neg = bool(c & fmt.sign_bit)
    if is_inf(fmt, a) or is_inf(fmt, b):
        if is_inf(fmt, c) and c_neg != p_neg:
            return fmt.qnan, FLAG_NV
        return _zero(fmt, p_neg) | fmt.inf, 0
    if is_inf(fmt, c):
        return c, 0
    product = value(fmt, a) * value(fmt, b)
    if neg_product:
        product = -product
    return _sum(fmt, product + value(fmt, c), p_neg, c_neg, rm)


def sign_inject(fmt: Fmt, a: int, b: int, mode: int) -> int:
    """fsgnj (mode 0), fsgnjn (1), fsgnjx (2): bit operations, no flags, NaNs kept."""
    s = fmt.sign_bit
    if mode == 0:
        sign = b & s
    elif mode == 1:
        sign = ~b & s
    else:
        sign = (a ^ b) & s
    return (a & ~s) | sign


def min_max(fmt: Fmt, a: int, b: int, want_max: bool) -> tuple[int, int]:
    """fmin/fmax of the 2019 spec: a NaN operand yields the other one."""
    flags = FLAG_NV if is_snan(fmt, a) or is_snan(fmt, b) else 0
    na, nb = is_nan(fmt, a), is_nan(fmt, b)
    if na and nb:
        return fmt.qnan, flags
    if na or nb:
        return (b if na else a), flags
    fa, fb = to_float(fmt, a), to_float(fmt, b)
    if fa == fb:
        either_neg = bool((a | b) & fmt.sign_bit)
        both_neg = bool(a & b & fmt.sign_bit)
        negative = both_neg if want_max else either_neg
        return (b if bool(b & fmt.sign_bit) == negative else a), flags
    return (a if (fa > fb) == want_max else b), flags


def compare(fmt: Fmt, a: int, b: int, kind: int) -> tuple[int, int]:
    """feq (kind 0, quiet), flt (1) and fle (2) (signaling): (0 or 1, flags)."""
    if is_nan(fmt, a) or is_nan(fmt, b):
        signaling = kind != 0 or is_snan(fmt, a) or is_snan(fmt, b)
        return 0, FLAG_NV if signaling else 0
    fa, fb = to_float(fmt, a), to_float(fmt, b)
    result = fa == fb if kind == 0 else fa < fb if kind == 1 else fa <= fb
    return int(result), 0


def classify(fmt: Fmt, a: int) -> int:
    """fclass: one bit of the ten in table 11.5."""
    negative = bool(a & fmt.sign_bit)
    if is_nan(fmt, a):
        return 1 << 8 if is_snan(fmt, a) else 1 << 9
    if is_inf(fmt, a):
        return 1 << 0 if negative else 1 << 7
    if is_zero(fmt, a):
        return 1 << 3 if negative else 1 << 4
    if a & fmt.exp_mask == 0:
        return 1 << 2 if negative else 1 << 5
    return 1 << 1 if negative else 1 << 6


def _round_integer(q: Fraction, rm: int) -> int:
    floor = q.numerator // q.denominator
    rem = q - floor
    if rem == 0:
        return floor
    if rm == RM_RNE:
        up = rem > Fraction(1, 2) or (rem == Fraction(1, 2) and floor & 1)
    elif rm == RM_RMM:
        up = rem > Fraction(1, 2) or (rem == Fraction(1, 2) and q > 0)
    elif rm == RM_RTZ:
        up = q < 0
    else:
        up = rm == RM_RUP
    return floor + 1 if up else floor


def to_int(fmt: Fmt, a: int, rm: int, width: int, signed: bool) -> tuple[int, int]:
    """fcvt.{w,wu,l,lu}: the integer, sign-extended to XLEN (also for wu), and the flags."""
    lo = -(1 << (width - 1)) if signed else 0
    hi = (1 << (width - 1)) - 1 if signed else (1 << width) - 1
    if is_nan(fmt, a):
        result, flags = hi, FLAG_NV
    elif is_inf(fmt, a):
        result, flags = (lo if a & fmt.sign_bit else hi), FLAG_NV
    else:
        q = value(fmt, a)
        result = _round_integer(q, rm)
        if result < lo or result > hi:
            result, flags = (lo if result < lo else hi), FLAG_NV
        else:
            flags = FLAG_NX if result != q else 0
    if width == 32:
        result = ((result & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000
    return result & 0xFFFFFFFF_FFFFFFFF, flags


def from_int(fmt: Fmt, v: int, rm: int, width: int, signed: bool) -> tuple[int, int]:
    """fcvt.{s,d}.{w,wu,l,lu} from the low `width` bits of a register."""
    v &= (1 << width) - 1
    if signed and v >> (width - 1):
        v -= 1 << width
    if v == 0:
        return 0, 0
    return round_fraction(fmt, Fraction(v), rm)


def convert(src: Fmt, dst: Fmt, a: int, rm: int) -> tuple[int, int]:
    """fcvt.s.d and fcvt.d.s."""
    if is_nan(src, a):
        return dst.qnan, FLAG_NV if is_snan(src, a) else 0
    negative = bool(a & src.sign_bit)
    if is_inf(src, a):
        return _zero(dst, negative) | dst.inf, 0
    if is_zero(src, a):
        return _zero(dst, negative), 0
    return round_fraction(dst, value(src, a), rm)
