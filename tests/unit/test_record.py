"""vmforms.record: frozen slotted records, checked against what dataclasses would do."""

from __future__ import annotations

import pickle

import pytest

from vmforms.record import FrozenInstanceError, field, fields, record, replace


@record
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)

    @property
    def norm1(self) -> int:
        return abs(self.x) + abs(self.y)


@record
class Checked:
    n: int

    def __post_init__(self) -> None:
        if self.n < 0:
            raise ValueError("negative")


def test_init_defaults_and_factories() -> None:
    a, b = Point(1), Point(1)
    assert (a.x, a.y, a.tags) == (1, 0, [])
    assert a.tags is not b.tags
    assert Point(1, 2) == Point(x=1, y=2)
    assert Point(1, 2).norm1 == 3
    with pytest.raises(TypeError, match="missing required argument 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(1, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values"):
        Point(1, x=2)  # type: ignore[misc]
    with pytest.raises(TypeError, match="positional arguments"):
        Point(1, 2, [], 4)  # type: ignore[call-arg]


def test_frozen_slotted_hashable() -> None:
    p = Point(1, 2, ())  # type: ignore[arg-type]
    with pytest.raises(FrozenInstanceError):
        p.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del p.y  # type: ignore[misc]
    assert not hasattr(p, "__dict__")
    assert hash(p) == hash(Point(1, 2, ()))  # type: ignore[arg-type]
    assert p != (1, 2, ())
    assert repr(Point(1)) == "Point(x=1, y=0, tags=[])"


def test_replace_fields_post_init_pickle() -> None:
    p = Point(1, 2)
    q = replace(p, y=5)
    assert (q.x, q.y) == (1, 5) and p.y == 2
    with pytest.raises(TypeError, match="no field 'z'"):
        replace(p, z=1)
    assert fields(Point) == ("x", "y", "tags")
    with pytest.raises(ValueError, match="negative"):
        Checked(-1)
    assert pickle.loads(pickle.dumps(Point(3, 4))) == Point(3, 4)
