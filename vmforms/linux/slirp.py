"""libslirp (QEMU's user-mode network stack, Debian's libslirp0) through ctypes: its
slirp/libslirp.h API of version 4.7 (slirp_new with a SlirpConfig of version 4, the
SlirpCb callbacks, slirp_pollfds_fill/poll, slirp_input, slirp_add_hostfwd).

libslirp terminates the guest's TCP and UDP itself and opens an ordinary host socket for
each connection the guest makes, connected to the address the guest asked for (addresses
of the virtual network translated to 127.0.0.1). It is not thread-safe: every call into it
holds this wrapper's lock, and the callbacks it makes back (a frame for the guest, a
timer) run inside those calls, so they must not take the lock again.
"""

from __future__ import annotations

import ctypes
import ipaddress
import logging
import os
import select
import socket
import threading
import time
from collections.abc import Callable, Sequence

log = logging.getLogger(__name__)

LIBRARY = "libslirp.so.0"
SLIRP_CONFIG_VERSION = 4
SLIRP_POLL_IN = 1 << 0
SLIRP_POLL_OUT = 1 << 1
SLIRP_POLL_PRI = 1 << 2
SLIRP_POLL_ERR = 1 << 3
SLIRP_POLL_HUP = 1 << 4
_TO_POLL = ((SLIRP_POLL_IN, select.POLLIN), (SLIRP_POLL_OUT, select.POLLOUT),
            (SLIRP_POLL_PRI, select.POLLPRI), (SLIRP_POLL_ERR, select.POLLERR),
            (SLIRP_POLL_HUP, select.POLLHUP))
NO_TIMEOUT = 0xFFFFFFFF  # slirp_pollfds_fill's "infinite"
MAX_GUEST_FRAME = 65535 + 14
GUEST_ERRORS_LOGGED = 5


class InAddr(ctypes.Structure):
    _fields_ = [("s_addr", ctypes.c_uint32)]  # network byte order


class In6Addr(ctypes.Structure):
    _fields_ = [("s6_addr32", ctypes.c_uint32 * 4)]  # a union of 4-byte alignment in C


class SockaddrIn(ctypes.Structure):
    _fields_ = [("sin_family", ctypes.c_uint16), ("sin_port", ctypes.c_uint16),
                ("sin_addr", InAddr), ("sin_zero", ctypes.c_uint8 * 8)]


class SlirpConfig(ctypes.Structure):
    _fields_ = [
        ("version", ctypes.c_uint32), ("restricted", ctypes.c_int),
        ("in_enabled", ctypes.c_bool), ("vnetwork", InAddr), ("vnetmask", InAddr),
        ("vhost", InAddr), ("in6_enabled", ctypes.c_bool), ("vprefix_addr6", In6Addr),
        ("vprefix_len", ctypes.c_uint8), ("vhost6", In6Addr), ("vhostname", ctypes.c_char_p),
        ("tftp_server_name", ctypes.c_char_p), ("tftp_path", ctypes.c_char_p),
        ("bootfile", ctypes.c_char_p), ("vdhcp_start", InAddr), ("vnameserver", InAddr),
        ("vnameserver6", In6Addr), ("vdnssearch", ctypes.c_void_p),
        ("vdomainname", ctypes.c_char_p), ("if_mtu", ctypes.c_size_t),
        ("if_mru", ctypes.c_size_t), ("disable_host_loopback", ctypes.c_bool),
        ("enable_emu", ctypes.c_bool), ("outbound_addr", ctypes.POINTER(SockaddrIn)),
        ("outbound_addr6", ctypes.c_void_p), ("disable_dns", ctypes.c_bool),
        ("disable_dhcp", ctypes.c_bool),
    ]


_SEND = ctypes.CFUNCTYPE(ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p)
_GUEST_ERROR = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_void_p)
_CLOCK = ctypes.CFUNCTYPE(ctypes.c_int64, ctypes.c_void_p)
_TIMER_FREE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_TIMER_MOD = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p)
_FD = ctypes.CFUNCTYPE(None, ctypes.c_int, ctypes.c_void_p)
_NOTIFY = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_INIT_DONE = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)
_TIMER_NEW_OPAQUE = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                                     ctypes.c_void_p)
_ADD_POLL = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_void_p)
_GET_REVENTS = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.c_void_p)


class SlirpCb(ctypes.Structure):
    _fields_ = [
        ("send_packet", _SEND), ("guest_error", _GUEST_ERROR), ("clock_get_ns", _CLOCK),
        ("timer_new", ctypes.c_void_p), ("timer_free", _TIMER_FREE), ("timer_mod", _TIMER_MOD),
        ("register_poll_fd", _FD), ("unregister_poll_fd", _FD), ("notify", _NOTIFY),
        ("init_completed", _INIT_DONE), ("timer_new_opaque", _TIMER_NEW_OPAQUE),
    ]


_LIB: ctypes.CDLL | None = None


