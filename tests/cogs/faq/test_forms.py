from __future__ import annotations

import pytest

from bot.config import Config, FaqEntry
from bot.errors import UserError
from cogs.faq._forms import (
    FaqForm,
    check_entry_id,
    entry_from_form,
    form_from_entry,
    parse_keywords,
)
from tests.cogs.faq.conftest import parking_form


def test_entry_ids_are_checked_before_the_form_opens() -> None:
    assert check_entry_id(" Parking ") == "parking"
    for bad in ("", "bad id!", "-lead", "x" * 33, "주차", "y" * 6000):
        with pytest.raises(UserError) as refused:
            check_entry_id(bad)
        assert refused.value.key == "faq.admin.invalid"
        assert len(str(refused.value.values["problem"])) < 120  # a long id is quoted clipped


def test_entry_from_form_validates(config: Config) -> None:
    entry = entry_from_form(" Parking ", parking_form())
    assert entry.id == "parking"
    assert entry.keywords.ko == ("주차", "주차장", "차")
    assert entry.keywords.en == ("parking", "car")
    for bad_id, form in (
        ("bad id!", parking_form()),
        ("parking", FaqForm("", "q", "a", "a", "")),
        ("parking", parking_form("x" * 5000)),
    ):
        with pytest.raises(UserError) as refused:
            entry_from_form(bad_id, form)
        assert refused.value.key == "faq.admin.invalid"
    venue: FaqEntry = next(e for e in config.faq if e.id == "venue")
    assert entry_from_form("venue", form_from_entry(venue)) == venue
    assert parse_keywords("a, a,\n 생중계 ;b") == (("생중계",), ("a", "b"))


def test_form_text_is_cleaned_like_all_user_text() -> None:
    form = FaqForm(
        "\u2067주차\u2069 되나요?", "Parking?", "줄\r바꿈\n\n\n\n끝", "a", "주차,\x00 parking"
    )
    entry = entry_from_form("parking", form)
    assert entry.question.ko == "주차 되나요?"
    assert entry.answer.ko == "줄\n바꿈\n\n끝"  # a bare \r is a line break; blank lines collapse
    assert entry.keywords.ko == ("주차",)
    assert entry.keywords.en == ("parking",)
