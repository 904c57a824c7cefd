"""A translation cache on disk: compiled blocks kept across runs, keyed by address and bytes,
and the decoded form of every instruction word seen.

Compiling a block is the translate engine's largest fixed cost, and a guest boots the same
kernel code at the same addresses every time. Entries are Python code objects (marshal),
valid only for the exact code generator that made them: the file records a hash of the
decoder, the semantic templates and the translator, and is ignored when any changes.

The file is mapped, not read: a restored VM reaches a few thousand of the tens of
thousands of blocks a boot leaves, so a block is unmarshalled only when the guest first
reaches its address. Layout (little-endian):
- MAGIC, the generator version (20 ASCII bytes, 4 of padding), the number of blocks and
  of words, the offset and length of the instruction names (u64 each);
- the blocks' table: their addresses sorted (u64 each; a dict of them is made at the
  first look-up, a few milliseconds, where a binary search over the mapping costs
  microseconds per look-up in Python), then for
  each the offset (u64) of its record, the record's length and the length of its
  instruction bytes (u32 each);
- the words sorted (u64 each), then each one's decoded fields packed in 16 bytes (_FIELDS:
  the name as an index into the names);
- the names, a marshalled tuple of strings;
- the blocks' records: the instruction bytes then the marshalled entry.
The file is replaced whole (rename), never written in place, so a mapping of the old one
stays valid while another run saves; offsets and lengths are checked against its size.
"""

import hashlib
import marshal
import mmap
import os
import struct
from collections.abc import Iterator
from pathlib import Path

from vmforms.hypervisor.cpu.riscv import codegen, decoder, semantics, translate

MAX_ENTRIES = 100_000
MAX_WORDS = 1_000_000
SAVE_SHARE = 100
MAGIC = b"vmftc\x00\x00\x02"
_HEADER = struct.Struct("<8s20s4xQQQQ")  # 64 bytes: the tables are 8-byte aligned
_ROW = 8 + 8 + 4 + 4  # key, offset, record length, bytes length
_FIELDS = struct.Struct("<HBBBBBBq")  # name, length, rd, rs1, rs2, rs3, rm, imm
MAX_NAMES = 4096

Key = tuple[int, bytes]
# decoder.Instr's fields but `word`: name, length, rd, rs1, rs2, rs3, imm, rm
Fields = tuple[str, int, int, int, int, int, int, int]
# marshalled code, the instruction index of each line, each instruction's offset from pc
# and how many instructions of its block precede it (translate.Block's fields)
Entry = tuple[bytes, tuple[int, ...], tuple[int, ...], tuple[int, ...]]


def generator_version() -> str:
    """A hash of everything that shapes generated code (the file's own format is MAGIC's
    to tell: a change to this module alone keeps every cache)."""
    digest = hashlib.sha256()
    for module in (decoder, semantics, codegen, translate):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:20]


def _first_rows(table: "_Table | _Words") -> dict[int, int]:
    """Key -> the first row holding it, made once per table."""
    if table.first is None:
        keys = table.keys.tolist()
        # reversed: of equal keys (a block changed at its address) the first row stays
        table.first = dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))
    return table.first


class _Table:
    """One sorted table of the mapped file: keys, and where each key's record lies."""

    def __init__(self, data: mmap.mmap, at: int, count: int) -> None:
        self._data = data
        self.count = count
        self.first: dict[int, int] | None = None
        self.keys = memoryview(data)[at : at + 8 * count].cast("Q")
        rows = at + 8 * count
        self._offsets = memoryview(data)[rows : rows + 8 * count].cast("Q")
        self._lengths = memoryview(data)[rows + 8 * count : rows + 12 * count].cast("I")
        self._raw = memoryview(data)[rows + 12 * count : rows + 16 * count].cast("I")

    @staticmethod
    def size(count: int) -> int:
        return _ROW * count

    def rows(self, key: int) -> Iterator[int]:
        i = _first_rows(self).get(key)
        if i is None:
            return
        while i < self.count and self.keys[i] == key:
            yield i
            i += 1

    def record(self, i: int) -> tuple[bytes, bytes]:
        """Row `i`'s instruction bytes and marshalled value; empty when out of the file."""
        start, length, raw = self._offsets[i], self._lengths[i], self._raw[i]
        if raw > length or start + length > len(self._data):
            return b"", b""
        return self._data[start : start + raw], self._data[start + raw : start + length]

    def raw_matches(self, i: int, data: bytearray | mmap.mmap, offset: int) -> bool:
        start, raw = self._offsets[i], self._raw[i]
        if raw == 0 or raw > self._lengths[i] or start + raw > len(self._data):
            return False
        return bool(self._data[start : start + raw] == data[offset : offset + raw])

    def release(self) -> None:
        for view in (self.keys, self._offsets, self._lengths, self._raw):
            view.release()


