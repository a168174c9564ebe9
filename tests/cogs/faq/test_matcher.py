from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bot.config import Config
from cogs.faq._answers import render_answer
from cogs.faq._matcher import MAX_SUGGESTIONS, FaqMatcher

from .conftest import ROOT
from .question_table import AMBIGUOUS, ANSWERABLE, ORIGINAL, UNANSWERABLE, AmbiguousRow, TableRow

ANSWERABLE_ROWS = [*ANSWERABLE, *ORIGINAL]


@pytest.fixture(scope="module")
def matcher(config: Config) -> FaqMatcher:
    return FaqMatcher(config.faq, config.faq_synonyms)


@pytest.mark.parametrize("row", ANSWERABLE_ROWS, ids=[row.question for row in ANSWERABLE_ROWS])
def test_answerable_questions(matcher: FaqMatcher, config: Config, row: TableRow) -> None:
    """Every row of both answerable tables answered directly by its entry, whose answer holds the
    row's facts: one regression fails the table."""
    result = matcher.match(row.question, row.locale)
    assert (result.kind, result.best and result.best.entry_id) == ("confident", row.expected), (
        result
    )
    entry = matcher.entry(row.expected)
    assert entry is not None
    text = render_answer(entry, row.locale, config)
    for fact in row.facts:
        assert fact in text, (fact, text)


@pytest.mark.parametrize(("question", "locale"), UNANSWERABLE, ids=[q for q, _ in UNANSWERABLE])
def test_unanswerable_questions_get_no_match(
    matcher: FaqMatcher, question: str, locale: str
) -> None:
    """Never a confident answer from another entry, never a "did you mean" about something else."""
    result = matcher.match(question, locale)
    assert result.kind == "none", result


@pytest.mark.parametrize("row", AMBIGUOUS, ids=[row.question for row in AMBIGUOUS])
def test_genuine_ties_offer_both_entries(matcher: FaqMatcher, row: AmbiguousRow) -> None:
    result = matcher.match(row.question, row.locale)
    assert result.kind == "weak", result
    assert row.choices <= {c.entry_id for c in result.candidates}
    assert len(result.candidates) <= 3


def test_the_matcher_needs_no_discord() -> None:
    """The pure matcher imports and answers with discord.py blocked (as in a tool or a notebook)."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["discord"] = None  # any import of discord now raises ImportError
        from bot.config import default_config_path, load_config
        from cogs.faq._matcher import FaqMatcher
        config = load_config(default_config_path())
        result = FaqMatcher(config.faq, config.faq_synonyms).match("생방 어디서 봐요?", "ko")
        assert (result.kind, result.best.entry_id) == ("confident", "watch"), result
        assert not any(name == "discord" or name.startswith("discord.") for name in sys.modules
                       if sys.modules[name] is not None)
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_the_confidence_signals(matcher: FaqMatcher) -> None:
    """A direct answer explains the question, holds a phrase and leads; a topic no entry knows
    makes the question out of scope even when the rest names an entry."""
    confident = matcher.match("장소가 어디예요?", "ko")
    assert confident.kind == "confident"
    assert confident.best is not None
    assert (confident.best.entry_id, confident.best.coverage) == ("venue", 1.0)

    parking = matcher.match("Is there parking at the venue?", "en")
    assert parking.kind == "none"
    assert parking.best is not None
    assert parking.best.entry_id == "venue"  # ranked first, but half the question is unknown

    # The specific entry beats the general one sharing a prominent word (성과).
    specific = matcher.match("부산센터 성과 알려줘", "ko")
    assert specific.best is not None
    assert specific.best.entry_id == "busan"
    assert specific.candidates[1].entry_id != "busan"
    assert specific.best.score - specific.candidates[1].score >= 8

    none = matcher.match("점심 메뉴 추천해 주세요", "ko")
    assert none.kind == "none"
    assert none.best is None


def test_an_entry_id_is_a_direct_hit(matcher: FaqMatcher) -> None:
    result = matcher.match("talk-concert", "en")
    assert result.kind == "confident"
    assert result.best is not None
    assert result.best.entry_id == "talk-concert"


@pytest.mark.parametrize(
    ("typo", "expected"),
    [
        ("생중게 링크", "watch"),
        ("장쇼 어디", "venue"),
        ("네트웍킹 몇시", "networking"),
        ("venu?", "venue"),
    ],
)
def test_typos_are_tolerated(matcher: FaqMatcher, typo: str, expected: str) -> None:
    best = matcher.match(typo, "ko").best
    assert best is not None
    assert best.entry_id == expected


def test_spacing_variants_match_the_same_entry(matcher: FaqMatcher) -> None:
    a = matcher.match("생중계 링크 어디", "ko").best
    b = matcher.match("생중계링크어디", "ko").best
    assert a is not None
    assert b is not None
    assert a.entry_id == b.entry_id == "watch"


def test_suggest_limits(matcher: FaqMatcher) -> None:
    assert len(matcher.suggest("", "ko")) == min(MAX_SUGGESTIONS, len(matcher.entries))
    assert len(matcher.suggest("", "en", limit=5)) == 5
    assert len(matcher.suggest("행사", "ko", limit=100)) <= MAX_SUGGESTIONS
    assert matcher.suggest("x", "ko", limit=-3) == []
    for choice in matcher.suggest("", "ko"):
        assert 1 <= len(choice.label) <= 100


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "?" * 5000,
        "가" * 10_000,
        "\x00\x01",
        "🎉" * 300,
        "<@123> @everyone",
        "ㅋ" * 500,
        "a " * 3000,
    ],
)
def test_suggest_and_match_never_fail_on_odd_input(matcher: FaqMatcher, text: str) -> None:
    assert len(matcher.suggest(text, "ko")) <= MAX_SUGGESTIONS
    assert matcher.match(text, "en").kind in {"confident", "weak", "none"}


def test_suggest_completes_a_half_typed_korean_word(matcher: FaqMatcher) -> None:
    # "토크콘" is mid-word; "생주" is mid-syllable for 생중계.
    assert matcher.suggest("토크콘", "ko")[0].entry_id == "talk-concert"
    assert "watch" in [s.entry_id for s in matcher.suggest("생주", "ko")[:3]]
    labels = [s.label for s in matcher.suggest("youtube", "en")]
    assert labels
    assert labels[0] == "How can I watch online?"


def test_an_empty_faq_matches_nothing() -> None:
    empty = FaqMatcher([])
    assert empty.match("장소", "ko").kind == "none"
    assert empty.suggest("", "ko") == []
    assert empty.suggest("장소", "en") == []
