"""Coroutines for Fiber, Thread and Enumerator#next: a Python thread per coroutine, with a
hand-over so that exactly one of them runs at any time (Ruby's one global lock, made
strict). Each coroutine keeps its own frame stack, swapped in at every hand-over."""

from __future__ import annotations

import threading
from typing import Any

# Coroutines run deep Ruby call chains; give their threads room.
threading.stack_size(64 << 20)


class Coroutine:
    def __init__(self, vm: Any, body: Any) -> None:
        self.vm = vm
        self.body = body  # body(coroutine, first_value) -> result
        self.go = threading.Semaphore(0)
        self.back = threading.Semaphore(0)
        self.stack: list[Any] = []
        self.thread: threading.Thread | None = None
        self.transfer: tuple[str, Any] = ("none", None)
        self.done = False
        self.result: Any = None
        self.resumer_stack: list[Any] | None = None
        self.running = False

    def _main(self) -> None:
        self.go.acquire()
        vm = self.vm
        vm.stack = self.stack
        try:
            self.result = self.body(self, self.transfer[1])
            self.transfer = ("done", self.result)
        except BaseException as e:  # noqa: BLE001 - re-raised in the resumer
            self.transfer = ("error", e)
        self.done = True
        self.back.release()

    def resume(self, value: Any = None) -> tuple[str, Any]:
        """Run until the coroutine yields or ends: ("yield"|"done"|"error", value)."""
        if self.done:
            return ("dead", None)
        vm = self.vm
        mine = vm.stack
        self.transfer = ("resume", value)
        self.running = True
        if self.thread is None:
            self.thread = threading.Thread(target=self._main, daemon=True)
            self.thread.start()
        self.go.release()
        self.back.acquire()
        self.running = False
        vm.stack = mine
        return self.transfer

    def yield_(self, value: Any) -> Any:
        """Called on the coroutine's own thread: hand value back, wait to be resumed."""
        self.transfer = ("yield", value)
        self.back.release()
        self.go.acquire()
        self.vm.stack = self.stack
        return self.transfer[1]
