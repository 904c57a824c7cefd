"""Smaller pieces of the core: ENV, RUBY_VERSION and friends, ObjectSpace basics, Process
and the clock, GC (a no-op in a garbage-collected host)."""

from __future__ import annotations

import os
import time
from typing import Any

from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString


def install(vm: Any) -> None:
    install_random(vm)
    consts = vm.cObject.consts
    consts["RUBY_VERSION"] = RString("3.1.2")
    consts["RUBY_PLATFORM"] = RString("x86_64-linux-gnu")
    consts["RUBY_ENGINE"] = RString("ruby")
    consts["RUBY_PATCHLEVEL"] = 20
    consts["RUBY_RELEASE_DATE"] = RString("2022-04-12")
    consts["RUBY_COPYRIGHT"] = RString("ruby - Copyright (C) 1993-2022 Yukihiro Matsumoto")
    env = RHash(vm.cHash)
    for k, v in os.environ.items():
        key = RString(k)
        key.frozen = True
        env.put(key, RString(v))
    env.frozen = False
    consts["ENV"] = env
    etc = vm.define_module("Etc")
    vm.sbuiltin(etc, "uname", lambda vm, s, a, blk: _uname(vm), 0)
    vm.sbuiltin(etc, "nprocessors", lambda vm, s, a, blk: os.cpu_count() or 1, 0)
    process = vm.define_module("Process")
    process.consts["CLOCK_MONOTONIC"] = 1
    process.consts["CLOCK_REALTIME"] = 0
    process.consts["CLOCK_PROCESS_CPUTIME_ID"] = 2
    vm.sbuiltin(process, "clock_gettime", lambda vm, s, a, blk: time.monotonic() if a[0] == 1
                else time.process_time() if a[0] == 2 else time.time())
    vm.sbuiltin(process, "pid", lambda vm, s, a, blk: os.getpid(), 0)
    gc = vm.define_module("GC")
    vm.sbuiltin(gc, "start disable enable", lambda vm, s, a, blk: None)
    space = vm.define_module("ObjectSpace")
    vm.sbuiltin(space, "garbage_collect", lambda vm, s, a, blk: None)
    vm.sbuiltin(space, "count_objects", lambda vm, s, a, blk: RHash(vm.cHash))
    vm.sbuiltin(space, "each_object", lambda vm, s, a, blk: _each_object(vm, a, blk))
    _ = RObject


def _uname(vm: Any) -> RHash:
    """Etc.uname: the host kernel's uname(2), as CRuby's etc extension returns it."""
    u = os.uname()
    h = RHash(vm.cHash)
    for key, value in (("sysname", u.sysname), ("nodename", u.nodename),
                       ("release", u.release), ("version", u.version),
                       ("machine", u.machine)):
        h.put(vm.sym(key), RString(value))
    return h


def _each_object(vm: Any, a: list[Any], blk: Any) -> Any:
    """Classes and modules reachable from Object's constants (the heap is Python's)."""
    from vmforms.yarv.interp.objects import RClass

    if blk is None:
        return vm.send(vm.cObject.consts["ObjectSpace"], "enum_for", vm.sym("each_object"),
                       *a)
    seen: list[Any] = []
    todo = [vm.cObject]
    while todo:
        k = todo.pop()
        if k in seen:
            continue
        seen.append(k)
        todo.extend(v for v in k.consts.values() if isinstance(v, RClass))
    target = a[0] if a else None
    hits = [k for k in seen if target is None or vm.is_a(k, target)]
    for k in hits:
        vm.call_proc(blk, [k])
    return len(hits)


def install_random(vm: Any) -> None:
    """Random: a seeded generator of its own (Python's Mersenne Twister, as CRuby's)."""
    import random

    from vmforms.yarv.core.kernel import k_rand

    cls = vm.define_class("Random")

    class RRandom(RObject):
        __slots__ = ("rng", "seed")
        rng: Any
        seed: Any

    def new(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
        r = RRandom(cls)
        r.seed = a[0] if a else random.randrange(1 << 64)
        r.rng = random.Random(r.seed)
        return r

    def rand(vm: Any, s: Any, a: list[Any], blk: Any) -> Any:
        saved = vm.rng
        vm.rng = s.rng
        try:
            return k_rand(vm, s, a, blk)
        finally:
            vm.rng = saved
    vm.sbuiltin(cls, "new", new)
    vm.sbuiltin(cls, "rand", lambda vm, s, a, blk: k_rand(vm, s, a, blk))
    vm.sbuiltin(cls, "new_seed", lambda vm, s, a, blk: random.randrange(1 << 64), 0)
    vm.builtin(cls, "rand", rand)
    vm.builtin(cls, "seed", lambda vm, s, a, blk: s.seed, 0)
