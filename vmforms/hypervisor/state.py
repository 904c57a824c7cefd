"""Saved state of the CPU and the devices, as plain JSON values, read back field by field.

Each device has `save_state() -> dict` and `load_state(StateReader)`. A snapshot file may
come from anyone, so every field is checked when read: its type, its range, its length.
A bad one is a SnapshotError naming the field, never a traceback or a half-loaded machine
(load_state reads every field before it assigns any).
"""

from __future__ import annotations

from typing import Any

from vmforms.hypervisor.errors import SnapshotError

U64 = (1 << 64) - 1
State = dict[str, Any]


class StateReader:
    """One object of a saved state, `what` naming it in errors ("cpu", "uart0", ...)."""

    __slots__ = ("_state", "what")

    def __init__(self, state: object, what: str) -> None:
        if not isinstance(state, dict):
            raise SnapshotError(f"snapshot state of {what}: not an object")
        self._state: dict[str, object] = state
        self.what = what

    def _get(self, name: str) -> object:
        if name not in self._state:
            raise SnapshotError(f"snapshot state of {self.what}: '{name}' is missing")
        return self._state[name]

    def _bad(self, name: str, expected: str) -> SnapshotError:
        return SnapshotError(f"snapshot state of {self.what}: '{name}' is not {expected}")

    def number(self, name: str, lo: int = 0, hi: int = U64) -> int:
        value = self._get(name)
        if type(value) is not int or not lo <= value <= hi:
            raise self._bad(name, f"an integer in [{lo:#x}, {hi:#x}]")
        return value

    def maybe_number(self, name: str, lo: int = 0, hi: int = U64) -> int | None:
        return None if self._get(name) is None else self.number(name, lo, hi)

    def flag(self, name: str) -> bool:
        value = self._get(name)
        if type(value) is not bool:
            raise self._bad(name, "true or false")
        return value

    def numbers(self, name: str, count: int, lo: int = 0, hi: int = U64) -> list[int]:
        value = self._get(name)
        if (
            not isinstance(value, list) or len(value) != count
            or any(type(v) is not int or not lo <= v <= hi for v in value)
        ):
            raise self._bad(name, f"a list of {count} integers in [{lo:#x}, {hi:#x}]")
        return list(value)

    def flags(self, name: str, count: int) -> list[bool]:
        value = self._get(name)
        if not isinstance(value, list) or len(value) != count or any(
            type(v) is not bool for v in value
        ):
            raise self._bad(name, f"a list of {count} booleans")
        return list(value)

    def blob(self, name: str, limit: int) -> bytes:
        """Bytes saved as a hex string, at most `limit` of them."""
        value = self._get(name)
        if not isinstance(value, str) or len(value) > 2 * limit:
            raise self._bad(name, f"a hex string of at most {limit} bytes")
        try:
            return bytes.fromhex(value)
        except ValueError:
            raise self._bad(name, "a hex string") from None

    def text(self, name: str, limit: int = 4096) -> str:
        value = self._get(name)
        if not isinstance(value, str) or len(value) > limit:
            raise self._bad(name, f"a string of at most {limit} characters")
        return value

    def child(self, name: str) -> StateReader:
        return StateReader(self._get(name), f"{self.what}.{name}")

    def maybe_numbers(self, name: str, count: int, lo: int = 0, hi: int = U64) -> list[int] | None:
        return None if self._get(name) is None else self.numbers(name, count, lo, hi)

    def maybe_child(self, name: str) -> StateReader | None:
        return None if self._get(name) is None else self.child(name)

    def children(self, name: str, count: int) -> list[StateReader]:
        value = self._get(name)
        if not isinstance(value, list) or len(value) != count:
            raise self._bad(name, f"a list of {count} objects")
        return [StateReader(v, f"{self.what}.{name}[{i}]") for i, v in enumerate(value)]
