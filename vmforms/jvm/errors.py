"""Errors of the language VM: host-side failures such as a malformed class file (JVMS 4.8).

Java exceptions thrown by a running program are a different thing and never derive from here.
"""

from __future__ import annotations

from vmforms.errors import VmformsError


class JvmError(VmformsError):
    """The base of every expected failure of the JVM form."""


class ClassFormatError(JvmError):
    """A class file that breaks the format of JVMS chapter 4: truncated, corrupt or not a class.

    The message names the file, the byte offset where reading failed and the problem.
    """

    def __init__(self, source: str, offset: int, problem: str) -> None:
        super().__init__(f"{source}: offset {offset}: {problem}")
        self.source = source
        self.offset = offset
        self.problem = problem


class UnsupportedClassVersionError(ClassFormatError):
    """A class file whose version this reader does not know (JVMS 4.1)."""


class ClassNotFoundError(JvmError):
    """A class name that no class-path entry or JDK module provides."""

    def __init__(self, name: str) -> None:
        super().__init__(f"class not found: {name}")
        self.name = name


class JimageError(JvmError):
    """A jimage file (the JDK's lib/modules) that cannot be read."""
