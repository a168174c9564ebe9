"""Raw data (parsed TOML, JSON, environment variables) into frozen dataclasses, naming EVERY problem.

Why not a library: pydantic cost ~0.2 s of CPU and ~11 MB of memory at start-up (issue 10's whole
allowance over a bare discord.py bot is ~0.25 s and ~21 MB), and msgspec stops at the first problem,
while an organiser fixing ``event.toml`` should see all of them at once. The config needs only a few
types, so this module supports exactly those:

* a dataclass (from a mapping: unknown keys and missing required keys are problems),
* ``str`` (surrounding whitespace stripped), ``int`` (not ``bool``; a numeric string is read),
  ``Path``, ``Literal[...]``, ``X | None``, ``tuple[T, ...]`` (from a list), ``dict[K, V]``,
* ``Annotated[T, marker, ...]`` with the markers below.

Problems are ``(key path, message)`` pairs: ``program[1].start``, ``event.name.ko``,
``faq_synonyms.한국전력[1]``, and ``(file)`` for the data as a whole.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union

__all__ = ["Check", "NonEmpty", "Parse", "Range", "SchemaError", "key_path", "validate"]

T = TypeVar("T")
Loc = tuple[str | int, ...]
ROOT = "(file)"


class SchemaError(ValueError):
    """Data that does not fit: ``problems`` holds every ``(key path, message)``, in field order."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{key}: {message}" for key, message in problems))


class NonEmpty:
    """Marker: the text (or list) must not be empty."""


# Plain classes, not dataclasses: building a dataclass costs ~1 ms of start-up each.
class Range:
    """Marker: a number within ``ge`` .. ``le`` (either may be left open)."""

    __slots__ = ("ge", "le")

    def __init__(self, *, ge: int | None = None, le: int | None = None) -> None:
        self.ge, self.le = ge, le


class Parse:
    """Marker: ``fn`` turns the raw value into the type (instead of the type's own rule); its
    ``ValueError`` message is the problem."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn


class Check:
    """Marker: ``fn`` checks the converted value and returns it (or a normalised copy); its
    ``ValueError`` message is the problem. It runs only when the value itself converted."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn


def validate(cls: type[T], data: object) -> T:
    """``data`` as a ``cls`` instance; raises :class:`SchemaError` listing every problem."""
    problems: list[tuple[Loc, str]] = []
    value = _convert(cls, data, (), problems)
    if problems:
        raise SchemaError([(key_path(loc), message) for loc, message in problems])
    return typing.cast(T, value)


