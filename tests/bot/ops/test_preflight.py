"""``ccei-bot preflight`` end to end against the Discord and YouTube stand-ins, and its pure parts."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import discord
import pytest

from bot.clock import FrozenClock
from bot.config import Config
from bot.ops.preflight import channel_permissions, estimate_units, run_preflight
from bot.rehearsal.discord_standin import DiscordStandIn
from bot.rehearsal.run import standin_settings
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.settings import SecretStr, Settings
from bot.store import Store

NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
VIDEO = "ccei2026live"


@pytest.fixture
async def youtube() -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=FrozenClock(NOW)) as standin:
        yield standin


@pytest.fixture
def day_config(event_config: Config, youtube: YouTubeStandIn) -> Config:
    """The shipped event a week from NOW, naming the stand-ins' server and a scheduled stream."""
    starts = datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
    youtube.schedule(VIDEO, "2026 CCEI Open Innovation", starts)
    return dataclasses.replace(
        event_config,
        event=dataclasses.replace(event_config.event, date=date(2026, 12, 15)),
        youtube=dataclasses.replace(event_config.youtube, video_id=VIDEO),
    )


def settings_for(standin: DiscordStandIn, youtube: YouTubeStandIn, key: str = "") -> Settings:
    return standin_settings(
        standin,
        Settings(
            youtube_api_key=SecretStr(key or youtube.api_key),
            youtube_api_base=youtube.api_base,
        ),
    )


async def preflight(config: Config, settings: Settings, data_dir: Path) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = await run_preflight(config, settings, data_dir=data_dir, out=out, clock=FrozenClock(NOW))
    return code, out.getvalue().splitlines()


def lines_about(lines: list[str], subject: str) -> list[str]:
    return [line for line in lines if line.split(None, 1)[1].startswith(subject + ":")]


