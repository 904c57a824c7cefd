"""Control frames and environments, as CRuby's rb_control_frame_t and its env (vm_core.h).

An Env holds one scope's local variables; a block's Env points at the Env of the scope it
was written in (getlocal's level walks that chain). A Frame is one activation: its iseq,
self, Env, block, lexical class (cref), operand stack and pc.
"""

from __future__ import annotations

from typing import Any


class Env:
    __slots__ = ("vars", "parent")

    def __init__(self, vars_: list[Any], parent: Env | None) -> None:
        self.vars = vars_
        self.parent = parent


class Cref:
    """The lexical scope: the class `def` and constants refer to, and the enclosing one."""

    __slots__ = ("klass", "parent", "visibility", "module_function", "refinements")

    def __init__(self, klass: Any, parent: Cref | None) -> None:
        self.klass = klass
        self.parent = parent
        self.visibility = "public"
        self.module_function = False
        self.refinements: list[Any] | None = None  # activated by `using` (refine.py)


class _OwnEnv:
    """Frame.env of a method's frame: the frame itself, given by the class (a non-data
    descriptor, which an instance's own env overrides) rather than stored: a frame that
    referred to itself would be a reference cycle, left for the cyclic garbage collector
    instead of freed when its call returns."""

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        return obj


class Frame:
    """One activation. A method's frame is its own Env (env is the frame, with vars and a
    parent of None), saving an allocation per call; blocks and others have an Env.

    No __slots__: the fields most frames never change are class attributes (their
    defaults), so making a frame stores only the seven that differ, about a third faster
    per call than storing all sixteen; and no frame refers to itself (see _OwnEnv)."""

    env: Any = _OwnEnv()
    pc = 0
    parent: Any = None
    is_lambda = False
    label: str | None = None
    defined_class: Any = None
    proc: Any = None
    parent_frame: Frame | None = None

    def __init__(self, iseq: Any, self_: Any, env: Env | None, block: Any, method: Any,
                 cref: Cref, home: Frame | None, vars_: list[Any] | None = None) -> None:
        self.iseq = iseq
        self.self_ = self_
        self.vars: list[Any]
        if env is None:
            self.vars = vars_  # type: ignore[assignment]
        else:
            self.env = env
            self.vars = env.vars
        self.block = block
        self.method = method
        self.cref = cref
        self.stack: list[Any] = []


class CFrame:
    """A builtin method in the backtrace (shown with its caller's file and line)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
