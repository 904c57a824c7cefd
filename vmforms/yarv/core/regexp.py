"""Regexp: Onigmo source and options; translated to Python's re when first matched."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString

IGNORECASE, EXTENDED, MULTILINE = 1, 2, 4
FIXEDENCODING, NOENCODING = 16, 32


class RRegexp(RObject):
    __slots__ = ("source", "options", "compiled")

    def __init__(self, source: RString, options: int, cls: Any = None) -> None:
        super().__init__(cls)
        self.source = source
        self.options = options
        self.compiled: Any = None
        self.frozen = True
