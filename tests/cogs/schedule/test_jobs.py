"""ReminderScheduler: decisions with a frozen clock and jobs fired by hand, and timing on a real
AsyncIOScheduler with a compressed clock.

The timed program: two 30-second sessions at 13:00:00 and 13:00:30 with reminders 20 s before and
at the start. The clock runs 20x faster from 12:59:39, so the reminders fall due 0.05 s, 1.05 s,
1.55 s and 2.55 s (real) after the clock starts. Every margin is at least 1 s real, so a loaded CI
machine that runs a job a second late changes nothing: 20 event seconds still count as on time,
no reminder of a session is superseded by the next one, and no session is over. The timing
asserts are sanity checks; ``benchmarks/schedule_skew.py`` measures the skew.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, FrozenClock, ScaledClock
from bot.config import Config
from bot.program import effective_program
from bot.store import Store
from cogs.schedule._jobs import (
    DEFAULT_TARGET,
    DM_TARGET,
    DayBoundary,
    Delivery,
    ReminderNotSent,
    ReminderScheduler,
    guild_target,
    target_guild_id,
)
from cogs.schedule._ledger import PendingIntent, ScheduleLedger
from cogs.schedule._reminders import LedgerState, ReminderPlan, Send, SendLate, Skip
from tests.cogs.schedule.conftest import RecordingSender
from tests.programs import SteppedClock, make_config

SEOUL = ZoneInfo("Asia/Seoul")
SPEED = 20.0
#: Real seconds a job may run after its due time in these tests (the issue allows 2 s).
TOLERANCE = 1.0
#: Event time that still counts as on time: TOLERANCE at SPEED.
ON_TIME = timedelta(seconds=TOLERANCE * SPEED)
#: Jobs never run early; allow for the two clocks' rounding.
EARLY = 0.02


def tiny_config(grace: str = "1m") -> Config:
    return make_config(
        program=[("a", "13:00:00", "13:00:10"), ("b", "13:00:10", "13:00:20")],
        before=["4s", "0s"],
        grace=grace,
    )


def plan_for(
    config: Config, version: int = 1, shifts: dict[str, timedelta] | None = None
) -> ReminderPlan:
    return ReminderPlan.build(effective_program(config, shifts), config.reminders.before, version)


def timed_config() -> Config:
    return make_config(
        program=[("a", "13:00:00", "13:00:30"), ("b", "13:00:30", "13:01:00")],
        before=["20s", "0s"],
        grace="1m",
    )


def start_clock() -> ScaledClock:
    return ScaledClock(datetime(2022, 12, 15, 12, 59, 39, tzinfo=SEOUL), SPEED)


def at(hour: int, minute: int, second: int = 0) -> FrozenClock:
    return FrozenClock(datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL))


@pytest.fixture
async def scheduler() -> AsyncIterator[AsyncIOScheduler]:
    sched = AsyncIOScheduler(timezone=UTC)
    sched.start()
    yield sched
    sched.shutdown(wait=False)


def make_reminders(
    scheduler: AsyncIOScheduler,
    clock: Clock,
    ledger: ScheduleLedger,
    send: RecordingSender,
    config: Config,
) -> ReminderScheduler:
    return ReminderScheduler(
        scheduler,
        clock,
        ledger,
        send,
        grace=config.reminders.grace,
        on_time=ON_TIME,
    )


def due_monotonic(clock: ScaledClock, due: datetime) -> float:
    """The monotonic instant at which event time ``due`` is reached on ``clock``."""
    return time.monotonic() + (due - clock.now()).total_seconds() / SPEED


async def test_every_reminder_fires_once_and_on_time(
    scheduler: AsyncIOScheduler, ledger: ScheduleLedger
) -> None:
    config = timed_config()
    clock = start_clock()
    sender = RecordingSender()
    reminders = make_reminders(scheduler, clock, ledger, sender, config)
    plan = plan_for(config)
    dues = {r.key: due_monotonic(clock, r.due) for r in plan.reminders}
    report = await reminders.start(plan, lookup=None)
    assert len(report.rebuild.scheduled) == 4
    assert reminders.job_ids() == sorted(r.job_id for r in plan.reminders)
    await sender.wait_for(4)
    await reminders.drain(5)
    assert reminders.job_ids() == []  # date jobs go away once run: nothing else can arrive
    assert sorted(sender.keys) == sorted(r.key for r in plan.reminders)
    for delivery, received in sender.received:
        assert not delivery.late
        due = dues[delivery.reminder.key]
        assert due - EARLY <= received < due + TOLERANCE
        assert len(delivery.nonce) <= 25
    states = await ledger.states(DEFAULT_TARGET)
    assert len(states) == 4
    assert all(state is LedgerState.SENT for state in states.values())


async def test_delay_moves_jobs_and_old_times_stay_silent(
    scheduler: AsyncIOScheduler, ledger: ScheduleLedger
) -> None:
    config = timed_config()
    clock = start_clock()
    sender = RecordingSender()
    reminders = make_reminders(scheduler, clock, ledger, sender, config)
    await reminders.start(plan_for(config), lookup=None)
    await sender.wait_for(1)  # a/20s went out
    # Session a moves 10 event seconds (0.5 s real) later, b stays: a/20s is not repeated, a/0s
    # moves from 13:00:00 to 13:00:10.
    shifted = plan_for(config, 2, {"a": timedelta(seconds=10)})
    old, new = plan_for(config).get(("a", 0)), shifted.get(("a", 0))
    assert old is not None
    assert new is not None
    old_a0, new_a0 = due_monotonic(clock, old.due), due_monotonic(clock, new.due)
    report = await reminders.rebuild(shifted)
    assert {r.key for r in report.scheduled} == {("a", 0), ("b", 20), ("b", 0)}
    assert all(job.endswith(":v2") for job in reminders.job_ids())
    await sender.wait_for(4)
    await reminders.drain(5)
    assert reminders.job_ids() == []
    assert sorted(sender.keys) == sorted([("a", 20), ("a", 0), ("b", 20), ("b", 0)])
    (a0, a0_received) = next(r for r in sender.received if r[0].reminder.key == ("a", 0))
    assert a0.reminder.version == 2
    # Jobs never run early, so a post before the new time would have been the old job's.
    assert a0_received >= new_a0 - EARLY > old_a0 + 0.4
    assert a0_received < new_a0 + TOLERANCE


async def test_restart_before_a_due_reminder_delivers_it_once_late(tmp_path: Path) -> None:
    # One two-minute session: a/0s missed while down is posted late, well before the session ends.
    config = make_config(program=[("a", "13:00", "13:02")], before=["20s", "0s"], grace="5m")
    clock = SteppedClock(datetime(2022, 12, 15, 12, 59, 39, tzinfo=SEOUL), SPEED)
    sender = RecordingSender()

    store = await Store.open(tmp_path)
    sched = AsyncIOScheduler(timezone=UTC)
    sched.start()
    first = make_reminders(sched, clock, ScheduleLedger(store.db), sender, config)
    await first.start(plan_for(config), lookup=None)
    await sender.wait_for(1)  # a/20s
    # The bot goes down right after a/20s; while it is down a minute passes and a/0s falls due.
    sched.shutdown(wait=False)
    await first.drain(5)
    await store.close()
    clock.jump(timedelta(minutes=1))

    store = await Store.open(tmp_path)
    sched = AsyncIOScheduler(timezone=UTC)
    sched.start()
    try:
        second = make_reminders(sched, clock, ScheduleLedger(store.db), sender, config)
        restarted = time.monotonic()
        report = await second.start(plan_for(config), lookup=None)
        assert [r.key for r in report.rebuild.catch_up] == [("a", 0)]
        await sender.wait_for(2)
        await second.drain(5)
        assert second.job_ids() == []
        assert sender.keys == [("a", 20), ("a", 0)]
        late, received = sender.received[1]
        assert late.late
        assert late.lateness > ON_TIME
        assert received - restarted < 5.0  # the issue allows 10 s
    finally:
        sched.shutdown(wait=False)
        await store.close()


async def test_restart_beyond_grace_skips(ledger: ScheduleLedger) -> None:
    config = tiny_config(grace="1s")
    # Start "after a restart" at 13:00:03: a/4s (12:59:56) is beyond grace, a/0s is 3 s late.
    clock = at(13, 0, 3)
    sender = RecordingSender()
    reminders = make_reminders(AsyncIOScheduler(timezone=UTC), clock, ledger, sender, config)
    report = await reminders.start(plan_for(config), lookup=None)
    assert report.rebuild.catch_up == []
    assert {(r.key, reason) for r, _, reason in report.rebuild.skipped} == {
        (("a", 4), "too_late"),
        (("a", 0), "too_late"),
    }
    states = await ledger.states(DEFAULT_TARGET)
    assert states[("a", 0)] is LedgerState.SKIPPED


async def test_crash_between_send_and_record_is_not_repeated(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0, 1)
    plan = plan_for(config)
    a0 = plan.get(("a", 0))
    assert a0 is not None
    # Previous run: claimed a/0s and posted it, then died before mark_sent.
    nonce = a0.nonce(await ledger.salt(), DEFAULT_TARGET)
    await ledger.claim(DEFAULT_TARGET, a0, nonce, now=clock.now(), late=False)
    posted = {nonce: 555}

    async def lookup(intent: PendingIntent) -> int | None:
        return posted.get(intent.nonce)

    sender = RecordingSender()
    sched = AsyncIOScheduler(timezone=UTC)  # never started: fire() by hand
    reminders = make_reminders(sched, clock, ledger, sender, config)
    report = await reminders.start(plan, lookup=lookup)
    assert [i.key for i in report.reconcile.found] == [("a", 0)]
    assert report.rebuild.catch_up == []
    assert a0.job_id not in reminders.job_ids()
    assert await reminders.fire(a0, catch_up=True) == {DEFAULT_TARGET: Skip("already_sent")}
    assert sender.received == []


async def test_crash_before_the_send_happened_is_sent_late(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0, 3)
    plan = plan_for(config)
    a0 = plan.get(("a", 0))
    assert a0 is not None
    await ledger.claim(DEFAULT_TARGET, a0, "nonce", now=clock.now(), late=False)

    async def lookup(intent: PendingIntent) -> int | None:
        return None  # the channel has no message with that marker

    sender = RecordingSender()
    sched = AsyncIOScheduler(timezone=UTC)  # never started: fire() by hand
    reminders = ReminderScheduler(
        sched, clock, ledger, sender, grace=config.reminders.grace, on_time=timedelta(seconds=1)
    )
    report = await reminders.start(plan, lookup=lookup)
    assert [i.key for i in report.reconcile.released] == [("a", 0)]
    assert [r.key for r in report.rebuild.catch_up] == [("a", 0)]
    await reminders.fire(a0, catch_up=True)
    assert [(d.reminder.key, d.late) for d, _ in sender.received] == [(("a", 0), True)]


async def test_racing_deliveries_post_once(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0)
    sender = RecordingSender()
    sched = AsyncIOScheduler(timezone=UTC)  # never started: fire() is called directly
    reminders = make_reminders(sched, clock, ledger, sender, config)
    plan = plan_for(config)
    await reminders.rebuild(plan)
    a0 = plan.get(("a", 0))
    assert a0 is not None
    results = await asyncio.gather(*(reminders.fire(a0) for _ in range(5)))
    assert sum(isinstance(r[DEFAULT_TARGET], Send) for r in results) == 1
    assert sender.keys == [("a", 0)]


async def test_stale_job_from_an_old_version_is_silent(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0)
    sender = RecordingSender()
    reminders = make_reminders(AsyncIOScheduler(timezone=UTC), clock, ledger, sender, config)
    old = plan_for(config)
    await reminders.rebuild(plan_for(config, 2, {"a": timedelta(seconds=30)}))
    assert await reminders.fire(old.reminders[1]) == {}
    assert sender.received == []


async def test_paused_reminders_are_skipped_and_recorded(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0)
    sender = RecordingSender()
    reminders = make_reminders(AsyncIOScheduler(timezone=UTC), clock, ledger, sender, config)
    plan = plan_for(config)
    await reminders.rebuild(plan)
    assert await reminders.pause()
    assert not await reminders.pause()
    a0 = plan.get(("a", 0))
    assert a0 is not None
    assert await reminders.fire(a0) == {DEFAULT_TARGET: Skip("paused")}
    assert await ledger.state(DEFAULT_TARGET, a0.key) is LedgerState.SKIPPED
    assert await reminders.resume()
    preview = await reminders.preview(5)
    assert [r.key for r in preview] == [("b", 4), ("b", 0)]
    assert sender.received == []


async def test_definite_send_failure_releases_the_claim(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0)
    calls = 0

    async def failing(delivery: Delivery) -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ReminderNotSent("channel not found")
        raise TimeoutError("no answer")

    reminders = ReminderScheduler(
        AsyncIOScheduler(timezone=UTC), clock, ledger, failing, grace=timedelta(minutes=1)
    )
    plan = plan_for(config)
    await reminders.rebuild(plan)
    a0 = plan.get(("a", 0))
    assert a0 is not None
    await reminders.fire(a0)
    assert await ledger.state(DEFAULT_TARGET, a0.key) is LedgerState.NONE  # may be retried
    await reminders.fire(a0)
    assert await ledger.state(DEFAULT_TARGET, a0.key) is LedgerState.INTENT  # kept for reconcile
    await reminders.fire(a0)
    assert calls == 2


async def test_day_boundaries_call_the_hook(
    scheduler: AsyncIOScheduler, ledger: ScheduleLedger
) -> None:
    config = tiny_config()
    # 13:00:15: the day started 15 s ago (start hook runs now), it ends at 13:00:20 (0.25 s real).
    clock = ScaledClock(datetime(2022, 12, 15, 13, 0, 15, tzinfo=SEOUL), SPEED)
    calls: list[str] = []
    both = asyncio.Event()

    async def boundary(kind: DayBoundary) -> None:
        calls.append(kind)
        if len(calls) == 2:
            both.set()

    reminders = ReminderScheduler(
        scheduler,
        clock,
        ledger,
        RecordingSender(),
        grace=timedelta(minutes=1),
        boundary=boundary,
    )
    await reminders.start(plan_for(config), lookup=None)
    async with asyncio.timeout(10):
        await both.wait()
    assert calls == ["start", "end"]


async def test_each_target_gets_each_reminder_once(ledger: ScheduleLedger) -> None:
    config = tiny_config()
    clock = at(13, 0)
    sender = RecordingSender()
    targets = [guild_target(1), guild_target(2), DM_TARGET]

    async def current_targets() -> list[str]:
        return targets

    reminders = ReminderScheduler(
        AsyncIOScheduler(timezone=UTC),
        clock,
        ledger,
        sender,
        grace=timedelta(minutes=1),
        targets=current_targets,
    )
    plan = plan_for(config)
    await reminders.rebuild(plan)
    a0 = plan.get(("a", 0))
    assert a0 is not None
    await reminders.fire(a0)
    await reminders.fire(a0)
    assert sorted(d.target for d, _ in sender.received) == sorted(targets)
    assert sorted(d.guild_id or 0 for d, _ in sender.received) == [0, 1, 2]
    assert len({d.nonce for d, _ in sender.received}) == 3
    # A server set up later gets the reminders from then on, independently.
    targets.append(guild_target(3))
    await reminders.fire(a0)
    assert [d.target for d, _ in sender.received[3:]] == ["guild:3"]
    assert target_guild_id("guild:42") == 42
    assert target_guild_id(DM_TARGET) is None


async def test_reminders_keep_their_jobs_until_a_target_is_set_up(
    scheduler: AsyncIOScheduler, ledger: ScheduleLedger
) -> None:
    config = timed_config()
    sender = RecordingSender()
    targets: list[str] = []

    async def current_targets() -> list[str]:
        return targets

    reminders = ReminderScheduler(
        scheduler,
        start_clock(),
        ledger,
        sender,
        grace=config.reminders.grace,
        on_time=ON_TIME,
        targets=current_targets,
    )
    report = await reminders.start(plan_for(config), lookup=None)
    assert len(report.rebuild.scheduled) == 4  # nowhere to post yet, but the jobs wait
    targets.append(guild_target(1))  # a moderator sets up the announce channel
    await sender.wait_for(1)
    assert [(d.reminder.key, d.target) for d, _ in sender.received] == [(("a", 20), "guild:1")]


async def test_catch_up_jobs_run_at_the_clocks_real_time_for_now(ledger: ScheduleLedger) -> None:
    # A frozen clock in 2022 maps event time to itself: the catch-up job's run date comes from it,
    # not from the machine's wall clock.
    config = tiny_config()
    clock = FrozenClock(datetime(2022, 12, 15, 13, 0, 3, tzinfo=SEOUL))
    sched = AsyncIOScheduler(timezone=UTC)  # never started: the jobs stay pending
    reminders = make_reminders(sched, clock, ledger, RecordingSender(), config)
    report = await reminders.rebuild(plan_for(config))
    (caught_up,) = report.catch_up
    job = sched.get_job(caught_up.job_id)
    assert job is not None
    assert job.trigger.run_date == clock.real_time(clock.now())


async def test_a_post_that_certainly_failed_is_retried_a_minute_later_within_grace(
    ledger: ScheduleLedger,
) -> None:
    config = make_config(program=[("a", "13:00", "13:30")], before=["0s"], grace="5m")
    clock = FrozenClock(datetime(2022, 12, 15, 13, 0, 0, tzinfo=SEOUL))
    sender = RecordingSender()
    failures = [ReminderNotSent("403 Missing Permissions")]

    async def send(delivery: Delivery) -> int:
        if failures:
            raise failures.pop()
        return await sender(delivery)

    sched = AsyncIOScheduler(timezone=UTC)  # never started: jobs stay pending, fire() by hand
    reminders = ReminderScheduler(sched, clock, ledger, send, grace=config.reminders.grace)
    plan = plan_for(config)
    await reminders.rebuild(plan)
    (a0,) = plan.reminders
    await reminders.fire(a0)
    assert await ledger.state(DEFAULT_TARGET, a0.key) is LedgerState.NONE
    retry = sched.get_job(f"{a0.job_id}:retry")
    assert retry is not None
    assert retry.trigger.run_date == clock.real_time(a0.due + timedelta(minutes=1))

    # The retry runs through decide() like any job: a minute late, so marked late.
    clock.advance(timedelta(minutes=1, seconds=1))
    job_reminder, catch_up = retry.args
    assert (job_reminder, catch_up) == (a0, True)
    decisions = await reminders.fire(job_reminder, catch_up=catch_up)
    assert isinstance(decisions[DEFAULT_TARGET], SendLate)
    (delivery,) = [d for d, _ in sender.received]
    assert delivery.late
    assert await ledger.state(DEFAULT_TARGET, a0.key) is LedgerState.SENT


async def test_no_retry_once_the_reminder_would_be_beyond_grace(ledger: ScheduleLedger) -> None:
    config = make_config(program=[("a", "13:00", "13:30")], before=["0s"], grace="1m")
    clock = FrozenClock(datetime(2022, 12, 15, 13, 0, 30, tzinfo=SEOUL))

    async def send(delivery: Delivery) -> int:
        raise ReminderNotSent("404 Unknown Channel")

    sched = AsyncIOScheduler(timezone=UTC)
    reminders = ReminderScheduler(sched, clock, ledger, send, grace=config.reminders.grace)
    plan = plan_for(config)
    await reminders.rebuild(plan)
    (a0,) = plan.reminders
    await reminders.fire(a0)
    assert sched.get_job(f"{a0.job_id}:retry") is None  # 13:01:30 would be 90 s late
