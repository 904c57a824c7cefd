"""Form 2, the hypervisor: virtual hardware on which the guest brings its own kernel.

The RISC-V board follows QEMU's `virt` layout; the CPU lives in `cpu/riscv/`.
"""
