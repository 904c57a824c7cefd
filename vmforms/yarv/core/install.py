# mypy: disable-error-code="func-returns-value"
"""Puts the core library into a fresh VM: every core class's methods, the VM core object
that some instructions call (alias, undef, hash merging), Math, and the IO objects."""

from __future__ import annotations

import math
import sys
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.core.string import RString


def _core_methods(vm: Any) -> None:
    """RubyVM::FrozenCore's methods (vm.c m_core_*), reached by putspecialobject 1."""
    from vmforms.yarv.core.module import alias

    core_cls = vm.new_class(vm.cObject, None, None)
    vm.core = RObject(core_cls)
    b = vm.builtin
    b(core_cls, "core#set_method_alias", lambda vm, s, a, blk: alias(
        vm, a[0], a[1].name, a[2].name), 3)
    b(core_cls, "core#set_variable_alias", lambda vm, s, a, blk: vm.globals.__setitem__(
        a[0].name, vm.gvar_get(a[1].name)), 2)
    b(core_cls, "core#undef_method", lambda vm, s, a, blk: _undef(vm, a[0], a[1].name), 2)
    b(core_cls, "core#hash_merge_ptr", lambda vm, s, a, blk: _merge_ptr(vm, a), -1)
    b(core_cls, "core#hash_merge_kwd", lambda vm, s, a, blk: _merge_kwd(vm, a), -1)
    b(core_cls, "core#set_postexe", lambda vm, s, a, blk: vm.at_exit.append(blk), 0)
    b(core_cls, "core#raise", lambda vm, s, a, blk: vm.send(vm.main, "raise", *a), -1)
    b(core_cls, "core#sprintf", lambda vm, s, a, blk: vm.send(vm.main, "format", *a), -1)
    b(core_cls, "lambda", lambda vm, s, a, blk: vm.send(vm.main, "lambda", block=blk), 0)
    b(core_cls, "make_shareable", lambda vm, s, a, blk: a[0], 1)


def _user_keys(vm: Any) -> None:
    from vmforms.yarv.core import hash as hash_mod

    builtin_hash = vm.mKernel.methods["hash"]

    def key(obj: Any) -> Any:
        m = vm.find_method(vm.class_of(obj), "hash")
        if m is None or m is builtin_hash:
            return obj
        h = vm.send(obj, "hash")
        return hash_mod.UserKey(vm, obj, hash(h) if type(h) is int else id(obj))
    hash_mod.CUSTOM = key


def _undef(vm: Any, klass: Any, name: str) -> None:
    from vmforms.yarv.interp.objects import Method

    klass.methods[name] = Method(name, klass)
    vm.serial += 1


def _merge_ptr(vm: Any, a: list[Any]) -> Any:
    h = a[0]
    for i in range(1, len(a), 2):
        h.put(a[i], a[i + 1])
    return h


def _merge_kwd(vm: Any, a: list[Any]) -> Any:
    h = a[0]
    other = a[1]
    if type(other) is not RHash:
        other = vm.send(other, "to_hash")
    for k, v in other.table.values():
        h.put(k, v)
    return h


