"""The stand-in's `enforce_nonce` and its lost-reply faults, with the real discord.py REST client.

A REST-only client (logged in, no gateway) is all a post needs, which keeps these fast.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import discord
import pytest

from bot.clock import FrozenClock
from bot.mentions import NO_MENTIONS
from bot.rehearsal.discord_standin import DiscordStandIn

POST = "/channels/{channel_id}/messages"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2022, 12, 15, 4, 0, tzinfo=UTC))


@pytest.fixture
async def standin(clock: FrozenClock) -> AsyncIterator[DiscordStandIn]:
    async with DiscordStandIn(clock=clock.now, nonce_window=timedelta(minutes=2)) as server:
        yield server
    assert server.internal_errors == []


@pytest.fixture
async def client(standin: DiscordStandIn) -> AsyncIterator[discord.Client]:
    with standin.patch_discord():
        rest = discord.Client(intents=discord.Intents.none())
        await rest.login(standin.token)
        yield rest
        await rest.close()


def channel(client: discord.Client, standin: DiscordStandIn) -> discord.PartialMessageable:
    return client.get_partial_messageable(standin.channels["general"])


async def send(client: discord.Client, standin: DiscordStandIn, text: str, nonce: str) -> int:
    posted = await channel(client, standin).send(text, nonce=nonce, allowed_mentions=NO_MENTIONS)
    return posted.id


async def test_a_repeated_nonce_returns_the_first_message(
    client: discord.Client, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    first = await send(client, standin, "hello", "n-1")
    clock.advance(timedelta(minutes=1))
    again = await send(client, standin, "hello, changed", "n-1")
    assert again == first
    assert [m["content"] for m in standin.messages("general")] == ["hello"]
    assert [e.kind for e in standin.message_log] == ["create"]  # nothing new dispatched
    assert standin.nonce_replays == 1
    other = await send(client, standin, "another", "n-2")
    assert other != first


async def test_a_nonce_past_the_window_creates_a_new_message(
    client: discord.Client, standin: DiscordStandIn, clock: FrozenClock
) -> None:
    first = await send(client, standin, "hello", "n-1")
    clock.advance(timedelta(minutes=2, seconds=1))
    assert await send(client, standin, "hello", "n-1") != first
    assert len(standin.messages("general")) == 2


async def test_a_nonce_is_only_enforced_when_asked(
    standin: DiscordStandIn, client: discord.Client
) -> None:
    route = discord.http.Route("POST", POST, channel_id=standin.channels["general"])
    body = {"content": "raw", "nonce": "n-1", "allowed_mentions": {"parse": []}}
    first = await client.http.request(route, json=body)
    second = await client.http.request(route, json=body)
    assert first["id"] != second["id"]
    enforced = await client.http.request(route, json={**body, "enforce_nonce": True})
    assert enforced["id"] == second["id"]


async def test_the_nonce_of_a_deleted_message_answers_unknown_message(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    first = await send(client, standin, "hello", "n-1")
    await channel(client, standin).get_partial_message(first).delete()
    with pytest.raises(discord.NotFound) as gone:
        await send(client, standin, "hello", "n-1")
    assert gone.value.code == 10008
    assert standin.messages("general") == []


async def test_history_does_not_return_nonces(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    sent = await channel(client, standin).send("hello", nonce="n-1", allowed_mentions=NO_MENTIONS)
    assert sent.nonce == "n-1"  # the create answer echoes it
    fetched = [m async for m in channel(client, standin).history(limit=5)]
    assert [m.id for m in fetched] == [sent.id]
    assert fetched[0].nonce is None
    assert (await channel(client, standin).fetch_message(sent.id)).nonce is None


async def test_discord_py_retries_a_500_after_processing_without_a_duplicate(
    client: discord.Client, standin: DiscordStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # discord.py sleeps 1 s before retrying a 500: not worth waiting for here.
    real_sleep = asyncio.sleep
    monkeypatch.setattr(discord.http.asyncio, "sleep", lambda _: real_sleep(0))
    standin.fail_next("POST", POST, 500, processed=True)
    posted = await send(client, standin, "hello", "n-1")
    statuses = [r.status for r in standin.requests if r.route == POST]
    assert statuses == [500, 200]
    assert [m["id"] for m in standin.messages("general")] == [str(posted)]
    assert standin.nonce_replays == 1


async def test_a_503_after_processing_leaves_the_message_posted(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, 503, processed=True)
    with pytest.raises(discord.DiscordServerError):
        await send(client, standin, "hello", "n-1")
    [message] = standin.messages("general")
    assert message["content"] == "hello"
    # The repeat a careful client makes gets the same message back.
    assert await send(client, standin, "hello", "n-1") == int(message["id"])
    assert len(standin.messages("general")) == 1


async def test_a_503_before_processing_posts_nothing(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, 503)
    with pytest.raises(discord.DiscordServerError):
        await send(client, standin, "hello", "n-1")
    assert standin.messages("general") == []


async def test_a_dropped_connection_after_processing(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, "drop", processed=True)
    with pytest.raises(aiohttp.ClientError):
        await send(client, standin, "hello", "n-1")
    assert [m["content"] for m in standin.messages("general")] == ["hello"]
    [request] = [r for r in standin.requests if r.route == POST]
    assert (request.status, request.reply_lost) == (200, "drop")


async def test_a_dropped_connection_before_processing(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, "drop")
    with pytest.raises(aiohttp.ClientError):
        await send(client, standin, "hello", "n-1")
    assert standin.messages("general") == []
    [request] = [r for r in standin.requests if r.route == POST]
    assert (request.status, request.reply_lost) == (0, "drop")


async def test_a_hung_request_is_created_but_never_answered(
    client: discord.Client, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", POST, "hang", processed=True)
    cursor = standin.cursor()
    sending = asyncio.create_task(send(client, standin, "hello", "n-1"))
    created = await standin.wait_for_message("general", after=cursor)
    assert created["content"] == "hello"
    request = await standin.wait_for_request("POST", POST, after=cursor)
    assert request.reply_lost == "hang"  # recorded although unanswered
    assert not sending.done()
    sending.cancel()  # what a client's own timeout does
    with pytest.raises(asyncio.CancelledError):
        await sending
    # The next request is answered normally, and the nonce finds the first message.
    assert await send(client, standin, "hello", "n-1") == int(created["id"])


async def test_a_request_hung_at_stop_is_dropped(clock: FrozenClock) -> None:
    async with DiscordStandIn(clock=clock.now) as standin:
        with standin.patch_discord():
            client = discord.Client(intents=discord.Intents.none())
            await client.login(standin.token)
            try:
                standin.fail_next("POST", POST, "hang")
                cursor = standin.cursor()
                sending = asyncio.create_task(send(client, standin, "hello", "n-1"))
                await standin.wait_for_request("POST", POST, after=cursor)
                await standin.stop()
                with pytest.raises(aiohttp.ClientError):
                    await sending
            finally:
                await client.close()
    assert standin.messages("general") == []


def test_fault_arguments_are_checked() -> None:
    standin = DiscordStandIn()
    with pytest.raises(ValueError, match="not processed"):
        standin.fail_next("POST", POST, 429, processed=True)
    with pytest.raises(ValueError, match="'drop' or 'hang'"):
        standin.fail_next("POST", POST, "vanish")  # type: ignore[arg-type]
