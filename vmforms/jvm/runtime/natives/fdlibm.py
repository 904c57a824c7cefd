"""StrictMath.log and StrictMath.atan as JDK 17 computes them: fdlibm 5.3's e_log.c and
s_atan.c, which the StrictMath specification names. The host's libm rounds differently on
a few percent of inputs (which shows, for one, in Random.nextGaussian). Python floats are
IEEE doubles and every step below rounds as the C code's does."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import native

if TYPE_CHECKING:
    from vmforms.jvm.runtime.vm import JThread


def _words(x: float) -> tuple[int, int]:
    """The signed high and unsigned low 32-bit words of a double (fdlibm's __HI, __LO)."""
    bits = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits >> 32, bits & 0xFFFFFFFF


def _with_high(x: float, hi: int) -> float:
    lo = _words(x)[1]
    return float(struct.unpack("<d", struct.pack("<Q", ((hi & 0xFFFFFFFF) << 32) | lo))[0])


LN2_HI = 6.93147180369123816490e-01  # 3fe62e42 fee00000
LN2_LO = 1.90821492927058770002e-10  # 3dea39ef 35793c76
TWO54 = 1.80143985094819840000e+16  # 43500000 00000000
LG = (6.666666666666735130e-01,  # 3FE55555 55555593
      3.999999999940941908e-01,  # 3FD99999 9997FA04
      2.857142874366239149e-01,  # 3FD24924 94229359
      2.222219843214978396e-01,  # 3FCC71C5 1D8E78AF
      1.818357216161805012e-01,  # 3FC74664 96CB03DE
      1.531383769920937332e-01,  # 3FC39A09 D078C69F
      1.479819860511658591e-01)  # 3FC2F112 DF3E5244


def log(x: float) -> float:
    """e_log.c: x = 2^k (1+f), log(1+f) from s = f/(2+f) and a polynomial in s^2."""
    hx, lx = _words(x)
    k = 0
    if hx < 0x00100000:  # x < 2^-1022
        if (hx & 0x7FFFFFFF) | lx == 0:
            return -float("inf")
        if hx < 0:
            return float("nan")
        k -= 54
        x *= TWO54  # subnormal: scale up
        hx = _words(x)[0]
    if hx >= 0x7FF00000:
        return x + x
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _with_high(x, hx | (i ^ 0x3FF00000))  # normalise x or x/2
    k += i >> 20
    f = x - 1.0
    if (0x000FFFFF & (2 + hx)) < 3:  # |f| < 2^-20
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * LN2_HI + dk * LN2_LO
        r = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - r
        dk = float(k)
        return dk * LN2_HI - ((r - dk * LN2_LO) - f)
    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    t1 = w * (LG[1] + w * (LG[3] + w * LG[5]))
    t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])))
    i |= j
    r = t2 + t1
    if i > 0:
        hfsq = 0.5 * f * f
        if k == 0:
            return f - (hfsq - s * (hfsq + r))
        return dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
    if k == 0:
        return f - s * (f - r)
    return dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)


ATAN_HI = (4.63647609000806093515e-01,  # atan(0.5) 3FDDAC67 0561BB4F
           7.85398163397448278999e-01,  # atan(1.0) 3FE921FB 54442D18
           9.82793723247329054082e-01,  # atan(1.5) 3FEF730B D281F69B
           1.57079632679489655800e+00)  # atan(inf) 3FF921FB 54442D18
ATAN_LO = (2.26987774529616870924e-17,  # 3C7A2B7F 222F65E2
           3.06161699786838301793e-17,  # 3C81A626 33145C07
           1.39033110312309984516e-17,  # 3C700788 7AF0CBBD
           6.12323399573676603587e-17)  # 3C91A626 33145C07
AT = (3.33333333333329318027e-01,  # 3FD55555 5555550D
      -1.99999999998764832476e-01,  # BFC99999 9998EBC4
      1.42857142725034663711e-01,  # 3FC24924 920083FF
      -1.11111104054623557880e-01,  # BFBC71C6 FE231671
      9.09088713343650656196e-02,  # 3FB745CD C54C206E
      -7.69187620504482999495e-02,  # BFB3B0F2 AF749A6D
      6.66107313738753120669e-02,  # 3FB10D66 A0D03D51
      -5.83357013379057348645e-02,  # BFADDE2D 52DEFD9A
      4.97687799461593236017e-02,  # 3FA97B4B 24760DEB
      -3.65315727442169155270e-02,  # BFA2B444 2C6A6C2F
      1.62858201153657823623e-02)  # 3F90AD3A E322DA11


def atan(x: float) -> float:
    """s_atan.c: reduce |x| to one of five intervals around 0, 0.5, 1, 1.5 and infinity,
    then an odd polynomial of degree 23."""
    hx, lx = _words(x)
    ix = hx & 0x7FFFFFFF
    if ix >= 0x44100000:  # |x| >= 2^66
        if ix > 0x7FF00000 or (ix == 0x7FF00000 and lx != 0):
            return x + x  # NaN
        return ATAN_HI[3] + ATAN_LO[3] if hx > 0 else -ATAN_HI[3] - ATAN_LO[3]
    if ix < 0x3FDC0000:  # |x| < 0.4375
        if ix < 0x3E200000:  # |x| < 2^-29
            return x
        idx = -1
    else:
        x = abs(x)
        if ix < 0x3FF30000:  # |x| < 1.1875
            if ix < 0x3FE60000:  # 7/16 <= |x| < 11/16
                idx = 0
                x = (2.0 * x - 1.0) / (2.0 + x)
            else:  # 11/16 <= |x| < 19/16
                idx = 1
                x = (x - 1.0) / (x + 1.0)
        elif ix < 0x40038000:  # |x| < 2.4375
            idx = 2
            x = (x - 1.5) / (1.0 + 1.5 * x)
        else:  # 2.4375 <= |x| < 2^66
            idx = 3
            x = -1.0 / x
    z = x * x
    w = z * z
    s1 = z * (AT[0] + w * (AT[2] + w * (AT[4] + w * (AT[6] + w * (AT[8] + w * AT[10])))))
    s2 = w * (AT[1] + w * (AT[3] + w * (AT[5] + w * (AT[7] + w * AT[9]))))
    if idx < 0:
        return x - x * (s1 + s2)
    z = ATAN_HI[idx] - ((x * (s1 + s2) - ATAN_LO[idx]) - x)
    return -z if hx < 0 else z


@native("java/lang/StrictMath", "log(D)D")
def _log(th: JThread, a: list[Any]) -> Any:
    return log(a[0])


@native("java/lang/StrictMath", "atan(D)D")
def _atan(th: JThread, a: list[Any]) -> Any:
    return atan(a[0])
