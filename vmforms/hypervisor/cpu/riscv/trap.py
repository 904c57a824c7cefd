"""Exception and interrupt causes and the Trap signal (privileged spec 3.1.15, table 3.6).

`Trap` is raised by instruction semantics and caught by the engine's loop, which enters the
M- or S-mode handler as medeleg/mideleg say. It is a control-flow signal inside the CPU,
not a host error.
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
CAUSE_MACHINE_ECALL = 11
CAUSE_FETCH_PAGE_FAULT = 12
CAUSE_LOAD_PAGE_FAULT = 13
CAUSE_STORE_PAGE_FAULT = 15

# Interrupt numbers: bit positions in mip/mie, and mcause codes with the interrupt bit set.
IRQ_S_SOFT = 1
IRQ_M_SOFT = 3
IRQ_S_TIMER = 5
IRQ_M_TIMER = 7
IRQ_S_EXT = 9
IRQ_M_EXT = 11
SIP_SSIP = 1 << IRQ_S_SOFT
SIP_STIP = 1 << IRQ_S_TIMER
SIP_SEIP = 1 << IRQ_S_EXT
MIP_MSIP = 1 << IRQ_M_SOFT
MIP_MTIP = 1 << IRQ_M_TIMER
MIP_MEIP = 1 << IRQ_M_EXT
CAUSE_INTERRUPT = 1 << 63

# Among pending and enabled interrupts of one level (3.1.9): external, then software, then
# timer; M-level ones are taken before S-level ones.
IRQ_PRIORITY = (IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER)

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
