"""A translation cache on disk: compiled blocks kept across runs, keyed by address and bytes,
and the decoded form of every instruction word seen.

Compiling a block is the translate engine's largest fixed cost, and a guest boots the same
kernel code at the same addresses every time. Entries are Python code objects (marshal),
valid only for the exact code generator that made them: the file records a hash of the
decoder, the semantic templates and the translator, and is ignored when any changes.
"""

import hashlib
import marshal
import mmap
import os
from pathlib import Path

from vmforms.hypervisor.cpu.riscv import codegen, decoder, semantics, translate

MAX_ENTRIES = 100_000
MAX_WORDS = 1_000_000
SAVE_SHARE = 100

Key = tuple[int, bytes]
# decoder.Instr's fields but `word`: name, length, rd, rs1, rs2, rs3, imm, rm
Fields = tuple[str, int, int, int, int, int, int, int]
# marshalled code, the instruction index of each line, each instruction's offset from pc
# and how many instructions of its block precede it (translate.Block's fields)
Entry = tuple[bytes, tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def generator_version() -> str:
    """A hash of everything that shapes generated code, and of this file's format."""
    digest = hashlib.sha256()
    for module in (decoder, semantics, codegen, translate):
        digest.update(Path(module.__file__ or "").read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:20]


class TranslationCache:
    """Loaded entries plus the ones made in this run, written back with `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = generator_version()
        self.entries: dict[Key, Entry] = {}
        # instruction word -> decoded fields (decoder.Instr's, in its order, but `word`)
        self.decoded: dict[int, Fields] = {}
        self._by_pc: dict[int, list[bytes]] = {}
        self.fresh = 0
        self._decoded_saved = 0
        self._remove_stale()
        try:
            data = marshal.loads(path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return
        if isinstance(data, dict) and data.get("version") == self.version:
            blocks = data.get("blocks")
            if isinstance(blocks, dict):
                self.entries = blocks
                for pc, raw in blocks:
                    self._by_pc.setdefault(pc, []).append(raw)
            decoded = data.get("decoded")
            if isinstance(decoded, dict):
                self.decoded = decoded
                self._decoded_saved = len(decoded)

    def _remove_stale(self) -> None:
        """Drop the temporary files of saves cut short (a VM killed with SIGKILL while
        writing): they are named after the writer's pid, which no longer runs."""
        try:
            stale = list(self.path.parent.glob(f".{self.path.name}.*"))
        except OSError:
            return
        for tmp in stale:
            pid = tmp.name.rsplit(".", 1)[-1]
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass  # alive, under another user

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)

    def find(self, pc: int, data: bytearray | mmap.mmap, offset: int) -> tuple[bytes, Entry] | None:
        """The entry for a block at `pc` whose bytes are those at `offset` in RAM.

        This spares decoding a block to learn its length before looking it up.
        """
        for raw in self._by_pc.get(pc, ()):
            if data[offset : offset + len(raw)] == raw:
                return raw, self.entries[pc, raw]
        return None

    def remember(self, word: int, fields: Fields) -> None:
        if len(self.decoded) < MAX_WORDS:
            self.decoded[word] = fields

    def put(self, key: Key, entry: Entry) -> None:
        if len(self.entries) < MAX_ENTRIES and key not in self.entries:
            self.entries[key] = entry
            self._by_pc.setdefault(key[0], []).append(key[1])
            self.fresh += 1

    def worth_saving(self) -> bool:
        """Whether this run added enough to rewrite the file: at least 1/SAVE_SHARE more
        blocks or words than it held. A boot of a cached kernel still compiles a few
        regions (their shape follows timing); those are cheaper to compile again than a
        file of tens of megabytes is to rewrite at every power-off."""
        saved_blocks = len(self.entries) - self.fresh
        new_words = len(self.decoded) - self._decoded_saved
        return (self.fresh > 0 and self.fresh >= saved_blocks // SAVE_SHARE) or (
            new_words > 0 and new_words >= self._decoded_saved // SAVE_SHARE
        )

    def save(self) -> None:
        """Write the cache atomically when worth it; a failure to write only loses the cache."""
        if not self.worth_saving():
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(marshal.dumps(
                {"version": self.version, "blocks": self.entries, "decoded": self.decoded}
            ))
            os.replace(tmp, self.path)
            self.fresh = 0
            self._decoded_saved = len(self.decoded)
        except OSError:
            tmp.unlink(missing_ok=True)
