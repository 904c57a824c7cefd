"""Noticing a guest kernel panic in the console stream, and the lines kept for the report."""

from __future__ import annotations

from vmforms.hypervisor.panic import TAIL_BYTES, ConsoleWatch


def feed(watch: ConsoleWatch, text: bytes, chunk: int) -> None:
    for k in range(0, len(text), chunk):
        watch.write(text[k : k + chunk])


def test_a_panic_is_seen_whatever_the_chunking() -> None:
    text = (
        b"Run /init as init process\r\n"
        b"Kernel panic - not syncing: Attempted to kill init! exitcode=0x00000100\r\n"
        b"CPU: 0 PID: 1 Comm: init\r\n"
        b"---[ end Kernel panic - not syncing: Attempted to kill init! ]---\r\n"
    )
    for chunk in (1, 7, len(text)):
        out: list[bytes] = []
        watch = ConsoleWatch(out.append)
        feed(watch, text, chunk)
        assert b"".join(out) == text  # passed through untouched
        assert watch.panicked and watch.panic_ended
        assert watch.reason.startswith("Kernel panic - not syncing: Attempted to kill init!")
        assert watch.last_lines(2)[0] == "CPU: 0 PID: 1 Comm: init"


def test_the_first_line_alone_is_a_panic_that_has_not_ended() -> None:
    watch = ConsoleWatch(lambda data: None)
    feed(watch, b"Kernel panic - not syncing: VFS\r\nRebooting in 1 seconds..\r\n", 3)
    assert watch.panicked and not watch.panic_ended
    assert watch.last_lines(5) == ["Kernel panic - not syncing: VFS", "Rebooting in 1 seconds.."]


def test_ordinary_output_and_a_panic_word_in_a_user_line_are_not_panics() -> None:
    watch = ConsoleWatch(lambda data: None)
    feed(watch, b"hello\nkernel panic? no\n" * 1000, 13)
    assert not watch.panicked


def test_the_tail_is_bounded_and_control_characters_are_dropped() -> None:
    watch = ConsoleWatch(lambda data: None)
    feed(watch, b"x" * (5 * TAIL_BYTES) + b"\n\x1b[6nlast\n", 4096)
    assert len(watch._tail) <= 2 * TAIL_BYTES
    assert watch.last_lines(1) == ["[6nlast"]
