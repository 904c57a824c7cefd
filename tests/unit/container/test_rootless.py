"""The rootless parts that need no user namespace: /etc/subuid parsing, the maps, the
per-user paths, the network choice and what `run` refuses."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from vmforms.container import rootless, rootless_cgroup, rootless_net
from vmforms.container.errors import CgroupNotFound, ContainerError


def test_subordinate_ranges_by_name_or_uid_skipping_bad_lines(tmp_path: Path) -> None:
    f = tmp_path / "subuid"
    f.write_text("alice:100000:65536\n"
                 "bob:200000:65536\n"
                 "1000:300000:10\n"
                 "alice:x:5\n"            # not a number
                 "alice:400000:0\n"       # empty
                 "alice:4294967295:2\n"   # beyond 32 bits
                 "alice:500000\n"         # too few fields
                 "alice:600000:1:extra\n"
                 "alice:700000:5\n")
    assert rootless.subordinate_ranges(f, "alice", 1000) == [
        (100000, 65536), (300000, 10), (700000, 5)]
    assert rootless.subordinate_ranges(f, "carol", 1001) == []
    assert rootless.subordinate_ranges(tmp_path / "missing", "alice", 1000) == []


def test_mappings_put_the_users_id_at_zero_then_the_ranges_in_order() -> None:
    assert rootless.mappings(1000, [(100000, 65536), (300000, 10)]) == [
        (0, 1000, 1), (1, 100000, 65536), (65537, 300000, 10)]
    assert rootless.mappings(1000, []) == [(0, 1000, 1)]


def test_user_root_follows_xdg_data_home_when_absolute() -> None:
    assert rootless.user_root({"XDG_DATA_HOME": "/d", "HOME": "/h"}) == Path("/d/vmforms")
    assert rootless.user_root({"XDG_DATA_HOME": "rel", "HOME": "/h"}) == Path(
        "/h/.local/share/vmforms")
    assert rootless.user_root({"HOME": "/h"}) == Path("/h/.local/share/vmforms")


def test_runtime_dir_is_the_private_xdg_one(tmp_path: Path) -> None:
    xdg = tmp_path / "xdg"
    xdg.mkdir(mode=0o700)
    assert rootless.runtime_dir({"XDG_RUNTIME_DIR": str(xdg)}) == xdg / "vmforms"
    assert (xdg / "vmforms").is_dir()
    kept = {rootless.RUN_DIR: str(tmp_path / "given")}
    assert rootless.runtime_dir(kept) == tmp_path / "given"


def _run_args(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = {"network": "none", "publish": [], "privileged": False,
                               "device": [], "sysctl": [], "memory": None}
    return SimpleNamespace(**(base | kw))


@pytest.mark.parametrize(("kw", "words"), [
    ({"privileged": True}, "--privileged"),
    ({"device": ["/dev/sda"]}, "--device /dev/sda"),
    ({"sysctl": ["vm.swappiness=1"]}, "--sysctl vm.swappiness"),
    ({"network": "bridge"}, "bridge networks need root"),
    ({"network": "mynet"}, "bridge networks need root"),
])
def test_run_refuses_what_needs_the_hosts_privilege(kw: dict[str, object], words: str
                                                    ) -> None:
    with pytest.raises(ContainerError, match=words):
        rootless.check_run_options(_run_args(**kw))


def test_run_allows_namespaced_sysctls_and_none_or_host() -> None:
    for network in ("none", "host", "container:web"):
        rootless.check_run_options(_run_args(network=network,
                                             sysctl=["net.ipv4.ip_forward=1"]))


def test_default_network_without_slirp4netns_is_none_said_once(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(rootless_net.shutil, "which", lambda name: None)
    a = _run_args(network=None)
    rootless_net.choose_network(a)
    assert a.network == "none"
    assert capsys.readouterr().err.count("NOTE:") == 1
    with pytest.raises(ContainerError, match="-p needs slirp4netns"):
        rootless_net.choose_network(_run_args(network=None, publish=["80"]))
    with pytest.raises(ContainerError, match="slirp4netns is not installed"):
        rootless_net.choose_network(_run_args(network="slirp4netns"))


def test_no_cgroup_driver_limits_nothing_and_finds_only_running_containers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv("VMFORMS_ROOT", str(tmp_path))
    driver = rootless_cgroup.NoCgroupDriver()
    cgroup = driver.create("vmforms/x", object())
    cgroup.add(1)
    assert cgroup.procs() == [] and not cgroup.exists() and not cgroup.oom_killed()
    cgroup.destroy()
    with pytest.raises(ContainerError, match="freezer"):
        cgroup.freeze()
    for name in ("vmforms/x", "vmforms/..", "vmforms/"):
        with pytest.raises(CgroupNotFound):
            driver.open(name)
    # Opened for a running PID 1 (here: this process), the processes of its pid namespace.
    ours = rootless_cgroup.NoCgroup("vmforms/y", os.getpid())
    assert os.getpid() in ours.procs()
    use = ours.stats()
    assert use["pids_current"] >= 1 and use["memory_usage"] > 0 and use["cpu_usage_ns"] > 0


def test_cgroups_only_where_delegated(tmp_path: Path) -> None:
    from vmforms.container.cgroups.v2 import V2Driver

    base = tmp_path / "cgroup"
    delegated = base / "user.slice" / "user@1000.service" / "app.slice"
    (delegated / "shell.scope").mkdir(parents=True)
    for name in ("cgroup.procs", "cgroup.subtree_control"):
        (delegated / name).write_text("")
    own = tmp_path / "self-cgroup"
    own.write_text("0::/user.slice/user@1000.service/app.slice/shell.scope\n")
    # cgroup v1 (no cgroup.controllers at the root): none at all
    assert isinstance(rootless_cgroup.cgroup_driver(base, own), rootless_cgroup.NoCgroupDriver)
    (base / "cgroup.controllers").write_text("cpu memory pids\n")
    driver = rootless_cgroup.cgroup_driver(base, own)
    assert isinstance(driver, V2Driver) and driver.root == delegated
    (delegated / "cgroup.procs").unlink()  # not writable by us: look higher, find nothing
    assert isinstance(rootless_cgroup.cgroup_driver(base, own), rootless_cgroup.NoCgroupDriver)


def test_vm_isolation_keeps_its_own_network_default() -> None:
    a = _run_args(network=None, isolation="vm")
    rootless_net.choose_network(a)
    assert a.network is None


def _layer(path: Path, members: list[tuple[str, bytes, dict[str, str]]]) -> None:
    import io
    import tarfile

    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, pax in members:
            info = tarfile.TarInfo(name)
            if name.endswith("/"):
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            else:
                info.size, info.mode = len(data), 0o644
            info.pax_headers = pax
            tar.addfile(info, io.BytesIO(data) if data else None)


def test_a_rootless_layer_keeps_overlay_metadata_in_user_xattrs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from vmforms.container.image.unpack import unpack_layer

    try:
        os.setxattr(tmp_path, "user.probe", b"1")
    except OSError:
        pytest.skip(f"{tmp_path} keeps no user.* xattrs")
    src = tmp_path / "layer.tar"
    _layer(src, [("d/", b"", {}), ("d/.wh..wh..opq", b"", {}),
                 ("f", b"x", {"SCHILY.xattr.user.overlay.redirect": "/elsewhere",
                              "SCHILY.xattr.user.note": "kept"})])
    monkeypatch.setenv(rootless.MARKER, "1")
    with open(src, "rb") as raw:
        unpack_layer(raw, tmp_path / "out", tarball=str(src))
    out = tmp_path / "out"
    assert os.getxattr(out / "d", "user.overlay.opaque") == b"y"  # `userxattr`'s opaque
    assert os.getxattr(out / "f", "user.note") == b"kept"
    assert "user.overlay.redirect" not in os.listxattr(out / "f")  # forged: dropped