def _math(vm: Any) -> None:
    m = vm.define_module("Math")
    vm.define_class("DomainError", vm.exc_class("ArgumentError"), under=m)
    m.consts["PI"] = math.pi
    m.consts["E"] = math.e

    def fn(name: str, f: Any) -> None:
        def call(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
            args = []
            for x in a:
                if type(x) not in (int, float):
                    if x is None or type(x) is RString:
                        vm.raise_error("TypeError", f"can't convert {vm.type_name(x)} "
                                       "into Float")
                    x = vm.send(x, "to_f")
                args.append(float(x))
            try:
                return f(*args)
            except (ValueError, OverflowError):
                vm.raise_error("Math::DomainError",
                               f'Numerical argument is out of domain - "{name}"')
        vm.sbuiltin(m, name, call)
    for name in ("sin", "cos", "tan", "asin", "acos", "atan", "exp", "sinh", "cosh",
                 "tanh", "erf", "erfc", "gamma"):
        fn(name, getattr(math, name))
    fn("sqrt", math.sqrt)
    fn("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x))
    fn("atan2", math.atan2)
    fn("hypot", math.hypot)
    fn("log", lambda x, b=None: (math.log(x) if b is None else math.log(x) / math.log(b))
       if x > 0 else (-math.inf if x == 0 else math.log(x)))
    fn("log2", lambda x: math.log2(x) if x > 0 else (-math.inf if x == 0 else math.log2(x)))
    fn("log10", lambda x: math.log10(x) if x > 0 else (-math.inf if x == 0 else
                                                        math.log10(x)))
    fn("pow", math.pow)


def _io(vm: Any) -> None:
    from vmforms.yarv.core.kernel import puts_bytes, write

    io = vm.define_class("IO")
    out = RObject(io)
    err = RObject(io)
    vm.stdout_obj = out
    vm.globals["$stdout"] = out
    vm.globals["$stderr"] = err
    vm.cObject.consts["STDOUT"] = out
    vm.cObject.consts["STDERR"] = err
    stdin = RObject(io)
    vm.globals["$stdin"] = stdin
    vm.cObject.consts["STDIN"] = stdin

    def target(s: Any) -> Any:
        return vm.err if s is err else vm.out

    def w(vm: Any, s: Any, data: bytes) -> None:
        if s is err:
            vm.flush_out()
            vm.err.write(data)
            vm.err.flush()
        elif s is out:
            vm.out.write(data)
        else:
            write(vm, data)

    def to_b(v: Any) -> bytes:
        return bytes(v.b) if type(v) is RString else vm.to_s(v).encode("utf-8",
                                                                        "surrogateescape")
    b = vm.builtin
    b(io, "puts", lambda vm, s, a, blk: w(vm, s, puts_bytes(vm, a)))
    b(io, "print", lambda vm, s, a, blk: w(vm, s, b"".join(to_b(x) for x in a)))
    b(io, "write", lambda vm, s, a, blk: (w(vm, s, b"".join(to_b(x) for x in a)),
                                          sum(len(to_b(x)) for x in a))[1])
    b(io, "<<", lambda vm, s, a, blk: (w(vm, s, to_b(a[0])), s)[1], 1)
    b(io, "printf", lambda vm, s, a, blk: w(vm, s, to_b(vm.send(vm.main, "format", *a))))
    b(io, "p", lambda vm, s, a, blk: w(vm, s, "".join(vm.inspect(x) + "\n" for x in a)
                                       .encode()))
    b(io, "flush", lambda vm, s, a, blk: (target(s).flush(), s)[1], 0)
    b(io, "sync", lambda vm, s, a, blk: True, 0)
    b(io, "sync=", lambda vm, s, a, blk: a[0], 1)
    b(io, "fileno", lambda vm, s, a, blk: 2 if s is err else 1, 0)
    b(io, "tty? isatty", lambda vm, s, a, blk: False, 0)
    b(io, "gets", lambda vm, s, a, blk: vm.send(vm.main, "gets"), 0)
    b(io, "read", lambda vm, s, a, blk: RString(sys.stdin.buffer.read(256 << 20)), 0)
    b(io, "each_line", lambda vm, s, a, blk: [vm.call_proc(blk, [RString(line)]) for line in
                                              sys.stdin.buffer] and s, 0)
    _ = sys


def install_all(vm: Any) -> None:
    from vmforms.yarv.core import (
        arraymethods,
        encmethods,
        enumerable,
        exception,
        hashmethods,
        integer,
        kernel,
        module,
        proc,
        rangemethods,
        regexp_methods,
        strmethods,
    )

    exception.install(vm)
    kernel.install(vm)
    module.install(vm)
    integer.install(vm)
    strmethods.install(vm)
    arraymethods.install(vm)
    hashmethods.install(vm)
    rangemethods.install(vm)
    enumerable.install(vm)
    regexp_methods.install(vm)
    encmethods.install(vm)
    proc.install(vm)
    _core_methods(vm)
    _user_keys(vm)
    _math(vm)
    _io(vm)
    from vmforms.yarv.core import enumerator, extras, file, rational, struct, thread, time

    file.install(vm)
    from vmforms.yarv.core import rubyvm

    rubyvm.install(vm)
    rational.install(vm)
    struct.install(vm)
    thread.install(vm)
    time.install(vm)
    enumerator.install(vm)
    extras.install(vm)
    from vmforms.yarv.core import marshal_load

    marshal_load.install(vm)
    from vmforms.yarv.interp import evals

    evals.install(vm)
    from vmforms.yarv.interp import refine

    refine.install(vm)
    _ = (RArray, RSymbol)
