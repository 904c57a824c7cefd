"""Container networks on the real kernel: the default bridge, --network modes, published
ports, names on user networks, addresses under load, clean-up after crashes.

All traffic stays between the host's loopback, the test root's own bridges and its
containers. The test root's default network has a bridge and subnet of its own
(conftest.write_test_network), and conftest checks that no link, nftables table, lease
or endpoint is left after the session.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.integration

HTTPD = ("mkdir -p /www && echo hello-$HOSTNAME > /www/index.html && "
         "exec httpd -f -p 80 -h /www")


def inspect(vmf: Any, name: str) -> dict[str, Any]:
    out = vmf("inspect", name, check=True).stdout
    return dict(json.loads(out)[0])


def default_net(vmf: Any) -> dict[str, Any]:
    return dict(json.loads((vmf.root / "networks" / "bridge.json").read_text()))


def get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return str(resp.read().decode())


def wait_get(url: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return get(url, 2)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def links_on(bridge: str, patience: float = 10.0) -> str:
    """The links on `bridge` once pending deletions are done (a veth is deleted by a
    detached process after `run --rm`, or by the kernel with its namespace)."""
    deadline = time.monotonic() + patience
    while True:
        out = subprocess.run(["ip", "-o", "link", "show", "master", bridge],
                             capture_output=True, text=True).stdout
        if not out or time.monotonic() > deadline:
            return out
        time.sleep(0.05)


@pytest.fixture
def cleanup(vmf: Any) -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        vmf("rm", "-f", name)


def test_default_bridge(vmf: Any) -> None:
    net = default_net(vmf)
    subnet = ipaddress.IPv4Network(net["Subnet"])
    out = vmf("run", "--rm", "busybox", "sh", "-c",
              "ip -o -4 addr show eth0; ip route; cat /etc/hosts", check=True).stdout
    address = ipaddress.IPv4Interface(out.split("inet ")[1].split()[0])
    assert address.ip in subnet and address.network == subnet
    assert f"default via {subnet.network_address + 1} dev eth0" in out
    assert f"{address.ip}\t" in out  # its own name in /etc/hosts
    assert links_on(net["Bridge"]) == ""  # the veth went with the container


def test_none_has_only_loopback(vmf: Any) -> None:
    out = vmf("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link",
              check=True).stdout
    names = [line.split(":")[1].strip() for line in out.splitlines()]
    assert names == ["lo"]


def test_host_sees_the_hosts_links(vmf: Any) -> None:
    host = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    out = vmf("run", "--rm", "--network", "host", "busybox", "ip", "-o", "link",
              check=True).stdout

    def names(text: str) -> set[str]:
        return {line.split(":")[1].strip().split("@")[0] for line in text.splitlines()}

    assert names(host) <= names(out) | {n for n in names(host) if n.startswith("veth")}
    assert "eth0" in names(out) or len(names(out)) > 1
    # Docker: the host's name with the host's network
    name = vmf("run", "--rm", "--network", "host", "busybox", "hostname", check=True).stdout
    assert name.strip() == os.uname().nodename


def test_container_mode_shares_the_namespace(vmf: Any, cleanup: list[str]) -> None:
    cleanup.append("netowner")
    vmf("run", "-d", "--name", "netowner", "busybox", "sleep", "60", check=True)
    own = vmf("exec", "netowner", "readlink", "/proc/self/ns/net", check=True).stdout
    joined = vmf("run", "--rm", "--network", "container:netowner", "busybox",
                 "readlink", "/proc/self/ns/net", check=True).stdout
    assert own == joined
    vmf("stop", "-t", "0", "netowner", check=True)
    bad = vmf("run", "--rm", "--network", "container:netowner", "busybox", "true")
    assert bad.returncode == 125 and "non running container" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_published_port_answers_on_loopback_and_bridge(vmf: Any, cleanup: list[str]) -> None:
    cleanup.append("web")
    vmf("run", "-d", "--name", "web", "--hostname", "webhost", "-p", "127.0.0.1::80",
        "-p", "80", "busybox", "sh", "-c", HTTPD, check=True)
    settings = inspect(vmf, "web")["NetworkSettings"]
    ports = settings["Ports"]["80/tcp"]
    loop = next(p for p in ports if p["HostIp"] == "127.0.0.1")["HostPort"]
    anyp = next(p for p in ports if p["HostIp"] == "0.0.0.0")["HostPort"]
    assert wait_get(f"http://127.0.0.1:{loop}/") == "hello-webhost\n"
    gateway = str(ipaddress.IPv4Network(default_net(vmf)["Subnet"]).network_address + 1)
    assert get(f"http://{gateway}:{anyp}/") == "hello-webhost\n"
    assert get(f"http://{settings['IPAddress']}:80/") == "hello-webhost\n"
    # hairpin: another container reaches it through the host's published port
    hairpin = vmf("run", "--rm", "busybox", "sh", "-c",
                  f"printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc {gateway} {anyp}",
                  check=True).stdout
    assert hairpin.endswith("hello-webhost\n")
    assert settings["Gateway"] == gateway
    assert settings["MacAddress"] == "02:42:" + ":".join(
        f"{b:02x}" for b in ipaddress.IPv4Address(settings["IPAddress"]).packed)
    port = vmf("port", "web", check=True).stdout.splitlines()
    assert f"80/tcp -> 127.0.0.1:{loop}" in port and f"80/tcp -> 0.0.0.0:{anyp}" in port
    assert f"0.0.0.0:{anyp}->80/tcp" in vmf("ps", check=True).stdout
    # the same host port again is refused before anything starts
    taken = vmf("run", "--rm", "-p", f"127.0.0.1:{loop}:80", "busybox", "true")
    assert taken.returncode == 125 and "port is already allocated" in taken.stderr
    assert len(taken.stderr.strip().splitlines()) == 1
    vmf("rm", "-f", "web", check=True)
    with pytest.raises(OSError):
        get(f"http://127.0.0.1:{loop}/", 1)


def test_names_and_aliases_on_a_user_network(vmf: Any, cleanup: list[str]) -> None:
    created = vmf("network", "create", "testnet", check=True).stdout.strip()
    try:
        cleanup += ["server", "client"]
        subnet = ipaddress.IPv4Network(json.loads(vmf("network", "inspect", "testnet",
                                                      check=True).stdout)[0]["IPAM"]
                                       ["Config"][0]["Subnet"])
        fixed = str(subnet.network_address + 200)
        vmf("run", "-d", "--name", "server", "--network", "testnet", "--network-alias",
            "api", "--ip", fixed, "busybox", "sh", "-c", HTTPD, check=True)
        settings = inspect(vmf, "server")["NetworkSettings"]["Networks"]["testnet"]
        assert settings["IPAddress"] == fixed
        assert settings["IPAMConfig"] == {"IPv4Address": fixed}
        taken = vmf("run", "--rm", "--network", "testnet", "--ip", fixed, "busybox", "true")
        assert taken.returncode == 125 and "already in use" in taken.stderr
        out = vmf("run", "--name", "client", "--network", "testnet", "--add-host",
                  "extra.test:10.1.2.3", "--dns", "10.1.2.4", "--dns-search", "corp.test",
                  "busybox", "sh", "-c",
                  "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://server/ && break; "
                  "sleep 0.2; done; wget -qO- http://api/; ping -c1 -W2 server >/dev/null && "
                  "echo ping-ok; cat /etc/hosts /etc/resolv.conf", timeout=60, check=True).stdout
        assert out.count("hello-") == 2 and "ping-ok" in out
        assert "10.1.2.3\textra.test" in out and "nameserver 10.1.2.4" in out
        assert "search corp.test" in out
        # the server's /etc/hosts lists the client while it runs, and drops it after
        hosts_now = vmf("exec", "server", "cat", "/etc/hosts", check=True).stdout
        assert "client" not in hosts_now  # the client has exited: its endpoint is gone
        listed = json.loads(vmf("network", "inspect", "testnet", check=True).stdout)[0]
        assert listed["Id"] == created and len(listed["Containers"]) == 1
        busy = vmf("network", "rm", "testnet")
        assert busy.returncode == 1 and "active endpoints" in busy.stderr
        names = vmf("network", "ls", check=True).stdout
        assert "testnet" in names and "bridge" in names and " host " in names
        hostnet = json.loads(vmf("network", "inspect", "host", check=True).stdout)[0]
        assert hostnet["Driver"] == "host" and hostnet["Name"] == "host"
    finally:
        for name in ("server", "client"):
            vmf("rm", "-f", name)
        vmf("network", "rm", "testnet", check=True)
    assert "testnet" not in vmf("network", "ls", check=True).stdout


@pytest.mark.skipif(shutil.which("iptables") is None, reason="iptables is not installed")
def test_iptables_backend(vmf: Any, cleanup: list[str]) -> None:
    """The same publishing through iptables, for hosts without nft; nothing left after."""
    net_id = vmf("network", "create", "-o", "firewall=iptables", "ipt", check=True).stdout
    try:
        cleanup.append("iptweb")
        vmf("run", "-d", "--name", "iptweb", "--hostname", "ipt", "--network", "ipt",
            "-p", "127.0.0.1::80", "busybox", "sh", "-c", HTTPD, check=True)
        port = inspect(vmf, "iptweb")["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"]
        assert wait_get(f"http://127.0.0.1:{port}/") == "hello-ipt\n"
        rules = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                               text=True).stdout
        assert f"--dport {port} -j DNAT" in rules
        vmf("rm", "-f", "iptweb", check=True)
        rules = subprocess.run(["iptables-save", "-t", "nat"], capture_output=True,
                               text=True).stdout
        assert f"--dport {port} -j DNAT" not in rules
    finally:
        vmf("rm", "-f", "iptweb")
        vmf("network", "rm", "ipt", check=True)
    assert f"VMF-vmbr-{net_id[:10]}" not in subprocess.run(["iptables-save"],
                                                          capture_output=True, text=True).stdout


def test_connect_and_disconnect(vmf: Any, cleanup: list[str]) -> None:
    vmf("network", "create", "sidenet", check=True)
    try:
        cleanup.append("multi")
        vmf("run", "-d", "--name", "multi", "busybox", "sleep", "60", check=True)
        vmf("network", "connect", "sidenet", "multi", check=True)
        links = vmf("exec", "multi", "ip", "-o", "-4", "addr", check=True).stdout
        assert " eth1 " in links
        assert "sidenet" in inspect(vmf, "multi")["NetworkSettings"]["Networks"]
        vmf("network", "disconnect", "sidenet", "multi", check=True)
        assert " eth1 " not in vmf("exec", "multi", "ip", "-o", "-4", "addr",
                                   check=True).stdout
    finally:
        vmf("rm", "-f", "multi")
        vmf("network", "rm", "sidenet", check=True)


def test_connect_a_stopped_container_as_docker_does(vmf: Any, cleanup: list[str]) -> None:
    """`network connect` of a created container takes effect when it starts, and stays
    across restarts until `disconnect`, which works on a stopped container too (Docker's
    behaviour; the network a container was created on cannot be taken away while it is
    stopped)."""
    vmf("network", "create", "latenet", check=True)
    try:
        cleanup.extend(["late", "peer"])
        vmf("create", "--name", "late", "busybox", "sleep", "60", check=True)
        vmf("network", "connect", "--alias", "tardy", "latenet", "late", check=True)
        again = vmf("network", "connect", "latenet", "late")
        assert again.returncode == 1 and "already exists in network latenet" in again.stderr
        networks = inspect(vmf, "late")["NetworkSettings"]["Networks"]
        assert set(networks) == {"bridge", "latenet"} and networks["latenet"]["IPAddress"] == ""
        vmf("start", "late", check=True)
        assert " eth1 " in vmf("exec", "late", "ip", "-o", "-4", "addr", check=True).stdout
        reached = vmf("run", "--rm", "--name", "peer", "--network", "latenet", "busybox",
                      "ping", "-c", "1", "-W", "2", "tardy")
        assert reached.returncode == 0, reached.stdout + reached.stderr
        vmf("restart", "-t", "1", "late", check=True)
        assert " eth1 " in vmf("exec", "late", "ip", "-o", "-4", "addr", check=True).stdout
        vmf("stop", "-t", "1", "late", check=True)
        primary = vmf("network", "disconnect", "bridge", "late")
        assert primary.returncode == 1 and len(primary.stderr.splitlines()) == 1
        vmf("network", "disconnect", "latenet", "late", check=True)
        vmf("start", "late", check=True)
        assert " eth1 " not in vmf("exec", "late", "ip", "-o", "-4", "addr", check=True).stdout
        assert "latenet" not in inspect(vmf, "late")["NetworkSettings"]["Networks"]
    finally:
        vmf("rm", "-f", "late")
        vmf("network", "rm", "latenet", check=True)


def test_fifty_parallel_containers_get_distinct_addresses(vmf: Any) -> None:
    names = [f"par{i}" for i in range(50)]
    try:
        procs = [vmf.popen("run", "-d", "--name", n, "busybox", "sleep", "120",
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for n in names]
        errors = [p.communicate(timeout=180)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), errors
        addresses = [inspect(vmf, n)["NetworkSettings"]["IPAddress"] for n in names]
        assert len(set(addresses)) == 50 and "" not in addresses
    finally:
        vmf("rm", "-f", *names, timeout=300)
    assert not list((vmf.root / "networks" / "bridge" / "leases").iterdir())


def _monitor_pid(vmf: Any, name: str) -> int:
    cid = inspect(vmf, name)["Id"]
    state = json.loads((vmf.root / "containers" / cid / "state.json").read_text())
    return int(state["MonitorPid"])


def test_nothing_left_after_killed_monitors(vmf: Any) -> None:
    net = default_net(vmf)
    names = ["crash1", "crash2"]
    for n in names:
        vmf("run", "-d", "--name", n, "-p", "80", "busybox", "sleep", "60", check=True)
    for n in names:
        os.kill(_monitor_pid(vmf, n), signal.SIGKILL)
    vmf("rm", "-f", *names, check=True)
    assert links_on(net["Bridge"]) == ""
    assert not list((vmf.root / "networks" / "bridge" / "leases").iterdir())
    table = subprocess.run(["nft", "list", "map", "ip", f"vmforms_{net['Bridge']}", "ports"],
                           capture_output=True, text=True).stdout
    assert "elements" not in table


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_like_podman_none_has_only_loopback(vmf: Any) -> None:
    """podman (netavark) and we agree on what --network none leaves a container."""
    layout = vmf.root / "images"
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{layout}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    image = pulled.stdout.strip()
    try:
        theirs = subprocess.run(["podman", "--runtime", "runc", "run", "--rm", "--network=none",
                                 "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
                                 image, "ip", "-o", "link"], capture_output=True, text=True,
                                timeout=120)
        if theirs.returncode != 0:
            pytest.skip(f"podman cannot run here: {theirs.stderr.strip()}")
        ours = vmf("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link",
                   check=True).stdout
        assert [line.split(":")[1] for line in theirs.stdout.splitlines()] == \
            [line.split(":")[1] for line in ours.splitlines()]
    finally:
        subprocess.run(["podman", "rmi", "-f", image], capture_output=True, timeout=120)


@pytest.mark.skipif(shutil.which("podman") is None, reason="podman is not installed")
def test_like_podman_published_port(vmf: Any, cleanup: list[str]) -> None:
    """The same -p on podman (netavark) and on us: both answer on 127.0.0.1, and `port`
    prints the mapping the same way."""
    layout = vmf.root / "images"
    pulled = subprocess.run(["podman", "pull", "-q", f"oci:{layout}:busybox:latest"],
                            capture_output=True, text=True, timeout=120)
    if pulled.returncode != 0:
        pytest.skip(f"podman cannot pull the test image: {pulled.stderr.strip()}")
    image = pulled.stdout.strip()
    name = f"vmforms-net-{os.getpid()}"
    try:
        theirs = subprocess.run(
            ["podman", "--runtime", "runc", "run", "-d", "--name", name, "--hostname", "same",
             "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
             "-p", "127.0.0.1::80", image, "sh", "-c", HTTPD],
            capture_output=True, text=True, timeout=120)
        if theirs.returncode != 0:
            pytest.skip(f"podman cannot run here: {theirs.stderr.strip()}")
        cleanup.append("likepodman")
        vmf("run", "-d", "--name", "likepodman", "--hostname", "same", "-p", "127.0.0.1::80",
            "busybox", "sh", "-c", HTTPD, check=True)
        their_port = subprocess.run(["podman", "port", name], capture_output=True, text=True,
                                    timeout=60).stdout.strip()
        our_port = vmf("port", "likepodman", check=True).stdout.strip()
        assert their_port.startswith("80/tcp -> 127.0.0.1:")
        assert our_port.startswith("80/tcp -> 127.0.0.1:")
        their_body = wait_get(f"http://127.0.0.1:{their_port.rsplit(':', 1)[1]}/")
        our_body = wait_get(f"http://127.0.0.1:{our_port.rsplit(':', 1)[1]}/")
        assert their_body == our_body == "hello-same\n"
        # inspect: podman's NetworkSettings keys are all in ours, Ports shaped alike
        theirs_json = json.loads(subprocess.run(["podman", "inspect", name],
                                                capture_output=True, text=True,
                                                timeout=60).stdout)[0]["NetworkSettings"]
        ours_json = inspect(vmf, "likepodman")["NetworkSettings"]
        assert set(theirs_json) <= set(ours_json)
        assert set(theirs_json["Ports"]) == set(ours_json["Ports"]) == {"80/tcp"}
        assert [set(p) for p in theirs_json["Ports"]["80/tcp"]] == \
            [set(p) for p in ours_json["Ports"]["80/tcp"]]
        assert ours_json["Ports"]["80/tcp"][0]["HostIp"] == "127.0.0.1"
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True,
                       timeout=120)
        subprocess.run(["podman", "rmi", "-f", image], capture_output=True, timeout=120)


def _image_with_expose(vmf: Any, tag: str, exposed: list[str]) -> None:
    """busybox saved, its config given EXPOSE lines, loaded again as `tag`."""
    import hashlib
    import io
    import tarfile

    src = vmf.root / "expose-src.tar"
    dst = vmf.root / "expose-dst.tar"
    try:
        vmf("save", "-o", str(src), "busybox", check=True)
        with tarfile.open(src) as tin, tarfile.open(dst, "w") as tout:
            manifest = json.loads(tin.extractfile("manifest.json").read())  # type: ignore[union-attr]
            config = json.loads(tin.extractfile(manifest[0]["Config"]).read())  # type: ignore[union-attr]
            config.setdefault("config", {})["ExposedPorts"] = {p: {} for p in exposed}
            data = json.dumps(config).encode()
            name = hashlib.sha256(data).hexdigest() + ".json"
            manifest[0].update(Config=name, RepoTags=[tag])
            for member in tin.getmembers():
                if member.name in ("manifest.json", "repositories") or member.name.endswith(
                        ".json") and "/" not in member.name:
                    continue
                tout.addfile(member, tin.extractfile(member) if member.isfile() else None)
            for fname, blob in ((name, data), ("manifest.json", json.dumps(manifest).encode())):
                info = tarfile.TarInfo(fname)
                info.size = len(blob)
                tout.addfile(info, io.BytesIO(blob))
        vmf("load", "-q", "-i", str(dst), check=True)
    finally:
        src.unlink(missing_ok=True)
        dst.unlink(missing_ok=True)


def test_publish_all_exposed_ports(vmf: Any, cleanup: list[str]) -> None:
    _image_with_expose(vmf, "exposed:test", ["80/tcp", "5353/udp"])
    try:
        cleanup.append("exposed")
        vmf("run", "-d", "--name", "exposed", "--hostname", "pub", "-P", "exposed:test",
            "sh", "-c", HTTPD, check=True)
        ports = inspect(vmf, "exposed")["NetworkSettings"]["Ports"]
        assert inspect(vmf, "exposed")["Config"]["ExposedPorts"] == {"80/tcp": {},
                                                                   "5353/udp": {}}
        assert set(ports) == {"80/tcp", "5353/udp"}
        tcp = ports["80/tcp"][0]
        assert tcp["HostIp"] == "0.0.0.0" and int(tcp["HostPort"]) > 0
        assert wait_get(f"http://127.0.0.1:{tcp['HostPort']}/") == "hello-pub\n"
        assert int(ports["5353/udp"][0]["HostPort"]) > 0
    finally:
        vmf("rm", "-f", "exposed")
        vmf("rmi", "exposed:test")


OUTSIDE_SERVER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9999))
s.listen(1)
s.settimeout(30)
print("ready", flush=True)
conn, peer = s.accept()
conn.sendall(peer[0].encode() + b"\\n")
conn.close()
"""


