"""Ruby source to binary iseq, by Debian's `ruby` used only as a compiler (as javac is).

`ruby` runs RubyVM::InstructionSequence.compile_file(...).to_binary and nothing else; the
result is cached on disk under a hash of the compiler, the path and the source, so a warm
run never starts `ruby`. The program itself is never executed by CRuby.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from vmforms.yarv.errors import CompileError

# Reads the file named by ARGV[0] (relative to the working directory, so the iseq records
# the path exactly as given) and writes the binary iseq to stdout.
_COMPILE = ("STDOUT.binmode; "
            "begin; print RubyVM::InstructionSequence.compile_file(ARGV[0]).to_binary; "
            "rescue SyntaxError => e; STDERR.print e.message; exit 1; end")
MAX_SOURCE = 64 << 20
# Part of every cache key: bump it when the way sources are handed to ruby changes.
PROTOCOL = 4


def ruby_binary() -> str:
    found = shutil.which("ruby")
    if found is None:
        raise CompileError("no `ruby` on PATH: it compiles Ruby source to YARV "
                           "(install Debian's ruby: apt-get install ruby)")
    return found


def cache_dir() -> Path | None:
    """Where compiled iseqs are kept: VMFORMS_ROOT's cache, else the user's cache dir."""
    from vmforms.container.paths import state_root

    for base in (state_root() / "cache" / "yarv",
                 Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                 / "vmforms" / "yarv"):
        try:
            base.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError:
            continue
        if os.access(base, os.W_OK | os.X_OK):
            return base
    return None


def _key(ruby: str, path: str, source: bytes) -> str:
    st = os.stat(ruby)
    h = hashlib.sha256()
    h.update(f"{PROTOCOL}\0{os.path.realpath(ruby)}\0{st.st_size}\0{st.st_mtime_ns}\0"
             f"{path}\0".encode())
    h.update(source)
    return h.hexdigest()


def compile_source(source: bytes, path: str, *, on_disk: bool = True) -> bytes:
    """The binary iseq of `source`, read from `path` (on_disk) or named so (-e); cached
    by content."""
    ruby = ruby_binary()
    key = _key(ruby, path, source)
    cdir = cache_dir()
    if cdir is not None:
        try:
            return (cdir / key).read_bytes()
        except OSError:
            pass
    if on_disk:
        proc = subprocess.run([ruby, "--disable-gems", "-e", _COMPILE, "--", path],
                              capture_output=True)
    else:
        # Source given on the command line (-e): written under its own name in a
        # private directory, so the iseq records that name as its path.
        with tempfile.TemporaryDirectory(prefix="vmforms-yarv-") as tmp:
            # For "-" (a script on stdin) compile_file opens the file but parses its own
            # standard input, as ruby does with its script: the source goes to both.
            (Path(tmp) / path).write_bytes(source)
            proc = subprocess.run([ruby, "--disable-gems", "-e", _COMPILE, "--", path], cwd=tmp,
                                  input=source, capture_output=True)
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip()
        raise CompileError(message or "ruby failed to compile")
    data = proc.stdout
    if cdir is not None:
        fd, tmp_name = tempfile.mkstemp(dir=cdir, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp_name, cdir / key)
        except OSError:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass
    return data


_COMPILE_STRING = ("STDOUT.binmode; src = STDIN.binmode.read; "
                   "begin; print RubyVM::InstructionSequence.compile(src, ARGV[0], ARGV[1], "
                   "Integer(ARGV[2])).to_binary; "
                   "rescue SyntaxError => e; STDERR.print e.message; exit 1; end")


def compile_string(source: bytes, file: str, path: str, line: int) -> bytes:
    """RubyVM::InstructionSequence.compile(source, file, path, line), cached by content."""
    ruby = ruby_binary()
    key = _key(ruby, f"compile\0{file}\0{path}\0{line}", source)
    cdir = cache_dir()
    if cdir is not None:
        try:
            return (cdir / key).read_bytes()
        except OSError:
            pass
    proc = subprocess.run([ruby, "--disable-gems", "-e", _COMPILE_STRING, "--", file, path,
                           str(line)], input=source, capture_output=True)
    if proc.returncode != 0:
        raise CompileError(proc.stderr.decode("utf-8", "replace").strip()
                           or "ruby failed to compile")
    if cdir is not None:
        _store(cdir, key, proc.stdout)
    return proc.stdout


def _store(cdir: Path, key: str, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=cdir, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp_name, cdir / key)
    except OSError:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass


def read_source(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SOURCE + 1)
    except OSError as exc:
        raise CompileError(f"No such file or directory -- {path} (LoadError)"
                           if isinstance(exc, FileNotFoundError)
                           else f"cannot read {path}: {exc.strerror}") from None
    if len(data) > MAX_SOURCE:
        raise CompileError(f"{path}: source larger than {MAX_SOURCE} bytes")
    return data
