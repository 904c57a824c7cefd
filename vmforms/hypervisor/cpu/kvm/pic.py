"""A pair of cascaded 8259A interrupt controllers (Intel 8259A data sheet) in user space:
the fallback the KVM board uses when the kernel offers no irqchip (or --irqchip none).

The vCPU loop asks `pending()` before each KVM_RUN and, when the guest can take it,
injects `acknowledge()`'s vector with KVM_INTERRUPT. Only what PC kernels program is
modelled: ICW1-4, the mask, non-specific and specific EOI, auto-EOI, reading IRR/ISR.
Lines are level-driven by the devices; a line's rise requests, its fall withdraws a
request not yet acknowledged (so a device that lowers its line is not served late).
"""

from __future__ import annotations

MASTER_PORT = 0x20
SLAVE_PORT = 0xA0
CASCADE_IRQ = 2
ICW1_INIT = 0x10
ICW1_ICW4 = 0x01
ICW1_SINGLE = 0x02
ICW4_AEOI = 0x02
OCW2_EOI = 0x20
OCW2_SPECIFIC = 0x40
OCW3_MARK = 0x08
OCW3_READ_ISR = 0x03
OCW3_READ_IRR = 0x02


class I8259:
    """One chip: offsets 0 (command) and 1 (data) of its two ports."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.irr = 0
        self.isr = 0
        self.imr = 0xFF  # masked until the guest programs it
        self.vector_base = 0x08
        self.auto_eoi = False
        self.read_isr = False
        self._init_step = 0  # 0: operating; 2, 3, 4: the next ICW expected
        self._icw4 = False
        self._single = False

    def highest(self) -> int | None:
        """The unmasked request that would interrupt now, by fixed priority (0 first)."""
        ready = self.irr & ~self.imr
        for irq in range(8):
            if self.isr & (1 << irq):
                return None  # an equal or higher priority is in service
            if ready & (1 << irq):
                return irq
        return None

    def read(self, offset: int, size: int) -> int:
        if offset == 1:
            return self.imr
        return self.isr if self.read_isr else self.irr

    def write(self, offset: int, size: int, value: int) -> None:
        value &= 0xFF
        if offset == 0:
            if value & ICW1_INIT:
                self._reset()
                self.imr = 0
                self._icw4 = bool(value & ICW1_ICW4)
                self._single = bool(value & ICW1_SINGLE)
                self._init_step = 2
            elif value & OCW3_MARK:
                if value & OCW3_READ_IRR == OCW3_READ_IRR:
                    self.read_isr = value & OCW3_READ_ISR == OCW3_READ_ISR
            elif value & OCW2_EOI:
                if value & OCW2_SPECIFIC:
                    self.isr &= ~(1 << (value & 7))
                else:
                    for irq in range(8):
                        if self.isr & (1 << irq):
                            self.isr &= ~(1 << irq)
                            break
            return
        if self._init_step == 2:
            self.vector_base = value & 0xF8
            self._init_step = 4 if self._single else 3
            if self._init_step == 4 and not self._icw4:
                self._init_step = 0
        elif self._init_step == 3:
            self._init_step = 4 if self._icw4 else 0
        elif self._init_step == 4:
            self.auto_eoi = bool(value & ICW4_AEOI)
            self._init_step = 0
        else:
            self.imr = value


class PicPair:
    """Master (IRQ 0-7) and slave (IRQ 8-15) cascaded on the master's IRQ 2."""

    def __init__(self) -> None:
        self.master = I8259()
        self.slave = I8259()
        self._levels = 0

    def set_irq(self, irq: int, level: bool) -> None:
        if not 0 <= irq < 16:
            return
        bit = 1 << irq
        if level and not self._levels & bit:
            self._request(irq, True)
        elif not level and self._levels & bit:
            self._request(irq, False)
        self._levels = (self._levels | bit) if level else (self._levels & ~bit)

    def pulse(self, irq: int) -> None:
        """A rising edge on a line no device holds at a level (the PIT's OUT 0 on IRQ 0):
        the request stays until acknowledged, as the 8259's edge-triggered IRR keeps it."""
        if 0 <= irq < 16:
            self._request(irq, True)

    def _request(self, irq: int, on: bool) -> None:
        chip, line = (self.master, irq) if irq < 8 else (self.slave, irq - 8)
        if on:
            chip.irr |= 1 << line
        else:
            chip.irr &= ~(1 << line)
        if irq >= 8:
            # The cascade line follows whether the slave has anything to say.
            if self.slave.irr & ~self.slave.imr:
                self.master.irr |= 1 << CASCADE_IRQ
            else:
                self.master.irr &= ~(1 << CASCADE_IRQ)

    def pending(self) -> bool:
        irq = self.master.highest()
        if irq == CASCADE_IRQ:
            return self.slave.highest() is not None
        return irq is not None

    def acknowledge(self) -> int | None:
        """The interrupt acknowledge cycle: the vector to inject, its request now in service."""
        irq = self.master.highest()
        if irq is None:
            return None
        if irq == CASCADE_IRQ:
            line = self.slave.highest()
            if line is None:
                return None
            self._serve(self.slave, line)
            if not self.slave.irr & ~self.slave.imr:
                self.master.irr &= ~(1 << CASCADE_IRQ)
            self._serve(self.master, CASCADE_IRQ, clear=False)
            return self.slave.vector_base + line
        self._serve(self.master, irq)
        return self.master.vector_base + irq

    @staticmethod
    def _serve(chip: I8259, line: int, *, clear: bool = True) -> None:
        if clear:
            chip.irr &= ~(1 << line)
        if not chip.auto_eoi:
            chip.isr |= 1 << line
