"""The Ruby corpus under `ruby` (CRuby 3.1) and under `vmforms ruby`: stdout, stderr and
exit status must be identical for every program."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "data" / "ruby_programs"
pytestmark = pytest.mark.integration


def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, bytes, bytes]:
    p = subprocess.run(cmd, cwd=CORPUS, env=env, capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=300)
    return p.returncode, p.stdout, p.stderr


def test_corpus_runs_as_under_ruby(vmforms_bin: str, tmp_path: Path) -> None:
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    programs = sorted(p.name for p in CORPUS.glob("*.rb"))
    assert len(programs) >= 80
    env = {"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""),
           "VMFORMS_ROOT": str(tmp_path / "state"), "HOME": str(tmp_path)}

    def both(name: str) -> tuple[str, tuple[int, bytes, bytes], tuple[int, bytes, bytes]]:
        return (name, _run([ruby, name], env), _run([vmforms_bin, "ruby", name], env))
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(both, programs))
    failures = []
    for name, want, got in results:
        if want != got:
            what = [k for k, a, b in zip(("status", "stdout", "stderr"), want, got,
                                         strict=True) if a != b]
            detail = got[2].decode(errors="replace")[-300:]
            failures.append(f"{name}: {', '.join(what)} differ; vmforms stderr: {detail}")
    assert not failures, f"{len(failures)} of {len(programs)} differ:\n" + "\n".join(failures)


def test_plain_loop_runs_as_under_ruby(vmforms_bin: str, tmp_path: Path) -> None:
    """A sample of the corpus with the translation tier off (VMFORMS_YARV_TRANSLATE=0)."""
    ruby = shutil.which("ruby")
    if ruby is None:
        pytest.skip("ruby is not installed (make setup installs Debian's ruby 3.1)")
    env = {"LANG": "C.UTF-8", "PATH": os.environ.get("PATH", ""),
           "VMFORMS_ROOT": str(tmp_path / "state"), "HOME": str(tmp_path)}
    plain = dict(env, VMFORMS_YARV_TRANSLATE="0")
    for name in ("exceptions.rb", "exceptions2.rb", "blocks.rb", "control.rb",
                 "ensure_order.rb", "uncaught.rb", "loops_control.rb", "stack_values.rb",
                 "eval_binding.rb", "refinements.rb"):
        assert _run([vmforms_bin, "ruby", name], plain) == _run([ruby, name], env), name
