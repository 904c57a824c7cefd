"""`vmforms demo`: the same probe on the host, in a container, in the VM and on the JVM."""

from __future__ import annotations

import argparse
import json
import os
import sys

from vmforms.errors import VmformsError


def main(argv: list[str]) -> int:
    from vmforms import demo

    parser = argparse.ArgumentParser(prog="vmforms demo", description=demo.__doc__)
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    parser.add_argument("--form", default=",".join(demo.FORMS),
                        help="columns to show, comma-separated: " + ",".join(demo.FORMS))
    parser.add_argument("--diagram", metavar="FILE.svg", help="also draw the stacks as SVG")
    args = parser.parse_args(argv)
    forms = tuple(f.strip() for f in args.form.split(",") if f.strip())
    unknown = [f for f in forms if f not in demo.FORMS]
    if unknown or not forms:
        raise VmformsError(f"--form {args.form!r}: choose from {','.join(demo.FORMS)}",
                           exit_code=2)
    interactive = sys.stderr.isatty()

    def progress(message: str) -> None:
        if interactive:
            sys.stderr.write(f"\r\033[K{message}")
            sys.stderr.flush()

    columns = demo.measure(forms, progress)
    if interactive:
        sys.stderr.write("\r\033[K")
    if args.json:
        print(demo.to_json(columns))
    else:
        sys.stdout.write(demo.table(columns))
    if args.diagram:
        from vmforms.diagram import render

        records = json.loads(demo.to_json(columns))["forms"]
        uname = os.uname()
        with open(args.diagram, "w") as f:
            f.write(render(records, uname.release, uname.machine))
    return 0
