"""`vmforms ruby`: run Ruby programs on our YARV interpreter, with ruby's command line.

`ruby` (CRuby 3.1) is the compiler only; `--dump=insns` prints the disassembly of the
compiled iseq, and `vmforms yarv FILE.yarb` that of an iseq already compiled.
"""

from __future__ import annotations

import sys

USAGE = """Usage: vmforms ruby [switches] [--] [programfile] [arguments]
  -e 'command'    one line of script. Several -e's allowed. Omit [programfile]
  -Idirectory     specify $LOAD_PATH directory (may be used more than once)
  -rlibrary       require the library before executing your script
  -v              print the version number, then turn on verbose mode
  -w              turn warnings on for your script
  -W[level=2]     set warning level; 0=silence, 1=medium, 2=verbose
  --dump=insns    print the YARV instructions of the script instead of running it
  --version       print the version number, then exit
  -h, --help      show this message
"""


class Options:
    def __init__(self) -> None:
        self.code: list[str] = []
        self.load_path: list[str] = []
        self.requires: list[str] = []
        self.verbose: bool | None = False
        self.dump_insns = False
        self.version = False
        self.script: str | None = None
        self.args: list[str] = []


def parse(argv: list[str]) -> Options:
    from vmforms.yarv.errors import YarvError

    opts = Options()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if not arg.startswith("-") or arg == "-":
            break
        if arg in ("-e", "-I", "-r"):
            if i + 1 >= len(argv):
                raise YarvError(f"no code specified for {arg}" if arg == "-e"
                                else f"no argument for {arg}", exit_code=2)
            value = argv[i + 1]
            i += 2
        elif arg[:2] in ("-e", "-I", "-r"):
            value = arg[2:]
            i += 1
        else:
            value = ""
            i += 1
        flag = arg[:2]
        if flag == "-e":
            opts.code.append(value)
        elif flag == "-I":
            opts.load_path.append(value)
        elif flag == "-r":
            opts.requires.append(value)
        elif arg in ("-w", "-W", "-W2"):
            opts.verbose = True
        elif arg == "-W1":
            opts.verbose = False
        elif arg == "-W0":
            opts.verbose = None
        elif arg == "-v":
            opts.version = True
            opts.verbose = True
        elif arg == "--version":
            opts.version = True
            opts.script = None
            return opts
        elif arg == "--dump=insns":
            opts.dump_insns = True
        elif arg in ("-h", "--help"):
            sys.stdout.write(USAGE)
            raise SystemExit(0)
        else:
            raise YarvError(f"invalid option {arg}  (-h will show valid options) "
                            "(RuntimeError)", exit_code=1)
    rest = argv[i:]
    if not opts.code:
        if rest:
            opts.script = rest[0]
            rest = rest[1:]
        else:
            opts.script = "-"
    opts.args = rest
    return opts


def version_line() -> str:
    import subprocess

    from vmforms.yarv.compiler import ruby_binary

    out = subprocess.run([ruby_binary(), "--version"], capture_output=True, text=True).stdout
    return out.strip()


def main(argv: list[str]) -> int:
    from vmforms.yarv.compiler import compile_source, read_source

    opts = parse(argv)
    if opts.version:
        sys.stdout.write(version_line() + "\n")
        sys.stdout.flush()
        if opts.script is None and not opts.code:
            return 0
    if opts.code:
        path, source, on_disk = "-e", "\n".join(opts.code).encode() + b"\n", False
    elif opts.script == "-":
        path, source, on_disk = "-", sys.stdin.buffer.read(), False
    else:
        assert opts.script is not None
        path, source, on_disk = opts.script, read_source(opts.script), True
    from vmforms.yarv.errors import CompileError

    try:
        binary = compile_source(source, path, on_disk=on_disk)
    except CompileError as exc:
        if "syntax" not in str(exc) and "unterminated" not in str(exc):
            raise
        sys.stderr.write(f"{exc}\n")  # ruby's own message: file:line: what is wrong
        return 1
    from vmforms.yarv.iseq import load

    iseqs = load(binary, path)
    if opts.dump_insns:
        from vmforms.yarv.disasm import disasm

        sys.stdout.write(disasm(iseqs.top))
        return 0
    from vmforms.yarv.interp.run import run_main

    return run_main(iseqs, path, opts.args, load_path=opts.load_path,
                    requires=opts.requires, verbose=opts.verbose)


def yarv_main(argv: list[str]) -> int:
    """`vmforms yarv FILE.yarb`: disassemble a binary iseq."""
    from vmforms.yarv.disasm import disasm
    from vmforms.yarv.errors import YarvError
    from vmforms.yarv.iseq import load

    if len(argv) != 1 or argv[0].startswith("-"):
        sys.stderr.write("usage: vmforms yarv FILE.yarb\n")
        return 2
    try:
        with open(argv[0], "rb") as f:
            data = f.read(256 << 20)
    except OSError as exc:
        raise YarvError(f"cannot read {argv[0]}: {exc.strerror}") from None
    sys.stdout.write(disasm(load(data, argv[0]).top))
    return 0
