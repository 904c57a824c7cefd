"""`vmforms container build`: Docker's flags, over container/build/executor.py."""

from __future__ import annotations

import sys
from types import SimpleNamespace

from vmforms.cli.flags import LIST, VALUE, Command, Flag
from vmforms.container.errors import InvalidOption

F = Flag
COMMAND = Command("build", "[OPTIONS] PATH", "Build an image from a Dockerfile", (
    F("t", "tag", LIST, "name and optionally a tag in the 'name:tag' format", metavar="list"),
    F("f", "file", VALUE, "name of the Dockerfile (default: 'PATH/Dockerfile')",
      metavar="string"),
    F(None, "build-arg", LIST, "set build-time variables", metavar="list"),
    F(None, "target", VALUE, "set the target build stage to build", metavar="string"),
    F(None, "no-cache", help="do not use cache when building the image"),
    F(None, "label", LIST, "set metadata for an image", metavar="list"),
    F(None, "platform", VALUE, "set target platform for build (one this host executes)",
      metavar="string"),
    F(None, "progress", VALUE, "set type of progress output (auto, plain, quiet)",
      default="auto", metavar="string"),
    F("q", "quiet", help="suppress the build output and print image ID on success"),
    F(None, "network", VALUE, "set the networking mode for the RUN instructions (default, "
      "none, host or a network's name)", metavar="string"),
    F(None, "iidfile", VALUE, "write the image ID to the file", metavar="string"),
), ("context",), interspersed=True)


def _pairs(items: list[str], what: str, env_fallback: bool) -> dict[str, str]:
    import os

    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key:
            raise InvalidOption(f"invalid {what}: {item!r}")
        if not sep:
            if not env_fallback or key not in os.environ:
                continue
            value = os.environ[key]
        out[key] = value
    return out


def run(a: SimpleNamespace) -> int:
    from pathlib import Path

    from vmforms.container.build.executor import Builder, BuildOptions
    from vmforms.container.image.reference import normalize_tag

    if a.progress not in ("auto", "plain", "tty", "quiet", "rawjson"):
        raise InvalidOption(f'invalid progress mode "{a.progress}"')
    platform = None
    if a.platform:
        from vmforms.container.image.platform import check_executable, parse_platform

        platform = parse_platform(a.platform.split(",")[0])
        if "," in a.platform:
            raise InvalidOption(f"--platform {a.platform}: one platform at a time (a "
                                "multi-platform build needs a manifest list exporter)")
        # RUN steps execute the platform's programs here: refused before anything runs.
        check_executable(platform, "of this build")
    for tag in a.tag:
        normalize_tag(tag)  # a bad tag fails before anything is built
    context = Path(a.context)
    dockerfile = None
    if a.file:
        dockerfile = Path(a.file) if a.file == "-" or Path(a.file).is_absolute() else (
            Path.cwd() / a.file)
    quiet = a.quiet or a.progress == "quiet"
    opts = BuildOptions(context=context, dockerfile=dockerfile, tags=list(a.tag),
                        build_args=_pairs(a.build_arg, "build-arg", True),
                        target=a.target, no_cache=a.no_cache,
                        labels=_pairs(a.label, "label", False), quiet=quiet,
                        progress="plain" if a.progress == "rawjson" else a.progress,
                        network=None if a.network in (None, "default") else a.network,
                        platform=platform)
    image_id = Builder(opts).build()
    if a.iidfile:
        with open(a.iidfile, "w") as f:
            f.write(image_id)
    if quiet:
        print(image_id)
    sys.stdout.flush()
    return 0
