"""COPY/ADD sources that are not files of the context: here-documents (`COPY <<EOF /f`)
and, for ADD, http(s) URLs. Each is written into a scratch directory of the build,
which then serves as the step's source root, so the copy, the cache checksum and the
--chown/--chmod handling are those of context files.

A URL is fetched on every build (as Docker's ADD does) and its content, not its URL,
goes into the cache key; `--checksum=sha256:...` is verified before anything is
copied. The file is 0600 with the Last-Modified time as its mtime (Dockerfile
reference, ADD), and an archive fetched so is not unpacked.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from pathlib import Path

from vmforms.container.build.parser import Instruction, expand_raw
from vmforms.container.errors import ContainerError

# The most of one URL's body an ADD takes, and how long a read may stall.
MAX_URL_BYTES = 8 << 30
URL_TIMEOUT = 60.0
_CHECKSUM = re.compile(r"^sha(256|384|512):([0-9a-f]+)$")


def is_url(word: str) -> bool:
    return word.startswith(("http://", "https://"))


def prepare(inst: Instruction, patterns: list[str], scratch: Path, env: dict[str, str],
            escape: str, add: bool, checksum: str | None) -> list[str] | None:
    """Write the step's here-documents or URLs into `scratch` (made here); the source
    names to copy from it, or None when the sources are the context's files."""
    docs = {f"<<{name}": (name, body, do_expand) for name, body, do_expand in inst.heredocs}
    urls = [p for p in patterns if add and is_url(p)]
    if checksum is not None and not urls:
        raise inst.error("ADD --checksum is only supported with an http(s) source")
    if not docs and not urls:
        return None
    if any(p not in docs and not (add and is_url(p)) for p in patterns):
        raise inst.error(f"{inst.cmd.upper()}: here-documents and URLs cannot be mixed with "
                         "files of the build context in one instruction")
    if inst.flag("from") is not None:
        raise inst.error(f"{inst.cmd.upper()} --from cannot take here-documents")
    if checksum is not None and len(urls) != 1:
        raise inst.error("ADD --checksum needs exactly one URL source")
    scratch.mkdir(mode=0o700)
    names: list[str] = []
    for word in patterns:
        if word in docs:
            name, body, do_expand = docs[word]
            data = (expand_raw(body, env, escape) if do_expand else body).encode()
            try:
                (scratch / name).write_bytes(data)
                os.chmod(scratch / name, 0o644)  # whatever the umask
            except OSError as exc:
                raise ContainerError(f"{inst.cmd.upper()} <<{name}: {exc.strerror}") from None
        else:
            name = fetch(word, scratch, checksum)
        if name in names:
            raise inst.error(f"{inst.cmd.upper()}: two sources named {name!r}")
        names.append(name)
    return names


def _url_name(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    name = posixpath.basename(unquote(urlsplit(url).path))
    # Docker names a file with no path component after the host "__unnamed__"; a name
    # no file can have (a NUL, too long) is refused rather than changed.
    if "\0" in name or len(name.encode()) > 255:
        raise ContainerError(f"ADD {url}: the URL's last path component is not a file name")
    return name if name not in ("", ".", "..") else "__unnamed__"


def fetch(url: str, scratch: Path, checksum: str | None) -> str:
    """Download `url` into `scratch`; the file's name there."""
    import email.utils
    import urllib.error
    import urllib.request

    expected = None
    if checksum is not None:
        found = _CHECKSUM.match(checksum)
        if found is None:
            raise ContainerError(f"invalid checksum digest format: {checksum!r} (want "
                                 "sha256:<hex>)")
        expected = (found.group(1), found.group(2))
    name = _url_name(url)
    path = scratch / name
    request = urllib.request.Request(url, headers={"User-Agent": "vmforms-build"})
    try:
        resp = urllib.request.urlopen(request, timeout=URL_TIMEOUT)  # noqa: S310 - http(s) only
    except urllib.error.HTTPError as exc:
        raise ContainerError(f"failed to load cache key: invalid response status "
                             f"{exc.code}: {url}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ContainerError(f"ADD {url}: {reason}") from None
    h = hashlib.new(f"sha{expected[0]}" if expected else "sha256")
    total = 0
    with resp:
        if not resp.geturl().startswith(("http://", "https://")):
            raise ContainerError(f"ADD {url}: redirected to a non-http URL")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise ContainerError(f"ADD {url}: create {name}: {exc.strerror}") from None
        try:
            while chunk := resp.read(1 << 20):
                total += len(chunk)
                if total > MAX_URL_BYTES:
                    raise ContainerError(f"ADD {url}: larger than {MAX_URL_BYTES} bytes")
                h.update(chunk)
                os.write(fd, chunk)
        except (OSError, TimeoutError) as exc:
            raise ContainerError(f"ADD {url}: {exc}") from None
        finally:
            os.close(fd)
        modified = resp.headers.get("Last-Modified")
    if expected is not None and h.hexdigest() != expected[1]:
        raise ContainerError(f"digest mismatch sha{expected[0]}:{h.hexdigest()}: "
                             f"{checksum}")
    os.chmod(path, 0o600)
    if modified:
        try:
            stamp = email.utils.parsedate_to_datetime(modified).timestamp()
        except (TypeError, ValueError):
            stamp = None
        if stamp is not None:
            os.utime(path, (stamp, stamp))
    return name
