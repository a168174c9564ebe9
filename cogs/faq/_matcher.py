"""Match a viewer's free-text question to FAQ entries, and suggest entries while they type.

How a question is read (all entry forms precomputed at construction, so a match takes well under a
millisecond):

* Every entry's questions and keywords (both languages) are normalised (:class:`._normalize.Normalizer`)
  into *terms*. A term's weight is its IDF over the entries: 행사/event appear everywhere and say little,
  파라바라 says a lot.
* The terms of the viewer's text are found as tokens; as substrings of the space-free text (so Korean
  spacing does not matter: 생중계링크 contains 생중계 and 링크); by their base form (streamed → stream);
  and, for what is left, by rapidfuzz on the jamo spelling (생중게 ~ 생중계, 장쇼 ~ 장소, venu ~ venue).
* What is still unexplained is either *weak* (a predicate, a number, a common word: no topic) or a
  *topic no entry knows* (주차, parking, 네이버, 주가). A word that only appears in an entry's answer
  (MOU, 스타트업) is known to that entry at half weight.

How confident the answer is, from three signals per entry (each 0-1):

* **coverage**: the share of the question's weight the entry explains. A topic no entry knows weighs as
  much as the rarest term, so "Is there parking at the venue?" is half explained by the venue entry.
* **completeness**: the best share of one of the entry's phrases present in the question ("talk
  concert" fully present; "ask speakers" half present in "who are the speakers").
* **lead**: the score's margin over the runner-up (score = 55% coverage + 35% completeness + 10% a
  rapidfuzz similarity of the whole text, which breaks ties).

A direct answer needs the entry to explain most of the question, to hold one of its phrases, and to lead
clearly. "Did you mean" is for genuine ties: two entries each holding a phrase of the question, together
explaining most of it, within a few points of each other. Everything else is "no match": the topics list,
and the question is recorded for the moderators.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from bot.config import FaqEntry
from bot.text import clip

from ._normalize import NormalizedText, Normalizer, has_hangul, to_jamo

__all__ = [
    "MAX_QUERY_CHARS",
    "Candidate",
    "FaqMatcher",
    "MatchKind",
    "MatchResult",
    "Suggestion",
]

MatchKind = Literal["confident", "weak", "none"]

# The confidence model's thresholds, chosen on the question tables (tests/cogs/faq/question_table.py):
# right answers explain at least ~60% of their question with a complete phrase and lead by 10+ points;
# unanswerable questions that share a word with an entry (parking at the venue, 삼성전자 주가) carry a
# topic no entry knows; genuine ties ("삼성이랑 하는 프로그램") split the question between two entries
# that each hold a phrase of it.
MAX_UNKNOWN_SHARE = 0.3
"""A question whose unknown topics weigh this share or more is out of scope: no answer, no choices."""
CONFIDENT_COVERAGE = 0.5
"""A direct answer's entry explains at least this share of the question ..."""
CONFIDENT_COMPLETENESS = 0.74
"""... holds at least this share of one of its phrases ..."""
CONFIDENT_MARGIN = 8.0
"""... and leads the runner-up by this many points (0-100 scale)."""
CHOICE_COMPLETENESS = 0.74
"""A "did you mean" choice holds at least this share of one of its phrases ..."""
CHOICE_COVERAGE = 0.3
"""... explains at least this share of the question on its own ..."""
CHOICE_BAND = 25.0
"""... and scores within this many points of the best: a genuine tie, not a distant second."""
MAX_WEAK_CANDIDATES = 3

MAX_QUERY_CHARS = 200
"""Longer input is cut: questions are short, and this bounds the work per keystroke."""
MAX_SUGGESTIONS = 25
"""Discord shows at most 25 autocomplete choices."""
CHOICE_LABEL_CHARS = 100
"""Discord's limit for an autocomplete choice's name."""
SUGGEST_MIN_SCORE = 17.5

