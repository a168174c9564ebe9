"""The recap's commands and posts end to end through the real bot and the Discord stand-in.

A recorded day stands in for the other features at the seams (``services.stream_records`` and
friends), so each case here pins its texts exactly; the rest is real: the program (with a real
``/admin delay``), the marks in SQLite, the commands, the posts and their files. The same day with
the real live and FAQ features behind the seams is ``test_compressed_day.py``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import replace
from typing import Any

import pytest
from PIL import Image

from bot.clock import FrozenClock, ScaledClock
from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import StandInBot
from bot.services import (
    RECORDING_READY_EVENT,
    QuestionRecord,
    ReminderRecord,
    StreamRecord,
)
from tests.cogs.recap.records import VIDEO_ID, questions, reminders, seoul, stream
from tests.conftest import Launcher, admin

EPHEMERAL = 1 << 6
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHAPTERS = (
    "0:00 오프닝\n"
    "1:30 강연: 오픈이노베이션, 무엇에 집중해야 하는가?\n"
    "1:04:50 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?\n"
    "2:16:30 성과공유회"
)


class RecordedDay:
    """The other features' records of the day, as the recap reads them at its seams."""

    def __init__(self, record: StreamRecord) -> None:
        self.stream = record

    async def stream_record(self) -> StreamRecord | None:
        return self.stream

    async def reminder_record(self) -> ReminderRecord:
        return reminders()

    async def question_record(self) -> QuestionRecord:
        return questions()


def use_recorded_day(running: StandInBot, record: StreamRecord) -> RecordedDay:
    day = RecordedDay(record)
    services = running.bot.services
    services.stream_records = day
    services.reminder_records = day
    services.question_records = day
    return day


def files_of(standin: DiscordStandIn, message: dict[str, Any]) -> dict[str, bytes]:
    return {
        a["filename"]: standin.store.attachment_files[int(a["id"])].data
        for a in message["attachments"]
    }


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


async def reply_text(handle: Any) -> str:
    return message_text((await handle.response())["data"])


