"""The root of every expected error; each form derives its own base from it.

The CLI prints an expected error as one line on stderr and exits with `exit_code`;
anything else is a bug and keeps its traceback.
"""


class VmformsError(Exception):
    """An expected failure: bad input, a missing resource, a refused operation."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
