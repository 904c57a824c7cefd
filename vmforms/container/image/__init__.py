"""The image half of the container form: a content-addressed store in the OCI image
layout, safe layer unpacking, docker-archive and OCI-archive exchange, built-in images."""

from vmforms.container.image.records import Image, ImageConfig, Manifest
from vmforms.container.image.reference import Reference, parse_reference
from vmforms.container.image.store import ImageStore

__all__ = ["Image", "ImageConfig", "ImageStore", "Manifest", "Reference", "parse_reference"]
