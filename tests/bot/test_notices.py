"""Moderator notices: told once per kind until cleared, each posted once through the outbox."""

from __future__ import annotations

from bot.rehearsal.discord_standin import DiscordStandIn
from tests.conftest import Launcher

POST = "/channels/{channel_id}/messages"
KEY = "live.notice.quota_restored"


async def test_a_notice_whose_answer_was_lost_is_posted_once_and_told_once_until_cleared(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    running = await launch(extensions=["cogs.about"])
    notices = running.bot.notices
    guild = standin.guild_id
    # Discord made the message but the answer was lost (a 503 after processing): the outbox's
    # retry carries the same nonce, so there is still one message.
    standin.fail_next("POST", POST, 503, processed=True)
    assert await notices.tell_once(guild, "test_kind", KEY)
    assert not await notices.tell_once(guild, "test_kind", KEY)  # told already
    audit = standin.messages("audit")
    assert len(audit) == 1
    assert audit[0]["content"].startswith("⚠️ ")
    assert standin.messages("announce") == []  # not told a second time elsewhere

    # The problem went away and came back: told again, as a new message.
    await notices.clear(guild, "test_kind")
    assert await notices.tell_once(guild, "test_kind", KEY, good_news=True)
    audit = standin.messages("audit")
    assert len(audit) == 2
    assert audit[1]["content"].startswith("✅ ")
