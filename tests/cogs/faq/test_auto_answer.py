"""Auto-answer end to end: a clear question in a configured channel gets one reply per cooldown; bots,
chatter and other channels get none.

discord.py handles each incoming message in a task of its own, so nothing here relies on the order
in which replies appear. A reply is awaited with a timeout; "no reply" is checked once the bot has
read every message sent so far (a gateway barrier) and its message handlers have all finished, so
any reply they sent is in the stand-in's record by then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, StandInUser
from bot.rehearsal.run import StandInBot

from .conftest import FaqLauncher, with_discord

WAIT = 10.0


@pytest.fixture
async def answering(
    start_faq: FaqLauncher, standin: DiscordStandIn, event_config: Config
) -> StandInBot:
    other_bot = StandInUser(standin.guild_id + 7000, "helper-bot", "Helper Bot", bot=True)
    standin.world.add_user("helper-bot", other_bot)
    standin.world.add_member(standin.guild_id, other_bot.id, [])
    config = with_discord(event_config, auto_answer_channel_ids=(standin.channels["general"],))
    return await start_faq(config=config)


def is_reply_to(message: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    return lambda m: (m.get("message_reference") or {}).get("message_id") == message["id"]


def replies_to(standin: DiscordStandIn, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in standin.messages("general") if is_reply_to(message)(m)]


async def answered(standin: DiscordStandIn, text: str, user: str = "member") -> dict[str, Any]:
    """Post ``text`` in #general and wait for the bot's reply to it."""
    cursor = standin.cursor()
    message = standin.inject_message("general", user, text)
    return await standin.wait_for_message(
        "general", predicate=is_reply_to(message), after=cursor, timeout=WAIT
    )


async def all_handled(standin: DiscordStandIn) -> None:
    """Return once the bot has read every message sent so far and finished handling each one
    (the bot runs on this event loop; discord.py names each handler task after its event)."""
    await standin.gateway_barrier(timeout=WAIT)  # every MESSAGE_CREATE has its handler task now
    handlers = {
        task
        for task in asyncio.all_tasks()
        if task.get_name() == "discord.py: on_message" and not task.done()
    }
    if handlers:
        _, pending = await asyncio.wait(handlers, timeout=WAIT)
        assert not pending, "the bot's message handlers did not finish"


async def test_a_clear_question_is_answered_once_per_cooldown(
    answering: StandInBot, standin: DiscordStandIn
) -> None:
    venue = await answered(standin, "장소가 어디예요?")
    assert "6층" in venue["content"]
    assert "자동 답변이에요" in venue["content"]
    allowed = standin.allowed_mentions_for(venue["id"])
    assert allowed["parse"] == []
    assert allowed.get("replied_user") is False
    watch = await answered(standin, "Where can I watch the stream?")
    assert "youtube.com" in watch["content"]

    second = standin.inject_message("general", "member", "장소가 어디예요?")
    await all_handled(standin)
    assert replies_to(standin, second) == []
    assert len([m for m in standin.messages("general") if "6층" in m["content"]]) == 1


async def test_bots_chatter_and_other_channels_get_no_reply(
    answering: StandInBot, standin: DiscordStandIn
) -> None:
    from_bot = standin.inject_message("general", "helper-bot", "몇시에 시작해요?")
    chatter = standin.inject_message("general", "member", "ㅋㅋㅋ 오늘 재밌다")
    standin.inject_message("qna", "member", "장소가 어디예요?")
    await all_handled(standin)
    assert replies_to(standin, from_bot) == []
    assert replies_to(standin, chatter) == []
    assert [m for m in standin.messages("qna") if m.get("message_reference")] == []
    # The bot's message did not use up the cooldown of its entry.
    reply = await answered(standin, "몇시에 시작해요?")
    assert "13:00" in reply["content"]


async def test_off_unless_channels_are_configured(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    assert not running.bot.intents.message_content
    standin.inject_message("general", "member", "장소가 어디예요?")
    await all_handled(standin)
    assert [m for m in standin.messages("general") if m.get("message_reference")] == []
