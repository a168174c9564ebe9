"""Usage counts: counted at once, written in batches, nothing lost on close or a failed write."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store import Store
from cogs.faq._store import FaqStore, Outcome, UsageBatch
from cogs.faq._usage import UsageCounts

from .conftest import EVENT_MORNING

NOW = EVENT_MORNING


async def test_uses_are_counted_at_once_and_written_together(faq_store: FaqStore) -> None:
    counts = UsageCounts(faq_store, delay=3600)  # only explicit flushes here
    for _ in range(3):
        counts.add("venue", NOW)
    counts.add("when", NOW + timedelta(seconds=1))
    assert counts.pending == 4
    assert await faq_store.top_used() == []  # nothing written yet: add() never waits for SQLite
    await counts.flush()
    assert counts.pending == 0
    assert await faq_store.top_used() == [("venue", 3), ("when", 1)]
    counts.add("venue", NOW)
    await counts.close()
    assert await faq_store.top_used() == [("venue", 4), ("when", 1)]


async def test_the_timer_writes_a_burst_in_one_statement(faq_store: FaqStore) -> None:
    written: list[UsageBatch] = []
    add_uses = faq_store.add_uses

    async def recording(batch: UsageBatch) -> None:
        written.append(dict(batch))
        await add_uses(batch)

    faq_store.add_uses = recording  # type: ignore[method-assign]
    counts = UsageCounts(faq_store, delay=0)
    counts.add("venue", NOW)
    counts.add("venue", NOW)
    counts.add("when", NOW)  # all before the timer's task runs
    assert counts._timer is not None
    await counts._timer
    assert written == [{"venue": (2, NOW), "when": (1, NOW)}]
    assert await faq_store.top_used() == [("venue", 2), ("when", 1)]


async def test_a_failed_write_keeps_the_counts_for_the_next(faq_store: FaqStore) -> None:
    add_uses = faq_store.add_uses
    fail = True

    async def flaky(batch: UsageBatch) -> None:
        if fail:
            raise OSError("database or disk is full")
        await add_uses(batch)

    faq_store.add_uses = flaky  # type: ignore[method-assign]
    counts = UsageCounts(faq_store, delay=3600)
    counts.add("venue", NOW)
    with pytest.raises(OSError, match="disk is full"):
        await counts.flush()
    counts.add("venue", NOW + timedelta(seconds=5))
    assert counts.pending == 2
    fail = False
    await counts.close()
    assert await faq_store.top_used() == [("venue", 2)]


async def test_counts_survive_a_close_and_reopen(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    counts = UsageCounts(FaqStore(store), delay=3600)
    for entry_id in ("venue", "venue", "watch"):
        counts.add(entry_id, NOW)
    await counts.close()  # the feature's stop
    await store.close()
    reopened = await Store.open(tmp_path)
    try:
        assert await FaqStore(reopened).top_used() == [("venue", 2), ("watch", 1)]
    finally:
        await reopened.close()


async def test_concurrent_flushes_never_write_twice(faq_store: FaqStore) -> None:
    counts = UsageCounts(faq_store, delay=3600)
    counts.add("venue", NOW)
    await asyncio.gather(counts.flush(), counts.flush(), counts.close())
    assert await faq_store.top_used() == [("venue", 1)]


async def test_did_you_mean_outcomes_are_counted_and_written_with_the_uses(
    faq_store: FaqStore,
) -> None:
    add_outcomes = faq_store.add_outcomes
    fail = True

    async def flaky(counts: Mapping[Outcome, int]) -> None:
        if fail:
            raise OSError("database or disk is full")
        await add_outcomes(counts)

    faq_store.add_outcomes = flaky  # type: ignore[method-assign]
    counts = UsageCounts(faq_store, delay=3600)
    counts.add_outcome("suggested")
    counts.add_outcome("suggested")
    counts.add_outcome("picked")
    counts.add("daegu", NOW)
    with pytest.raises(OSError, match="disk is full"):
        await counts.flush()
    # The uses were written; the outcomes wait for the next write.
    assert await faq_store.top_used() == [("daegu", 1)]
    assert (await faq_store.outcomes()).suggested == 0
    counts.add_outcome("suggested")
    fail = False
    await counts.close()
    outcomes = await faq_store.outcomes()
    assert (outcomes.answered, outcomes.suggested, outcomes.picked) == (1, 3, 1)
    assert outcomes.suggested_only == 2
