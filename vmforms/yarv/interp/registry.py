"""The table from instruction name to handler, filled by handlers.py and flow.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

OpT = tuple[Any, ...]
HANDLERS: dict[str, Any] = {}
F = TypeVar("F")


def handler(name: str) -> Callable[[F], F]:
    def reg(fn: F) -> F:
        HANDLERS[name] = fn
        return fn
    return reg
