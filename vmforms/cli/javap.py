"""`vmforms javap`: disassemble class files the way the JDK 17 javap prints them."""

from __future__ import annotations

import os
import sys

USAGE = """Usage: vmforms javap <options> <classes>
where possible options include:
  -help --help -?          Print this help message
  -l                       Print line number and local variable tables
  -public                  Show only public classes and members
  -protected               Show protected/public classes and members
  -package                 Show package/protected/public classes
                           and members (default)
  -p  -private             Show all classes and members
  -c                       Disassemble the code
  -s                       Print internal type signatures
  -constants               Show final constants
  --class-path <path>      Specify where to find user class files
  -classpath <path>        Specify where to find user class files
  -cp <path>               Specify where to find user class files
"""

_FLAGS = {"-c": "code", "-s": "descriptors", "-l": "lines", "-constants": "constants"}
_ACCESS = {"-p": "private", "-private": "private", "-package": "package",
           "-protected": "protected", "-public": "public"}


def _output_encoding() -> str:
    """The charset Java picks for System.out from the locale: ASCII under C/POSIX."""
    for var in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(var)
        if value:
            break
    else:
        return "ascii"
    if value in ("C", "POSIX"):
        return "ascii"
    codeset = value.partition(".")[2].partition("@")[0]
    if not codeset:
        return "latin-1"
    if codeset.lower().replace("-", "") == "utf8":
        return "utf-8"
    try:
        import codecs

        return codecs.lookup(codeset).name
    except LookupError:
        return "utf-8"


def main(argv: list[str]) -> int:
    flags: dict[str, bool] = {}
    access = "package"
    class_path: str | None = None
    classes: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _FLAGS:
            flags[_FLAGS[arg]] = True
        elif arg in _ACCESS:
            access = _ACCESS[arg]
        elif arg in ("-cp", "-classpath", "--class-path"):
            if i + 1 >= len(argv):
                sys.stderr.write(f"Error: no path given after {arg}\n")
                return 2
            i += 1
            class_path = argv[i]
        elif arg.startswith("--class-path="):
            class_path = arg.partition("=")[2]
        elif arg in ("-h", "-help", "--help", "-?"):
            sys.stdout.write(USAGE)
            return 0
        elif arg.startswith("-"):
            sys.stderr.write(f"Error: unknown option: {arg}\nUsage: vmforms javap <options> "
                             "<classes>\nuse --help for a list of possible options\n")
            return 2
        else:
            classes.append(arg)
        i += 1
    if not classes:
        sys.stderr.write("Error: no classes specified\n")
        return 2

    from vmforms.jvm.javap import JavapOptions, disassemble_named

    opts = JavapOptions(access=access, **flags)
    encoding = _output_encoding()
    out = sys.stdout.buffer
    # Like the JDK's javap, the exit status is that of the last class: 1 if it failed.
    status = 0
    from vmforms.jvm.errors import JvmError
    from vmforms.jvm.runtime.classpath import ClassPath

    cp = ClassPath.from_string(class_path)
    try:
        for name in classes:
            try:
                text = disassemble_named(name, cp, opts)
            except JvmError as exc:
                out.flush()
                sys.stderr.write(f"Error: {exc}\n")
                sys.stderr.flush()
                status = 1
                continue
            out.write(text.encode(encoding, "replace"))
            status = 0
        out.flush()
    finally:
        cp.close()
    return status
