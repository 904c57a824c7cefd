"""java.lang.ref over the host's object lifetimes (runtime/references.py): referents live
until a collection point, allocation volume makes collection points, finalizers run once."""

from __future__ import annotations

from pathlib import Path

import pytest
from interp_testlib import compile_java, run_vmforms

from vmforms.jvm.runtime.heap import Heap, JObject
from vmforms.jvm.runtime.klass import JClass

SOURCES = {
    "Pressure": """
        import java.lang.ref.*;
        public class Pressure {
            static int finalized;
            static class F { protected void finalize() { finalized++; } }
            public static void main(String[] args) throws Exception {
                ThreadLocal<Integer> tl = new ThreadLocal<>();
                tl.set(5);
                System.out.println(tl.get());
                WeakReference<Object> w = new WeakReference<>(new Object());
                System.out.println(w.get() != null);
                long n = 0;
                while (w.get() != null) { byte[] garbage = new byte[4096]; n++; }
                System.out.println(n > 0);
                new F();
                for (int i = 0; i < 300 && finalized == 0; i++) {
                    System.gc();
                    Thread.sleep(10);
                }
                System.out.println(finalized);
            }
        }""",
}


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory.mktemp("references"), SOURCES)


def test_weak_referents_clear_under_allocation_and_finalizers_run_once(classes: Path) -> None:
    r = run_vmforms(classes, "-Xmx16m", "-cp", ".", "Pressure")
    assert (r.stdout, r.stderr, r.returncode) == (b"5\ntrue\ntrue\n1\n", b"", 0)


def test_allocation_volume_makes_collection_points() -> None:
    heap = Heap(64 << 20, 8 << 20)
    calls: list[bool] = []
    heap.collector = calls.append
    plain = JClass("Plain", None, None, [])
    plain.heap = heap
    for _ in range(heap.young // plain.instance_size + 1):
        JObject(plain, [])
    assert calls == [False]  # garbage only: the live heap stayed empty
    assert heap.used == 0 and heap.charged > heap.young
