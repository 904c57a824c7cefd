"""Which classes HotSpot defines from class bytes after `main` starts, recorded at setup
from the JDK itself.

HotSpot's identity hashes come from a per-thread generator (vm.next_identity_hash) from
which every class parsed from bytes also draws once; classes loaded before `main`, and
classes taken from the default CDS archive (the JDK's lib/classlist), are not parsed
then. To give a program HotSpot's hashes (and so its `Object.toString` output and its
HashSet orders) the VM draws for every other class it defines after `main` starts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from vmforms.container.paths import state_root

_LOADED = re.compile(r"\[class,load\s*\] (\S+) source: ")
_MAIN = "VmformsStartupProbe"
_MARK = "-- main --"


def preloaded_classes_path() -> Path:
    return state_root() / "assets" / "jvm" / "hotspot-preloaded-classes.txt"


def preloaded_classes() -> frozenset[str] | None:
    """Internal names of the classes HotSpot does not parse after `main` starts (loaded
    before it, or archived), or None when `vmforms setup` has not recorded them."""
    try:
        text = preloaded_classes_path().read_text()
    except OSError:
        return None
    return frozenset(line for line in text.splitlines() if line and line[0] != "#")


def ensure_preloaded_classes() -> str:
    """`vmforms setup` step: run the JDK's `java` on a main class that prints a line, and
    record the classes loaded before that line, plus the CDS archive's class list."""
    target = preloaded_classes_path()
    java, javac = shutil.which("java"), shutil.which("javac")
    if java is None or javac is None:
        return "skipped: no JDK (java and javac) on PATH"
    version = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    stamp = f"# {version.splitlines()[0] if version else 'unknown'}\n"
    if target.exists() and target.read_text().startswith(stamp):
        return f"{target} (cached)"
    with tempfile.TemporaryDirectory(prefix="vmforms-jvm-") as tmp:
        src = Path(tmp) / f"{_MAIN}.java"
        src.write_text(f"public class {_MAIN} {{ public static void main(String[] a) "
                       f"{{ System.out.println(\"{_MARK}\"); }} }}\n")
        subprocess.run([javac, "-d", tmp, str(src)], check=True, capture_output=True)
        log = subprocess.run([java, "-Xlog:class+load=info:stdout", "-cp", tmp, _MAIN],
                             check=True, capture_output=True, text=True).stdout
    names = set()
    for line in log.splitlines():
        if line == _MARK:
            break
        m = _LOADED.search(line)
        if m is not None:
            names.add(m.group(1).replace(".", "/"))
    classlist = Path(os.path.realpath(java)).parent.parent / "lib" / "classlist"
    try:
        names |= {line.split()[0] for line in classlist.read_text().splitlines()
                  if line and line[0] not in "#@"}
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_target = target.with_name(f".{target.name}.{os.getpid()}")
    tmp_target.write_text(stamp + "\n".join(sorted(names)) + "\n")
    os.replace(tmp_target, target)
    return f"{len(names)} classes in {target}"
