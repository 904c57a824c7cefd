"""OCI runtime-spec hooks (config.md "POSIX-platform Hooks"): each hook is a program
that gets the container's state as JSON on stdin.

Where each kind runs, as runc and crun run them: createRuntime and prestart in the
runtime's namespaces once the container's mounts are made but before pivot_root;
createContainer in the container's namespaces at that same point (host paths still
resolve); startContainer in the container after `start`, before the user's process;
poststart after `start`; poststop after `delete`.
"""

from __future__ import annotations

from vmforms.container.errors import RuntimeFailure

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from collections.abc import Iterable

    from vmforms.container.spec import Hook

# The kinds run while the container is created, and the one run as it starts.
CREATE_KINDS = ("createRuntime", "prestart", "createContainer")
START_KIND = "startContainer"


def run_hooks(hooks: Iterable[Hook], state: bytes, *, fatal: bool = True) -> None:
    """Run each hook with `state` on stdin; the first failure is a RuntimeFailure when
    `fatal` (create and start hooks), else ignored (poststart, poststop), as the spec
    says. A hook without env gets the runtime's own environment, as runc's do."""
    import subprocess

    for hook in hooks:
        env = dict(e.partition("=")[::2] for e in hook.env) if hook.env else None
        try:
            done = subprocess.run([*hook.args] if hook.args else [hook.path],
                                  executable=hook.path, input=state, env=env,
                                  timeout=hook.timeout, capture_output=True)
            failed = done.returncode != 0
            detail = done.stderr.decode(errors="replace").strip() or f"exit {done.returncode}"
        except (OSError, subprocess.TimeoutExpired) as exc:
            failed, detail = True, str(exc)
        if failed and fatal:
            raise RuntimeFailure(f"hook {hook.path} failed: {detail}")
