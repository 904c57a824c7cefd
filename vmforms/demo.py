"""The same probe under each form of virtual machine, measured live, side by side.

Four columns: the host itself, a container (`vmforms container run`), the RISC-V virtual
machine (`vmforms vm run`) and the JVM (`vmforms java`). Each runs the same questions:
which kernel answers, which machine it looks like, who PID 1 is, what memory and CPUs it
sees, whether a kernel lives inside, what executes the instructions, how long it takes to
start and what one cheap call costs. Nothing is typed in: every value comes from the run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMS = ("host", "container", "vm", "vmcontainer", "kvm", "jvm", "ruby")
TITLES = {"host": "host", "container": "container", "vm": "virtual machine",
          "vmcontainer": "container in a VM",
          "kvm": "virtual machine (KVM)", "jvm": "JVM", "ruby": "Ruby (YARV)"}
PROBES = Path(__file__).with_name("probes")
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
GETPID_LOOPS = {"host": 200_000, "container": 200_000, "vm": 2_000}
JVM_CALLS = 20_000

# Busybox sh and dash alike run this; each line is `key=value`.
SHELL_PROBE = r"""echo "kernel=$(uname -r)"
echo "machine=$(uname -m)"
echo "pid1=$(tr '\0\n' '  ' </proc/1/cmdline | cut -c1-48)"
echo "hostname=$(hostname)"
echo "memory_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
echo "boot_files=$(ls /boot 2>/dev/null | wc -l)"
echo "module_dirs=$(ls /lib/modules 2>/dev/null | wc -l)"
if [ -x "$PROBE" ]; then "$PROBE" "$LOOPS"; fi
"""


class DemoError(Exception):
    """A form could not be measured; the message is the reason shown in its column."""


@dataclass
class Column:
    form: str
    available: bool = True
    reason: str = ""
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"available": self.available}
        if not self.available:
            out["reason"] = self.reason
        out.update(self.values)
        return out


# --- assets: the compiled probes --------------------------------------------------------


def probes_dir() -> Path:
    from vmforms.container.paths import state_root

    return state_root() / "assets" / "probes"


def ensure_probes() -> str:
    """`vmforms setup` step: compile the getpid probe (host and riscv64) and Probe.java."""
    out = probes_dir()
    out.mkdir(parents=True, exist_ok=True)
    made = []
    source = PROBES / "probe.c"
    for name, compiler in (("probe-host", "gcc"), ("probe-riscv64", "riscv64-linux-gnu-gcc")):
        target = out / name
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            made.append(name)
            continue
        if shutil.which(compiler) is None:
            continue
        _build(target, [compiler, "-static", "-O2", "-s", "-o", str(target) + ".tmp",
                        str(source)])
        made.append(name)
    java_src = PROBES / "Probe.java"
    klass = out / "Probe.class"
    stale = not klass.exists() or klass.stat().st_mtime < java_src.stat().st_mtime
    if stale and shutil.which("javac") is not None:
        subprocess.run(["javac", "--release", "17", "-d", str(out), str(java_src)],
                       check=True, capture_output=True)
    if klass.exists():
        made.append("Probe.class")
    return f"{', '.join(made) or 'nothing (no compiler found)'} in {out}"


def _build(target: Path, argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DemoError(f"{argv[0]} failed: {proc.stderr.strip()[-300:]}")
    os.replace(str(target) + ".tmp", target)


# --- measuring each form -----------------------------------------------------------------


def _parse(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and re.fullmatch(r"[a-z_0-9]+", key):
            out[key] = value.strip()
    return out


def _run(argv: list[str], timeout: float, env: dict[str, str] | None = None
         ) -> tuple[subprocess.CompletedProcess[str], float]:
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except FileNotFoundError as exc:
        raise DemoError(f"{argv[0]} not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise DemoError(f"{' '.join(argv[:3])} took longer than {timeout:.0f} s") from exc
    return proc, time.perf_counter() - t0


def _int(text: str | None) -> int:
    try:
        return int(float(text or 0))
    except ValueError:
        return 0


def _shell_values(fields: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kernel": fields.get("kernel", ""),
        "machine": fields.get("machine", ""),
        "pid1": fields.get("pid1", ""),
        "hostname": fields.get("hostname", ""),
        "memory_bytes": _int(fields.get("memory_kb")) * 1024,
        "cpus": _int(fields.get("cpus")),
        "kernel_inside": _int(fields.get("boot_files")) + _int(fields.get("module_dirs")) > 0,
    }
    if "getpid_ns" in fields:
        values["call_ns"] = float(fields["getpid_ns"])
        values["call"] = "getpid system call"
    return values


def measure_host() -> Column:
    probe = probes_dir() / "probe-host"
    env = dict(os.environ, PROBE=str(probe), LOOPS=str(GETPID_LOOPS["host"]))
    _run(["/bin/sh", "-c", "true"], 10)  # warm the page cache, as for the others
    _, startup = _run(["/bin/sh", "-c", "true"], 10)
    proc, _ = _run(["/bin/sh", "-c", SHELL_PROBE], 60, env)
    if proc.returncode != 0:
        raise DemoError(f"the host probe failed: {proc.stderr.strip()[-200:]}")
    fields = _parse(proc.stdout)
    values = _shell_values(fields)
    values.update(startup_s=startup, executes="the host CPU, directly",
                  kernel_is_host=True, isolation="none: one process among the host's")
    from vmforms.demo_nested import host_modules

    values["module"] = host_modules()
    return Column("host", values=values)


def measure_container() -> Column:
    if os.geteuid() != 0:
        raise DemoError("containers need root (namespaces, mounts, cgroups)")
    probe = probes_dir() / "probe-host"
    base = [VMFORMS, "container", "run", "--rm"]
    warm, _ = _run([*base, "busybox", "true"], 60)
    if warm.returncode != 0:
        raise DemoError(warm.stderr.strip().splitlines()[-1] if warm.stderr.strip()
                        else "vmforms container run failed")
    _, startup = _run([*base, "busybox", "true"], 60)
    mounts = ["-v", f"{probe}:/probe:ro"] if probe.exists() else []
    proc, _ = _run([*base, *mounts, "-e", "PROBE=/probe", "-e",
                    f"LOOPS={GETPID_LOOPS['container']}", "busybox", "sh", "-c", SHELL_PROBE], 60)
    if proc.returncode != 0:
        raise DemoError(f"the container probe failed: {proc.stderr.strip()[-200:]}")
    fields = _parse(proc.stdout)
    values = _shell_values(fields)
    values.update(startup_s=startup, executes="the host CPU, through the host kernel's "
                  "namespaces and cgroups", kernel_is_host=values["kernel"] == os.uname().release,
                  isolation="namespaces (pid, mount, uts, ipc, net, cgroup) + cgroups")
    values["container_386"] = measure_container_386()
    from vmforms.demo_nested import container_module

    values["module"] = container_module()
    return Column("container", values=values)


def measure_vm(progress: Callable[[str], None]) -> Column:
    try:
        from vmforms.hypervisor.boot.assets import guest_assets
        from vmforms.hypervisor.boot.cpio import file, write_newc
    except ImportError as exc:
        raise DemoError(f"the hypervisor is not installed ({exc})") from None
    try:
        guest = guest_assets()
    except Exception as exc:  # AssetError: the message says what to run
        raise DemoError(str(exc)) from None
    initrd = guest.initrd
    probe = probes_dir() / "probe-riscv64"
    work = None
    if probe.exists():
        # Linux unpacks concatenated cpio archives in turn: the probe rides on top.
        import tempfile

        work = tempfile.mkdtemp(prefix="vmforms-demo-")
        initrd = Path(work) / "initrd.cpio"
        initrd.write_bytes(guest.initrd.read_bytes()
                           + write_newc([file("probe", probe.read_bytes(), 0o755)]))
    from vmforms.demo_nested import GUEST_INSMOD, guest_modules

    script = f"PROBE=/probe LOOPS={GETPID_LOOPS['vm']}\n" + SHELL_PROBE + GUEST_INSMOD
    progress("booting the RISC-V guest (our software CPU runs every instruction)...")
    try:
        proc, elapsed = _run([VMFORMS, "vm", "run", "--stats", "--timeout", "600",
                              "--initrd", str(initrd), "--", "sh", "-c", script], 660)
    finally:
        if work:
            shutil.rmtree(work, ignore_errors=True)
    if proc.returncode != 0:
        raise DemoError(f"the guest probe failed ({proc.returncode}): "
                        f"{proc.stderr.strip()[-200:]}")
    fields = _parse(proc.stdout)
    values = _shell_values(fields)
    stats = re.search(r"(\d+) instructions in ([\d.]+)s", proc.stderr)
    instructions = int(stats.group(1)) if stats else 0
    values.update(startup_s=elapsed, guest_instructions=instructions,
                  executes=f"our RISC-V CPU in Python ({instructions:,} guest instructions)",
                  kernel_is_host=values["kernel"] == os.uname().release,
                  guest_release=guest.release,
                  isolation="virtual hardware: its own kernel, memory and devices")
    if "call_ns" in values:
        values["call"] = "getpid system call, in guest time"
    values["module"] = guest_modules(fields)
    return Column("vm", values=values)


def measure_vm_container(progress: Callable[[str], None]) -> Column:
    """A container inside the RISC-V VM: the guest's kernel, our CPU, a snapshot."""
    from vmforms import demo_nested

    try:
        found = demo_nested.measure_vm_container(progress, SHELL_PROBE)
    except demo_nested.NestedError as exc:
        raise DemoError(str(exc)) from None
    values = _shell_values(_parse(found.pop("probe")))
    values.update(found)
    values.update(executes=f"our RISC-V CPU in Python ({found['guest_instructions']:,} guest "
                  f"instructions from the snapshot, {found['boot_instructions']:,} booting)",
                  kernel_is_host=values["kernel"] == os.uname().release,
                  isolation="a VM, and in it namespaces + cgroups of the guest's kernel")
    return Column("vmcontainer", values=values)


