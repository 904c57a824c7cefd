"""Split virtqueues over guest RAM: chains, the used ring, and every way a guest can lie."""

import struct

import pytest

from vmforms.hypervisor.devices.virtio.queue import (
    VIRTQ_AVAIL_F_NO_INTERRUPT,
    VIRTQ_DESC_F_INDIRECT,
    VIRTQ_DESC_F_NEXT,
    Virtqueue,
    VirtqueueError,
)

from .virtio_driver import AVAIL, DESC, RAM, USED, Driver


def queue(d: Driver) -> Virtqueue:
    return Virtqueue(d.mem, d.size, DESC, AVAIL, USED)


def test_pop_follows_chains_and_push_used_fills_the_ring() -> None:
    d = Driver()
    q = queue(d)
    assert q.pop() is None
    a = d.buffer(b"request")
    b = d.buffer(64)
    head1 = d.chain([(a, 7, False), (b, 64, True)])
    head2 = d.chain([(a, 3, False)])
    c1 = q.pop()
    assert c1 is not None and c1.head == head1
    assert [(x.addr, x.len, x.is_write_only) for x in c1.descriptors] == [
        (a, 7, False),
        (b, 64, True),
    ]
    q.write(b, b"reply")
    q.push_used(c1.head, 5)
    c2 = q.pop()
    assert c2 is not None and c2.head == head2 and len(c2.descriptors) == 1
    q.push_used(c2.head, 0)
    assert q.pop() is None
    assert d.used() == [(head1, 5), (head2, 0)]
    assert d.mem.read(b, 5) == b"reply"


def test_indices_wrap_around_the_ring() -> None:
    d = Driver(size=4)
    q = queue(d)
    buf = d.buffer(16)
    for _ in range(10):
        d.chain([(buf, 16, True)])
        chain = q.pop()
        assert chain is not None
        q.push_used(chain.head, 1)
    assert q.used_idx == 10 and q.pop() is None


def test_notification_suppression_flag() -> None:
    d = Driver()
    q = queue(d)
    assert q.needs_interrupt()
    d.mem.write(AVAIL, struct.pack("<H", VIRTQ_AVAIL_F_NO_INTERRUPT))
    assert not q.needs_interrupt()


@pytest.mark.parametrize(
    "desc,avail,used,size",
    [
        (RAM - 0x1000, AVAIL, USED, 8),  # below RAM
        (DESC, RAM + (1 << 20) - 4, USED, 8),  # ring runs off the end of RAM
        (DESC, AVAIL, 0xFFFF_FFFF_FFFF_F000, 8),
        (DESC + 8, AVAIL, USED, 8),  # misaligned table
        (DESC, AVAIL, USED, 6),  # not a power of two
        (DESC, AVAIL, USED, 0),
        (DESC, AVAIL, USED, 1 << 15),
    ],
)
def test_bad_queue_addresses_and_sizes_are_refused(
    desc: int, avail: int, used: int, size: int
) -> None:
    d = Driver()
    with pytest.raises(VirtqueueError):
        Virtqueue(d.mem, size, desc, avail, used)


def test_descriptor_loop_is_detected() -> None:
    d = Driver()
    q = queue(d)
    buf = d.buffer(8)
    d.set_desc(0, buf, 8, VIRTQ_DESC_F_NEXT, 1)
    d.set_desc(1, buf, 8, VIRTQ_DESC_F_NEXT, 0)
    d.make_available(0)
    with pytest.raises(VirtqueueError, match="loops"):
        q.pop()


@pytest.mark.parametrize(
    "addr,length,flags,nxt,match",
    [
        (RAM + (1 << 20) - 4, 8, 0, 0, "outside guest RAM"),
        (0x1000, 4, 0, 0, "outside guest RAM"),
        (RAM + 0x10000, 4, VIRTQ_DESC_F_NEXT, 200, "beyond queue size"),
        (RAM + 0x10000, 4, VIRTQ_DESC_F_INDIRECT, 0, "indirect"),
    ],
)
def test_bad_descriptors_are_refused(
    addr: int, length: int, flags: int, nxt: int, match: str
) -> None:
    d = Driver()
    q = queue(d)
    d.set_desc(0, addr, length, flags, nxt)
    d.make_available(0)
    with pytest.raises(VirtqueueError, match=match):
        q.pop()


def test_head_index_out_of_range_and_runaway_avail_index() -> None:
    d = Driver()
    q = queue(d)
    d.make_available(9)
    with pytest.raises(VirtqueueError, match="beyond queue size"):
        q.pop()
    d.mem.write(AVAIL + 2, struct.pack("<H", 500))
    with pytest.raises(VirtqueueError, match="ahead"):
        q.pop()
