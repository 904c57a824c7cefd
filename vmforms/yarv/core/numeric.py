"""Rational and Complex: the two numeric classes that are not Python numbers as they are."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RObject


class RRational(RObject):
    __slots__ = ("num", "den")

    def __init__(self, num: Any, den: Any) -> None:
        super().__init__(None)
        self.num = num
        self.den = den
        self.frozen = True


class RComplex(RObject):
    __slots__ = ("real", "imag")

    def __init__(self, real: Any, imag: Any) -> None:
        super().__init__(None)
        self.real = real
        self.imag = imag
        self.frozen = True
