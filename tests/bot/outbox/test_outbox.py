"""The outbox against the real discord.py REST client and the Discord stand-in.

Bot and stand-in share one frozen clock; the outbox's pauses move it, so a grace of minutes and
Discord's nonce window pass in no real time. A REST-only client (logged in, no gateway) is all the
outbox needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.clock import FrozenClock
from bot.mentions import NO_MENTIONS
from bot.outbox import Draft, Failed, Outbox, Posted
from bot.outbox._store import OutboxStore, State
from bot.rehearsal.discord_standin import DiscordStandIn
from bot.store import Store
from tests.conftest import mention_problems

POST = "/channels/{channel_id}/messages"
HISTORY = "/channels/{channel_id}/messages"
KEY = "announce:1:1001"
GRACE = timedelta(minutes=5)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2022, 12, 15, 4, 0, tzinfo=UTC))


@pytest.fixture
async def standin(clock: FrozenClock) -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(clock=clock.now, nonce_window=timedelta(seconds=30)) as server:
        yield server
    assert server.internal_errors == []
    assert server.unknown_requests() == []
    assert mention_problems(server.requests, set(), set()) == []


Connect = Callable[[], Awaitable[Outbox]]


@pytest.fixture
async def connect(
    standin: DiscordStandIn, clock: FrozenClock, tmp_path: Path
) -> AsyncIterator[Connect]:
    """A new process: a fresh client and store on the same data dir, and its outbox."""
    opened: list[tuple[discord.Client, Store]] = []

    async def sleep(seconds: float) -> None:
        clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)

    async def start() -> Outbox:
        client = discord.Client(intents=discord.Intents.none())
        await client.login(standin.token)
        store = await Store.open(tmp_path / "data")
        opened.append((client, store))
        outbox = Outbox(client, store, clock, sleep=sleep)
        outbox.attempt_timeout = 0.5
        return outbox

    with standin.patch_discord():
        yield start
        for client, store in opened:
            await client.close()
            await store.close()


@pytest.fixture
async def outbox(connect: Connect) -> Outbox:
    return await connect()


def draft(text: str = "Break is over") -> Draft:
    return Draft.of(text, mentions=NO_MENTIONS)


async def post(outbox: Outbox, standin: DiscordStandIn, **options: object) -> Posted | Failed:
    return await outbox.post(
        standin.channels["general"],
        key=str(options.pop("key", KEY)),
        draft=draft(),
        grace=GRACE,
        guild_id=standin.guild_id,
        **options,  # type: ignore[arg-type]
    )


async def kill_mid_post(outbox: Outbox, standin: DiscordStandIn, *, accepted: bool) -> None:
    """The process dies while its POST hangs: after Discord made the message (``accepted``),
    or before."""
    standin.fail_next("POST", POST, "hang", processed=accepted)
    cursor = standin.cursor()
    in_flight = asyncio.create_task(post(outbox, standin))
    if accepted:
        await standin.wait_for_message("general", after=cursor)
    else:
        await standin.wait_for_request("POST", POST, after=cursor)
    in_flight.cancel()
    with pytest.raises(asyncio.CancelledError):
        await in_flight


def posts(standin: DiscordStandIn) -> list[int]:
    return [r.status for r in standin.requests if r.method == "POST" and r.route == POST]


async def state(outbox_store: Store | None, tmp_path: Path, key: str = KEY) -> State | None:
    store = outbox_store or await Store.open(tmp_path / "data")
    try:
        row = await OutboxStore(store).get(key)
    finally:
        if outbox_store is None:
            await store.close()
    return None if row is None else row.state


async def test_a_post_goes_out_once_with_its_marker(
    outbox: Outbox, standin: DiscordStandIn, tmp_path: Path
) -> None:
    first = await post(outbox, standin)
    assert isinstance(first, Posted)
    [message] = standin.messages("general")
    assert int(message["id"]) == first.message_id
    text, marker = message["content"].split("\n-# ")
    assert text == "Break is over"
    assert len(marker) == 6
    assert first.jump_url.endswith(f"/{standin.guild_id}/{message['channel_id']}/{message['id']}")
    # The same key again: the same message, nothing sent.
    again = await post(outbox, standin)
    assert again == first
    assert posts(standin) == [200]
    assert await outbox.message_id(KEY) == first.message_id
    assert await state(None, tmp_path) is State.SENT


@pytest.mark.parametrize(
    ("fault", "processed"),
    [(503, False), (503, True), ("hang", True), ("drop", True), ("drop", False), (429, False)],
)
async def test_an_unclear_or_passing_failure_is_retried_into_one_message(
    outbox: Outbox, standin: DiscordStandIn, fault: int | str, processed: bool
) -> None:
    standin.fail_next("POST", POST, fault, processed=processed, retry_after=0.01)  # type: ignore[arg-type]
    result = await post(outbox, standin)
    assert isinstance(result, Posted)
    assert [int(m["id"]) for m in standin.messages("general")] == [result.message_id]
    assert len(posts(standin)) == 2
    # Discord's nonce check answered the repeat of a request that had been processed.
    assert standin.nonce_replays == (1 if processed else 0)


async def test_past_the_nonce_window_history_is_read_instead_of_posting_again(
    outbox: Outbox, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    started = clock.now()
    # The first POST is processed but answered 503; then Discord keeps failing for a minute,
    # longer than its own nonce memory (30 s here): another POST would make a second message.
    standin.fail_next("POST", POST, 503, processed=True)
    standin.fail_next("POST", POST, 503, times=5)
    result = await post(outbox, standin)
    assert isinstance(result, Posted)
    assert result.recovered
    assert len(standin.messages("general")) == 1
    assert clock.now() - started > standin.nonce_window
    assert posts(standin) == [503] * 6
    assert standin.requests[-1].method == "GET"  # the history read ended it


async def test_the_history_read_that_finds_nothing_lets_the_post_go_out(
    outbox: Outbox, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, 503, times=6)  # none processed
    result = await post(outbox, standin)
    assert isinstance(result, Posted)
    assert not result.recovered
    assert len(standin.messages("general")) == 1
    reads = [r for r in standin.requests if r.method == "GET" and r.route == HISTORY]
    assert len(reads) == 1


async def test_a_refusal_is_reported_and_a_later_post_may_succeed(
    outbox: Outbox, standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin.deny_bot_permission("general", "send_messages")
    refused = await post(outbox, standin)
    assert isinstance(refused, Failed)
    assert (refused.reason, refused.status, refused.code) == ("refused", 403, 50013)
    assert not refused.maybe_posted
    assert standin.messages("general") == []
    assert await state(None, tmp_path) is State.FAILED
    standin.set_channel_permission_overwrite("general", standin.bot_user_id, allow=0, deny=0)
    assert isinstance(await post(outbox, standin), Posted)
    assert len(standin.messages("general")) == 1


async def test_the_grace_running_out_is_reported_when_nothing_was_posted(
    outbox: Outbox, standin: DiscordStandIn, clock: FrozenClock, tmp_path: Path
) -> None:
    started = clock.now()
    standin.fail_next("POST", POST, 503, times=1000)
    failed = await post(outbox, standin)
    assert isinstance(failed, Failed)
    assert failed.reason == "expired"
    assert "503" in failed.detail
    assert standin.messages("general") == []
    assert GRACE <= clock.now() - started < GRACE + timedelta(seconds=31)
    assert await state(None, tmp_path) is State.FAILED


async def test_when_history_cannot_tell_it_is_never_sent_twice(
    outbox: Outbox, standin: DiscordStandIn, connect: Connect, clock: FrozenClock
) -> None:
    standin.fail_next("POST", POST, 503, processed=True)
    standin.fail_next("POST", POST, 503, times=1000)
    standin.fail_next("GET", HISTORY, 503, times=1000)
    failed = await post(outbox, standin)
    assert isinstance(failed, Failed)
    assert failed.reason == "unknown"
    assert failed.maybe_posted
    # The next start looks again, and finds it once history answers.
    standin.rest.faults.clear()
    [recovered] = await (await connect()).recover()
    assert isinstance(recovered, Posted)
    assert recovered.recovered
    [message] = standin.messages("general")
    assert int(message["id"]) == recovered.message_id


async def test_a_message_deleted_before_the_retry_is_not_posted_again(
    outbox: Outbox, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, 503, processed=True)
    original = asyncio.create_task(post(outbox, standin))
    created = await standin.wait_for_message("general")
    standin.store.delete(int(created["id"]))  # a moderator removes it before the retry
    result = await original
    assert isinstance(result, Failed)
    assert result.reason == "deleted"
    assert standin.messages("general") == []
    again = await post(outbox, standin)
    assert isinstance(again, Failed)
    assert again.reason == "deleted"


async def test_a_kill_after_the_post_was_accepted_leaves_one_message(
    connect: Connect, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    first = await connect()
    await kill_mid_post(first, standin, accepted=True)  # Discord made the message
    clock.advance(timedelta(minutes=2))  # a slow restart: Discord's nonce memory is gone
    second = await connect()
    [recovered] = await second.recover()
    assert isinstance(recovered, Posted)
    assert recovered.recovered
    assert len(standin.messages("general")) == 1
    assert posts(standin) == [200]
    # The feature asking again after the restart gets the same message.
    again = await post(second, standin)
    assert isinstance(again, Posted)
    assert again.message_id == recovered.message_id
    assert posts(standin) == [200]


async def test_a_message_made_from_an_earlier_draft_is_reported_outdated_until_edited(
    connect: Connect, standin: DiscordStandIn
) -> None:
    first = await connect()
    await kill_mid_post(first, standin, accepted=True)  # Discord made the message
    second = await connect()
    newer = draft("Break is over: back at 14:10")

    async def post_newer() -> Posted:
        result = await second.post(
            standin.channels["general"], key=KEY, draft=newer, grace=GRACE, guild_id=None
        )
        assert isinstance(result, Posted)
        return result

    # The feature asks again with newer figures: it gets the first message, which shows the old.
    found = await post_newer()
    [message] = standin.messages("general")
    assert int(message["id"]) == found.message_id
    assert message["content"].startswith("Break is over\n-# ")
    assert found.outdated
    assert (await post_newer()).outdated  # still, until it is edited
    await second.edit(KEY, newer)
    [message] = standin.messages("general")
    assert message["content"].startswith("Break is over: back at 14:10\n-# ")
    current = await post_newer()
    assert not current.outdated
    assert current.message_id == found.message_id
    assert len(standin.messages("general")) == 1


async def test_a_kill_before_the_post_was_accepted_is_carried_on_at_the_next_start(
    connect: Connect, standin: DiscordStandIn
) -> None:
    first = await connect()
    await kill_mid_post(first, standin, accepted=False)
    assert standin.messages("general") == []
    [result] = await (await connect()).recover()
    assert isinstance(result, Posted)
    [message] = standin.messages("general")
    assert message["content"].startswith("Break is over\n-# ")


async def test_a_restart_past_the_grace_only_looks(
    connect: Connect, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    first = await connect()
    await kill_mid_post(first, standin, accepted=False)
    clock.advance(GRACE + timedelta(minutes=1))
    [result] = await (await connect()).recover()
    assert isinstance(result, Failed)
    assert result.reason == "expired"
    assert standin.messages("general") == []
    assert posts(standin) == [0]


async def test_edits_go_to_the_message_of_the_key_and_keep_the_marker(
    outbox: Outbox, standin: DiscordStandIn
) -> None:
    embed = discord.Embed(title="LIVE").set_footer(text="viewers 10")
    posted = await outbox.post(
        standin.channels["general"],
        key="live:1:abc",
        draft=Draft.of(embeds=[embed], mentions=NO_MENTIONS),
        grace=GRACE,
    )
    assert isinstance(posted, Posted)
    marker = standin.messages("general")[0]["embeds"][0]["footer"]["text"].split(" · ")[-1]
    later = discord.Embed(title="LIVE").set_footer(text="viewers 25")
    standin.fail_next("PATCH", "/channels/{channel_id}/messages/{message_id}", 503)
    edited = await outbox.edit(
        "live:1:abc", Draft.of(embeds=[later], mentions=NO_MENTIONS), grace=GRACE
    )
    assert edited == posted
    [message] = standin.messages("general")
    assert message["embeds"][0]["footer"]["text"] == f"viewers 25 · {marker}"
    unposted = await outbox.edit("live:1:nothing", draft())
    assert isinstance(unposted, Failed)
    assert unposted.reason == "unposted"
    standin.store.delete(int(message["id"]))
    gone = await outbox.edit("live:1:abc", draft())
    assert isinstance(gone, Failed)
    assert gone.reason == "deleted"


async def test_closing_stops_retrying_and_leaves_the_row_for_the_next_start(
    outbox: Outbox, standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin.fail_next("POST", POST, 503, times=1000)
    sleep = outbox.sleep

    async def stop_while_waiting(seconds: float) -> None:
        await outbox.close()
        await sleep(seconds)

    outbox.sleep = stop_while_waiting
    result = await post(outbox, standin)
    assert isinstance(result, Failed)
    assert result.reason == "stopped"
    assert await state(None, tmp_path) is State.PENDING


async def test_after_closing_a_post_still_gets_one_attempt_and_no_retry(
    outbox: Outbox, standin: DiscordStandIn, tmp_path: Path
) -> None:
    # A feature finishing its work while the bot stops (the outbox is closed first).
    await outbox.close()
    result = await post(outbox, standin)
    assert isinstance(result, Posted)
    assert len(standin.messages("general")) == 1
    standin.fail_next("POST", POST, 503, times=1000)
    failed = await post(outbox, standin, key="announce:1:1002")
    assert isinstance(failed, Failed)
    assert failed.reason == "stopped"
    assert posts(standin) == [200, 503]
    assert await state(None, tmp_path, "announce:1:1002") is State.PENDING


async def test_a_feature_settling_its_key_beside_the_start_up_recovery_gets_the_one_message(
    connect: Connect, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    first = await connect()
    await kill_mid_post(first, standin, accepted=True)  # Discord made the message
    clock.advance(timedelta(minutes=2))
    second = await connect()
    settled, [recovered] = await asyncio.gather(second.settle(KEY), second.recover())
    assert isinstance(settled, Posted)
    assert isinstance(recovered, Posted)
    assert settled.message_id == recovered.message_id
    assert len(standin.messages("general")) == 1
    assert posts(standin) == [200]
    never = await second.settle("announce:1:never")
    assert isinstance(never, Failed)
    assert never.reason == "unposted"
