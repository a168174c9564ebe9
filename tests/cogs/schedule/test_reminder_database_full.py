"""The database cannot be written when a reminder falls due (issue 11): nothing is claimed and
nothing posted, the moderators hear of it at once, and the retry posts it once, late within grace,
when there is room again.

Fired by hand as in ``test_feature.py``: the clock runs at real speed from 12:00.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn
from bot.store import Store
from cogs.schedule._reminders import LedgerState
from tests.bot.ops.test_storage import fill_up, make_room, storage_notices
from tests.cogs.schedule.conftest import feature_of
from tests.cogs.schedule.test_feature import named, planned, reminder_posts, two_sessions
from tests.conftest import Launcher
from tests.programs import SteppedClock, seoul

FILLER = "test-filler"


async def fill_the_ledger(store: Store) -> None:
    """A full disk for the ledger: every free page taken (``fill_up``), then the ledger's own
    pages filled with tiny rows, so the claim of a reminder needs a page SQLite cannot have."""
    await fill_up(store)
    with pytest.raises(sqlite3.OperationalError, match="full"):
        await add_ledger_rows_until_it_fails(store)


async def add_ledger_rows_until_it_fails(store: Store) -> None:
    for n in range(10_000):
        await store.db.execute(
            "INSERT INTO schedule_reminder_ledger (target, session_id, offset_seconds, version,"
            " state, nonce, due_at, claimed_at) VALUES (?, ?, 0, 0, 'skipped', '', '', '')",
            (FILLER, str(n)),
        )


async def room_again(store: Store) -> None:
    await store.db.execute("DELETE FROM schedule_reminder_ledger WHERE target = ?", (FILLER,))
    await make_room(store)


async def test_a_reminder_due_while_the_database_is_full_is_posted_once_late_when_room_is_back(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    running = await launch(config=two_sessions(event_config), clock=clock)
    feature = feature_of(running)
    store = running.bot.services.store
    target = f"guild:{standin.guild_id}"
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))  # 12:50: a/10 is due
    await fill_the_ledger(store)

    assert named((await feature.remind(a10))[target]) == "Skip(error)"
    assert reminder_posts(standin) == []
    assert await feature.store.state(target, a10.key) == LedgerState.NONE
    assert len(storage_notices(standin)) == 1  # told at once, not at the watch's next round
    retry = running.bot.services.scheduler.get_job(f"{a10.job_id}:retry")
    assert retry is not None
    assert retry.args == (a10, True)

    # Still full a minute on: the retry posts nothing and schedules the next one.
    clock.jump(timedelta(minutes=1))
    assert named((await feature.remind(a10, True))[target]) == "Skip(error)"
    assert reminder_posts(standin) == []
    assert len(storage_notices(standin)) == 1

    await room_again(store)
    clock.jump(timedelta(minutes=1))  # 12:52: the retry APScheduler would run now
    assert named((await feature.remind(a10, True))[target]) == "SendLate"
    [posted] = reminder_posts(standin)
    assert "(늦은 알림)" in posted["content"]
    (entry,) = await feature.store.entries(target)
    assert (entry.state, entry.message_id, entry.late) == (
        LedgerState.SENT,
        int(posted["id"]),
        True,
    )
    # Another run of the same job finds it posted.
    assert named((await feature.remind(a10, True))[target]) == "Skip(already_sent)"
    assert len(reminder_posts(standin)) == 1
