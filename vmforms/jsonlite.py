"""JSON for the commands that an engine starts once per container operation.

`import json` costs about 7 ms of CPU, almost all of it `re` and `enum`, which
json.decoder and json.scanner import for their regular expressions. The parsing and the
encoding themselves are done by CPython's C accelerator, `_json`, which needs neither:
json.scanner hands it a context object with the decoder's settings, and json.encoder
builds its C encoder from a few arguments. This module does the same without the
imports. Only valid documents take the fast path: on any error the text is parsed again
by `json`, so the error and its message are json's own.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing costs start-up time; only the type checker imports it
if TYPE_CHECKING:
    from typing import Any

_WHITESPACE = " \t\n\r"

try:
    import _json
except ImportError:  # another Python: the json module does it all
    _json = None  # type: ignore[assignment]


class _Settings:
    """What the C scanner reads from json.JSONDecoder: json.loads' defaults."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"NaN": float("nan"), "Infinity": float("inf"),
                      "-Infinity": float("-inf")}.__getitem__


def _unserializable(obj: object) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


_scanner: Any = (_json.make_scanner(_Settings())  # type: ignore[arg-type]
            if _json is not None else None)
_encoder: Any = (_json.make_encoder({}, _unserializable, _json.encode_basestring_ascii, None,
                                    ":", ",", False, False, True)
                 if _json is not None else None)


def loads(doc: str | bytes) -> Any:
    """json.loads: the same values, and on bad input the same ValueError."""
    if isinstance(doc, str):
        text = doc
    else:  # UTF-8 without a BOM here; json detects the rest (a BOM, UTF-16, UTF-32) itself
        try:
            text = bytes(doc).decode("utf-8")
        except UnicodeDecodeError:
            text = ""
    if _scanner is not None and text:
        start = len(text) - len(text.lstrip(_WHITESPACE))
        try:
            value, end = _scanner(text, start)
        except (StopIteration, ValueError, SystemError, RecursionError):
            pass  # json says what is wrong
        else:
            if not text[end:].strip(_WHITESPACE):
                return value
    import json

    try:
        return json.loads(doc)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


def dumps(value: Any) -> str:
    """json.dumps(value, separators=(",", ":")): compact, ASCII, keys in dict order."""
    if _encoder is not None:
        return "".join(_encoder(value, 0))
    import json

    return json.dumps(value, separators=(",", ":"))


def read(path: str, limit: int = 16 << 20) -> Any:
    """A JSON file of ours, read whole up to `limit` bytes (a longer one is refused)."""
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path} is larger than {limit} bytes")
    return loads(data)
