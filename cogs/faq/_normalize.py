"""Hangul-aware text normalisation for FAQ matching.

The pipeline, applied identically to FAQ phrases (at index time) and to what viewers type:

1. NFKC, lowercase, control characters and punctuation to spaces;
2. synonyms and slang to one canonical word, longest first in a single pass (생방 → 생중계, 몇시 → 시간,
   어디 → 장소, livestream → stream, 한전 → 한국전력, ...), so "생방 링크" and "생중계 링크" become the same text;
3. split into tokens; Korean tokens lose trailing particles and verb endings (장소가 → 장소, 시작하나요 → 시작),
   English tokens lose a plural ``s``; stop words (뭐, 좀, what, the, ...) are dropped.

Two kinds of knowledge feed it, kept apart: the language (particles, endings, stop words, generic slang)
in ``language/`` beside this module, loaded once; and the event (its sessions', companies' and programs'
names and their short forms) from the config's ``[faq_synonyms]``, given to :class:`Normalizer`.

Korean spacing is handled by the matcher, which also looks for known terms inside the *compact* text (all
spaces removed). Typos are handled on the jamo level: :func:`to_jamo` spells each syllable as its letters
(생중게 → ㅅㅐㅇㅈㅜㅇㄱㅔ) so one wrong vowel costs one letter, not a whole syllable.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.text import strip_invisible

__all__ = [
    "Language",
    "NormalizedText",
    "Normalizer",
    "has_hangul",
    "language",
    "to_jamo",
]

DATA_DIR = Path(__file__).resolve().parent / "language"

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

_NON_WORD = re.compile(r"[^\w\s]|_")
_SPACES = re.compile(r"\s+")
_HANGUL_CHAR = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_SYLLABLE = re.compile(r"[\uac00-\ud7a3]")
_NO_TOPIC = re.compile(r"^(?:[0-9]+[\uac00-\ud7a3]{0,2}|[a-z]|[\u1100-\u11ff\u3131-\u318e]+)$")
"""Numbers (with a unit or particle: 3.0이, 2023년), single letters and bare jamo (ㄱㄱ, ㅋㅋ): never a
topic on their own."""


@dataclass(frozen=True, slots=True)
class Language:
    """What the matcher knows about Korean and English, from the files in ``language/``."""

    #: Generic word → the spellings that mean it (from ``synonyms.toml``).
    synonyms: Mapping[str, tuple[str, ...]]
    #: (ending, shortest stem it may leave), longest ending first.
    endings: tuple[tuple[str, int], ...]
    stop_words: frozenset[str]
    #: Words that say little about the topic when no entry uses them (come, held, exactly, ...).
    weak_words: frozenset[str]
    #: Endings of a Korean verb or adjective before another word (끝나고, 놓쳤는데, 협업한).
    predicate_endings: tuple[str, ...]
    watch_word: str
    watch_prefixes: tuple[str, ...]
    short_words: frozenset[str]

    @property
    def ending_words(self) -> frozenset[str]:
        """A particle left alone when a synonym split a word (삼성이랑 → 삼성전자 + 이랑) is not a word."""
        return frozenset(ending for ending, _ in self.endings)


@functools.cache
def language(data_dir: Path = DATA_DIR) -> Language:
    """The language data, read once per process."""
    with (data_dir / "synonyms.toml").open("rb") as file:
        synonyms = {word: tuple(spellings) for word, spellings in tomllib.load(file).items()}
    with (data_dir / "korean.toml").open("rb") as file:
        korean = tomllib.load(file)
    endings = [
        *((ending, 1) for ending in korean["endings"]["one_syllable_stem"]),
        *((ending, 2) for ending in korean["endings"]["two_syllable_stem"]),
    ]
    return Language(
        synonyms=synonyms,
        endings=tuple(sorted(endings, key=lambda pair: -len(pair[0]))),
        stop_words=_word_list(data_dir / "stop_words.txt"),
        weak_words=_word_list(data_dir / "weak_words.txt"),
        predicate_endings=tuple(sorted(korean["predicates"]["endings"], key=len, reverse=True)),
        watch_word=korean["watch"]["word"],
        watch_prefixes=tuple(korean["watch"]["prefixes"]),
        short_words=frozenset(korean["short_words"]["words"]),
    )


def _word_list(path: Path) -> frozenset[str]:
    lines = path.read_text("utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text ready for matching: content tokens and the same text without spaces.

    ``weak`` holds the tokens that carry no topic *unless* an entry uses them: the verb or adjective
    that ends a Korean question (나와요, 늘었어요), other predicates (끝나고), numbers, common English
    words. A weak token no entry knows is ignored; any other unknown token is a topic the FAQ does not
    cover.
    """

    tokens: tuple[str, ...]
    compact: str
    weak: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.tokens


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


def clean(text: str) -> str:
    """NFKC, lowercase, punctuation to spaces, invisible characters removed, spaces collapsed."""
    # Line breaks of any kind become spaces first; invisible characters then go without a trace
    # (a zero-width space must not split 생중계).
    text = strip_invisible(_SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()))
    text = _NON_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _english_stem(token: str) -> str:
    """A light, consistent stem (the same for the entries and the questions): achieved, achieves,
    achieving → achiev; streamed → stream; venues → venu."""
    if len(token) > 4 and token.endswith("ies"):
        token = token[:-3] + "y"
    elif token.endswith("ing") and len(token) >= 6:
        token = token[:-3]
    elif token.endswith("ed") and len(token) >= 5:
        token = token[:-2]
    elif len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        token = token[:-1]
    if len(token) > 4 and token.endswith("e"):
        token = token[:-1]
    return token


