"""`vmforms yarv FILE.yarb`: disassemble a binary iseq as CRuby 3.1's disasm prints it."""

from vmforms.cli.ruby import yarv_main as main

__all__ = ["main"]
