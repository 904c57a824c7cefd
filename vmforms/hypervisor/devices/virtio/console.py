"""virtio-console with one port and no multiport (virtio 1.2 section 5.3): Linux's hvc0.

Queue 0 (receiveq) takes the device-writable buffers the driver posts for input; queue 1
(transmitq) carries the guest's output, which goes to the board's console stream like the
UART's. Input given to `receive` waits (bounded) until the driver has posted buffers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from vmforms.hypervisor.devices.virtio.queue import Virtqueue, VirtqueueError
from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

VIRTIO_ID_CONSOLE = 3
RECEIVEQ = 0
TRANSMITQ = 1
QUEUE_SIZE = 64
MAX_PENDING_INPUT = 64 << 10  # input kept for a driver that posts no buffers
MAX_OUTPUT = 64 << 10  # bytes taken from one transmit chain


class VirtioConsole:
    def __init__(self, output: Callable[[bytes], None]) -> None:
        self.device_id = VIRTIO_ID_CONSOLE
        self.device_features = 0  # neither SIZE nor MULTIPORT nor EMERG_WRITE
        self.queue_max_sizes: tuple[int, ...] = (QUEUE_SIZE, QUEUE_SIZE)
        self._output = output
        self._input = bytearray()

    def config_read(self, offset: int, size: int) -> int:
        return 0  # cols, rows and max_nr_ports exist only with their features

    def config_write(self, offset: int, size: int, value: int) -> None:
        log.warning("virtio-console: config write at %#x ignored", offset)

    def reset(self) -> None:
        self._input.clear()

    # Snapshots: host input the driver has not taken yet.
    def save_state(self) -> State:
        return {"input": self._input.hex()}

    def load_state(self, state: StateReader) -> None:
        self._input = bytearray(state.blob("input", MAX_PENDING_INPUT))

    def receive(self, data: bytes) -> None:
        """Host input for the guest; the transport delivers it on the next receive pass."""
        room = MAX_PENDING_INPUT - len(self._input)
        if len(data) > room:
            log.warning("virtio-console: the guest reads no input; %d bytes dropped",
                        len(data) - max(room, 0))
        self._input += data[: max(room, 0)]

    def send_output_to(self, output: Callable[[bytes], None]) -> None:
        """A stream of its own for hvc0's output (a container's stderr), apart from the
        board's console."""
        self._output = output

    @property
    def has_input(self) -> bool:
        return bool(self._input)

    def process(self, index: int, queue: Virtqueue) -> bool:
        if index == TRANSMITQ:
            return self._transmit(queue)
        return self._fill(queue)

    def _transmit(self, queue: Virtqueue) -> bool:
        used = False
        while (chain := queue.pop()) is not None:
            out = bytearray()
            for desc in chain.descriptors:
                if desc.is_write_only:
                    raise VirtqueueError(f"virtio-console transmit {chain.head}: writable buffer")
                take = min(desc.len, MAX_OUTPUT - len(out))
                out += queue.read(desc.addr, take)
            if out:
                self._output(bytes(out))
            queue.push_used(chain.head, 0)
            used = True
        return used

    def _fill(self, queue: Virtqueue) -> bool:
        used = False
        while self._input and (chain := queue.pop()) is not None:
            written = 0
            for desc in chain.descriptors:
                if not desc.is_write_only:
                    raise VirtqueueError(f"virtio-console receive {chain.head}: read-only buffer")
                piece = bytes(self._input[: desc.len])
                if piece:
                    queue.write(desc.addr, piece)
                    del self._input[: len(piece)]
                    written += len(piece)
            queue.push_used(chain.head, written)
            used = True
        return used