class _Empty:
    count = 0

    def rows(self, key: int) -> Iterator[int]:
        return iter(())


class _Words:
    """The saved words: sorted keys, and each one's fields packed."""

    def __init__(self, data: mmap.mmap, at: int, count: int, names: tuple[str, ...]) -> None:
        self.count = count
        self.first: dict[int, int] | None = None
        self.keys = memoryview(data)[at : at + 8 * count].cast("Q")
        self._fields = memoryview(data)[at + 8 * count : at + (8 + _FIELDS.size) * count]
        self.names = names

    def get(self, word: int) -> Fields | None:
        i = _first_rows(self).get(word)
        if i is None:
            return None
        name, length, rd, rs1, rs2, rs3, rm, imm = _FIELDS.unpack_from(
            self._fields, i * _FIELDS.size)
        if name >= len(self.names):
            return None
        return self.names[name], length, rd, rs1, rs2, rs3, imm, rm

    def items(self) -> Iterator[tuple[int, Fields]]:
        for i in range(self.count):
            fields = self.get(self.keys[i])
            if fields is not None:
                yield self.keys[i], fields

    def release(self) -> None:
        self.keys.release()
        self._fields.release()


class _MappedFile:
    """The saved cache, mapped; None of it is read until asked for."""

    def __init__(self, path: Path, version: str) -> None:
        self.data: mmap.mmap | None = None
        self.blocks: _Table | _Empty = _Empty()
        self.words: _Words | _Empty = _Empty()
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
        except OSError:
            return
        try:
            size = os.fstat(fd).st_size
            if size < _HEADER.size:
                return
            data = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        except (OSError, ValueError):
            return
        finally:
            os.close(fd)
        magic, saved, nblocks, nwords, names_at, names_len = _HEADER.unpack_from(data)
        words_at = _HEADER.size + _Table.size(nblocks)
        names: object = None
        if (magic == MAGIC and saved == version.encode() and nblocks <= MAX_ENTRIES
                and nwords <= MAX_WORDS and names_len <= MAX_NAMES * 64
                and words_at + (8 + _FIELDS.size) * nwords <= names_at
                and names_at + names_len <= size):
            try:
                names = marshal.loads(data[names_at : names_at + names_len])
            except (EOFError, ValueError, TypeError):
                pass
        if not (isinstance(names, tuple) and all(isinstance(n, str) for n in names)):
            data.close()
            return
        self.data = data
        self.blocks = _Table(data, _HEADER.size, nblocks)
        self.words = _Words(data, words_at, nwords, names)

    def close(self) -> None:
        for table in (self.blocks, self.words):
            if isinstance(table, _Table | _Words):
                table.release()
        self.blocks = self.words = _Empty()
        if self.data is not None:
            self.data.close()
            self.data = None


class DecodedWords:
    """Instruction word -> decoded fields: the file's, looked up when first asked for,
    and this run's."""

    def __init__(self, saved: _Words | _Empty) -> None:
        self._saved = saved
        self.fresh: dict[int, Fields] = {}

    def get(self, word: int) -> Fields | None:
        fields = self.fresh.get(word)
        if fields is not None or not isinstance(self._saved, _Words):
            return fields
        return self._saved.get(word)

    def __len__(self) -> int:
        return self._saved.count + len(self.fresh)