async def test_marks_chapters_and_the_replay(launch: Launcher, standin: DiscordStandIn) -> None:
    clock = FrozenClock(seoul(14, 5))
    running = await launch(clock=clock, extensions=["cogs.schedule", "cogs.recap"])
    services = running.bot.services

    # The synced options: strings bounded, the session chosen from a list.
    admin_command = next(c for c in standin.commands if c["name"] == "admin")
    group = next(o for o in admin_command["options"] if o["name"] == "session")
    start = next(o for o in group["options"] if o["name"] == "start")
    options = {o["name"]: o for o in start["options"]}
    assert (options["session"]["max_length"], options["session"]["autocomplete"]) == (32, True)
    assert options["at"]["max_length"] == 8
    assert group["name_localizations"]["ko"] == "세션"

    # Marking: refusals first, each ephemeral and changing nothing.
    for options, expected in (
        ({"session": "talk-concert", "at": "14:06"}, "14:06:00 has not come yet"),
        ({"session": "talk-concert", "at": "2pm"}, "Give the time as HH:MM or HH:MM:SS"),
        ({"session": "keynote"}, "There is no program item `keynote`"),
    ):
        handle = await admin(standin, "moderator", "start", group="session", **options)
        assert expected in await reply_text(handle)
        assert handle.ephemeral
    assert services.session_marks is not None
    assert await services.session_marks.start_marks() == {}

    handle = await admin(
        standin, "moderator", "start", group="session", session="talk-concert", at="14:03:20"
    )
    assert await reply_text(handle) == (
        "✅ **Talk concert: Open innovation - what is the role of a public accelerator?**: actual "
        "start recorded as 14:03:20 KST (was 14:00:00). `/admin delay` no longer moves this "
        "session. To correct it, mark it again: the latest mark counts."
    )
    assert await services.session_marks.start_marks() == {"talk-concert": seoul(14, 3, 20)}
    entries = await services.store.audit_entries(standin.guild_id)
    assert entries[0]["action"] == "session_start"
    assert entries[0]["after"] == {"session": "talk-concert", "start": "14:03:20"}

    # The session list offers titles; a real delay moves the sessions still to come.
    choices = await standin.autocomplete(
        "moderator",
        name="admin",
        group="session",
        subcommand="start",
        options={"session": "성과"},
        focused="session",
        locale="ko",
    )
    await choices.response()
    assert choices.choices == [{"name": "15:10 성과공유회 (results)", "value": "results"}]
    delay = await admin(standin, "moderator", "delay", minutes=5)
    await delay.response()
    skip = await admin(standin, "moderator", "skip", group="session", session="networking")
    assert "is marked as skipped" in await reply_text(skip)

    # After the stream: chapters need the stream's start.
    clock.set(seoul(17))
    no_stream = await admin(standin, "moderator", "chapters")
    assert "No chapters yet" in await reply_text(no_stream)
    day = use_recorded_day(running, stream("processing"))
    chapters = await admin(standin, "moderator", "chapters", locale="en-US")
    text = await reply_text(chapters)
    assert f"```\n{CHAPTERS}\n```" in text
    assert "• **네트워킹** is marked as skipped and left out." in text
    english = await admin(standin, "moderator", "chapters", language="en")
    assert "2:16:30 Results-sharing session\n```" in await reply_text(english)

    # /replay before the recording is ready, then the one replay post, then /replay again.
    before = await standin.slash("member", name="replay", locale="en-US")
    assert await reply_text(before) == (
        "⏹️ The stream ran from <t:1671076710:F> to <t:1671089700:t>. YouTube is preparing the "
        "recording: it will be linked here when it is ready."
    )
    assert before.ephemeral
    assert not [m for m in standin.messages("announce") if VIDEO_ID in m["content"]]
    cursor = standin.cursor()
    day.stream = replace(day.stream, recording="ready")
    running.bot.dispatch(RECORDING_READY_EVENT, day.stream)
    running.bot.dispatch(RECORDING_READY_EVENT, day.stream)
    post = await standin.wait_for_message(
        "announce", predicate=lambda m: VIDEO_ID in m["content"], after=cursor
    )
    # The last line is the outbox's marker (a post made once: docs/reliability.md).
    text, marker = post["content"].rsplit("\n", 1)
    assert marker.startswith("-# ")
    assert text == (
        "📺 **2022 창조경제혁신센터 공동 오픈이노베이션** 다시보기가 올라왔어요!\n"
        f"https://youtu.be/{VIDEO_ID}\n"
        "세션별로 바로 보기:\n"
        f"• 강연: 오픈이노베이션, 무엇에 집중해야 하는가?: <https://youtu.be/{VIDEO_ID}?t=90>\n"
        "• 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?: "
        f"<https://youtu.be/{VIDEO_ID}?t=3890>\n"
        f"• 성과공유회: <https://youtu.be/{VIDEO_ID}?t=8190>"
    )
    assert standin.allowed_mentions_for(post["id"])["parse"] == []
    # The second dispatch queued behind the first: once this direct call returns, both are done.
    feature: Any = services.session_marks
    assert await feature.post_replay(day.stream) == 0
    assert len([m for m in standin.messages("announce") if VIDEO_ID in m["content"]]) == 1
    after = await standin.slash("member", name="replay", locale="ko")
    assert await reply_text(after) == text


