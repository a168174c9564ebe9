from __future__ import annotations

import pytest

from cogs.faq._normalize import normalize, normalize_tokens, strip_ending, to_jamo


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("장소가 어디예요?", ("장소", "장소")),
        ("생방 링크 좀", ("생중계", "링크")),
        ("유툽 링크", ("유튜브", "링크")),
        ("토크콘서트 몇시에 해요", ("토크콘서트", "시간")),
        ("오픈 이노베이션이 뭐예요", ("오픈이노베이션",)),
        ("What time does the talk concert start?", ("time", "talk-concert", "start")),
        ("Where can I watch the live stream", ("venue", "watch", "stream")),
        ("몇 층이에요", ("층",)),
        ("삼성이랑 하는 프로그램", ("삼성전자", "프로그램")),
    ],
)
def test_normalize_tokens(text: str, tokens: tuple[str, ...]) -> None:
    assert normalize_tokens(text) == tokens


def test_particles_and_endings_are_stripped_but_short_words_kept() -> None:
    assert strip_ending("장소가") == "장소"
    assert strip_ending("시작하나요") == "시작"
    assert strip_ending("센터에서는") == "센터"
    assert strip_ending("누가") == "누가"  # a one-syllable stem would be meaningless


def test_spacing_does_not_change_the_compact_form() -> None:
    assert normalize("생중계 링크").compact == normalize("생중계링크").compact
    assert normalize("오픈 이노베이션").compact == normalize("오픈이노베이션").compact


def test_nfkc_case_and_control_characters() -> None:
    assert normalize("ＹＯＵＴＵＢＥ\u200b LINK\x00").tokens == ("유튜브", "link")
    assert normalize("생중\u200b계\u2067 링크\u2069").tokens == ("생중계", "링크")
    assert normalize("생중계\n링크\u2028좀").tokens == ("생중계", "링크")
    assert normalize("생중계\r링크").tokens == ("생중계", "링크")


def test_jamo_decomposition_makes_a_typo_one_letter() -> None:
    assert to_jamo("생중계") == "ㅅㅐㅇㅈㅜㅇㄱㅖ"
    assert to_jamo("생중게") == "ㅅㅐㅇㅈㅜㅇㄱㅔ"
    assert to_jamo("과") == "ㄱㅗㅏ"  # compound vowels split
    assert to_jamo("abc") == "abc"


def test_empty_and_noise_give_no_tokens() -> None:
    assert normalize("").empty
    assert normalize("?!?! ...").empty
    assert normalize("뭐 좀 알려주세요").empty
