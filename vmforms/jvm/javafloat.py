"""Float.toString and Double.toString of JDK 17, digit for digit (java.lang.Double, JLS 17).

JDK 17 still uses the FloatingDecimal algorithm of Steele and White with its historical
quirks: an integer-valued double may keep an "insignificant" digit, the E-form always has
at least two digits, and the arithmetic short cuts wrap like Java ints and longs. Python's
repr finds the shortest digits instead, so it differs on values such as 1.0E23 (JDK 17:
9.999999999999999E22) or 2.82879384806159E17 (JDK 17: 2.82879384806159008E17); this
module reproduces the JDK's digits.
"""

from __future__ import annotations

import math
import struct

_EXP_SHIFT = 52
_FRACT_HOB = 1 << 52
_SIGNIF_MASK = (1 << 52) - 1
_MAX_SMALL_BIN_EXP = 62
_MIN_SMALL_BIN_EXP = -(63 // 3)
_N_5_BITS = tuple((5**i).bit_length() for i in range(27))
_N_5_BITS = (0,) + _N_5_BITS[1:]
_LONG_5_POW_LEN = 27
_INSIGNIFICANT = tuple(int(p * math.log10(2)) for p in range(64))


def _wrap32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v


def _wrap64(v: int) -> int:
    v &= 0xFFFFFFFFFFFFFFFF
    return v - (1 << 64) if v >= 1 << 63 else v


def _estimate_dec_exp(fract_bits: int, bin_exp: int) -> int:
    one_point_fraction = 0x3FF0000000000000 | (fract_bits & _SIGNIF_MASK)
    d2: float = struct.unpack(">d", struct.pack(">Q", one_point_fraction))[0]
    d = (d2 - 1.5) * 0.289529654 + 0.176091259 + float(bin_exp) * 0.301029995663981
    return math.floor(d)


def _long_digits(lvalue: int, insignificant: int) -> tuple[list[int], int]:
    dec_exp = 0
    if insignificant:
        pow10 = 10**insignificant
        residue = lvalue % pow10
        lvalue //= pow10
        dec_exp += insignificant
        if residue >= (pow10 >> 1):
            lvalue += 1
    text = str(lvalue)
    stripped = text.rstrip("0")
    return [ord(c) - 48 for c in stripped], dec_exp + len(text)


def _dtoa(bin_exp: int, fract_bits: int, n_significant_bits: int) -> tuple[list[int], int]:
    """Digits and decimal exponent (value = 0.d1d2... * 10**exp) of a positive value."""
    tail_zeros = (fract_bits & -fract_bits).bit_length() - 1
    n_fract_bits = _EXP_SHIFT + 1 - tail_zeros
    n_tiny_bits = max(0, n_fract_bits - bin_exp - 1)
    if (_MIN_SMALL_BIN_EXP <= bin_exp <= _MAX_SMALL_BIN_EXP and n_tiny_bits < _LONG_5_POW_LEN
            and n_fract_bits + _N_5_BITS[n_tiny_bits] < 64 and n_tiny_bits == 0):
        if bin_exp > n_significant_bits:
            p2 = bin_exp - n_significant_bits - 1
            insignificant = _INSIGNIFICANT[p2] if 1 < p2 < 64 else 0
        else:
            insignificant = 0
        if bin_exp >= _EXP_SHIFT:
            lvalue = fract_bits << (bin_exp - _EXP_SHIFT)
        else:
            lvalue = fract_bits >> (_EXP_SHIFT - bin_exp)
        return _long_digits(lvalue, insignificant)
    dec_exp = _estimate_dec_exp(fract_bits, bin_exp)
    b5 = max(0, -dec_exp)
    b2 = b5 + n_tiny_bits + bin_exp
    s5 = max(0, dec_exp)
    s2 = s5 + n_tiny_bits
    m5 = b5
    m2 = b2 - n_significant_bits
    fract_bits >>= tail_zeros
    b2 -= n_fract_bits - 1
    common2 = min(b2, s2)
    b2 -= common2
    s2 -= common2
    m2 -= common2
    if n_fract_bits == 1:
        m2 -= 1
    if m2 < 0:
        b2 -= m2
        s2 -= m2
        m2 = 0
    b_bits = n_fract_bits + b2 + (_N_5_BITS[b5] if b5 < len(_N_5_BITS) else b5 * 3)
    ten_s_bits = s2 + 1 + (_N_5_BITS[s5 + 1] if s5 + 1 < len(_N_5_BITS) else (s5 + 1) * 3)
    b = (fract_bits * 5**b5) << b2
    s = (5**s5) << s2
    m = (5**m5) << m2
    tens = s * 10
    digits: list[int] = []
    if b_bits < 64 and ten_s_bits < 64:
        wrap = _wrap32 if (b_bits < 32 and ten_s_bits < 32) else _wrap64
        q, b = divmod(b, s)
        b *= 10
        m = wrap(m * 10)
        low = b < m
        high = wrap(b + m) > tens
        if q == 0 and not high:
            dec_exp -= 1
        else:
            digits.append(q)
        if dec_exp < -3 or dec_exp >= 8:
            high = low = False
        while not low and not high:
            q, b = divmod(b, s)
            b *= 10
            m = wrap(m * 10)
            if m > 0:
                low = b < m
                high = wrap(b + m) > tens
            else:
                low = high = True
            digits.append(q)
        low_digit_difference = (b << 1) - tens
    else:
        q, b = divmod(b, s)
        b *= 10
        m *= 10
        low = b < m
        high = b + m >= tens
        if q == 0 and not high:
            dec_exp -= 1
        else:
            digits.append(q)
        if dec_exp < -3 or dec_exp >= 8:
            high = low = False
        while not low and not high:
            q, b = divmod(b, s)
            b *= 10
            m *= 10
            low = b < m
            high = b + m >= tens
            digits.append(q)
        low_digit_difference = ((b << 1) > tens) - ((b << 1) < tens) if high and low else 0
    dec_exp += 1
    if high and (not low or low_digit_difference > 0
                 or (low_digit_difference == 0 and digits[-1] & 1)):
        dec_exp = _round_up(digits, dec_exp)
    return digits, dec_exp


def _round_up(digits: list[int], dec_exp: int) -> int:
    i = len(digits) - 1
    q = digits[i]
    if q == 9:
        while q == 9 and i > 0:
            digits[i] = 0
            i -= 1
            q = digits[i]
        if q == 9:
            digits[0] = 1
            return dec_exp + 1
    digits[i] = q + 1
    return dec_exp


def _format(negative: bool, digits: list[int], dec_exp: int) -> str:
    text = "".join(chr(48 + d) for d in digits)
    n = len(text)
    sign = "-" if negative else ""
    if 0 < dec_exp < 8:
        if n <= dec_exp:
            return sign + text + "0" * (dec_exp - n) + ".0"
        return sign + text[:dec_exp] + "." + text[dec_exp:]
    if -3 < dec_exp <= 0:
        return sign + "0." + "0" * (-dec_exp) + text
    exp = dec_exp - 1
    return sign + text[0] + "." + (text[1:] if n > 1 else "0") + "E" + str(exp)


def double_to_string(bits: int) -> str:
    """Double.toString of the double whose IEEE 754 bit pattern is `bits`."""
    negative = bool(bits >> 63)
    fract = bits & _SIGNIF_MASK
    bin_exp = (bits >> 52) & 0x7FF
    if bin_exp == 0x7FF:
        if fract:
            return "NaN"
        return "-Infinity" if negative else "Infinity"
    if bin_exp == 0:
        if fract == 0:
            return "-0.0" if negative else "0.0"
        leading = 64 - fract.bit_length()
        shift = leading - (63 - _EXP_SHIFT)
        fract <<= shift
        bin_exp = 1 - shift
        n_sig = 64 - leading
    else:
        fract |= _FRACT_HOB
        n_sig = _EXP_SHIFT + 1
    digits, dec_exp = _dtoa(bin_exp - 1023, fract, n_sig)
    return _format(negative, digits, dec_exp)


def float_to_string(bits: int) -> str:
    """Float.toString of the float whose IEEE 754 bit pattern is `bits`."""
    negative = bool(bits >> 31)
    fract = bits & 0x7FFFFF
    bin_exp = (bits >> 23) & 0xFF
    if bin_exp == 0xFF:
        if fract:
            return "NaN"
        return "-Infinity" if negative else "Infinity"
    if bin_exp == 0:
        if fract == 0:
            return "-0.0" if negative else "0.0"
        leading = 32 - fract.bit_length()
        shift = leading - (31 - 23)
        fract <<= shift
        bin_exp = 1 - shift
        n_sig = 32 - leading
    else:
        fract |= 1 << 23
        n_sig = 24
    digits, dec_exp = _dtoa(bin_exp - 127, fract << (_EXP_SHIFT - 23), n_sig)
    return _format(negative, digits, dec_exp)
