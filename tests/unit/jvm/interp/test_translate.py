"""The translation tier gives the same results as the interpreter, exceptions included."""

from __future__ import annotations

from typing import Any

import pytest
from interp_testlib import compile_java, interpreted_and_translated

from vmforms.jvm.interp.translate import translate
from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.heap import JavaThrowable
from vmforms.jvm.runtime.vm import VM, JThread

SOURCE = """
public class Hot {
    int field = 3;
    static int loop(int n) {
        int s = 0;
        for (int i = 0; i < n; i++) { s += i * i; if ((i & 7) == 3) s ^= i; }
        return s;
    }
    static long mix(long a, int b) { return (a << b) ^ (a >>> 3) + b * 7L; }
    static double poly(double x) { return ((2.5 * x - 1.0) * x + 0.5) / (x + 3.0); }
    static int guarded(int[] xs, int i) {
        try { return xs[i] / (i - 2); }
        catch (ArithmeticException e) { return -1; }
        catch (ArrayIndexOutOfBoundsException e) { return -2; }
    }
    static int field(Hot h) { return h.field + 1; }
    static long nested(int n) {
        long s = 0;
        outer:
        for (int i = 0; i < n; i++) {
            int j = 0;
            do {
                if (i * j > 50) continue outer;
                if (i + j == 77) break outer;
                s += (long) i * j;
                j++;
            } while (j < i);
            while (j > 0) { j -= 3; s ^= j; }
        }
        return s;
    }
    static int caughtInLoop(int[] xs) {
        int s = 0;
        for (int i = -1; i <= xs.length; i++) {
            try { s += xs[i]; } catch (ArrayIndexOutOfBoundsException e) { s += 1000; }
            switch (i & 3) { case 0: s += 1; break; case 1: s -= 2; break; default: s *= 3; }
        }
        return s;
    }
    static synchronized int locked(int x) { return x * 2 + 1; }
    static double shapes(long[] ls, double d) {
        int[][] grid = new int[3][4];
        grid[2][3] = 7;
        long v = ls[0] = ls[1] = -ls[2];
        float f = (float) v;
        return grid[2][3] + v + (long) f + (d % 1.5) + (float) (-d % 2.5f) + (-d);
    }
    static String kind(int k) {
        switch (k) { case 0: return "zero"; case 5: return "five"; default: return "other"; }
    }
}
"""


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> tuple[VM, JThread]:
    out = compile_java(tmp_path_factory.mktemp("hot"), {"Hot": SOURCE})
    machine = VM(ClassPath.from_string(str(out)))
    return machine, JThread(machine, None)


def both(vm: tuple[VM, JThread], name: str, *args: Any) -> tuple[Any, Any]:
    """(interpreted result, translated result) of Hot.name(args)."""
    first, second, _ = interpreted_and_translated(*vm, "Hot", name, args)
    return first, second


def test_arithmetic_and_loops(vm: tuple[VM, JThread]) -> None:
    for args in ((0,), (10,), (1000,)):
        a, b = both(vm, "loop", *args)
        assert a == b
    a, b = both(vm, "mix", -12345678901, 13)
    assert a == b
    a, b = both(vm, "poly", 1.75)
    assert a == b


def test_switch(vm: tuple[VM, JThread]) -> None:
    machine, th = vm
    m = next(m for m in machine.load("Hot").methods.values() if m.name == "kind")
    assert translate(m) is None  # its string constants are not linked yet
    for k in (0, 5, 9):
        machine.invoke(th, m, [k])
    for k in (0, 5, 9):
        a, b = both(vm, "kind", k)
        assert machine.to_str(a) == machine.to_str(b)


def test_exceptions_caught_and_propagated(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    xs = machine.new_array("[I", [10, 20, 30, 40])
    for i in (0, 2, 3, 9):
        a, b = both(vm, "guarded", xs, i)
        assert a == b
    with pytest.raises(JavaThrowable) as info:
        both(vm, "field", None)
    assert info.value.obj.klass.name == "java/lang/NullPointerException"


def test_loops_exits_and_handlers_inside_loops(vm: tuple[VM, JThread]) -> None:
    for n in (0, 1, 9, 40):
        a, b = both(vm, "nested", n)
        assert a == b
    machine, _ = vm
    xs = machine.new_array("[I", [5, -6, 7])
    a, b = both(vm, "caughtInLoop", xs)
    assert a == b


def test_synchronized_and_rare_instructions(vm: tuple[VM, JThread]) -> None:
    a, b = both(vm, "locked", 20)
    assert a == b == 41
    machine, _ = vm
    for d in (2.75, -0.0, 1e300):
        a, b = both(vm, "shapes", machine.new_array("[J", [0, 0, 123456789012]), d)
        assert a == b
