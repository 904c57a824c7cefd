"""The ns16550a: transmit, receive, the interrupt identification dance Linux relies on."""

from vmforms.hypervisor.devices.uart import (
    UART_IER,
    UART_IER_RDI,
    UART_IER_THRI,
    UART_IIR,
    UART_IIR_NO_INT,
    UART_IIR_RDI,
    UART_IIR_THRI,
    UART_LCR,
    UART_LCR_DLAB,
    UART_LSR,
    UART_MCR,
    UART_MSR,
    UART_RX,
    UART_SCR,
    UART_TX,
    Uart16550,
)


def make() -> tuple[Uart16550, bytearray, list[bool]]:
    out, irqs = bytearray(), []
    return Uart16550(out.extend, irqs.append), out, irqs


def test_transmit_goes_straight_out_and_lsr_says_empty() -> None:
    uart, out, irqs = make()
    for b in b"hi\n":
        uart.write(UART_TX, 1, b)
    assert out == b"hi\n"
    assert uart.read(UART_LSR, 1) == 0x60
    assert irqs == []


def test_receive_sets_data_ready_and_raises_the_line_when_enabled() -> None:
    uart, _, irqs = make()
    uart.receive(b"ab")
    assert uart.read(UART_LSR, 1) & 1
    assert irqs == []
    uart.write(UART_IER, 1, UART_IER_RDI)
    assert irqs == [True]
    assert uart.read(UART_IIR, 1) & 0x0F == UART_IIR_RDI
    assert uart.read(UART_RX, 1) == ord("a")
    assert uart.read(UART_RX, 1) == ord("b")
    assert irqs == [True, False]
    assert uart.read(UART_LSR, 1) & 1 == 0
    assert uart.read(UART_IIR, 1) & 0x0F == UART_IIR_NO_INT


def test_thr_empty_interrupt_is_acknowledged_by_reading_iir() -> None:
    uart, out, irqs = make()
    uart.write(UART_IER, 1, UART_IER_THRI)
    assert irqs == [True]
    assert uart.read(UART_IIR, 1) & 0x0F == UART_IIR_THRI
    assert irqs == [True, False]
    assert uart.read(UART_IIR, 1) & 0x0F == UART_IIR_NO_INT
    uart.write(UART_TX, 1, ord("x"))  # the byte leaves, THR empties, THRE fires again
    assert irqs == [True, False, True]
    uart.write(UART_IER, 1, 0)
    assert irqs[-1] is False
    assert out == b"x"


def test_divisor_latch_scratch_and_loopback() -> None:
    uart, out, _ = make()
    uart.write(UART_LCR, 1, UART_LCR_DLAB | 3)
    uart.write(UART_TX, 1, 0x01)
    uart.write(UART_IER, 1, 0x02)
    assert uart.read(UART_RX, 1) == 0x01 and uart.read(UART_IER, 1) == 0x02
    uart.write(UART_LCR, 1, 3)
    assert uart.read(UART_IER, 1) == 0
    uart.write(UART_SCR, 1, 0xA5)
    assert uart.read(UART_SCR, 1) == 0xA5
    uart.write(UART_MCR, 1, 0x10 | 0x0A)  # loop, RTS, OUT2
    assert uart.read(UART_MSR, 1) == 0x90  # CTS, DCD
    uart.write(UART_TX, 1, 0x42)
    assert out == b"" and uart.read(UART_RX, 1) == 0x42


def test_receive_fifo_is_bounded() -> None:
    uart, _, _ = make()
    uart.receive(b"x" * 10000)
    assert uart.rx_pending == 4096


def test_take_drains_the_fifo_for_the_firmware_console() -> None:
    uart, _, irqs = make()
    uart.write(UART_IER, 1, UART_IER_RDI)
    uart.receive(b"abc")
    assert uart.take(2) == b"ab" and uart.take(5) == b"c" and uart.take(1) == b""
    assert irqs == [True, False]
