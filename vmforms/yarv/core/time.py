"""Time (CRuby time.c): now and at, local or UTC, the calendar fields, arithmetic in
seconds, strftime through Python's (with Ruby's %L, %N, %-d and %P), Ruby's inspect."""

from __future__ import annotations

import datetime as dt
import time as _time
from typing import Any

from vmforms.yarv.core.object import RObject
from vmforms.yarv.core.string import RString


class RTime(RObject):
    __slots__ = ("t", "utc")

    def __init__(self, cls: Any, t: float, utc: bool) -> None:
        super().__init__(cls)
        self.t = t
        self.utc = utc


def _dt(s: RTime) -> dt.datetime:
    if s.utc:
        return dt.datetime.fromtimestamp(s.t, dt.UTC)
    return dt.datetime.fromtimestamp(s.t).astimezone()


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
            text = f"{d.microsecond // 1000:03d}"
        elif conv == "N":
            text = f"{d.microsecond * 1000:09d}"
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
    zone = "UTC" if s.utc else d.strftime("%z")
    frac = f".{d.microsecond:06d}".rstrip("0") if d.microsecond else ""
    return RString(d.strftime("%Y-%m-%d %H:%M:%S") + frac + " " + zone)


def t_to_s(vm: Any, s: RTime, a: list[Any], b: Any) -> Any:
    d = _dt(s)
    return RString(d.strftime("%Y-%m-%d %H:%M:%S ") + ("UTC" if s.utc else d.strftime("%z")))


def _utc(a: list[Any]) -> float:
    fields = (list(a) + [1, 1, 0, 0, 0][len(a) - 1:])[:6]
    y, mo, d, h, mi, sec = (int(x) for x in fields)
    return dt.datetime(y, mo, d, h, mi, sec, tzinfo=dt.UTC).timestamp()


def install(vm: Any) -> None:
    T = vm.define_class("Time")  # noqa: N806
    T.includes.append(vm.mComparable)
    b = vm.builtin
    vm.sbuiltin(T, "now", lambda vm, s, a, blk: RTime(s, _time.time(), False))
    vm.sbuiltin(T, "at", lambda vm, s, a, blk: RTime(s, float(a[0]), False))
    vm.sbuiltin(T, "utc gm", lambda vm, s, a, blk: RTime(s, _utc(a), True))
    vm.sbuiltin(T, "local mktime new", lambda vm, s, a, blk: RTime(s, _time.time(), False)
                if not a else RTime(s, dt.datetime(*(list(a) + [1, 1, 0, 0, 0][len(a) - 1:])[
                    :6]).timestamp(), False))
    b(T, "utc getutc gmtime", lambda vm, s, a, blk: RTime(vm.real_class(s), s.t, True), 0)
    b(T, "localtime getlocal", lambda vm, s, a, blk: RTime(vm.real_class(s), s.t, False))
    b(T, "utc?", lambda vm, s, a, blk: s.utc, 0)
    for name, field in (("year", "year"), ("month mon", "month"), ("day mday", "day"),
                        ("hour", "hour"), ("min", "minute"), ("sec", "second")):
        b(T, name, (lambda f: lambda vm, s, a, blk: getattr(_dt(s), f))(field), 0)
    b(T, "wday", lambda vm, s, a, blk: (_dt(s).weekday() + 1) % 7, 0)
    b(T, "yday", lambda vm, s, a, blk: _dt(s).timetuple().tm_yday, 0)
    b(T, "usec", lambda vm, s, a, blk: _dt(s).microsecond, 0)
    b(T, "nsec", lambda vm, s, a, blk: _dt(s).microsecond * 1000, 0)
    b(T, "to_i tv_sec", lambda vm, s, a, blk: int(s.t // 1), 0)
    b(T, "to_f", lambda vm, s, a, blk: s.t, 0)
    b(T, "strftime", lambda vm, s, a, blk: RString(strftime(s, a[0].text())), 1)
    b(T, "inspect", t_inspect, 0)
    b(T, "to_s", t_to_s, 0)
    b(T, "+", lambda vm, s, a, blk: RTime(vm.real_class(s), s.t + a[0], s.utc), 1)
    b(T, "-", lambda vm, s, a, blk: s.t - a[0].t if type(a[0]) is RTime else RTime(
        vm.real_class(s), s.t - a[0], s.utc), 1)
    b(T, "<=>", lambda vm, s, a, blk: (s.t > a[0].t) - (s.t < a[0].t) if type(a[0]) is RTime
      else None, 1)
    b(T, "==", lambda vm, s, a, blk: type(a[0]) is RTime and a[0].t == s.t, 1)
