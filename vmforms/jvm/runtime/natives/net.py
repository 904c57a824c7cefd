"""Natives of java.net and sun.nio.ch.Net for IPv4 TCP and UDP sockets (JDK 17
NioSocketImpl and DatagramChannelImpl over the host's sockets). The VM reports no IPv6,
so the library stays on Inet4Address. A call on a non-blocking socket that would block
returns IOStatus.UNAVAILABLE, and the library then waits in Net.poll (timeouts)."""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING, Any

from vmforms.jvm.runtime.natives import constant, native, noop, override
from vmforms.jvm.runtime.natives.channels import fd_of
from vmforms.jvm.runtime.natives.unsafe import write_memory

if TYPE_CHECKING:
    import socket

    from vmforms.jvm.runtime.heap import JObject
    from vmforms.jvm.runtime.vm import JThread

NET = "sun/nio/ch/Net"
# Linux's values, written out so that the socket and select modules load on first use.
POLLIN, POLLOUT = 0x01, 0x04
AF_INET, AF_INET6 = 2, 10
I4 = "java/net/Inet4AddressImpl"

noop("java/net/InetAddress", "init()V")
noop("java/net/Inet4Address", "init()V")
noop("java/net/Inet6Address", "init()V")
noop("java/net/NetworkInterface", "init()V")
noop(NET, "initIDs()V")
constant("java/net/InetAddressImplFactory", "isIPv6Supported()Z", 0)
for _name, _value in (("isIPv6Available0()Z", 0), ("isReusePortAvailable0()Z", 1),
                      ("isExclusiveBindAvailable()I", -1),
                      ("shouldShutdownWriteBeforeClose0()Z", 0),
                      ("shouldSetBothIPv4AndIPv6Options0()Z", 1),
                      ("canIPv6SocketJoinIPv4Group0()Z", 0), ("canJoin6WithIPv4Group0()Z", 0),
                      ("canUseIPv6OptionsWithIPv4LocalAddress0()Z", 0),
                      ("pollinValue()S", POLLIN), ("polloutValue()S", POLLOUT),
                      ("pollerrValue()S", 0x08), ("pollhupValue()S", 0x10),
                      ("pollnvalValue()S", 0x20), ("pollconnValue()S", POLLOUT)):
    constant(NET, _name, _value)


# Net.c's handleSocketError: the exception class an errno becomes.
_ERRNO_CLASSES = {
    errno.ECONNREFUSED: "java/net/ConnectException",
    errno.ETIMEDOUT: "java/net/ConnectException",
    errno.ENOTCONN: "java/net/ConnectException",
    errno.EHOSTUNREACH: "java/net/NoRouteToHostException",
    errno.EADDRINUSE: "java/net/BindException",
    errno.EADDRNOTAVAIL: "java/net/BindException",
    errno.EACCES: "java/net/BindException",
}


def _io_error(th: JThread, exc: OSError, cls: str = "java/net/SocketException") -> None:
    if cls == "java/net/SocketException" and exc.errno in _ERRNO_CLASSES:
        cls = _ERRNO_CLASSES[exc.errno]
    elif isinstance(exc, ConnectionRefusedError):
        cls = "java/net/ConnectException"
    th.vm.throw(th, cls, exc.strerror or str(exc))


def _sock(fdo: JObject) -> socket.socket:
    """A socket object over the descriptor, which it must not close (see _done)."""
    import socket

    return socket.socket(fileno=fd_of(fdo))


def _done(s: socket.socket) -> None:
    s.detach()


UNAVAILABLE = -2  # IOStatus.UNAVAILABLE


def _call(th: JThread, fdo: JObject, fn: Any) -> Any:
    s = _sock(fdo)
    try:
        return fn(s)
    except BlockingIOError:
        return UNAVAILABLE
    except OSError as exc:
        _io_error(th, exc)
    finally:
        _done(s)


def _inet(th: JThread, host: str, packed: bytes) -> JObject:
    vm = th.vm
    arr = vm.new_array("[B", [b - 256 if b > 127 else b for b in packed])
    r: JObject = vm.call_static(th, "java/net/InetAddress", "getByAddress",
                                "(Ljava/lang/String;[B)Ljava/net/InetAddress;",
                                vm.new_string(host) if host else None, arr)
    return r


def _host(th: JThread, addr: JObject | None) -> str:
    if addr is None:
        return "0.0.0.0"
    return th.vm.to_str(th.vm.call_virtual(th, addr, "getHostAddress", "()Ljava/lang/String;"))


# -- names ----------------------------------------------------------------------------------

