"""`top` and `stats`: a container's processes (the host's `ps`, kept to the pids of its
cgroup, as Docker does) and its resource use read from its cgroup (CPU, memory, PIDs,
block I/O) and its network namespace (/proc/PID/net/dev)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

from vmforms.container import state as st
from vmforms.container.errors import ContainerError

MAX_PS_OUTPUT = 16 << 20


def _running(ref: str) -> tuple[st.Container, Any]:
    from vmforms.container import lifecycle

    c = st.find(ref)
    lifecycle.reconcile(c)
    if not c.running:
        raise ContainerError(f"container {c.id} is not running", exit_code=1)
    cgroup = lifecycle._open_cgroup(c)
    if cgroup is None:
        raise ContainerError(f"container {c.id}: its cgroup is gone", exit_code=1)
    return c, cgroup


def top(ref: str, ps_args: list[str]) -> list[str]:
    """`docker top`: the host's `ps` output (default `-ef`), only the container's rows."""
    _, cgroup = _running(ref)
    pids = {str(p) for p in cgroup.procs()}
    try:
        done = subprocess.run(["ps", *(ps_args or ["-ef"])], capture_output=True, timeout=30)
    except FileNotFoundError:
        raise ContainerError("top: the host has no `ps` (install procps)", exit_code=1) from None
    text = done.stdout[:MAX_PS_OUTPUT].decode(errors="replace")
    if done.returncode != 0:
        raise ContainerError(f"ps: {done.stderr.decode(errors='replace').strip()}",
                             exit_code=1)
    lines = text.splitlines()
    if not lines:
        return []
    header = lines[0].split()
    if "PID" not in header:
        raise ContainerError('Couldn\'t find PID field in ps output', exit_code=1)
    col = header.index("PID")
    return [lines[0]] + [line for line in lines[1:]
                         if len(line.split()) > col and line.split()[col] in pids]


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _memory_stat(cgroup: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for key in ("memory", ""):
        base = cgroup.paths.get(key)
        if base is None:
            continue
        try:
            for line in (base / "memory.stat").read_text().splitlines():
                name, _, value = line.partition(" ")
                if value.strip().isdigit():
                    out[name] = int(value)
        except OSError:
            continue
    return out


def _block_io(cgroup: Any) -> tuple[int, int]:
    read = write = 0
    v1 = cgroup.paths.get("blkio")
    if v1 is not None:
        for name in ("blkio.throttle.io_service_bytes_recursive",
                     "blkio.throttle.io_service_bytes"):
            try:
                lines = (v1 / name).read_text().splitlines()
            except OSError:
                continue
            for line in lines:
                parts = line.split()
                if len(parts) == 3 and parts[2].isdigit():
                    read += int(parts[2]) if parts[1] == "Read" else 0
                    write += int(parts[2]) if parts[1] == "Write" else 0
            return read, write
    v2 = cgroup.paths.get("")
    if v2 is not None:
        try:
            for line in (v2 / "io.stat").read_text().splitlines():
                for field in line.split()[1:]:
                    key, _, value = field.partition("=")
                    if key == "rbytes":
                        read += int(value)
                    elif key == "wbytes":
                        write += int(value)
        except (OSError, ValueError):
            pass
    return read, write


def _net_io(pid: int) -> tuple[int, int]:
    rx = tx = 0
    try:
        lines = Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]
    except OSError:
        return 0, 0
    for line in lines:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if name.strip() == "lo" or len(fields) < 9:
            continue
        rx += int(fields[0])
        tx += int(fields[8])
    return rx, tx


def _system_ns() -> int:
    """Host CPU time in ns, as Docker's stats take it from /proc/stat."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:8]
    return sum(int(x) for x in fields) * (10**9 // os.sysconf("SC_CLK_TCK"))


def _host_memory() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def stats(refs: list[str], interval: float = 1.0) -> list[dict[str, Any]]:
    """One sample per running container: CPU over `interval`, the rest at its end."""
    targets = [_running(r) for r in refs]
    before = [(cg.stats().get("cpu_usage_ns", 0), _system_ns()) for _, cg in targets]
    time.sleep(interval)
    out = []
    cpus = os.cpu_count() or 1
    for (c, cg), (cpu0, sys0) in zip(targets, before, strict=True):
        s = cg.stats()
        cpu_delta = s.get("cpu_usage_ns", 0) - cpu0
        sys_delta = _system_ns() - sys0
        mem = s.get("memory_usage", 0)
        detail = _memory_stat(cg)
        cache = detail.get("total_inactive_file", detail.get("inactive_file", 0))
        mem = max(0, mem - cache) if mem >= cache else mem
        limit = s.get("memory_limit") or _host_memory()
        limit = min(limit, _host_memory()) or limit
        rx, tx = _net_io(int(c.state["Pid"]))
        br, bw = _block_io(cg)
        out.append({
            "ID": c.id, "Name": c.name,
            "CPUPerc": (cpu_delta / sys_delta * cpus * 100) if sys_delta > 0 else 0.0,
            "MemUsage": mem, "MemLimit": limit,
            "MemPerc": mem / limit * 100 if limit else 0.0,
            "NetInput": rx, "NetOutput": tx, "BlockInput": br, "BlockOutput": bw,
            "PIDs": s.get("pids_current", 0),
        })
    return out


def running_refs() -> list[str]:
    return [c.id for c in st.all_containers() if c.running]
