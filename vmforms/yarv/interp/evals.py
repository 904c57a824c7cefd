"""eval, instance_eval and class_eval of strings, and Binding (CRuby vm_eval.c eval_string
with a binding, proc.c Binding).

The code is compiled by the same compiler path as every file (ruby as the compiler, the
binary cached by content hash): as the body of a block written inside a scope that
declares the caller's visible local variables, so that the compiler resolves them as
outer locals (getlocal with level 1). At run time that outer scope is a view of the
caller's own variables, level by level, so reads and assignments reach them, as in CRuby;
variables the code introduces stay its own (or its Binding's, as ruby keeps them)."""

from __future__ import annotations

import re
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.errors import CompileError, IseqFormatError
from vmforms.yarv.interp.frame import CFrame, Env, Frame
from vmforms.yarv.interp.loop import execute

_NAME = re.compile(r"[a-z_][A-Za-z0-9_]*\Z")


class Slots:
    """A scope's variables seen through another: index -> (container, key)."""

    __slots__ = ("cells",)

    def __init__(self, cells: list[tuple[Any, Any]]) -> None:
        self.cells = cells

    def __getitem__(self, i: int) -> Any:
        container, key = self.cells[i]
        return container[key]

    def __setitem__(self, i: int, value: Any) -> None:
        container, key = self.cells[i]
        container[key] = value

    def __len__(self) -> int:
        return len(self.cells)


class RBinding(RObject):
    """A Binding: the frame's self, lexical scope and variables, and the variables its
    evals introduced."""

    __slots__ = ("self_", "env", "iseq", "cref", "method", "block", "label", "extra")

    def __init__(self, cls: Any, f: Frame, label: str) -> None:
        super().__init__(cls)
        self.self_ = f.self_
        self.env = f.env
        self.iseq = f.iseq
        self.cref = f.cref
        self.method = f.method
        self.block = f.block
        self.label = label
        self.extra: dict[str, Any] = {}


def caller_frame(vm: Any) -> Frame:
    for fr in reversed(vm.stack):
        if isinstance(fr, Frame):
            return fr
    vm.raise_error("RuntimeError", "no Ruby frame to evaluate in")
    raise AssertionError


def binding_of(vm: Any, f: Frame) -> RBinding:
    from vmforms.yarv.interp.vm import frame_label

    cls = vm.cObject.consts.get("Binding") or vm.define_class("Binding")
    return RBinding(cls, f, frame_label(f))


def variables(b: RBinding) -> dict[str, tuple[Any, Any]]:
    """Name -> (container, key) of every local variable the binding sees, innermost
    first (an inner variable hides an outer one of the same name)."""
    out: dict[str, tuple[Any, Any]] = {}
    iseq: Any = b.iseq
    env: Any = b.env
    while iseq is not None and env is not None:
        for i, sym in enumerate(iseq.local_table):
            if type(sym) is RSymbol and _NAME.match(sym.name) and sym.name not in out \
                    and i < len(env.vars):
                out[sym.name] = (env.vars, i)
        iseq, env = iseq.parent, env.parent
    for name in b.extra:
        out.setdefault(name, (b.extra, name))
    return out


def _compile(vm: Any, code: bytes, names: list[str], file: str, line: int) -> Any:
    """The block iseq of `<names> = nil; proc do <code>\\nend`, cached per source."""
    from vmforms.yarv.compiler import compile_string
    from vmforms.yarv.iseq import load

    decl = (" = ".join(names) + " = nil; ") if names else ""
    src = decl.encode() + b"proc do " + code + b"\nend\n"
    cache = vm.__dict__.setdefault("_eval_cache", {})
    key = (src, file, line)
    found = cache.get(key)
    if found is not None:
        return found
    try:
        binary = compile_string(src, file, file, line)
        loaded = load(binary, file)
    except CompileError:
        # the message of the code as written, not of the wrapper around it
        try:
            compile_string(code, file, file, line)
        except CompileError as exc:
            vm.raise_error("SyntaxError", str(exc))
        vm.raise_error("SyntaxError", f"{file}:{line}: this code cannot be evaluated "
                       "inside a method's scope here")
    except IseqFormatError as exc:
        vm.raise_error("RuntimeError", str(exc))
    top = loaded.top
    body = next(i for i in loaded.iseqs if i.type == "block" and i.parent is top)
    cache[key] = (top, body)
    if len(cache) > 512:
        cache.pop(next(iter(cache)))
    return top, body


