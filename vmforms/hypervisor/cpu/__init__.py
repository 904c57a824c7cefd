"""CPU backends of the hypervisor: `riscv/`, a software RV64GC hart."""
