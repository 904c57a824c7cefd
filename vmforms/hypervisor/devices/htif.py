"""The Berkeley host-target interface: the `tohost`/`fromhost` mailboxes of the spike machine.

The mailboxes are two 64-bit words in guest RAM, found by the program's ELF symbols. A
command is device (bits 63:56), command (55:48) and payload (47:0); like QEMU's
hw/char/riscv_htif.c, the command runs when the upper half of `tohost` is written (a
64-bit store, or the second of two 32-bit ones, as riscv-tests' `write_tohost` does).
Device 0 command 0 with payload bit 0 set ends the run with status payload >> 1; with it
clear the payload points at a syscall block (only write(1 or 2, buf, len) is served).
Device 1 is the console: command 1 writes a byte, command 0 reads one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vmforms.hypervisor.errors import GuestMemoryError
from vmforms.hypervisor.memory import GuestMemory

log = logging.getLogger(__name__)

HTIF_DEV_SYSCALL = 0
HTIF_DEV_CONSOLE = 1
HTIF_CONSOLE_CMD_GETC = 0
HTIF_CONSOLE_CMD_PUTC = 1
SYS_WRITE = 64
PAYLOAD_MASK = (1 << 48) - 1
MAX_WRITE = 1 << 20  # bytes one write call may print


class Htif:
    def __init__(
        self,
        memory: GuestMemory,
        tohost: int,
        fromhost: int | None,
        console: Callable[[bytes], None],
        exit_: Callable[[int], None],
        take_input: Callable[[], int] | None = None,
    ) -> None:
        self.memory = memory
        self.tohost = tohost
        self.fromhost = fromhost
        self._console = console
        self._exit = exit_
        self._take_input = take_input

    def stored(self, pa: int, size: int) -> None:
        """The RAM hook: a store of `size` bytes at `pa` reached the mailbox page."""
        upper = self.tohost + 4
        if not pa <= upper < pa + size:
            return
        value = self._read_u64(self.tohost)
        if value == 0:
            return
        self._write_u64(self.tohost, 0)
        self.command(value >> 56, (value >> 48) & 0xFF, value & PAYLOAD_MASK)

    def command(self, device: int, cmd: int, payload: int) -> None:
        if device == HTIF_DEV_SYSCALL and cmd == 0:
            if payload & 1:
                self._exit(payload >> 1)
                return
            self._reply(device, cmd, self._syscall(payload))
        elif device == HTIF_DEV_CONSOLE and cmd == HTIF_CONSOLE_CMD_PUTC:
            self._console(bytes([payload & 0xFF]))
            self._reply(device, cmd, 0)
        elif device == HTIF_DEV_CONSOLE and cmd == HTIF_CONSOLE_CMD_GETC:
            byte = self._take_input() if self._take_input is not None else -1
            self._reply(device, cmd, byte & PAYLOAD_MASK if byte >= 0 else PAYLOAD_MASK)
        else:
            log.warning("HTIF: device %d command %d is not implemented; ignored", device, cmd)

    def _syscall(self, block: int) -> int:
        """The proxied syscall in the 8-word block at `block`; its result goes in word 0."""
        try:
            words = [self._read_u64(block + 8 * k) for k in range(4)]
            number, fd, buf, length = words
            if number == SYS_WRITE and fd in (1, 2) and length <= MAX_WRITE:
                self._console(self.memory.read(buf, length))
                result = length
            else:
                log.warning("HTIF: syscall %d is not served; it returns -ENOSYS", number)
                result = (1 << 64) - 38
            self._write_u64(block, result)
        except GuestMemoryError as exc:
            log.warning("HTIF: syscall block at %#x: %s", block, exc)
        return 1

    def _read_u64(self, addr: int) -> int:
        return int.from_bytes(self.memory.read(addr, 8), "little")

    def _write_u64(self, addr: int, value: int) -> None:
        self.memory.write(addr, value.to_bytes(8, "little"))

    def _reply(self, device: int, cmd: int, payload: int) -> None:
        if self.fromhost is not None:
            self._write_u64(self.fromhost, device << 56 | cmd << 48 | payload)