class Normalizer:
    """The pipeline for one event: the language data plus the event's own synonyms.

    ``event_synonyms`` (config ``[faq_synonyms]``) win over a generic spelling they share.
    """

    def __init__(
        self,
        event_synonyms: Mapping[str, Sequence[str]] | None = None,
        lang: Language | None = None,
    ) -> None:
        self.language = lang or language()
        spelled: dict[str, str] = {}
        for synonyms in (self.language.synonyms, event_synonyms or {}):
            for word, spellings in synonyms.items():
                canonical = unicodedata.normalize("NFKC", word).lower().strip()
                # The word itself too (삼성전자 stays whole instead of 삼성 → 삼성전자 + 전자), unless
                # it is one syllable that would split other words (봇 in 로봇).
                own = (word,) if len(canonical) > 1 else ()
                for spelling in (*own, *spellings):
                    key = clean(spelling)
                    if key:
                        spelled[key] = canonical
        #: Every known spelling (cleaned) → the word it stands for.
        self.synonyms: Mapping[str, str] = spelled
        self._lookup: dict[str, str] = {}
        for key, value in spelled.items():
            self._lookup[_SPACES.sub("", key)] = value
            if " " not in key and not has_hangul(key):
                # After stemming too: "speakers" → speaker → 연사, "venues" → venu → 장소.
                self._lookup.setdefault(_english_stem(key), value)
        self._pattern = _synonym_pattern(spelled)
        self._ending_words = self.language.ending_words
        # Endings by length, longest first: one set lookup per length instead of a scan of all.
        by_length: dict[int, dict[str, int]] = defaultdict(dict)
        for ending, min_stem in self.language.endings:
            by_length[len(ending)].setdefault(ending, min_stem)
        self._endings = sorted(by_length.items(), reverse=True)

    def strip_ending(self, token: str) -> str:
        """Remove one trailing Korean particle or ending (twice for stacks like 에서는 + 요)."""
        for _ in range(2):
            for length, endings in self._endings:
                min_stem = endings.get(token[-length:])
                if min_stem is not None and len(token) - length >= min_stem:
                    token = token[:-length]
                    break
            else:
                break
        return token

    def tokens(self, text: str) -> tuple[str, ...]:
        """Content tokens of ``text`` after cleaning, synonyms, particle stripping and stop words."""
        return self.normalize(text).tokens

    def normalize(self, text: str) -> NormalizedText:
        lang = self.language
        words = self._pattern.sub(self._canonical, clean(text)).split()
        tokens: list[str] = []
        weak: set[str] = set()
        for position, raw in enumerate(words):
            if raw in lang.stop_words or raw in self._ending_words:
                continue
            token = self._token(raw)
            token = self._lookup.get(token, token)
            if not token or token in lang.stop_words or token in self._ending_words:
                continue
            # A lone Hangul syllable left over from splitting (서, 해, 할) says nothing, except a few.
            if len(token) == 1 and has_hangul(token) and token not in lang.short_words:
                continue
            tokens.append(token)
            if (
                _NO_TOPIC.match(token)
                or raw in lang.weak_words
                or token in lang.weak_words
                # Korean puts the verb last: the last word of a question is its predicate.
                or (position == len(words) - 1 and _SYLLABLE.search(raw))
                or (_SYLLABLE.search(raw) and raw.endswith(lang.predicate_endings))
            ):
                weak.add(token)
        return NormalizedText(tokens=tuple(tokens), compact="".join(tokens), weak=frozenset(weak))

    def base_forms(self, token: str) -> list[str]:
        """Shorter words an unknown English word may be made of: attendee → attend, organizer →
        organiz (for the matcher to try when the word itself is unknown)."""
        if has_hangul(token) or len(token) < 6:
            return []
        stems = [token[:-2]] if token.endswith(("ee", "er")) else []
        return [self._lookup.get(stem, stem) for stem in stems]

    def _canonical(self, match: re.Match[str]) -> str:
        return f" {self._lookup[_SPACES.sub('', match[0])]} "

    def _token(self, raw: str) -> str:
        if has_hangul(raw):
            if raw.startswith(self.language.watch_prefixes):
                return self.language.watch_word
            return self.strip_ending(raw)
        return _english_stem(raw)


def _synonym_pattern(spelled: Mapping[str, str]) -> re.Pattern[str]:
    """Every spelling, longest first. Korean spellings may sit inside words (tried first, so a mixed
    one like gs홈쇼핑 wins over gs); English ones must be whole words ("ev" not inside "event")."""
    korean: list[str] = []
    english: list[str] = []
    for key in sorted(spelled, key=len, reverse=True):
        escaped = re.escape(key).replace(r"\ ", r"\s*")
        (korean if _HANGUL_CHAR.search(key) else english).append(escaped)
    parts = []
    if korean:
        parts.append("(?:" + "|".join(korean) + ")")
    if english:
        parts.append("(?<![a-z0-9])(?:" + "|".join(english) + ")(?![a-z0-9])")
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")
