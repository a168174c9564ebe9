"""The day's Discord Scheduled Event end to end: created once, kept across a restart, moved by a
delay and by a config reload, started at the program's start and ended at its end; without the
permission, moderators are told once."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from bot.clock import ScaledClock
from bot.config import Config, default_config_path
from bot.rehearsal.discord_standin import DiscordStandIn, RecordedRequest, message_text
from bot.rehearsal.discord_standin.world import BOT_PERMISSIONS, perms
from tests.cogs.schedule.conftest import feature_of
from tests.conftest import Launcher
from tests.programs import compressed, monotonic_at, seoul

EVENTS = "/guilds/{guild_id}/scheduled-events"
ONE_EVENT = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"


def start_of(event: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(event["scheduled_start_time"]))


async def test_created_once_kept_across_a_restart_and_moved_by_a_delay(
    launch: Launcher, standin: DiscordStandIn, tmp_path: Path
) -> None:
    clock = ScaledClock(seoul(12), 1.0)  # an hour before the program
    first = await launch(clock=clock, data_dir=tmp_path / "data")
    await feature_of(first).settle()
    (event,) = standin.scheduled_events()
    assert event["entity_type"] == 3  # EXTERNAL
    assert event["name"] == "2022 창조경제혁신센터 공동 오픈이노베이션"
    assert event["entity_metadata"]["location"] == "https://www.youtube.com/@CCEISAY/live"
    assert "13:00–13:50 강연: 오픈이노베이션" in event["description"]
    start = start_of(event)
    assert abs((start - clock.real_time(seoul(13))).total_seconds()) < 1
    await first.stop()

    second = await launch(clock=clock, data_dir=tmp_path / "data")
    await feature_of(second).settle()
    assert len(standin.scheduled_events()) == 1
    assert [r.method for r in standin.requests if r.route == EVENTS] == ["POST"]
    assert any(r.method == "GET" and r.route == ONE_EVENT for r in standin.requests)

    handle = await standin.slash(
        "moderator", name="admin", subcommand="delay", options={"minutes": 10}, locale="en-US"
    )
    await handle.response()
    assert "Moved 4 sessions" in message_text(await handle.wait_followup())
    await feature_of(second).settle()
    (moved,) = standin.scheduled_events()
    assert moved["id"] == event["id"]
    assert abs((start_of(moved) - start).total_seconds() - 600) < 1
    assert "13:10–14:00 강연" in moved["description"]


async def test_a_reloaded_program_moves_the_event(
    launch: Launcher, standin: DiscordStandIn, tmp_path: Path
) -> None:
    running = await launch(clock=ScaledClock(seoul(12), 1.0))
    feature = feature_of(running)
    await feature.settle()
    (event,) = standin.scheduled_events()

    # The organisers move the lecture to 13:10 in the file, with this server's ids.
    source = default_config_path()
    text = source.read_text("utf-8").replace('start = "13:00"', 'start = "13:10"')
    ids = dataclasses.asdict(running.bot.services.config.discord)
    for key in ("guild_id", "announce_channel_id", "audit_channel_id", "reminder_role_id"):
        text = re.sub(rf"^{key} = 0$", f"{key} = {ids[key]}", text, flags=re.MULTILINE)
    (tmp_path / "event.toml").write_text(text, "utf-8")
    (tmp_path / "faq.toml").write_text((source.parent / "faq.toml").read_text("utf-8"), "utf-8")
    services = running.bot.services
    services.settings = dataclasses.replace(services.settings, config_path=tmp_path / "event.toml")

    cursor = standin.cursor()
    handle = await standin.slash("moderator", name="admin", subcommand="reload", locale="en-US")
    await handle.response()
    edit = await standin.wait_for_request("PATCH", ONE_EVENT, after=cursor)
    assert "13:10–13:50 강연" in edit.json["description"]
    await feature.settle()
    assert feature.version == 2
    times = await running.bot.services.program_times()
    assert times["lecture"][0] == seoul(13, 10)
    assert start_of(standin.scheduled_events()[0]) - start_of(event) == timedelta(minutes=10)


async def test_without_the_permission_moderators_are_told_once(
    launch: Launcher, standin: DiscordStandIn, tmp_path: Path
) -> None:
    standin.set_bot_guild_permissions(BOT_PERMISSIONS & ~perms("manage_events", "create_events"))
    clock = ScaledClock(seoul(12), 1.0)
    for _ in range(2):  # the restart does not repeat the notice
        running = await launch(clock=clock, data_dir=tmp_path / "data")
        await feature_of(running).settle()
        await running.stop()
    notices = [m for m in standin.messages("audit") if "이벤트 만들기" in m["content"]]
    assert len(notices) == 1
    assert standin.allowed_mentions_for(notices[0]["id"])["parse"] == []
    assert standin.scheduled_events() == []
    assert standin.messages("announce") == []


def _status_is(status: int) -> Callable[[RecordedRequest], bool]:
    return lambda request: isinstance(request.json, dict) and request.json.get("status") == status


async def test_started_at_the_program_start_and_ended_at_its_end(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    # One real second is one event minute; the program starts 5 s real after launch (Discord
    # needs a new event to start a couple of real seconds ahead) and lasts one event minute.
    config = compressed(event_config, [("a", "13:00:00", "13:01:00")], before=["0s"])
    clock = ScaledClock(seoul(12, 55), 60.0)
    cursor = standin.cursor()
    running = await launch(config=config, clock=clock)

    create = await standin.wait_for_request("POST", EVENTS, after=cursor, timeout=8)
    assert create.status == 200
    event = create.response
    assert [e["id"] for e in standin.scheduled_events()] == [event["id"]]
    assert event["status"] == 1  # SCHEDULED: created ahead of the start, not started at once
    assert event["entity_type"] == 3  # EXTERNAL
    assert event["entity_metadata"]["location"] == "https://www.youtube.com/@CCEISAY/live"
    assert abs((start_of(event) - clock.real_time(seoul(13))).total_seconds()) < 1
    path = ONE_EVENT.format(guild_id=standin.guild_id, guild_scheduled_event_id=event["id"])

    started = await standin.wait_for_request("PATCH", path, _status_is(2), after=cursor, timeout=8)
    assert started.status == 200
    # Not before the start (the boundary job's own time); lateness is not judged here.
    assert started.timestamp >= monotonic_at(clock, seoul(13)) - 0.5
    assert (started.response["id"], started.response["status"]) == (event["id"], 2)
    assert [e["id"] for e in standin.scheduled_events()] == [event["id"]]

    ended = await standin.wait_for_request("PATCH", path, _status_is(3), after=cursor, timeout=8)
    assert ended.status == 200
    assert (ended.response["id"], ended.response["status"]) == (event["id"], 3)
    assert ended.timestamp >= monotonic_at(clock, seoul(13, 1)) - 0.5
    await feature_of(running).settle()
    (completed,) = standin.scheduled_events()
    assert (completed["id"], completed["status"]) == (event["id"], 3)

    # One event throughout: a single creation, and every edit was of that event.
    event_requests = [
        r for r in standin.requests[cursor.requests :] if "scheduled-events" in r.path
    ]
    assert [r.method for r in event_requests if r.route == EVENTS] == ["POST"]
    assert {r.path for r in event_requests if r.route == ONE_EVENT} <= {path}
    assert [
        r.json["status"] for r in event_requests if r.method == "PATCH" and "status" in r.json
    ] == [2, 3]