async def test_the_report_privately_and_posted(launch: Launcher, standin: DiscordStandIn) -> None:
    running = await launch(clock=FrozenClock(seoul(17)), extensions=["cogs.recap"])
    await (
        await admin(standin, "moderator", "skip", group="session", session="networking")
    ).response()
    use_recorded_day(running, stream("ready"))

    handle = await admin(standin, "moderator", "report", locale="en-US")
    await handle.response()
    message = await handle.wait_original()
    assert message["flags"] & EPHEMERAL
    embed = message["embeds"][0]
    assert embed["description"] == (
        f"**Stream** 12:58–16:35 KST (3 h 36 min) · https://youtu.be/{VIDEO_ID}\n"
        "Peak concurrent viewers 400 (14:18) · average 242"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Reminders"] == "12 channel reminders · 30 DMs\nOpted in: 45 by role · 10 by DM"
    assert fields["Moderator actions (event day)"] == "`session_skip` ×1"
    assert "• **Networking** — skipped" in fields["Viewers per session (peak · average)"]
    files = files_of(standin, message)
    assert set(files) == {"viewer-chart.png", "viewer-samples.csv", "questions-asked.csv"}
    assert embed["image"]["url"] == "attachment://viewer-chart.png"
    assert files["viewer-chart.png"].startswith(PNG_SIGNATURE)
    with Image.open(io.BytesIO(files["viewer-chart.png"])) as image:
        assert image.size == (1000, 400)
    samples = csv_rows(files["viewer-samples.csv"])
    assert samples[0][:3] == ["time_utc", "time_local", "viewers"]
    assert [row[2] for row in samples[1:]] == ["10", "100", "200", "150", "400", "300", "50"]
    asked = csv_rows(files["questions-asked.csv"])
    assert [row[0] for row in asked[1:]] == ["faq_unanswered"] * 2 + ["ask"] * 2

    # Posted for everyone: in the channel, in the server's language, and audited.
    cursor = standin.cursor()
    public = await admin(standin, "moderator", "report", post=True, locale="en-US")
    await public.response()
    posted = await public.wait_original()
    assert not posted["flags"] & EPHEMERAL
    assert posted["embeds"][0]["title"] == "📊 2022 창조경제혁신센터 공동 오픈이노베이션 보고서"
    assert len(posted["attachments"]) == 3
    await standin.wait_for_message(
        "audit", predicate=lambda m: "report_post" in m["content"], after=cursor
    )
    entries = await running.bot.services.store.audit_entries(standin.guild_id)
    assert entries[0]["action"] == "report_post"
    assert standin.messages("announce") == []


async def test_the_report_posts_itself_ten_minutes_after_the_end(
    launch: Launcher, standin: DiscordStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """No stream seen: due at the program's end (16:30) + 10 minutes, two real seconds away."""
    clock = ScaledClock(seoul(16, 39), 30.0)
    running = await launch(clock=clock, extensions=["cogs.recap"])
    assert "automatic report planned for 2022-12-15 07:40:00+00:00" in caplog.text
    posted = await standin.wait_for_message(
        "audit", predicate=lambda m: bool(m["attachments"]), timeout=10
    )
    assert posted["content"] == (
        "📊 행사 보고서예요 (방송 종료 10분 뒤 자동 게시). 그래프와 CSV 파일(시청자 수, 질문)을 "
        "첨부했어요."
    )
    embed = posted["embeds"][0]
    assert embed["description"] == (
        "**생중계** 정보 없음 (라이브 중계 기능이 꺼져 있거나 방송을 찾지 못했어요)\n시청자 수 정보 없음"
    )
    assert {f["name"]: f["value"] for f in embed["fields"]}[
        "알림"
    ] == "정보 없음 (이 기능이 꺼져 있어요)"
    assert len(posted["attachments"]) == 3
    # Once: planning again, or trying again, finds it made.
    feature: Any = running.bot.services.session_marks
    await feature.plan_report()
    await feature.post_auto_report()
    await feature.settle()
    assert len([m for m in standin.messages("audit") if m["attachments"]]) == 1


async def test_without_an_audit_channel_a_late_report_goes_to_the_log(
    launch: Launcher,
    standin: DiscordStandIn,
    event_config: Config,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Started after the report was due (within a day): it is made at once, here only logged."""
    discord_section = dataclasses.replace(event_config.discord, audit_channel_id=0)
    config = dataclasses.replace(event_config, discord=discord_section)
    running = await launch(config=config, clock=FrozenClock(seoul(18)), extensions=["cogs.recap"])
    feature: Any = running.bot.services.session_marks
    await feature.settle()
    assert "report (no audit channel): **생중계** 정보 없음" in caplog.text
    assert await feature.store.post_state("report", "2022-12-15", standin.guild_id) == "logged"
    assert standin.messages("audit") == []
