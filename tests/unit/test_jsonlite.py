"""vmforms.jsonlite against the json module: the same documents, values and errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from vmforms import jsonlite

_SCALARS = hs.none() | hs.booleans() | hs.integers() | hs.text() | hs.floats(
    allow_nan=False)
_VALUES = hs.recursive(_SCALARS, lambda inner: hs.lists(inner, max_size=4) | hs.dictionaries(
    hs.text(max_size=8), inner, max_size=4), max_leaves=20)


@settings(max_examples=150, deadline=None)
@given(_VALUES)
def test_dumps_and_loads_agree_with_json(value: object) -> None:
    text = jsonlite.dumps(value)
    assert text == json.dumps(value, separators=(",", ":"))
    assert jsonlite.loads(text) == json.loads(text)
    assert jsonlite.loads(json.dumps(value, indent=2)) == value


@settings(max_examples=150, deadline=None)
@given(hs.text(alphabet='{}[]":,0123456789.eE+-tfnrul \\\n\tabx', max_size=24))
def test_any_text_gives_json_s_value_or_json_s_error(text: str) -> None:
    try:
        expected = json.loads(text)
    except ValueError as exc:
        with pytest.raises(ValueError) as got:
            jsonlite.loads(text)
        assert str(got.value) == str(exc)
    else:
        assert repr(jsonlite.loads(text)) == repr(expected)


def test_constants_bytes_and_hostile_documents() -> None:
    assert math.isnan(jsonlite.loads("NaN"))
    assert jsonlite.loads(b' {"a": [-Infinity]} \n') == {"a": [-math.inf]}
    # bytes as json.loads takes them: a UTF-8 BOM, UTF-16 and UTF-32 detected, not refused
    for data in ('\ufeff{"a": "\u00e9"}'.encode("utf-8"), '{"a": "\u00e9"}'.encode("utf-16"),
                 '{"a": "\u00e9"}'.encode("utf-32-le")):
        assert jsonlite.loads(data) == json.loads(data) == {"a": "\u00e9"}
    with pytest.raises(ValueError, match="Extra data"):
        jsonlite.loads('{"a": 1} {}')
    with pytest.raises(ValueError, match="nested too deeply"):
        jsonlite.loads("[" * 200_000)
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsonlite.dumps({"a": object()})


def test_read_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text("[" + "1," * 100 + "1]")
    assert len(jsonlite.read(str(path))) == 101
    with pytest.raises(ValueError, match="larger than 64 bytes"):
        jsonlite.read(str(path), limit=64)
