"""The interpreter's runtime objects: classes and modules, methods, procs, exceptions, and the
Python exceptions that carry Ruby's non-local exits (raise, break, next, return, throw)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.object import RObject


class RClass(RObject):
    """A class or module. `ancestors` is computed on demand from superclass and includes,
    then cached until any class changes (vm.serial)."""

    __slots__ = ("name", "superclass", "methods", "consts", "is_module", "includes",
                 "prepends", "is_singleton", "attached", "lexical_parent", "cvars",
                 "mcache", "mro_cache", "extended", "builtin_type")

    def __init__(self, name: str | None, superclass: RClass | None, *, is_module: bool = False,
                 meta: Any = None) -> None:
        super().__init__(meta)
        self.name = name
        self.superclass = superclass
        self.methods: dict[str, Any] = {}
        self.consts: dict[str, Any] = {}
        self.is_module = is_module
        self.includes: list[RClass] = []
        self.prepends: list[RClass] = []
        self.is_singleton = False
        self.attached: Any = None
        self.lexical_parent: RClass | None = None
        self.cvars: dict[str, Any] = {}
        self.mcache: dict[str, Any] = {}
        self.mro_cache: list[RClass] | None = None
        self.builtin_type: Any = None

    def __repr__(self) -> str:
        return f"RClass({self.name})"


class Method:
    """A method entry: an iseq's or a builtin's (fn(vm, self, args, block) -> value)."""

    __slots__ = ("name", "iseq", "fn", "owner", "visibility", "arity", "original_name", "cref")

    def __init__(self, name: str, owner: RClass, *, iseq: Any = None, fn: Any = None,
                 visibility: str = "public", arity: int = -1) -> None:
        self.name = name
        self.original_name = name
        self.iseq = iseq
        self.fn = fn
        self.owner = owner
        self.visibility = visibility
        self.arity = arity
        self.cref: Any = None


class RProc(RObject):
    """A block or proc: code (an iseq, or a Python callable for Symbol#to_proc and method
    objects), the self and environment it closes over, and the frame a `return` leaves."""

    __slots__ = ("iseq", "self_", "env", "is_lambda", "home", "fn", "cref", "from_method",
                 "creator", "outer_block")

    def __init__(self, iseq: Any, self_: Any, env: Any, home: Any, cref: Any,
                 is_lambda: bool = False, fn: Any = None) -> None:
        super().__init__(None)
        self.iseq = iseq
        self.self_ = self_
        self.env = env
        self.home = home
        self.cref = cref
        self.is_lambda = is_lambda
        self.fn = fn
        self.from_method: Any = None
        self.creator: Any = None
        self.outer_block: Any = None


class RException(RObject):
    __slots__ = ("message", "backtrace", "cause")

    def __init__(self, cls: RClass, message: Any) -> None:
        super().__init__(cls)
        self.message = message
        self.backtrace: list[str] | None = None
        self.cause: Any = None


class RubyError(Exception):
    """A Ruby exception unwinding the Python stack."""

    def __init__(self, exc: RException) -> None:
        super().__init__()
        self.exc = exc


class Signal(Exception):  # noqa: N818 - Ruby's non-local exits, not errors
    """break / next / return / retry / throw travelling to the frame that handles it."""

    def __init__(self, target: Any, value: Any) -> None:
        super().__init__()
        self.target = target
        self.value = value


class BreakSignal(Signal):
    pass


class NextSignal(Signal):
    pass


class ReturnSignal(Signal):
    pass


class RetrySignal(Signal):
    pass


class ThrowSignal(Signal):
    """Kernel#throw: target is the tag object."""


class StopIterationSignal(Exception):  # noqa: N818
    pass
