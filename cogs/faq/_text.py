"""Making viewer text safe to repost, and telling questions from chatter.

Posting a viewer's text is safe only with an explicit ``AllowedMentions.none()`` on the message (the cog's
job); :func:`neutralize_mentions` is the second fence, so a copied or quoted text cannot ping later either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.text import clean_text

__all__ = [
    "QUESTION_MAX_CHARS",
    "QUESTION_MIN_CHARS",
    "TextCheck",
    "check_question",
    "detect_locale",
    "looks_like_question",
    "neutralize_mentions",
]

QUESTION_MAX_CHARS = 300
"""Longest /ask question: long enough for a real question, short enough to read out on stage."""
QUESTION_MIN_CHARS = 5
"""Shorter texts ("?", "ㅋㅋ") are not questions."""

ZWSP = "\u200b"

_MENTION = re.compile(r"<(@[!&]?|#)(\d+)>")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")

_KO_QUESTION_WORDS = (
    "언제",
    "어디",
    "몇시",
    "몇 시",
    "몇층",
    "뭐",
    "무엇",
    "무슨",
    "어떻게",
    "어떤",
    "누가",
    "누구",
    "왜",
    "얼마",
    "있나요",
    "되나요",
    "하나요",
    "인가요",
    "나요",
    "까요",
    "습니까",
    "니까",
    "는지",
    "궁금",
)
_KO_QUESTION_ENDINGS = (
    "나요",
    "까요",
    "가요",
    "인가",
    "습니까",
    "니까",
    "는지",
    "죠",
    "냐",
    "니",
    "래요",
    "어요?",
)
_EN_QUESTION_STARTS = (
    "what",
    "when",
    "where",
    "who",
    "why",
    "how",
    "which",
    "is",
    "are",
    "can",
    "could",
    "do",
    "does",
    "will",
    "would",
    "should",
    "any",
    "anyone",
)


def neutralize_mentions(text: str) -> str:
    """Render @everyone/@here and user, role and channel mentions as plain text that cannot ping.

    A zero-width space after ``@`` (or ``#``) breaks Discord's mention syntax while looking the same.
    """
    text = _MASS_MENTION.sub(lambda m: f"@{ZWSP}{m[1]}", text)
    return _MENTION.sub(lambda m: f"<{m[1][0]}{ZWSP}{m[1][1:]}{m[2]}>", text)


@dataclass(frozen=True, slots=True)
class TextCheck:
    """Outcome of :func:`check_question`: ``text`` is the cleaned text; ``problem`` a catalog key or None."""

    text: str
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_question(
    text: str, *, min_chars: int = QUESTION_MIN_CHARS, max_chars: int = QUESTION_MAX_CHARS
) -> TextCheck:
    """Clean and neutralise a question for the speakers; ``problem`` is ``ask.too_short``/``ask.too_long``."""
    cleaned = clean_text(text, min_length=0)
    if len(cleaned) < min_chars:
        return TextCheck(cleaned, "ask.too_short")
    if len(cleaned) > max_chars:
        return TextCheck(cleaned, "ask.too_long")
    return TextCheck(neutralize_mentions(cleaned), None)


def detect_locale(text: str, default: str = "ko") -> str:
    """``ko`` if the text contains Hangul, ``en`` if it is mostly Latin letters, else ``default``."""
    if _HANGUL.search(text):
        return "ko"
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isascii() for c in letters) >= len(letters) * 0.8:
        return "en"
    return default


def looks_like_question(text: str) -> bool:
    """Whether a chat message is clearly a question (for the optional auto-answer).

    Conservative on purpose: a wrong auto-reply in a busy chat annoys more than a missed one. A question
    is 4-200 characters, has no link, code or mention, and either ends with ``?`` or (Korean) ends with a
    question ending or (English) starts with a question word.
    """
    cleaned = clean_text(text, min_length=0)
    if not 4 <= len(cleaned) <= 200 or "\n" in cleaned:
        return False
    lowered = cleaned.lower()
    if (
        "http://" in lowered
        or "https://" in lowered
        or "```" in cleaned
        or _MENTION.search(cleaned)
    ):
        return False
    if cleaned.startswith(("/", "!", ">")):
        return False
    stripped = lowered.rstrip("?!.~ ")
    if _HANGUL.search(cleaned):
        if cleaned.endswith(("?", "？")):
            return any(word in lowered for word in _KO_QUESTION_WORDS) or len(stripped) >= 4
        return stripped.endswith(_KO_QUESTION_ENDINGS) and any(
            w in lowered for w in _KO_QUESTION_WORDS
        )
    words = re.findall(r"[a-z']+", lowered)
    if not words:
        return False
    if cleaned.endswith("?"):
        return len(words) >= 2
    return (
        words[0] in _EN_QUESTION_STARTS
        and len(words) >= 3
        and words[1]
        in {
            "is",
            "are",
            "does",
            "do",
            "can",
            "time",
            "will",
            "the",
            "there",
            "i",
            "we",
            "to",
        }
    )
