"""Superinstructions (decode.fuse): the plain instructions stay recoverable, and a fused
method behaves as the plain one, also when a branch lands inside a fused sequence or
the sequence's last instruction throws."""

from __future__ import annotations

from typing import Any

import pytest
from interp_testlib import compile_java

from vmforms.jvm.interp import decode as D
from vmforms.jvm.runtime.classpath import ClassPath
from vmforms.jvm.runtime.heap import JavaThrowable
from vmforms.jvm.runtime.vm import VM, JThread, slot_args

SOURCE = """
public class Fused {
    int f = 4;
    static int sumPairs(int[] a, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) s += a[i] * a[n - 1 - i] + (i <= 3 ? 1 : 0);
        return s;
    }
    static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) s += x[i] * y[i];
        return s;
    }
    static int middle(int a, int b) {
        int r = 0;
        for (int i = a; i > b; i--) r += (i & 1) == 0 ? a : b;
        return r;
    }
    static int field(Fused o, Object p) { return p == null ? o.f : o.f + 1; }
    static int count(Object[] xs) {
        int k = 0;
        Object last;
        for (int i = 0; i < xs.length; i++) { if ((last = xs[i]) != null) k++; }
        return k;
    }
}
"""


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> tuple[VM, JThread]:
    out = compile_java(tmp_path_factory.mktemp("fused"), {"Fused": SOURCE})
    machine = VM(ClassPath.from_string(str(out)))
    return machine, JThread(machine, None)


def call(vm: tuple[VM, JThread], name: str, *args: Any) -> Any:
    machine, th = vm
    m = next(m for m in machine.load("Fused").methods.values() if m.name == name)
    m.native = None
    return machine.invoke(th, m, slot_args(m.descriptor, args))


def test_plain_recovers_every_fused_instruction(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    for cls in ("Fused", "java/util/HashMap", "java/lang/String"):
        for m in machine.load(cls).methods.values():
            if m.info.code is None:
                continue
            D.decode_method(m)
            code = m.code
            assert code is not None
            plain = [D.plain(code, i) for i in range(len(code))]
            assert all(op < D.FUSED_FIRST for op, _, _ in plain)
            assert D.fuse(plain) == code


def test_fused_loops_compute_as_plain_ones(vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    a = machine.new_array("[I", [3, -1, 4, 1, -5, 9])
    xs = [3, -1, 4, 1, -5, 9]
    assert call(vm, "sumPairs", a, 6) == sum(xs[i] * xs[5 - i] + (i <= 3) for i in range(6))
    x = machine.new_array("[D", [0.5, 1.5, -2.0])
    assert call(vm, "dot", x, x) == 0.25 + 2.25 + 4.0
    assert call(vm, "middle", 7, 2) == sum(7 if i % 2 == 0 else 2 for i in range(7, 2, -1))
    assert call(vm, "count", machine.new_array("[Ljava/lang/Object;", [None, a, x])) == 2


def test_the_last_part_of_a_fused_sequence_throws_at_its_own_index(
        vm: tuple[VM, JThread]) -> None:
    machine, _ = vm
    a = machine.new_array("[I", [1, 2])
    with pytest.raises(JavaThrowable) as info:
        call(vm, "sumPairs", a, 3)
    exc = info.value.obj
    assert exc.klass.name == "java/lang/ArrayIndexOutOfBoundsException"
    assert machine.to_str(exc.fields[exc.klass.field_slots["detailMessage"]]) == \
        "Index 2 out of bounds for length 2"
    with pytest.raises(JavaThrowable) as info:
        call(vm, "field", None, None)
    assert info.value.obj.klass.name == "java/lang/NullPointerException"
