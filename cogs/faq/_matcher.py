"""Match a viewer's free-text question to FAQ entries, and suggest entries while they type.

How a question is scored (all forms precomputed at construction, so a match is well under a millisecond):

* Every entry's questions and keywords (both languages) are normalised (:class:`._normalize.Normalizer`) into *terms*.
  A term's weight is its IDF over the entries: 행사/event appear everywhere and say little, 파라바라 says a lot.
* The terms of the viewer's text are found three ways: as tokens; as substrings of the space-free text (so
  Korean spacing does not matter: 생중계링크 contains 생중계 and 링크); and, for what is left, by rapidfuzz
  on the jamo spelling (생중게 ~ 생중계, 장쇼 ~ 장소, venu ~ venue), also partially inside run-together text.
* An entry's score (0-100) mixes how much of the question it explains (query coverage) with how completely
  one of its phrases is present (phrase coverage), plus a small rapidfuzz similarity of the whole text to
  the entry's phrases, which breaks ties between entries covering the same words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz import fuzz, process

from bot.config import FaqEntry
from bot.text import clip

from ._normalize import NormalizedText, Normalizer, has_hangul, to_jamo

__all__ = [
    "CONFIDENT_MARGIN",
    "CONFIDENT_SCORE",
    "MAX_QUERY_CHARS",
    "WEAK_SCORE",
    "Candidate",
    "FaqMatcher",
    "MatchKind",
    "MatchResult",
    "Suggestion",
]

MatchKind = Literal["confident", "weak", "none"]

# Thresholds, chosen on the question table (tests/faq/question_table.py) and a set of unseen phrasings:
# every right answer on the table scores 72-100 and leads the runner-up by 13+ points; genuinely ambiguous
# questions ("삼성이랑 하는 프로그램": Daegu or the program?) tie within a few points; off-topic questions
# ("점심 메뉴 뭐예요?") find no FAQ term at all. CONFIDENT_SCORE sits ten points under the lowest right
# answer, so small wording changes do not turn answers into "did you mean"; raising it does, lowering
# WEAK_SCORE makes "did you mean" offer unrelated entries.
CONFIDENT_SCORE = 62.0
"""A top score at least this high (and a clear lead) answers directly."""
CONFIDENT_MARGIN = 8.0
"""The lead over the runner-up needed to answer directly; a closer race becomes "did you mean"."""
WEAK_SCORE = 35.0
"""Entries scoring at least this are offered as "did you mean"; below it the answer is "no match"."""
MAX_WEAK_CANDIDATES = 3

MAX_QUERY_CHARS = 200
"""Longer input is cut: questions are short, and this bounds the work per keystroke."""
MAX_SUGGESTIONS = 25
"""Discord shows at most 25 autocomplete choices."""
CHOICE_LABEL_CHARS = 100
"""Discord's limit for an autocomplete choice's name."""

# Fuzzy matching cut-offs on jamo/letter spellings (rapidfuzz scores 0-100). One wrong letter in a
# two-syllable word (장쇼/장소, 5 jamo) scores 80; unrelated words of the same length score under 60.
_FUZZY_TOKEN_CUTOFF = 80.0
_FUZZY_MIN_LEN = 4
_FUZZY_PARTIAL_CUTOFF = 88.0
_FUZZY_PARTIAL_MIN_LEN = 7
_PREFIX_MIN_LEN = 2  # jamo letters typed before autocomplete completes a word

_QUERY_SHARE = 0.55
_PHRASE_SHARE = 0.35
_FUZZ_SHARE = 0.10
_UNKNOWN_TOKEN_WEIGHT = 1.0  # what an unexplained word of the question counts against every entry


@dataclass(frozen=True, slots=True)
class Candidate:
    entry_id: str
    score: float


@dataclass(frozen=True, slots=True)
class MatchResult:
    """``confident``: answer ``best``; ``weak``: offer ``candidates`` (at most 3); ``none``: no match."""

    kind: MatchKind
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class Suggestion:
    """An autocomplete choice: ``label`` is the question in the user's language (≤ 100 chars)."""

    entry_id: str
    label: str
    score: float


@dataclass(frozen=True, slots=True)
class _Phrase:
    terms: frozenset[str]
    weight: float  # sum of the terms' IDF
    jamo: str


