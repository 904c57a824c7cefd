"""Rational and Complex arithmetic over Python's fractions and complex numbers
(CRuby rational.c, complex.c): the basics, printed as Ruby prints them."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from vmforms.yarv.core.inspect import inspect
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.string import RString


def to_fraction(vm: Any, v: Any) -> Fraction:
    if type(v) is RRational:
        return Fraction(v.num, v.den)
    if type(v) is int:
        return Fraction(v)
    if type(v) is float:
        return Fraction(v)
    vm.raise_error("TypeError", f"{vm.real_class(v).name} can't be coerced into Rational")
    raise AssertionError


def make(f: Fraction) -> RRational:
    return RRational(f.numerator, f.denominator)


def r_op(op: str) -> Any:
    def fn(vm: Any, s: RRational, a: list[Any], b: Any) -> Any:
        o = a[0]
        if type(o) is float:
            x = s.num / s.den
            return {"+": x + o, "-": x - o, "*": x * o, "/": x / o if o else float("inf")}[op]
        x, y = to_fraction(vm, s), to_fraction(vm, o)
        if op == "/" and y == 0:
            vm.raise_error("ZeroDivisionError", "divided by 0")
        r = {"+": x + y, "-": x - y, "*": x * y, "/": x / y if y else x}[op]
        return make(r)
    return fn


def r_cmp(vm: Any, s: RRational, a: list[Any], b: Any) -> Any:
    o = a[0]
    if type(o) not in (int, float, RRational):
        return None
    x = to_fraction(vm, s)
    y = o if type(o) is float else to_fraction(vm, o)
    return (x > y) - (x < y)


def k_rational(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    if type(a[0]) is RString:
        return make(Fraction(a[0].text()))
    f = to_fraction(vm, a[0])
    if len(a) > 1:
        d = to_fraction(vm, a[1])
        if d == 0:
            vm.raise_error("ZeroDivisionError", "divided by 0")
        f = f / d
    return make(f)


def install(vm: Any) -> None:
    R, C = vm.cRational, vm.cComplex  # noqa: N806
    b = vm.builtin
    for op in "+-*/":
        b(R, op, r_op(op), 1)
    b(R, "quo", r_op("/"), 1)
    b(R, "<=>", r_cmp, 1)
    b(R, "==", lambda vm, s, a, blk: r_cmp(vm, s, a, blk) == 0, 1)
    b(R, "**", lambda vm, s, a, blk: make(to_fraction(vm, s) ** a[0]) if type(a[0]) is int
      else (s.num / s.den) ** a[0], 1)
    b(R, "-@", lambda vm, s, a, blk: RRational(-s.num, s.den), 0)
    b(R, "abs", lambda vm, s, a, blk: RRational(abs(s.num), s.den), 0)
    b(R, "numerator", lambda vm, s, a, blk: s.num, 0)
    b(R, "denominator", lambda vm, s, a, blk: s.den, 0)
    b(R, "to_f", lambda vm, s, a, blk: s.num / s.den, 0)
    b(R, "to_i truncate", lambda vm, s, a, blk: int(Fraction(s.num, s.den)), 0)
    b(R, "to_r", lambda vm, s, a, blk: s, 0)
    b(R, "zero?", lambda vm, s, a, blk: s.num == 0, 0)
    b(R, "hash", lambda vm, s, a, blk: hash((s.num, s.den)), 0)
    b(R, "round", lambda vm, s, a, blk: round(Fraction(s.num, s.den)) if not a else make(
        Fraction(round(Fraction(s.num, s.den), a[0]))))
    b(R, "floor", lambda vm, s, a, blk: s.num // s.den, 0)
    b(R, "ceil", lambda vm, s, a, blk: -(-s.num // s.den), 0)
    b(R, "inspect", lambda vm, s, a, blk: RString(inspect(s)), 0)
    b(R, "to_s", lambda vm, s, a, blk: RString(f"{s.num}/{s.den}"), 0)
    b(R, "coerce", lambda vm, s, a, blk: vm.send(vm.main, "Array", None) if False else
      __import__("vmforms.yarv.core.array", fromlist=["RArray"]).RArray(
          [make(to_fraction(vm, a[0])), s], vm.cArray), 1)
    b(vm.mKernel, "Rational", k_rational, visibility="private")
    b(vm.cFloat, "to_r", lambda vm, s, a, blk: make(Fraction(s)), 0)
    b(vm.cFloat, "rationalize", lambda vm, s, a, blk: make(Fraction(repr(s))
                                                          .limit_denominator(10**12)))
    b(vm.cInteger, "quo", lambda vm, s, a, blk: make(Fraction(s) / to_fraction(vm, a[0])), 1)
    b(C, "inspect", lambda vm, s, a, blk: RString(inspect(s)), 0)
    b(C, "to_s", lambda vm, s, a, blk: RString(inspect(s)[1:-1]), 0)
    b(C, "real", lambda vm, s, a, blk: s.real, 0)
    b(C, "imaginary imag", lambda vm, s, a, blk: s.imag, 0)
    b(C, "==", lambda vm, s, a, blk: type(a[0]) is RComplex and vm.eq(s.real, a[0].real)
      and vm.eq(s.imag, a[0].imag) or (type(a[0]) in (int, float) and s.imag == 0 and
                                       s.real == a[0]), 1)
    for op in "+-*":
        b(C, op, _c_op(op), 1)
    b(C, "abs", lambda vm, s, a, blk: abs(complex(s.real, s.imag)), 0)
    b(vm.mKernel, "Complex", lambda vm, s, a, blk: RComplex(a[0], a[1] if len(a) > 1 else 0),
      visibility="private")


def _c_op(op: str) -> Any:
    def fn(vm: Any, s: RComplex, a: list[Any], b: Any) -> Any:
        o = a[0]
        orl, oim = (o.real, o.imag) if type(o) is RComplex else (o, 0)
        if op == "+":
            return RComplex(vm.send(s.real, "+", orl), vm.send(s.imag, "+", oim))
        if op == "-":
            return RComplex(vm.send(s.real, "-", orl), vm.send(s.imag, "-", oim))
        re_ = vm.send(vm.send(s.real, "*", orl), "-", vm.send(s.imag, "*", oim))
        im = vm.send(vm.send(s.real, "*", oim), "+", vm.send(s.imag, "*", orl))
        return RComplex(re_, im)
    return fn
