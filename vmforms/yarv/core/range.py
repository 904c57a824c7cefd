"""Range: two ends and whether the last is excluded."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RObject


class RRange(RObject):
    __slots__ = ("first", "last", "excl")

    def __init__(self, first: Any, last: Any, excl: bool, cls: Any = None) -> None:
        super().__init__(cls)
        self.first = first
        self.last = last
        self.excl = excl
        self.frozen = True


def range_bounds(vm: Any, r: RRange, length: int) -> tuple[int, int] | None:
    """(start, count) of a range applied to a sequence of `length` (rb_range_beg_len)."""
    first = 0 if r.first is None else r.first
    last = length if r.last is None else r.last
    if first < 0:
        first += length
        if first < 0:
            return None
    if first > length:
        return None
    if last < 0:
        last += length
    if not r.excl and r.last is not None:
        last += 1
    return first, max(0, min(last, length) - first)
