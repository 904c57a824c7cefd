"""The translation tier's block shape and symbolic stack (interp/blocks.py)."""

from __future__ import annotations

from vmforms.jvm.interp import decode as D
from vmforms.jvm.interp.blocks import Stack, blocks, emit, jump, loops, merge


def test_noted_slots_are_read_directly_and_written_before_their_local_changes() -> None:
    st = Stack()
    st.note(0, "l3")
    st.note(1, "7")
    assert st.rewrite("s0 = s0 + s1") == ["s0 = l3 + 7"]
    st.note(1, "l3")
    st.note(2, "l4")
    # iinc 3: the slot still holding local 3's old value is written first.
    assert st.rewrite("l3 = l3 + 1") == ["s1 = l3", "l3 = l3 + 1"]
    assert st.flush(2) == []
    assert st.flush() == ["s2 = l4"]


def test_expressions_wait_for_their_use_but_not_past_a_write_they_read() -> None:
    st = Stack()
    st.note(0, "l1")
    st.note_expression(0, "s0 * s1")  # s1 is a real slot here
    assert st.before_write("s1", "") == ["s0 = (l1 * s1)"]
    st.note_expression(0, "l2 + 1")
    assert st.rewrite("l2 = s0") == ["l2 = (l2 + 1)"]


def test_loops_and_jumps_that_leave_them() -> None:
    # 0: iconst; 1: goto 4; 2: iinc; 3: ifne 2 (inner back edge); 4: ifeq 2; 5: return
    code = [(D.CONST, 0, 0), (0xA7, 4, 0), (0x84, 1, 1), (0x9A, 2, 0), (0x99, 2, 0),
            (0xB1, 0, 0)]
    depth = {0: 0, 1: 1, 2: 1, 3: 1, 4: 1, 5: 0}
    leaders = {0, 2, 4, 5, 3}
    bbs = blocks(code, depth, leaders)
    assert bbs == [(0, 1), (2, 2), (3, 3), (4, 4), (5, 5)]
    regions = loops(code, bbs, frozenset({0xA7, 0x99, 0x9A}))
    assert regions == [(2, 4)]  # both back edges go to 2: one loop, to the last of them
    merged = merge(bbs, {0, 2, 4}, regions)
    assert merged == [(0, 1), (2, 3), (4, 4), (5, 5)]
    out = emit(code, depth, merged, regions, lambda bb, r: jump(5, r), 0)
    assert "if 2 <= bb <= 4:" in out
    assert any(line.strip() == "break" for line in out)
