"""The user-space 8259 pair the KVM board falls back to: programmed as Linux and the probe
guest program it, then driven by device lines."""

from __future__ import annotations

from vmforms.hypervisor.cpu.kvm.pic import PicPair


def programmed() -> PicPair:
    pic = PicPair()
    for chip, base, icw3 in ((pic.master, 0x20, 0x04), (pic.slave, 0x28, 0x02)):
        chip.write(0, 1, 0x11)
        chip.write(1, 1, base)
        chip.write(1, 1, icw3)
        chip.write(1, 1, 0x01)
    return pic


def test_masked_until_programmed_then_vectors_by_priority() -> None:
    pic = PicPair()
    pic.set_irq(4, True)
    assert not pic.pending()  # reset state: everything masked
    pic = programmed()
    pic.set_irq(4, True)
    pic.set_irq(3, True)
    assert pic.pending()
    assert pic.acknowledge() == 0x23  # IRQ 3 before IRQ 4
    assert not pic.pending()  # IRQ 4 waits while 3 is in service
    pic.master.write(0, 1, 0x20)  # non-specific EOI
    assert pic.acknowledge() == 0x24
    assert pic.acknowledge() is None


def test_mask_and_withdrawn_request() -> None:
    pic = programmed()
    pic.master.write(1, 1, 0xEF)  # only IRQ 4
    pic.set_irq(1, True)
    assert not pic.pending()
    assert pic.master.read(1, 1) == 0xEF
    pic.set_irq(4, True)
    pic.set_irq(4, False)  # the device lowered its line before anyone looked
    assert not pic.pending()


def test_slave_cascades_through_irq2_and_isr_reads_back() -> None:
    pic = programmed()
    pic.set_irq(12, True)
    assert pic.acknowledge() == 0x2C
    pic.slave.write(0, 1, 0x0B)  # OCW3: read ISR
    assert pic.slave.read(0, 1) == 1 << 4
    pic.master.write(0, 1, 0x0B)
    assert pic.master.read(0, 1) == 1 << 2
    pic.slave.write(0, 1, 0x64)  # specific EOI for line 4
    pic.master.write(0, 1, 0x62)
    assert pic.slave.isr == 0 and pic.master.isr == 0


def test_auto_eoi_and_out_of_range_lines() -> None:
    pic = PicPair()
    pic.master.write(0, 1, 0x11)
    pic.master.write(1, 1, 0x20)
    pic.master.write(1, 1, 0x04)
    pic.master.write(1, 1, 0x03)  # ICW4: 8086 mode, auto-EOI
    pic.set_irq(0, True)
    pic.set_irq(99, True)
    assert pic.acknowledge() == 0x20 and pic.master.isr == 0
