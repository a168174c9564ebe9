"""FAQ matching: recall and precision on the question tables next to a plain rapidfuzz baseline, then speed.

Run: ``python benchmarks/faq_matching.py [--rounds N]`` from the repository root. Prints numbers only; it
is not a test (tests/cogs/faq/test_matcher.py asserts every row of the tables).

* recall: answerable questions answered directly with the right entry;
* precision (unanswerable): questions the FAQ cannot answer that get "no match" (topics list);
* confident-wrong: a direct answer from the wrong entry (answerable) or any direct answer (unanswerable).

The baseline is what one would write first: ``rapidfuzz.process.extractOne`` with ``WRatio`` over every
entry's questions and keywords (both languages); a score at or above the cut-off answers directly.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process, utils

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import FaqEntry, load_config  # noqa: E402
from cogs.faq._matcher import FaqMatcher  # noqa: E402
from tests.cogs.faq.question_table import (  # noqa: E402
    AMBIGUOUS,
    ANSWERABLE,
    ORIGINAL,
    UNANSWERABLE,
    TableRow,
)

#: What a matcher says about a question: ("confident", entry), ("weak", first choice) or ("none", None).
Verdict = tuple[str, str | None]

# Held out: written after the matcher was tuned on the test tables, never tuned on and not asserted
# by any test; an honest estimate of how new phrasings fare.
HELD_OUT_ANSWERABLE: tuple[TableRow, ...] = tuple(
    TableRow(question, locale, expected)
    for question, locale, expected in (
        ("행사 몇 시간 동안 해요?", "ko", "when"),
        ("오늘 행사 시작 시간이 언제죠", "ko", "when"),
        ("판교 어디로 가면 돼요", "ko", "venue"),
        ("행사장 건물 이름이 뭐예요", "ko", "venue"),
        ("라이브 어디서 해요", "ko", "watch"),
        ("유튜브 채널 이름 알려줘", "ko", "watch"),
        ("녹화 영상 나중에 볼 수 있어?", "ko", "replay"),
        ("오픈이노베이션이란?", "ko", "open-innovation"),
        ("창조경제혁신센터 몇 곳이에요", "ko", "centers"),
        ("토크콘서트 주제 뭐예요", "ko", "talk-concert"),
        ("강연 끝나는 시간", "ko", "lecture"),
        ("성과공유회 발표하는 센터 어디예요", "ko", "results"),
        ("빛가람 전기차 충전 사업", "ko", "bitgaram"),
        ("인천센터 KT 협업 몇 개 기업", "ko", "incheon"),
        ("부산 파라바라 자판기", "ko", "busan"),
        ("대구 삼성 씨랩", "ko", "daegu"),
        ("광주 자동차 애프터마켓", "ko", "gwangju"),
        ("경기센터 일자리 몇 개 늘었나요", "ko", "gyeonggi"),
        ("연사님께 질문 남기고 싶어요", "ko", "ask-speakers"),
        ("한국어로만 진행해요?", "ko", "language"),
        ("what's the address", "en", "venue"),
        ("is it streamed live", "en", "watch"),
        ("will a recording be posted", "en", "replay"),
        ("what is the talk concert about", "en", "talk-concert"),
        ("when does the lecture end", "en", "lecture"),
        ("who runs the event", "en", "organizer"),
        ("what did Daegu do with Samsung", "en", "daegu"),
        ("tell me about the Jeonnam fishery program", "en", "jeonnam"),
        ("Gyeonggi employment growth", "en", "gyeonggi"),
        ("Lotte partnership in Busan", "en", "busan"),
        ("Triplet Lotte Chilsung R&D", "en", "busan"),
        ("Bitgaram EV charging", "en", "bitgaram"),
        ("is there an interpreter", "en", "language"),
        ("do I need to register to attend", "en", "attend"),
        ("what can the bot do", "en", "bot-help"),
    )
)
HELD_OUT_UNANSWERABLE: tuple[tuple[str, str], ...] = (
    ("화장실 어디예요?", "ko"),
    ("사회자가 누구예요?", "ko"),
    ("입장 마감 시간 있나요?", "ko"),
    ("행사장에 흡연구역 있어요?", "ko"),
    ("물 마실 수 있나요", "ko"),
    ("롯데칠성 신제품 나와요?", "ko"),
    ("Is there a coat check?", "en"),
    ("Will food be served at networking?", "en"),
    ("Who is the MC?", "en"),
    ("Can I get the speaker's email?", "en"),
    ("Is there a livestream on Instagram?", "en"),
    ("How many people will attend?", "en"),
    ("Will the slides be shared after the lecture?", "en"),
    ("What's the hashtag for the event?", "en"),
)

# Prefixes as a viewer types them, keystroke by keystroke (autocomplete calls).
TYPING = [
    "생",
    "생중",
    "생중계",
    "생중계 링",
    "생중계 링크",
    "w",
    "wh",
    "where",
    "where is",
    "토크콘서트 몇",
]
BASELINE_CUTOFFS = (70.0, 80.0, 90.0)


class Baseline:
    """rapidfuzz ``extractOne`` (WRatio) over every entry's questions and keywords."""

    def __init__(self, entries: Sequence[FaqEntry], cutoff: float) -> None:
        self.cutoff = cutoff
        self.choices: list[str] = []
        self.owners: list[str] = []
        for entry in entries:
            for text in (
                entry.question.ko,
                entry.question.en,
                *entry.keywords.ko,
                *entry.keywords.en,
            ):
                self.choices.append(text)
                self.owners.append(entry.id)

    def __call__(self, question: str, locale: str) -> Verdict:
        hit = process.extractOne(
            question, self.choices, scorer=fuzz.WRatio, processor=utils.default_process
        )
        if hit is None or hit[1] < self.cutoff:
            return ("none", None)
        return ("confident", self.owners[hit[2]])


