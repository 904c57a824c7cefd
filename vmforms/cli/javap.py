"""`vmforms javap`: disassemble class files the way the JDK 17 javap prints them."""

from __future__ import annotations

import os
import struct
import sys

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import BinaryIO

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

_FLAGS = {"-c": "code", "-s": "descriptors", "-l": "lines", "-constants": "constants",
          "-v": "verbose", "-verbose": "verbose", "-sysinfo": "sysinfo"}
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

    from vmforms.jvm.javap import JavapOptions

    opts = JavapOptions(access=access, **flags)
    return _disassemble_all(classes, class_path, opts, _output_encoding())


# Below this many classes a second process costs more than it saves.
PARALLEL_MIN = 200


def _disassemble_all(classes: list[str], class_path: str | None, opts: object,
                     encoding: str) -> int:
    """Disassemble every class in order; over many classes, on every CPU.

    The list is cut into contiguous runs. This process streams the first run as it
    goes; each other run is done by a forked worker that writes its output and errors,
    in order, to a file of its own, which is copied out when its turn comes. The bytes
    written and the exit status are the same as one process would give.
    """
    workers = min(os.cpu_count() or 1, 8) if len(classes) >= PARALLEL_MIN else 1
    size = -(-len(classes) // workers)
    runs = [classes[i:i + size] for i in range(0, len(classes), size)]
    children: list[tuple[int, int]] = []  # (pid, fd of its output file)
    sys.stdout.flush()
    sys.stderr.flush()
    for run in runs[1:]:
        fd = os.memfd_create("vmforms-javap", os.MFD_CLOEXEC)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                with os.fdopen(os.dup(fd), "wb") as sink:
                    status = _disassemble_run(run, class_path, opts, encoding, sink)
                    sink.write(_RECORD.pack(b"S", status))
                code = 0
            finally:
                os._exit(code)
        children.append((pid, fd))
    status = _disassemble_run(runs[0], class_path, opts, encoding, None)
    out = sys.stdout.buffer
    for pid, fd in children:
        _, wait_status = os.waitpid(pid, 0)
        with os.fdopen(fd, "rb") as source:
            source.seek(0)
            data = source.read()
        if os.waitstatus_to_exitcode(wait_status) != 0 or data[-_RECORD.size:][:1] != b"S":
            sys.stderr.write("Error: a worker process failed\n")
            return 1
        pos = 0
        while pos < len(data):
            kind, length = _RECORD.unpack_from(data, pos)
            pos += _RECORD.size
            if kind == b"S":
                status = length
                break
            chunk = data[pos:pos + length]
            pos += length
            if kind == b"O":
                out.write(chunk)
            else:
                out.flush()
                sys.stderr.buffer.write(chunk)
                sys.stderr.flush()
    out.flush()
    return status


_RECORD = struct.Struct("<cQ")  # O: stdout bytes, E: stderr bytes, S: the status


def _disassemble_run(classes: list[str], class_path: str | None, opts: object,
                     encoding: str, sink: BinaryIO | None) -> int:
    """One run of classes, to our stdout/stderr, or as records to `sink`."""
    from vmforms.jvm.errors import JvmError
    from vmforms.jvm.javap import JavapOptions, disassemble_named
    from vmforms.jvm.javap_find import Finder

    assert isinstance(opts, JavapOptions)
    out = sys.stdout.buffer
    # Like the JDK's javap, the exit status is that of the last class: 1 if it failed.
    status = 0
    cp = Finder.from_options(class_path)  # opened here: file offsets are per process
    try:
        for name in classes:
            try:
                text = disassemble_named(name, cp, opts)
            except JvmError as exc:
                message = f"Error: {exc}\n"
                if sink is None:
                    out.flush()
                    sys.stderr.write(message)
                    sys.stderr.flush()
                else:
                    blob = message.encode(encoding, "replace")
                    sink.write(_RECORD.pack(b"E", len(blob)) + blob)
                status = 1
                continue
            data = text.encode(encoding, "replace")
            if sink is None:
                out.write(data)
            else:
                sink.write(_RECORD.pack(b"O", len(data)) + data)
            status = 0
        if sink is None:
            out.flush()
    finally:
        cp.close()
    return status
