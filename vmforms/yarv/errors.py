"""Errors of the Ruby form: host-side failures (a malformed binary iseq, a compiler that
cannot be run) kept apart from Ruby exceptions raised by the running program."""

from __future__ import annotations

from vmforms.errors import VmformsError


class YarvError(VmformsError):
    """The base of every expected failure of the Ruby form."""


class IseqFormatError(YarvError):
    """A binary instruction sequence that breaks CRuby 3.1's format (compile.c ibf_*).

    The message names the source, the byte offset where reading failed and the problem.
    """

    def __init__(self, source: str, offset: int, problem: str) -> None:
        super().__init__(f"{source}: offset {offset}: {problem}")
        self.source = source
        self.offset = offset
        self.problem = problem


class CompileError(YarvError):
    """The Ruby compiler refused the source (a syntax error) or could not be started."""
