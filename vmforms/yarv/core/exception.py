# mypy: disable-error-code="func-returns-value"
"""Exception and its subclasses, as CRuby 3.1 builds them (error.c Init_Exception)."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RClass, RException

TREE = """
Exception
 NoMemoryError
 ScriptError
  LoadError
  NotImplementedError
  SyntaxError
 SecurityError
 SignalException
  Interrupt
 StandardError
  ArgumentError
   UncaughtThrowError
  EncodingError
  FiberError
  IOError
   EOFError
  IndexError
   KeyError
   StopIteration
    ClosedQueueError
  LocalJumpError
  NameError
   NoMethodError
  RangeError
   FloatDomainError
  RegexpError
  RuntimeError
   FrozenError
  SystemCallError
  ThreadError
  TypeError
  ZeroDivisionError
  NoMatchingPatternError
   NoMatchingPatternKeyError
 SystemExit
 SystemStackError
"""


def _alloc(vm: Any, cls: RClass) -> RException:
    return RException(cls, None)


def e_initialize(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    s.message = a[0] if a else None
    return None


def e_to_s(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    if s.message is None:
        return RString(vm.real_class(s).name or "")
    return s.message if type(s.message) is RString else vm.send(s.message, "to_s")


def e_inspect(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    name = vm.real_class(s).name
    msg = vm.to_s(vm.send(s, "to_s"))
    if not msg:
        return RString(name)
    return RString(f"#<{name}: {msg}>")


def e_exception(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    if not a or a[0] is s:
        return s
    import copy

    c = copy.copy(s)
    c.message = a[0]
    return c


def e_backtrace(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    if s.backtrace is None:
        return None
    return RArray([RString(x) for x in s.backtrace], vm.cArray)


def e_full_message(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.interp.run import error_message

    return RString(error_message(vm, s))


def e_eq(vm: Any, s: RException, a: list[Any], b: Any) -> Any:
    o = a[0]
    return s is o or (isinstance(o, RException) and vm.real_class(o) is vm.real_class(s)
                      and vm.eq(vm.send(s, "message"), vm.send(o, "message")))


def install(vm: Any) -> None:
    parents: list[RClass] = []
    for line in TREE.strip("\n").splitlines():
        depth = len(line) - len(line.lstrip(" "))
        name = line.strip()
        if name == "Exception":
            k = vm.cException
        else:
            k = vm.define_class(name, parents[depth - 1])
        k.builtin_type = _alloc
        del parents[depth:]
        parents.append(k)
    for name in ("CompatibilityError", "UndefinedConversionError",
                 "InvalidByteSequenceError", "ConverterNotFoundError"):
        k = vm.define_class(name, vm.exc_class("EncodingError"), under=vm.cEncoding)
        k.builtin_type = _alloc
    E = vm.cException  # noqa: N806
    b = vm.builtin
    vm.sbuiltin(E, "exception", lambda vm, s, a, blk: vm.send(s, "new", *a))
    b(E, "initialize", e_initialize, visibility="private")
    b(E, "to_s", e_to_s, 0)
    b(E, "message", lambda vm, s, a, blk: vm.send(s, "to_s"), 0)
    b(E, "detailed_message", lambda vm, s, a, blk: vm.send(s, "message"))
    b(E, "inspect", e_inspect, 0)
    b(E, "exception", e_exception)
    b(E, "backtrace", e_backtrace, 0)
    b(E, "set_backtrace", lambda vm, s, a, blk: setattr(
        s, "backtrace", [vm.to_s(x) for x in a[0].items] if type(a[0]) is RArray
        else [vm.to_s(a[0])]) or a[0], 1)
    b(E, "cause", lambda vm, s, a, blk: s.cause, 0)
    b(E, "full_message", e_full_message)
    b(E, "==", e_eq, 1)
    def ivar(name: str) -> Any:
        return lambda vm, s, a, blk: (s.ivars or {}).get(name)
    b(vm.exc_class("StopIteration"), "result", ivar("@result"), 0)
    b(vm.exc_class("NameError"), "name", ivar("@name"), 0)
    b(vm.exc_class("NameError"), "receiver", ivar("@receiver"), 0)
    b(vm.exc_class("KeyError"), "key", ivar("@key"), 0)
    b(vm.exc_class("KeyError"), "receiver", ivar("@receiver"), 0)
    b(vm.exc_class("FrozenError"), "receiver", ivar("@receiver"), 0)
    b(vm.exc_class("SystemExit"), "status", lambda vm, s, a, blk: (s.ivars or {}).get(
        "@status", 0), 0)
    b(vm.exc_class("SystemExit"), "success?", lambda vm, s, a, blk: (s.ivars or {}).get(
        "@status", 0) == 0, 0)
    b(vm.exc_class("UncaughtThrowError"), "tag", ivar("@tag"), 0)