def measure_kvm(progress: Callable[[str], None]) -> Column:
    """The x86 probe guest on KVM: its own tiny kernel, run by the host CPU in guest mode."""
    try:
        from vmforms.linux import kvm
    except ImportError as exc:
        raise DemoError(f"the KVM backend is not installed ({exc})") from None
    try:
        os.close(kvm.open_kvm())
    except OSError as exc:
        raise DemoError(f"{exc}") from None
    progress("booting the x86 probe guest on KVM (the host CPU runs it)...")
    proc, elapsed = _run([VMFORMS, "vm", "run", "--accel", "kvm", "--stats",
                          "--timeout", "120"], 180)
    if proc.returncode != 0:
        raise DemoError(f"the KVM probe failed ({proc.returncode}): "
                        f"{proc.stderr.strip()[-200:]}")
    stats = {k: float(v) for k, v in re.findall(r"(\w+_(?:per_s|seconds)) ([\d.e+-]+)",
                                                proc.stderr)}
    user = stats.get("user_insns_per_s", 0.0)
    kernel = stats.get("kernel_insns_per_s", 0.0)
    values: dict[str, Any] = {
        "kernel": "the probe's own tiny kernel (x86_probe.S)",
        "kernel_is_host": False,
        "machine": "x86_64",
        "pid1": "(no processes: one ring-3 probe)",
        "hostname": "",
        "kernel_inside": True,
        "startup_s": elapsed,
        "executes": (f"the host CPU in guest mode: user code at {user / 1e9:.2f} G instr/s; "
                     f"kernel code at {kernel / 1e6:.2f} M instr/s"),
        "user_ips": user,
        "kernel_ips": kernel,
        "isolation": "virtual hardware on hardware virtualization: its own kernel, "
                     "memory and devices",
    }
    if "syscall_seconds" in stats:
        values["call_ns"] = stats["syscall_seconds"] * 1e9
        values["call"] = "int 0x80 system call to the guest's kernel"
    if "exit_seconds" in stats:
        values["exit_ns"] = stats["exit_seconds"] * 1e9
    if user:
        values.update(_same_loop(user, progress))
    return Column("kvm", values=values)


