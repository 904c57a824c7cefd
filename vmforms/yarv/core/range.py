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
