"""Errors of the container form. Exit codes follow Docker's: 125 for the runtime's own
failures, 126 when the command cannot be invoked, 127 when it is not found."""

from vmforms.errors import VmformsError


class ContainerError(VmformsError):
    """A failure of the container runtime or engine itself (Docker's exit status 125)."""

    exit_code = 125


class ImageNotFound(ContainerError):
    pass


class ImageError(ContainerError):
    """A malformed or hostile image: bad JSON, a digest mismatch, a path escaping the layer."""


class ContainerNotFound(ContainerError):
    pass


class NameInUse(ContainerError):
    pass


class InvalidOption(ContainerError):
    """A command-line value or OCI config field that cannot be used."""


class CommandNotFound(ContainerError):
    exit_code = 127


class CommandNotInvokable(ContainerError):
    exit_code = 126


class RuntimeFailure(ContainerError):
    """An operation of the OCI runtime refused or failed; runc exits 1 for all of them."""

    exit_code = 1


class CgroupError(ContainerError):
    """A cgroup could not be created, configured, joined, signalled or removed."""


class CgroupNotFound(CgroupError):
    """No directory of the named cgroup exists in any hierarchy."""
