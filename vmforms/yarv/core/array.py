"""Array: a Python list of Ruby values."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RObject


class RArray(RObject):
    __slots__ = ("items",)

    def __init__(self, items: list[Any] | None = None, cls: Any = None) -> None:
        super().__init__(cls)
        self.items: list[Any] = [] if items is None else items
