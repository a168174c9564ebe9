from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from bot.config import Config
from cogs.faq._matcher import MAX_SUGGESTIONS, FaqMatcher

from .conftest import ROOT


@pytest.fixture(scope="module")
def matcher(config: Config) -> FaqMatcher:
    return FaqMatcher(config.faq, config.faq_synonyms)


@pytest.mark.parametrize(
    "question",
    ["점심 메뉴 뭐예요?", "오늘 날씨 어때요", "What is the capital of France?", "ㅋㅋㅋㅋ"],
)
def test_off_topic_questions_do_not_match(matcher: FaqMatcher, question: str) -> None:
    assert matcher.match(question, "ko").kind == "none"


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


def test_confident_weak_and_none(matcher: FaqMatcher) -> None:
    confident = matcher.match("장소가 어디예요?", "ko")
    assert confident.kind == "confident"
    assert confident.best is not None
    assert confident.best.entry_id == "venue"

    # "삼성" points at Daegu, "프로그램" at the program: a real ambiguity, offered as choices.
    weak = matcher.match("삼성이랑 하는 프로그램", "ko")
    assert weak.kind == "weak"
    assert 1 < len(weak.candidates) <= 3
    assert {"daegu", "program"} <= {c.entry_id for c in weak.candidates}

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
