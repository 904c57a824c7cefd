"""String#split (CRuby string.c rb_str_split_m): at whitespace, a String or a Regexp, with
a limit; an ASCII separator cuts the bytes directly."""

from __future__ import annotations

from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.encodings import ENCODINGS
from vmforms.yarv.core.string import RString, strings
from vmforms.yarv.core.strmethods import new, text


def s_split(vm: Any, s: RString, a: list[Any], b: Any) -> Any:
    sep = a[0] if a else None
    limit = a[1] if len(a) > 1 else 0
    if type(sep) is RString and sep.b.isascii() and sep.b and sep.b != b" " and \
            type(limit) is int and s.enc in _ASCII_BASED:
        return _split_bytes(vm, s, bytes(sep.b), limit)
    t = text(s)
    if sep is None or (type(sep) is RString and text(sep) == " "):
        parts = t.split(None, limit - 1) if limit > 0 else t.split()
        if limit > 0 and len(parts) == limit:
            parts[-1] = t.lstrip().split(None, limit - 1)[-1] if parts else ""
    elif type(sep) is RString:
        ss = text(sep)
        if ss == "":
            parts = list(t)
        else:
            parts = t.split(ss, limit - 1) if limit > 0 else t.split(ss)
    else:
        from vmforms.yarv.core.regexp_methods import to_py

        rx = to_py(vm, sep)
        if rx.pattern == "":
            parts = list(t)
        else:
            parts = rx.split(t, maxsplit=max(0, limit - 1) if limit > 0 else 0)
            parts = [p for p in parts if p is not None]
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return RArray([new(vm, s, p) for p in parts], vm.cArray)


# where an ASCII byte is always a character of its own (not Shift_JIS: a trail byte can be)
_ASCII_BASED = frozenset(name for name, e in ENCODINGS.items()
                         if e.kind in ("utf8", "ascii", "binary", "sbcs"))


def _split_bytes(vm: Any, s: RString, sep: bytes, limit: int) -> RArray:
    """split at an ASCII separator, on the bytes: the same cut as on the characters (an
    ASCII byte is always a character of its own in the encodings strings carry here)."""
    if not s.b:
        return RArray([], vm.cArray)
    parts = s.b.split(sep, limit - 1) if limit > 0 else s.b.split(sep)
    if limit == 0:
        while parts and not parts[-1]:
            parts.pop()
    enc, cls = s.enc, vm.cString
    return RArray(strings(parts, enc, cls), vm.cArray)  # (the parts are new)