@native(I4, "getLocalHostName()Ljava/lang/String;")
def _local_host_name(th: JThread, a: list[Any]) -> Any:
    import socket

    return th.vm.new_string(socket.gethostname())


@native(I4, "lookupAllHostAddr(Ljava/lang/String;)[Ljava/net/InetAddress;")
def _lookup(th: JThread, a: list[Any]) -> Any:
    import socket

    vm = th.vm
    host = vm.to_str(a[1])
    try:
        infos = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        vm.throw(th, "java/net/UnknownHostException",
                 f"{host}: Name or service not known")
        raise
    seen: list[str] = []
    for info in infos:
        ip = str(info[4][0])
        if ip not in seen:
            seen.append(ip)
    return vm.new_array("[Ljava/net/InetAddress;",
                        [_inet(th, host, socket.inet_aton(ip)) for ip in seen])


@native(I4, "getHostByAddr([B)Ljava/lang/String;")
def _host_by_addr(th: JThread, a: list[Any]) -> Any:
    import socket

    ip = socket.inet_ntoa(bytes(b & 0xFF for b in a[1].data))
    try:
        return th.vm.new_string(socket.gethostbyaddr(ip)[0])
    except OSError:
        th.vm.throw(th, "java/net/UnknownHostException", None)


@native(I4, "isReachable0([BI[BI)Z")
def _reachable(th: JThread, a: list[Any]) -> Any:
    return 0


# -- sockets --------------------------------------------------------------------------------

@native(NET, "socket0(ZZZZ)I")
def _socket(th: JThread, a: list[Any]) -> Any:
    import socket

    kind = socket.SOCK_STREAM if a[1] else socket.SOCK_DGRAM
    try:
        s = socket.socket(socket.AF_INET, kind)
    except OSError as exc:
        _io_error(th, exc)
        raise
    if a[2]:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    return s.detach()


@native(NET, "bind0(Ljava/io/FileDescriptor;ZZLjava/net/InetAddress;I)V")
def _bind(th: JThread, a: list[Any]) -> Any:
    host, port = _host(th, a[3]), a[4]
    _call(th, a[0], lambda s: s.bind((host, port)))


@native(NET, "listen(Ljava/io/FileDescriptor;I)V")
def _listen(th: JThread, a: list[Any]) -> Any:
    _call(th, a[0], lambda s: s.listen(max(a[1], 1)))


@native(NET, "connect0(ZLjava/io/FileDescriptor;Ljava/net/InetAddress;I)I")
def _connect(th: JThread, a: list[Any]) -> Any:
    host, port = _host(th, a[2]), a[3]
    s = _sock(a[1])
    try:
        s.connect((host, port))
    except BlockingIOError:
        return UNAVAILABLE
    except OSError as exc:
        _io_error(th, exc, "java/net/ConnectException")
    finally:
        _done(s)
    return 1


