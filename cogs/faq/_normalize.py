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


@dataclass(frozen=True, slots=True)
class Language:
    """What the matcher knows about Korean and English, from the files in ``language/``."""

    #: Generic word → the spellings that mean it (from ``synonyms.toml``).
    synonyms: Mapping[str, tuple[str, ...]]
    #: (ending, shortest stem it may leave), longest ending first.
    endings: tuple[tuple[str, int], ...]
    stop_words: frozenset[str]
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
    stop_words = [
        line.strip()
        for line in (data_dir / "stop_words.txt").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return Language(
        synonyms=synonyms,
        endings=tuple(sorted(endings, key=lambda pair: -len(pair[0]))),
        stop_words=frozenset(stop_words),
        watch_word=korean["watch"]["word"],
        watch_prefixes=tuple(korean["watch"]["prefixes"]),
        short_words=frozenset(korean["short_words"]["words"]),
    )


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """A text ready for matching: content tokens and the same text without spaces."""

    tokens: tuple[str, ...]
    compact: str

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
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
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
                for spelling in spellings:
                    key = clean(spelling)
                    if key:
                        spelled[key] = canonical
        #: Every known spelling (cleaned) → the word it stands for.
        self.synonyms: Mapping[str, str] = spelled
        self._lookup = {_SPACES.sub("", key): value for key, value in spelled.items()}
        self._pattern = _synonym_pattern(spelled)
        self._ending_words = self.language.ending_words

    def strip_ending(self, token: str) -> str:
        """Remove one trailing Korean particle or ending (twice for stacks like 에서는 + 요)."""
        for _ in range(2):
            for ending, min_stem in self.language.endings:
                if token.endswith(ending) and len(token) - len(ending) >= min_stem:
                    token = token[: -len(ending)]
                    break
            else:
                break
        return token

    def tokens(self, text: str) -> tuple[str, ...]:
        """Content tokens of ``text`` after cleaning, synonyms, particle stripping and stop words."""
        lang = self.language
        cleaned = self._pattern.sub(self._canonical, clean(text))
        tokens: list[str] = []
        for raw in cleaned.split():
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
        return tuple(tokens)

    def normalize(self, text: str) -> NormalizedText:
        tokens = self.tokens(text)
        return NormalizedText(tokens=tokens, compact="".join(tokens))

    def _canonical(self, match: re.Match[str]) -> str:
        return f" {self._lookup[_SPACES.sub('', match[0])]} "

    def _token(self, raw: str) -> str:
        if has_hangul(raw):
            if raw.startswith(self.language.watch_prefixes):
                return self.language.watch_word
            return self.strip_ending(raw)
        return _english_stem(raw)


def _synonym_pattern(spelled: Mapping[str, str]) -> re.Pattern[str]:
    parts = []
    for key in sorted(spelled, key=len, reverse=True):
        escaped = re.escape(key).replace(r"\ ", r"\s*")
        # English keys must be whole words ("ev" not inside "event"); Korean keys may sit inside words.
        parts.append(
            escaped if _HANGUL_CHAR.search(key) else rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        )
    return re.compile("|".join(parts)) if parts else re.compile(r"(?!x)x")
