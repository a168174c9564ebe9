"""FAQ matching: throughput and latency over the default FAQ, and accuracy on the test question table.

Run: ``python benchmarks/faq_matching.py [--rounds N]`` from the repository root. Prints numbers only; it
is not a test (tests/cogs/faq/test_service.py asserts every row).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from cogs.faq._matcher import FaqMatcher  # noqa: E402
from tests.cogs.faq.question_table import ORIGINAL as QUESTION_TABLE  # noqa: E402
from tests.cogs.faq.question_table import UNANSWERABLE  # noqa: E402

OFF_TOPIC = [q for q, _ in UNANSWERABLE]

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


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _time_calls(fn: object, inputs: list[tuple[str, str]], rounds: int) -> list[float]:
    call = fn  # a bound method taking (text, locale)
    samples: list[float] = []
    for _ in range(rounds):
        for text, locale in inputs:
            started = time.perf_counter()
            call(text, locale)  # type: ignore[operator]
            samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    config = load_config(ROOT / "config" / "event.toml")
    started = time.perf_counter()
    matcher = FaqMatcher(config.faq, config.faq_synonyms)
    build_ms = (time.perf_counter() - started) * 1000

    questions = [(row.question, row.locale) for row in QUESTION_TABLE] + [
        (q, "ko") for q in OFF_TOPIC
    ]
    _time_calls(matcher.match, questions, 3)  # warm-up
    match_samples = _time_calls(matcher.match, questions, args.rounds)
    suggest_samples = _time_calls(matcher.suggest, [(p, "ko") for p in TYPING], args.rounds)

    correct = 0
    answered = 0
    for row in QUESTION_TABLE:
        result = matcher.match(row.question, row.locale)
        if result.kind == "confident":
            answered += 1
            if result.best is not None and result.best.entry_id == row.expected:
                correct += 1
    off_topic_none = sum(matcher.match(q, "ko").kind == "none" for q in OFF_TOPIC)

    total = sum(match_samples)
    print(f"entries: {len(matcher.entries)}   matcher build: {build_ms:.1f} ms")
    print(
        f"match:   {len(match_samples) / total:,.0f} questions/s   "
        f"p50 {statistics.median(match_samples) * 1e6:.0f} µs   "
        f"p99 {_percentile(match_samples, 0.99) * 1e6:.0f} µs   "
        f"max {max(match_samples) * 1e6:.0f} µs   ({len(match_samples)} calls)"
    )
    print(
        f"suggest: p50 {statistics.median(suggest_samples) * 1e6:.0f} µs   "
        f"p99 {_percentile(suggest_samples, 0.99) * 1e6:.0f} µs   ({len(suggest_samples)} calls)"
    )
    print(
        f"accuracy on the test table: {correct}/{len(QUESTION_TABLE)} = "
        f"{correct / len(QUESTION_TABLE):.1%} answered correctly and directly "
        f"({answered - correct} wrong direct answers, {len(QUESTION_TABLE) - answered} not direct)"
    )
    print(f"off-topic questions left unmatched: {off_topic_none}/{len(OFF_TOPIC)}")


if __name__ == "__main__":
    main()
