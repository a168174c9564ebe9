"""Missing permissions at run time: the bot logs it, tells moderators once, and keeps running."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from tests.cogs.schedule.conftest import is_reminder
from tests.conftest import Launcher
from tests.programs import SteppedClock, compressed, seoul

SPEED = 60.0  # one real second is one event minute


def three_reminders(config: Config) -> Config:
    return compressed(
        config,
        [("a", "13:00:00", "13:01:00"), ("b", "13:02:00", "13:03:00")],
        before=["1m", "0s"],
        grace="5m",
    )


@pytest.mark.parametrize("failure", ["lost_send_messages", "channel_deleted"])
async def test_announce_channel_failure_is_told_once_and_the_bot_keeps_running(
    launch: Launcher,
    standin: DiscordStandIn,
    event_config: Config,
    tmp_path: Path,
    failure: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    announce = standin.channels["announce"]
    if failure == "lost_send_messages":
        standin.deny_bot_permission("announce", "send_messages")
    else:
        standin.delete_channel("announce")
    clock = SteppedClock(seoul(12, 58, 55), SPEED)
    cursor = standin.cursor()
    await launch(config=three_reminders(event_config), clock=clock, data_dir=tmp_path / "d")

    notice = await standin.wait_for_message("audit", after=cursor, timeout=10)
    assert "공지 채널" in notice["content"]
    assert "/관리 설정" in notice["content"]
    # Later reminders fail too, but moderators are not told again.
    await standin.wait_for_request(
        "POST",
        "/channels/{channel_id}/messages",
        lambda r: r.path.endswith(f"/{announce}/messages") and r.status >= 400,
        after=standin.cursor(),
        timeout=10,
    )
    await standin.gateway_barrier()
    audit_posts = [m for m in standin.messages("audit") if "공지 채널" in m["content"]]
    assert len(audit_posts) == 1
    assert "announce channel" in caplog.text
    # Everything else keeps working.
    reply = await (await standin.slash("member", name="about", locale="en-US")).response()
    assert "CCEI" in message_text(reply["data"])


async def test_deleted_reminder_role_posts_without_a_ping_and_tells_moderators(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    standin.remove_role("reminder")
    clock = SteppedClock(seoul(12, 58, 57), SPEED)
    cursor = standin.cursor()
    await launch(config=three_reminders(event_config), clock=clock, data_dir=tmp_path / "d")
    reminder = await standin.wait_for_message("announce", predicate=is_reminder, after=cursor)
    assert "<@&" not in reminder["content"]
    notice = await standin.wait_for_message("audit", after=cursor)
    assert "알림 역할" in notice["content"]
