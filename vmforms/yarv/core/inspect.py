"""Ruby's #inspect and Float#to_s for built-in values (string.c rb_str_inspect, symbol.c
rb_enc_symname_type, numeric.c flo_to_s), as `p` and the disassembler print them.

Output assumes a UTF-8 default external encoding: printable non-ASCII characters of UTF-8
strings appear as they are.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.encmethods import MULTIBYTE
from vmforms.yarv.core.encmethods import inspect as inspect_multibyte
from vmforms.yarv.core.hash import RHash
from vmforms.yarv.core.numeric import RComplex, RRational
from vmforms.yarv.core.object import ClassRef, RSymbol
from vmforms.yarv.core.range import RRange
from vmforms.yarv.core.regexp import EXTENDED, IGNORECASE, MULTILINE, NOENCODING, RRegexp
from vmforms.yarv.core.string import RString

_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\f": "\\f", "\v": "\\v", "\b": "\\b",
            "\a": "\\a", "\x1b": "\\e", '"': '\\"', "\\": "\\\\"}
_UNPRINTABLE = frozenset(("Cc", "Cs", "Cn", "Zl", "Zp"))


def _printable(ch: str) -> bool:
    if ch < "\x7f":
        return ch >= " "
    if ch == "\x7f":
        return False
    if ch == "\x85":  # NEL: white space, so printable to Onigmo
        return True
    return unicodedata.category(ch) not in _UNPRINTABLE


def inspect_str(s: RString) -> str:
    if s.enc in MULTIBYTE:
        return inspect_multibyte(s)
    out = ['"']
    unicode = s.enc == "UTF-8"
    if unicode:
        text = s.b.decode("utf-8", "surrogateescape")
    else:
        text = s.b.decode("latin-1")
    n = len(text)
    for i, ch in enumerate(text):
        esc = _ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif ch == "#" and i + 1 < n and text[i + 1] in "{$@":
            out.append("\\#")
        elif ch < "\x80":
            if " " <= ch < "\x7f":
                out.append(ch)
            else:
                out.append(f"\\u{ord(ch):04X}" if s.enc == "UTF-8" else f"\\x{ord(ch):02X}")
        elif "\udc80" <= ch <= "\udcff" or not unicode or s.enc == "US-ASCII":
            code = ord(ch) - 0xDC00 if ch >= "\udc80" else ord(ch)
            out.append(f"\\x{code:02X}")
        elif _printable(ch):
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\u{code:04X}" if code < 0x10000 else f"\\u{{{code:X}}}")
    out.append('"')
    return "".join(out)


_OPERATORS = frozenset(("+", "-", "*", "/", "%", "**", "==", "===", "!=", "!~", "=~", "<",
                        "<=", ">", ">=", "<=>", "<<", ">>", "!", "~", "+@", "-@", "[]",
                        "[]=", "`", "&", "|", "^"))
_IDENT = r"(?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z0-9_]|[^\x00-\x7f])*"
_SYMNAME = re.compile(
    rf"(?:{_IDENT}[?!=]?|@@?{_IDENT}|\$(?:{_IDENT}|[~*$?!@/\\;,.=:<>\"&`'+0]|-\w|[1-9]\d*))\Z")


def symname_p(name: str) -> bool:
    """Whether a name prints bare after a colon (rb_str_symname_p)."""
    if name in _OPERATORS:
        return True
    m = _SYMNAME.match(name)
    if m is None:
        return False
    # `foo?=` and `@foo=` are not names; an `=` only ends a plain identifier
    return not (name.endswith("=") and len(name) > 2 and (name[0] in "@$" or name[-2] in "?!"))


def inspect_sym(sym: RSymbol) -> str:
    name = sym.name
    if symname_p(name):
        return ":" + name
    return ":" + inspect_str(RString(name))


def float_to_s(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exp = _shortest(abs(value))
    decpt = exp + len(digits)  # value = 0.digits * 10**decpt
    if 0 < decpt <= 15:
        if decpt >= len(digits):
            return f"{sign}{digits}{'0' * (decpt - len(digits))}.0"
        return f"{sign}{digits[:decpt]}.{digits[decpt:]}"
    if -4 < decpt <= 0:
        return f"{sign}0.{'0' * -decpt}{digits}"
    frac = digits[1:] or "0"
    return f"{sign}{digits[0]}.{frac}e{decpt - 1:+03d}"


def _shortest(value: float) -> tuple[str, int]:
    """The shortest round-trip decimal digits of a positive float and their exponent."""
    text = repr(value)
    mantissa, _, exp_text = text.partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    exp = (int(exp_text) if exp_text else 0) - len(frac)
    stripped = digits.rstrip("0")
    exp += len(digits) - len(stripped)
    return stripped or "0", exp


def inspect_regexp(rx: RRegexp) -> str:
    src = rx.source.text()
    out = []
    escaped = False
    for ch in src:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "/":
            out.append("\\/")
        elif (ch < " " and ch not in "\t\n\v\f\r") or ch == "\x7f":
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    opts = ("m" if rx.options & MULTILINE else "") + ("i" if rx.options & IGNORECASE else "") \
        + ("x" if rx.options & EXTENDED else "") + ("n" if rx.options & NOENCODING else "")
    return "/" + "".join(out) + "/" + opts


def inspect(value: Any) -> str:
    """#inspect of a built-in value."""
    if value is None:
        return "nil"
    if value is True:
        return "true"
    if value is False:
        return "false"
    t = type(value)
    if t is int:
        return str(value)
    if t is float:
        return float_to_s(value)
    if t is RString:
        return inspect_str(value)
    if t is RSymbol:
        return inspect_sym(value)
    if t is RArray:
        return "[" + ", ".join(inspect(v) for v in value.items) + "]"
    if t is RHash:
        if not value.table:
            return "{}"
        return "{" + ", ".join(f"{inspect(k)}=>{inspect(v)}"
                               for k, v in value.table.values()) + "}"
    if t is RRange:
        first = "" if value.first is None and value.last is not None else inspect(value.first)
        last = "" if value.last is None else inspect(value.last)
        return first + ("..." if value.excl else "..") + last
    if t is RRegexp:
        return inspect_regexp(value)
    if t is RRational:
        return f"({inspect(value.num)}/{inspect(value.den)})"
    if t is RComplex:
        imag = value.imag
        if type(imag) is RRational:
            neg = imag.num < 0
            mag = inspect(RRational(-imag.num, imag.den) if neg else imag)
        else:
            neg = imag < 0 or (type(imag) is float and math.copysign(1, imag) < 0)
            mag = inspect(-imag if neg else imag)
        star = "" if mag[-1].isdigit() else "*"
        return f"({inspect(value.real)}{'-' if neg else '+'}{mag}{star}i)"
    if t is ClassRef:
        return f"#<{value.name}>" if value.name.startswith("Encoding:") else value.name
    return f"#<{t.__name__}>"
