"""Hangul-aware text normalisation for FAQ matching.

The pipeline, applied identically to FAQ phrases (at index time) and to what viewers type:

1. NFKC, lowercase, control characters and punctuation to spaces;
2. synonyms and slang to one canonical word, longest first in a single pass (생방 → 생중계, 몇시 → 시간,
   어디 → 장소, livestream → stream, ...), so "생방 링크" and "생중계 링크" become the same text;
3. split into tokens; Korean tokens lose trailing particles and verb endings (장소가 → 장소, 시작하나요 → 시작),
   English tokens lose a plural ``s``; stop words (뭐, 좀, what, the, ...) are dropped.

Korean spacing is handled by the matcher, which also looks for known terms inside the *compact* text (all
spaces removed). Typos are handled on the jamo level: :func:`to_jamo` spells each syllable as its letters
(생중게 → ㅅㅐㅇㅈㅜㅇㄱㅔ) so one wrong vowel costs one letter, not a whole syllable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.text import strip_invisible

__all__ = [
    "NormalizedText",
    "compact",
    "has_hangul",
    "normalize",
    "normalize_tokens",
    "strip_ending",
    "to_jamo",
]

_HANGUL_BASE = 0xAC00
_HANGUL_LAST = 0xD7A3
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
# Compound vowels spelled as their parts, so ㅘ vs ㅏ (a common slip) is one letter apart.
_VOWEL_PARTS = {
    "ㅘ": "ㅗㅏ",
    "ㅙ": "ㅗㅐ",
    "ㅚ": "ㅗㅣ",
    "ㅝ": "ㅜㅓ",
    "ㅞ": "ㅜㅔ",
    "ㅟ": "ㅜㅣ",
    "ㅢ": "ㅡㅣ",
}

# Synonyms, slang and common misspellings → the canonical word used in the FAQ keywords. Keys are
# matched on the lowercased text (Korean keys also inside longer words, English keys as whole words).
SYNONYMS: dict[str, str] = {
    # watching / streaming
    "생방송": "생중계",
    "생방": "생중계",
    "라이브방송": "생중계",
    "라이브": "생중계",
    "실시간중계": "생중계",
    "실시간 중계": "생중계",
    "온라인중계": "생중계",
    "온라인 중계": "생중계",
    "중계": "생중계",
    "생중계": "생중계",
    "스트리밍": "생중계",
    "유투브": "유튜브",
    "유튭": "유튜브",
    "유툽": "유튜브",
    "youtube": "유튜브",
    "링크주소": "링크",
    "url": "link",
    "livestream": "stream",
    "livestreaming": "stream",
    "live stream": "stream",
    "live": "stream",
    "streaming": "stream",
    "broadcast": "stream",
    "online": "stream",
    # replay
    "다시보기": "다시보기",
    "다시 보기": "다시보기",
    "재방송": "다시보기",
    "재방": "다시보기",
    "녹화본": "다시보기",
    "녹화": "다시보기",
    "다시볼": "다시보기",
    "다시 볼": "다시보기",
    "vod": "replay",
    "recording": "replay",
    "recorded": "replay",
    "rewatch": "replay",
    "re-watch": "replay",
    "later": "replay",
    # time
    "몇시": "시간",
    "몇 시": "시간",
    "언제": "시간",
    "시각": "시간",
    "what time": "time",
    "when": "time",
    "schedule": "program",
    "agenda": "program",
    "timetable": "program",
    "lineup": "program",
    "일정": "프로그램",
    "순서": "프로그램",
    "시간표": "프로그램",
    "타임테이블": "프로그램",
    "식순": "프로그램",
    "세션": "프로그램",
    # place
    "어디": "장소",
    "위치": "장소",
    "주소": "장소",
    "오시는길": "장소",
    "오시는 길": "장소",
    "가는길": "장소",
    "가는 길": "장소",
    "where": "venue",
    "location": "venue",
    "place": "venue",
    "address": "venue",
    "get there": "directions",
    "how to get": "directions",
    "몇층": "층",
    "몇 층": "층",
    "floor": "floor",
    # wording variants of program parts
    "토크쇼": "토크콘서트",
    "토크 콘서트": "토크콘서트",
    "토콘": "토크콘서트",
    "talk show": "talk-concert",
    "talk concert": "talk-concert",
    "talkconcert": "talk-concert",
    "성과공유회": "성과공유회",
    "성과공유": "성과공유회",
    "성과 공유": "성과공유회",
    "성과발표": "성과공유회",
    "성과 발표": "성과공유회",
    "네트웍": "네트워킹",
    "networking": "networking",
    "교류": "네트워킹",
    "오픈이노": "오픈이노베이션",
    "오픈 이노베이션": "오픈이노베이션",
    "개방형혁신": "오픈이노베이션",
    "개방형 혁신": "오픈이노베이션",
    "open innovation": "open-innovation",
    "혁신센터": "센터",
    "창조경제혁신센터": "센터",
    "창경센터": "센터",
    "centre": "center",
    "centres": "center",
    "ccei": "center",
    "주최측": "주최",
    "주관": "주최",
    "운영": "주최",
    "host": "organiser",
    "hosts": "organiser",
    "hosting": "organiser",
    "organizer": "organiser",
    "organizers": "organiser",
    "organize": "organiser",
    "organized": "organiser",
    "organised": "organiser",
    "organises": "organiser",
    "organizes": "organiser",
    "run by": "organiser",
    "강의": "강연",
    "키노트": "강연",
    "talk": "lecture",
    "keynote": "lecture",
    "speech": "lecture",
    "연사": "연사",
    "발표자": "연사",
    "패널": "연사",
    "speaker": "speaker",
    "panelist": "speaker",
    "panel": "speaker",
    "한전": "한국전력",
    "kepco": "한국전력",
    "전기차": "전기차",
    "ev": "전기차",
    "삼성": "삼성전자",
    "samsung": "삼성전자",
    "kt": "kt",
    "c lab": "clab",
    "씨랩": "clab",
    "smart x lab": "smartxlab",
    "smartx lab": "smartxlab",
    "smartx": "smartxlab",
    "스마트엑스랩": "smartxlab",
    "스마트x랩": "smartxlab",
    "results sharing": "성과공유회",
    "result sharing": "성과공유회",
    "롯데마트": "롯데",
    "lotte": "롯데",
    "gs홈쇼핑": "gs",
    "gs리테일": "gs",
    # language
    "영어": "영어",
    "english": "english",
    "통역": "통역",
    "자막": "자막",
    "subtitles": "subtitle",
    "captions": "subtitle",
    "interpretation": "translation",
    "interpreter": "translation",
    # asking
    "질문하": "질문",
    "물어보": "질문",
    "여쭤": "질문",
    "문의": "질문",
    "ask": "question",
    "asking": "question",
    # cost / registration
    "공짜": "무료",
    "돈": "참가비",
    "유료": "참가비",
    "free": "free",
    "cost": "fee",
    "price": "fee",
    "pay": "fee",
    "신청": "등록",
    "접수": "등록",
    "사전등록": "등록",
    "register": "registration",
    "signup": "registration",
    "sign up": "registration",
}

# Verb forms of 보다 (to watch) at the start of a token: 봐요, 볼수, 보려면, 보는법 ... → 시청.
_WATCH_PREFIXES = ("봐", "볼", "보려", "보는", "보나", "보면", "보고싶", "봅", "시청")

# Trailing particles and endings, longest first. A particle is stripped only when a stem of at least
# ``min_stem`` syllables remains, so 누가 or 어디 keep their last syllable.
_ENDINGS: tuple[tuple[str, int], ...] = tuple(
    sorted(
        [
            *[
                (e, 1)
                for e in (
                    "에서는",
                    "에서도",
                    "에서요",
                    "에서",
                    "으로는",
                    "으로",
                    "로는",
                    "이랑",
                    "까지",
                    "부터",
                    "에게",
                    "한테",
                    "이에요",
                    "이예요",
                    "예요",
                    "에요",
                    "입니까",
                    "입니다",
                    "인가요",
                    "인가",
                    "인지",
                    "인데",
                    "이죠",
                    "이요",
                    "하나요",
                    "했나요",
                    "되나요",
                    "하나",
                    "되나",
                    "해요",
                    "돼요",
                    "되요",
                    "했어요",
                    "인가여",
                    "나요",
                    "이야",
                    "이니",
                    "이냐",
                    "할까요",
                    "될까요",
                    "일까요",
                    "하는지",
                    "되는지",
                    "했는지",
                    "한가요",
                    "있나요",
                    "없나요",
                    "있어요",
                    "없어요",
                    "하죠",
                    "하면",
                    "이면",
                    "라고",
                    "이라고",
                    "이나",
                    "든지",
                    "인듯",
                    "함",
                    "됨",
                    "임",
                )
            ],
            *[
                (e, 2)
                for e in (
                    "은",
                    "는",
                    "이",
                    "가",
                    "을",
                    "를",
                    "에",
                    "의",
                    "도",
                    "만",
                    "와",
                    "과",
                    "랑",
                    "로",
                    "요",
                    "죠",
                    "나",
                    "니",
                    "냐",
                    "야",
                    "지",
                    "여",
                )
            ],
        ],
        key=lambda pair: -len(pair[0]),
    )
)

# Words that carry no topic: question words already mapped to topics stay (시간, 장소), the rest go.
STOP_WORDS: frozenset[str] = frozenset(
    {
        # Korean
        "뭐",
        "뭔가",
        "뭐야",
        "뭐예요",
        "뭐에요",
        "뭔데",
        "뭐임",
        "무엇",
        "무엇인가요",
        "무슨",
        "어떤",
        "어떻게",
        "어케",
        "어떡해",
        "좀",
        "혹시",
        "그",
        "이",
        "저",
        "제가",
        "저는",
        "나는",
        "내가",
        "우리",
        "여기",
        "거기",
        "이거",
        "그거",
        "있나요",
        "있어요",
        "있음",
        "있나",
        "있는지",
        "없나요",
        "알려주세요",
        "알려줘",
        "알려주",
        "궁금",
        "궁금해요",
        "궁금합니다",
        "가르쳐",
        "주세요",
        "해주세요",
        "하나요",
        "되나요",
        "하면",
        "돼요",
        "되요",
        "수",
        "있",
        "것",
        "거",
        "건가요",
        "건지",
        "인가요",
        "인데",
        "오늘",
        "지금",
        "이번",
        "ㅎㅎ",
        "ㅋㅋ",
        "ㅠㅠ",
        "요",
        "네",
        "아",
        "음",
        "저기",
        "안녕하세요",
        "감사합니다",
        "할",
        "하는",
        "하고",
        "되는",
        "예요",
        "에요",
        "이에요",
        "해요",
        "해야",
        "해야하나요",
        "해야돼요",
        "려면",
        "하려면",
        "되려면",
        "하면되나요",
        "가능",
        "가능한가요",
        "가능해요",
        "가능한지",
        "있을까요",
        "할까요",
        "될까요",
        "싶어요",
        "싶은데",
        "하고싶어요",
        "합니다",
        "한다",
        "하죠",
        "했어요",
        "하는지",
        "되는지",
        "인지",
        "건데",
        "그럼",
        "근데",
        "그리고",
        "또",
        # English
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "do",
        "does",
        "did",
        "can",
        "could",
        "will",
        "would",
        "should",
        "i",
        "me",
        "my",
        "we",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "there",
        "what",
        "whats",
        "what's",
        "which",
        "who",
        "whom",
        "how",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "please",
        "pls",
        "plz",
        "tell",
        "know",
        "any",
        "anyone",
        "hi",
        "hello",
        "hey",
        "today",
        "event",
        "s",
        "get",
        "go",
        "find",
        "there's",
        "about",
        "up",
        "some",
        "?",
    }
)
# "event"/"행사" are deliberately kept out of topic words only in English ("event" is in nearly every
# English question); 행사 stays because Korean questions are shorter and it helps the general entries.


# A particle left alone when a synonym split a word (삼성이랑 → 삼성전자 + 이랑) is not a word.
_ENDING_WORDS = frozenset(ending for ending, _ in _ENDINGS)

# One-syllable words that do carry a topic.
_SHORT_WORDS = frozenset({"층", "돈", "밥", "상"})


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text ready for matching: content tokens and the same text without spaces."""

    tokens: tuple[str, ...]
    compact: str

    @property
    def empty(self) -> bool:
        return not self.tokens


