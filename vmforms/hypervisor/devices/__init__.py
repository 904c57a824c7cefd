"""Devices of the virt board: each is an MMIO register block that may drive an IRQ line."""

from collections.abc import Callable

# A level-triggered interrupt wire into the PLIC: call with True to raise, False to lower.
IrqLine = Callable[[bool], None]


def no_irq(level: bool) -> None:
    """An unconnected interrupt wire."""
