"""The realistic question table: /faq answers in the asker's language with the right facts."""

from __future__ import annotations

import pytest

from bot.config import Config
from cogs.faq._matcher import FaqMatcher
from cogs.faq._service import FaqService

from .question_table import OFF_TOPIC, QUESTION_TABLE, TableRow

MIN_ACCURACY = 0.90


def test_table_is_big_and_covers_both_languages_and_every_regional_entry() -> None:
    assert len(QUESTION_TABLE) >= 40
    assert sum(row.locale == "ko" for row in QUESTION_TABLE) >= 20
    assert sum(row.locale == "en" for row in QUESTION_TABLE) >= 10
    expected = {row.expected for row in QUESTION_TABLE}
    assert {"gwangju", "bitgaram", "daegu", "incheon", "jeonnam", "gyeonggi", "busan"} <= expected


def test_table_accuracy(config: Config) -> None:
    matcher = FaqMatcher(config.faq)
    misses = []
    for row in QUESTION_TABLE:
        result = matcher.match(row.question, row.locale)
        if (
            result.kind != "confident"
            or result.best is None
            or result.best.entry_id != row.expected
        ):
            misses.append((row.question, row.expected, result))
    accuracy = 1 - len(misses) / len(QUESTION_TABLE)
    assert accuracy >= MIN_ACCURACY, misses


def test_table_expected_ids_exist(config: Config) -> None:
    ids = {entry.id for entry in config.faq}
    assert {row.expected for row in QUESTION_TABLE} <= ids


@pytest.mark.parametrize("row", QUESTION_TABLE, ids=[row.question for row in QUESTION_TABLE])
async def test_answer_holds_the_facts_in_the_askers_language(
    service: FaqService, row: TableRow
) -> None:
    reply = await service.answer(row.question, row.locale)
    if reply.kind != "confident":
        pytest.skip("counted by test_table_accuracy")
    assert reply.entry_id == row.expected
    for fact in row.facts:
        assert fact in reply.text, (fact, reply.text)
    entry = service.matcher.entry(row.expected)
    assert entry is not None
    assert entry.question.get(row.locale) in reply.text  # the heading is in the asker's language
    assert "{" not in reply.text.replace("{{", "")  # every placeholder was filled


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_do_not_match(config: Config, question: str) -> None:
    assert FaqMatcher(config.faq).match(question, "ko").kind == "none"
