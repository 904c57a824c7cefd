"""Time (CRuby time.c): now and at, local or UTC, the calendar fields, arithmetic in
seconds, strftime through Python's (with Ruby's %L, %N, %-d and %P), Ruby's inspect."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import time as _time
from fractions import Fraction
from typing import Any

from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString


class RTime(RObject):
    """A point in time as exact seconds since the epoch (a Fraction: Time.at(0.1) keeps
    the float's exact value, as CRuby), shown in UTC, a fixed offset or local time."""

    __slots__ = ("exact", "utc", "off", "zone")

    def __init__(self, cls: Any, t: Any, utc: bool, off: int | None = None,
                 zone: str | None = None) -> None:
        super().__init__(cls)
        self.exact = t if type(t) is Fraction else Fraction(t)
        self.utc = utc
        self.off = off  # a fixed UTC offset in seconds (localtime("+09:00"), a loaded Time)
        self.zone = zone  # the zone name a loaded Time keeps

    @property
    def t(self) -> float:
        return float(self.exact)


def _dt(s: RTime) -> dt.datetime:
    secs = math.floor(s.exact)
    us = math.floor((s.exact - secs) * 1_000_000)
    utc = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=secs, microseconds=us)
    if s.utc:
        return utc
    if s.off is not None:
        return utc.astimezone(dt.timezone(dt.timedelta(seconds=s.off)))
    return utc.astimezone()


def subsec(s: RTime) -> Fraction:
    return s.exact - math.floor(s.exact)


def utc_offset(s: RTime) -> int:
    if s.utc:
        return 0
    if s.off is not None:
        return s.off
    delta = _dt(s).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def zone_name(s: RTime) -> str | None:
    if s.utc:
        return "UTC"
    if s.off is not None:
        return s.zone
    return _dt(s).strftime("%Z")


def _offset_text(s: RTime) -> str:
    off = utc_offset(s)
    sign = "-" if off < 0 else "+"
    h, rem = divmod(abs(off), 3600)
    text = f"{sign}{h:02d}{rem // 60:02d}"
    return text + (f"{rem % 60:02d}" if rem % 60 else "")


def strftime(s: RTime, fmt: str) -> str:
    d = _dt(s)
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c != "%" or i + 1 >= len(fmt):
            out.append(c)
            i += 1
            continue
        flag = ""
        j = i + 1
        if fmt[j] in "-_0^":
            flag = fmt[j]
            j += 1
        conv = fmt[j]
        if conv == "L":
            text = f"{math.floor(subsec(s) * 1000):03d}"
        elif conv == "N":
            text = f"{math.floor(subsec(s) * 1_000_000_000):09d}"
        elif conv == "P":
            text = d.strftime("%p").lower()
        elif conv == "s":
            text = str(int(s.t))
        elif conv == "z":
            text = d.strftime("%z") or "+0000"
        else:
            text = d.strftime("%" + conv)
        if flag == "-":
            text = text.lstrip("0") or "0"
        elif flag == "^":
            text = text.upper()
        out.append(text)
        i = j + 1
    return "".join(out)


def t_inspect(vm: Any, s: RTime, a: list[Any], b: Any) -> Any:
    d = _dt(s)
    frac = subsec(s)
    ns = frac * 1_000_000_000
    if not frac:
        text = ""
    elif ns.denominator == 1:
        text = f".{int(ns):09d}".rstrip("0")
    else:
        text = f" {frac.numerator}/{frac.denominator}"
    return RString(d.strftime("%Y-%m-%d %H:%M:%S") + text + " "
                   + ("UTC" if s.utc else _offset_text(s)))


def t_to_s(vm: Any, s: RTime, a: list[Any], b: Any) -> Any:
    d = _dt(s)
    return RString(d.strftime("%Y-%m-%d %H:%M:%S ") + ("UTC" if s.utc else _offset_text(s)))


_UNITS = {"millisecond": 1000, "usec": 1_000_000, "microsecond": 1_000_000,
          "nsec": 1_000_000_000, "nanosecond": 1_000_000_000}


def parse_offset(vm: Any, v: Any) -> int:
    """A UTC offset argument: seconds, or "+HH:MM", "-HHMM", "UTC"."""
    if type(v) is int:
        return v
    text = vm.to_s(v) if type(v) is not RString else v.text()
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)(?::?(\d\d))?", text)
    if text in ("UTC", "Z"):
        return 0
    if m is None:
        vm.raise_error("ArgumentError", '"+HH:MM", "-HH:MM", "UTC" or "A".."I","K".."Z" '
                       f"expected for utc_offset: {text}")
    assert m is not None
    secs = int(m.group(2)) * 3600 + int(m.group(3)) * 60 + int(m.group(4) or 0)
    return -secs if m.group(1) == "-" else secs


