"""What the translation tier writes in place of calls and divisions (interp/inline.py)
and its fused floating-point compare-and-branch give the interpreter's results."""

from __future__ import annotations

import math
from typing import Any

import pytest
from interp_testlib import compile_java, interpreted_and_translated

from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.vm import VM, JThread

SOURCE = """
public class Inl {
    int x;
    static int counter;
    Inl(int x) { this.x = x; }
    int getX() { return x; }
    private int twice() { return x * 2; }
    static double leaf(int i, int j) { int ij = i + j; return 1.0 / (ij * (ij + 1) / 2 + i + 1); }
    static int bump() { counter = counter * 31 + 7; return counter % 1000; }
    static int divs(int a) { return a / 7 + a % 7 + a / 1 + a % 3 + a / 2147483647; }
    static long ldivs(long a) { return a / 10 + a % 10 + a / 3L; }
    static int cmps(double a, double b, float c, float e) {
        int r = 0;
        if (a < b) r |= 1;
        if (a <= b) r |= 2;
        if (a > b) r |= 4;
        if (a >= b) r |= 8;
        if (a == b) r |= 16;
        if (a != b) r |= 32;
        if (c < e) r |= 64;
        if (c > e) r |= 128;
        if (!(a < b)) r |= 256;
        if (!(c >= e)) r |= 512;
        if (c <= e) r |= 1024;
        if (c == e) r |= 2048;
        return r;
    }
    static double maths(double d, int i, int j) {
        return Math.sqrt(d) + Math.abs(d) + Math.abs(i) + Math.min(i, j) + Math.max(i, j)
            + Math.abs((float) d) + 1 / Math.sqrt(-0.0 * d) + d / 4.0 + 1 / (d / -0.5);
    }
    static long objects(int n) {
        long s = 0;
        for (int k = 0; k < n; k++) {
            Inl o = new Inl(k);
            s += o.twice() + o.getX() + bump() + (long) (1000 * leaf(k, n)) + new Fin().v;
        }
        return s;
    }
    static String at(int[] a, int i, long[] b, char[] c) {
        try {
            b[i] = a[i] + a[0];
            c[i] = (char) (a[i] + 70000);
            return String.valueOf(b[i]) + (int) c[i];
        } catch (ArrayIndexOutOfBoundsException e) {
            return e.getMessage();
        } catch (NullPointerException e) {
            return "NPE";
        }
    }
    static int wrap(int i) {
        for (int k = 0; k < 3; k++) {
            i += 1000;
        }
        i -= 32000;
        i--;
        return i;
    }
    static String sumTo(int[] a, int n) {
        try {
            int s = 0;
            for (int k = 0; k < n; k++) {
                s += a[k];
            }
            return "sum " + s;
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
    static int s1, l3 = 7;
    int s1() { return x * 2; }
    static int names(int n) {
        s1 = 5;
        int t = 0;
        Inl o = new Inl(3);
        for (int i = 0; i < n; i++) {
            int a = i, b = i + 1;
            t += a + b * s1;
            t ^= a - b * l3;
            t += a + b * o.s1();
            s1 = t & 3;
        }
        return t;
    }
    static class Fin {
        int v = 5;
        @SuppressWarnings("deprecation")
        protected void finalize() { }
    }
}
"""


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> tuple[VM, JThread]:
    out = compile_java(tmp_path_factory.mktemp("inl"), {"Inl": SOURCE})
    machine = VM(ClassPath.from_string(str(out)))
    return machine, JThread(machine, None)


def both(vm: tuple[VM, JThread], name: str, *args: Any) -> tuple[Any, Any, Any]:
    return interpreted_and_translated(*vm, "Inl", name, args)


def same(a: Any, b: Any) -> bool:
    return repr(a) == repr(b) or (isinstance(a, float) and math.isnan(a) and math.isnan(b))