def eval_in(vm: Any, code: Any, b: RBinding, file: str, line: int, self_: Any = None,
            cref: Any = None, name: str = "eval", keep: bool = False) -> Any:
    """Run code (a String) in binding b; self_ and cref replace the binding's (for
    instance_eval and class_eval). keep: the variables it introduces stay in b."""
    if type(code) is not RString:
        vm.raise_error("TypeError", f"no implicit conversion of {vm.real_class(code).name} "
                       "into String")
    seen = variables(b)
    names = list(seen)
    top, body = _compile(vm, bytes(code.b), names, file, line)
    cells = []
    for sym in top.local_table:
        cell = seen.get(sym.name) if type(sym) is RSymbol else None
        cells.append(cell if cell is not None else ([None], 0))
    outer = Env(Slots(cells), None)  # type: ignore[arg-type]
    f = Frame(body, b.self_ if self_ is None else self_,
              Env([None] * len(body.local_table), outer), b.block, b.method,
              b.cref if cref is None else cref, None)
    f.label = b.label
    vm.stack.append(CFrame(name))
    try:
        result = execute(vm, f)
    finally:
        vm.stack.pop()
    if keep:
        for i, sym in enumerate(body.local_table):
            if type(sym) is RSymbol and _NAME.match(sym.name):
                b.extra[sym.name] = f.env.vars[i]
    return result


def _file_line(vm: Any, a: list[Any], at: int) -> tuple[str, int]:
    file = vm.to_s(a[at]) if len(a) > at and a[at] is not None else "(eval)"
    line = a[at + 1] if len(a) > at + 1 and type(a[at + 1]) is int else 1
    return file, line


def k_eval(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
    if not 1 <= len(a) <= 4:
        vm.arg_error(len(a), "1..4")
    given = a[1] if len(a) > 1 else None
    if given is not None and type(given) is not RBinding:
        vm.raise_error("TypeError", f"wrong argument type {vm.real_class(given).name} "
                       "(expected binding)")
    b = given if given is not None else binding_of(vm, caller_frame(vm))
    file, line = _file_line(vm, a, 2)
    return eval_in(vm, a[0], b, file, line, keep=given is not None)


def string_eval(vm: Any, s: Any, a: list[Any], name: str) -> Any:
    """instance_eval / class_eval of a string: self is s, definitions go to s's singleton
    class (instance_eval) or to s (class_eval); the caller's variables are visible."""
    from vmforms.yarv.interp.frame import Cref

    b = binding_of(vm, caller_frame(vm))
    if name != "instance_eval":
        target = s
    elif isinstance(s, RObject):
        target = vm.singleton_class(s)
    else:
        target = vm.class_of(s)
    file, line = _file_line(vm, a, 1)
    return eval_in(vm, a[0], b, file, line, self_=s, cref=Cref(target, b.cref), name=name)


def install(vm: Any) -> None:
    binding = vm.cObject.consts.get("Binding") or vm.define_class("Binding")
    k = vm.mKernel
    vm.builtin(k, "eval", k_eval, visibility="private")
    vm.builtin(k, "binding", lambda vm, s, a, blk: binding_of(vm, caller_frame(vm)), 0,
               visibility="private")
    bb = vm.builtin
    bb(binding, "local_variables", lambda vm, s, a, blk: RArray(
        [intern(n) for n in variables(s)], vm.cArray), 0)
    bb(binding, "local_variable_get", _lv_get, 1)
    bb(binding, "local_variable_set", _lv_set, 2)
    bb(binding, "local_variable_defined?", lambda vm, s, a, blk: _lv_name(vm, a[0]) in
       variables(s), 1)
    bb(binding, "receiver", lambda vm, s, a, blk: s.self_, 0)
    bb(binding, "eval", lambda vm, s, a, blk: eval_in(
        vm, a[0], s, *_file_line(vm, a, 1), keep=True))
    bb(binding, "source_location", lambda vm, s, a, blk: RArray(
        [s.iseq.path, s.iseq.first_lineno], vm.cArray), 0)


def _lv_name(vm: Any, v: Any) -> str:
    return v.name if type(v) is RSymbol else vm.to_s(v)


def _lv_get(vm: Any, s: RBinding, a: list[Any], blk: Any) -> Any:
    name = _lv_name(vm, a[0])
    cell = variables(s).get(name)
    if cell is None:
        vm.raise_name_error(f"local variable `{name}' is not defined for "
                            f"{vm.inspect(s)}", name)
    container, key = cell  # type: ignore[misc]
    return container[key]


def _lv_set(vm: Any, s: RBinding, a: list[Any], blk: Any) -> Any:
    name = _lv_name(vm, a[0])
    container, key = variables(s).get(name, (s.extra, name))
    container[key] = a[1]
    return a[1]
