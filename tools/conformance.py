"""The OCI runtime-tools validation suite run against vmforms-runc and runc side by side:
`make conformance RUNTIME_TOOLS=DIR` (DIR a checkout of opencontainers/runtime-tools at
the commit docs/containers.md names). Builds the suite with the host's Go (vendored
modules only), runs every validation/*.t under each runtime (RUNTIME=...), reads their
TAP output and prints ok / not ok / skip per runtime, then the tests whose results
differ. Needs root, as the suite does."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_RESULT = re.compile(r"^(not ok|ok)\b[^\n#]*(#\s*skip)?", re.MULTILINE | re.IGNORECASE)


def build(tools: Path) -> list[Path]:
    env = {**os.environ, "GOFLAGS": "-mod=vendor", "GO111MODULE": "on",
           "GOCACHE": str(tools / ".gocache")}
    subprocess.run(["make", "-C", str(tools), "runtimetest", "validation-executables"],
                   check=True, env=env)
    return sorted((tools / "validation").glob("*/*.t")) or sorted(
        (tools / "validation").glob("*.t"))


def run_one(test: Path, runtime: str, tools: Path, timeout: float) -> dict[str, int]:
    counts = {"ok": 0, "not ok": 0, "skip": 0}
    try:
        done = subprocess.run([str(test)], cwd=tools, capture_output=True, text=True,
                              timeout=timeout, env={**os.environ, "RUNTIME": runtime},
                              stdin=subprocess.DEVNULL)
        output = done.stdout
    except subprocess.TimeoutExpired as exc:
        output = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        counts["not ok"] += 1
    for status, skip in _RESULT.findall(output):
        counts["skip" if skip else status] += 1
    if not re.search(r"^1\.\.\d+", output, re.MULTILINE):
        counts["not ok"] += 1  # crashed before its plan: no TAP to count
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("tools", type=Path, help="a runtime-tools checkout")
    parser.add_argument("--runtime", action="append", default=[],
                        help="runtimes to compare (default: vmforms-runc and runc)")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("conformance: the validation suite needs root", file=sys.stderr)
        return 1
    ours = str(Path(sys.executable).with_name("vmforms-runc"))
    runtimes = args.runtime or [ours] + ([r] if (r := shutil.which("runc")) else [])
    tests = build(args.tools.resolve())
    totals = {r: {"ok": 0, "not ok": 0, "skip": 0} for r in runtimes}
    per_test: dict[str, dict[str, dict[str, int]]] = {}
    for test in tests:
        name = str(test.relative_to(args.tools.resolve() / "validation"))
        per_test[name] = {}
        for runtime in runtimes:
            counts = run_one(test, runtime, args.tools.resolve(), args.timeout)
            per_test[name][runtime] = counts
            for key, value in counts.items():
                totals[runtime][key] += value
        print(name, "  ".join(f"{Path(r).name}: {c['ok']}/{c['not ok']}/{c['skip']}"
                              for r, c in per_test[name].items()), flush=True)
    print()
    print(f"{'runtime':<16} {'ok':>6} {'not ok':>7} {'skip':>6}")
    for runtime, c in totals.items():
        print(f"{Path(runtime).name:<16} {c['ok']:>6} {c['not ok']:>7} {c['skip']:>6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
