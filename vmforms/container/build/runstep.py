"""A RUN step: a real container of the engine (default bridge network, the image's
layers as of this step), its output relayed line by line as `docker build --progress
plain` prints it, and its overlay upper directory taken as the step's changes.
"""

from __future__ import annotations

import os
import select
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vmforms.container import state as st


@contextmanager
def step_container(image_id: str, command: list[str], env: list[str], user: str,
                   workdir: str, output: Callable[[bytes], None],
                   network: str | None = None,
                   mounts: list[str] | None = None) -> Iterator[tuple[int, Path]]:
    """Run `command` in a container of `image_id` to its end; yield (exit code, upper
    directory). The container is removed when the block ends, whatever happens."""
    from vmforms.container import engine, monitor
    from vmforms.container.attach import open_devnull
    from vmforms.container.runconfig import RunOptions
    from vmforms.container.runtime import Stdio

    opts = RunOptions(image=image_id, command=command, entrypoint="", env=env,
                      user=user or None, workdir=workdir or None, network=network,
                      mount=list(mounts or []))
    c = engine.create(opts)
    status: int | None = None
    pid = 0
    cgroup = None
    try:
        r, w = os.pipe2(os.O_CLOEXEC)
        null = open_devnull()
        try:
            pid, cgroup = engine._launch(c, Stdio(null, w, w))
        finally:
            os.close(w)
            os.close(null)
        try:
            _relay(r, output)
        finally:
            os.close(r)
        status = monitor.wait_child(pid)
        code = monitor.finalize(c, status, cgroup)
        yield code, c.path / "upper"
    finally:
        if status is None and pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                monitor.finalize(c, os.waitpid(pid, 0)[1], cgroup)
            except ChildProcessError:
                monitor.finalize(c, None, cgroup)
        from vmforms.container import lifecycle

        try:
            lifecycle.remove(c.id, force=True)
        except Exception:  # noqa: BLE001 - gone already is fine
            if c.path.exists():
                st.remove_dir(c.path)


def _relay(fd: int, output: Callable[[bytes], None]) -> None:
    """Whole lines to `output` as they come; a last partial line at the end."""
    pending = b""
    while True:
        select.select([fd], [], [])
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            output(line)
    if pending:
        output(pending)


class Clock:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start
