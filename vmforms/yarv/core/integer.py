"""Integer (fixnums and bignums alike are Python ints): Ruby's floor division and modulo,
pow, bit operations, digits, iteration (CRuby numeric.c, bignum.c)."""

from __future__ import annotations

import math
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.numeric import RRational
from vmforms.yarv.core.string import RString, fresh
from vmforms.yarv.interp.loop import block_caller1

_new = object.__new__

NUM = (int, float)


def coerce_fail(vm: Any, s: Any, o: Any, op: str) -> Any:
    if o is None or type(o) in (bool, RString) or not vm.respond_to(o, "coerce"):
        kind = "nil" if o is None else vm.real_class(o).name
        if op in ("+", "-", "*", "/", "%", "**"):
            vm.raise_error("TypeError", f"{kind} can't be coerced into {vm.real_class(s).name}")
        vm.raise_error("ArgumentError", f"comparison of {vm.real_class(s).name} with "
                       f"{vm.inspect(o) if o is None or type(o) is RString else kind} failed")
    pair = vm.send(o, "coerce", s)
    return vm.send(pair.items[0], op, pair.items[1])


def zerodiv(vm: Any) -> Any:
    vm.raise_error("ZeroDivisionError", "divided by 0")


def arith(op: str) -> Any:
    def fn(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        o = a[0]
        t = type(o)
        if t is int or t is float:
            if t is not type(s):  # mixed: a huge Integer is +-Infinity as a Float
                s, o = to_float(s), to_float(o)
            if op == "+":
                return s + o
            if op == "-":
                return s - o
            if op == "*":
                return s * o
            if op == "/":
                if t is int and type(s) is int:
                    if o == 0:
                        zerodiv(vm)
                    return s // o
                return fdiv(s, o)
            if op == "%":
                if o == 0:  # Float's modulo by zero raises too (flodivmod)
                    zerodiv(vm)
                return s % o if t is int and type(s) is int else fmod(s, o)
        if t is RRational:
            return vm.send(RRational(s, 1), op, o)
        return coerce_fail(vm, s, o, op)
    return fn


def to_float(x: Any) -> float:
    """Integer#to_f as ruby's big2dbl: beyond the Float range is +-Infinity."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def float_pow(a: float, b: Any) -> Any:
    """a ** b for a Float base: beyond the Float range is +-Infinity (negative for a
    negative base and an odd exponent), as C's pow."""
    b = to_float(b)
    try:
        return a ** b
    except OverflowError:
        odd = b == int(b) and int(b) % 2 == 1
        return -math.inf if a < 0 and odd else math.inf


def fdiv(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1, b)


def fmod(a: float, b: float) -> float:
    if b == 0 or math.isinf(a) or a != a or b != b:
        return math.nan
    if math.isinf(b) and not math.isinf(a):
        return a if (a < 0) == (b < 0) or a == 0 else b
    r = math.fmod(a, b)
    if r != 0 and (r < 0) != (b < 0):
        r += b
    return r


def i_pow(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    o = a[0]
    if len(a) > 1:
        return pow(s, o, a[1])
    if type(o) is int:
        if o < 0:
            if s == 0:
                zerodiv(vm)
            return vm.send(RRational(1, s ** -o) if s > 0 else RRational(
                (-1) ** o, abs(s) ** -o), "itself")
        if o > 10_000_000 and abs(s) > 1:
            vm.warn("in a**b, b may be too big")
            return math.inf
        return s ** o
    if type(o) is float:
        try:
            r = float_pow(to_float(s), o)
        except ZeroDivisionError:
            return math.inf
        if isinstance(r, complex):
            from vmforms.yarv.core.numeric import RComplex

            return RComplex(r.real, r.imag)
        return r
    return coerce_fail(vm, s, o, "**")


def cmp(op: str) -> Any:
    def fn(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
        o = a[0]
        if type(o) in NUM:
            if op == "<":
                return s < o
            if op == "<=":
                return s <= o
            if op == ">":
                return s > o
            return s >= o
        return coerce_fail(vm, s, o, op)
    return fn


def spaceship(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) in NUM:
        if s != s or o != o:
            return None
        return (s > o) - (s < o)
    return None


def i_to_s(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    if not a:  # the common call: the String made here, without fresh's call
        made: RString = _new(RString)
        made.cls = vm.cString
        made.ivars = None
        made.frozen = False
        made.b = bytearray(b"%d" % s)
        made.enc = "US-ASCII"
        return made
    base = a[0]
    if base == 10:
        return fresh(bytearray(str(s), "ascii"), "US-ASCII", vm.cString)
    if not 2 <= base <= 36:
        vm.raise_error("ArgumentError", f"invalid radix {base}")
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    n, out = abs(s), []
    while True:
        n, r = divmod(n, base)
        out.append(digits[r])
        if not n:
            break
    return RString(("-" if s < 0 else "") + "".join(reversed(out)), "US-ASCII")


def i_times(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("times"))
    call = block_caller1(vm, b)
    steps = getattr(call, "steps", None)
    if steps is not None:
        steps(range(s))  # the block run for each in one loop
        return s
    i = 0
    while i < s:
        call(i)
        i += 1
    return s


def i_upto(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("upto"), a[0])
    i = s
    while i <= a[0]:
        vm.call_proc(b, [i])
        i += 1
    return s


def i_downto(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(s, "enum_for", vm.sym("downto"), a[0])
    i = s
    while i >= a[0]:
        vm.call_proc(b, [i])
        i -= 1
    return s


def n_step(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    limit = a[0] if a else None
    step = a[1] if len(a) > 1 else 1
    if b is None:
        return vm.send(s, "enum_for", vm.sym("step"), *a)
    if type(s) is float or type(step) is float or type(limit) is float:
        n = math.floor((limit - s) / step + 1e-9)
        for i in range(n + 1):
            vm.call_proc(b, [s + i * step])
        return s
    i = s
    while (limit is None) or (i <= limit if step > 0 else i >= limit):
        vm.call_proc(b, [i])
        i += step
    return s


def i_round(vm: Any, s: int, a: list[Any], b: Any, mode: str = "round") -> Any:
    nd = a[0] if a and type(a[0]) is int else 0
    if nd >= 0:
        return s
    m = 10 ** -nd
    if mode == "floor":
        return s // m * m
    if mode == "ceil":
        return -(-s // m) * m
    if mode == "truncate":
        return int(s / m) * m if abs(s) < 1 << 52 else (abs(s) // m * m) * (1 if s >= 0 else -1)
    q, r = divmod(abs(s), m)
    if r * 2 >= m:
        q += 1
    return q * m * (1 if s >= 0 else -1)


def i_digits(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    base = a[0] if a else 10
    if s < 0:
        vm.raise_error("Math::DomainError", "out of domain")
    out = []
    while True:
        s, r = divmod(s, base)
        out.append(r)
        if not s:
            break
    return RArray(out, vm.cArray)


def i_chr(vm: Any, s: int, a: list[Any], b: Any) -> Any:
    if a:
        return RString(chr(s))
    if not 0 <= s < 256:
        vm.raise_error("RangeError", f"{s} out of char range")
    return RString(bytes([s]), "US-ASCII" if s < 128 else "ASCII-8BIT")


def i_divmod(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    o = a[0]
    if o == 0 and type(o) in NUM:
        zerodiv(vm)
    if type(s) is float or type(o) is float:
        q = math.floor(fdiv(s, o))
        return RArray([float(q), fmod(s, o)], vm.cArray)
    return RArray(list(divmod(s, o)), vm.cArray)


def install(vm: Any) -> None:
    from vmforms.yarv.core.float import install as install_float

    I = vm.cInteger  # noqa: N806, E741
    b = vm.builtin
    for op in "+-*/%":
        b(I, op, arith(op), 1)
    b(vm.cInteger, "modulo", arith("%"), 1)
    b(I, "**", i_pow)
    b(I, "pow", i_pow)
    for op in ("<", "<=", ">", ">="):
        b(I, op, cmp(op), 1)
    b(I, "<=>", spaceship, 1)
    b(I, "== ===", lambda vm, s, a, blk: type(a[0]) in NUM and s == a[0] or (
        type(a[0]) not in NUM and vm.truthy(vm.send(a[0], "==", s)) if isinstance(  # type: ignore[comparison-overlap]
            a[0], RRational) else type(a[0]) in NUM and s == a[0]), 1)
    b(I, "eql?", lambda vm, s, a, blk: type(a[0]) is int and s == a[0], 1)
    b(I, "hash", lambda vm, s, a, blk: hash(s) & ((1 << 62) - 1), 0)
    b(I, "-@", lambda vm, s, a, blk: -s, 0)
    b(I, "+@", lambda vm, s, a, blk: s, 0)
    b(I, "~", lambda vm, s, a, blk: ~s, 0)
    b(I, "&", lambda vm, s, a, blk: s & a[0], 1)
    b(I, "|", lambda vm, s, a, blk: s | a[0], 1)
    b(I, "^", lambda vm, s, a, blk: s ^ a[0], 1)
    b(I, "<<", lambda vm, s, a, blk: s << a[0] if a[0] >= 0 else s >> -a[0], 1)
    b(I, ">>", lambda vm, s, a, blk: s >> a[0] if a[0] >= 0 else s << -a[0], 1)
    b(I, "[]", lambda vm, s, a, blk: (s >> a[0]) & 1, 1)
    b(I, "to_s inspect", i_to_s)
    b(I, "to_i to_int floor ceil round truncate ord", lambda vm, s, a, blk: s if not a else
      i_round(vm, s, a, blk), -1)
    b(I, "floor", lambda vm, s, a, blk: i_round(vm, s, a, blk, "floor"))
    b(I, "ceil", lambda vm, s, a, blk: i_round(vm, s, a, blk, "ceil"))
    b(I, "truncate", lambda vm, s, a, blk: i_round(vm, s, a, blk, "truncate"))
    b(I, "to_f", lambda vm, s, a, blk: to_float(s), 0)
    b(I, "to_r rationalize", lambda vm, s, a, blk: RRational(s, 1))
    b(I, "chr", i_chr)
    b(I, "times", i_times, 0)
    b(I, "upto", i_upto, 1)
    b(I, "downto", i_downto, 1)
    b(I, "succ next", lambda vm, s, a, blk: s + 1, 0)
    b(I, "pred", lambda vm, s, a, blk: s - 1, 0)
    b(I, "even?", lambda vm, s, a, blk: s % 2 == 0, 0)
    b(I, "odd?", lambda vm, s, a, blk: s % 2 == 1, 0)
    b(I, "allbits?", lambda vm, s, a, blk: s & a[0] == a[0], 1)
    b(I, "anybits?", lambda vm, s, a, blk: s & a[0] != 0, 1)
    b(I, "gcd", lambda vm, s, a, blk: math.gcd(s, a[0]), 1)
    b(I, "lcm", lambda vm, s, a, blk: abs(s * a[0]) // math.gcd(s, a[0]) if s and a[0]
      else 0, 1)
    b(I, "digits", i_digits)
    b(I, "bit_length", lambda vm, s, a, blk: s.bit_length() if s >= 0 else (~s).bit_length(),
      0)
    b(I, "size", lambda vm, s, a, blk: 8 if -(1 << 62) <= s < 1 << 62 else
      (s.bit_length() + 63) // 64 * 8, 0)
    b(I, "integer?", lambda vm, s, a, blk: True, 0)
    b(I, "divmod", i_divmod, 1)
    b(I, "div", lambda vm, s, a, blk: zerodiv(vm) if a[0] == 0 else int(s // a[0]), 1)
    b(I, "fdiv", lambda vm, s, a, blk: fdiv(to_float(s), to_float(a[0])), 1)
    b(I, "remainder", lambda vm, s, a, blk: math.fmod(s, a[0]) if type(a[0]) is float else
      (abs(s) % abs(a[0])) * (1 if s >= 0 else -1), 1)
    b(I, "abs magnitude", lambda vm, s, a, blk: abs(s), 0)
    b(I, "pow", i_pow)
    b(I, "coerce", lambda vm, s, a, blk: RArray([a[0], s] if type(a[0]) is int else
                                                [float(a[0]), float(s)], vm.cArray), 1)
    vm.sbuiltin(I, "sqrt", lambda vm, s, a, blk: math.isqrt(a[0]), 1)
    N = vm.cNumeric  # noqa: N806
    b(N, "step", n_step)
    b(N, "zero?", lambda vm, s, a, blk: s == 0, 0)
    b(N, "nonzero?", lambda vm, s, a, blk: None if s == 0 else s, 0)
    b(N, "positive?", lambda vm, s, a, blk: s > 0, 0)
    b(N, "negative?", lambda vm, s, a, blk: s < 0, 0)
    b(N, "finite?", lambda vm, s, a, blk: not (type(s) is float and not math.isfinite(s)), 0)
    b(N, "infinite?", lambda vm, s, a, blk: (1 if s > 0 else -1) if type(s) is float
      and math.isinf(s) else None, 0)
    b(N, "integer?", lambda vm, s, a, blk: False, 0)
    b(N, "real?", lambda vm, s, a, blk: True, 0)
    b(N, "dup clone", lambda vm, s, a, blk: s)
    install_float(vm)
