"""`vmforms java`: the launcher of the JDK's `java` command over our VM (JDK 17
java launcher: options, main class lookup, exit codes and messages)."""

from __future__ import annotations

import os
import re
import sys
import threading
import zipfile
from typing import Any

USAGE = "Usage: java [options] <mainclass> [args...]\n           (to execute a class)\n" \
        "   or  java [options] -jar <jarfile> [args...]\n           (to execute a jar file)\n"
# The options of this VM's own engine, in HotSpot's spelling.
HELP_VM = ("\n where the options of this VM include:\n"
           "    -Xint         interpreted mode execution only (no translation tier)\n"
           "    -Xmixed       interpreter and translation tier (default)\n"
           "    -XX:CompileThreshold=<n>\n"
           "                  calls before a method is translated (default 200)\n"
           "    other -XX: options are accepted and ignored\n")


class LaunchError(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# The java launcher's module options and what it says when their value is missing.
MODULE_OPTIONS = {
    "--module-path": "module path specification", "-p": "module path specification",
    "--add-modules": "modules to be specified", "--add-opens": "modules to be specified",
    "--add-exports": "modules to be specified", "--module": "module name",
}
CREATE_FAILED = ("\nError: Could not create the Java Virtual Machine.\n"
                 "Error: A fatal exception has occurred. Program will exit.")
# HotSpot refuses a maximum heap below this before it starts.
MIN_HEAP = 2 * 1024 * 1024


def _size(option: str, text: str, what: str) -> int:
    """A -Xmx/-Xss value: digits with an optional k, m, g or t unit, as HotSpot parses it."""
    units = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
    m = re.fullmatch(r"([0-9]+)([kKmMgGtT]?)", text)
    value = int(m.group(1)) * units.get(m.group(2).lower(), 1) if m else 0
    if value <= 0:
        raise LaunchError(f"Invalid {what}: {option}{CREATE_FAILED}", 1)
    return value


def parse(argv: list[str]) -> dict[str, Any]:
    opts: dict[str, Any] = {"cp": None, "props": {}, "ea": False, "jar": None, "xss": None,
                            "xmx": None, "main": None, "args": [],
                            "version": None, "module": None, "modules": {}, "xint": None,
                            "threshold": None}
    i = 0
    while i < len(argv):
        a = argv[i]
        name, eq, value = a.partition("=")
        if name in MODULE_OPTIONS and name.startswith("--") or a in ("-p", "-m"):
            if not eq:
                if i + 1 >= len(argv):
                    raise LaunchError(f"Error: {a} requires {MODULE_OPTIONS.get(a, 'module name')}",
                                      1)
                value = argv[i + 1]
                i += 1
            if a in ("-m", "--module") or name == "--module":
                opts["module"] = value
                opts["args"] = argv[i + 1:]
                return opts
            key = "--module-path" if a == "-p" else name
            opts["modules"].setdefault(key, []).append(value)
            i += 1
            continue
        if a in ("-cp", "-classpath", "--class-path"):
            if i + 1 >= len(argv):
                raise LaunchError(f"Error: {a} requires class path specification", 1)
            opts["cp"] = argv[i + 1]
            i += 2
            continue
        if a.startswith("--class-path="):
            opts["cp"] = a.split("=", 1)[1]
        elif a.startswith("-D"):
            k, _, v = a[2:].partition("=")
            opts["props"][k] = v
        elif a in ("-ea", "-enableassertions") or a.startswith(("-ea:", "-enableassertions:")):
            opts["ea"] = True
        elif a == "--list-modules":
            opts["list_modules"] = True
        elif a in ("-Xint", "-Xmixed"):
            opts["xint"] = a == "-Xint"
        elif a.startswith("-XX:CompileThreshold="):
            value = a.partition("=")[2]
            if not value.isdigit():
                raise LaunchError(f"Improperly specified VM option '{a[4:]}'\n"
                                  f"{CREATE_FAILED.lstrip()}", 1)
            opts["threshold"] = min(int(value), 1 << 30)
        elif a in ("-da", "-disableassertions", "-server", "-client") or \
                a.startswith(("-XX:", "-Xms", "-Xlog", "-verbose", "-da:", "-Xshare")):
            pass
        elif a.startswith("-Xss"):
            opts["xss"] = _size(a, a[4:], "thread stack size")
        elif a.startswith("-Xmx"):
            opts["xmx"] = _size(a, a[4:], "maximum heap size")
        elif a in ("-version", "--version", "-showversion", "--show-version"):
            opts["version"] = a
        elif a == "-jar":
            if i + 1 >= len(argv):
                raise LaunchError("Error: -jar requires jar file specification", 1)
            opts["jar"] = argv[i + 1]
            opts["args"] = argv[i + 2:]
            return opts
        elif a in ("-h", "-help", "--help", "-?"):
            sys.stdout.write(USAGE + HELP_VM)
            raise LaunchError("", 0)
        elif a.startswith("-"):
            raise LaunchError(f"Unrecognized option: {a}\nError: Could not create the Java "
                              "Virtual Machine.\nError: A fatal exception has occurred. "
                              "Program will exit.", 1)
        else:
            opts["main"] = a
            opts["args"] = argv[i + 1:]
            return opts
        i += 1
    return opts


def _jar_main(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            manifest = z.read("META-INF/MANIFEST.MF").decode("utf-8", "replace")
    except FileNotFoundError:
        raise LaunchError(f"Error: Unable to access jarfile {path}") from None
    except (OSError, zipfile.BadZipFile, KeyError):
        raise LaunchError(f"Error: Invalid or corrupt jarfile {path}") from None
    lines: list[str] = []
    for raw in manifest.splitlines():
        if raw.startswith(" ") and lines:
            lines[-1] += raw[1:]
        else:
            lines.append(raw)
    for line in lines:
        k, _, v = line.partition(":")
        if k.strip().lower() == "main-class":
            return v.strip()
    raise LaunchError(f"no main manifest attribute, in {path}")


def main(argv: list[str]) -> int:
    try:
        opts = parse(argv)
    except LaunchError as exc:
        if exc.message:
            sys.stderr.write(exc.message + "\n")
        return exc.code
    if opts.get("list_modules"):
        return _list_modules(opts["modules"])
    if opts["xmx"] is not None and opts["xmx"] < MIN_HEAP:
        # Reported while the VM is created, before the main class is looked at; HotSpot
        # writes this one to stdout.
        sys.stdout.write("Error occurred during initialization of VM\nToo small maximum heap\n")
        return 1
    if opts["version"] in ("-version", "--version"):
        opts["main"] = None
    elif opts["jar"] is None and opts["main"] is None and opts["module"] is None:
        sys.stderr.write(USAGE)
        return 1
    cp = opts["cp"]
    if opts["jar"] is not None and opts["version"] not in ("-version", "--version"):
        try:
            opts["main"] = _jar_main(opts["jar"])
        except LaunchError as exc:
            sys.stderr.write(exc.message + "\n")
            return exc.code
        cp = opts["jar"]
    result: list[int] = [1]
    stack = 512 * 1024 * 1024
    sys.setrecursionlimit(1_000_000)
    threading.stack_size(stack)
    t = threading.Thread(target=lambda: result.__setitem__(0, run(opts, cp)), daemon=True)
    from vmforms.jvm.runtime.natives.signals import serve

    serve(t)  # starts t; the host's signal handlers are installed and run on this thread
    t.join()
    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1:
        os._exit(result[0])
    return result[0]


def _list_modules(modules: dict[str, list[str]]) -> int:
    from vmforms.jvm.runtime.classpath import ClassPath
    from vmforms.jvm.runtime.modoptions import graph_for, list_modules

    image = ClassPath([]).image()
    if image is None:
        sys.stderr.write("Error: no JDK class library found: set JAVA_HOME to a JDK 17\n")
        return 1
    sys.stdout.write(list_modules(graph_for(image, {"--module-path":
                                                    modules.get("--module-path", [])}, None)))
    return 0


def run(opts: dict[str, Any], cp: str | None) -> int:
    from vmforms.jvm.runtime.launcher import launch

    if opts["xint"] is not None or opts["threshold"] is not None:
        from vmforms.jvm.interp import translate

        translate.configure(None if opts["xint"] is None else not opts["xint"],
                            opts["threshold"])

    return launch(opts["main"], opts["args"], cp, opts["props"], opts["ea"],
                  opts["xss"], opts["xmx"], opts["version"], opts["modules"], opts["module"])
