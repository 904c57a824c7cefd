"""The OCI runtime-tools validation suite run against vmforms-runc, runc and crun side by
side: `make conformance RUNTIME_TOOLS=DIR` (DIR a checkout of opencontainers/runtime-tools
at the commit docs/containers.md names). Builds the suite with the host's Go (vendored
modules only), runs every validation/*.t under each runtime (RUNTIME=...), reads their
TAP output and prints ok / not ok / skip per runtime, then the tests whose results
differ. Needs root, as the suite does.

The host is prepared as Debian's cgroupfs-mount prepares it (every enabled v1 controller
has a hierarchy), but only in a private mount namespace that the run lives in: /sys/fs/cgroup
is rebuilt there with the host's hierarchies bound back and the missing ones (net_cls,
net_prio, hugetlb, perf_event on this kind of host) mounted. The host's mount table is not
touched, and a hierarchy mounted here goes away with the namespace when the run ends.
crun 1.8.1 also needs a hybrid host's unified/cgroup.controllers masked (an empty file
bound over it), in a mount namespace of each of its tests of its own.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_RESULT = re.compile(r"^(not ok|ok)\b[^\n#]*(#\s*skip)?", re.MULTILINE | re.IGNORECASE)
CGROUP_ROOT = Path("/sys/fs/cgroup")
INSIDE = "VMFORMS_CONFORMANCE_NAMESPACE"  # set once the run is in its mount namespace
# The cgroups the suite's tests name (cgroupsPath "/cgrouptest" and the relative
# "testdir/cgrouptest/container"): what a runtime leaves of them is counted against it and
# removed after each test, with the parents runtimes keep, so the next test starts clean.
SUITE_CGROUPS = ("cgrouptest", "testdir/cgrouptest/container")
SUITE_TOPS = ("cgrouptest", "testdir")


def build(tools: Path) -> list[Path]:
    env = {**os.environ, "GOFLAGS": "-mod=vendor", "GO111MODULE": "on",
           "GOCACHE": str(tools / ".gocache")}
    subprocess.run(["make", "-C", str(tools), "runtimetest", "validation-executables"],
                   check=True, env=env)
    return sorted((tools / "validation").glob("*/*.t")) or sorted(
        (tools / "validation").glob("*.t"))


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True)


def prepare_cgroups() -> list[str]:
    """In this (private) mount namespace: /sys/fs/cgroup as cgroupfs-mount would make it.
    Returns the controllers that got a hierarchy of their own."""
    mounted = {d.name for d in CGROUP_ROOT.iterdir() if d.is_dir() and os.path.ismount(d)}
    links = {d.name: os.readlink(d) for d in CGROUP_ROOT.iterdir() if d.is_symlink()}
    held = set()
    for name in mounted:
        held.update(name.split(","))
    with open("/proc/self/mountinfo") as f:
        for line in f:
            post = line.split(" - ", 1)[1].split()
            if post[0] == "cgroup":
                held.update(o.removeprefix("name=") for o in post[2].split(","))
    missing = []
    with open("/proc/cgroups") as f:
        for line in f:
            fields = line.split()
            if fields and not line.startswith("#") and fields[3] == "1" \
                    and fields[0] not in held:
                missing.append(fields[0])
    if not missing:
        return []
    # The host's tmpfs at /sys/fs/cgroup is shared with the host: a mkdir there would show
    # outside. A new tmpfs goes over it, with the host's hierarchies bound back.
    keep = Path(tempfile.mkdtemp(prefix="conformance-cgroup-"))
    try:
        _mount("--rbind", str(CGROUP_ROOT), str(keep))
        _mount("-t", "tmpfs", "-o", "mode=755,nosuid,nodev,noexec", "cgroup_root",
               str(CGROUP_ROOT))
        for name in sorted(mounted):
            (CGROUP_ROOT / name).mkdir()
            _mount("--bind", str(keep / name), str(CGROUP_ROOT / name))
        for name, target in links.items():
            os.symlink(target, CGROUP_ROOT / name)
        done = []
        for controller in missing:
            (CGROUP_ROOT / controller).mkdir()
            try:
                _mount("-t", "cgroup", "-o", controller, "cgroup",
                       str(CGROUP_ROOT / controller))
            except subprocess.CalledProcessError:
                (CGROUP_ROOT / controller).rmdir()
                continue
            done.append(controller)
        return done
    finally:
        subprocess.run(["umount", "-l", str(keep)], check=False)
        keep.rmdir()


def _remove_tree(top: Path) -> None:
    """rmdir a cgroup and its children, deepest first (a cgroup directory's files go with
    it); one that still has a process stays."""
    for directory, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
        try:
            os.rmdir(directory)
        except OSError:
            pass


def remove_suite_cgroups() -> int:
    """Remove what is left of the suite's cgroups; how many of those it named were left."""
    left = 0
    for hierarchy in CGROUP_ROOT.iterdir():
        if hierarchy.is_symlink() or not hierarchy.is_dir():
            continue
        left += sum((hierarchy / name).is_dir() for name in SUITE_CGROUPS)
        for top in SUITE_TOPS:
            if (hierarchy / top).is_dir():
                _remove_tree(hierarchy / top)
    return left


