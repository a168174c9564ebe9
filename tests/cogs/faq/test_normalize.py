from __future__ import annotations

import pytest

from bot.config import Config
from cogs.faq._normalize import Normalizer, language, to_jamo


@pytest.fixture(scope="module")
def normalizer(config: Config) -> Normalizer:
    return Normalizer(config.faq_synonyms)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("장소가 어디예요?", ("장소", "장소")),
        ("생방 링크 좀", ("생중계", "링크")),
        ("유툽 링크", ("유튜브", "링크")),
        ("토크콘서트 몇시에 해요", ("토크콘서트", "시간")),
        ("오픈 이노베이션이 뭐예요", ("오픈이노베이션",)),
        # One concept is one word in both languages.
        ("What time does the talk concert start?", ("시간", "토크콘서트", "시작")),
        ("Where can I watch the live stream", ("장소", "시청", "생중계")),
        ("streamed, achieved, achieves", ("생중계", "achiev", "achiev")),
        ("몇 층이에요", ("층",)),
        ("삼성이랑 하는 프로그램", ("삼성전자", "프로그램")),
    ],
)
def test_normalize_tokens(normalizer: Normalizer, text: str, tokens: tuple[str, ...]) -> None:
    assert normalizer.tokens(text) == tokens


def test_event_names_come_from_the_config_and_language_from_the_data_files() -> None:
    generic = Normalizer()
    assert generic.tokens("생방 링크") == ("생중계", "링크")  # language data: always there
    assert generic.tokens("한전") == ("한전",)  # this event's name: only with its config
    event = Normalizer({"한국전력": ["한전", "KEPCO"]})
    assert event.tokens("한전이랑 KEPCO") == ("한국전력", "한국전력")
    # The event's meaning of a spelling wins over the generic one.
    assert Normalizer({"강연": ["talk", "bot"]}).tokens("talk bot") == ("강연", "강연")
    # A word is a spelling of itself: 삼성전자 stays whole instead of 삼성 → 삼성전자 + 전자.
    assert Normalizer({"삼성전자": ["삼성"]}).tokens("삼성전자 삼성") == ("삼성전자", "삼성전자")
    lang = language()
    assert "을" in lang.ending_words
    assert "the" in lang.stop_words
    assert "한전" not in str(lang.synonyms)


def test_particles_and_endings_are_stripped_but_short_words_kept(normalizer: Normalizer) -> None:
    assert normalizer.strip_ending("장소가") == "장소"
    assert normalizer.strip_ending("시작하나요") == "시작"
    assert normalizer.strip_ending("센터에서는") == "센터"
    assert normalizer.strip_ending("누가") == "누가"  # a one-syllable stem would be meaningless


def test_spacing_does_not_change_the_compact_form(normalizer: Normalizer) -> None:
    assert normalizer.normalize("생중계 링크").compact == normalizer.normalize("생중계링크").compact
    assert (
        normalizer.normalize("오픈 이노베이션").compact
        == normalizer.normalize("오픈이노베이션").compact
    )


def test_nfkc_case_and_control_characters(normalizer: Normalizer) -> None:
    assert normalizer.tokens("ＹＯＵＴＵＢＥ\u200b LINK\x00") == ("유튜브", "링크")
    assert normalizer.tokens("생중\u200b계\u2067 링크\u2069") == ("생중계", "링크")
    assert normalizer.tokens("생중계\n링크\u2028좀") == ("생중계", "링크")
    assert normalizer.tokens("생중계\r링크") == ("생중계", "링크")


def test_jamo_decomposition_makes_a_typo_one_letter() -> None:
    assert to_jamo("생중계") == "ㅅㅐㅇㅈㅜㅇㄱㅖ"
    assert to_jamo("생중게") == "ㅅㅐㅇㅈㅜㅇㄱㅔ"
    assert to_jamo("과") == "ㄱㅗㅏ"  # compound vowels split
    assert to_jamo("abc") == "abc"


def test_weak_words_are_predicates_numbers_and_common_words(normalizer: Normalizer) -> None:
    """Words that carry no topic unless an entry uses them: the verb that ends a Korean question,
    predicates leading into another word, numbers and common English words."""
    assert normalizer.normalize("참가하면 수료증 나와요?").weak == {"나와"}
    assert normalizer.normalize("연사 명단 알려주세요").weak == set()  # 명단 is a topic
    assert normalizer.normalize("끝나고 다시볼수있나요").weak >= {"끝나고"}
    assert normalizer.normalize("씨랩 3.0이 2023년에").weak >= {"3", "0이", "2023년"}
    assert normalizer.normalize("where is it held exactly").weak == {"held", "exactly"}


def test_empty_and_noise_give_no_tokens(normalizer: Normalizer) -> None:
    assert normalizer.normalize("").empty
    assert normalizer.normalize("?!?! ...").empty
    assert normalizer.normalize("뭐 좀 알려주세요").empty
