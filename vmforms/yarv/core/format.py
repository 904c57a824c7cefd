"""Kernel#format / String#% (CRuby sprintf.c): flags, width, precision, %<name>s and
%{name}, and the conversions d i u f e E g G x X o b B s p c a %."""

from __future__ import annotations

import math
import re
from typing import Any

from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.object import intern

_SPEC = re.compile(r"%(?:(?P<pct>%)|(?:(?P<posn>\d+)\$)?(?P<flags>[-+ 0#]*)(?:<(?P<name>\w+)>)?"
                   r"(?:\{(?P<tmpl>\w+)\})?(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?"
                   r"(?:<(?P<name2>\w+)>)?(?P<conv>[diufeEgGxXobBspcaA])?)")


def _int(vm: Any, v: Any) -> int:
    if type(v) is int:
        return v
    if type(v) is float:
        if not math.isfinite(v):
            vm.raise_error("FloatDomainError", vm.inspect(v))
        return math.floor(v)
    return int(vm.send(vm.main, "Integer", v))


def _radix(n: int, base: int, flags: str, prec: int | None, conv: str) -> str:
    digits = {2: "b", 8: "o", 16: "x"}[base]
    body = format(abs(n), digits)
    if conv == "X":
        body = body.upper()
    if prec is not None:
        body = body.rjust(prec, "0")
    if n < 0 and "+" not in flags and " " not in flags:
        # Ruby prints negative numbers in two's complement with a ".." prefix
        bits = max(len(format(-n - 1, digits)) + 1, 1)
        twos = (1 << (bits * {2: 1, 8: 3, 16: 4}[base])) + n
        body = ".." + format(twos, digits).rjust(bits, "f" if base == 16 else
                                                  "7" if base == 8 else "1")
        if conv == "X":
            body = body.upper()
        sign = ""
    else:
        sign = "-" if n < 0 else ("+" if "+" in flags else " " if " " in flags else "")
    prefix = ""
    if "#" in flags and n != 0:
        prefix = {"x": "0x", "X": "0X", "o": "0", "b": "0b", "B": "0B"}[conv]
    return sign + prefix + body


def format_string(vm: Any, fmt: str, args: list[Any]) -> str:
    pos = 0
    out: list[str] = []
    i = 0
    hash_arg = args[0] if args and type(args[-1]) is RHash else None

    def next_arg() -> Any:
        nonlocal pos
        if pos >= len(args):
            vm.raise_error("ArgumentError", "too few arguments")
        v = args[pos]
        pos += 1
        return v
    for m in _SPEC.finditer(fmt):
        out.append(fmt[i:m.start()])
        i = m.end()
        if m.group("pct"):
            out.append("%")
            continue
        flags = m.group("flags") or ""
        name = m.group("name") or m.group("name2")
        tmpl = m.group("tmpl")
        conv = m.group("conv")
        width_s, prec_s = m.group("width"), m.group("prec")
        width = _int(vm, next_arg()) if width_s == "*" else int(width_s) if width_s else None
        prec = _int(vm, next_arg()) if prec_s == "*" else int(prec_s) if prec_s else None
        if width is not None and width < 0:
            flags += "-"
            width = -width
        if tmpl is not None:
            if hash_arg is None:
                vm.raise_error("ArgumentError", "one hash required")
            text = vm.to_s(_fetch(vm, hash_arg, tmpl))
            out.append(_pad(text, width, flags))
            continue
        if conv is None:
            if name is None:
                vm.raise_error("ArgumentError", f"malformed format string - {m.group(0)}")
            conv = "s"
        if m.group("posn"):
            idx = int(m.group("posn")) - 1
            if not 0 <= idx < len(args):
                vm.raise_error("ArgumentError", "too few arguments")
            v = args[idx]
        else:
            v = _fetch(vm, hash_arg, name) if name is not None else next_arg()
        out.append(_pad(_convert(vm, conv, v, flags, prec), width, flags, conv))
    out.append(fmt[i:])
    if pos < len(args) and vm.verbose and hash_arg is None:
        vm.raise_error("ArgumentError", "too many arguments for format string")
    return "".join(out)


def _fetch(vm: Any, h: Any, name: str) -> Any:
    if h is None:
        vm.raise_error("ArgumentError", "one hash required")
    key = intern(name)
    if h.key_of(key) not in h.table:
        vm.raise_error("KeyError", f"key<{name}> not found")
    return h.get(key)


def _convert(vm: Any, conv: str, v: Any, flags: str, prec: int | None) -> str:
    if conv in "di" or conv == "u":
        n = _int(vm, v)
        body = str(abs(n))
        if prec is not None:
            body = body.rjust(prec, "0")
        sign = "-" if n < 0 else ("+" if "+" in flags else " " if " " in flags else "")
        return sign + body
    if conv in "xXobB":
        return _radix(_int(vm, v), {"x": 16, "X": 16, "o": 8, "b": 2, "B": 2}[conv], flags,
                      prec, conv)
    if conv in "feEgGaA":
        f = float(v) if type(v) in (int, float) else float(vm.send(vm.main, "Float", v))
        if not math.isfinite(f):
            text = "NaN" if f != f else "Inf"
            sign = "-" if f < 0 else ("+" if "+" in flags else " " if " " in flags else "")
            return sign + text
        spec = ("+" if "+" in flags else " " if " " in flags else "") + \
            ("#" if "#" in flags else "") + (f".{prec}" if prec is not None else "") + conv
        return format(f, spec)
    if conv == "s":
        text = vm.to_s(v)
        return text[:prec] if prec is not None else text  # type: ignore[no-any-return]
    if conv == "p":
        text = vm.inspect(v)
        return text[:prec] if prec is not None else text  # type: ignore[no-any-return]
    if conv == "c":
        return chr(v) if type(v) is int else vm.to_s(v)[:1]
    return ""


def _pad(text: str, width: int | None, flags: str, conv: str = "s") -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags and conv in "diufeEgGxXobBaA" and not text.lstrip("+- ").startswith(
            ("Inf", "NaN")):
        sign = text[0] if text[:1] in "+- " else ""
        body = text[len(sign):]
        return sign + body.rjust(width - len(sign), "0")
    return text.rjust(width)
