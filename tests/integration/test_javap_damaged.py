"""Damaged class files: a seeded set of mutations of the corpus's classes (bit flips, random
bytes and u2 values, truncation), each given to the JDK's javap and to ours.

Where javap crashes (a stack trace) the file is left out; everywhere else, whether javap
gives up on the file or prints what it can with inline `Error:` lines and `???`, ours
must print the same bytes, on the same streams, with the same exit status.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
CORPUS = Path(__file__).resolve().parents[1] / "data" / "java" / "corpus"
VMFORMS = str(Path(sys.executable).with_name("vmforms"))
SEED = 18
COUNT = 60


def _mutate(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    kind = rng.choice(["flip", "byte", "trunc", "u2"])
    if kind == "flip":
        p = rng.randrange(8, len(out))
        out[p] ^= 1 << rng.randrange(8)
    elif kind == "byte":
        out[rng.randrange(8, len(out))] = rng.randrange(256)
    elif kind == "trunc":
        out = out[:rng.randrange(10, len(out))]
    else:
        p = rng.randrange(8, len(out) - 1)
        out[p:p + 2] = rng.randrange(65536).to_bytes(2, "big")
    return bytes(out)


@pytest.fixture(scope="module")
def mutants(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    javac = shutil.which("javac")
    if javac is None or shutil.which("javap") is None:
        pytest.skip("the JDK is not installed (make setup installs openjdk-17-jdk-headless)")
    root = tmp_path_factory.mktemp("damaged")
    subprocess.run([javac, "-g", "-parameters", "-nowarn", "-encoding", "UTF-8", "-d",
                    str(root / "classes"), *map(str, sorted(CORPUS.glob("*.java")))],
                   check=True, capture_output=True)
    sources = sorted((root / "classes").rglob("*.class"))
    rng = random.Random(SEED)
    files = []
    for i in range(COUNT):
        path = root / f"M{i:03d}.class"
        path.write_bytes(_mutate(rng, rng.choice(sources).read_bytes()))
        files.append(path)
    return files


def _run(tool: list[str], path: Path, options: list[str]) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env["LC_ALL"] = "C.UTF-8"
    return subprocess.run([*tool, *options, path.name], cwd=path.parent, env=env,
                          capture_output=True, timeout=60)


@pytest.mark.parametrize(("options", "count"), [(["-c", "-p"], COUNT), (["-v", "-p"], 30)])
def test_mutated_class_files(mutants: list[Path], options: list[str], count: int) -> None:
    javap = shutil.which("javap")
    assert javap is not None
    whole_file = partial = crashed = 0
    differ = []
    for path in mutants[:count]:
        theirs = _run([javap], path, options)
        ours = _run([VMFORMS, "javap"], path, options)
        assert b"Traceback" not in ours.stderr, (path.name, ours.stderr[-2000:])
        if b"\tat " in theirs.stderr + theirs.stdout:
            crashed += 1
            continue
        if theirs.stdout == b"":
            whole_file += 1
        else:
            partial += 1
        if (ours.returncode, ours.stdout, ours.stderr) != (
                theirs.returncode, theirs.stdout, theirs.stderr):
            differ.append(path.name)
    print(f"{count} mutants, {' '.join(options)}: {whole_file} refused by javap, {partial} "
          f"printed in part or whole, {crashed} crash javap; {len(differ)} differ")
    assert whole_file > 5 and partial > 5
    assert not differ, differ
