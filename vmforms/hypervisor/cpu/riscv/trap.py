"""Exception and interrupt causes and the Trap signal (privileged spec 4.1.9, table 4.2).

`Trap` is raised by instruction semantics and caught by the engine's loop, which enters the
S-mode handler. It is a control-flow signal inside the CPU, not a host error.
"""

# scause exception codes
CAUSE_MISALIGNED_FETCH = 0
CAUSE_FETCH_ACCESS = 1
CAUSE_ILLEGAL_INSTRUCTION = 2
CAUSE_BREAKPOINT = 3
CAUSE_MISALIGNED_LOAD = 4
CAUSE_LOAD_ACCESS = 5
CAUSE_MISALIGNED_STORE = 6
CAUSE_STORE_ACCESS = 7
CAUSE_USER_ECALL = 8
CAUSE_SUPERVISOR_ECALL = 9
CAUSE_FETCH_PAGE_FAULT = 12
CAUSE_LOAD_PAGE_FAULT = 13
CAUSE_STORE_PAGE_FAULT = 15

# Interrupt numbers: bit positions in sip/sie, and scause codes with the interrupt bit set.
IRQ_S_SOFT = 1
IRQ_S_TIMER = 5
IRQ_S_EXT = 9
SIP_SSIP = 1 << IRQ_S_SOFT
SIP_STIP = 1 << IRQ_S_TIMER
SIP_SEIP = 1 << IRQ_S_EXT
CAUSE_INTERRUPT = 1 << 63

# Among pending and enabled S-level interrupts, SEI wins over SSI, which wins over STI.
IRQ_PRIORITY = (IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER)

# Access kinds, used to pick the fault cause for a failed translation or bus access.
ACCESS_FETCH = 0
ACCESS_LOAD = 1
ACCESS_STORE = 2

PAGE_FAULT = (CAUSE_FETCH_PAGE_FAULT, CAUSE_LOAD_PAGE_FAULT, CAUSE_STORE_PAGE_FAULT)
ACCESS_FAULT = (CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS)


class Trap(Exception):  # noqa: N818 - the spec's word for it
    """A synchronous exception: its scause code and the value for stval."""

    __slots__ = ("cause", "tval")

    def __init__(self, cause: int, tval: int = 0) -> None:
        self.cause = cause
        self.tval = tval