def library() -> ctypes.CDLL:
    """libslirp, loaded once; OSError when it is not installed."""
    global _LIB
    if _LIB is None:
        try:
            lib = ctypes.CDLL(LIBRARY, use_errno=True)
        except OSError as exc:
            raise OSError(0, f"load {LIBRARY}: {exc} (install libslirp0)") from None
        lib.slirp_new.restype = ctypes.c_void_p
        lib.slirp_new.argtypes = [ctypes.POINTER(SlirpConfig), ctypes.POINTER(SlirpCb),
                                  ctypes.c_void_p]
        lib.slirp_cleanup.argtypes = [ctypes.c_void_p]
        lib.slirp_cleanup.restype = None
        lib.slirp_input.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.slirp_input.restype = None
        lib.slirp_pollfds_fill.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
                                           _ADD_POLL, ctypes.c_void_p]
        lib.slirp_pollfds_fill.restype = None
        lib.slirp_pollfds_poll.argtypes = [ctypes.c_void_p, ctypes.c_int, _GET_REVENTS,
                                           ctypes.c_void_p]
        lib.slirp_pollfds_poll.restype = None
        lib.slirp_handle_timer.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lib.slirp_handle_timer.restype = None
        lib.slirp_add_hostfwd.argtypes = [ctypes.c_void_p, ctypes.c_int, InAddr, ctypes.c_int,
                                          InAddr, ctypes.c_int]
        lib.slirp_add_hostfwd.restype = ctypes.c_int
        lib.slirp_version_string.restype = ctypes.c_char_p
        lib.slirp_version_string.argtypes = []
        _LIB = lib
    return _LIB


def in_addr(address: str) -> InAddr:
    return InAddr(int.from_bytes(ipaddress.IPv4Address(address).packed, "little"))


class _Timer:
    __slots__ = ("ident", "cb_opaque", "expire_ms")

    def __init__(self, ident: int, cb_opaque: int | None) -> None:
        self.ident, self.cb_opaque, self.expire_ms = ident, cb_opaque, -1


