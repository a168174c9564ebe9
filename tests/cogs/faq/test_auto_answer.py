"""Auto-answer end to end: a clear question in a configured channel gets one reply per cooldown; bots,
chatter and other channels get none.

"No reply" is checked without sleeping: after the message that must stay unanswered, a clear question
about another entry is sent, and its reply is awaited. The bot handles messages in order and decides
"no reply" before its first await, so by the time the later reply exists, the earlier decision is made.
"""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import Config
from bot.rehearsal import StandInBot
from bot.standin import DiscordStandIn, StandInUser

from .conftest import FaqLauncher, with_discord


@pytest.fixture
async def answering(
    start_faq: FaqLauncher, standin: DiscordStandIn, event_config: Config
) -> StandInBot:
    other_bot = StandInUser(standin.guild_id + 7000, "helper-bot", "Helper Bot", bot=True)
    standin.world.add_user("helper-bot", other_bot)
    standin.world.add_member(standin.guild_id, other_bot.id, [])
    config = with_discord(event_config, auto_answer_channel_ids=(standin.channels["general"],))
    return await start_faq(config=config)


def replies_to(standin: DiscordStandIn, message: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        m
        for m in standin.messages("general")
        if (m.get("message_reference") or {}).get("message_id") == message["id"]
    ]


async def answered(standin: DiscordStandIn, channel: str, text: str) -> dict[str, Any]:
    """Post ``text`` as a member and wait for the bot's reply to it."""
    cursor = standin.cursor()
    message = standin.inject_message(channel, "member2", text)
    return await standin.wait_for_message(
        channel,
        predicate=lambda m: (m.get("message_reference") or {}).get("message_id") == message["id"],
        after=cursor,
    )


async def test_a_clear_question_is_answered_once_per_cooldown(
    answering: StandInBot, standin: DiscordStandIn
) -> None:
    first = standin.inject_message("general", "member", "장소가 어디예요?")
    reply = await answered(standin, "general", "Where can I watch the stream?")  # the barrier
    assert "youtube.com" in reply["content"]
    venue = replies_to(standin, first)
    assert len(venue) == 1
    assert "6층" in venue[0]["content"]
    assert "자동 답변이에요" in venue[0]["content"]
    allowed = standin.allowed_mentions_for(venue[0]["id"])
    assert allowed["parse"] == []
    assert allowed.get("replied_user") is False

    second = standin.inject_message("general", "member", "장소가 어디예요?")
    await answered(standin, "general", "다시보기 되나요?")  # the barrier
    assert replies_to(standin, second) == []
    assert len([m for m in standin.messages("general") if "6층" in m["content"]]) == 1


async def test_bots_chatter_and_other_channels_get_no_reply(
    answering: StandInBot, standin: DiscordStandIn
) -> None:
    from_bot = standin.inject_message("general", "helper-bot", "몇시에 시작해요?")
    chatter = standin.inject_message("general", "member", "ㅋㅋㅋ 오늘 재밌다")
    standin.inject_message("qna", "member", "장소가 어디예요?")
    await answered(standin, "general", "Where can I watch the stream?")  # the barrier
    assert replies_to(standin, from_bot) == []
    assert replies_to(standin, chatter) == []
    assert [m for m in standin.messages("qna") if m.get("message_reference")] == []
    # The bot's message did not use up the cooldown of its entry.
    reply = await answered(standin, "general", "몇시에 시작해요?")
    assert "13:00" in reply["content"]


async def test_off_unless_channels_are_configured(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    assert not running.bot.intents.message_content
    standin.inject_message("general", "member", "장소가 어디예요?")
    handle = await standin.slash("member", name="faq", options={"question": "장소"}, locale="ko")
    await handle.response()  # the bot has handled the earlier message by now
    assert [m for m in standin.messages("general") if m.get("message_reference")] == []
