"""BasicObject, Object and Kernel: output, conversions, raise, loop, catch/throw, require,
reflection on objects (CRuby object.c, io.c rb_io_puts, eval.c, vm_eval.c)."""

from __future__ import annotations

import os
import random
import time
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject, RSymbol, intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import (
    Method,
    RClass,
    RException,
    RProc,
    RubyError,
    ThrowSignal,
)


def write(vm: Any, text: str | bytes) -> None:
    out = vm.globals.get("$stdout")
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
    if out is not None and out is not vm.stdout_obj:
        vm.send(out, "write", RString(data))
        return
    vm.out.write(data)


def puts_bytes(vm: Any, args: list[Any], seen: set[int] | None = None) -> bytes:
    if not args:
        return b"\n"
    parts = []
    for a in args:
        if type(a) is RArray:
            if seen is None:
                seen = set()
            if id(a) in seen:
                parts.append(b"[...]\n")
                continue
            seen.add(id(a))
            if a.items:
                parts.append(puts_bytes(vm, a.items, seen))
            seen.discard(id(a))
            continue
        if type(a) is RString:
            b = bytes(a.b)
        elif a is None:
            b = b""
        else:
            s = vm.send(a, "to_s")
            b = bytes(s.b) if type(s) is RString else vm.any_to_s(a).encode()
        parts.append(b if b.endswith(b"\n") else b + b"\n")
    return b"".join(parts)


