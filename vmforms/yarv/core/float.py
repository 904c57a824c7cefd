# mypy: disable-error-code="func-returns-value"
"""Float: IEEE doubles printed as Ruby prints them (shortest round trip, 1.0e+20,
Infinity, NaN), rounding half away from zero (CRuby numeric.c flo_to_s, flo_round)."""

from __future__ import annotations

import math
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from vmforms.yarv.core.inspect import float_to_s
from vmforms.yarv.core.integer import NUM, arith, cmp, coerce_fail, float_pow, fmod, spaceship
from vmforms.yarv.core.string import RString


def _check(vm: Any, s: float) -> None:
    if math.isnan(s):
        vm.raise_error("FloatDomainError", "NaN")
    if math.isinf(s):
        vm.raise_error("FloatDomainError", "Infinity" if s > 0 else "-Infinity")


def f_round(vm: Any, s: float, a: list[Any], b: Any, mode: Any = ROUND_HALF_UP) -> Any:
    nd = a[0] if a and type(a[0]) is int else 0
    if a and type(a[-1]).__name__ == "RHash":
        half = vm.to_s(a[-1].get(vm.sym("half")))
        if half == "even":
            mode = "even"
    if nd > 0:
        if not math.isfinite(s):
            return s
        if mode == "even":
            return round(s, nd)
        q = Decimal(repr(s)).quantize(Decimal(1).scaleb(-nd), rounding=mode)
        return float(q)
    _check(vm, s)
    if mode == "even":
        r = round(s)
    else:
        r = int(Decimal(repr(s)).quantize(Decimal(1), rounding=mode))
    if nd < 0:
        m = 10 ** -nd
        d = Decimal(r) / m
        return int(d.quantize(Decimal(1), rounding=mode if mode != "even" else ROUND_HALF_UP)) \
            * m
    return r


def f_divmod(vm: Any, s: float, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.array import RArray

    o = a[0]
    if o == 0:
        vm.raise_error("ZeroDivisionError", "divided by 0")
    return RArray([float(math.floor(s / o)), fmod(s, o)], vm.cArray)


def f_pow(vm: Any, s: float, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) not in NUM:
        return coerce_fail(vm, s, o, "**")
    try:
        r = float_pow(s, o)
    except ZeroDivisionError:
        return math.inf
    if isinstance(r, complex):
        from vmforms.yarv.core.numeric import RComplex

        return RComplex(r.real, r.imag)
    return r


def install(vm: Any) -> None:
    F = vm.cFloat  # noqa: N806
    b = vm.builtin
    for op in "+-*/%":
        b(F, op, arith(op), 1)
    b(F, "modulo", arith("%"), 1)
    b(F, "**", f_pow, 1)
    b(F, "pow", f_pow, 1)
    for op in ("<", "<=", ">", ">="):
        b(F, op, cmp(op), 1)
    b(F, "<=>", spaceship, 1)
    b(F, "== ===", lambda vm, s, a, blk: type(a[0]) in NUM and s == a[0], 1)
    b(F, "eql?", lambda vm, s, a, blk: type(a[0]) is float and s == a[0], 1)
    b(F, "hash", lambda vm, s, a, blk: hash(s) & ((1 << 62) - 1), 0)
    b(F, "-@", lambda vm, s, a, blk: -s, 0)
    b(F, "+@", lambda vm, s, a, blk: s, 0)
    b(F, "to_s inspect", lambda vm, s, a, blk: RString(float_to_s(s), "US-ASCII"), 0)
    b(F, "to_f", lambda vm, s, a, blk: s, 0)
    b(F, "to_i to_int truncate", lambda vm, s, a, blk: (_check(vm, s), int(s))[1] if not a
      else f_round(vm, s, a, blk, "ROUND_DOWN"))
    b(F, "round", f_round)
    b(F, "floor", lambda vm, s, a, blk: f_round(vm, s, a, blk, ROUND_FLOOR))
    b(F, "ceil", lambda vm, s, a, blk: f_round(vm, s, a, blk, ROUND_CEILING))
    b(F, "nan?", lambda vm, s, a, blk: math.isnan(s), 0)
    b(F, "abs magnitude", lambda vm, s, a, blk: abs(s), 0)
    b(F, "divmod", f_divmod, 1)
    b(F, "div", lambda vm, s, a, blk: int(math.floor(s / a[0])), 1)
    b(F, "fdiv quo", lambda vm, s, a, blk: s / a[0], 1)
    b(F, "coerce", lambda vm, s, a, blk: vm.send(vm.send(0, "itself"), "itself") and
      __import__("vmforms.yarv.core.array", fromlist=["RArray"]).RArray(
          [float(a[0]), s], vm.cArray), 1)
    b(F, "next_float", lambda vm, s, a, blk: math.nextafter(s, math.inf), 0)
    b(F, "prev_float", lambda vm, s, a, blk: math.nextafter(s, -math.inf), 0)
    for name, value in (("INFINITY", math.inf), ("NAN", math.nan), ("EPSILON", 2.0 ** -52),
                        ("MAX", 1.7976931348623157e308), ("MIN", 2.2250738585072014e-308),
                        ("DIG", 15)):
        F.consts[name] = value