# Typos are edits of the jamo/letter spelling: one wrong, missing or extra letter (장쇼/장소, 생중게/
# 생중계, networkng); two in a long word. Counting edits, not a ratio, keeps short unrelated words apart
# (주가 is two letters from 주관).
_FUZZY_MIN_LEN = 4  # jamo of a Korean word: 장쇼 has 5
_FUZZY_MIN_LEN_LATIN = 5  # letters: park and part are both words
_FUZZY_LONG_LEN = 11
_FUZZY_PARTIAL_CUTOFF = 88.0
_FUZZY_PARTIAL_MIN_LEN = 7
_PREFIX_MIN_LEN = 2  # jamo letters typed before autocomplete completes a word

_COVERAGE_SHARE = 0.55
_COMPLETENESS_SHARE = 0.35
_FUZZ_SHARE = 0.10
_ANSWER_WORD_SHARE = 0.5  # a word only an entry's answer uses: half the weight of a rare term
_INSIDE_WEAK_SHARE = 0.5  # a term found only inside a predicate (협업한) or a longer unknown word


@dataclass(frozen=True, slots=True)
class Candidate:
    """An entry and how well it answers the question (``score`` 0-100 mixes the signals)."""

    entry_id: str
    score: float
    coverage: float = 1.0
    completeness: float = 1.0


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


@dataclass(frozen=True, slots=True)
class _Reading:
    """What the matcher understood of a text: terms found (strength 0-1: similarity, halved inside a
    predicate), words only answers use, and the weight of the topics no entry knows."""

    found: dict[str, float]
    answer_words: frozenset[str]
    unknown_weight: float