def test_division_by_constants(vm: tuple[VM, JThread]) -> None:
    for a in (0, 1, 6, 7, -1, -6, -7, -8, 2147483647, -2147483648, 123456789):
        interpreted, translated, _ = both(vm, "divs", a)
        assert interpreted == translated, a
    for la in (0, 9, -9, -10, -11, 2**63 - 1, -2**63):
        interpreted, translated, _ = both(vm, "ldivs", la)
        assert interpreted == translated, la


def test_floating_compare_and_branch(vm: tuple[VM, JThread]) -> None:
    nan = float("nan")
    values = [(1.0, 2.0), (2.0, 1.0), (1.5, 1.5), (nan, 1.0), (1.0, nan), (nan, nan),
              (-0.0, 0.0), (float("inf"), float("-inf"))]
    for a, b in values:
        interpreted, translated, _ = both(vm, "cmps", a, b, a, b)
        assert interpreted == translated, (a, b)
    # every branch sense is taken on NaN, never by accident: the bits differ from 1.0/2.0
    assert both(vm, "cmps", nan, 1.0, nan, 1.0)[0] != both(vm, "cmps", 1.0, 2.0, 1.0, 2.0)[0]


def test_math_intrinsics(vm: tuple[VM, JThread]) -> None:
    cases = [(2.0, 3, -4), (-1.0, -2147483648, 5), (-0.0, 0, 0), (float("inf"), 7, 7),
             (float("nan"), -1, 1), (1e-310, 2147483647, -2147483648)]
    for d, i, j in cases:
        interpreted, translated, fn = both(vm, "maths", d, i, j)
        assert same(interpreted, translated), (d, i, j)
    assert "sqrt" in fn.__code__.co_names  # Math.sqrt became math.sqrt, not a call


def test_small_methods_and_constructors_inlined(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    statics = machine.load("Inl").statics
    statics["counter"] = 0
    interpreted, _, _ = both(vm, "objects", 0)
    statics["counter"] = 0
    interpreted, translated_first, fn = both(vm, "objects", 25)
    statics["counter"] = 0
    interpreted = machine.invoke(vm[1], next(m for m in machine.load("Inl").methods.values()
                                             if m.name == "objects"), [25])
    statics["counter"] = 0
    translated = fn(vm[1], [25])
    assert interpreted == translated
    inlined = {n.split("_", 1)[0] for n in fn.__code__.co_varnames if n[0] == "i" and "_" in n}
    # the constructor, twice(), bump(), leaf() and Fin's constructor; getX() is virtual
    assert len(inlined) == 5, fn.__code__.co_varnames


def test_array_elements_and_their_exceptions(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    for i, nulls in ((1, False), (3, False), (-1, False), (7, False), (0, True)):
        ints = None if nulls else machine.new_array("[I", [10, -20, 30])
        args = (ints, i, machine.new_array("[J", [0, 0, 0, 0]),
                machine.new_array("[C", [65, 66, 67, 68]))
        interpreted, translated, fn = both(vm, "at", *args)
        assert machine.to_str(interpreted) == machine.to_str(translated), i
    assert machine.to_str(both(vm, "at", *args[:0], machine.new_array("[I", [1]), 5,
                               args[2], args[3])[1]) == "Index 5 out of bounds for length 1"
    assert "negative_index" in fn.__code__.co_names  # the one-test form was written


def test_increments_wrap_around(vm: tuple[VM, JThread]) -> None:
    for i in (0, 2147483647 - 1500, -2147483648 + 32000, -2147483648, 2147483647):
        interpreted, translated, _ = both(vm, "wrap", i)
        assert interpreted == translated, i


def test_one_block_loop_and_its_exceptions(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    pair = machine.new_array("[I", [3, 4])
    for a, n in ((pair, 2), (None, 0), (None, 1), (pair, 5), (pair, 0)):
        interpreted, translated, fn = both(vm, "sumTo", a, n)
        assert machine.to_str(interpreted) == machine.to_str(translated), (a, n)
    assert "bb" in fn.__code__.co_varnames


def test_fields_and_methods_named_like_stack_slots(vm: tuple[VM, JThread]) -> None:
    for n in (1, 50):
        interpreted, translated, _ = both(vm, "names", n)
        assert interpreted == translated, n
