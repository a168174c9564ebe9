"""Viewer commands end to end: ``/schedule`` (+ calendar), ``/next``, ``/remind on|off|dm`` and the
agenda's buttons, also after a restart."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bot.clock import ScaledClock
from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text, perms
from tests.cogs.schedule.conftest import feature_of
from tests.conftest import Launcher
from tests.programs import seoul

EPHEMERAL = 1 << 6
ICS_BUTTON = "schedule:ics"
REMIND_BUTTON = "schedule:remind"


def attachment_data(standin: DiscordStandIn, message: dict[str, Any]) -> tuple[str, bytes]:
    (attachment,) = message["attachments"]
    return attachment["filename"], standin.store.attachment_files[int(attachment["id"])].data


def calendar_events(data: bytes) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(data)
    return [c for c in calendar.walk() if c.name == "VEVENT"]


async def test_schedule_shows_now_and_next_with_both_times_and_a_calendar_file(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    # 13:20 KST: the lecture is on, the talk concert is next.
    running = await launch(clock=ScaledClock(seoul(13, 20), 1.0))
    views = len(running.bot.persistent_views)
    handle = await standin.slash("member", name="schedule", options={"calendar": True}, locale="ko")
    await handle.response()
    message = handle.original
    assert message is not None
    assert not handle.ephemeral
    agenda = message["embeds"][0]["description"]
    lines = agenda.splitlines()
    lecture = next(line for line in lines if "강연" in line)
    talk = next(line for line in lines if "토크콘서트" in line)
    assert lecture.startswith("▶️ **<t:1671076800:t>–<t:1671079800:t> (13:00–13:50 KST)")
    assert "진행 중" in lecture
    assert talk.startswith("⏭️ <t:1671080400:t>–<t:1671084000:t> (14:00–15:00 KST)")
    assert "다음" in talk
    labels = [c["label"] for row in message["components"] for c in row["components"]]
    assert labels == ["캘린더 파일 (.ics)", "알림 받기"]

    # The agenda is public, the calendar file only for the asker.
    assert message["attachments"] == []
    private = await handle.wait_followup()
    assert private["flags"] & EPHEMERAL
    assert "캘린더 앱으로 열어 주세요" in private["content"]
    name, data = attachment_data(standin, private)
    assert name == "ccei-program-20221215.ics"
    events = calendar_events(data)
    assert len(events) == 4
    assert str(events[0]["SUMMARY"]) == "강연: 오픈이노베이션, 무엇에 집중해야 하는가?"
    assert events[0].decoded("DTSTART") == seoul(13)

    # The button gives the same file, privately and in the presser's language.
    click = await standin.click("member2", message, ICS_BUTTON, locale="en-US")
    reply = await click.response()
    assert click.ephemeral
    assert "calendar file" in message_text(reply["data"])
    assert click.original is not None
    _, data = attachment_data(standin, click.original)
    assert str(calendar_events(data)[1]["SUMMARY"]).startswith("Talk concert")
    # The persistent view registered at start-up answered: none is kept per agenda posted.
    assert len(running.bot.persistent_views) == views


async def test_next_names_what_is_on_and_what_follows(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    await launch(clock=ScaledClock(seoul(13, 20), 1.0))
    handle = await standin.slash("member2", name="next", locale="en-US")
    text = message_text((await handle.response())["data"])
    assert (
        "On now: **Lecture: Open innovation - what should we focus on?** (until 13:50 KST)" in text
    )
    assert "Next: **Talk concert" in text
    assert "<t:1671080400:t> (14:00 KST), in 40 min" in text
    assert "https://www.youtube.com/@CCEISAY/live" in text


@pytest.mark.parametrize("command", ["schedule", "next"])
async def test_public_answers_have_a_per_user_cooldown(
    launch: Launcher, standin: DiscordStandIn, command: str
) -> None:
    await launch()
    first = await standin.slash("member", name=command, locale="ko")
    await first.response()
    assert not first.ephemeral
    again = await standin.slash("member", name=command, locale="ko")
    reply = await again.response()
    assert again.ephemeral
    assert "잠시 후에 다시" in message_text(reply["data"])
    other = await standin.slash("member2", name=command, locale="en-US")
    await other.response()
    assert not other.ephemeral  # the cooldown is per user
    assert first.original is not None
    assert other.original is not None
    public = [m["id"] for m in standin.messages("general") if not m["flags"] & EPHEMERAL]
    assert public == [first.original["id"], other.original["id"]]


async def test_remind_on_and_off_toggle_the_role_and_the_button_works_after_a_restart(
    launch: Launcher, standin: DiscordStandIn, tmp_path: Path
) -> None:
    role = standin.roles["reminder"]
    first = await launch(data_dir=tmp_path / "data")

    async def remind(sub: str) -> str:
        handle = await standin.slash("member", name="remind", subcommand=sub, locale="en-US")
        reply = await handle.response()
        assert handle.ephemeral
        return message_text(reply["data"])

    assert "pinged with the reminder role" in await remind("on")
    assert role in standin.member_roles("member")
    assert "already have the reminder role" in await remind("on")
    assert "no longer be pinged" in await remind("off")
    assert role not in standin.member_roles("member")
    assert "do not have the reminder role" in await remind("off")

    agenda = await standin.slash("member", name="schedule", locale="ko")
    await agenda.response()
    message = agenda.original
    assert message is not None
    await first.stop()

    await launch(data_dir=tmp_path / "data")
    click = await standin.click("member", message, REMIND_BUTTON, locale="ko")
    reply = await click.response()
    assert click.ephemeral
    assert "reminder 역할로 멘션해 드려요" in message_text(reply["data"])
    assert role in standin.member_roles("member")


async def test_remind_dm_with_closed_dms_says_how_to_open_them(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    running = await launch()
    standin.close_dms("member")
    handle = await standin.slash(
        "member", name="remind", subcommand="dm", options={"enabled": True}, locale="ko"
    )
    await handle.response()
    text = message_text(await handle.wait_followup())
    assert "DM을 보낼 수 없어요" in text
    assert "다이렉트 메시지 허용" in text
    store = feature_of(running).store
    assert await store.dm_users() == {}

    handle = await standin.slash(
        "member2", name="remind", subcommand="dm", options={"enabled": True}, locale="en-US"
    )
    await handle.response()
    assert "by DM" in message_text(await handle.wait_followup())
    assert await store.dm_users() == {standin.users["member2"].id: "en"}
    handle = await standin.slash(
        "member2", name="remind", subcommand="dm", options={"enabled": False}, locale="en-US"
    )
    assert "DM reminders are off" in message_text((await handle.response())["data"])
    assert await store.dm_users() == {}


async def test_remind_refuses_a_reminder_role_that_grants_permissions(
    launch: Launcher, standin: DiscordStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await launch()
    # A config (or a later edit of the role in Discord) made the reminder role a powerful one.
    role = standin.world.role("reminder")
    role.permissions = perms("manage_messages")
    standin.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(role.guild_id), "role": role.payload()})
    await standin.gateway_barrier()

    with caplog.at_level(logging.WARNING, logger="cogs.schedule"):
        handle = await standin.slash("member", name="remind", subcommand="on", locale="en-US")
        reply = await handle.response()
    assert handle.ephemeral
    assert "grants permissions" in message_text(reply["data"])
    assert role.id not in standin.member_roles("member")
    assert any("not changing it" in r.getMessage() for r in caplog.records)

    agenda = await standin.slash("member", name="schedule", locale="ko")
    await agenda.response()
    assert agenda.original is not None
    click = await standin.click("member", agenda.original, REMIND_BUTTON, locale="ko")
    reply = await click.response()
    assert click.ephemeral
    assert "알림용으로 드릴 수 없어요" in message_text(reply["data"])
    assert role.id not in standin.member_roles("member")


async def test_remind_refuses_the_moderator_role_as_reminder_role(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    # The reminder role has no permissions, but it is also the server's moderator role.
    role = standin.roles["reminder"]
    section = dataclasses.replace(event_config.discord, moderator_role_id=role)
    await launch(config=dataclasses.replace(event_config, discord=section))

    handle = await standin.slash("member", name="remind", subcommand="on", locale="en-US")
    assert "grants permissions" in message_text((await handle.response())["data"])
    assert handle.ephemeral
    assert role not in standin.member_roles("member")
    # Nor does the bot take it away from whoever holds it.
    handle = await standin.slash("member2", name="remind", subcommand="off", locale="en-US")
    assert "grants permissions" in message_text((await handle.response())["data"])
    assert role in standin.member_roles("member2")
