from __future__ import annotations

import pytest

from cogs.faq._text import (
    QUESTION_MAX_CHARS,
    ZWSP,
    check_question,
    detect_locale,
    looks_like_question,
    neutralize_mentions,
)


def test_mass_mentions_are_broken_with_a_zero_width_space() -> None:
    text = neutralize_mentions("hi @everyone and @here and @Everyone")
    assert "@everyone" not in text
    assert "@here" not in text
    assert "@Everyone" not in text
    assert f"@{ZWSP}everyone" in text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<@123456789012345678>", f"<@{ZWSP}123456789012345678>"),
        ("<@!123456789012345678>", f"<@{ZWSP}!123456789012345678>"),
        ("<@&987654321098765432>", f"<@{ZWSP}&987654321098765432>"),
        ("<#111111111111111111>", f"<#{ZWSP}111111111111111111>"),
    ],
)
def test_user_role_and_channel_mentions_are_rendered_harmless(raw: str, expected: str) -> None:
    assert neutralize_mentions(raw) == expected


def test_check_question_limits_and_neutralises() -> None:
    assert check_question("hi").problem == "ask.too_short"
    assert check_question("x" * (QUESTION_MAX_CHARS + 1)).problem == "ask.too_long"
    ok = check_question("  @everyone 질문이 있어요 <@&1234>  ")
    assert ok.ok
    assert "@everyone" not in ok.text
    assert "<@&1234>" not in ok.text


@pytest.mark.parametrize("isolate", ["\u2066", "\u2067", "\u2068", "\u2069"])
def test_bidi_isolates_cannot_reorder_a_question(isolate: str) -> None:
    # U+2067 (RIGHT-TO-LEFT ISOLATE) would show the rest of the question reversed in the Q&A channel.
    check = check_question(f"{isolate}when does the talk start?\u2069 thanks")
    assert check.ok
    assert check.text == "when does the talk start? thanks"


@pytest.mark.parametrize(
    "text",
    [
        "생중계 링크 어디서 봐요?",
        "토크콘서트 몇시에 시작하나요",
        "장소가 어디인가요",
        "Where can I watch the stream?",
        "what time does it start",
        "is there a replay",
    ],
)
def test_questions_are_recognised(text: str) -> None:
    assert looks_like_question(text)


@pytest.mark.parametrize(
    "text",
    [
        "안녕하세요 반갑습니다",
        "ㅋㅋㅋㅋ",
        "링크 감사합니다!",
        "https://youtube.com/live 여기서 봐요?",
        "great talk",
        "/faq 장소",
        "?",
        "<@123> 어디예요?",
    ],
)
def test_chatter_is_not_a_question(text: str) -> None:
    assert not looks_like_question(text)


def test_detect_locale() -> None:
    assert detect_locale("장소 where") == "ko"
    assert detect_locale("where is it") == "en"
    assert detect_locale("123 ?", default="ko") == "ko"