@native(NET, "pollConnect(Ljava/io/FileDescriptor;J)Z")
def _poll_connect(th: JThread, a: list[Any]) -> Any:
    """Whether a non-blocking connect has finished (waiting up to the timeout)."""
    import os
    import select
    import socket

    p = select.poll()
    p.register(fd_of(a[0]), select.POLLOUT)
    if not p.poll(None if a[1] < 0 else a[1]):
        return 0
    err = _call(th, a[0], lambda s: s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
    if err:
        cls = "java/net/ConnectException" if err == errno.ECONNREFUSED else \
            "java/net/SocketException"
        th.vm.throw(th, cls, os.strerror(err))
    return 1


@native(NET, "accept(Ljava/io/FileDescriptor;Ljava/io/FileDescriptor;"
             "[Ljava/net/InetSocketAddress;)I")
def _accept(th: JThread, a: list[Any]) -> Any:
    import socket

    vm = th.vm
    accepted = _call(th, a[0], lambda s: s.accept())
    if accepted == UNAVAILABLE:
        return UNAVAILABLE
    conn, (host, port) = accepted
    conn.setblocking(True)  # a new connection starts blocking, as accept(2) makes it
    newfd = conn.detach()
    a[1].fields[a[1].klass.field_slots["fd"]] = newfd
    isa = vm.new_object(th, "java/net/InetSocketAddress", "(Ljava/net/InetAddress;I)V",
                        [_inet(th, "", socket.inet_aton(host)), port])
    a[2].data[0] = isa
    return 1


def _endpoint(th: JThread, fdo: JObject, peer: bool) -> tuple[str, int]:
    return tuple(_call(th, fdo, lambda s: s.getpeername() if peer else s.getsockname()))


@native(NET, "localPort(Ljava/io/FileDescriptor;)I")
def _local_port(th: JThread, a: list[Any]) -> Any:
    return _endpoint(th, a[0], False)[1]


@native(NET, "remotePort(Ljava/io/FileDescriptor;)I")
def _remote_port(th: JThread, a: list[Any]) -> Any:
    return _endpoint(th, a[0], True)[1]


@native(NET, "localInetAddress(Ljava/io/FileDescriptor;)Ljava/net/InetAddress;")
def _local_address(th: JThread, a: list[Any]) -> Any:
    import socket

    return _inet(th, "", socket.inet_aton(_endpoint(th, a[0], False)[0]))


@native(NET, "remoteInetAddress(Ljava/io/FileDescriptor;)Ljava/net/InetAddress;")
def _remote_address(th: JThread, a: list[Any]) -> Any:
    import socket

    return _inet(th, "", socket.inet_aton(_endpoint(th, a[0], True)[0]))


@native(NET, "getIntOption0(Ljava/io/FileDescriptor;ZII)I")
def _get_option(th: JThread, a: list[Any]) -> Any:
    import socket

    level, opt = a[2], a[3]
    if opt == socket.SO_LINGER:
        raw = _call(th, a[0], lambda s: s.getsockopt(level, opt, 8))
        on, secs = struct.unpack("ii", raw)
        return secs if on else -1
    return _call(th, a[0], lambda s: s.getsockopt(level, opt))


@native(NET, "setIntOption0(Ljava/io/FileDescriptor;ZIIIZ)V")
def _set_option(th: JThread, a: list[Any]) -> Any:
    import socket

    level, opt, value = a[2], a[3], a[4]
    if opt == socket.SO_LINGER:
        packed = struct.pack("ii", 1 if value >= 0 else 0, max(value, 0))
        _call(th, a[0], lambda s: s.setsockopt(level, opt, packed))
        return
    _call(th, a[0], lambda s: s.setsockopt(level, opt, value))


@native(NET, "poll(Ljava/io/FileDescriptor;IJ)I")
def _poll(th: JThread, a: list[Any]) -> Any:
    import select

    p = select.poll()
    p.register(fd_of(a[0]), a[1])
    events = p.poll(None if a[2] < 0 else a[2])
    return events[0][1] if events else 0


@native(NET, "available(Ljava/io/FileDescriptor;)I")
def _available(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.io import available

    return available(fd_of(a[0]))


@native(NET, "shutdown(Ljava/io/FileDescriptor;I)V")
def _shutdown(th: JThread, a: list[Any]) -> Any:
    how = a[1]
    s = _sock(a[0])
    try:
        s.shutdown(how)
    except OSError:
        pass
    finally:
        _done(s)


@native("sun/nio/ch/SocketDispatcher", "read0(Ljava/io/FileDescriptor;JI)I")
def _read(th: JThread, a: list[Any]) -> Any:
    data = _call(th, a[0], lambda s: s.recv(a[3]))
    if data == UNAVAILABLE:
        return data
    if not data:
        return -1
    write_memory(a[1], data)
    return len(data)


# jdk.net's extended socket options: none are offered.
for _name in ("keepAliveOptionsSupported0()Z", "quickAckSupported0()Z",
              "incomingNapiIdSupported0()Z"):
    constant("jdk/net/LinuxSocketOptions", _name, 0)


# -- UDP: DatagramChannelImpl reads and writes struct sockaddr in off-heap memory itself,
# laid out as Linux's sockaddr_in/sockaddr_in6 (NativeSocketAddress asks for the offsets).

NSA = "sun/nio/ch/NativeSocketAddress"
for _name, _value in (("AFINET()I", AF_INET), ("AFINET6()I", AF_INET6),
                      ("sizeofSockAddr4()I", 16), ("sizeofSockAddr6()I", 28),
                      ("sizeofFamily()I", 2), ("offsetFamily()I", 0),
                      ("offsetSin4Port()I", 2), ("offsetSin4Addr()I", 4),
                      ("offsetSin6Port()I", 2), ("offsetSin6Addr()I", 8),
                      ("offsetSin6ScopeId()I", 24), ("offsetSin6FlowInfo()I", 4)):
    constant(NSA, _name, _value)
DCI = "sun/nio/ch/DatagramChannelImpl"


def _sockaddr(host: str, port: int) -> bytes:
    import socket

    return struct.pack("<H", AF_INET) + struct.pack(">H", port) + \
        socket.inet_aton(host) + bytes(8)


@native(DCI, "receive0(Ljava/io/FileDescriptor;JIJZ)I")
def _receive(th: JThread, a: list[Any]) -> Any:
    got = _call(th, a[0], lambda s: s.recvfrom(a[3]))
    if got == UNAVAILABLE:
        return got
    data, (host, port) = got
    write_memory(a[1], data)
    write_memory(a[4], _sockaddr(host, port))
    return len(data)


@native(DCI, "send0(Ljava/io/FileDescriptor;JIJI)I")
def _send(th: JThread, a: list[Any]) -> Any:
    import socket

    from vmforms.jvm.runtime.natives.unsafe import read_memory

    data = read_memory(a[1], a[3])
    raw = read_memory(a[4], 8)
    port = struct.unpack(">H", raw[2:4])[0]
    host = socket.inet_ntoa(raw[4:8])
    return _call(th, a[0], lambda s: s.sendto(data, (host, port)))


# Dissolving a UDP association needs connect(AF_UNSPEC), which Python's socket cannot
# issue: the socket stays connected.
noop(DCI, "disconnect0(Ljava/io/FileDescriptor;Z)V")
noop("java/net/DatagramPacket", "init()V")


@native("sun/nio/ch/DatagramDispatcher", "read0(Ljava/io/FileDescriptor;JI)I")
def _datagram_read(th: JThread, a: list[Any]) -> Any:
    data = _call(th, a[0], lambda s: s.recv(a[3]))
    if data == UNAVAILABLE:
        return data
    write_memory(a[1], data)
    return len(data)


@native("sun/nio/ch/DatagramDispatcher", "write0(Ljava/io/FileDescriptor;JI)I")
def _datagram_write(th: JThread, a: list[Any]) -> Any:
    from vmforms.jvm.runtime.natives.unsafe import read_memory

    data = read_memory(a[1], a[3])
    return _call(th, a[0], lambda s: s.send(data))


# -- selectors: PollSelectorImpl keeps struct pollfd {int fd; short events, revents}
# in off-heap memory; its wakeup pipe comes from IOUtil.makePipe.

@native("sun/nio/ch/PollSelectorImpl", "poll(JII)I")
def _selector_poll(th: JThread, a: list[Any]) -> Any:
    import select

    from vmforms.jvm.runtime.natives.unsafe import read_memory

    address, count, timeout = a[0], a[2], a[3]
    raw = bytearray(read_memory(address, 8 * count))
    p = select.poll()
    for i in range(count):
        fd, events, _ = struct.unpack_from("<ihh", raw, 8 * i)
        if fd >= 0:
            p.register(fd, events)
    ready = dict(p.poll(None if timeout < 0 else timeout))
    for i in range(count):
        fd, events, _ = struct.unpack_from("<ihh", raw, 8 * i)
        struct.pack_into("<ihh", raw, 8 * i, fd, events, ready.get(fd, 0))
    write_memory(address, bytes(raw))
    return len(ready)


IOU = "sun/nio/ch/IOUtil"


@native(IOU, "makePipe(Z)J")
def _make_pipe(th: JThread, a: list[Any]) -> Any:
    import os

    r, w = os.pipe()
    if not a[0]:
        os.set_blocking(r, False)
        os.set_blocking(w, False)
    return r << 32 | w


@native(IOU, "write1(IB)I")
def _write1(th: JThread, a: list[Any]) -> Any:
    import os

    try:
        return os.write(a[0], bytes([a[1] & 0xFF]))
    except BlockingIOError:
        return UNAVAILABLE


@native(IOU, "drain(I)Z")
def _drain(th: JThread, a: list[Any]) -> Any:
    import os

    got = False
    try:
        while os.read(a[0], 128):
            got = True
    except BlockingIOError:
        pass
    return 1 if got else 0


@native(IOU, "drain1(I)I")
def _drain1(th: JThread, a: list[Any]) -> Any:
    import os

    try:
        return len(os.read(a[0], 1))
    except BlockingIOError:
        return UNAVAILABLE


_poll_providers: dict[int, Any] = {}


@override("sun/nio/ch/DefaultSelectorProvider", "get()Lsun/nio/ch/SelectorProviderImpl;")
def _default_selector_provider(th: JThread, a: list[Any]) -> Any:
    """poll(2) selectors stand in for epoll, whose event structs the VM does not lay out."""
    vm = th.vm
    p = _poll_providers.get(id(vm))
    if p is None:
        p = _poll_providers[id(vm)] = vm.new_object(th, "sun/nio/ch/PollSelectorProvider",
                                                    "()V", [])
    return p
