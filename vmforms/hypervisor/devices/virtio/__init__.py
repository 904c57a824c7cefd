"""virtio 1.2 over MMIO: split virtqueues, the MMIO transport and the devices on it."""
