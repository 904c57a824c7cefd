"""A translation cache on disk: compiled blocks kept across runs, keyed by address and bytes.

Compiling a block is the translate engine's largest fixed cost, and a guest boots the same
kernel code at the same addresses every time. Entries are Python code objects (marshal),
valid only for the exact code generator that made them: the file records a hash of the
decoder, the semantic templates and the translator, and is ignored when any changes.
"""

import hashlib
import marshal
import os
from pathlib import Path

from vmforms.hypervisor.cpu.riscv import decoder, semantics, translate

MAX_ENTRIES = 100_000

Key = tuple[int, bytes]
Entry = tuple[bytes, tuple[int, ...]]


def generator_version() -> str:
    """A hash of everything that shapes generated code."""
    digest = hashlib.sha256()
    for module in (decoder, semantics, translate):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:20]


class TranslationCache:
    """Loaded entries plus the ones made in this run, written back with `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = generator_version()
        self.entries: dict[Key, Entry] = {}
        self.fresh = 0
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return
        if isinstance(data, dict) and data.get("version") == self.version:
            blocks = data.get("blocks")
            if isinstance(blocks, dict):
                self.entries = blocks

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    def put(self, key: Key, code: bytes, index: tuple[int, ...]) -> None:
        if len(self.entries) < MAX_ENTRIES:
            self.entries[key] = (code, index)
            self.fresh += 1

    def save(self) -> None:
        """Write the cache atomically; a failure to write only loses the cache."""
        if not self.fresh:
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps({"version": self.version, "blocks": self.entries}))
            os.replace(tmp, self.path)
            self.fresh = 0
        except OSError:
            tmp.unlink(missing_ok=True)
