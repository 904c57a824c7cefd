"""An ns16550a UART (the TI/National PC16550D data sheet), as on QEMU's virt board.

Transmission is instantaneous: THR is always empty, so LSR always reports THRE|TEMT and
the THR-empty interrupt fires as soon as the driver enables it. Received bytes wait in a
FIFO; the line is level-triggered into the PLIC.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from vmforms.hypervisor.devices import IrqLine, no_irq
from vmforms.hypervisor.state import State, StateReader

# Register offsets (DLAB=0 unless noted).
UART_RX = 0  # RBR, read
UART_TX = 0  # THR, write
UART_DLL = 0  # DLAB=1
UART_IER = 1
UART_DLM = 1  # DLAB=1
UART_IIR = 2  # read
UART_FCR = 2  # write
UART_LCR = 3
UART_MCR = 4
UART_LSR = 5
UART_MSR = 6
UART_SCR = 7

UART_IER_RDI = 0x01  # received data available
UART_IER_THRI = 0x02  # transmitter holding register empty
UART_IIR_NO_INT = 0x01
UART_IIR_THRI = 0x02
UART_IIR_RDI = 0x04
UART_IIR_FIFO_BITS = 0xC0
UART_FCR_ENABLE_FIFO = 0x01
UART_FCR_CLEAR_RCVR = 0x02
UART_LCR_DLAB = 0x80
UART_MCR_LOOP = 0x10
UART_LSR_DR = 0x01
UART_LSR_THRE = 0x20
UART_LSR_TEMT = 0x40
UART_MSR_DCD_DSR_CTS = 0xB0

RX_FIFO_LIMIT = 4096
_REGISTERS = ("ier", "lcr", "mcr", "fcr", "scr", "dll", "dlm")


class Uart16550:
    """The register block; `output` receives transmitted bytes, `receive` feeds input."""

    def __init__(self, output: Callable[[bytes], None], irq: IrqLine = no_irq) -> None:
        self._output = output
        self._irq = irq
        self._rx: deque[int] = deque()
        self.ier = 0
        self.lcr = 0x03
        self.mcr = 0
        self.fcr = 0
        self.scr = 0
        self.dll = 0x0C
        self.dlm = 0
        self._thri_pending = False
        self._level = False

    # The host side.
    def receive(self, data: bytes) -> None:
        """Bytes typed at the console; excess beyond the FIFO limit is dropped, as on a wire."""
        room = RX_FIFO_LIMIT - len(self._rx)
        self._rx.extend(data[:room])
        self._update()

    @property
    def rx_pending(self) -> int:
        return len(self._rx)

    def take(self, n: int) -> bytes:
        """Up to `n` received bytes, for a firmware console reading the same line."""
        got = bytes(self._rx.popleft() for _ in range(min(n, len(self._rx))))
        self._update()
        return got

    # The guest side.
    def read(self, offset: int, size: int) -> int:
        if offset == UART_RX:
            if self.lcr & UART_LCR_DLAB:
                return self.dll
            value = self._rx.popleft() if self._rx else 0
            self._update()
            return value
        if offset == UART_IER:
            return self.dlm if self.lcr & UART_LCR_DLAB else self.ier
        if offset == UART_IIR:
            iir = self._iir()
            if iir & 0x0F == UART_IIR_THRI:
                # Reading IIR while THRE is the source acknowledges it (16550D, table 4).
                self._thri_pending = False
                self._update()
            return iir | (UART_IIR_FIFO_BITS if self.fcr & UART_FCR_ENABLE_FIFO else 0)
        if offset == UART_LCR:
            return self.lcr
        if offset == UART_MCR:
            return self.mcr
        if offset == UART_LSR:
            return UART_LSR_THRE | UART_LSR_TEMT | (UART_LSR_DR if self._rx else 0)
        if offset == UART_MSR:
            if self.mcr & UART_MCR_LOOP:
                # Loopback: outputs DTR,RTS,OUT1,OUT2 reflect as DSR,CTS,RI,DCD.
                m = self.mcr
                return ((m & 1) << 5) | ((m & 2) << 3) | ((m & 4) << 4) | ((m & 8) << 4)
            return UART_MSR_DCD_DSR_CTS
        if offset == UART_SCR:
            return self.scr
        return 0

    def write(self, offset: int, size: int, value: int) -> None:
        value &= 0xFF
        if offset == UART_TX:
            if self.lcr & UART_LCR_DLAB:
                self.dll = value
                return
            if self.mcr & UART_MCR_LOOP:
                self.receive(bytes([value]))
            else:
                self._output(bytes([value]))
            # The byte left at once, so THR is empty again and THRE re-arms.
            self._thri_pending = True
        elif offset == UART_IER:
            if self.lcr & UART_LCR_DLAB:
                self.dlm = value
                return
            if value & UART_IER_THRI and not self.ier & UART_IER_THRI:
                self._thri_pending = True
            self.ier = value & 0x0F
        elif offset == UART_FCR:
            if value & UART_FCR_CLEAR_RCVR:
                self._rx.clear()
            self.fcr = value & 0xC9
        elif offset == UART_LCR:
            self.lcr = value
        elif offset == UART_MCR:
            self.mcr = value & 0x1F
        elif offset == UART_SCR:
            self.scr = value
        self._update()

    # Snapshots.
    def save_state(self) -> State:
        state: State = {name: getattr(self, name) for name in _REGISTERS}
        state.update(thri_pending=self._thri_pending, level=self._level, rx=bytes(self._rx).hex())
        return state

    def load_state(self, state: StateReader) -> None:
        """The registers, the receive FIFO and the line's level (the PLIC keeps its own)."""
        values = [state.number(name, 0, 0xFF) for name in _REGISTERS]
        thri, level, rx = state.flag("thri_pending"), state.flag("level"), state.blob(
            "rx", RX_FIFO_LIMIT
        )
        for name, value in zip(_REGISTERS, values, strict=True):
            setattr(self, name, value)
        self._thri_pending, self._level, self._rx = thri, level, deque(rx)

    def _iir(self) -> int:
        if self.ier & UART_IER_RDI and self._rx:
            return UART_IIR_RDI
        if self.ier & UART_IER_THRI and self._thri_pending:
            return UART_IIR_THRI
        return UART_IIR_NO_INT

    def _update(self) -> None:
        level = self._iir() != UART_IIR_NO_INT
        if level != self._level:
            self._level = level
            self._irq(level)
