"""Machine-mode firmware, written in Python: the SBI the S-mode kernel calls with ecall."""
