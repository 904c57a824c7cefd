"""Image references as Docker reads them (distribution/reference grammar):
`name[:tag]`, `name@sha256:<hex>`, and an image id or a prefix of one.

`busybox` means `busybox:latest`; a name may carry a registry host with a port
(`localhost:5000/app:1`), so the tag is the part after the last colon that follows the
last slash.
"""

from __future__ import annotations

import re

from vmforms.container.errors import InvalidOption
from vmforms.record import record

DEFAULT_TAG = "latest"

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?"
_NAME_RE = re.compile(rf"^(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_ID_PREFIX_RE = re.compile(r"^(?:sha256:)?[0-9a-f]{1,64}$")


@record
class Reference:
    """A named reference: `name` plus a tag, or plus a manifest digest."""

    name: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        if self.digest:
            return f"{self.name}@{self.digest}"
        return f"{self.name}:{self.tag or DEFAULT_TAG}"


def parse_reference(text: str) -> Reference:
    """Parse `name[:tag][@digest]`; raise InvalidOption naming what is wrong."""
    if not text:
        raise InvalidOption("invalid reference format: empty image name")
    name, at, digest = text.partition("@")
    if at and not _DIGEST_RE.match(digest):
        raise InvalidOption(f"invalid reference format: {text!r}: bad digest {digest!r}")
    tag: str | None = None
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
        if not _TAG_RE.match(tag):
            raise InvalidOption(f"invalid reference format: {text!r}: bad tag {tag!r}")
    if not _NAME_RE.match(name):
        if name.lower() != name and _NAME_RE.match(name.lower()):
            raise InvalidOption(
                f"invalid reference format: {text!r}: repository name must be lowercase"
            )
        raise InvalidOption(f"invalid reference format: {text!r}")
    name = familiar_name(name)
    if at:
        return Reference(name, tag, digest)
    return Reference(name, tag or DEFAULT_TAG)


def familiar_name(name: str) -> str:
    """Docker Hub names in the short form Docker shows: `docker.io/library/x` is `x`."""
    for host in ("docker.io/", "index.docker.io/"):
        if name.startswith(host):
            short = name[len(host) :]
            if short.startswith("library/") and short.count("/") == 1:
                short = short[len("library/") :]
            return short
    return name


def normalize_tag(text: str) -> str:
    """`busybox` -> `busybox:latest`; refuse digests, which cannot name a new image."""
    ref = parse_reference(text)
    if ref.digest:
        raise InvalidOption(f"invalid reference {text!r}: a tag cannot contain a digest")
    return str(ref)


def looks_like_id(text: str) -> bool:
    """True when `text` could be an image id or a prefix of one (hex, maybe `sha256:`)."""
    return bool(_ID_PREFIX_RE.match(text))
