"""Background work a feature starts: kept, its failure logged, waited for or cancelled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.tasks import BackgroundTasks

log = logging.getLogger("tests.tasks")


async def test_a_failure_is_logged_with_what_it_was_and_settle_waits_for_chained_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = BackgroundTasks("feature", log)
    done: list[str] = []

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        done.append("first")
        tasks.spawn(second(), "the second step")
        raise RuntimeError("boom")

    tasks.spawn(first(), "the first step")
    await tasks.settle()
    assert done == ["first", "second"]
    assert not tasks.pending()
    [record] = [r for r in caplog.records if r.name == "tests.tasks"]
    assert record.getMessage() == "feature: the first step failed"
    assert record.exc_info is not None


async def test_cancel_stops_work_under_way() -> None:
    tasks = BackgroundTasks("feature", log)
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    tasks.spawn(forever(), "waiting")
    await started.wait()
    [task] = tasks.pending()
    tasks.cancel()
    await tasks.settle()
    assert task.cancelled()
