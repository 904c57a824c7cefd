"""The build context: a directory of the user's, read as untrusted. `.dockerignore`
(Docker's patternmatcher rules), the sources a COPY or ADD names (wildcards included),
and their checksum for the build cache.

A source is reached one component at a time with O_NOFOLLOW from the context's fd; a
symbolic link on the way is followed only while it stays inside the context, and a
source that would leave it (`../x`, a link to `/etc`) is refused, naming it. Links met
inside a copied directory are copied as links, as Docker copies them.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from vmforms.container.errors import ContainerError

MAX_DOCKERIGNORE = 1 << 20
_MAX_LINKS = 40
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# An O_PATH fd reopened through its /proc/self/fd link: following that link is the point.
_REOPEN = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class ContextError(ContainerError):
    exit_code = 1


def _clean(path: str) -> list[str]:
    """The components of a path relative to the context; `..` above it is refused."""
    out: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                raise ContextError(f"COPY failed: forbidden path outside the build context: "
                                   f"{path}")
            out.pop()
        else:
            out.append(part)
    return out


class Ignore:
    """`.dockerignore`: patterns matched against paths relative to the context, a
    match of a parent directory counting too; the last matching pattern wins, `!`
    re-includes."""

    def __init__(self, text: str) -> None:
        self.rules: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:].strip()
            cleaned = "/".join(p for p in line.split("/") if p not in ("", "."))
            if not cleaned:
                continue
            self.rules.append((negate, re.compile(_translate(cleaned))))

    @classmethod
    def load(cls, root_fd: int, dockerfile_name: str | None = None) -> Ignore:
        for name in ([f"{dockerfile_name}.dockerignore"] if dockerfile_name else []) + [
                ".dockerignore"]:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK,
                             dir_fd=root_fd)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise ContextError(f"read {name}: {exc.strerror}") from None
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise ContextError(f"read {name}: not a regular file")
                data = os.read(fd, MAX_DOCKERIGNORE + 1)
            finally:
                os.close(fd)
            if len(data) > MAX_DOCKERIGNORE:
                raise ContextError(f"read {name}: larger than {MAX_DOCKERIGNORE} bytes")
            return cls(data.decode("utf-8", errors="replace"))
        return cls("")

    def excluded(self, rel: str) -> bool:
        parts = rel.split("/")
        result = False
        for negate, pattern in self.rules:
            for n in range(1, len(parts) + 1):
                if pattern.fullmatch("/".join(parts[:n])):
                    result = not negate
                    break
        return result


def _translate(pattern: str) -> str:
    out = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            i += 2
            if pattern.startswith("/", i):
                i += 1
                out += "(?:.*/)?"
            else:
                out += ".*"
            continue
        if ch == "*":
            out += "[^/]*"
        elif ch == "?":
            out += "[^/]"
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out += re.escape(ch)
            else:
                body = pattern[i + 1:end]
                if body.startswith("^"):
                    body = "!" + body[1:]
                out += fnmatch.translate(f"[{body}]")[4:-3]
                i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out += re.escape(pattern[i])
        else:
            out += re.escape(ch)
        i += 1
    return out


@dataclass(frozen=True, slots=True)
class Source:
    """One source of a COPY: `rel` its path in the context (or another root), `name`
    the last component, `is_dir` whether its contents rather than itself are copied."""

    rel: str
    name: str
    is_dir: bool


def open_path(root_fd: int, rel: str, *, what: str = "build context") -> int:
    """An O_PATH fd on `rel` below `root_fd`, following links only inside it."""
    parts = _clean(rel)
    stack = [os.dup(root_fd)]
    links = 0
    try:
        while parts:
            part = parts.pop(0)
            if part == "..":
                if len(stack) == 1:
                    raise ContextError(f"COPY failed: forbidden path outside the {what}: "
                                       f"{rel}")
                os.close(stack.pop())
                continue
            try:
                st = os.stat(part, dir_fd=stack[-1], follow_symlinks=False)
            except FileNotFoundError:
                raise ContextError(f"COPY failed: file not found in {what}: stat {rel}: "
                                   "file does not exist") from None
            if stat.S_ISLNK(st.st_mode):
                links += 1
                if links > _MAX_LINKS:
                    raise ContextError(f"COPY failed: {rel}: too many levels of symbolic "
                                       "links")
                target = os.readlink(part, dir_fd=stack[-1])
                if target.startswith("/"):
                    raise ContextError(f"COPY failed: forbidden path outside the {what}: "
                                       f"{rel} (a symbolic link to {target})")
                parts = [p for p in target.split("/") if p not in ("", ".")] + parts
                continue
            flags = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
            if parts:
                if not stat.S_ISDIR(st.st_mode):
                    raise ContextError(f"COPY failed: {rel}: not a directory")
                flags |= os.O_DIRECTORY
            stack.append(os.open(part, flags, dir_fd=stack[-1]))
        return os.dup(stack[-1])
    finally:
        for fd in stack:
            os.close(fd)


def list_dir(root_fd: int, rel: str) -> list[str]:
    fd = open_path(root_fd, rel)
    try:
        dfd = os.open(f"/proc/self/fd/{fd}", _REOPEN)
    finally:
        os.close(fd)
    try:
        return sorted(os.listdir(dfd))
    finally:
        os.close(dfd)


def find_sources(root_fd: int, patterns: list[str], ignore: Ignore | None) -> list[Source]:
    """The sources the patterns name, wildcards expanded (Go's filepath.Match per
    component); a pattern matching nothing is an error, as in Docker."""
    found: list[Source] = []
    for pattern in patterns:
        parts = _clean(pattern)
        matches = _glob(root_fd, [], parts, ignore)
        if not matches:
            raise ContextError(f"COPY failed: file not found in build context or excluded by "
                               f".dockerignore: stat {pattern}: file does not exist")
        for rel in matches:
            fd = open_path(root_fd, rel)
            try:
                is_dir = stat.S_ISDIR(os.fstat(fd).st_mode)
            finally:
                os.close(fd)
            found.append(Source(rel, rel.rsplit("/", 1)[-1] if rel else "", is_dir))
    return found


def _glob(root_fd: int, done: list[str], rest: list[str], ignore: Ignore | None) -> list[str]:
    rel = "/".join(done)
    if not rest:
        if rel and ignore is not None and ignore.excluded(rel):
            return []
        return [rel]
    head, tail = rest[0], rest[1:]
    if not any(c in head for c in "*?["):
        try:
            os.close(open_path(root_fd, "/".join([*done, head])))
        except ContextError as exc:
            if "file not found" in str(exc) or "not a directory" in str(exc):
                return []
            raise
        return _glob(root_fd, [*done, head], tail, ignore)
    try:
        names = list_dir(root_fd, rel)
    except (ContextError, OSError):
        return []
    regex = re.compile(_translate(head))
    out: list[str] = []
    for name in names:
        if regex.fullmatch(name):
            out += _glob(root_fd, [*done, name], tail, ignore)
    return out


def walk(root_fd: int, rel: str, ignore: Ignore | None) -> list[tuple[str, os.stat_result]]:
    """Every entry below the directory `rel` (itself excluded), parents first, links
    not followed, ignored paths skipped: (path relative to `rel`, lstat)."""
    out: list[tuple[str, os.stat_result]] = []
    fd = open_path(root_fd, rel)
    try:
        dfd = os.open(f"/proc/self/fd/{fd}", _REOPEN)
    finally:
        os.close(fd)

    def visit(dfd: int, prefix: str) -> None:
        for name in sorted(os.listdir(dfd)):
            sub = f"{prefix}{name}"
            full = f"{rel}/{sub}" if rel else sub
            if ignore is not None and ignore.excluded(full):
                continue
            st = os.stat(name, dir_fd=dfd, follow_symlinks=False)
            out.append((sub, st))
            if stat.S_ISDIR(st.st_mode):
                child = os.open(name, _DIR, dir_fd=dfd)
                try:
                    visit(child, sub + "/")
                finally:
                    os.close(child)

    try:
        visit(dfd, "")
    finally:
        os.close(dfd)
    return out


def checksum(root_fd: int, sources: list[Source], ignore: Ignore | None) -> str:
    """What the cache key of a COPY/ADD takes from its sources: names, modes, sizes,
    link targets and contents (Docker hashes the same: a file's headers and bytes)."""
    h = hashlib.sha256()

    def file_digest(fd_path: str) -> str:
        fh = hashlib.sha256()
        fd = os.open(fd_path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        try:
            while chunk := os.read(fd, 1 << 20):
                fh.update(chunk)
        finally:
            os.close(fd)
        return fh.hexdigest()

    for src in sources:
        fd = open_path(root_fd, src.rel)
        try:
            st = os.fstat(fd)
            entries: list[tuple[str, os.stat_result]] = [("", st)]
            if src.is_dir:
                entries += walk(root_fd, src.rel, ignore)
            for sub, est in entries:
                line = f"{src.rel}|{sub}|{est.st_mode:o}|{est.st_size}"
                if stat.S_ISREG(est.st_mode):
                    pfd = open_path(root_fd, f"{src.rel}/{sub}" if sub else src.rel)
                    try:
                        line += "|" + file_digest(f"/proc/self/fd/{pfd}")
                    finally:
                        os.close(pfd)
                elif stat.S_ISLNK(est.st_mode):
                    parent, _, base = f"{src.rel}/{sub}".rpartition("/")
                    pfd = open_path(root_fd, parent)
                    try:
                        dfd = os.open(f"/proc/self/fd/{pfd}", _REOPEN)
                    finally:
                        os.close(pfd)
                    try:
                        line += "|" + os.readlink(base, dir_fd=dfd)
                    finally:
                        os.close(dfd)
                h.update(line.encode("utf-8", "surrogateescape") + b"\n")
        finally:
            os.close(fd)
    return "sha256:" + h.hexdigest()


def open_context(path: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            raise ContextError(f'unable to prepare context: path "{path}" not found') from None
        raise ContextError(f"open build context {path}: {exc.strerror}") from None