def _same_loop(guest_ips: float, progress: Callable[[str], None]) -> dict[str, Any]:
    """The probe's user loop natively and on our RISC-V CPU, against KVM's guest rate."""
    from vmforms.hypervisor.errors import HypervisorError
    from vmforms.hypervisor.guests import loop

    progress("running the probe's loop on the host and on the RISC-V emulator...")
    try:
        host, riscv = loop.host_rate(), loop.riscv_rate()
    except (HypervisorError, OSError, subprocess.SubprocessError, RuntimeError) as exc:
        return {"loop": f"not measured: {exc}"}
    return {
        "loop_host_ips": host,
        "loop_riscv_ips": riscv,
        "loop": (f"guest ring 3 {guest_ips / 1e9:.2f} G instr/s: {guest_ips / host:.2f}x the "
                 f"host's {host / 1e9:.2f} G/s, {guest_ips / riscv:,.0f}x our RISC-V CPU's "
                 f"{riscv / 1e6:.1f} M/s"),
    }


def measure_jvm(progress: Callable[[str], None]) -> Column:
    klass = probes_dir() / "Probe.class"
    if not klass.exists():
        raise DemoError("Probe.class is not built: run `vmforms setup` (needs javac)")
    import importlib.util

    if importlib.util.find_spec("vmforms.cli.java") is None:
        raise DemoError("our JVM (`vmforms java`) is not built yet")
    progress("running the probe on our JVM...")
    # Interpreter only, so that every bytecode executed is counted.
    env = dict(os.environ, VMFORMS_JVM_STATS="1", VMFORMS_JVM_TRANSLATE="0")
    proc, elapsed = _run([VMFORMS, "java", "-cp", str(probes_dir()), "Probe",
                          str(JVM_CALLS)], 600, env)
    if proc.returncode != 0:
        raise DemoError(f"vmforms java Probe failed ({proc.returncode}): "
                        f"{proc.stderr.strip()[-200:]}")
    fields = _parse(proc.stdout)
    stats = dict(re.findall(r"(\w+)=([\d.]+)", proc.stderr.rpartition("vmforms-stats")[2]))
    bytecodes = int(stats.get("boot_bytecodes", 0)) + int(stats.get("run_bytecodes", 0))
    values: dict[str, Any] = {
        "kernel": fields.get("kernel", ""),
        "machine": fields.get("machine", ""),
        "pid1": "(no processes: one host process runs the VM)",
        "hostname": "",
        "memory_bytes": _int(fields.get("memory")),
        "cpus": _int(fields.get("cpus")),
        "kernel_inside": False,
        "startup_s": elapsed,
        "bytecodes": bytecodes,
        "executes": f"our bytecode interpreter ({bytecodes:,} bytecodes)",
        "kernel_is_host": fields.get("kernel") == os.uname().release,
        "isolation": "a bytecode instruction set; the VM is one host process",
    }
    if "call_ns" in fields:
        values["call_ns"] = float(fields["call_ns"])
        values["call"] = "one Java method call"
    values["bytecode"] = javap_main(klass)
    return Column("jvm", values=values)


