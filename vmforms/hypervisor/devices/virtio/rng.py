"""virtio-rng, the entropy device (virtio 1.2 section 5.4), fed from the host's os.urandom.

One request queue: the driver posts device-writable buffers and the device fills each
with random bytes, as QEMU's virtio-rng does with its default backend. A request is
capped (MAX_REQUEST) so that a guest cannot make the monitor produce gigabytes at once,
and a buffer the device may not write is a driver error.
"""

from __future__ import annotations

import logging
import os

from vmforms.hypervisor.devices.virtio.queue import Virtqueue, VirtqueueError
from vmforms.hypervisor.state import State, StateReader

log = logging.getLogger(__name__)

VIRTIO_ID_ENTROPY = 4
QUEUE_SIZE = 64
MAX_REQUEST = 64 << 10  # bytes served per buffer chain


class VirtioRng:
    def __init__(self) -> None:
        self.device_id = VIRTIO_ID_ENTROPY
        self.device_features = 0  # no device-specific feature bits (5.4.3)
        self.queue_max_sizes: tuple[int, ...] = (QUEUE_SIZE,)

    def config_read(self, offset: int, size: int) -> int:
        return 0  # no configuration space (5.4.4)

    def config_write(self, offset: int, size: int, value: int) -> None:
        log.warning("virtio-rng: write to its empty config space at %#x ignored", offset)

    def reset(self) -> None:
        pass

    # Snapshots: every request is served when notified, so nothing waits in the device.
    def save_state(self) -> State:
        return {}

    def load_state(self, state: StateReader) -> None:
        pass

    def process(self, index: int, queue: Virtqueue) -> bool:
        used = False
        while (chain := queue.pop()) is not None:
            budget = MAX_REQUEST
            written = 0
            for desc in chain.descriptors:
                if not desc.is_write_only:
                    raise VirtqueueError(f"virtio-rng request at {chain.head}: read-only buffer")
                n = min(desc.len, budget)
                if n:
                    queue.write(desc.addr, os.urandom(n))
                budget -= n
                written += n
            queue.push_used(chain.head, written)
            used = True
        return used
