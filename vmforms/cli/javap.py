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
  --help -help -h -?               Print this help message
  -version                         Version information
  -v  -verbose                     Print additional information
  -l                               Print line number and local variable tables
  -public                          Show only public classes and members
  -protected                       Show protected/public classes and members
  -package                         Show package/protected/public classes
                                   and members (default)
  -p  -private                     Show all classes and members
  -c                               Disassemble the code
  -s                               Print internal type signatures
  -sysinfo                         Show system info (path, size, date, SHA-256 hash)
                                   of class being processed
  -constants                       Show final constants
  --module <module>, -m <module>   Specify module containing classes to be disassembled
  -J<vm-option>                    Accepted for compatibility and ignored
  --module-path <path>             Specify where to find application modules
  --system <jdk>                   Specify where to find system modules
  --class-path <path>              Specify where to find user class files
  -classpath <path>                Specify where to find user class files
  -cp <path>                       Specify where to find user class files
  -bootclasspath <path>            Override location of bootstrap class files
  --multi-release <version>        Specify the version to use in multi-release JAR files

GNU-style options may use = instead of whitespace to separate the name of an option
from its value.

Each class to be shown may be specified by a filename, a URL, or by its fully
qualified class name. Examples:
   path/to/MyClass.class
   jar:file:///path/to/MyJar.jar!/mypkg/MyClass.class
   java.lang.Object

"""
SHORT_USAGE = ("Usage: vmforms javap <options> <classes>\n"
               "use --help for a list of possible options\n")

_FLAGS = {"-c": "code", "-s": "descriptors", "-l": "lines", "-constants": "constants",
          "-v": "verbose", "-verbose": "verbose", "-sysinfo": "sysinfo"}
_ACCESS = {"-p": "private", "-private": "private", "-package": "package",
           "-protected": "protected", "-public": "public"}
# Options the JDK's javap leaves to its file manager: they take a value, also as
# --name=value, and a missing or unusable value is an "invalid use".
_PATH_OPTIONS = {"-cp": "class_path", "-classpath": "class_path", "--class-path": "class_path",
                 "-bootclasspath": "boot_class_path", "--module-path": "module_path",
                 "--system": "system", "--multi-release": "multi_release"}


class BadArgs(Exception):
    """A command line javap refuses: the message, and whether the short usage follows."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def _java_hash_bucket(text: str) -> int:
    """The bucket of a 16-slot java.util.HashSet that holds TEXT (String.hashCode)."""
    h = 0
    for ch in text:
        h = (31 * h + ord(ch)) & 0xFFFFFFFF
    return (h ^ (h >> 16)) & 15


def parse_args(argv: list[str]) -> dict[str, object]:
    """javap's command line: options up to the first class name, then class names only."""
    cfg: dict[str, object] = {"access": "package", "help": False, "version": "",
                              "module": None}
    flags: dict[str, bool] = {}
    access_words: list[str] = []
    classes: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if classes or not arg.startswith("-"):
            classes.append(arg)
        elif arg in _FLAGS:
            flags[_FLAGS[arg]] = True
        elif arg in _ACCESS:
            # -p and -private are one option: whichever came first is the one named
            same = arg in ("-p", "-private") and ("-p" in access_words
                                                  or "-private" in access_words)
            if not same and arg not in access_words:
                access_words.append(arg)
            cfg["access"] = _ACCESS[arg]
        elif arg in ("-h", "-help", "--help", "-?"):
            cfg["help"] = True
        elif arg in ("-version", "-fullversion"):
            cfg["version"] = arg
        elif arg in ("--module", "-m"):
            if i >= len(argv):
                raise BadArgs(f"no value given for {arg}", usage=True)
            cfg["module"] = argv[i]
            i += 1
        elif arg.startswith("-J"):
            pass  # an option of the Java launcher, which has no part here
        else:
            name, eq, value = arg.partition("=")
            key = _PATH_OPTIONS.get(name)
            if key is None or (eq and not name.startswith("--")):
                raise BadArgs(f"unknown option: {arg}", usage=True)
            if not eq:
                if i >= len(argv):
                    raise BadArgs(f"invalid use of option: {arg}", usage=True)
                value = argv[i]
                i += 1
            if key == "system" and value != "none" and not os.path.isfile(
                    os.path.join(value, "lib", "modules")):
                raise BadArgs(f"invalid use of option: {name}", usage=True)
            cfg[key] = value
    if len(access_words) > 1:
        # javap keeps them in a HashSet and names them in its iteration order
        order = sorted(range(len(access_words)),
                       key=lambda k: (_java_hash_bucket(access_words[k]), k))
        raise BadArgs("bad combination of options: "
                      + " ".join(access_words[k] for k in order))
    cfg["flags"] = flags
    cfg["classes"] = classes
    return cfg


def jdk_version(system: object, full: bool) -> str:
    """JAVA_VERSION (JAVA_RUNTIME_VERSION for -fullversion) from the release file of the
    JDK whose modules are read; 17 when there is none."""
    from vmforms.jvm.runtime.jimage import default_jdk_home

    home = system if isinstance(system, str) and system != "none" else default_jdk_home()
    want = "JAVA_RUNTIME_VERSION" if full else "JAVA_VERSION"
    if home:
        try:
            with open(os.path.join(home, "release"), encoding="utf-8", errors="replace") as f:
                for line in f.read(1 << 16).splitlines():
                    key, _, value = line.partition("=")
                    if key == want:
                        return value.strip().strip('"')
        except OSError:
            pass
    return "17"


