"""`vmforms container build` against `podman build` (buildah) of the same context: a
one-RUN build (cache off: the RUN runs, its layer is committed) and an unchanged rebuild
(every step cached).

Both build FROM our built-in busybox (copied into podman's store from our OCI layout),
alternating, in a private VMFORMS_ROOT; the medians and their ratios are printed.
podman runs with runc and its own default network for RUN, as we run RUN on our bridge.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TARGET_RATIO = 0.5
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
DOCKERFILE = """ARG BASE=busybox
FROM ${BASE}
COPY app.txt /app/
RUN echo built > /app/built.txt
CMD ["cat", "/app/built.txt"]
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=env)
    return time.perf_counter() - t0


def _podman_images() -> list[str]:
    return subprocess.run(["podman", "images", "-qa", "--no-trunc"], text=True,
                          capture_output=True).stdout.split()


def main() -> int:
    if shutil.which("podman") is None:
        print("podman is not installed: `apt-get install podman runc`", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="vmforms-bench-build-"))
    root = work / "root"
    root.mkdir(mode=0o700)
    env = {**os.environ, "VMFORMS_ROOT": str(root)}
    ctx = work / "ctx"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    (ctx / "app.txt").write_text("app\n")
    base = ""
    before = set(_podman_images())
    try:
        subprocess.run([VMFORMS, "setup", "busybox image"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        base = subprocess.run(["podman", "pull", "-q", f"oci:{root / 'images'}:busybox:latest"],
                              check=True, text=True, capture_output=True).stdout.strip()
        ours = [VMFORMS, "container", "build", "-q", "-t", "bench:build", str(ctx)]
        theirs = ["podman", "build", "-q", "--runtime", "runc", "--build-arg",
                  f"BASE={base}", "-t", "localhost/vmforms-bench:build", str(ctx)]
        timings: dict[str, list[float]] = {k: [] for k in ("ours", "peer", "ours_c", "peer_c")}
        timed([*ours, "--no-cache"], env)  # warm up both
        timed([*theirs, "--no-cache"])
        for _ in range(RUNS):
            timings["ours"].append(timed([*ours, "--no-cache"], env))
            timings["peer"].append(timed([*theirs, "--no-cache"]))
            timings["ours_c"].append(timed(ours, env))
            timings["peer_c"].append(timed(theirs))
    finally:
        subprocess.run([VMFORMS, "container", "network", "prune", "-f"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["podman", "rmi", "-f", "localhost/vmforms-bench:build"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        made = set(_podman_images()) - before  # the intermediate images of our builds
        if made:
            subprocess.run(["podman", "rmi", "-f", *sorted(made)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if base:
            subprocess.run(["podman", "rmi", "-f", base], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
    m = {k: statistics.median(v) for k, v in timings.items()}
    print(f"container build, {RUNS} runs each, alternating (COPY + one RUN on busybox)")
    print(f"  vmforms container build --no-cache   median {m['ours'] * 1000:7.1f} ms")
    print(f"  podman build --no-cache (runc)        median {m['peer'] * 1000:7.1f} ms")
    print(f"  vmforms container build (all cached) median {m['ours_c'] * 1000:7.1f} ms")
    print(f"  podman build (all cached)             median {m['peer_c'] * 1000:7.1f} ms")
    print(f"  ratio vmforms/podman, one-RUN build:  {m['ours'] / m['peer']:.2f}x "
          f"(target <= {TARGET_RATIO}x)")
    print(f"  ratio vmforms/podman, cached rebuild: {m['ours_c'] / m['peer_c']:.2f}x "
          f"(target <= {TARGET_RATIO}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
