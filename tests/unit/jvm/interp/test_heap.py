"""The -Xmx budget: objects charged at HotSpot's sizes and credited when Python frees them,
a collection before an OutOfMemoryError, G1's heap sizing, and the launcher's -Xmx checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from interp_testlib import compile_java, run_vmforms

from vmforms.jvm.runtime.heap import Heap, HeapExhausted, JArray, JObject, array_size, heap_sizes
from vmforms.jvm.runtime.klass import JClass

MB = 1 << 20
# This machine's numbers from `java -XX:+PrintFlagsFinal` and Runtime.maxMemory (JDK 17, G1).
PHYSICAL = 25276502016


@pytest.mark.parametrize(("xmx", "want"), [
    (None, 6320816128), (32 * MB, 33554432), (33 * MB, 35651584), (3 * MB, 4194304),
    (100000000, 100663296), (2049 * MB, 2149580800), (4097 * MB, 4299161600),
    (4 << 30, 4294967296),
])
def test_max_heap_like_g1(xmx: int | None, want: int) -> None:
    assert heap_sizes(xmx, PHYSICAL)[0] == want


def test_initial_heap_is_a_64th_of_memory_capped_by_the_maximum() -> None:
    assert heap_sizes(None, PHYSICAL)[1] == 398458880
    assert heap_sizes(32 * MB, PHYSICAL)[1] == 32 * MB


def _array_class(heap: Heap, desc: str) -> JClass:
    k = JClass(desc, None, None, [])
    k.heap = heap
    return k


def test_objects_are_charged_and_given_back() -> None:
    heap = Heap(1 << 20)
    ints = _array_class(heap, "[I")
    plain = JClass("Plain", None, None, [])
    plain.heap = heap
    a = JArray(ints, [0] * 1000)
    assert heap.used == array_size(1000, 4) == 4016
    o = JObject(plain, [])
    assert heap.used == 4016 + plain.instance_size
    assert heap.recount() == heap.used
    del a, o
    assert heap.used == 0


def test_cyclic_garbage_is_collected_before_giving_up() -> None:
    heap = Heap(64 * 1024)
    objs = _array_class(heap, "[Ljava/lang/Object;")
    for _ in range(50):  # each ring holds 16 KB that only the cycle collector frees
        ring = JArray(objs, [None] * 4096)
        ring.data[0] = ring
    del ring
    assert heap.used <= heap.max


def test_what_is_held_does_not_fit() -> None:
    heap = Heap(64 * 1024)
    longs = _array_class(heap, "[J")
    held: list[Any] = []
    with pytest.raises(HeapExhausted):
        for _ in range(100):
            held.append(JArray(longs, [0] * 1024))
    assert len(held) == 7  # 8 KB and a header each
    held.clear()
    assert heap.used == 0  # the array that did not fit was given back too
    heap.make_room(60 * 1024)


SOURCES = {
    "MaxMemory": """
        public class MaxMemory {
            public static void main(String[] args) {
                Runtime r = Runtime.getRuntime();
                System.out.println(r.maxMemory());
                System.out.println(r.totalMemory() <= r.maxMemory());
                System.out.println(r.freeMemory() <= r.totalMemory());
            }
        }""",
}


@pytest.fixture(scope="module")
def classes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compile_java(tmp_path_factory.mktemp("heap"), SOURCES)


def test_max_memory_is_the_rounded_xmx(classes: Path) -> None:
    r = run_vmforms(classes, "-Xmx33m", "-cp", ".", "MaxMemory")
    assert (r.stdout, r.stderr, r.returncode) == (b"35651584\ntrue\ntrue\n", b"", 0)


@pytest.mark.parametrize("option", ["-Xmxfoo", "-Xmx0m", "-Xmx32mb", "-Xmx"])
def test_invalid_xmx_is_refused_like_java(classes: Path, option: str) -> None:
    r = run_vmforms(classes, option, "-cp", ".", "MaxMemory")
    assert r.returncode == 1
    assert r.stdout == b""
    assert r.stderr == (f"Invalid maximum heap size: {option}\nError: Could not create the "
                        "Java Virtual Machine.\nError: A fatal exception has occurred. "
                        "Program will exit.\n").encode()


def test_too_small_heap_is_reported_on_stdout_like_java(classes: Path) -> None:
    r = run_vmforms(classes, "-Xmx1m", "-cp", ".", "MaxMemory")
    assert (r.stdout, r.stderr, r.returncode) == (
        b"Error occurred during initialization of VM\nToo small maximum heap\n", b"", 1)