def _ascii_argument(arg: str) -> str:
    """An argument as Java decodes it under an ASCII locale: each other byte is `?`, so a
    non-ASCII file or class name is not found, as with the JDK's javap."""
    return "".join(chr(b) if b < 0x80 else "?" for b in os.fsencode(arg))


def main(argv: list[str]) -> int:
    encoding = _output_encoding()
    if encoding == "ascii":
        argv = [a if a.isascii() else _ascii_argument(a) for a in argv]
    if not argv:
        sys.stdout.write(USAGE)
        return 2
    try:
        cfg = parse_args(argv)
    except BadArgs as exc:
        sys.stderr.write(f"Error: {exc}\n")
        sys.stderr.flush()
        if exc.usage:
            sys.stdout.write(SHORT_USAGE)
        return 2
    classes = cfg["classes"]
    assert isinstance(classes, list)
    if cfg["help"]:
        sys.stdout.write(USAGE)
    if cfg["version"]:
        sys.stdout.write(jdk_version(cfg.get("system"), cfg["version"] == "-fullversion")
                         + "\n")
    if not classes and (cfg["help"] or cfg["version"]):
        return 0
    if not classes:
        sys.stderr.write("Error: no classes specified\n")
        return 2

    from vmforms.jvm.javap import JavapOptions

    flags = cfg["flags"]
    access = cfg["access"]
    assert isinstance(flags, dict) and isinstance(access, str)
    opts = JavapOptions(access=access, **flags)
    where = {k: cfg.get(k) for k in ("class_path", "boot_class_path", "module",
                                     "module_path", "system", "multi_release")}
    module = cfg["module"]
    if isinstance(module, str):
        from vmforms.jvm.errors import JvmError
        from vmforms.jvm.javap_find import Finder

        finder = Finder.from_options(**where)  # type: ignore[arg-type]
        try:
            known = finder.has_module(module)
        except JvmError as exc:
            sys.stderr.write(f"Error: {exc}\n")
            return 1
        finally:
            finder.close()
        if not known:
            sys.stdout.flush()
            sys.stderr.write(f"Error: Cannot find module {module}\n")
            return 1
    return _disassemble_all(classes, where, opts, encoding)


def _output_encoding() -> str:
    """The charset Java picks for System.out: the C library's codeset for the locale of
    the environment, which is ASCII under C/POSIX or a locale that is not installed.

    Python hides that case: finding the C locale at start-up it turns on its UTF-8 mode
    (PEP 540) and may even set LC_CTYPE=C.UTF-8 in our environment (PEP 538). So a UTF-8
    mode nobody asked for means the C library saw C or POSIX, and Java would write ASCII.
    """
    if (sys.flags.utf8_mode and os.environ.get("PYTHONUTF8") != "1"
            and "utf8" not in sys._xoptions):
        return "ascii"
    import codecs
    import locale

    codeset = locale.nl_langinfo(locale.CODESET)
    if codeset in ("ANSI_X3.4-1968", "", "C", "POSIX"):
        return "ascii"
    try:
        return codecs.lookup(codeset).name
    except LookupError:
        return "utf-8"


# Below this many classes a second process costs more than it saves.
PARALLEL_MIN = 200


def _disassemble_all(classes: list[str], where: dict[str, object], opts: object,
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
                    status = _disassemble_run(run, where, opts, encoding, sink)
                    sink.write(_RECORD.pack(b"S", status))
                code = 0
            finally:
                os._exit(code)
        children.append((pid, fd))
    status = _disassemble_run(runs[0], where, opts, encoding, None)
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


def _disassemble_run(classes: list[str], where: dict[str, object], opts: object,
                     encoding: str, sink: BinaryIO | None) -> int:
    """One run of classes, to our stdout/stderr, or as records to `sink`."""
    from vmforms.jvm.errors import JvmError
    from vmforms.jvm.javap import JavapOptions, disassemble_named
    from vmforms.jvm.javap_find import Finder

    assert isinstance(opts, JavapOptions)
    out = sys.stdout.buffer
    # Like the JDK's javap, the exit status is that of the last class: 1 if it failed.
    status = 0
    cp = Finder.from_options(**where)  # type: ignore[arg-type]  # opened per process
    try:
        for name in classes:
            try:
                text, warning = disassemble_named(name, cp, opts)
            except JvmError as exc:
                message = f"Error: {exc}\n"
                if sink is None:
                    out.flush()
                    sys.stderr.buffer.write(message.encode(encoding, "replace"))
                    sys.stderr.flush()
                else:
                    blob = message.encode(encoding, "replace")
                    sink.write(_RECORD.pack(b"E", len(blob)) + blob)
                status = 1
                continue
            if warning is not None:
                message = f"Warning: {warning}\n"
                if sink is None:
                    out.flush()
                    sys.stderr.buffer.write(message.encode(encoding, "replace"))
                    sys.stderr.flush()
                else:
                    blob = message.encode(encoding, "replace")
                    sink.write(_RECORD.pack(b"E", len(blob)) + blob)
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