class FaqMatcher:
    """Matcher over a fixed set of entries; build a new one when the entries change (it is cheap)."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """``synonyms``: the event's names and their other spellings (config ``[faq_synonyms]``)."""
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self._synonyms = synonyms
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
        #: What a word no entry knows weighs: as much as a term only one entry uses.
        self._topic_weight = math.log(1.0 + count)
        self._term_entries = {term: frozenset(owners) for term, owners in term_entries.items()}
        self._entry_terms: list[frozenset[str]] = [
            frozenset(t for tokens in token_lists for t in tokens)
            for token_lists in phrases_by_entry
        ]
        # Words of the answers that no question or keyword uses (MOU, 스타트업): known, weakly, and
        # the less the more answers use them (사업 is in many).
        answer_entries: dict[str, set[int]] = defaultdict(set)
        for i, entry in enumerate(self.entries):
            for text in (entry.answer.ko, entry.answer.en):
                for word in self.normalizer.tokens(text):
                    if word not in term_entries:
                        answer_entries[word].add(i)
        self._answer_entries = {word: frozenset(owners) for word, owners in answer_entries.items()}
        self._answer_weight = {
            word: _ANSWER_WORD_SHARE * math.log(1.0 + count / len(owners))
            for word, owners in answer_entries.items()
        }
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
        #: Term → the (entry, phrase index) pairs whose phrase holds it.
        self._term_phrases: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, phrases in enumerate(self._phrases):
            for p, phrase in enumerate(phrases):
                if phrase.weight > 0:
                    for term in phrase.terms:
                        self._term_phrases[term].append((i, p))
        # Korean terms are also found inside run-together text, looked up by their first syllable.
        self._hangul_terms: dict[str, list[str]] = defaultdict(list)
        for term in self._term_entries:
            if has_hangul(term) and len(term) >= 2:
                self._hangul_terms[term[0]].append(term)
        # Fuzzy vocabulary: every term, plus the spellings the synonym table knows (mapped to their
        # term), by first letter (a typo keeps it) for typos in a word, and by syllable for typos
        # inside run-together Korean.
        spelled: dict[str, str] = {term: term for term in self._term_entries}
        for spelling, canonical in (self.normalizer.synonyms if spelled else {}).items():
            if canonical in self._term_entries and " " not in spelling:
                spelled.setdefault(spelling, canonical)
        self._fuzzy: dict[str, tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
        self._partial: list[tuple[str, str]] = []  # (jamo spelling, term)
        self._partial_by_syllable: dict[str, set[int]] = defaultdict(set)
        for spelling, term in spelled.items():
            jamo = to_jamo(spelling)
            keys, terms = self._fuzzy[jamo[0]]
            keys.append(jamo)
            terms.append(term)
            if has_hangul(spelling) and len(jamo) >= _FUZZY_PARTIAL_MIN_LEN:
                for syllable in spelling:
                    self._partial_by_syllable[syllable].add(len(self._partial))
                self._partial.append((jamo, term))
        self._labels = {
            entry.id: {
                "ko": clip(entry.question.ko, CHOICE_LABEL_CHARS),
                "en": clip(entry.question.en, CHOICE_LABEL_CHARS),
            }
            for entry in self.entries
        }

    @cached_property
    def normalizer(self) -> Normalizer:
        # Built on first use: an empty matcher (the service's before its first load) needs none.
        return Normalizer(self._synonyms)

    # -- public API ---------------------------------------------------------------------------------

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._index

    def entry(self, entry_id: str) -> FaqEntry | None:
        index = self._index.get(entry_id)
        return None if index is None else self.entries[index]

    def match(self, text: str, locale: str = "ko") -> MatchResult:
        """Classify ``text`` as a confident match, a weak one (did you mean) or none.

        ``locale`` is the asker's language. Both languages are always searched (Korean viewers type
        English words and the other way round), so the result does not depend on it; it is part of the
        signature so a future per-language tweak does not change callers.
        """
        text = text.strip()[:MAX_QUERY_CHARS]
        if text in self._index:  # an autocomplete choice carries the entry id itself
            return MatchResult("confident", (Candidate(text, 100.0),))
        ranked, unknown_share = self._rank(text, complete_last=False)
        if not ranked:
            return MatchResult("none", ())
        top = tuple(ranked[:MAX_WEAK_CANDIDATES])
        if unknown_share >= MAX_UNKNOWN_SHARE:
            return MatchResult("none", top)  # it asks about something the FAQ does not cover
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if (
            best.coverage >= CONFIDENT_COVERAGE
            and best.completeness >= CONFIDENT_COMPLETENESS
            and best.score - runner_up >= CONFIDENT_MARGIN
        ):
            return MatchResult("confident", top)
        choices = tuple(
            c
            for c in top
            if c.completeness >= CHOICE_COMPLETENESS
            and c.coverage >= CHOICE_COVERAGE
            and c.score >= best.score - CHOICE_BAND
        )
        if len(choices) >= 2 and choices[0] is best:
            return MatchResult("weak", choices)
        return MatchResult("none", top)

    def suggest(
        self, prefix: str, locale: str = "ko", limit: int = MAX_SUGGESTIONS
    ) -> list[Suggestion]:
        """Entries for an autocomplete box: best first, at most ``min(limit, 25)``; never raises."""
        limit = max(0, min(limit, MAX_SUGGESTIONS))
        lang = "ko" if locale == "ko" else "en"
        prefix = prefix.strip()[:MAX_QUERY_CHARS]
        if not prefix:
            return [Suggestion(e.id, self._labels[e.id][lang], 0.0) for e in self.entries[:limit]]
        ranked, _ = self._rank(prefix, complete_last=True)
        return [
            Suggestion(c.entry_id, self._labels[c.entry_id][lang], c.score)
            for c in ranked[:limit]
            if c.score >= SUGGEST_MIN_SCORE
        ]

    def label(self, entry_id: str, locale: str) -> str:
        return self._labels[entry_id]["ko" if locale == "ko" else "en"]

    def normalize(self, text: str) -> NormalizedText:
        return self.normalizer.normalize(text)

    # -- scoring ------------------------------------------------------------------------------------

    def _rank(self, text: str, *, complete_last: bool) -> tuple[list[Candidate], float]:
        """Candidates best first, and the share of the question no entry knows (0-1)."""
        norm = self.normalizer.normalize(text)
        if norm.empty:
            return [], 0.0
        reading = self._read(norm, complete_last=complete_last)
        found = reading.found
        if not found:
            return [], 1.0 if reading.unknown_weight else 0.0
        answer_weight = self._answer_weight
        question_weight = (
            sum(self._idf[t] * s for t, s in found.items())
            + sum(answer_weight[word] for word in reading.answer_words)
            + reading.unknown_weight
        )
        # Accumulate through the inverted index: only entries and phrases holding a found term.
        explained: dict[int, float] = defaultdict(float)
        held: dict[tuple[int, int], float] = defaultdict(float)  # (entry, phrase) → weight present
        for term, strength in found.items():
            weight = self._idf[term] * strength
            for i in self._term_entries[term]:
                explained[i] += weight
            for key in self._term_phrases[term]:
                held[key] += weight
        for word in reading.answer_words:
            for i in self._answer_entries[word]:
                explained[i] += answer_weight[word]
        complete: dict[int, float] = defaultdict(float)
        for (i, p), weight in held.items():
            complete[i] = max(complete[i], weight / self._phrases[i][p].weight)
        signals: list[tuple[float, int, float, float]] = []  # (partial score, entry, cov, compl)
        for i in self._touched(found):
            coverage = explained[i] / question_weight
            partial = 100.0 * (_COVERAGE_SHARE * coverage + _COMPLETENESS_SHARE * complete[i])
            signals.append((partial, i, coverage, complete[i]))
        signals.sort(key=lambda item: (-item[0], item[1]))
        # The similarity adds at most 10 points: it is only worth computing where it can change the
        # first three places (the answer, the runner-up, the choices).
        query_jamo = to_jamo(" ".join(norm.tokens))
        finals: list[float] = []
        candidates: list[Candidate] = []
        for partial, i, coverage, completeness in signals:
            score = partial
            if len(finals) < MAX_WEAK_CANDIDATES or partial + 100.0 * _FUZZ_SHARE > finals[-1]:
                score += 100.0 * _FUZZ_SHARE * self._similarity(query_jamo, i)
                finals = sorted([*finals, score], reverse=True)[:MAX_WEAK_CANDIDATES]
            candidates.append(
                Candidate(
                    self.entries[i].id,
                    round(score, 2),
                    coverage=round(coverage, 3),
                    completeness=round(completeness, 3),
                )
            )
        candidates.sort(key=lambda c: (-c.score, self._index[c.entry_id]))
        # Out of scope: topics no entry knows, and words only other entries' answers mention
        # (stock in "Samsung stock" is in Busan's answer, not in Daegu's).
        best = self._index[candidates[0].entry_id]
        foreign = reading.unknown_weight + sum(
            answer_weight[word]
            for word in reading.answer_words
            if best not in self._answer_entries[word]
        )
        return candidates, foreign / question_weight

    def _read(self, norm: NormalizedText, *, complete_last: bool) -> _Reading:
        """Find the known terms in the text and weigh what is left."""
        tokens, compact_text = norm.tokens, norm.compact
        spans: list[tuple[int, int, str]] = []
        present = [t for c in set(compact_text) for t in self._hangul_terms.get(c, ())]
        for term in sorted(present, key=len, reverse=True):  # longest first: the overlap rule
            start = compact_text.find(term)
            while start != -1:
                end = start + len(term)
                # Overlap rule: a term inside a longer found term (광주 in 광주전남) is not evidence.
                if not any(s <= start and end <= e for s, e, _ in spans):
                    spans.append((start, end, term))
                start = compact_text.find(term, start + 1)
        # Where each token sits in the compact text, to tell which token a term was found in.
        bounds: list[tuple[int, int]] = []
        offset = 0
        for token in tokens:
            bounds.append((offset, offset + len(token)))
            offset += len(token)
        inside: list[list[str]] = [[] for _ in tokens]
        found: dict[str, float] = {}
        for start, end, term in spans:
            owner = next((j for j, (s, e) in enumerate(bounds) if s <= start and end <= e), None)
            if owner is None or tokens[owner] == term:
                found[term] = 1.0  # the term itself, or spelled across words
            else:
                inside[owner].append(term)
        unexplained: list[str] = []
        last = len(tokens) - 1
        for position, token in enumerate(tokens):
            if token in self._term_entries:
                found[token] = 1.0
                continue
            if inside[position]:
                # 판교창업존 is 판교 + 창업존; in 협업한 (a predicate) or 참가비 (참가 + 비: another
                # word) the terms are only part of the meaning.
                whole = self._covered(token, inside[position]) and token not in norm.weak
                for term in inside[position]:
                    found[term] = max(found.get(term, 0.0), 1.0 if whole else _INSIDE_WEAK_SHARE)
                if self._covered(token, inside[position]):
                    continue
            base = next((b for b in self.normalizer.base_forms(token) if b in self._idf), None)
            if base is not None:
                found[base] = 1.0
                continue
            jamo = to_jamo(token)
            keys, terms = self._fuzzy.get(jamo[0], ((), ()))
            if len(jamo) >= (_FUZZY_MIN_LEN if has_hangul(token) else _FUZZY_MIN_LEN_LATIN):
                allowed = 2 if len(jamo) >= _FUZZY_LONG_LEN else 1
                hit = process.extractOne(
                    jamo, keys, scorer=Levenshtein.distance, score_cutoff=allowed, processor=None
                )
                if hit is not None:
                    similarity = 1.0 - hit[1] / max(len(jamo), len(hit[0]))
                    found[terms[hit[2]]] = max(found.get(terms[hit[2]], 0.0), similarity)
                    continue
            if complete_last and position == last and len(jamo) >= _PREFIX_MIN_LEN:
                completed = [terms[k] for k, key in enumerate(keys) if key.startswith(jamo)]
                if completed:
                    for term in completed:
                        found[term] = max(found.get(term, 0.0), 0.9)
                    continue
            unexplained.append(token)  # unknown, or more than the terms inside it (참가비)
        # Typos inside run-together Korean (생중게링크) or across a space (토크 콘써트): long terms
        # found approximately in a word or in two neighbouring words.
        pieces: list[tuple[str, tuple[str, ...]]] = [
            (tokens[j] + tokens[j + 1], (tokens[j], tokens[j + 1]))
            for j in range(len(tokens) - 1)
            if tokens[j] in unexplained or tokens[j + 1] in unexplained
        ]
        pieces += [(t, (t,)) for t in unexplained]
        for text, words in pieces:
            if not has_hangul(text) or not any(w in unexplained for w in words):
                continue
            jamo = to_jamo(text)
            near = {k for syllable in text for k in self._partial_by_syllable.get(syllable, ())}
            choices = [self._partial[k] for k in near if len(self._partial[k][0]) <= len(jamo)]
            approximate = process.extractOne(
                jamo,
                [spelling for spelling, _ in choices],
                scorer=fuzz.partial_ratio,
                score_cutoff=_FUZZY_PARTIAL_CUTOFF,
                processor=None,
            )
            if approximate is not None and choices[approximate[2]][1] not in found:
                found[choices[approximate[2]][1]] = approximate[1] / 100.0
                unexplained = [t for t in unexplained if t not in words]
        content = [t for t in unexplained if t not in norm.weak]
        answer_words = frozenset(t for t in content if t in self._answer_entries)
        topics = {t for t in content if t not in answer_words}
        return _Reading(found, answer_words, self._topic_weight * len(topics))

    def _touched(self, found: Mapping[str, float]) -> set[int]:
        touched: set[int] = set()
        for term in found:
            touched |= self._term_entries[term]
        return touched

    def _covered(self, token: str, terms: list[str]) -> bool:
        """Whether ``token`` is made of ``terms`` and at most a particle or ending (판교창업존, 센터에서)."""
        rest = token
        for term in sorted(terms, key=len, reverse=True):
            rest = rest.replace(term, "", 1)
        lang = self.normalizer.language
        predicate = len(rest) <= 2 and rest.endswith(lang.predicate_endings)
        return not rest or rest in lang.ending_words or predicate

    def _similarity(self, query_jamo: str, entry: int) -> float:
        """Best rapidfuzz token-set similarity (0-1) of the text to the entry's phrases."""
        top = 0.0
        for phrase in self._phrases[entry]:
            top = max(top, fuzz.token_set_ratio(query_jamo, phrase.jamo, score_cutoff=50))
        return top / 100.0
