from __future__ import annotations

import pytest

from bot.errors import UserError
from bot.text import clean_text, clip


def test_clean_text_strips_controls_and_bidi_and_keeps_line_breaks() -> None:
    assert clean_text(" a\x00b\u202ec\n\n\n\nd\r\ne ") == "abc\n\nd\ne"
    assert clean_text("one\rtwo") == "one\ntwo"  # a bare \r is a line break, not nothing


@pytest.mark.parametrize("isolate", ["\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_isolates_are_removed(isolate: str) -> None:
    assert clean_text(f"a{isolate}b\n\u2060c\td") == "ab\nc\td"


def test_clean_text_limits() -> None:
    with pytest.raises(UserError) as empty:
        clean_text(" \u200b ")
    assert empty.value.key == "errors.text_empty"
    with pytest.raises(UserError) as long:
        clean_text("x" * 11, max_length=10)
    assert (long.value.key, long.value.values) == (
        "errors.text_too_long",
        {"length": 11, "limit": 10},
    )
    assert clean_text(" \u200b ", min_length=0) == ""
    assert clean_text("x" * 5000, min_length=0) == "x" * 5000  # no limit unless asked


def test_clip() -> None:
    assert clip("abc", 3) == "abc"
    assert clip("abcdef", 4) == "abc…"
    assert len(clip("가" * 6000, 100)) == 100