def release_hierarchies(controllers: list[str]) -> None:
    """Empty the hierarchies prepare_cgroups mounted (the parents runtimes leave, such as
    runc's or vmforms-runtime's), so that each is destroyed when the namespace goes."""
    for controller in controllers:
        for child in (CGROUP_ROOT / controller).iterdir():
            if child.is_dir():
                _remove_tree(child)
    # A removed cgroup stays on its parent's list until its last reference is dropped, a
    # moment later; a hierarchy unmounted before that outlives its last mount.
    deadline = time.monotonic() + 10
    while any(unmounted_hierarchies().get(c, 0) > 1 for c in controllers) and \
            time.monotonic() < deadline:
        time.sleep(0.1)


def unmounted_hierarchies() -> dict[str, int]:
    """/proc/cgroups: each enabled controller's number of cgroups in its v1 hierarchy,
    or 0 for one with none (hierarchy 0: the v2 tree, or nowhere)."""
    out = {}
    with open("/proc/cgroups") as f:
        for line in f:
            fields = line.split()
            if fields and not line.startswith("#") and fields[3] == "1":
                out[fields[0]] = int(fields[2]) if fields[1] != "0" else 0
    return out


def run_one(test: Path, runtime: str, tools: Path, timeout: float,
            wrap: list[str], show: bool = False) -> dict[str, int]:
    counts = {"ok": 0, "not ok": 0, "skip": 0}
    try:
        done = subprocess.run([*wrap, str(test)], cwd=tools, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "RUNTIME": runtime},
                              stdin=subprocess.DEVNULL)
        output = done.stdout
        if show:
            print(output, done.stderr, sep="\n", flush=True)
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        counts["not ok"] += 1
    for status, skip in _RESULT.findall(output):
        counts["skip" if skip else status] += 1
    if not re.search(r"^1\.\.\d+", output, re.MULTILINE):
        counts["not ok"] += 1  # crashed before its plan: no TAP to count
    return counts


