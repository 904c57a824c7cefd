# mypy: disable-error-code="func-returns-value"
"""Enumerator (CRuby enumerator.c): internal iteration re-sends the method with a block;
external iteration (next, peek, rewind) runs `each` on a thread of its own that hands one
value at a time to the caller, so only one of the two ever runs (as a Fiber would).
Each side keeps its own frame stack, swapped at every hand-over."""

from __future__ import annotations

import threading
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.enumerable import pyblock
from vmforms.yarv.core.object import RObject, RSymbol
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RProc, RubyError


class REnumerator(RObject):
    __slots__ = ("receiver", "meth", "args", "ext", "size")

    def __init__(self, cls: Any, receiver: Any, meth: str, args: list[Any]) -> None:
        super().__init__(cls)
        self.receiver = receiver
        self.meth = meth
        self.args = args
        self.ext: External | None = None
        self.size: Any = None


class External:
    """A producer thread running `each`, stopped after every value until asked again."""

    def __init__(self, vm: Any, enum: REnumerator) -> None:
        self.vm = vm
        self.enum = enum
        self.go = threading.Semaphore(0)
        self.ready = threading.Semaphore(0)
        self.item: tuple[str, Any] = ("none", None)
        self.stack: list[Any] = []
        self.thread: threading.Thread | None = None
        self.peeked: tuple[str, Any] | None = None

    def _run(self) -> None:
        vm = self.vm
        self.go.acquire()
        vm.stack = self.stack

        def give(x: Any) -> Any:
            self.item = ("value", x)
            self.ready.release()
            self.go.acquire()
            vm.stack = self.stack
            return None
        try:
            result = each(vm, self.enum, pyblock(vm, give))
            self.item = ("done", result)
        except RubyError as e:
            self.item = ("error", e)
        except BaseException as e:  # noqa: BLE001 - handed to the consumer to re-raise
            self.item = ("error", e)
        self.ready.release()

    def next(self) -> Any:
        if self.peeked is not None:
            item, self.peeked = self.peeked, None
        else:
            item = self._pull()
        return self._deliver(item)

    def peek(self) -> Any:
        if self.peeked is None:
            self.peeked = self._pull()
        return self._deliver(self.peeked, keep=True)

    def _pull(self) -> tuple[str, Any]:
        vm = self.vm
        if self.item[0] in ("done", "error", "stopped"):
            return self.item
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()
        mine = vm.stack
        self.go.release()
        self.ready.acquire()
        vm.stack = mine
        return self.item

    def _deliver(self, item: tuple[str, Any], keep: bool = False) -> Any:
        kind, value = item
        if kind == "value":
            return value
        if kind == "error":
            self.item = ("stopped", None)
            raise value
        exc = self.vm.make_error("StopIteration", "iteration reached an end")
        exc.ivars = {"@result": value}
        raise RubyError(exc)


def each(vm: Any, e: REnumerator, blk: Any) -> Any:
    return vm.send(e.receiver, e.meth, *e.args, block=blk)


