"""Marshal of Time (CRuby time.c time_mdump, time_mload): Time#_dump is eight bytes of
the UTC calendar fields (a flag bit, the UTC bit, year - 1900, month, day, hour, minute,
second, microsecond) with the rest carried as instance variables of that String:
nano_num and nano_den (the nanoseconds below the microsecond, a Rational's parts when not
whole), submicro (their first three digits in packed BCD), zone, and offset for a Time
that is not UTC. Time._load reads it back."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from fractions import Fraction
from typing import Any

from vmforms.yarv.core.string import RString
from vmforms.yarv.core.time import RTime, subsec, utc_offset, zone_name


def t_dump(vm: Any, s: RTime, a: list[Any], b: Any) -> Any:
    secs = math.floor(s.exact)
    d = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=secs)
    year, extend = d.year, b""
    if year < 1900:  # the distance to 1900 follows: its size (a Marshal long), its bytes
        size = (1900 - year).bit_length() + 7 >> 3
        year, extend = 1900, bytes((size + 5,)) + (1900 - year).to_bytes(size, "little")
    ns = subsec(s) * 1_000_000_000
    usec = math.floor(ns / 1000)
    nano = ns - usec * 1000  # below the microsecond: 0 <= nano < 1000
    p = 1 << 31 | int(s.utc) << 30 | (year - 1900) << 14 | (d.month - 1) << 10 | \
        d.day << 5 | d.hour
    q = d.minute << 26 | d.second << 20 | usec
    out = RString(p.to_bytes(4, "little") + q.to_bytes(4, "little") + extend, "ASCII-8BIT",
                  vm.cString)
    ivars: dict[str, Any] = dict(s.ivars) if s.ivars else {}
    if nano:
        ivars["nano_num"] = nano.numerator
        ivars["nano_den"] = nano.denominator
        digits = math.floor(nano)
        if digits:
            bcd = bytes(((digits // 100) << 4 | (digits // 10) % 10, (digits % 10) << 4))
            ivars["submicro"] = RString(bcd[:1] if not bcd[1] else bcd, "ASCII-8BIT",
                                        vm.cString)
    if not s.utc:
        ivars["offset"] = utc_offset(s)
    zone = zone_name(s)
    ivars["zone"] = None if zone is None else _zone_string(vm, zone)
    order = _ivar_order(vm, ivars)
    out.ivars = {name: ivars[name] for name in sorted(ivars, key=order.index)}
    return out


def _ivar_order(vm: Any, names: Any) -> list[str]:
    """CRuby 3.1 keeps the instance variables of all Strings in one table, numbered as
    each name is first set on any String of the process, and lists them in that order:
    which of offset and zone comes first in a dump depends on which Time the process
    dumped or loaded first."""
    order: list[str] = vm.__dict__.setdefault("_string_ivar_order", [])
    for name in names:
        if name not in order:
            order.append(name)
    return order


def _zone_string(vm: Any, name: str) -> RString:
    """One frozen String per zone name, as CRuby's interned zone names: two Times in one
    dump share it (an object link)."""
    zones: dict[str, RString] = vm.__dict__.setdefault("_time_zones", {})
    z = zones.get(name)
    if z is None:
        z = zones[name] = RString(name, "US-ASCII", vm.cString)
        z.frozen = True
    return z


def t_load(vm: Any, cls: Any, a: list[Any], b: Any) -> Any:
    data = a[0]
    if type(data) is not RString or len(data.b) < 8:
        vm.raise_error("TypeError", "marshaled time format differ")
    raw = bytes(data.b)
    extend = 0
    if len(raw) > 8:  # a year before 1900: its distance to 1900
        size = raw[8] - 5
        if not 0 < size <= len(raw) - 9:
            vm.raise_error("TypeError", "marshaled time format differ")
        extend = int.from_bytes(raw[9:9 + size], "little")
        raw = raw[:8]
    _ivar_order(vm, data.ivars or ())
    p, q = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:], "little")
    iv = data.ivars or {}
    if not p & 1 << 31:  # the old format: seconds and microseconds since the epoch
        return RTime(cls, Fraction(p) + Fraction(q, 1_000_000), False)
    year, month = (p >> 14 & 0xFFFF) + 1900, (p >> 10 & 0xF) + 1
    if extend and year == 1900:
        year -= extend
    day, hour = p >> 5 & 0x1F, p & 0x1F
    minute, second, usec = q >> 26 & 0x3F, q >> 20 & 0x3F, q & 0xFFFFF
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60 and
            second < 61 and usec < 1_000_000):
        vm.raise_error("ArgumentError", "marshaled time format differ")
    if not 1 <= year <= 9999:  # the host's calendar
        vm.raise_error("RangeError", f"marshaled time in year {year} is out of the range "
                       "this interpreter supports (1 to 9999)")
    t = Fraction(calendar.timegm((year, month, day, hour, minute, second))) + \
        Fraction(usec, 1_000_000)
    num, den = iv.get("nano_num"), iv.get("nano_den")
    if type(num) is int and type(den) is int and den > 0:
        t += Fraction(num, den) / 1_000_000_000
    elif type(sub := iv.get("submicro")) is RString and sub.b:
        digits = bytes(sub.b) + b"\x00"
        t += Fraction((digits[0] >> 4) * 100 + (digits[0] & 15) * 10 + (digits[1] >> 4),
                      1_000_000_000)
    if p >> 30 & 1:
        return RTime(cls, t, True)
    zone = iv.get("zone")
    offset = iv.get("offset")
    return RTime(cls, t, False, offset if type(offset) is int else None,
                 zone.text() if type(zone) is RString else None)


def install(vm: Any, T: Any) -> None:  # noqa: N803
    vm.builtin(T, "_dump", t_dump, -1, visibility="private")
    vm.sbuiltin(T, "_load", t_load, 1)
