"""ScheduleFeature through the real bot against the Discord stand-in, with reminders fired by hand.

The clock runs at real speed from 12:00 (the program starts at 13:00), so no job runs by itself
during a test: a test jumps the clock to a reminder's due time and calls ``feature.remind`` the way
APScheduler would. The end-to-end tests beside this one let the jobs run on a compressed clock.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from bot.config import Config
from bot.program import DelayRefusal
from bot.rehearsal.discord_standin import DiscordStandIn
from cogs.schedule._feature import ScheduleFeature
from cogs.schedule._reminders import LedgerState, Reminder
from tests.cogs.schedule.conftest import feature_of, is_reminder
from tests.conftest import Launcher
from tests.programs import SteppedClock, compressed, seoul

MESSAGES = "/channels/{channel_id}/messages"


def two_sessions(config: Config) -> Config:
    """a 13:00-13:30 and b 13:30-14:00, reminders 10 minutes before and at the start."""
    return compressed(
        config, [("a", "13:00", "13:30"), ("b", "13:30", "14:00")], before=["10m", "0s"]
    )


def planned(feature: ScheduleFeature, session_id: str, minutes: int) -> Reminder:
    found = feature.plan.get((session_id, minutes * 60))
    assert found is not None
    return found


def named(decision: object) -> str:
    """A decision as text: after a restart the bot's classes are not this module's (feature_of)."""
    reason = getattr(decision, "reason", "")
    return type(decision).__name__ + (f"({reason})" if reason else "")


def reminder_posts(standin: DiscordStandIn) -> list[dict[str, object]]:
    return [m for m in standin.messages("announce") if is_reminder(m)]


async def test_racing_jobs_post_once_and_a_delay_never_repeats_a_post(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    feature = feature_of(await launch(config=two_sessions(event_config), clock=clock))
    target = f"guild:{standin.guild_id}"
    a10 = planned(feature, "a", 10)

    clock.jump(timedelta(minutes=50))  # 12:50: a/10 is due
    results = await asyncio.gather(*(feature.remind(a10) for _ in range(5)))
    assert (
        sorted(named(result[target]) for result in results) == ["Send"] + ["Skip(already_sent)"] * 4
    )
    assert len(reminder_posts(standin)) == 1
    assert await feature.store.state(target, a10.key) == LedgerState.SENT

    # +10 min moves a (not started) to 13:10: its 10-minute reminder is now due at 13:00, and
    # the job of the old time is stale.
    applied = await feature.delay(10, guild_id=standin.guild_id, user_id=1)
    assert not isinstance(applied, DelayRefusal)
    assert (applied.version_before, applied.version) == (1, 2)
    assert all(job.endswith(":v2") for job in feature.job_ids())
    assert await feature.remind(a10) == {}
    moved = planned(feature, "a", 10)
    assert moved.due == a10.due + timedelta(minutes=10)
    clock.jump(timedelta(minutes=10))  # 13:00
    assert named((await feature.remind(moved))[target]) == "Skip(already_sent)"
    assert len(reminder_posts(standin)) == 1


async def test_a_delay_persists_across_a_restart(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    config = two_sessions(event_config)
    clock = SteppedClock(seoul(13, 10), 1.0)  # a is on, b is next
    first = await launch(config=config, clock=clock, data_dir=tmp_path / "data")
    feature = feature_of(first)
    before = feature.job_ids()
    assert "reminder:b:600:v1" in before

    refused = await feature.delay(-25, guild_id=standin.guild_id, user_id=1)
    assert isinstance(refused, DelayRefusal)
    assert refused.reason == "overlap"
    assert (feature.version, feature.job_ids()) == (1, before)

    applied = await feature.delay(15, guild_id=standin.guild_id, user_id=1)
    assert not isinstance(applied, DelayRefusal)
    assert [m.session_id for m in applied.plan.moved] == ["b"]
    after = feature.job_ids()
    assert not set(before) & set(after)  # the old times can never fire
    await first.stop()

    second = feature_of(await launch(config=config, clock=clock, data_dir=tmp_path / "data"))
    assert second.version == 2
    assert [s.local_start for s in second.program] == [seoul(13), seoul(13, 45)]
    assert second.job_ids() == after


async def test_a_refused_post_is_released_and_retried_a_minute_later(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    running = await launch(config=two_sessions(event_config), clock=clock)
    feature = feature_of(running)
    target = f"guild:{standin.guild_id}"
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))

    # Discord answers 403: certainly not posted, so the claim goes and a retry is due a minute on.
    standin.deny_bot_permission("announce", "send_messages")
    failed_at = clock.now()
    assert named((await feature.remind(a10))[target]) == "Send"
    assert await feature.store.state(target, a10.key) == LedgerState.NONE
    retry = running.bot.services.scheduler.get_job(f"{a10.job_id}:retry")
    assert retry is not None
    minute_on = timedelta(minutes=1)
    assert clock.real_time(failed_at + minute_on) <= retry.trigger.run_date
    assert retry.trigger.run_date <= clock.real_time(clock.now() + minute_on)
    assert retry.args == (a10, True)

    # Discord's 503s, timeouts and lost answers are the outbox's: test_reminder_delivery.py.
    assert reminder_posts(standin) == []


async def test_a_stop_waits_at_most_a_second_for_a_post_under_way(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    # The core gives bot.close() 4 s, and the live relay may need some of them.
    clock = SteppedClock(seoul(12), 1.0)
    feature = feature_of(await launch(config=two_sessions(event_config), clock=clock))
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))
    # Two 500s: discord.py sleeps 1 s and 3 s before trying again, so the post is under way 4 s.
    standin.fail_next("POST", MESSAGES, 500, times=2)
    cursor = standin.cursor()
    posting = asyncio.create_task(feature.remind(a10))
    try:
        await standin.wait_for_request("POST", MESSAGES, after=cursor)
        async with asyncio.timeout(3):
            await feature.stop()
        assert not posting.done()  # gave up waiting: start-up reconciliation resolves it
        assert feature.job_ids() == []
        state = await feature.store.state(f"guild:{standin.guild_id}", a10.key)
        assert state == LedgerState.INTENT
    finally:
        posting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await posting


async def test_the_reminder_record_counts_posts_dms_and_both_kinds_of_opt_in(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    running = await launch(config=two_sessions(event_config), clock=clock)
    feature = feature_of(running)
    services = running.bot.services
    assert services.reminder_records is feature
    for user in ("member", "member2"):  # DMs for both; member takes the role member2 has
        optin = await standin.slash(
            user, name="remind", subcommand="dm", options={"enabled": True}, locale="en-US"
        )
        await optin.response()
        await optin.wait_followup()
    await (await standin.slash("member", name="remind", subcommand="on")).response()

    clock.jump(timedelta(minutes=50))
    await feature.remind(planned(feature, "a", 10))
    clock.jump(timedelta(minutes=10))
    await feature.remind(planned(feature, "a", 0))

    record = await services.reminder_records.reminder_record()
    assert (record.sent, record.dm_sent, record.dm_optins, record.role_optins) == (2, 4, 2, 2)
    assert len(reminder_posts(standin)) == 2
    await running.stop()
    assert services.reminder_records is None