def enum_for(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    meth = a[0].name if a and type(a[0]) is RSymbol else "each"
    return REnumerator(vm.cObject.consts["Enumerator"], s, meth, list(a[1:]))


def e_each(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    if b is None:
        return s
    return each(vm, s, b)


def e_with_index(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    offset = a[0] if a and a[0] is not None else 0
    if b is None:
        return REnumerator(s.cls, s, "with_index", list(a))
    i = [offset]

    def step(x: Any) -> Any:
        r = vm.call_proc(b, [x, i[0]])
        i[0] += 1
        return r
    return each(vm, s, pyblock(vm, step))


def e_with_object(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    if b is None:
        return REnumerator(s.cls, s, "with_object", list(a))
    memo = a[0]
    each(vm, s, pyblock(vm, lambda x: vm.call_proc(b, [x, memo])))
    return memo


def e_next(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    if s.ext is None:
        s.ext = External(vm, s)
    return s.ext.next()


def e_peek(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    if s.ext is None:
        s.ext = External(vm, s)
    return s.ext.peek()


def e_size(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    if s.size is not None:
        return s.size
    if s.meth in ("each", "map", "each_with_index", "with_index", "select") and hasattr(
            s.receiver, "items"):
        return len(s.receiver.items)
    if s.meth == "times":
        return s.receiver
    return None


def e_inspect(vm: Any, s: REnumerator, a: list[Any], b: Any) -> Any:
    args = "(" + ", ".join(vm.inspect(x) for x in s.args) + ")" if s.args else ""
    return RString(f"#<Enumerator: {vm.inspect(s.receiver)}:{s.meth}{args}>")


class Generator(RObject):
    __slots__ = ("block",)

    def __init__(self, cls: Any) -> None:
        super().__init__(cls)
        self.block: Any = None


def g_each(vm: Any, s: Generator, a: list[Any], b: Any) -> Any:
    y = RObject(vm.cObject.consts["Enumerator"].consts["Yielder"])
    y.ivars = {"@block": b}
    return vm.call_proc(s.block, [y])


def y_yield(vm: Any, s: RObject, a: list[Any], b: Any) -> Any:
    blk = (s.ivars or {})["@block"]
    return vm.call_proc(blk, list(a))


def enum_new(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    g = Generator(vm.cObject.consts["Enumerator"].consts["Generator"])
    g.block = b
    e = REnumerator(s, g, "each", [])
    if a:
        e.size = a[0]
    return e


def install(vm: Any) -> None:
    E = vm.define_class("Enumerator")  # noqa: N806
    E.includes.append(vm.mEnumerable)
    vm.define_class("Lazy", E, under=E)
    G = vm.define_class("Generator", None, under=E)  # noqa: N806
    Y = vm.define_class("Yielder", None, under=E)  # noqa: N806
    b = vm.builtin
    b(vm.mKernel, "enum_for to_enum", enum_for)
    vm.sbuiltin(E, "new", enum_new)
    b(E, "each", e_each)
    b(E, "with_index each_with_index", e_with_index)
    b(E, "with_object each_with_object", e_with_object, 1)
    b(E, "next", e_next, 0)
    b(E, "peek", e_peek, 0)
    b(E, "rewind", lambda vm, s, a, blk: (setattr(s, "ext", None), s)[1], 0)
    b(E, "size", e_size, 0)
    b(E, "inspect to_s", e_inspect, 0)
    b(G, "each", g_each)
    install_lazy(vm)
    b(Y, "<< yield call", lambda vm, s, a, blk: (y_yield(vm, s, a, blk), s)[1]
      if a and len(a) == 1 else y_yield(vm, s, a, blk))
    _ = (RArray, RProc)


class RLazy(RObject):
    """Enumerator::Lazy: the source and the map/select/reject steps applied on demand."""

    __slots__ = ("source", "steps")

    def __init__(self, cls: Any, source: Any, steps: list[tuple[str, Any]]) -> None:
        super().__init__(cls)
        self.source = source
        self.steps = steps


def lazy_iterate(vm: Any, lz: RLazy, fn: Any) -> None:
    from vmforms.yarv.core.enumerable import iterate

    def step(x: Any) -> bool:
        for kind, blk in lz.steps:
            if kind == "map":
                x = vm.call_proc(blk, [x])
            elif kind in ("select", "reject"):
                if vm.truthy(vm.call_proc(blk, [x])) != (kind == "select"):
                    return False
            elif kind == "take_while" and not vm.truthy(vm.call_proc(blk, [x])):
                return True
        return bool(fn(x))
    iterate(vm, lz.source, step)


def install_lazy(vm: Any) -> None:
    E = vm.cObject.consts["Enumerator"]  # noqa: N806
    L = E.consts["Lazy"]  # noqa: N806
    b = vm.builtin
    b(vm.mEnumerable, "lazy", lambda vm, s, a, blk: RLazy(L, s, []), 0)
    for kind in ("map", "select", "reject", "take_while"):
        names = {"map": "map collect", "select": "select filter"}.get(kind, kind)
        b(L, names, (lambda k: lambda vm, s, a, blk: RLazy(L, s.source, s.steps + [
            (k, blk)]))(kind), 0)

    def first(vm: Any, s: RLazy, a: list[Any], blk: Any) -> Any:
        n = a[0] if a else 1
        out: list[Any] = []
        if n > 0:
            lazy_iterate(vm, s, lambda x: out.append(x) or len(out) >= n)
        return RArray(out, vm.cArray) if a else (out[0] if out else None)
    b(L, "first", first)
    b(L, "take", lambda vm, s, a, blk: RLazy(L, RArray(first(vm, s, a, blk).items,
                                                       vm.cArray), []), 1)
    b(L, "to_a force", lambda vm, s, a, blk: _lazy_all(vm, s), 0)
    b(L, "each", lambda vm, s, a, blk: lazy_iterate(vm, s, lambda x: vm.call_proc(
        blk, [x]) and False), 0)


def _lazy_all(vm: Any, s: RLazy) -> RArray:
    out: list[Any] = []
    lazy_iterate(vm, s, lambda x: out.append(x))
    return RArray(out, vm.cArray)