def measure_ruby(progress: Callable[[str], None]) -> Column:
    from vmforms.yarv import probe
    from vmforms.yarv.errors import YarvError

    progress("running the probe on our YARV interpreter...")
    try:
        return Column("ruby", values=probe.measure(VMFORMS))
    except YarvError as exc:
        raise DemoError(str(exc)) from None


def javap_main(klass: Path) -> str:
    """The bytecode of Probe.main, as `vmforms javap -c` prints it."""
    proc, _ = _run([VMFORMS, "javap", "-c", str(klass)], 60)
    text = proc.stdout
    start = text.find("public static void main")
    if start < 0:
        return ""
    end = text.find("\n\n", start)
    return text[start:end if end > 0 else None]


def measure(forms: tuple[str, ...], progress: Callable[[str], None]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for form in forms:
        progress(f"measuring the {TITLES[form]}...")
        try:
            if form == "host":
                columns[form] = measure_host()
            elif form == "container":
                columns[form] = measure_container()
            elif form == "vm":
                columns[form] = measure_vm(progress)
            elif form == "vmcontainer":
                columns[form] = measure_vm_container(progress)
            elif form == "kvm":
                columns[form] = measure_kvm(progress)
            elif form == "ruby":
                columns[form] = measure_ruby(progress)
            else:
                columns[form] = measure_jvm(progress)
        except DemoError as exc:
            columns[form] = Column(form, available=False, reason=str(exc))
    return columns


# --- presenting ----------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def _ns(value: float) -> str:
    return f"{value:,.0f} ns" if value >= 100 else f"{value:.1f} ns"


ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("kernel release seen", lambda v: v.get("kernel") or "-"),
    ("the host's kernel?", lambda v: "yes" if v.get("kernel_is_host") else "no, its own"),
    ("machine seen", lambda v: v.get("machine") or "-"),
    ("PID 1", lambda v: v.get("pid1") or "-"),
    ("hostname", lambda v: v.get("hostname") or "-"),
    ("memory seen", lambda v: _size(v["memory_bytes"]) if v.get("memory_bytes") else "-"),
    ("CPUs seen", lambda v: str(v.get("cpus") or "-")),
    ("kernel image/modules inside", lambda v: "yes" if v.get("kernel_inside") else "no"),
    ("what executes instructions", lambda v: v.get("executes", "-")),
    ("start-up", lambda v: (_duration(v["startup_s"]) + (f" ({v['startup_note']})" if
                            "startup_note" in v else "")) if "startup_s" in v else "-"),
    ("one cheap call", lambda v: (f"{_ns(v['call_ns'])} ({v['call']})"
                                  if "call_ns" in v else "-")),
    ("load a kernel module", lambda v: v.get("module") or "-"),
    ("one VM exit", lambda v: (f"{_ns(v['exit_ns'])} (port write, guest to monitor and back)"
                               if "exit_ns" in v else "-")),
    ("the same loop (dec; jnz)", lambda v: v.get("loop") or "-"),
)


