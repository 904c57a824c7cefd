"""Bounded reads over a binary iseq: CRuby 3.1 compile.c's small values and raw words.

A small value (ibf_dump_write_small_value) is 1-9 bytes; the count of trailing zero bits
of the first byte, plus one, is its length (a zero byte means nine), and the value is the
first byte's remaining bits followed by the next bytes, most significant first.
"""

from __future__ import annotations

import struct
from typing import NoReturn

from vmforms.yarv.errors import IseqFormatError


class Reader:
    __slots__ = ("data", "source", "limit")

    def __init__(self, data: bytes, source: str, limit: int) -> None:
        self.data = data
        self.source = source
        self.limit = limit

    def fail(self, offset: int, problem: str) -> NoReturn:
        raise IseqFormatError(self.source, offset, problem)

    def check(self, offset: int, size: int, what: str) -> None:
        if offset < 0 or size < 0 or offset + size > self.limit:
            self.fail(offset, f"{what} runs past the end of the data ({size} bytes)")

    def byte(self, offset: int) -> int:
        if not 0 <= offset < self.limit:
            self.fail(offset, "truncated: expected a byte")
        return self.data[offset]

    def small(self, offset: int) -> tuple[int, int]:
        """One small value at offset: (value, offset after it)."""
        data = self.data
        if not 0 <= offset < self.limit:
            self.fail(offset, "truncated: expected a small value")
        c = data[offset]
        if c & 1:
            return c >> 1, offset + 1
        n = 9 if c == 0 else (c & -c).bit_length()
        if offset + n > self.limit:
            self.fail(offset, "truncated small value")
        x = c >> n if n < 8 else 0
        for i in range(1, n):
            x = (x << 8) | data[offset + i]
        return x, offset + n

    def signed(self, offset: int) -> tuple[int, int]:
        """A small value that holds a C int (-1 is written as the full 64-bit word)."""
        value, end = self.small(offset)
        return (value - (1 << 64) if value >= 1 << 63 else value), end

    def u64s(self, offset: int, count: int, what: str) -> tuple[int, ...]:
        self.check(offset, 8 * count, what)
        return struct.unpack_from(f"<{count}Q", self.data, offset)