def t_at(vm: Any, cls: Any, a: list[Any], b: Any) -> Any:
    from vmforms.yarv.core.hash import RHash
    from vmforms.yarv.core.rational import to_fraction

    off = None
    if a and type(a[-1]) is RHash:
        zone = a[-1].get(vm.sym("in"))
        off = parse_offset(vm, zone) if zone is not None else None
        a = a[:-1]
    if not a or len(a) > 3:
        vm.arg_error(len(a), "1..3")
    first = a[0]
    t = first.exact if type(first) is RTime else to_fraction(vm, first)
    if len(a) > 1:
        unit = a[2].name if len(a) > 2 else "usec"
        if unit not in _UNITS:
            vm.raise_error("ArgumentError", f"unexpected unit: {unit}")
        t += to_fraction(vm, a[1]) / _UNITS[unit]
    if type(first) is RTime and len(a) == 1 and off is None:
        return RTime(cls, t, first.utc, first.off, first.zone)
    return RTime(cls, t, False, off)


def t_localtime(vm: Any, s: RTime, a: list[Any], b: Any) -> Any:
    off = parse_offset(vm, a[0]) if a and a[0] is not None else None
    return RTime(vm.real_class(s), s.exact, False, off)


def _utc(vm: Any, a: list[Any]) -> Fraction:
    from vmforms.yarv.core.rational import to_fraction

    fields = (list(a) + [1, 1, 0, 0, 0][len(a) - 1:])[:6]
    y, mo, d, h, mi = (int(x) for x in fields[:5])
    sec = to_fraction(vm, fields[5])
    whole = math.floor(sec)
    return Fraction(calendar.timegm((y, mo, d, h, mi, whole))) + sec - whole


def install(vm: Any) -> None:
    from vmforms.yarv.core import time_marshal
    from vmforms.yarv.core.rational import make as make_rational
    from vmforms.yarv.core.rational import to_fraction

    T = vm.define_class("Time")  # noqa: N806
    T.includes.append(vm.mComparable)
    b = vm.builtin
    vm.sbuiltin(T, "now", lambda vm, s, a, blk: RTime(s, Fraction(_time.time_ns(), 10**9),
                                                      False))
    vm.sbuiltin(T, "at", t_at)
    vm.sbuiltin(T, "utc gm", lambda vm, s, a, blk: RTime(s, _utc(vm, a), True))
    vm.sbuiltin(T, "local mktime new", lambda vm, s, a, blk: RTime(s, _time.time(), False)
                if not a else RTime(s, dt.datetime(*(list(a) + [1, 1, 0, 0, 0][len(a) - 1:])[
                    :6]).timestamp(), False))
    b(T, "utc getutc gmtime", lambda vm, s, a, blk: RTime(vm.real_class(s), s.exact, True), 0)
    b(T, "localtime getlocal", t_localtime)
    b(T, "utc_offset gmt_offset gmtoff", lambda vm, s, a, blk: utc_offset(s), 0)
    b(T, "zone", lambda vm, s, a, blk: None if (z := zone_name(s)) is None else RString(
        z, "US-ASCII", vm.cString), 0)
    b(T, "subsec", lambda vm, s, a, blk: (lambda f: f.numerator if f.denominator == 1
                                          else make_rational(f))(subsec(s)), 0)
    b(T, "to_r", lambda vm, s, a, blk: make_rational(s.exact), 0)
    b(T, "utc?", lambda vm, s, a, blk: s.utc, 0)
    for name, field in (("year", "year"), ("month mon", "month"), ("day mday", "day"),
                        ("hour", "hour"), ("min", "minute"), ("sec", "second")):
        b(T, name, (lambda f: lambda vm, s, a, blk: getattr(_dt(s), f))(field), 0)
    b(T, "wday", lambda vm, s, a, blk: (_dt(s).weekday() + 1) % 7, 0)
    b(T, "yday", lambda vm, s, a, blk: _dt(s).timetuple().tm_yday, 0)
    b(T, "usec tv_usec", lambda vm, s, a, blk: math.floor(subsec(s) * 1_000_000), 0)
    b(T, "nsec tv_nsec", lambda vm, s, a, blk: math.floor(subsec(s) * 1_000_000_000), 0)
    b(T, "to_i tv_sec", lambda vm, s, a, blk: math.floor(s.exact), 0)
    b(T, "to_f", lambda vm, s, a, blk: s.t, 0)
    b(T, "strftime", lambda vm, s, a, blk: RString(strftime(s, a[0].text())), 1)
    b(T, "inspect", t_inspect, 0)
    b(T, "to_s", t_to_s, 0)
    b(T, "+", lambda vm, s, a, blk: RTime(vm.real_class(s), s.exact + to_fraction(vm, a[0]),
                                          s.utc, s.off, s.zone), 1)
    b(T, "-", lambda vm, s, a, blk: float(s.exact - a[0].exact) if type(a[0]) is RTime else
      RTime(vm.real_class(s), s.exact - to_fraction(vm, a[0]), s.utc, s.off, s.zone), 1)
    b(T, "<=>", lambda vm, s, a, blk: (s.exact > a[0].exact) - (s.exact < a[0].exact)
      if type(a[0]) is RTime else None, 1)
    b(T, "== eql?", lambda vm, s, a, blk: type(a[0]) is RTime and a[0].exact == s.exact, 1)
    time_marshal.install(vm, T)
