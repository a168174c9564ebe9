"""A confirmed announcement is posted exactly once through Discord's ambiguous failures and a kill.

The bot runs on a frozen clock whose outbox pauses move it, so retries and Discord's nonce window
pass without real waiting; the stand-in's own nonce memory is shortened where a test needs a repeat
to be a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import FrozenClock
from bot.outbox._store import OutboxStore, State
from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from bot.rehearsal.run import StandInBot
from bot.store import Store
from tests.cogs.admin.test_admin import _button_id, announcement_text
from tests.conftest import Launcher, admin

POST = "/channels/{channel_id}/messages"


def compressed(running: StandInBot, clock: FrozenClock) -> StandInBot:
    """Pauses between attempts move the clock instead of waiting; a hung POST counts as lost
    after half a second."""

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    running.bot.outbox.sleep = sleep
    running.bot.outbox.attempt_timeout = 0.5
    return running


async def start(launch: Launcher) -> tuple[StandInBot, FrozenClock]:
    clock = FrozenClock(datetime.now(UTC))
    return compressed(await launch(clock=clock), clock), clock


async def confirm(
    standin: DiscordStandIn, text: str
) -> tuple[InteractionHandle, InteractionHandle]:
    """The moderator previews ``text`` and presses Send; returns (command, click)."""
    handle = await admin(standin, "moderator", "announce", message=text)
    await handle.response()
    click = await standin.click("moderator", handle.original, _button_id(handle, 0))
    await click.response()
    return handle, click


async def moderator_told(click: InteractionHandle, words: str) -> str:
    final = await click.wait_original(lambda m: words in message_text(m), timeout=10)
    return message_text(final)


async def announce_entries(running: StandInBot, standin: DiscordStandIn) -> int:
    entries = await running.bot.services.store.audit_entries(standin.guild_id)
    return sum(1 for e in entries if e["action"] == "announce")


@pytest.mark.parametrize("fault", [503, "hang"])
async def test_a_503_or_a_timeout_after_discord_took_the_post_gives_one_announcement(
    launch: Launcher, standin: DiscordStandIn, fault: int | str
) -> None:
    running, _ = await start(launch)
    standin.fail_next("POST", POST, fault, processed=True)  # type: ignore[arg-type]
    _, click = await confirm(standin, "Break is over")
    told = await moderator_told(click, "Announcement posted")
    [posted] = standin.messages("announce")
    assert announcement_text(posted) == "Break is over"
    assert posted["id"] in told  # the link points at the one message
    assert standin.nonce_replays == 1  # the retry was answered with the first message
    assert await announce_entries(running, standin) == 1


async def test_past_the_nonce_window_the_retry_finds_the_announcement_instead_of_reposting(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    running, clock = await start(launch)
    standin.nonce_window = timedelta(0)  # any repeat of the POST would now be a second message
    standin.fail_next("POST", POST, 503, processed=True)
    standin.fail_next("POST", POST, 503, times=5)  # Discord stays down past the bot's window
    started = clock.now()
    _, click = await confirm(standin, "Break is over")
    told = await moderator_told(click, "Announcement posted")
    [posted] = standin.messages("announce")
    assert posted["id"] in told
    assert clock.now() - started > running.bot.outbox.nonce_window
    history_reads = [r for r in standin.requests if r.method == "GET" and r.route == POST]
    assert history_reads
    assert standin.requests.index(history_reads[-1]) > max(
        i for i, r in enumerate(standin.requests) if r.method == "POST" and r.route == POST
    )


async def kill(running: StandInBot) -> None:
    """What kill -9 leaves behind: from now on the old bot records nothing and sends nothing.

    Its store and HTTP session are cut first; only then are its tasks tidied up (they can no
    longer reach anything), so no graceful shutdown step can finish the post.
    """
    running.stopped = True
    bot = running.bot
    running.task.cancel()
    await bot.services.store.close()
    await bot.http.close()
    await bot.close()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await running.task


async def test_a_kill_between_the_post_being_taken_and_its_answer_leaves_one_announcement(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    first, clock = await start(launch)
    standin.fail_next("POST", POST, "hang", processed=True)
    cursor = standin.cursor()
    handle, _ = await confirm(standin, "Break is over")
    await standin.wait_for_message("announce", after=cursor)
    await kill(first)
    # A slow restart: Discord's nonce memory is gone, only the channel's history can tell.
    standin.nonce_window = timedelta(0)
    clock.advance(timedelta(minutes=2))
    second = await launch(clock=clock)
    recovery = second.bot.outbox.recovery
    assert recovery is not None
    [result] = await recovery
    [posted] = standin.messages("announce")
    assert announcement_text(posted) == "Break is over"
    assert getattr(result, "message_id", None) == int(posted["id"])
    key = f"announce:{standin.guild_id}:{handle.id}"
    store: Store = second.bot.services.store
    row = await OutboxStore(store).get(key)
    assert row is not None
    assert (row.state, row.message_id) == (State.SENT, int(posted["id"]))


async def test_admin_status_shows_an_announcement_while_it_is_retried(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    running, _ = await start(launch)
    waiting, resume = asyncio.Event(), asyncio.Event()

    async def held_pause(seconds: float) -> None:
        waiting.set()
        await resume.wait()

    running.bot.outbox.sleep = held_pause
    standin.fail_next("POST", POST, 503)
    _, click = await confirm(standin, "Break is over")
    await asyncio.wait_for(waiting.wait(), timeout=10)
    status = message_text((await (await admin(standin, "moderator", "status")).response())["data"])
    assert "Posts in flight" in status
    assert "being sent, 1 attempt(s)" in status
    assert "503" in status
    resume.set()
    await moderator_told(click, "Announcement posted")
    status = message_text((await (await admin(standin, "moderator", "status")).response())["data"])
    assert "Posts in flight\nnone" in status
