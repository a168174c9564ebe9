"""A reminder through Discord's ambiguous failures: posted once through the core outbox, late but
within grace, after a 503, a lost answer, a kill mid-POST and a retry past Discord's nonce window.

Reminders are fired by hand the way APScheduler would (as in ``test_feature.py``): the clock runs at
real speed from 12:00, and the outbox's pauses between attempts move it instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config import Config
from bot.outbox._store import OutboxStore, State
from bot.rehearsal.discord_standin import DiscordStandIn
from bot.rehearsal.run import StandInBot
from cogs.schedule._feature import ScheduleFeature
from cogs.schedule._reminders import LedgerState
from tests.cogs.admin.test_announce_delivery import kill
from tests.cogs.schedule.conftest import feature_of, is_reminder
from tests.cogs.schedule.test_feature import planned, reminder_posts, two_sessions
from tests.conftest import Launcher
from tests.programs import SteppedClock, seoul

MESSAGES = "/channels/{channel_id}/messages"


def compressed(running: StandInBot, clock: SteppedClock) -> ScheduleFeature:
    """The outbox's pauses jump the clock; a POST without an answer counts as lost in 0.5 s."""

    async def sleep(seconds: float) -> None:
        clock.jump(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    running.bot.outbox.sleep = sleep
    running.bot.outbox.attempt_timeout = 0.5
    return feature_of(running)


def posts(standin: DiscordStandIn) -> list[int]:
    return [i for i, r in enumerate(standin.requests) if r.method == "POST" and r.route == MESSAGES]


@pytest.mark.parametrize(
    ("fault", "times", "processed", "reworded"),
    [
        # Discord down past the minute the words hold: decided again, worded as late.
        (503, 7, False, True),
        # Discord took the POST and the answer was lost: the repeat returns that message.
        ("hang", 1, True, False),
    ],
)
async def test_a_503_or_a_timeout_delivers_the_reminder_once_late_within_grace(
    launch: Launcher,
    standin: DiscordStandIn,
    event_config: Config,
    fault: int | str,
    times: int,
    processed: bool,
    reworded: bool,
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    running = await launch(config=two_sessions(event_config), clock=clock)
    feature = compressed(running, clock)
    target = f"guild:{standin.guild_id}"
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))  # 12:50: a/10 is due
    standin.fail_next("POST", MESSAGES, fault, times=times, processed=processed)  # type: ignore[arg-type]

    cursor = standin.cursor()
    await feature.remind(a10)
    posted = await standin.wait_for_message(
        "announce", predicate=is_reminder, after=cursor, timeout=5
    )
    await feature.settle()  # a retry job, if the first run gave up

    assert reminder_posts(standin) == [posted]
    assert ("(늦은 알림)" in posted["content"]) is reworded
    (entry,) = await feature.store.entries(target)
    assert (entry.state, entry.message_id, entry.late) == (
        LedgerState.SENT,
        int(posted["id"]),
        reworded,
    )
    assert entry.sent_at is not None
    assert a10.due < entry.sent_at <= a10.due + feature.config.reminders.grace
    assert standin.nonce_replays == (0 if reworded else 1)
    assert len(posts(standin)) == times + 1


async def test_past_the_nonce_window_the_retry_finds_the_reminder_instead_of_reposting(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12), 1.0)
    running = await launch(config=two_sessions(event_config), clock=clock)
    feature = compressed(running, clock)
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))
    standin.nonce_window = timedelta(0)  # any repeat of the POST would now be a second message
    standin.fail_next("POST", MESSAGES, 503, processed=True)
    standin.fail_next("POST", MESSAGES, 503, times=5)  # Discord stays down past the bot's window

    await feature.remind(a10)

    [posted] = reminder_posts(standin)
    assert "(늦은 알림)" not in posted["content"]  # the first POST made it, on time
    (entry,) = await feature.store.entries(f"guild:{standin.guild_id}")
    assert (entry.state, entry.message_id) == (LedgerState.SENT, int(posted["id"]))
    history_reads = [
        i for i, r in enumerate(standin.requests) if r.method == "GET" and r.route == MESSAGES
    ]
    assert history_reads
    assert history_reads[-1] > max(posts(standin))
    assert running.bot.services.scheduler.get_job(f"{a10.job_id}:retry") is None


async def test_a_kill_between_discord_taking_the_reminder_and_its_answer_leaves_one_message(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    config = two_sessions(event_config)
    clock = SteppedClock(seoul(12), 1.0)
    data_dir = tmp_path / "data"
    first = await launch(config=config, clock=clock, data_dir=data_dir)
    feature = compressed(first, clock)
    a10 = planned(feature, "a", 10)
    clock.jump(timedelta(minutes=50))
    standin.fail_next("POST", MESSAGES, "hang", processed=True)
    cursor = standin.cursor()
    posting = asyncio.create_task(feature.remind(a10))
    try:
        await standin.wait_for_message("announce", predicate=is_reminder, after=cursor)
        await kill(first)
    finally:
        posting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await posting

    # Back two minutes later: Discord's nonce memory is gone, only the channel can tell.
    standin.nonce_window = timedelta(0)
    clock.jump(timedelta(minutes=2))
    restarted = len(standin.requests)
    second = await launch(config=config, clock=clock, data_dir=data_dir)
    feature = feature_of(second)
    await feature.settle()  # the last run's claim, settled through the outbox

    [posted] = reminder_posts(standin)
    assert not [i for i in posts(standin) if i >= restarted]
    (entry,) = await feature.store.entries(f"guild:{standin.guild_id}")
    assert (entry.state, entry.message_id, entry.note) == (
        LedgerState.SENT,
        int(posted["id"]),
        "reconciled at start-up",
    )
    row = await OutboxStore(second.bot.services.store).get(a10.post_key(entry.target))
    assert row is not None
    assert (row.state, row.message_id) == (State.SENT, int(posted["id"]))
