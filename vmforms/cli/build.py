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
    F(None, "secret", LIST, "secret to expose to the build (format: "
      "\"id=mysecret[,src=/local/secret]\" or \"id=mysecret,env=VAR\")", metavar="stringArray"),
), ("context",), interspersed=True)
BUILDER = Command("builder", "COMMAND", "Manage builds (prune)", (), rest="args")
BUILDER_PRUNE = Command("prune", "[OPTIONS]", "Remove build cache", (
    F("a", "all", help="remove all unused build cache, not just dangling ones"),
    F("f", "force", help="do not prompt for confirmation"),
), interspersed=True)


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


def _secrets(items: list[str]) -> dict[str, bytes]:
    """`--secret id=ID[,src=FILE|,env=VAR]` (type=file|env): read now, bounded; a bare
    id reads the variable of that name if set, else the file of that name (buildx)."""
    import os

    from vmforms.container.build.mounts import MAX_SECRET

    out: dict[str, bytes] = {}
    for item in items:
        fields: dict[str, str] = {}
        for part in item.split(","):
            key, sep, value = part.partition("=")
            if not sep:
                raise InvalidOption(f"invalid secret {item!r}: {part!r} is not key=value")
            fields[{"source": "src"}.get(key.strip(), key.strip())] = value
        ident = fields.pop("id", "")
        kind = fields.pop("type", "env" if "env" in fields else "file")
        src, env = fields.pop("src", None), fields.pop("env", None)
        if not ident or fields or kind not in ("file", "env"):
            raise InvalidOption(f"invalid secret {item!r}: want id=ID[,src=FILE|,env=VAR]")
        if kind == "env" or (src is None and env is None and ident in os.environ):
            found = os.environ.get(env or src or ident)
            if found is None:
                raise InvalidOption(f"secret {ident}: environment variable "
                                    f"{env or src or ident} is not set")
            data = found.encode()
        else:
            path = src or ident
            try:
                with open(path, "rb") as f:
                    data = f.read(MAX_SECRET + 1)
            except OSError as exc:
                raise InvalidOption(f"secret {ident}: open {path}: {exc.strerror}") from None
        if len(data) > MAX_SECRET:
            raise InvalidOption(f"secret {ident}: larger than {MAX_SECRET} bytes")
        out[ident] = data
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
                        platform=platform, secrets=_secrets(a.secret))
    image_id = Builder(opts).build()
    if a.iidfile:
        with open(a.iidfile, "w") as f:
            f.write(image_id)
    if quiet:
        print(image_id)
    sys.stdout.flush()
    return 0


def run_builder(a: SimpleNamespace) -> int:
    """`builder prune [-a] [-f]`: Docker's prompt, its list of removed records and total."""
    from vmforms.cli.system import _sub, prune_command

    got = _sub("vmforms container builder", {"prune": BUILDER_PRUNE}, list(a.args))
    if got is None:
        return 0
    args = got[1]
    warning = ("WARNING! This will remove all build cache." if args.all else
               "WARNING! This will remove all dangling build cache.")
    return prune_command(warning, args.force, "Deleted build cache objects",
                         lambda: prune_cache(args.all))


def prune_cache(all_cache: bool) -> tuple[list[str], int]:
    from vmforms.container.build.cache import prune
    from vmforms.container.image.store import ImageStore

    return prune(ImageStore(), all_cache)
