"""CRuby 3.1's binary instruction sequence format (RubyVM::InstructionSequence#to_binary)."""

from vmforms.yarv.iseq.loader import CallInfo, CatchEntry, Iseq, IseqFile, Keyword, load

__all__ = ["CallInfo", "CatchEntry", "Iseq", "IseqFile", "Keyword", "load"]