def ours(matcher: FaqMatcher) -> Callable[[str, str], Verdict]:
    def judge(question: str, locale: str) -> Verdict:
        result = matcher.match(question, locale)
        return (result.kind, result.best.entry_id if result.best else None)

    return judge


def answerable_line(judge: Callable[[str, str], Verdict], rows: Sequence[TableRow]) -> str:
    right = wrong = weak = none = 0
    for row in rows:
        kind, entry_id = judge(row.question, row.locale)
        if kind == "confident":
            right += entry_id == row.expected
            wrong += entry_id != row.expected
        elif kind == "weak":
            weak += 1
        else:
            none += 1
    return (
        f"recall {right}/{len(rows)} = {right / len(rows):5.1%}   confident-wrong {wrong:2}   "
        f"did-you-mean {weak:2}   no-match {none:2}"
    )


def unanswerable_line(judge: Callable[[str, str], Verdict], rows: Sequence[tuple[str, str]]) -> str:
    declined = confident = weak = 0
    for question, locale in rows:
        kind, _ = judge(question, locale)
        declined += kind == "none"
        confident += kind == "confident"
        weak += kind == "weak"
    return (
        f"precision {declined}/{len(rows)} = {declined / len(rows):5.1%}   "
        f"confident-wrong {confident:2}   did-you-mean {weak:2}"
    )


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _time_calls(
    call: Callable[[str, str], object], inputs: list[tuple[str, str]], rounds: int
) -> list[float]:
    samples: list[float] = []
    for _ in range(rounds):
        for text, locale in inputs:
            started = time.perf_counter()
            call(text, locale)
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    config = load_config(ROOT / "config" / "event.toml")
    started = time.perf_counter()
    matcher = FaqMatcher(config.faq, config.faq_synonyms)
    build_ms = (time.perf_counter() - started) * 1000

    judges: list[tuple[str, Callable[[str, str], Verdict]]] = [("this matcher", ours(matcher))]
    judges += [
        (f"rapidfuzz WRatio ≥ {cutoff:.0f}", Baseline(config.faq, cutoff))
        for cutoff in BASELINE_CUTOFFS
    ]
    print(
        f"{len(matcher.entries)} entries; tables: {len(ANSWERABLE)} answerable (issue 13), "
        f"{len(ORIGINAL)} answerable (original), {len(UNANSWERABLE)} unanswerable; held out: "
        f"{len(HELD_OUT_ANSWERABLE)} answerable, {len(HELD_OUT_UNANSWERABLE)} unanswerable\n"
    )
    for name, judge in judges:
        print(f"{name}")
        print(f"  answerable (issue 13):  {answerable_line(judge, ANSWERABLE)}")
        print(f"  answerable (original):  {answerable_line(judge, ORIGINAL)}")
        print(f"  unanswerable:           {unanswerable_line(judge, UNANSWERABLE)}")
        print(f"  held-out answerable:    {answerable_line(judge, HELD_OUT_ANSWERABLE)}")
        print(f"  held-out unanswerable:  {unanswerable_line(judge, HELD_OUT_UNANSWERABLE)}")
    offered = sum(
        matcher.match(row.question, row.locale).kind == "weak"
        and row.choices <= {c.entry_id for c in matcher.match(row.question, row.locale).candidates}
        for row in AMBIGUOUS
    )
    print(
        f"ambiguous questions offered both entries as 'did you mean': {offered}/{len(AMBIGUOUS)}\n"
    )

    questions = [(r.question, r.locale) for r in (*ANSWERABLE, *ORIGINAL)] + list(UNANSWERABLE)
    _time_calls(matcher.match, questions, 2)  # warm-up
    match_samples = _time_calls(matcher.match, questions, args.rounds)
    suggest_samples = _time_calls(matcher.suggest, [(p, "ko") for p in TYPING], args.rounds)
    total = sum(match_samples)
    print(f"matcher build: {build_ms:.1f} ms (first build reads the language files)")
    print(
        f"match:   {len(match_samples) / total:,.0f} questions/s   "
        f"p50 {statistics.median(match_samples) * 1e6:.0f} µs   "
        f"p99 {_percentile(match_samples, 0.99) * 1e6:.0f} µs   ({len(match_samples)} calls)"
    )
    print(
        f"suggest: p50 {statistics.median(suggest_samples) * 1e6:.0f} µs   "
        f"p99 {_percentile(suggest_samples, 0.99) * 1e6:.0f} µs   ({len(suggest_samples)} calls)"
    )


if __name__ == "__main__":
    main()