class TranslationCache:
    """The saved entries (mapped) plus the ones made in this run, written back with `save`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.version = generator_version()
        self._remove_stale()
        self._file = _MappedFile(path, self.version)
        # made in this run: (pc, bytes) -> entry, and pc -> bytes for `find`
        self.fresh_entries: dict[Key, Entry] = {}
        self._by_pc: dict[int, list[bytes]] = {}
        self.decoded = DecodedWords(self._file.words)
        self.fresh = 0

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

    def __len__(self) -> int:
        """How many blocks the cache holds."""
        return self._file.blocks.count + len(self.fresh_entries)

    def close(self) -> None:
        self._file.close()
        self.decoded = DecodedWords(self._file.words)

    def find(self, pc: int, data: bytearray | mmap.mmap, offset: int) -> tuple[bytes, Entry] | None:
        """The entry for a block at `pc` whose bytes are those at `offset` in RAM.

        This spares decoding a block to learn its length before looking it up.
        """
        for raw in self._by_pc.get(pc, ()):
            if data[offset : offset + len(raw)] == raw:
                return raw, self.fresh_entries[pc, raw]
        saved = self._file.blocks
        if isinstance(saved, _Table):
            for i in saved.rows(pc):
                if saved.raw_matches(i, data, offset):
                    raw, blob = saved.record(i)
                    try:
                        entry = marshal.loads(blob)
                    except (EOFError, ValueError, TypeError):
                        continue
                    if isinstance(entry, tuple) and len(entry) == 4:
                        return raw, entry
        return None

    def _saved_has(self, key: Key) -> bool:
        saved = self._file.blocks
        return isinstance(saved, _Table) and any(
            saved.record(i)[0] == key[1] for i in saved.rows(key[0]))

    def remember(self, word: int, fields: Fields) -> None:
        if len(self.decoded) < MAX_WORDS:
            self.decoded.fresh[word] = fields

    def put(self, key: Key, entry: Entry) -> None:
        if (len(self) < MAX_ENTRIES and key not in self.fresh_entries
                and not self._saved_has(key)):
            self.fresh_entries[key] = entry
            self._by_pc.setdefault(key[0], []).append(key[1])
            self.fresh += 1

    def worth_saving(self) -> bool:
        """Whether this run added enough to rewrite the file: at least 1/SAVE_SHARE more
        blocks or words than it held. A boot of a cached kernel still compiles a few
        regions (their shape follows timing); those are cheaper to compile again than a
        file of tens of megabytes is to rewrite at every power-off."""
        saved_blocks, saved_words = self._file.blocks.count, self._file.words.count
        new_words = len(self.decoded.fresh)
        return (self.fresh > 0 and self.fresh >= saved_blocks // SAVE_SHARE) or (
            new_words > 0 and new_words >= saved_words // SAVE_SHARE
        )

    def save(self) -> None:
        """Write the cache atomically when worth it; a failure to write only loses the cache."""
        if not self.worth_saving():
            return
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write(tmp, self.version, self._block_records(), self._word_records())
            os.replace(tmp, self.path)
        except (OSError, struct.error):  # struct.error: a key beyond 64 bits (a bug)
            tmp.unlink(missing_ok=True)
            return
        # the new file holds everything: map it in place of the old one
        self._file.close()
        self._file = _MappedFile(self.path, self.version)
        self.fresh_entries.clear()
        self._by_pc.clear()
        self.decoded = DecodedWords(self._file.words)
        self.fresh = 0

    def _block_records(self) -> list[tuple[int, bytes, bytes]]:
        """(pc, instruction bytes, marshalled entry) of every block, saved and fresh."""
        records = [(pc, raw, marshal.dumps(entry))
                   for (pc, raw), entry in self.fresh_entries.items()]
        saved = self._file.blocks
        if isinstance(saved, _Table):
            records += [(saved.keys[i], *saved.record(i)) for i in range(saved.count)]
        return records

    def _word_records(self) -> dict[int, Fields]:
        words = dict(self._file.words.items()) if isinstance(self._file.words, _Words) else {}
        words.update(self.decoded.fresh)
        return words


def _write(path: Path, version: str, blocks: list[tuple[int, bytes, bytes]],
           words: dict[int, Fields]) -> None:
    """The file described in the module's docstring, from the blocks' (address, bytes,
    marshalled entry) and the words' fields."""
    blocks.sort(key=lambda r: r[0])
    names: dict[str, int] = {}
    packed = []
    for word in sorted(words):
        name, length, rd, rs1, rs2, rs3, imm, rm = words[word]
        try:
            fields = _FIELDS.pack(names.setdefault(name, len(names)), length, rd, rs1, rs2,
                                  rs3, rm, imm)
        except struct.error:
            continue  # a field beyond its packed width: decoded again when met
        packed.append((word, fields))
    names_blob = marshal.dumps(tuple(names))
    words_at = _HEADER.size + _Table.size(len(blocks))
    names_at = words_at + (8 + _FIELDS.size) * len(packed)
    at = names_at + len(names_blob)
    offsets = []
    for _, raw, value in blocks:
        offsets.append(at)
        at += len(raw) + len(value)
    count = len(blocks)
    tables = [
        _HEADER.pack(MAGIC, version.encode(), count, len(packed), names_at, len(names_blob)),
        struct.pack(f"<{count}Q", *(r[0] for r in blocks)),
        struct.pack(f"<{count}Q", *offsets),
        struct.pack(f"<{count}I", *(len(r[1]) + len(r[2]) for r in blocks)),
        struct.pack(f"<{count}I", *(len(r[1]) for r in blocks)),
        struct.pack(f"<{len(packed)}Q", *(w for w, _ in packed)),
        b"".join(f for _, f in packed),
        names_blob,
    ]
    with open(path, "wb") as f:
        f.writelines(tables)
        for _, raw, value in blocks:
            f.write(raw)
            f.write(value)
