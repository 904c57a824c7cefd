"""Container start-up: `vmforms container run --rm busybox true` against podman's, and
podman driving our OCI runtime (`vmforms-runc`) against podman driving runc.

Both tools' defaults set up a bridged network (ours: vmforms0, a veth, a lease; podman's:
netavark); `--network none` on both gives the cost of the network step alone.

All run the same image (our built-in busybox, copied into podman's store from our OCI
layout), alternating, and the medians and their ratios are printed. podman runs with runc
(crun refuses this host's hybrid cgroup layout) and the ulimits this machine needs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
TARGET_RATIO = 0.3
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
VMFORMS_RUNC = str(Path(sys.executable).with_name("vmforms-runc"))
PODMAN_TAG = "localhost/vmforms-busybox:bench"
PODMAN_FLAGS = ["run", "--rm", "--pull=never",
                "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
PODMAN_BASE = ["podman", "--runtime", "runc", *PODMAN_FLAGS]
# Like for like: our containers get a network namespace with loopback only.
PODMAN_RUN = [*PODMAN_BASE, "--network=none", PODMAN_TAG, "true"]
# podman's own default, a bridged network, as `podman run --rm IMAGE true` starts it.
PODMAN_DEFAULT = [*PODMAN_BASE, PODMAN_TAG, "true"]
# The same podman command with our runtime in runc's place.
PODMAN_OURS = ["podman", "--runtime", VMFORMS_RUNC, *PODMAN_FLAGS, "--network=none",
               PODMAN_TAG, "true"]


def timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> int:
    from vmforms.container.paths import state_root

    subprocess.run([VMFORMS, "setup", "busybox image"], check=True, stdout=subprocess.DEVNULL)
    if shutil.which("podman") is None:
        print("podman is not installed: `apt-get install podman runc`", file=sys.stderr)
        return 1
    layout = state_root() / "images"
    # the ID pull prints: the newest image in `podman images` may be another one
    image_id = subprocess.run(["podman", "pull", "-q", f"oci:{layout}:busybox:latest"],
                              check=True, text=True, capture_output=True).stdout.split()[-1]
    subprocess.run(["podman", "tag", image_id, PODMAN_TAG], check=True)
    ours_cmd = [VMFORMS, "container", "run", "--rm", "busybox", "true"]
    ours_none_cmd = [VMFORMS, "container", "run", "--rm", "--network", "none", "busybox", "true"]
    timed(ours_cmd)
    timed(ours_none_cmd)
    timed(PODMAN_RUN)  # warm the caches
    timed(PODMAN_DEFAULT)
    timed(PODMAN_OURS)
    ours: list[float] = []
    ours_none: list[float] = []
    peer: list[float] = []
    peer_default: list[float] = []
    podman_ours: list[float] = []
    for _ in range(RUNS):
        ours.append(timed(ours_cmd))
        ours_none.append(timed(ours_none_cmd))
        peer.append(timed(PODMAN_RUN))
        peer_default.append(timed(PODMAN_DEFAULT))
        podman_ours.append(timed(PODMAN_OURS))
    subprocess.run(["podman", "rmi", PODMAN_TAG], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    # The default bridge stays up between runs (as docker0 does); take it down again.
    subprocess.run([VMFORMS, "container", "network", "prune", "-f"], check=False,
                   stdout=subprocess.DEVNULL)
    mo, mp = statistics.median(ours), statistics.median(peer)
    mn = statistics.median(ours_none)
    md = statistics.median(peer_default)
    mr = statistics.median(podman_ours)
    print(f"container start, {RUNS} runs each, alternating")
    print(f"  vmforms container run --rm busybox true          median {mo * 1000:7.1f} ms")
    print(f"  vmforms container run --rm --network none ...    median {mn * 1000:7.1f} ms")
    print(f"  podman run --rm --network=none (runc) ... true   median {mp * 1000:7.1f} ms")
    print(f"  podman run --rm (runc, default network) ... true median {md * 1000:7.1f} ms")
    print(f"  ratio vmforms/podman, like for like (loopback only): {mn / mp:.2f}x")
    print(f"  ratio vmforms/podman, both tools' defaults (bridge): {mo / md:.2f}x "
          f"(target <= {TARGET_RATIO}x)")
    print(f"  network step alone: vmforms {1000 * (mo - mn):+.1f} ms, "
          f"podman {1000 * (md - mp):+.1f} ms")
    print(f"  podman --runtime vmforms-runc --network=none ...  median {mr * 1000:7.1f} ms")
    print(f"  ratio podman+vmforms-runc / podman+runc:          {mr / mp:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
