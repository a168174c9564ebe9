"""ScheduleService: delay end to end through the ledger and the scheduler (no Discord)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import FrozenClock
from bot.i18n import Catalog
from bot.program import DelayRefusal, program_fingerprint
from bot.store import Store
from cogs.schedule._jobs import DEFAULT_TARGET, Delivery
from cogs.schedule._ledger import ScheduleLedger
from cogs.schedule._reminders import LedgerState
from cogs.schedule._service import DelayApplied, ScheduleService
from tests.schedule.conftest import RecordingSender, make_config

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, tzinfo=SEOUL)


def service(store: Store, clock: FrozenClock, sender: RecordingSender) -> ScheduleService:
    return ScheduleService(
        make_config(),
        clock,
        ScheduleLedger(store.db),
        AsyncIOScheduler(timezone=UTC),  # not started: jobs stay pending, we fire by hand
        sender,
        Catalog.load().t,
    )


async def test_delay_shifts_jobs_persists_and_survives_restart(tmp_path: Path) -> None:
    clock = FrozenClock(seoul(13, 30))
    sender = RecordingSender()
    store = await Store.open(tmp_path)
    svc = service(store, clock, sender)
    await svc.start(lookup=None)
    assert svc.version == 1
    before = svc.reminders.job_ids()
    assert "reminder:talk-concert:600:v1" in before

    result = await svc.delay(15, guild_id=1, user_id=2)
    assert isinstance(result, DelayApplied)
    assert result.version == 2
    assert [m.session_id for m in result.plan.moved] == ["talk-concert", "results", "networking"]
    assert svc.sessions[1].local_start == seoul(14, 15)
    after = svc.reminders.job_ids()
    assert all(job.endswith(":v2") for job in after)
    assert not set(before) & set(after)  # the old times can never fire
    notice = svc.texts.delay_notice(result.plan, result.sessions, "en")
    assert "14:15" in (notice.embed.description if notice.embed else "")
    await store.close()

    # Restart: the delay and the version come back from the ledger.
    store = await Store.open(tmp_path)
    try:
        again = service(store, clock, sender)
        await again.start(lookup=None)
        assert again.version == 2
        assert again.sessions[1].local_start == seoul(14, 15)
        assert again.sessions[0].local_start == seoul(13)  # it was running: not moved
    finally:
        await store.close()


async def test_refused_delay_changes_nothing(store: Store) -> None:
    clock = FrozenClock(seoul(13, 30))
    svc = service(store, clock, RecordingSender())
    await svc.start(lookup=None)
    jobs = svc.reminders.job_ids()
    result = await svc.delay(-15, guild_id=1, user_id=2)
    assert isinstance(result, DelayRefusal)
    assert result.reason == "overlap"
    assert svc.version == 1
    assert svc.reminders.job_ids() == jobs
    assert await svc.ledger.changes() == []


async def test_sent_reminder_is_not_repeated_after_a_delay(store: Store) -> None:
    clock = FrozenClock(seoul(12, 30))
    sender = RecordingSender()
    svc = service(store, clock, sender)
    await svc.start(lookup=None)
    first = svc.reminders.plan.get(("lecture", 1800))
    assert first is not None
    await svc.reminders.fire(first)
    assert sender.keys == [("lecture", 1800)]
    clock.set(seoul(12, 35))
    result = await svc.delay(10, guild_id=1, user_id=2)
    assert isinstance(result, DelayApplied)
    moved = svc.reminders.plan.get(("lecture", 1800))
    assert moved is not None
    assert moved.due == seoul(12, 40).astimezone(UTC)
    clock.set(seoul(12, 40))
    decisions = await svc.reminders.fire(moved)
    assert sender.keys == [("lecture", 1800)]
    assert decisions[DEFAULT_TARGET].reason == "already_sent"  # type: ignore[union-attr]
    states = await svc.ledger.states(DEFAULT_TARGET)
    assert states[("lecture", 1800)] is LedgerState.SENT


async def test_config_edit_bumps_the_version(store: Store) -> None:
    ledger = ScheduleLedger(store.db)
    now = seoul(9)
    await ledger.note_program(program_fingerprint(make_config()), now=now)
    edited = make_config(program=[("lecture", "13:10", "13:50")])
    assert program_fingerprint(edited) != program_fingerprint(make_config())
    assert await ledger.note_program(program_fingerprint(edited), now=now) == 2


async def test_ics_state_and_pause(store: Store) -> None:
    clock = FrozenClock(seoul(13, 10))
    svc = service(store, clock, RecordingSender())
    await svc.start(lookup=None)
    name, data = svc.ics("en")
    assert name.endswith(".ics")
    assert len(icalendar.Calendar.from_ical(data).walk("VEVENT")) == 4
    current, upcoming = svc.current_and_next()
    assert (svc.version, svc.paused) == (1, False)
    assert (current and current.id, upcoming and upcoming.id) == ("lecture", "talk-concert")
    # 9 ahead + the "lecture started 10 min ago" catch-up
    assert len(svc.reminders.job_ids()) == 10
    assert await svc.pause()
    assert svc.paused
    preview = [r.key for r in await svc.preview(3)]
    assert preview == [("lecture", 0), ("talk-concert", 1800), ("talk-concert", 600)]
    assert await svc.resume()
    spec = svc.event_spec("en")
    assert spec.start == seoul(13).astimezone(UTC)
    assert spec.end - spec.start == timedelta(hours=3, minutes=30)


async def test_stop_waits_at_most_a_second_for_a_post_under_way(store: Store) -> None:
    # The core gives bot.close() 4 s and the live relay up to 3 s of them.
    entered, release = asyncio.Event(), asyncio.Event()

    async def hanging(delivery: Delivery) -> int:
        entered.set()
        await release.wait()
        return 1

    scheduler = AsyncIOScheduler(timezone=UTC)
    svc = ScheduleService(
        make_config(),
        FrozenClock(seoul(13)),  # "lecture starts now" is due: a catch-up job runs at once
        ScheduleLedger(store.db),
        scheduler,
        hanging,
        Catalog.load().t,
    )
    await svc.start(lookup=None)
    scheduler.start()
    drain = svc.reminders.drain
    try:
        async with asyncio.timeout(5):
            await entered.wait()
        waited: list[float] = []

        async def recording_drain(seconds: float) -> None:
            waited.append(seconds)
            await drain(seconds)

        svc.reminders.drain = recording_drain  # type: ignore[method-assign]
        async with asyncio.timeout(5):
            await svc.stop()
        assert waited == [1.0]
        assert svc.reminders.job_ids() == []
    finally:
        release.set()
        await drain(5)  # let the post finish before the store closes
        scheduler.shutdown(wait=False)
