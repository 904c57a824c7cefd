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

    __slots__ = ("klass", "parent", "visibility", "module_function")

    def __init__(self, klass: Any, parent: Cref | None) -> None:
        self.klass = klass
        self.parent = parent
        self.visibility = "public"
        self.module_function = False


class Frame:
    __slots__ = ("iseq", "self_", "env", "vars", "block", "method", "cref", "pc", "stack", "home",
                 "is_lambda", "label", "defined_class", "proc", "parent_frame", "parent")

    def __init__(self, iseq: Any, self_: Any, env: Env, block: Any, method: Any, cref: Cref,
                 home: Frame | None) -> None:
        self.iseq = iseq
        self.self_ = self_
        self.env = env
        self.vars = env.vars
        self.block = block
        self.method = method
        self.cref = cref
        self.pc = 0
        self.stack: list[Any] = []
        self.home = self if home is None else home
        self.is_lambda = False
        self.label: str | None = None
        self.defined_class: Any = None
        self.proc: Any = None
        self.parent_frame: Frame | None = None
        self.parent: Any = None


_new = object.__new__


def method_frame(iseq: Any, recv: Any, vars_: list[Any], block: Any, method: Any) -> Frame:
    """A method's frame, made without __init__ and serving as its own Env (vars and a
    parent of None): the call path's allocation."""
    fr: Frame = _new(Frame)
    fr.iseq = iseq
    fr.self_ = recv
    fr.env = fr  # type: ignore[assignment]
    fr.vars = vars_
    fr.parent = None
    fr.block = block
    fr.method = method
    fr.cref = method.cref
    fr.pc = 0
    fr.stack = []
    fr.home = fr
    fr.is_lambda = False
    fr.label = None
    fr.defined_class = method.owner
    fr.proc = None
    fr.parent_frame = None
    return fr


class CFrame:
    """A builtin method in the backtrace (shown with its caller's file and line)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name