async def test_all_green_reads_only_and_never_connects(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    code, lines = await preflight(day_config, settings_for(standin, youtube), tmp_path / "data")
    assert code == 0, lines
    assert not [line for line in lines if line.startswith("PROBLEM")], lines
    assert lines[-1].startswith("ready for the day")
    assert lines_about(lines, "discord token")[0].startswith("ok")
    assert "CCEI Companion" in lines_about(lines, "discord token")[0]
    assert "#announce: the bot can view, send, embed and attach" in "\n".join(lines)
    assert lines_about(lines, "reminder role")[0].startswith("ok")
    assert lines_about(lines, "scheduled events")[0].startswith("ok")
    assert "@CCEISAY is UCcceisayStandIn00000000" in lines_about(lines, "youtube channel")[0]
    assert "is scheduled for 2026-12-15T04:00:00Z" in lines_about(lines, "youtube stream")[0]
    quota = lines_about(lines, "youtube quota")
    assert quota
    assert all(line.startswith("ok") for line in quota)
    # Nothing posted, nothing changed, no gateway: only REST reads.
    assert {request.method for request in standin.requests} == {"GET"}
    assert standin.identify_count == 0
    assert standin.gateway_events_received == []
    assert youtube.calls["search.list"] == 0
    assert sum(youtube.calls.values()) == 2  # the handle and the video: 2 units
    # Secrets never printed.
    text = "\n".join(lines)
    assert standin.token not in text
    assert youtube.api_key not in text


async def test_a_missing_channel_permission_is_a_problem_naming_it(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    standin.deny_bot_permission("announce", "embed_links")
    code, lines = await preflight(day_config, settings_for(standin, youtube), tmp_path)
    assert code == 2
    [announce] = lines_about(lines, "announce channel")
    assert announce.startswith("PROBLEM")
    assert "#announce: the bot lacks Embed Links" in announce
    assert lines_about(lines, "Q&A channel")[0].startswith("ok")
    assert lines[-1].startswith("NOT READY: 1 problem(s) (announce channel)")


async def test_a_wrong_server_id_says_so_with_an_invite_link(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    wrong = dataclasses.replace(
        day_config, discord=dataclasses.replace(day_config.discord, guild_id=123456789012345678)
    )
    code, lines = await preflight(wrong, settings_for(standin, youtube), tmp_path)
    assert code == 2
    [server] = lines_about(lines, "server")
    assert server.startswith("PROBLEM")
    assert "the bot is not in server 123456789012345678" in server
    assert f"client_id={standin.application_id}" in server
    assert "permissions=17601044532224" in server


async def test_a_role_nobody_can_ping_is_a_problem(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    standin.world.role("reminder").mentionable = False
    code, lines = await preflight(day_config, settings_for(standin, youtube), tmp_path)
    assert code == 2
    [role] = lines_about(lines, "reminder role")
    assert role.startswith("PROBLEM")
    assert "cannot be pinged" in role
    assert "@mention this role" in role


async def test_an_invalid_youtube_key_is_a_key_problem(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    settings = settings_for(standin, youtube, key="AIzaWrongKey000")
    code, lines = await preflight(day_config, settings, tmp_path)
    assert code == 2
    [key] = lines_about(lines, "youtube key")
    assert key.startswith("PROBLEM")
    assert "HTTP 400 API_KEY_INVALID" in key
    assert "set YOUTUBE_API_KEY" in key
    assert "AIzaWrongKey000" not in "\n".join(lines)
    # Discord's checks still ran and passed.
    assert lines_about(lines, "announce channel")[0].startswith("ok")


async def test_an_unknown_channel_handle_is_a_problem(
    standin: DiscordStandIn, youtube: YouTubeStandIn, day_config: Config, tmp_path: Path
) -> None:
    config = dataclasses.replace(
        day_config, youtube=dataclasses.replace(day_config.youtube, channel="@NoSuchChannel")
    )
    code, lines = await preflight(config, settings_for(standin, youtube), tmp_path)
    assert code == 2
    [channel] = lines_about(lines, "youtube channel")
    assert channel.startswith("PROBLEM")
    assert "YouTube knows no channel @NoSuchChannel" in channel
    assert lines_about(lines, "youtube key")[0].startswith("ok")


async def test_warnings_and_a_past_date_and_admin_setup_choices(
    standin: DiscordStandIn, youtube: YouTubeStandIn, event_config: Config, tmp_path: Path
) -> None:
    # The shipped 2022 date is over; no video id, no Q&A channel in the config: warnings only for
    # those two, a problem for the date. /admin setup stored an audit channel that was deleted.
    config = dataclasses.replace(
        event_config, discord=dataclasses.replace(event_config.discord, qna_channel_id=0)
    )
    store = await Store.open(tmp_path)
    await store.set_setting("audit_channel_id", 999, scope=f"guild:{standin.guild_id}")
    await store.close()
    code, lines = await preflight(config, settings_for(standin, youtube), tmp_path)
    assert code == 2
    assert lines_about(lines, "event date")[0].startswith("PROBLEM")
    assert "2022-12-15 13:00-16:30 Asia/Seoul is over" in lines_about(lines, "event date")[0]
    assert lines_about(lines, "youtube stream")[0].startswith("WARNING")
    assert lines_about(lines, "Q&A channel")[0].startswith("WARNING")
    [audit] = lines_about(lines, "audit channel")
    assert audit.startswith("WARNING")
    assert "channel 999 (from config and /admin setup)" in audit
    assert lines_about(lines, "database")[0].startswith("ok")
    assert lines[-1].startswith("NOT READY: 1 problem(s) (event date) and 3 warning(s)")


def test_channel_permissions_follow_discords_order() -> None:
    view, send = discord.Permissions(view_channel=True), discord.Permissions(send_messages=True)
    roles = {1: (view | send).value, 2: 0}
    common = {"guild_id": 1, "owner_id": 9, "user_id": 5, "role_permissions": roles}
    # @everyone denies send, the bot's role allows it back, the member overwrite denies it again.
    overwrites = [
        {"id": "1", "type": 0, "allow": "0", "deny": str(send.value)},
        {"id": "2", "type": 0, "allow": str(send.value), "deny": "0"},
    ]
    allowed = channel_permissions(member_roles=[2], overwrites=overwrites, **common)
    assert discord.Permissions(allowed).send_messages
    member = {"id": "5", "type": 1, "allow": "0", "deny": str(send.value)}
    denied = channel_permissions(member_roles=[2], overwrites=[*overwrites, member], **common)
    assert not discord.Permissions(denied).send_messages
    hidden = {"id": "1", "type": 0, "allow": "0", "deny": str(view.value)}
    assert channel_permissions(member_roles=[2], overwrites=[hidden], **common) == 0
    admin = {**common, "role_permissions": {1: 0, 2: discord.Permissions(administrator=True).value}}
    assert channel_permissions(member_roles=[2], overwrites=[hidden], **admin) == (
        discord.Permissions.all().value
    )


def test_quota_estimate_splits_the_window_by_pacific_day(base_config: Config) -> None:
    # 13:00-16:30 KST is 20:00-23:30 PST the day before; the fast window closes at midnight PST.
    estimate = estimate_units(base_config)
    assert list(estimate) == [date(2022, 12, 14), date(2022, 12, 15)]
    fast = timedelta(hours=4, minutes=30) // timedelta(seconds=10)  # 19:30-24:00 PST
    idle = timedelta(hours=19, minutes=30) // timedelta(minutes=5)
    assert estimate[date(2022, 12, 14)] == fast + idle + 1  # + the handle's channels.list
    assert estimate[date(2022, 12, 15)] == 24 * 12