_NON_WORD = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_HANGUL_CHAR = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")


def _build_synonym_pattern() -> re.Pattern[str]:
    keys = sorted(SYNONYMS, key=len, reverse=True)
    parts = []
    for key in keys:
        escaped = re.escape(key).replace(r"\ ", r"\s*")
        # English keys must be whole words ("ev" not inside "event"); Korean keys may sit inside words.
        parts.append(
            escaped if _HANGUL_CHAR.search(key) else rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        )
    return re.compile("|".join(parts))


_SYNONYM_PATTERN = _build_synonym_pattern()
_SYNONYM_LOOKUP = {_SPACES.sub("", key): value for key, value in SYNONYMS.items()}


def has_hangul(text: str) -> bool:
    return _HANGUL_CHAR.search(text) is not None


def to_jamo(text: str) -> str:
    """Spell Hangul syllables as compatibility jamo (compound vowels split); other characters pass."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if _HANGUL_BASE <= code <= _HANGUL_LAST:
            index = code - _HANGUL_BASE
            lead, rest = divmod(index, 21 * 28)
            vowel, tail = divmod(rest, 28)
            out.append(_LEADS[lead])
            out.append(_VOWEL_PARTS.get(_VOWELS[vowel], _VOWELS[vowel]))
            out.append(_TAILS[tail])
        else:
            out.append(_VOWEL_PARTS.get(char, char))
    return "".join(out)


def _clean(text: str) -> str:
    # Line breaks of any kind become spaces first; invisible characters then go without a trace
    # (a zero-width space must not split 생중계).
    text = strip_invisible(_SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()))
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _canonical(match: re.Match[str]) -> str:
    return f" {_SYNONYM_LOOKUP[_SPACES.sub('', match[0])]} "


def strip_ending(token: str) -> str:
    """Remove one trailing Korean particle or ending (twice for stacks like 에서는 + 요)."""
    for _ in range(2):
        for ending, min_stem in _ENDINGS:
            if token.endswith(ending) and len(token) - len(ending) >= min_stem:
                token = token[: -len(ending)]
                break
        else:
            break
    return token


def _english_stem(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def _token(raw: str) -> str:
    if has_hangul(raw):
        if raw.startswith(_WATCH_PREFIXES):
            return "시청"
        return strip_ending(raw)
    return _english_stem(raw)


def normalize_tokens(text: str) -> tuple[str, ...]:
    """Content tokens of ``text`` after cleaning, synonyms, particle stripping and stop words."""
    cleaned = _SYNONYM_PATTERN.sub(_canonical, _clean(text))
    tokens: list[str] = []
    for raw in cleaned.split():
        if raw in STOP_WORDS or raw in _ENDING_WORDS:
            continue
        token = _token(raw)
        token = _SYNONYM_LOOKUP.get(token, token)
        if not token or token in STOP_WORDS or token in _ENDING_WORDS:
            continue
        # A lone Hangul syllable left over from splitting (서, 해, 할) says nothing, except a few words.
        if len(token) == 1 and has_hangul(token) and token not in _SHORT_WORDS:
            continue
        tokens.append(token)
    return tuple(tokens)


def compact(tokens: tuple[str, ...]) -> str:
    return "".join(tokens)


def normalize(text: str) -> NormalizedText:
    tokens = normalize_tokens(text)
    return NormalizedText(tokens=tokens, compact=compact(tokens))
