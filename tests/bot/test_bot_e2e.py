"""The core path end to end: the real bot against the local Discord stand-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import discord
import pytest

from bot.clock import FrozenClock
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import StandInBot
from tests.conftest import Launcher


@pytest.fixture
async def running(launch: Launcher) -> StandInBot:
    return await launch()


async def test_about_in_korean_and_english(running: StandInBot, standin: DiscordStandIn) -> None:
    ko = await (await standin.slash("member", name="about", locale="ko")).response()
    text = message_text(ko["data"])
    assert "2022 창조경제혁신센터 공동 오픈이노베이션" in text
    assert "판교 창업존 기업지원허브 6층" in text
    assert "<t:1671076800:F>" in text  # 2022-12-15 13:00 KST
    assert "13:00~16:30 KST" in text
    assert "https://www.youtube.com/@CCEISAY/live" in text

    en = await (await standin.slash("member2", name="about", locale="en-US")).response()
    text = message_text(en["data"])
    assert "2022 CCEI Joint Open Innovation" in text
    assert "6th floor" in text
    assert "13:00-16:30 KST" in text


async def test_commands_synced_with_korean_names(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    commands = {c["name"]: c for c in standin.commands}
    assert {"about", "admin"} <= set(commands)
    assert commands["about"]["name_localizations"]["ko"] == "행사정보"
    admin = commands["admin"]
    assert admin["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert admin.get("contexts") == [0] or admin.get("dm_permission") is False


async def test_commands_are_synced_after_ready_not_before(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    # The gateway does not wait for the command comparison and sync (the last start's are live).
    ready = next(f for f in standin.gateway_events_sent if f.event == "READY")
    sync = next(
        r
        for r in standin.requests
        if r.method == "PUT" and r.route == "/applications/{application_id}/commands"
    )
    assert sync.timestamp > ready.timestamp
    assert standin.command_sync_count == 1


async def test_restart_with_unchanged_commands_does_not_sync(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    first = await launch()
    assert standin.command_sync_count == 1
    await first.stop()
    await launch()
    assert standin.command_sync_count == 1


async def test_still_answers_after_the_gateway_drops_and_resumes(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    identifies = standin.identify_count
    await standin.drop_gateway(code=4000)
    await standin.wait_until_connected()
    handle = await standin.slash("member", name="about", locale="en-US")
    assert "CCEI" in message_text((await handle.response())["data"])
    assert standin.resume_count >= 1
    assert standin.identify_count == identifies


async def test_admin_refused_for_ordinary_member_and_outsider(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    t = running.bot.services.t
    member = await standin.slash("member", name="admin", subcommand="status", locale="ko")
    reply = await member.response()
    assert member.ephemeral
    assert message_text(reply["data"]) == t("errors.not_moderator", "ko")

    outsider = await standin.slash(
        "outsider", name="admin", subcommand="status", guild=standin.other_guild_id, locale="en-US"
    )
    reply = await outsider.response()
    assert outsider.ephemeral
    assert message_text(reply["data"]) == t("errors.wrong_guild", "en")

    moderator = await standin.slash("moderator", name="admin", subcommand="status", locale="en-US")
    reply = await moderator.response()
    assert "Bot status" in message_text(reply["data"])


async def test_viewer_cooldown_stops_one_user_flooding(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    first = await standin.slash("member", name="about", locale="en-US")
    await first.response()
    assert not first.ephemeral
    second = await standin.slash("member", name="about", locale="ko")
    reply = await second.response()
    assert second.ephemeral
    assert "잠시 후에 다시" in message_text(reply["data"])
    other = await standin.slash("member2", name="about", locale="en-US")
    await other.response()
    assert not other.ephemeral  # the cooldown is per user


async def test_rate_limited_send_is_retried_by_discord_py(
    running: StandInBot, standin: DiscordStandIn
) -> None:
    standin.fail_next("POST", "/channels/{channel_id}/messages", status=429, retry_after=0.05)
    channel = running.bot.get_channel(standin.channels["announce"])
    assert channel is not None
    cursor = standin.cursor()
    await channel.send("hello", allowed_mentions=discord.AllowedMentions.none())  # type: ignore[union-attr]
    sends = [
        r
        for r in standin.requests[cursor.requests :]
        if r.method == "POST" and r.route == "/channels/{channel_id}/messages"
    ]
    assert [r.status for r in sends] == [429, 200]
    assert [m["content"] for m in standin.messages("announce")] == ["hello"]


async def test_unexpected_errors_answer_with_an_error_id_and_log_the_traceback(
    launch: Launcher, standin: DiscordStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await launch(extensions=["cogs.about", "cogs.admin", "tests.bot.boom_extension"])
    handle = await standin.slash("member", name="boom", locale="ko")
    text = message_text((await handle.response())["data"])
    assert handle.ephemeral
    match = re.search(r"`([0-9a-f]{8})`", text)
    assert match, text
    assert "운영진에게 오류 번호" in text
    assert "kaboom" not in text
    assert "Traceback" not in text
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged
    assert logged[0].exc_info is not None
    assert "kaboom" in str(logged[0].exc_info[1])


async def test_about_follows_a_moderators_delay(launch: Launcher, standin: DiscordStandIn) -> None:
    # Noon on the event day: nothing has started, so the whole afternoon can move.
    clock = FrozenClock(datetime(2022, 12, 15, 3, 0, tzinfo=UTC))
    await launch(clock=clock)
    cursor = standin.cursor()
    delay = await standin.slash(
        "moderator", name="admin", subcommand="delay", options={"minutes": 15}, locale="en-US"
    )
    await delay.response()
    await standin.wait_for_message(
        "announce", predicate=lambda m: "13:15" in message_text(m), after=cursor
    )
    reply = await (await standin.slash("member", name="about", locale="en-US")).response()
    text = message_text(reply["data"])
    assert "13:15-16:45 KST" in text
    assert "<t:1671077700:F>" in text  # 13:15 KST
