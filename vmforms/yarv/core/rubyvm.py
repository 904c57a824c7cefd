"""RubyVM::InstructionSequence inside the VM: compile (by the same cached compiler),
load_from_binary (our loader), disasm (our disassembler) and eval (our interpreter), so
the seed's own `RubyVM::InstructionSequence.compile("puts 2+2").disasm` runs here too."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString
from vmforms.yarv.errors import CompileError, IseqFormatError


class RIseq(RObject):
    __slots__ = ("iseq", "binary")

    def __init__(self, cls: Any, iseq: Any, binary: bytes) -> None:
        super().__init__(cls)
        self.iseq = iseq
        self.binary = binary


def _load(vm: Any, cls: Any, binary: bytes, name: str) -> RIseq:
    from vmforms.yarv.iseq import load

    try:
        return RIseq(cls, load(binary, name).top, binary)
    except IseqFormatError as exc:
        vm.raise_error("RuntimeError", str(exc))
        raise AssertionError from None


def i_compile(vm: Any, cls: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.compiler import compile_string

    src = bytes(a[0].b) if type(a[0]) is RString else vm.to_s(a[0]).encode()
    file = vm.to_s(a[1]) if len(a) > 1 and a[1] is not None else "<compiled>"
    path = vm.to_s(a[2]) if len(a) > 2 and a[2] is not None else file
    line = a[3] if len(a) > 3 and type(a[3]) is int else 1
    try:
        binary = compile_string(src, file, path, line)
    except CompileError as exc:
        vm.raise_error("SyntaxError", str(exc))
    return _load(vm, cls, binary, file)


def i_compile_file(vm: Any, cls: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.compiler import compile_source, read_source

    path = vm.to_s(a[0])
    try:
        binary = compile_source(read_source(path), path)
    except CompileError as exc:
        vm.raise_error("SyntaxError", str(exc))
    return _load(vm, cls, binary, path)


def i_eval(vm: Any, s: RIseq, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.run import run_toplevel

    return run_toplevel(vm, s.iseq)


def install(vm: Any) -> None:
    from vmforms.yarv.disasm import disasm

    rubyvm = vm.define_class("RubyVM")
    cls = vm.define_class("InstructionSequence", None, under=rubyvm)
    vm.sbuiltin(cls, "compile new", i_compile)
    vm.sbuiltin(cls, "compile_file", i_compile_file)
    vm.sbuiltin(cls, "load_from_binary", lambda vm, c, a, blk: _load(
        vm, cls, bytes(a[0].b), "<binary>"), 1)
    b = vm.builtin
    b(cls, "disasm disassemble", lambda vm, s, a, blk: RString(disasm(s.iseq)), 0)
    b(cls, "eval", i_eval, 0)
    b(cls, "to_binary", lambda vm, s, a, blk: RString(s.binary, "ASCII-8BIT"))
    b(cls, "label", lambda vm, s, a, blk: s.iseq.label, 0)
    b(cls, "path", lambda vm, s, a, blk: s.iseq.path, 0)
    b(cls, "first_lineno", lambda vm, s, a, blk: s.iseq.first_lineno, 0)
    b(cls, "to_a", lambda vm, s, a, blk: RArray([], vm.cArray), 0)
    b(cls, "inspect", lambda vm, s, a, blk: RString(
        f"<RubyVM::InstructionSequence:{s.iseq.label.text()}@{s.iseq.path.text()}:"
        f"{s.iseq.first_lineno}>"), 0)
