"""Between the /admin faq modal's text fields and :class:`~bot.config.FaqEntry`.

A Discord modal holds at most five text inputs, so the entry id is a command option and the modal has the
two questions, the two answers and one keywords field. Keywords are comma (or newline) separated; each one
goes to the Korean list if it contains Hangul, else to the English list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.config import FaqEntry
from bot.errors import UserError
from bot.schema import SchemaError, validate
from bot.text import clean_text, clip

from ._normalize import has_hangul

__all__ = [
    "ANSWER_MAX_CHARS",
    "KEYWORDS_MAX_CHARS",
    "QUESTION_TEXT_MAX_CHARS",
    "FaqForm",
    "check_entry_id",
    "entry_from_form",
    "form_from_entry",
    "format_keywords",
    "parse_keywords",
]

QUESTION_TEXT_MAX_CHARS = 200
ANSWER_MAX_CHARS = 1500
"""Leaves room in a 2000-character message for the question line and filled placeholders."""
KEYWORDS_MAX_CHARS = 1000

_SPLIT = re.compile(r"[,\n;、，]+")
_ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
"""The same rule as ``FaqEntry.id`` in bot/config.py."""


def _invalid(problem: str) -> UserError:
    return UserError("faq.admin.invalid", problem=problem)


@dataclass(frozen=True, slots=True)
class FaqForm:
    """The modal's fields (also its default values when editing)."""

    question_ko: str
    question_en: str
    answer_ko: str
    answer_en: str
    keywords: str


def parse_keywords(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``"생중계, 링크, stream"`` → ``(("생중계", "링크"), ("stream",))``, duplicates dropped."""
    korean: list[str] = []
    english: list[str] = []
    for raw in _SPLIT.split(clean_text(text, min_length=0)):
        word = " ".join(raw.split())
        if not word:
            continue
        target = korean if has_hangul(word) else english
        if word not in target:
            target.append(word)
    return tuple(korean), tuple(english)


def format_keywords(entry: FaqEntry) -> str:
    return ", ".join((*entry.keywords.ko, *entry.keywords.en))


def form_from_entry(entry: FaqEntry) -> FaqForm:
    return FaqForm(
        question_ko=entry.question.ko,
        question_en=entry.question.en,
        answer_ko=entry.answer.ko,
        answer_en=entry.answer.en,
        keywords=format_keywords(entry),
    )


def check_entry_id(text: str) -> str:
    """The entry id a moderator typed, lowercased; refused before a form is opened."""
    entry_id = text.strip().lower()
    if not _ENTRY_ID.match(entry_id):
        raise _invalid(f"id {clip(entry_id, 40)!r}: 1-32 lowercase letters, digits, '-' or '_'")
    return entry_id


def entry_from_form(entry_id: str, form: FaqForm) -> FaqEntry:
    """Validate the modal into an entry; a refusal names the first problem."""
    fields = {
        "question_ko": (form.question_ko, QUESTION_TEXT_MAX_CHARS),
        "question_en": (form.question_en, QUESTION_TEXT_MAX_CHARS),
        "answer_ko": (form.answer_ko, ANSWER_MAX_CHARS),
        "answer_en": (form.answer_en, ANSWER_MAX_CHARS),
        "keywords": (form.keywords, KEYWORDS_MAX_CHARS),
    }
    cleaned: dict[str, str] = {}
    for name, (value, limit) in fields.items():
        text = clean_text(value, min_length=0)
        if len(text) > limit:
            raise _invalid(f"{name}: {len(text)} > {limit}")
        cleaned[name] = text
    korean, english = parse_keywords(cleaned["keywords"])
    try:
        return validate(
            FaqEntry,
            {
                "id": entry_id.strip().lower(),
                "question": {"ko": cleaned["question_ko"], "en": cleaned["question_en"]},
                "answer": {"ko": cleaned["answer_ko"], "en": cleaned["answer_en"]},
                "keywords": {"ko": korean, "en": english},
            },
        )
    except SchemaError as error:
        where, problem = error.problems[0]
        raise _invalid(clip(f"{where}: {problem}", 200)) from None
