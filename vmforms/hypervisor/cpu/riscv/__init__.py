"""A software RISC-V hart: RV64IMAFDC + Zicsr + Zifencei in S and U mode, Sv39.

See the RISC-V unprivileged ISA (20191213) and privileged architecture (20211203) manuals.
"""

from vmforms.hypervisor.cpu.riscv.cpu import ENGINES, Cpu, Firmware
from vmforms.hypervisor.cpu.riscv.mmu import Bus
from vmforms.hypervisor.cpu.riscv.trap import IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER, Trap

__all__ = ["ENGINES", "IRQ_S_EXT", "IRQ_S_SOFT", "IRQ_S_TIMER", "Bus", "Cpu", "Firmware", "Trap"]