class Slirp:
    """One libslirp instance on an IPv4 network of its own (no IPv6, no TFTP, no protocol
    emulation). `on_frame` gets every Ethernet frame libslirp sends to the guest."""

    def __init__(self, *, network: str, host: str, dhcp_start: str, nameserver: str,
                 on_frame: Callable[[bytes], None], outbound: str | None = None,
                 dns: bool = False) -> None:
        lib = library()
        net = ipaddress.IPv4Network(network)
        self._lib = lib
        self._lock = threading.Lock()
        self._on_frame = on_frame
        self._timers: dict[int, _Timer] = {}
        self._next_timer = 1
        self._fds: list[tuple[int, int]] = []
        self._revents: list[int] = []
        self.guest_errors = 0
        self._cb = SlirpCb(
            send_packet=_SEND(self._send_packet), guest_error=_GUEST_ERROR(self._guest_error),
            clock_get_ns=_CLOCK(lambda _o: time.monotonic_ns()), timer_new=None,
            timer_free=_TIMER_FREE(self._timer_free), timer_mod=_TIMER_MOD(self._timer_mod),
            register_poll_fd=_FD(lambda _fd, _o: None),
            unregister_poll_fd=_FD(lambda _fd, _o: None), notify=_NOTIFY(lambda _o: None),
            init_completed=_INIT_DONE(lambda _s, _o: None),
            timer_new_opaque=_TIMER_NEW_OPAQUE(self._timer_new),
        )
        self._add_poll = _ADD_POLL(self._add_poll_fd)
        self._get_revents = _GET_REVENTS(self._get_revents_of)
        self._outbound = None
        if outbound is not None:  # every host socket libslirp opens is bound to it first
            self._outbound = SockaddrIn(socket.AF_INET, 0, in_addr(outbound))
        cfg = SlirpConfig(
            version=SLIRP_CONFIG_VERSION, restricted=0, in_enabled=True,
            vnetwork=in_addr(str(net.network_address)), vnetmask=in_addr(str(net.netmask)),
            vhost=in_addr(host), in6_enabled=False, vdhcp_start=in_addr(dhcp_start),
            vnameserver=in_addr(nameserver), disable_host_loopback=False, enable_emu=False,
            outbound_addr=(ctypes.pointer(self._outbound) if self._outbound is not None
                           else None),
            disable_dns=not dns,
        )
        self._cfg = cfg
        handle = lib.slirp_new(ctypes.byref(cfg), ctypes.byref(self._cb), None)
        if not handle:
            raise OSError(0, f"slirp_new {network}: failed")
        self._slirp: int | None = handle

    @staticmethod
    def version() -> str:
        return bytes(library().slirp_version_string()).decode(errors="replace")

    # The calls in: each holds the lock.
    def input(self, frame: bytes) -> None:
        """A frame from the guest."""
        if len(frame) > MAX_GUEST_FRAME:
            return
        with self._lock:
            if self._slirp is not None:
                self._lib.slirp_input(self._slirp, frame, len(frame))

    def add_hostfwd(self, udp: bool, host_addr: str, host_port: int, guest_addr: str,
                    guest_port: int) -> None:
        """Listen on the host's (host_addr, host_port) and forward each connection (or
        datagram) to the guest's (guest_addr, guest_port)."""
        with self._lock:
            if self._slirp is None:
                raise OSError(0, "slirp_add_hostfwd: the network is closed")
            ctypes.set_errno(0)
            rc = self._lib.slirp_add_hostfwd(self._slirp, int(udp), in_addr(host_addr),
                                             host_port, in_addr(guest_addr), guest_port)
        if rc < 0:
            err = ctypes.get_errno()
            what = f"{'udp' if udp else 'tcp'}:{host_addr}:{host_port}"
            raise OSError(err, f"slirp_add_hostfwd {what}: "
                               f"{os.strerror(err) if err else 'failed'}")

    def poll(self, timeout: float, extra: Sequence[int] = ()) -> list[int]:
        """One turn of libslirp's loop: wait up to `timeout` seconds (less if one of its
        TCP timers is due sooner) for its sockets or the `extra` fds, let it handle what
        is ready and fire its due timers. Returns the `extra` fds that are readable."""
        with self._lock:
            if self._slirp is None:
                return []
            self._fds = []
            wait = ctypes.c_uint32(min(max(int(timeout * 1000), 0), NO_TIMEOUT - 1))
            self._lib.slirp_pollfds_fill(self._slirp, ctypes.byref(wait), self._add_poll, None)
            fds = list(self._fds)
            wait_ms = min(wait.value, self._timer_due_ms())
        poller = select.poll()
        for fd, events in fds:
            poller.register(fd, events)
        for fd in extra:
            poller.register(fd, select.POLLIN)
        error = 0
        try:
            ready = dict(poller.poll(wait_ms))
        except OSError:
            ready, error = {}, 1
        with self._lock:
            if self._slirp is None:
                return []
            self._revents = [ready.get(fd, 0) for fd, _ in fds]
            self._lib.slirp_pollfds_poll(self._slirp, error, self._get_revents, None)
            self._fire_timers()
        return [fd for fd in extra if ready.get(fd, 0) & select.POLLIN]

    def close(self) -> None:
        """Free the stack: every host socket it opened closes with it."""
        with self._lock:
            if self._slirp is not None:
                self._lib.slirp_cleanup(self._slirp)
                self._slirp = None
                self._timers.clear()

    # Timers (only the IPv6 router advertisement one exists in 4.7; TCP's own timers run
    # from slirp_pollfds_poll).
    def _timer_due_ms(self) -> int:
        now = time.monotonic_ns() // 1_000_000
        due = [t.expire_ms - now for t in self._timers.values() if t.expire_ms >= 0]
        return max(min(due), 0) if due else NO_TIMEOUT

    def _fire_timers(self) -> None:
        now = time.monotonic_ns() // 1_000_000
        for timer in list(self._timers.values()):
            if 0 <= timer.expire_ms <= now and self._slirp is not None:
                timer.expire_ms = -1
                self._lib.slirp_handle_timer(self._slirp, timer.ident, timer.cb_opaque)

    # Callbacks from inside libslirp: never raise (ctypes would print a traceback).
    def _send_packet(self, buf: int | None, size: int, _opaque: int | None) -> int:
        try:
            if buf and 0 < size <= MAX_GUEST_FRAME:
                self._on_frame(ctypes.string_at(buf, size))
        except Exception:  # noqa: BLE001 - a callback from C must return
            log.exception("slirp: delivering a frame to the guest")
        return size

    def _guest_error(self, msg: bytes | None, _opaque: int | None) -> None:
        self.guest_errors += 1
        if self.guest_errors <= GUEST_ERRORS_LOGGED:
            log.warning("user network: %s", (msg or b"").decode(errors="replace")[:200])

    def _timer_new(self, ident: int, cb_opaque: int | None, _opaque: int | None) -> int:
        handle = self._next_timer
        self._next_timer += 1
        self._timers[handle] = _Timer(ident, cb_opaque)
        return handle

    def _timer_free(self, handle: int | None, _opaque: int | None) -> None:
        self._timers.pop(handle or 0, None)

    def _timer_mod(self, handle: int | None, expire_ms: int, _opaque: int | None) -> None:
        timer = self._timers.get(handle or 0)
        if timer is not None:
            timer.expire_ms = expire_ms

    def _add_poll_fd(self, fd: int, events: int, _opaque: int | None) -> int:
        mask = 0
        for flag, bit in _TO_POLL:
            if events & flag:
                mask |= bit
        self._fds.append((fd, mask))
        return len(self._fds) - 1

    def _get_revents_of(self, idx: int, _opaque: int | None) -> int:
        if not 0 <= idx < len(self._revents):
            return 0
        revents, out = self._revents[idx], 0
        for flag, bit in _TO_POLL:
            if revents & bit:
                out |= flag
        if revents & select.POLLNVAL:
            out |= SLIRP_POLL_ERR
        return out