def k_puts(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    write(vm, puts_bytes(vm, args))
    return None


def k_print(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    out = []
    for a in args:
        out.append(bytes(a.b) if type(a) is RString else vm.to_s(a).encode("utf-8",
                                                                           "surrogateescape"))
    write(vm, b"".join(out))
    return None


def k_p(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    write(vm, "".join(vm.inspect(a) + "\n" for a in args))
    if not args:
        return None
    return args[0] if len(args) == 1 else RArray(list(args), vm.cArray)


def k_raise(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    exc = make_exception(vm, args)
    if exc.backtrace is None:
        exc.backtrace = vm.backtrace()
    if exc.cause is None:
        cur = vm.globals.get("$!")
        if cur is not exc:
            exc.cause = cur
    raise RubyError(exc)


def make_exception(vm: Any, args: list[Any]) -> RException:
    if not args:
        cur = vm.globals.get("$!")
        if isinstance(cur, RException):
            return cur
        return vm.make_error("RuntimeError", "unhandled exception")  # type: ignore[no-any-return]
    first = args[0]
    if type(first) is RString:
        if len(args) > 1:
            vm.raise_error("TypeError", "exception class/object expected")
        return vm.make_error("RuntimeError", first.text())  # type: ignore[no-any-return]
    if isinstance(first, (RClass, RException, RObject)):
        exc = vm.send(first, "exception", *args[1:2])
        if not isinstance(exc, RException):
            vm.raise_error("TypeError", "exception object expected")
        if len(args) > 2 and type(args[2]) is RArray:
            exc.backtrace = [vm.to_s(x) for x in args[2].items]
        return exc  # type: ignore[no-any-return]
    vm.raise_error("TypeError", "exception class/object expected")
    raise AssertionError


def k_loop(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if blk is None:
        return vm.send(s, "enum_for", intern("loop"))
    try:
        while True:
            vm.call_proc(blk, [])
    except RubyError as e:
        if vm.is_a(e.exc, vm.exc_class("StopIteration")):
            return (e.exc.ivars or {}).get("@result")
        raise


def k_catch(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    tag = args[0] if args else RObject(vm.cObject)
    try:
        return vm.call_proc(blk, [tag])
    except ThrowSignal as t:
        if t.target is tag or (type(tag) is not RObject and vm.eq(t.target, tag)):
            return t.value
        raise


def k_throw(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    tag = args[0]
    raise ThrowSignal(tag, args[1] if len(args) > 1 else None)


def k_block_given(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    fr = vm.stack[-1]
    return getattr(fr, "block", None) is not None


def k_lambda(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if blk is None:
        vm.raise_error("ArgumentError", "tried to create Proc object without a block")
    if blk.iseq is not None and not blk.is_lambda:
        p = RProc(blk.iseq, blk.self_, blk.env, blk.home, blk.cref, is_lambda=True)
        p.cls, p.creator, p.outer_block = vm.cProc, blk.creator, blk.outer_block
        p.from_method = blk.from_method
        return p
    return blk


def k_proc(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if blk is None:
        vm.raise_error("ArgumentError", "tried to create Proc object without a block")
    return blk


def k_exit(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    status = 0
    if args:
        status = 0 if args[0] is True else 1 if args[0] is False else int(args[0])
    exc = vm.make_error("SystemExit", "exit")
    exc.ivars = {"@status": status}
    raise RubyError(exc)


def k_exit_bang(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    from vmforms.yarv.interp.run import SystemExitRequest

    vm.flush_out()
    raise SystemExitRequest(int(args[0]) if args and type(args[0]) is int else 0)


def k_abort(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if args:
        vm.write_err(vm.to_s(args[0]) + "\n")
    exc = vm.make_error("SystemExit", vm.to_s(args[0]) if args else "exit")
    exc.ivars = {"@status": 1}
    raise RubyError(exc)


def k_at_exit(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    vm.at_exit.append(blk)
    return blk


def k_integer(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    v = args[0]
    base = args[1] if len(args) > 1 and type(args[1]) is int else 10
    exc = not (len(args) > 1 and type(args[-1]) is RHash
               and args[-1].get(intern("exception"), True) is False)
    if type(v) is int:
        return v
    if type(v) is float:
        if v != v or v in (float("inf"), float("-inf")):
            vm.raise_error("FloatDomainError", vm.inspect(v))
        return int(v)
    if type(v) is RString:
        text = v.text().strip().replace("_", "")
        try:
            b = base
            t = text.lower()
            sign = -1 if t.startswith("-") else 1
            t = t.lstrip("+-")
            for prefix, pb in (("0x", 16), ("0b", 2), ("0o", 8)):
                if t.startswith(prefix) and base in (10, pb):
                    t, b = t[2:], pb
                    break
            else:
                if t.startswith("0") and len(t) > 1 and base == 10:
                    b = 8
            if not t:
                raise ValueError
            return sign * int(t, b)
        except ValueError:
            if not exc:
                return None
            vm.raise_error("ArgumentError", f"invalid value for Integer(): {vm.inspect(v)}")
    if v is None:
        if not exc:
            return None
        vm.raise_error("TypeError", "can't convert nil into Integer")
    return vm.send(v, "to_i")


def k_float(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    v = args[0]
    if type(v) in (int, float):
        return float(v)
    if type(v) is RString:
        text = v.text().strip().replace("_", "")
        try:
            if not text or text[-1] == "." or text[0] == ".":
                raise ValueError
            return float(text)
        except ValueError:
            vm.raise_error("ArgumentError", f"invalid value for Float(): {vm.inspect(v)}")
    if v is None:
        vm.raise_error("TypeError", "can't convert nil into Float")
    return vm.send(v, "to_f")


def k_string(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    return args[0] if type(args[0]) is RString else vm.send(args[0], "to_s")


def k_array(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    v = args[0]
    if type(v) is RArray:
        return v
    if v is None:
        return RArray([], vm.cArray)
    if type(v) is RHash:
        return RArray([RArray([k, x], vm.cArray) for k, x in v.table.values()], vm.cArray)
    if vm.respond_to(v, "to_a") and not isinstance(v, (int, float, RString)):
        return vm.send(v, "to_a")
    return RArray([v], vm.cArray)


def k_rand(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    rng = vm.rng
    if not args or args[0] is None or args[0] == 0:
        return rng.random()
    a = args[0]
    if type(a) is float:
        return rng.random() * a
    if type(a) is int:
        return rng.randrange(abs(a))
    first, last = a.first, a.last
    if type(first) is float or type(last) is float:
        return first + rng.random() * (last - first)
    return rng.randint(first, last - 1 if a.excl else last)


def k_srand(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    old = vm.seed
    vm.seed = args[0] if args else int(time.time())
    vm.rng = random.Random(vm.seed)
    return old


def k_sleep(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    start = time.time()
    if args:
        time.sleep(max(0.0, float(args[0])))
    return round(time.time() - start)


def k_gets(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    import sys

    vm.flush_out()
    line = sys.stdin.buffer.readline(1 << 24)
    value = RString(line) if line else None
    vm.globals["$_"] = value
    return value


def k_format(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    from vmforms.yarv.core.format import format_string

    return RString(format_string(vm, vm.to_s(args[0]), args[1:]))


def k_printf(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if args:
        write(vm, k_format(vm, s, args, blk).text())
    return None


def k_warn(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    if args and type(args[-1]) is RHash:
        args = args[:-1]
    if vm.verbose is not None:
        vm.flush_out()
        vm.err.write(puts_bytes(vm, args) if args else b"")
        vm.err.flush()
    return None


def k_require(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    from vmforms.yarv.interp.loader import require

    return require(vm, vm.to_s(args[0]), relative_to=None)


def k_require_relative(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    from vmforms.yarv.interp.loader import require

    fr = next(f for f in reversed(vm.stack) if hasattr(f, "iseq"))
    base = fr.iseq.realpath if isinstance(fr.iseq.realpath, RString) else fr.iseq.path
    return require(vm, vm.to_s(args[0]), relative_to=os.path.dirname(base.text()))


def k_load(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    from vmforms.yarv.interp.loader import load_file

    load_file(vm, vm.to_s(args[0]))
    return True


def k_caller(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    bt = vm.backtrace()[2:]
    return RArray([RString(x) for x in bt], vm.cArray)


def k_method_name(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    for fr in reversed(vm.stack):
        m = getattr(fr, "method", None)
        if m is not None:
            return intern(m.original_name)
    return None


def k_dir(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    fr = next(f for f in reversed(vm.stack) if hasattr(f, "iseq"))
    base = fr.iseq.realpath if isinstance(fr.iseq.realpath, RString) else fr.iseq.path
    if base is None or base.text() == "-e":
        return None
    return RString(os.path.dirname(os.path.realpath(base.text())))


def k_autoload(vm: Any, s: Any, args: list[Any], blk: Any) -> Any:
    target = s if isinstance(s, RClass) else vm.cObject
    vm.autoloads[(id(target), args[0].name)] = vm.to_s(args[1])
    return None


def install(vm: Any) -> None:
    k = vm.mKernel
    vm.stdout_obj = RObject(vm.cObject)
    vm.rng = random.Random()
    vm.seed = 0
    b = vm.builtin
    priv = "private"
    b(k, "puts", k_puts, visibility=priv)
    b(k, "print", k_print, visibility=priv)
    b(k, "p", k_p, visibility=priv)
    b(k, "pp", k_p, visibility=priv)
    b(k, "raise fail", k_raise, visibility=priv)
    b(k, "loop", k_loop, visibility=priv)
    b(k, "catch", k_catch, visibility=priv)
    b(k, "throw", k_throw, visibility=priv)
    b(k, "block_given? iterator?", k_block_given, visibility=priv)
    b(k, "lambda", k_lambda, visibility=priv)
    b(k, "proc", k_proc, visibility=priv)
    b(k, "exit", k_exit, visibility=priv)
    b(k, "exit!", k_exit_bang, visibility=priv)
    b(k, "abort", k_abort, visibility=priv)
    b(k, "at_exit", k_at_exit, visibility=priv)
    b(k, "Integer", k_integer, visibility=priv)
    b(k, "Float", k_float, visibility=priv)
    b(k, "String", k_string, 1, visibility=priv)
    b(k, "Array", k_array, 1, visibility=priv)
    b(k, "rand", k_rand, visibility=priv)
    b(k, "srand", k_srand, visibility=priv)
    b(k, "sleep", k_sleep, visibility=priv)
    b(k, "gets", k_gets, visibility=priv)
    b(k, "format sprintf", k_format, visibility=priv)
    b(k, "printf", k_printf, visibility=priv)
    b(k, "warn", k_warn, visibility=priv)
    b(k, "require", k_require, 1, visibility=priv)
    b(k, "require_relative", k_require_relative, 1, visibility=priv)
    b(k, "load", k_load, visibility=priv)
    b(k, "caller", k_caller, visibility=priv)
    b(k, "__method__", k_method_name, 0, visibility=priv)
    b(k, "__dir__", k_dir, 0, visibility=priv)
    b(k, "autoload", k_autoload, 2, visibility=priv)
    b(vm.cModule, "autoload", k_autoload, 2)
    vm.autoloads = {}
    from vmforms.yarv.core import objectmethods

    objectmethods.install(vm)
    _ = (Method, RSymbol)