@pytest.mark.skipif(shutil.which("ip") is None, reason="iproute2 is not installed")
def test_outbound_traffic_is_masqueraded(vmf: Any) -> None:
    """A container's connection out of its subnet leaves with the host's address: to a
    namespace of the test's own, behind a veth on a subnet of its own (no traffic ever
    leaves this machine)."""
    import secrets
    import sys

    tag = secrets.token_hex(3)
    ns, host_if = f"vmft-out-{tag}", f"vmfo{tag}"
    third = secrets.randbelow(250)
    host_ip, far_ip = f"10.95.{third}.1", f"10.95.{third}.2"

    def ip(*args: str) -> None:
        subprocess.run(["ip", *args], check=True, capture_output=True)

    ip("netns", "add", ns)
    server: subprocess.Popen[str] | None = None
    try:
        ip("link", "add", host_if, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("addr", "add", f"{host_ip}/30", "dev", host_if)
        ip("link", "set", host_if, "up")
        ip("-n", ns, "addr", "add", f"{far_ip}/30", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        ip("-n", ns, "link", "set", "lo", "up")
        server = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c",
                                   OUTSIDE_SERVER], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None and server.stdout.readline() == "ready\n"
        out = vmf("run", "--rm", "busybox", "sh", "-c",
                  f"nc {far_ip} 9999 </dev/null; ip -o -4 addr show eth0", check=True).stdout
        seen, own = out.splitlines()[0], out.split("inet ")[1].split("/")[0]
        assert seen == host_ip and own != host_ip  # masqueraded to the host's address
    finally:
        if server is not None:
            server.kill()
            server.wait()
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        ip("netns", "del", ns)
