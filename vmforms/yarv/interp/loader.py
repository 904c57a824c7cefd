"""require, require_relative and load: Ruby files found on $LOAD_PATH (the project's own
-I directories, then Debian's /usr/lib/ruby/3.1.0), compiled by the same cached compiler
path as the main program and run by the interpreter (CRuby load.c)."""

from __future__ import annotations

import os
from typing import Any

from vmforms.yarv.errors import CompileError
from vmforms.yarv.interp.run import run_toplevel

STDLIB = ("/usr/lib/ruby/3.1.0", "/usr/lib/ruby/vendor_ruby", "/usr/lib/ruby/site_ruby")
# Features CRuby provides in C or that are built into this VM: requiring them loads nothing.
BUILTIN_FEATURES = frozenset(("enumerator", "thread", "rational", "complex", "fiber",
                              "etc", "etc.so", "set.so"))


def _resolve(vm: Any, name: str, relative_to: str | None) -> str | None:
    candidates = []
    base = name if name.endswith(".rb") else name + ".rb"
    if relative_to is not None:
        candidates.append(os.path.join(relative_to, base))
    elif os.path.isabs(name) or name.startswith(("./", "../")):
        candidates.append(os.path.abspath(base))
    else:
        for d in list(vm.load_path) + list(STDLIB):
            candidates.append(os.path.join(d, base))
    for c in candidates:
        if os.path.isfile(c):
            return os.path.realpath(c)
    return None


def require(vm: Any, name: str, relative_to: str | None) -> bool:
    """Load a feature once; `require` or `require_relative` shows in backtraces."""
    from vmforms.yarv.interp.frame import CFrame

    vm.stack.append(CFrame("require" if relative_to is None else "require_relative"))
    try:
        return _require(vm, name, relative_to)
    finally:
        vm.stack.pop()


def _require(vm: Any, name: str, relative_to: str | None) -> bool:
    if name in BUILTIN_FEATURES or name.removesuffix(".rb") in BUILTIN_FEATURES:
        return False
    path = _resolve(vm, name, relative_to)
    if path is None:
        shown = os.path.join(relative_to, name) if relative_to is not None else name
        exc = vm.make_error("LoadError", f"cannot load such file -- {shown}")
        from vmforms.yarv.interp.objects import RubyError

        raise RubyError(exc)
    if path in vm.loaded:
        return False
    vm.loaded.add(path)
    load_file(vm, path)
    return True


def load_file(vm: Any, path: str) -> None:
    from vmforms.yarv.compiler import compile_source, read_source
    from vmforms.yarv.iseq import load

    try:
        source = read_source(path)
        binary = compile_source(source, path)
    except CompileError as exc:
        vm.raise_error("SyntaxError" if "syntax" in str(exc) else "LoadError", str(exc))
    run_toplevel(vm, load(binary, path).top, "<top (required)>")
