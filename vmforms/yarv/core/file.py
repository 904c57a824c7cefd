"""File and Dir basics (CRuby file.c, dir.c): path names, whole-file read and write,
existence tests, directory listings. Reads are bounded."""

from __future__ import annotations

import os
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.object import intern
from vmforms.yarv.core.string import RString

MAX_READ = 256 << 20


def _path(vm: Any, v: Any) -> str:
    if type(v) is RString:
        return v.text()  # type: ignore[no-any-return]
    return vm.to_s(vm.send(v, "to_path") if vm.respond_to(v, "to_path") else v)  # type: ignore


def _errno(vm: Any, exc: OSError, path: str) -> Any:
    names = {2: "ENOENT", 13: "EACCES", 21: "EISDIR", 20: "ENOTDIR", 17: "EEXIST"}
    name = names.get(exc.errno or 0, "EIO")
    msg = {"ENOENT": "No such file or directory", "EACCES": "Permission denied",
           "EISDIR": "Is a directory", "ENOTDIR": "Not a directory",
           "EEXIST": "File exists"}.get(name, exc.strerror or "I/O error")
    vm.raise_error(f"Errno::{name}", f"{msg} @ rb_sysopen - {path}")


def f_read(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    path = _path(vm, a[0])
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_READ + 1)
    except OSError as exc:
        return _errno(vm, exc, path)
    if len(data) > MAX_READ:
        vm.raise_error("IOError", f"{path}: file larger than {MAX_READ} bytes")
    return RString(data)


def f_write(vm: Any, s: Any, a: list[Any], b: Any) -> Any:
    path = _path(vm, a[0])
    data = bytes(a[1].b) if type(a[1]) is RString else vm.to_s(a[1]).encode()
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as exc:
        return _errno(vm, exc, path)
    return len(data)


def install(vm: Any) -> None:
    io = vm.cObject.consts["IO"]
    F = vm.define_class("File", io)  # noqa: N806
    D = vm.define_class("Dir")  # noqa: N806
    errno = vm.define_module("Errno")
    sce = vm.exc_class("SystemCallError")
    for name in ("ENOENT", "EACCES", "EISDIR", "ENOTDIR", "EEXIST", "EIO"):
        vm.define_class(name, sce, under=errno)
    F.consts["SEPARATOR"] = RString("/")
    s = vm.sbuiltin
    s(F, "basename", lambda vm, c, a, blk: RString(_basename(_path(vm, a[0]), a[1:])))
    s(F, "dirname", lambda vm, c, a, blk: RString(os.path.dirname(_path(vm, a[0])) or "."), 1)
    s(F, "extname", lambda vm, c, a, blk: RString(_ext(_path(vm, a[0]))), 1)
    s(F, "join", lambda vm, c, a, blk: RString("/".join(
        _path(vm, x).rstrip("/") if i < len(a) - 1 else _path(vm, x)
        for i, x in enumerate(a))))
    s(F, "expand_path absolute_path", lambda vm, c, a, blk: RString(os.path.abspath(
        os.path.join(_path(vm, a[1]) if len(a) > 1 else os.getcwd(),
                     os.path.expanduser(_path(vm, a[0]))))))
    s(F, "exist?", lambda vm, c, a, blk: os.path.exists(_path(vm, a[0])), 1)
    s(F, "file?", lambda vm, c, a, blk: os.path.isfile(_path(vm, a[0])), 1)
    s(F, "directory?", lambda vm, c, a, blk: os.path.isdir(_path(vm, a[0])), 1)
    s(F, "size", lambda vm, c, a, blk: os.path.getsize(_path(vm, a[0])), 1)
    s(F, "read", f_read)
    s(F, "readlines", lambda vm, c, a, blk: RArray(_lines(vm, c, a), vm.cArray))
    s(io, "foreach", f_foreach)
    s(F, "write", f_write)
    s(D, "pwd getwd", lambda vm, c, a, blk: RString(os.getcwd()), 0)
    s(D, "exist?", lambda vm, c, a, blk: os.path.isdir(_path(vm, a[0])), 1)
    s(D, "children", lambda vm, c, a, blk: RArray([RString(x) for x in sorted(
        os.listdir(_path(vm, a[0])))], vm.cArray), 1)
    s(D, "entries", lambda vm, c, a, blk: RArray([RString(x) for x in [".", ".."] + sorted(
        os.listdir(_path(vm, a[0])))], vm.cArray), 1)


def _lines(vm: Any, c: Any, a: list[Any]) -> list[RString]:
    """A file's lines, each with its "\n" (Ruby splits at newlines only)."""
    data = bytes(f_read(vm, c, a[:1], None).b)
    parts = data.split(b"\n")
    lines = [p + b"\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    return [RString(x) for x in lines]


def f_foreach(vm: Any, c: Any, a: list[Any], b: Any) -> Any:
    if b is None:
        return vm.send(c, "enum_for", intern("foreach"), *a)
    for line in _lines(vm, c, a):
        vm.call_proc(b, [line])
    return None


def _basename(path: str, suffix: list[Any]) -> str:
    base = os.path.basename(path.rstrip("/")) or "/"
    if suffix:
        suf = suffix[0].text()
        if suf == ".*":
            root, ext = os.path.splitext(base)
            return root if ext else base
        if base.endswith(suf) and base != suf:
            return base[:-len(suf)]
    return base


def _ext(path: str) -> str:
    base = os.path.basename(path)
    if base.startswith(".") and base.count(".") == 1:
        return ""
    return os.path.splitext(base)[1]
