"""Frozen record classes, like `@dataclass(frozen=True, slots=True)`, that cost next to
nothing to define.

`dataclasses` generates each method's source text and compiles it with exec when a class
is defined, and its module pulls in `inspect` (with `ast`, `dis` and `tokenize`). Under
callgrind that is about 43 million instructions for the import and 4 million per class:
more than every other part of `vmforms container run` together. A command-line tool that
starts on each call cannot pay that, so the hot paths define their records with `record`,
whose methods are shared closures over the field list. Type checkers see a dataclass
(PEP 681), so fields, defaults and the generated `__init__` are checked as usual.
"""

from __future__ import annotations

from collections.abc import Callable

# typing itself is a measurable part of start-up; only the type checker imports it here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar, dataclass_transform

    T = TypeVar("T")
else:

    def dataclass_transform(**_: object) -> Callable[[object], object]:
        return lambda func: func


_MISSING: Any = object()


class FrozenInstanceError(AttributeError):
    """Raised on an attempt to assign to a field of a record."""


class Field:
    __slots__ = ("default", "default_factory")

    def __init__(self, default: Any, default_factory: Any) -> None:
        self.default = default
        self.default_factory = default_factory


def field(*, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING) -> Any:
    """A field's default, or a factory called for each new record (for mutable defaults)."""
    return Field(default, default_factory)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Turn a class with annotated fields into a frozen, slotted record class."""
    namespace = dict(cls.__dict__)
    names = tuple(namespace.get("__annotations__", {}))
    for base in reversed(cls.__mro__[1:-1]):
        inherited = getattr(base, "__record_fields__", ())
        names = tuple(n for n in inherited if n not in names) + names
    defaults: dict[str, Any] = {}
    for base in reversed(cls.__mro__[1:-1]):
        defaults.update(getattr(base, "__record_defaults__", {}))
    for name in names:
        if name in namespace:
            value = namespace.pop(name)
            defaults[name] = value
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    own = tuple(n for n in names if not any(n in getattr(b, "__slots__", ())
                                             for b in cls.__mro__[1:]))
    namespace["__slots__"] = own
    namespace["__record_fields__"] = names
    namespace["__record_defaults__"] = defaults
    namespace["__match_args__"] = names
    namespace["__init__"] = _make_init(names, defaults)
    namespace.setdefault("__repr__", _repr)
    namespace["__eq__"] = _eq
    namespace["__hash__"] = _hash
    namespace["__setattr__"] = _frozen_setattr
    namespace["__delattr__"] = _frozen_delattr
    namespace["__getstate__"] = _getstate
    namespace["__setstate__"] = _setstate
    metaclass: Any = type(cls)
    new: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
    new.__qualname__ = cls.__qualname__
    return new


def _make_init(names: tuple[str, ...], defaults: dict[str, Any]) -> Callable[..., None]:
    count = len(names)
    setter = object.__setattr__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > count:
            raise TypeError(f"{type(self).__name__}() takes {count} positional arguments "
                            f"but {len(args)} were given")
        for i, name in enumerate(names):
            if i < len(args):
                if name in kwargs:
                    raise TypeError(f"{type(self).__name__}() got multiple values for "
                                    f"argument {name!r}")
                value = args[i]
            elif name in kwargs:
                value = kwargs.pop(name)
            elif name in defaults:
                value = defaults[name]
                if isinstance(value, Field):
                    value = (value.default_factory() if value.default_factory is not _MISSING
                             else value.default)
            else:
                raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
            setter(self, name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            f"{next(iter(kwargs))!r}")
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    return __init__


def _values(obj: Any) -> tuple[Any, ...]:
    return tuple(getattr(obj, n) for n in obj.__record_fields__)


def _repr(self: Any) -> str:
    inner = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__record_fields__)
    return f"{type(self).__qualname__}({inner})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> tuple[Any, ...]:
    return _values(self)


def _setstate(self: Any, state: tuple[Any, ...]) -> None:
    for name, value in zip(self.__record_fields__, state, strict=True):
        object.__setattr__(self, name, value)


def replace(obj: T, **changes: Any) -> T:
    """A copy of the record `obj` with some fields changed, like dataclasses.replace."""
    names = obj.__record_fields__  # type: ignore[attr-defined]
    unknown = set(changes) - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field {sorted(unknown)[0]!r}")
    return type(obj)(**{n: changes[n] if n in changes else getattr(obj, n) for n in names})


def fields(obj: Any) -> tuple[str, ...]:
    """The field names of a record class or instance, in order."""
    return tuple(obj.__record_fields__)