def table(columns: dict[str, Column], width: int = 34) -> str:
    def wrap(text: str) -> list[str]:
        words, lines, line = text.split(" "), [], ""
        for w in words:
            if line and len(line) + 1 + len(w) > width:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        return [*lines, line]

    label_w = max(len(r[0]) for r in ROWS) + 2
    forms = list(columns)
    head = "".ljust(label_w) + " | ".join(TITLES[f].ljust(width) for f in forms)
    out = [head.rstrip(), "-" * len(head)]
    for label, fmt in ROWS:
        cells = []
        for f in forms:
            col = columns[f]
            text = fmt(col.values) if col.available else ("unavailable: " + col.reason
                                                          if label == ROWS[0][0] else "")
            cells.append(wrap(text))
        for i in range(max(len(c) for c in cells)):
            row = (label if i == 0 else "").ljust(label_w) + " | ".join(
                (c[i] if i < len(c) else "").ljust(width) for c in cells)
            out.append(row.rstrip())
    jvm = columns.get("jvm")
    if jvm and jvm.available and jvm.values.get("bytecode"):
        out += ["", "The JVM probe's main method, as `vmforms javap -c` shows it:", "",
                jvm.values["bytecode"]]
    ruby = columns.get("ruby")
    if ruby and ruby.available and ruby.values.get("insns"):
        out += ["", "The seed's example, as `vmforms ruby --dump=insns -e 'puts 2+2'` shows it:",
                "", ruby.values["insns"]]
    out += note_container_386(columns)
    return "\n".join(out) + "\n"


def to_json(columns: dict[str, Column]) -> str:
    return json.dumps({"forms": {f: c.to_json() for f, c in columns.items()}}, indent=2)


# --- the 32-bit container: an i386 userland on the host's 64-bit kernel --------------------

I386_PROBE = r"""echo "elf_class=$(head -c 5 /proc/1/exe | od -An -tu1 | tr -s ' ' | cut -d' ' -f6)"
echo "kernel=$(uname -r)"
echo "machine=$(uname -m)"
echo "machine_linux32=$(linux32 uname -m)"
"""


def measure_container_386() -> dict[str, Any]:
    """`container run --platform linux/386 busybox`: Debian's i386 busybox as PID 1."""
    try:
        proc, _ = _run([VMFORMS, "container", "run", "--rm", "--platform", "linux/386",
                        "busybox", "sh", "-c", I386_PROBE], 60)
    except DemoError as exc:
        return {"available": False, "reason": str(exc)}
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return {"available": False, "reason": lines[-1] if lines else "run failed"}
    fields = _parse(proc.stdout)
    kernel = fields.get("kernel", "")
    return {"available": True, "elf_class": {"1": 32, "2": 64}.get(fields.get("elf_class", ""), 0),
            "kernel": kernel, "kernel_is_host": kernel == os.uname().release,
            "machine": fields.get("machine", ""),
            "machine_linux32": fields.get("machine_linux32", "")}


def note_container_386(columns: dict[str, Column]) -> list[str]:
    ctr = columns.get("container")
    found = ctr.values.get("container_386") if ctr and ctr.available else None
    if not found:
        return []
    head = "The 32-bit container (`vmforms container run --platform linux/386 busybox`):"
    if not found["available"]:
        return ["", head, f"  unavailable: {found['reason']}"]
    whose = ("the host's own 64-bit kernel, through its compat syscall layer"
             if found["kernel_is_host"] else "not the host's kernel")
    return ["", head,
            f"  PID 1 is an ELF{found['elf_class']} program (Debian's i386 busybox) on kernel "
            f"{found['kernel']}: {whose}",
            f"  uname -m says {found['machine']} (no personality change, as Docker); under "
            f"linux32 it says {found['machine_linux32']}"]