def key_path(loc: Loc) -> str:
    """``("program", 1, "start")`` → ``"program[1].start"``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + part
    return out or ROOT


class _Invalid:
    """The result of a conversion that failed (its problems are already recorded)."""


_INVALID = _Invalid()


def _convert(tp: Any, raw: object, loc: Loc, out: list[tuple[Loc, str]]) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Annotated:
        return _annotated(tp.__origin__, tp.__metadata__, raw, loc, out)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, raw, loc, out)
    if origin is Literal:
        if any(raw == option and type(raw) is type(option) for option in args):
            return raw
        return _fail(out, loc, f"must be one of {', '.join(map(repr, args))}, got {_show(raw)}")
    if origin in (Union, types.UnionType):
        if raw is None and type(None) in args:
            return None
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"bot.schema supports only 'X | None' unions, not {tp!r}")
        return _convert(inner[0], raw, loc, out)
    if origin is tuple:
        if len(args) != 2 or args[1] is not Ellipsis:
            raise TypeError(f"bot.schema supports only 'tuple[T, ...]', not {tp!r}")
        if not isinstance(raw, list | tuple):
            return _fail(out, loc, f"expected a list, got {_show(raw)}")
        items = [_convert(args[0], item, (*loc, index), out) for index, item in enumerate(raw)]
        return _INVALID if any(item is _INVALID for item in items) else tuple(items)
    if origin is dict:
        if not isinstance(raw, Mapping):
            return _fail(out, loc, f"expected a table (key = value pairs), got {_show(raw)}")
        converted = {}
        for raw_key, raw_value in raw.items():
            where = (*loc, str(raw_key))
            key = _convert(args[0], raw_key, where, out)
            converted[key] = _convert(args[1], raw_value, where, out)
        return _INVALID if _INVALID in converted or _INVALID in converted.values() else converted
    scalar = _SCALARS.get(tp)
    if scalar is None:
        raise TypeError(f"bot.schema cannot validate {tp!r}")
    try:
        return scalar(raw)
    except ValueError as error:
        return _fail(out, loc, str(error))


def _annotated(
    tp: Any, markers: tuple[object, ...], raw: object, loc: Loc, out: list[tuple[Loc, str]]
) -> Any:
    parse = next((m for m in markers if isinstance(m, Parse)), None)
    if parse is None:
        value = _convert(tp, raw, loc, out)
        if value is _INVALID:
            return _INVALID
    try:
        if parse is not None:
            value = parse.fn(raw)
        for marker in markers:
            if marker is NonEmpty and not value:
                raise ValueError(
                    "text must not be empty" if isinstance(value, str) else "must not be empty"
                )
            if isinstance(marker, Range) and not (
                (marker.ge is None or value >= marker.ge)
                and (marker.le is None or value <= marker.le)
            ):
                raise ValueError(f"must be {_bounds(marker)}, got {value!r}")
            if isinstance(marker, Check):
                value = marker.fn(value)
    except ValueError as error:
        return _fail(out, loc, str(error))
    return value


def _dataclass(cls: type[Any], raw: object, loc: Loc, out: list[tuple[Loc, str]]) -> Any:
    if isinstance(raw, cls):
        return raw
    if not isinstance(raw, Mapping):
        return _fail(out, loc, f"expected a table (key = value pairs), got {_show(raw)}")
    fields = _fields(cls)
    values: dict[str, Any] = {}
    failed = False
    for name, (tp, required) in fields.items():
        if name in raw:
            values[name] = _convert(tp, raw[name], (*loc, name), out)
            failed = failed or values[name] is _INVALID
        elif required:
            _fail(out, (*loc, name), "required key is missing")
            failed = True
    for key in raw:
        if key not in fields:
            _fail(out, (*loc, str(key)), "unknown key (typo?)")
            failed = True
    return _INVALID if failed else cls(**values)


_FIELDS: dict[type[Any], dict[str, tuple[Any, bool]]] = {}


def _fields(cls: type[Any]) -> dict[str, tuple[Any, bool]]:
    """Field name → (type, required); evaluated once per class (the modules use string annotations)."""
    fields = _FIELDS.get(cls)
    if fields is None:
        hints = typing.get_type_hints(cls, include_extras=True)
        fields = _FIELDS[cls] = {
            field.name: (
                hints[field.name],
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING,
            )
            for field in dataclasses.fields(cls)
            if field.init
        }
    return fields


def _fail(out: list[tuple[Loc, str]], loc: Loc, message: str) -> _Invalid:
    out.append((loc, message))
    return _INVALID


def _bounds(marker: Range) -> str:
    if marker.ge is not None and marker.le is not None:
        return f"between {marker.ge} and {marker.le}"
    return f"at least {marker.ge}" if marker.ge is not None else f"at most {marker.le}"


def _show(raw: object) -> str:
    """A value as the problem quotes it: short, and in the words of a TOML file."""
    if isinstance(raw, Mapping):
        return "a table"
    if isinstance(raw, list | tuple):
        return "a list"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


_INTEGER = re.compile(r"[+-]?\d+")


def _str(raw: object) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {_show(raw)}")
    return raw.strip()


def _int(raw: object) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw)
    raise ValueError(f"expected a whole number, got {_show(raw)}")


def _path(raw: object) -> Path:
    if not isinstance(raw, str | os.PathLike):
        raise ValueError(f"expected a file path, got {_show(raw)}")
    return Path(raw)


_SCALARS: dict[object, Callable[[object], object]] = {str: _str, int: _int, Path: _path}
