"""linux.resources.network (config-linux.md "Network") applied by vmforms-runc where the
host has the v1 net_cls and net_prio hierarchies, next to runc doing the same.

This kernel has both controllers but nothing mounts them (as on hosts without systemd or
cgroupfs-mount): the test mounts a net_cls,net_prio hierarchy, as systemd does, in a
mount namespace of its own (over a private /sys/fs/cgroup holding the host's hierarchies
bound back), runs a container there, reads net_cls.classid and net_prio.ifpriomap, and
leaves nothing: the hierarchy goes with its namespace, and the test checks that it did."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import Vmf

RUNTIME = str(Path(sys.executable).with_name("vmforms-runc"))
CLASS_ID = 0x100001  # tc class 10:1
PRIORITY = 7

# Run as `sh -c SCRIPT` in a new mount namespace. $MOUNTED: the directories of net_cls and
# net_prio when the host has them, else empty (then they are mounted here).
SCRIPT = r"""
if [ -z "$MOUNTED" ]; then
  keep=$(mktemp -d)
  mount --rbind /sys/fs/cgroup "$keep" || exit 1
  mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup || exit 1
  for d in "$keep"/*; do
    n=${d##*/}
    if [ -L "$d" ]; then ln -s "$(readlink "$d")" "/sys/fs/cgroup/$n"; continue; fi
    mkdir "/sys/fs/cgroup/$n" && mount --bind "$d" "/sys/fs/cgroup/$n"
  done
  umount -l "$keep"; rmdir "$keep"
  mkdir /sys/fs/cgroup/net_cls,net_prio
  mount -t cgroup -o net_cls,net_prio cgroup /sys/fs/cgroup/net_cls,net_prio || exit 1
  set -- /sys/fs/cgroup/net_cls,net_prio /sys/fs/cgroup/net_cls,net_prio
else
  set -- $MOUNTED
fi
for rt in $RUNTIMES; do
  name=${rt##*/}
  if "$rt" --root "$STATE/$name" create --bundle "$BUNDLE" "$CID" </dev/null >/dev/null
  then
    echo "$name classid $(cat "$1/$CG/net_cls.classid")"
    echo "$name ifpriomap $(grep '^lo ' "$2/$CG/net_prio.ifpriomap")"
  fi
  "$rt" --root "$STATE/$name" delete --force "$CID"
  [ -e "$1/$CG" ] && echo "$name left $1/$CG"
done
if [ -z "$MOUNTED" ]; then
  # a removed cgroup leaves its parent's list a moment later; until it has, unmounting
  # would not end the hierarchy
  n=0
  while [ "$(find /sys/fs/cgroup/net_cls,net_prio -mindepth 1 -type d | wc -l)" != 0 ] ||
        [ "$(awk '$1 == "net_cls" { print $3 }' /proc/cgroups)" != 1 ]; do
    n=$((n + 1)); [ $n -gt 100 ] && { echo "hierarchy busy"; break; }
    sleep 0.1
  done
fi
"""


def _hierarchies() -> dict[str, tuple[int, bool]]:
    """/proc/cgroups: controller -> (hierarchy id, enabled)."""
    out = {}
    for line in Path("/proc/cgroups").read_text().splitlines()[1:]:
        name, hierarchy, _, enabled = line.split()
        out[name] = (int(hierarchy), enabled == "1")
    return out


def _mounted(controller: str) -> str | None:
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields, post = line.split(" - ", 1)
        fstype, _, options = post.split()[:3]
        if fstype == "cgroup" and controller in options.split(","):
            return fields.split()[4]
    return None


def _host_rootfs(vmf: Vmf) -> Path:
    """The busybox layer of this machine's architecture (the image has one per platform)."""
    for layer in (vmf.root / "images" / "layers").iterdir():
        try:
            subprocess.run([str(layer / "bin" / "busybox"), "true"], check=True,
                           capture_output=True, timeout=10)
        except (OSError, subprocess.CalledProcessError):
            continue
        return layer
    raise AssertionError("no busybox layer runs on this machine")


def test_network_class_and_priorities_where_the_hierarchy_exists(vmf: Vmf,
                                                                  tmp_path: Path) -> None:
    found = _hierarchies()
    if not all(found.get(c, (0, False))[1] for c in ("net_cls", "net_prio")):
        pytest.skip("this kernel has no net_cls/net_prio controller (CONFIG_CGROUP_NET_*)")
    if shutil.which("unshare") is None:
        pytest.skip("unshare(1) is not installed (util-linux)")
    mounted = [_mounted("net_cls"), _mounted("net_prio")]
    unmounted_before = found["net_cls"][0] == 0
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    subprocess.run(["cp", "-a", str(_host_rootfs(vmf)), str(bundle / "rootfs")], check=True)
    cgroup = f"vmforms-net-{secrets.token_hex(4)}"
    config = {
        "ociVersion": "1.0.2",
        "process": {"args": ["sleep", "60"], "cwd": "/", "env": ["PATH=/bin"],
                    "user": {"uid": 0, "gid": 0}},
        "root": {"path": "rootfs", "readonly": True},
        "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
        "linux": {"namespaces": [{"type": t} for t in ("pid", "network", "mount")],
                  "cgroupsPath": f"/{cgroup}",
                  "resources": {"network": {
                      "classID": CLASS_ID,
                      "priorities": [{"name": "lo", "priority": PRIORITY}]}}},
    }
    (bundle / "config.json").write_text(json.dumps(config))
    runtimes = [RUNTIME] + ([r] if (r := shutil.which("runc")) else [])
    env = {**os.environ, "RUNTIMES": " ".join(runtimes), "STATE": str(tmp_path / "state"),
           "BUNDLE": str(bundle), "CID": "net-prio", "CG": cgroup,
           "MOUNTED": " ".join(m for m in mounted if m) if all(mounted) else ""}
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    # The namespace has gone: so must the hierarchy mounted in it, and the cgroups.
    deadline = time.monotonic() + 5
    while unmounted_before and _hierarchies()["net_cls"][0] != 0 and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert not unmounted_before or _hierarchies()["net_cls"][0] == 0, \
        "the net_cls hierarchy outlived its mount namespace"
    assert not list(Path("/sys/fs/cgroup").glob(f"*/{cgroup}"))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for rt in runtimes:
        name = Path(rt).name
        assert f"{name} classid {CLASS_ID}" in lines, done.stdout + done.stderr
        assert f"{name} ifpriomap lo {PRIORITY}" in lines, done.stdout + done.stderr
    assert not [line for line in lines if " left " in line or "busy" in line], done.stdout
