"""Opcode semantics checked by calling compiled static methods directly (no boot needed):
int/long wrap-around, masked shifts, float32 rounding, NaN and -0.0, f2i saturation."""

from __future__ import annotations

import math
from typing import Any

import pytest
from interp_testlib import compile_java

from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.heap import JavaThrowable
from vmforms.jvm.runtime.vm import VM, JThread, slot_args

SOURCE = """
public class Ops {
    static int iadd(int a, int b) { return a + b; }
    static int imul(int a, int b) { return a * b; }
    static int idiv(int a, int b) { return a / b; }
    static int irem(int a, int b) { return a % b; }
    static int ishl(int a, int b) { return a << b; }
    static int ishr(int a, int b) { return a >> b; }
    static int iushr(int a, int b) { return a >>> b; }
    static long lmul(long a, long b) { return a * b; }
    static long lshl(long a, int b) { return a << b; }
    static long lushr(long a, int b) { return a >>> b; }
    static long ldiv(long a, long b) { return a / b; }
    static float fadd(float a, float b) { return a + b; }
    static float fdiv(float a, float b) { return a / b; }
    static double ddiv(double a, double b) { return a / b; }
    static double drem(double a, double b) { return a % b; }
    static int f2i(float a) { return (int) a; }
    static long d2l(double a) { return (long) a; }
    static int d2i(double a) { return (int) a; }
    static byte i2b(int a) { return (byte) a; }
    static char i2c(int a) { return (char) a; }
    static short i2s(int a) { return (short) a; }
    static int fcmpl(float a, float b) { return a < b ? 1 : 0; }
    static int fcmpg(float a, float b) { return a > b ? 1 : 0; }
    static int sum(int[] xs) { int s = 0; for (int x : xs) s += x; return s; }
    static int tableswitch(int k) {
        switch (k) { case 1: return 10; case 2: return 20; case 3: return 30; default: return -1; }
    }
    static int lookupswitch(int k) {
        switch (k) {
            case -100: return 1; case 0: return 2; case 100000: return 3; default: return 4;
        }
    }
    static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
    static long catching(int k) {
        try { return 100 / k; } catch (ArithmeticException e) { return -1; } finally { k++; }
    }
    static int[][] grid(int a, int b) { return new int[a][b]; }
    static int dup2(long[] a) { a[0] += 5; return (int) a[0]++; }
}
"""


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> tuple[VM, JThread]:
    out = compile_java(tmp_path_factory.mktemp("ops"), {"Ops": SOURCE})
    machine = VM(ClassPath.from_string(str(out)))
    return machine, JThread(machine, None)


def call(vm: tuple[VM, JThread], name: str, *args: Any) -> Any:
    machine, th = vm
    k = machine.load("Ops")
    m = next(m for m in k.methods.values() if m.name == name)
    return machine.invoke(th, m, slot_args(m.descriptor, args))


def test_int_arithmetic_wraps(vm: tuple[VM, JThread]) -> None:
    assert call(vm, "iadd", 2**31 - 1, 1) == -(2**31)
    assert call(vm, "imul", 65536, 65536) == 0
    assert call(vm, "idiv", -(2**31), -1) == -(2**31)
    assert call(vm, "idiv", -7, 2) == -3
    assert call(vm, "irem", -7, 2) == -1
    assert call(vm, "irem", 7, -2) == 1


def test_shifts_are_masked(vm: tuple[VM, JThread]) -> None:
    assert call(vm, "ishl", 1, 33) == 2
    assert call(vm, "ishr", -16, 2) == -4
    assert call(vm, "iushr", -16, 28) == 15
    assert call(vm, "iushr", -1, 32) == -1
    assert call(vm, "lshl", 1, 65) == 2
    assert call(vm, "lushr", -1, 1) == 2**63 - 1
    assert call(vm, "lmul", 2**62, 4) == 0


def test_float_rounding_and_special_values(vm: tuple[VM, JThread]) -> None:
    assert call(vm, "fadd", 0.1, 0.2) == pytest.approx(0.3, abs=1e-7)
    assert call(vm, "fadd", 16777216.0, 1.0) == 16777216.0
    assert math.isinf(call(vm, "fdiv", 1.0, 0.0))
    assert math.isnan(call(vm, "ddiv", 0.0, 0.0))
    assert math.copysign(1.0, call(vm, "ddiv", -1.0, math.inf)) == -1.0
    assert math.isnan(call(vm, "drem", 1.0, 0.0))
    assert call(vm, "drem", -5.5, 2.0) == -1.5
    assert call(vm, "fcmpl", math.nan, 1.0) == 0
    assert call(vm, "fcmpg", math.nan, 1.0) == 0


def test_conversions_saturate(vm: tuple[VM, JThread]) -> None:
    assert call(vm, "f2i", 1e20) == 2**31 - 1
    assert call(vm, "f2i", -1e20) == -(2**31)
    assert call(vm, "f2i", math.nan) == 0
    assert call(vm, "d2l", 1e30) == 2**63 - 1
    assert call(vm, "d2i", -3.99) == -3
    assert call(vm, "i2b", 200) == -56
    assert call(vm, "i2c", -1) == 65535
    assert call(vm, "i2s", 40000) == -25536


def test_switches_calls_and_arrays(vm: tuple[VM, JThread]) -> None:
    assert [call(vm, "tableswitch", k) for k in range(5)] == [-1, 10, 20, 30, -1]
    assert [call(vm, "lookupswitch", k) for k in (-100, 0, 100000, 5)] == [1, 2, 3, 4]
    assert call(vm, "fib", 15) == 610
    machine, _ = vm
    arr = machine.new_array("[I", [1, 2, 3, 4])
    assert call(vm, "sum", arr) == 10
    g = call(vm, "grid", 2, 3)
    assert g.klass.name == "[[I" and [len(r.data) for r in g.data] == [3, 3]
    longs = machine.new_array("[J", [10])
    assert call(vm, "dup2", longs) == 15 and longs.data == [16]


def test_division_by_zero_is_a_java_exception(vm: tuple[VM, JThread]) -> None:
    assert call(vm, "catching", 0) == -1
    assert call(vm, "catching", 5) == 20
    with pytest.raises(JavaThrowable) as info:
        call(vm, "idiv", 1, 0)
    assert info.value.obj.klass.name == "java/lang/ArithmeticException"