class FaqMatcher:
    """Matcher over a fixed set of entries; build a new one when the entries change (it is cheap)."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``synonyms``: the event's names and their other spellings (config ``[faq_synonyms]``)."""
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.normalizer = Normalizer(synonyms)
        self._index = {entry.id: i for i, entry in enumerate(self.entries)}
        phrases_by_entry: list[list[tuple[str, ...]]] = []
        term_entries: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self.entries):
            texts = [entry.question.ko, entry.question.en, *entry.keywords.ko, *entry.keywords.en]
            token_lists = [tokens for tokens in map(self.normalizer.tokens, texts) if tokens]
            phrases_by_entry.append(token_lists)
            for tokens in token_lists:
                for term in tokens:
                    term_entries[term].add(i)
        count = max(len(self.entries), 1)
        self._idf: dict[str, float] = {
            term: math.log(1.0 + count / len(owners)) for term, owners in term_entries.items()
        }
        self._term_entries = {term: frozenset(owners) for term, owners in term_entries.items()}
        self._entry_terms: list[frozenset[str]] = [
            frozenset(t for tokens in token_lists for t in tokens)
            for token_lists in phrases_by_entry
        ]
        self._phrases: list[tuple[_Phrase, ...]] = [
            tuple(
                _Phrase(
                    terms=frozenset(tokens),
                    weight=sum(self._idf[t] for t in set(tokens)),
                    jamo=to_jamo(" ".join(tokens)),
                )
                for tokens in token_lists
            )
            for token_lists in phrases_by_entry
        ]
        # Korean terms are also found inside run-together text; longest first for the overlap rule.
        self._hangul_terms = sorted(
            (t for t in self._term_entries if has_hangul(t) and len(t) >= 2), key=len, reverse=True
        )
        # Fuzzy vocabulary: every term, plus the spellings the synonym table knows (mapped to their term).
        fuzzy: dict[str, str] = {to_jamo(term): term for term in self._term_entries}
        for spelling, canonical in self.normalizer.synonyms.items():
            if canonical in self._term_entries and " " not in spelling:
                fuzzy.setdefault(to_jamo(spelling), canonical)
        self._fuzzy_keys = list(fuzzy)
        self._fuzzy_terms = [fuzzy[key] for key in self._fuzzy_keys]
        self._partial_keys = [k for k in self._fuzzy_keys if len(k) >= _FUZZY_PARTIAL_MIN_LEN]
        self._partial_terms = [fuzzy[k] for k in self._partial_keys]
        self._labels = {
            entry.id: {
                "ko": clip(entry.question.ko, CHOICE_LABEL_CHARS),
                "en": clip(entry.question.en, CHOICE_LABEL_CHARS),
            }
            for entry in self.entries
        }

    # -- public API ---------------------------------------------------------------------------------

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._index

    def entry(self, entry_id: str) -> FaqEntry | None:
        index = self._index.get(entry_id)
        return None if index is None else self.entries[index]

    def match(self, text: str, locale: str = "ko") -> MatchResult:
        """Classify ``text`` as a confident match, a weak one (did you mean) or none.

        ``locale`` is the asker's language. Both languages are always searched (Korean viewers type
        English words and the other way round), so the score does not depend on it; it is part of the
        signature so a future per-language tweak does not change callers.
        """
        text = text.strip()[:MAX_QUERY_CHARS]
        if text in self._index:  # an autocomplete choice carries the entry id itself
            return MatchResult("confident", (Candidate(text, 100.0),))
        ranked = self._rank(text, complete_last=False)
        if not ranked:
            return MatchResult("none", ())
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if best.score >= CONFIDENT_SCORE and best.score - runner_up >= CONFIDENT_MARGIN:
            return MatchResult("confident", tuple(ranked[:MAX_WEAK_CANDIDATES]))
        weak = tuple(c for c in ranked[:MAX_WEAK_CANDIDATES] if c.score >= WEAK_SCORE)
        if weak:
            return MatchResult("weak", weak)
        return MatchResult("none", tuple(ranked[:MAX_WEAK_CANDIDATES]))

    def suggest(
        self, prefix: str, locale: str = "ko", limit: int = MAX_SUGGESTIONS
    ) -> list[Suggestion]:
        """Entries for an autocomplete box: best first, at most ``min(limit, 25)``; never raises."""
        limit = max(0, min(limit, MAX_SUGGESTIONS))
        lang = "ko" if locale == "ko" else "en"
        prefix = prefix.strip()[:MAX_QUERY_CHARS]
        if not prefix:
            return [Suggestion(e.id, self._labels[e.id][lang], 0.0) for e in self.entries[:limit]]
        ranked = self._rank(prefix, complete_last=True)
        return [
            Suggestion(c.entry_id, self._labels[c.entry_id][lang], c.score)
            for c in ranked[:limit]
            if c.score >= WEAK_SCORE / 2
        ]

    def label(self, entry_id: str, locale: str) -> str:
        return self._labels[entry_id]["ko" if locale == "ko" else "en"]

    def normalize(self, text: str) -> NormalizedText:
        return self.normalizer.normalize(text)

    # -- scoring ------------------------------------------------------------------------------------

    def _rank(self, text: str, *, complete_last: bool) -> list[Candidate]:
        norm = self.normalizer.normalize(text)
        if norm.empty:
            return []
        found, unexplained = self._find_terms(
            norm.tokens, norm.compact, complete_last=complete_last
        )
        if not found:
            return []
        query_weight = sum(self._idf[t] * s for t, s in found.items())
        denominator = query_weight + unexplained * _UNKNOWN_TOKEN_WEIGHT
        touched: set[int] = set()
        for term in found:
            touched |= self._term_entries[term]
        query_jamo = to_jamo(" ".join(norm.tokens))
        fuzz_by_entry = self._phrase_similarity(query_jamo, touched)
        candidates: list[Candidate] = []
        for i in touched:
            entry_terms = self._entry_terms[i]
            evidence = sum(self._idf[t] * s for t, s in found.items() if t in entry_terms)
            query_cov = evidence / denominator
            phrase_cov = max(
                (
                    sum(self._idf[t] * found[t] for t in phrase.terms if t in found) / phrase.weight
                    for phrase in self._phrases[i]
                    if phrase.weight > 0
                ),
                default=0.0,
            )
            score = 100.0 * (
                _QUERY_SHARE * query_cov
                + _PHRASE_SHARE * phrase_cov
                + _FUZZ_SHARE * fuzz_by_entry.get(i, 0.0)
            )
            candidates.append(Candidate(self.entries[i].id, round(score, 2)))
        candidates.sort(key=lambda c: (-c.score, self._index[c.entry_id]))
        return candidates

    def _find_terms(
        self, tokens: tuple[str, ...], compact_text: str, *, complete_last: bool
    ) -> tuple[dict[str, float], int]:
        """Terms present in the text with a similarity (1.0 exact), and how many tokens stayed unknown."""
        found: dict[str, float] = {}
        spans: list[tuple[int, int, str]] = []
        for term in self._hangul_terms:
            start = compact_text.find(term)
            while start != -1:
                end = start + len(term)
                # Overlap rule: a term inside a longer found term (광주 in 광주전남) is not evidence.
                if not any(s <= start and end <= e for s, e, _ in spans):
                    spans.append((start, end, term))
                start = compact_text.find(term, start + 1)
        for _, _, term in spans:
            found[term] = 1.0
        unexplained = 0
        last = len(tokens) - 1
        for position, token in enumerate(tokens):
            if token in self._term_entries:
                found[token] = 1.0
                continue
            if has_hangul(token) and _covered(token, found):
                continue
            jamo = to_jamo(token)
            hit = None
            if len(jamo) >= _FUZZY_MIN_LEN:
                hit = process.extractOne(
                    jamo, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=_FUZZY_TOKEN_CUTOFF
                )
            if hit is not None:
                term = self._fuzzy_terms[hit[2]]
                found[term] = max(found.get(term, 0.0), hit[1] / 100.0)
                continue
            if complete_last and position == last and len(jamo) >= _PREFIX_MIN_LEN:
                completed = [
                    self._fuzzy_terms[k]
                    for k, key in enumerate(self._fuzzy_keys)
                    if key.startswith(jamo)
                ]
                if completed:
                    for term in completed:
                        found[term] = max(found.get(term, 0.0), 0.9)
                    continue
            unexplained += 1
        if unexplained and len(compact_text) >= 3:
            # Typos inside run-together Korean (생중게링크): long terms found approximately in the text.
            compact_jamo = to_jamo(compact_text)
            for _, score, k in process.extract(
                compact_jamo,
                self._partial_keys,
                scorer=fuzz.partial_ratio,
                score_cutoff=_FUZZY_PARTIAL_CUTOFF,
                limit=5,
            ):
                term = self._partial_terms[k]
                if len(self._partial_keys[k]) <= len(compact_jamo) and term not in found:
                    found[term] = score / 100.0
                    unexplained = max(0, unexplained - 1)
        return found, unexplained

    def _phrase_similarity(self, query_jamo: str, entries: Iterable[int]) -> dict[int, float]:
        """Best rapidfuzz token-set similarity (0-1) of the text to each given entry's phrases."""
        best: dict[int, float] = {}
        for i in entries:
            top = 0.0
            for phrase in self._phrases[i]:
                top = max(top, fuzz.token_set_ratio(query_jamo, phrase.jamo, score_cutoff=50))
            best[i] = top / 100.0
        return best


def _covered(token: str, found: dict[str, float]) -> bool:
    """Whether the found terms inside ``token`` explain most of it (the rest being particles)."""
    inside = sum(len(term) for term in found if term in token)
    return inside >= max(2, len(token) - 2)
