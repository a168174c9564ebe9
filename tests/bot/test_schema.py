"""The validator behind the config and the settings: every rule, and every problem named at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import pytest

from bot.schema import Check, NonEmpty, Parse, Range, SchemaError, key_path, validate


def _minutes(value: object) -> timedelta:
    if not isinstance(value, str) or not value.endswith("m") or not value[:-1].isdigit():
        raise ValueError(f"cannot read minutes {value!r}")
    return timedelta(minutes=int(value[:-1]))


def _lowercase(value: str) -> str:
    if value != value.lower():
        raise ValueError(f"{value!r} must be lowercase")
    return value


def _sorted(value: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(value))


@dataclass(frozen=True, slots=True)
class Pair:
    ko: Annotated[str, NonEmpty]
    en: str = "-"


@dataclass(frozen=True, slots=True)
class Item:
    id: Annotated[str, Check(_lowercase)]
    title: Pair
    note: Pair | None = None


@dataclass(frozen=True, slots=True)
class Root:
    items: Annotated[tuple[Item, ...], NonEmpty]
    count: Annotated[int, Range(ge=1, le=10)] = 1
    floor: Annotated[int, Range(ge=0)] = 0
    wait: Annotated[timedelta, Parse(_minutes)] = timedelta(0)
    locale: Literal["ko", "en"] = "ko"
    numbers: Annotated[tuple[int, ...], Check(_sorted)] = ()
    words: dict[Annotated[str, NonEmpty], tuple[Annotated[str, NonEmpty], ...]] = field(
        default_factory=dict
    )
    path: Path | None = None


def problems(data: object) -> list[tuple[str, str]]:
    with pytest.raises(SchemaError) as caught:
        validate(Root, data)
    return caught.value.problems


GOOD = {"items": [{"id": "a", "title": {"ko": "가"}}]}


def test_a_good_document_converts_and_defaults_fill_in() -> None:
    root = validate(
        Root,
        {
            **GOOD,
            "count": "7",
            "wait": "5m",
            "locale": "en",
            "numbers": [3, 1, 2],
            "words": {" 한전 ": [" kepco ", "한국전력"]},
            "path": "data/x.db",
        },
    )
    assert root == Root(
        items=(Item(id="a", title=Pair(ko="가")),),
        count=7,
        wait=timedelta(minutes=5),
        locale="en",
        numbers=(1, 2, 3),  # the Check's return value is kept
        words={"한전": ("kepco", "한국전력")},  # keys and items stripped
        path=Path("data/x.db"),
    )
    assert validate(Root, GOOD).words == {}


def test_every_problem_is_named_with_its_key_path_at_once() -> None:
    found = problems(
        {
            "items": [
                {"id": "a", "title": {"ko": "가"}},
                {"id": "B", "title": {"ko": " ", "en": 3, "fr": "x"}, "note": {}},
            ],
            "count": 11,
            "floor": -1,
            "wait": "soon",
            "locale": "jp",
            "numbers": [1, "two", True],
            "words": {"": ["a"], "b": "c", "d": ["", 5]},
            "path": 5,
            "extra": 1,
        }
    )
    assert found == [
        ("items[1].id", "'B' must be lowercase"),
        ("items[1].title.ko", "text must not be empty"),
        ("items[1].title.en", "expected text, got 3"),
        ("items[1].title.fr", "unknown key (typo?)"),
        ("items[1].note.ko", "required key is missing"),
        ("count", "must be between 1 and 10, got 11"),
        ("floor", "must be at least 0, got -1"),
        ("wait", "cannot read minutes 'soon'"),
        ("locale", "must be one of 'ko', 'en', got 'jp'"),
        ("numbers[1]", "expected a whole number, got 'two'"),
        ("numbers[2]", "expected a whole number, got true"),
        ("words.", "text must not be empty"),
        ("words.b", "expected a list, got 'c'"),
        ("words.d[0]", "text must not be empty"),
        ("words.d[1]", "expected text, got 5"),
        ("path", "expected a file path, got 5"),
        ("extra", "unknown key (typo?)"),
    ]


def test_missing_and_wrongly_shaped_containers() -> None:
    assert problems({}) == [("items", "required key is missing")]
    assert problems({"items": []}) == [("items", "must not be empty")]
    assert problems({"items": {"id": "a"}}) == [("items", "expected a list, got a table")]
    assert problems({"items": ["a"]}) == [
        ("items[0]", "expected a table (key = value pairs), got 'a'")
    ]
    assert problems([1]) == [("(file)", "expected a table (key = value pairs), got a list")]
    assert problems({**GOOD, "words": ["a"]}) == [
        ("words", "expected a table (key = value pairs), got a list")
    ]


CHECKED: list[object] = []


def _record(value: int) -> int:
    CHECKED.append(value)
    return value


@dataclass(frozen=True, slots=True)
class Checked:
    value: Annotated[int, Check(_record)]


def test_a_check_runs_only_on_a_value_that_converted() -> None:
    CHECKED.clear()
    with pytest.raises(SchemaError):
        validate(Checked, {"value": "x"})
    assert CHECKED == []
    assert validate(Checked, {"value": 4}).value == 4
    assert CHECKED == [4]


def test_ints_are_not_bools_and_strings_are_not_numbers() -> None:
    assert problems({**GOOD, "count": True}) == [("count", "expected a whole number, got true")]
    assert problems({**GOOD, "count": 2.5}) == [("count", "expected a whole number, got 2.5")]
    assert validate(Root, {**GOOD, "count": " 3 "}).count == 3
    assert problems({**GOOD, "locale": 1}) == [("locale", "must be one of 'ko', 'en', got 1")]


def test_instances_pass_through_and_optional_takes_none() -> None:
    title = Pair(ko="가", en="a")
    root = validate(Root, {"items": [{"id": "a", "title": title, "note": None}]})
    assert root.items[0].title is title
    assert root.items[0].note is None


def test_long_values_are_quoted_short() -> None:
    [(key, message)] = problems({**GOOD, "count": "x" * 500})
    assert key == "count"
    assert len(message) < 100


def test_key_paths() -> None:
    assert key_path(()) == "(file)"
    assert key_path(("program", 1, "start")) == "program[1].start"
    assert key_path(("faq_synonyms", "한국전력", 1)) == "faq_synonyms.한국전력[1]"


def test_types_it_cannot_check_are_a_programming_error() -> None:
    @dataclass(frozen=True, slots=True)
    class Unsupported:
        value: float

    with pytest.raises(TypeError, match="cannot validate"):
        validate(Unsupported, {"value": 1.0})