def crun_wrapper(runtime: str, scratch: Path) -> list[str]:
    """crun 1.8.1 on a hybrid host takes the cgroup2 mount for the whole tree unless its
    cgroup.controllers reads empty: each of its tests gets a mount namespace where it does."""
    unified = CGROUP_ROOT / "unified" / "cgroup.controllers"
    if Path(runtime).name != "crun" or not unified.exists():
        return []
    empty = scratch / "empty"
    empty.touch()
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'mount --bind "$0" {unified} && exec "$@"', str(empty)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tools", type=Path, help="a runtime-tools checkout")
    parser.add_argument("--runtime", action="append", default=[],
                        help="runtimes to compare (default: vmforms-runc, runc and crun)")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--only", action="append", default=[],
                        help="run only these tests (e.g. pidfile)")
    parser.add_argument("--show", action="store_true", help="print each test's output")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("conformance: the validation suite needs root", file=sys.stderr)
        return 1
    if os.environ.get(INSIDE) != "1":
        if shutil.which("unshare") is None:
            print("conformance: needs unshare(1) (util-linux)", file=sys.stderr)
            return 1
        # The whole run in a private mount namespace: what prepare_cgroups mounts is never
        # seen by the host and is gone when the run ends.
        before = {c for c, n in unmounted_hierarchies().items() if n == 0}
        code = subprocess.run(["unshare", "--mount", "--propagation", "private",
                               sys.executable, *sys.argv],
                              env={**os.environ, INSIDE: "1"}, check=False).returncode
        deadline = time.monotonic() + 5
        while (kept := sorted(c for c, n in unmounted_hierarchies().items()
                              if n and c in before)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if kept:
            print(f"conformance: the hierarchies of {', '.join(kept)} outlived the run "
                  "(a cgroup left in them)", file=sys.stderr)
            return code or 1
        return code
    ours = str(Path(sys.executable).with_name("vmforms-runc"))
    runtimes = [os.path.abspath(r) if os.sep in r else shutil.which(r) or r
                for r in args.runtime] or \
        [ours] + [r for r in map(shutil.which, ("runc", "crun")) if r]
    tools = args.tools.resolve()
    tests = build(tools)
    if args.only:
        tests = [t for t in tests if t.stem in args.only]
    prepared = prepare_cgroups()
    if prepared:
        print(f"conformance: as cgroupfs-mount does, v1 hierarchies for {', '.join(prepared)} "
              f"at {CGROUP_ROOT}/<controller>, in this run's own mount namespace only "
              "(the host's mounts are untouched; they go when the run ends)", flush=True)
    totals = {r: {"ok": 0, "not ok": 0, "skip": 0, "left": 0} for r in runtimes}
    per_test: dict[str, dict[str, dict[str, int]]] = {}
    remove_suite_cgroups()
    try:
        with tempfile.TemporaryDirectory(prefix="conformance-",
                                         ignore_cleanup_errors=True) as scratch:
            wraps = {r: crun_wrapper(r, Path(scratch)) for r in runtimes}
            # The tests make their bundles in TMPDIR, and one that exits early (util.Fatal)
            # leaves its bundle behind: here they all go with the scratch directory.
            os.mkdir(os.path.join(scratch, "tmp"))
            os.environ["TMPDIR"] = os.path.join(scratch, "tmp")
            for test in tests:
                name = str(test.relative_to(tools / "validation"))
                per_test[name] = {}
                for runtime in runtimes:
                    counts = run_one(test, runtime, tools, args.timeout, wraps[runtime],
                                     args.show)
                    per_test[name][runtime] = counts
                    for key, value in counts.items():
                        totals[runtime][key] += value
                    totals[runtime]["left"] += remove_suite_cgroups()
                print(name, "  ".join(f"{Path(r).name}: {c['ok']}/{c['not ok']}/{c['skip']}"
                                      for r, c in per_test[name].items()), flush=True)
    finally:
        release_hierarchies(prepared)
    print()
    print(f"{'runtime':<16} {'ok':>6} {'not ok':>7} {'skip':>6}  cgroups left behind")
    for runtime, c in totals.items():
        print(f"{Path(runtime).name:<16} {c['ok']:>6} {c['not ok']:>7} {c['skip']:>6}  "
              f"{c['left']}")
    differ = [n for n, by in per_test.items()
              if len({tuple(sorted(c.items())) for c in by.values()}) > 1]
    if differ:
        print("\nresults that differ:", ", ".join(differ))
    return 0


if __name__ == "__main__":
    sys.exit(main())
