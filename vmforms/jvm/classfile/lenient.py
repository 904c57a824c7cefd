"""Reading a class file as leniently as the JDK's own tools do (com.sun.tools.classfile, which
javap uses): no magic or version check, constant pool cross references left unchecked,
bytes after the last attribute ignored. Only what stops such a reader is an error here:
the end of the data, a modified UTF-8 string that DataInputStream.readUTF refuses, an
unknown constant pool tag, or an attribute length past 2^31.
"""

from __future__ import annotations

import struct

from vmforms.jvm.errors import JvmError


class ToolReadError(JvmError):
    """What stops the JDK's class reader; `template` has `{0}` where javap puts the name
    it was given."""

    def __init__(self, template: str) -> None:
        super().__init__(template)
        self.template = template


END_OF_FILE = "unexpected end of file while reading {0}"


def read_utf(data: bytes, pos: int) -> tuple[str, int]:
    """DataInputStream.readUTF at POS: a u2 length and modified UTF-8, decoded one UTF-16
    unit at a time (overlong forms accepted, as Java does); return the text and the end."""
    if pos + 2 > len(data):
        raise ToolReadError(END_OF_FILE)
    (n,) = struct.unpack_from(">H", data, pos)
    start = pos + 2
    end = start + n
    if end > len(data):
        raise ToolReadError(END_OF_FILE)
    raw = data[start:end]
    if raw.isascii():
        return raw.decode("ascii"), end
    units: list[int] = []
    count = 0
    while count < n:
        c = raw[count]
        top = c >> 4
        if top < 8:
            units.append(c)
            count += 1
        elif top in (12, 13):
            count += 2
            if count > n:
                raise ToolReadError("IO error reading {0}: malformed input: partial character "
                                    "at end")
            c2 = raw[count - 1]
            if c2 & 0xC0 != 0x80:
                raise ToolReadError(f"IO error reading {{0}}: malformed input around byte {count}")
            units.append(((c & 0x1F) << 6) | (c2 & 0x3F))
        elif top == 14:
            count += 3
            if count > n:
                raise ToolReadError("IO error reading {0}: malformed input: partial character "
                                    "at end")
            c2, c3 = raw[count - 2], raw[count - 1]
            if c2 & 0xC0 != 0x80 or c3 & 0xC0 != 0x80:
                raise ToolReadError("IO error reading {0}: malformed input around byte "
                                    f"{count - 1}")
            units.append(((c & 0x0F) << 12) | ((c2 & 0x3F) << 6) | (c3 & 0x3F))
        else:
            raise ToolReadError(f"IO error reading {{0}}: malformed input around byte {count}")
    text = "".join(map(chr, units))
    # pairs of surrogates are one character, as in a Java String printed as UTF-8
    return text.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass"), end


_FIXED = {3: 4, 4: 4, 5: 8, 6: 8, 7: 2, 8: 2, 9: 4, 10: 4, 11: 4, 12: 4, 15: 3, 16: 2,
          17: 4, 18: 4, 19: 2, 20: 2}


def check_readable(data: bytes) -> None:
    """Walk DATA as the JDK's class reader would and raise ToolReadError where it stops."""
    size = len(data)

    def need(pos: int, n: int) -> None:
        if pos + n > size:
            raise ToolReadError(END_OF_FILE)

    need(0, 10)
    (count,) = struct.unpack_from(">H", data, 8)
    pos = 10
    utf8: dict[int, str] = {}
    i = 1
    while i < count:
        need(pos, 1)
        tag = data[pos]
        pos += 1
        if tag == 1:
            utf8[i], pos = read_utf(data, pos)
        elif tag in _FIXED:
            need(pos, _FIXED[tag])
            pos += _FIXED[tag]
            if tag in (5, 6):
                i += 1
        else:
            raise ToolReadError("error while reading constant pool for {0}: unexpected tag at "
                                f"#{i}: {tag}")
        i += 1
    need(pos, 8)
    (n_if,) = struct.unpack_from(">H", data, pos + 6)
    pos += 8 + 2 * n_if

    def attributes(pos: int) -> int:
        need(pos, 2)
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        for _ in range(n):
            need(pos, 6)
            name_index, length = struct.unpack_from(">HI", data, pos)
            if length >= 1 << 31:
                name = utf8.get(name_index, "")
                raise ToolReadError(f"Fatal error: attribute {name} too big to handle")
            need(pos + 6, length)
            pos += 6 + length
        return pos

    for _ in range(2):  # fields, then methods
        need(pos, 2)
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        for _ in range(n):
            need(pos, 6)
            pos = attributes(pos + 6)
    attributes(pos)
