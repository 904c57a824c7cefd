"""Marshal's bytes for core values, as ruby 3.1 writes them (captured from ruby), and
loads of short or damaged data as one Ruby exception: no ruby needed."""

from __future__ import annotations

import pytest

from vmforms.yarv.core.array import RArray
from vmforms.yarv.core.marshal import dump, float_repr
from vmforms.yarv.core.marshal_load import load
from vmforms.yarv.core.object import intern
from vmforms.yarv.core.string import RString
from vmforms.yarv.interp.objects import RubyError
from vmforms.yarv.interp.run import new_vm

CASES = [  # value -> ruby's Marshal.dump(value).unpack1("H*")
    (None, "040830"), (True, "040854"), (0, "04086900"), (1, "04086906"),
    (-1, "040869fa"), (122, "0408697f"), (123, "040869017b"), (-123, "04086980"),
    (-124, "040869ff84"), (255, "04086901ff"), (256, "040869020001"),
    (-256, "040869ff00"), (-257, "040869fefffe"), (2**30 - 1, "04086904ffffff3f"),
    (2**30, "04086c2b0700000040"), (-2**30, "040869fc000000c0"),
    (2**62, "04086c2b090000000000000040"), (2**64, "04086c2b0a00000000000000000100"),
    (1.5, "04086608312e35"), (-0.0, "040866072d30"), (1e100, "0408660a3165313030"),
    (1.0e-5, "0408660931652d35"), (123456.789, "0408660f3132333435362e373839"),
    (float("inf"), "04086608696e66"), (100.0, "04086608316532"), (0.1, "04086608302e31"),
]


@pytest.fixture(scope="module")
def vm() -> object:
    return new_vm()


@pytest.mark.parametrize(("value", "want"), CASES)
def test_dump_is_rubys(vm: object, value: object, want: str) -> None:
    assert bytes(dump(vm, value).b).hex() == want
    back = load(vm, bytes.fromhex(want))
    assert back == value or (back != back and value != value)


def test_strings_symbols_and_links(vm: object) -> None:
    assert bytes(dump(vm, RString("abc")).b).hex() == "0408492208616263063a064554"
    assert bytes(dump(vm, RString(b"abc", "ASCII-8BIT")).b).hex() == "04082208616263"
    syms = RArray([intern("sym"), intern("sym"), intern("\u00e9")])
    assert bytes(dump(vm, syms).b).hex() == "04085b083a0873796d3b00493a07c3a9063a064554"
    big = 2**70
    assert bytes(dump(vm, RArray([big, big])).b).hex() == \
        "04085b076c2b0a000000000000000040004006"
    shared = RString("shared")
    assert bytes(dump(vm, RArray([shared, shared])).b).hex() == \
        "04085b0749220b736861726564063a0645544006"
    back = load(vm, bytes(dump(vm, RArray([shared, shared])).b))
    assert back.items[0] is back.items[1] and back.items[0].enc == "UTF-8"


def test_float_spelling() -> None:
    assert [float_repr(x) for x in (1e16, 1e-4, 0.001, 12.5, -3e-7)] == \
        [b"1e16", b"0.0001", b"0.001", b"12.5", b"-3e-7"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "marshal data too short"), (b"\x04\x08[", "marshal data too short"),
    (b"\x04\x08o:\x08Foo\x00", "undefined class/module Foo"),
    (b"\x04\x08Q", "dump format error(0x51)"), (b"\x04\x08@\x06", "dump format error (unlinked)"),
    (b"\x04\x08\"\x7f", "marshal data too short"),
    (b"\x04\x08l+\x7f\x00", "marshal data too short"),
    (b"\x04\x09[", "incompatible marshal file format"), (b"\x04\x08;\x00", "bad symbol"),
    (b"\x04\x08" + b"[\x06" * 5000 + b"0", "exceed depth limit"),
])
def test_damaged_data_is_one_ruby_error(vm: object, data: bytes, message: str) -> None:
    with pytest.raises(RubyError) as info:
        load(vm, data)
    assert message in info.value.exc.message.text()


def test_deep_and_cyclic_values(vm: object) -> None:
    cyclic = RArray([])
    cyclic.items.append(cyclic)
    assert bytes(dump(vm, cyclic).b).hex() == "04085b064000"
    deep = RArray([])
    for _ in range(100000):
        deep = RArray([deep])
    with pytest.raises(RubyError) as info:
        dump(vm, deep)
    assert info.value.exc.message.text() == "stack level too deep"


def test_time_dump_and_load_are_rubys() -> None:
    """ruby -e 'for t in [Time.at(1700000000, 123456789, :nsec).utc,
    Time.at(Rational(1, 3)).utc, Time.at(1700000000, 5, :usec).localtime("+09:00")]
    puts Marshal.dump(t).unpack1("H*") end' (in one process: see time_marshal)."""
    from fractions import Fraction

    from vmforms.yarv.core.time import RTime

    vm = new_vm()  # a VM of its own: the order of Strings' ivars is per process
    time = vm.cObject.consts["Time"]
    cases = [
        (RTime(time, Fraction(1700000000_123456789, 10**9), True),
         "040849753a0954696d650dd6e91ec040e24135093a0d6e616e6f5f6e756d690215033a0d6e616e6f"
         "5f64656e69063a0d7375626d6963726f220778903a097a6f6e65492208555443063a064546"),
        (RTime(time, Fraction(1, 3), True),
         "040849753a0954696d650d208011c015160500093a0d6e616e6f5f6e756d6902e8033a0d6e616e6f"
         "5f64656e69083a0d7375626d6963726f220733303a097a6f6e65492208555443063a064546"),
        (RTime(time, Fraction(1700000000_000005, 10**6), False, 32400),
         "040849753a0954696d650dd6e91e8005004035073a097a6f6e65303a0b6f66667365746902907e"),
    ]
    for value, want in cases:
        assert bytes(dump(vm, value).b).hex() == want
        back = load(vm, bytes.fromhex(want))
        assert (back.exact, back.utc, back.off) == (value.exact, value.utc, value.off)
