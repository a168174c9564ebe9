"""The recap over a whole compressed day, every seam real: the YouTube stand-in plays the stream, the
live relay records it and follows the recording, the schedule delays, a moderator marks a start,
viewers ask the FAQ and /ask, and the recap builds chapters, the replay post and the report.

Event time is frozen and stepped (:class:`SteppedClock`): the relay's own loop polls once at start-up
(``poll_active`` is long, so it sleeps through the test) and every later poll is run here at a chosen
moment. So the viewer samples, and with them every figure of the report, are exact.

The report's reminder part is read from the schedule's own seam (``services.reminder_records``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from bot.clock import FrozenClock
from bot.config import Config, YouTubeSection
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.youtube_standin import YouTubeStandIn
from cogs.recap._chart import SHADES
from tests.cogs.live.conftest import relay_of, youtube_settings
from tests.cogs.recap.records import seoul
from tests.conftest import Launcher, admin

VIDEO = "ccei2022live"
REPLAY = f"https://youtu.be/{VIDEO}"
EXTENSIONS = ["cogs.schedule", "cogs.live", "cogs.faq", "cogs.recap"]
#: The loop's own polls would come every 10 min of frozen time, i.e. never during the test;
#: the recording is checked every 5 min of event time, as in production.
YOUTUBE = YouTubeSection(
    channel="@CCEISAY", poll_active=timedelta(minutes=10), poll_idle=timedelta(minutes=5)
)
CHAPTERS = (
    "0:00 오프닝\n"
    "1:30 강연: 오픈이노베이션, 무엇에 집중해야 하는가?\n"
    "1:04:50 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?\n"
    "2:16:30 성과공유회\n"
    "3:06:30 네트워킹"
)


class SteppedClock(FrozenClock):
    """Event time that moves only when the test sets it. A timer for a later event time waits that
    long in real time (so none fires during the test: the schedule's reminders, the report's
    timer), where a plain FrozenClock would put it in 2022 and fire it at once."""

    def real_time(self, event_time: datetime) -> datetime:
        return datetime.now(UTC) + (event_time - self.now())


def is_replay(message: dict[str, Any]) -> bool:
    return REPLAY in message["content"]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def band_runs(png: bytes) -> list[str]:
    """The session shades met, left to right, along the row of the plot that crosses the most of
    them (the line, labels and grid interrupt rows; a band is one run of its shade). The shades
    are drawn at 90 % over white."""
    blended = {
        colour: tuple(0.9 * int(colour[i : i + 2], 16) + 0.1 * 255 for i in (1, 3, 5))
        for colour in SHADES
    }

    def shade_of(pixel: tuple[int, int, int]) -> str | None:
        for colour, rgb in blended.items():
            if all(abs(p - c) <= 3 for p, c in zip(pixel, rgb, strict=True)):
                return colour
        return None

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        pixels = rgb.load()
        assert pixels is not None
        width, height = rgb.size
        best: list[str] = []
        for y in range(height // 5, height * 4 // 5, 8):
            runs: list[str] = []
            for x in range(width):
                shade = shade_of(pixels[x, y])  # type: ignore[arg-type]
                if shade is not None and (not runs or runs[-1] != shade):
                    runs.append(shade)
            best = max(best, runs, key=len)
    return best


async def test_a_compressed_day_from_the_stand_ins_to_the_report(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    clock = SteppedClock(seoul(12, 58, 30))
    async with YouTubeStandIn(clock=clock) as youtube:
        youtube.go_live(VIDEO, seoul(12, 58, 30), title="2022 CCEI 공동 오픈이노베이션")
        youtube.set_viewers(VIDEO, 10)
        start = standin.cursor()
        running = await launch(
            config=dataclasses.replace(event_config, youtube=YOUTUBE),
            clock=clock,
            settings=youtube_settings(standin, youtube, youtube.api_key),
            extensions=EXTENSIONS,
        )
        services = running.bot.services
        relay = relay_of(running)
        # The loop's first poll: the live post, and the first sample at 12:58:30.
        await standin.wait_for_message(
            "announce",
            predicate=lambda m: f"watch?v={VIDEO}" in m["content"],
            after=start,
            timeout=10,
        )
        # From here the test runs every poll itself. The relay's own loop is stopped: a wake (a
        # discovery hint) would make it poll at whatever moment the stepped clock shows, adding a
        # sample the test did not choose.
        async with relay._poll_lock:
            assert relay._task is not None
            relay._task.cancel()

        async def poll_at(hour: int, minute: int, second: int = 0) -> None:
            clock.set(seoul(hour, minute, second))
            await relay.poll_once()

        async def reply(handle: Any) -> str:
            return message_text((await handle.response())["data"])

        clock.set(seoul(13, 5))
        live = await standin.slash("member", name="replay", locale="en-US")
        assert await reply(live) == (
            f"🔴 The stream is live now (since <t:{int(seoul(12, 58, 30).timestamp())}:F>): "
            f"{REPLAY}\nThe recording will be linked here when it is ready after the stream."
        )

        async def viewers_at(hour: int, minute: int, viewers: int) -> None:
            youtube.set_viewers(VIDEO, viewers)
            await poll_at(hour, minute)

        # The afternoon: viewers polled, questions asked, a start marked, a delay.
        await viewers_at(13, 10, 120)
        await viewers_at(13, 40, 180)
        for user, question, locale in (
            ("member", "장소 어디에요", "ko"),
            ("member2", "where is the venue", "en-US"),
            ("member2", "삼성이랑 하는 프로그램", "ko"),  # suggestions, none picked
            ("member", "주차 가능한가요?", "ko"),  # nothing answers it
        ):
            await (
                await standin.slash(user, name="faq", options={"question": question}, locale=locale)
            ).response()
        weak = await standin.slash(
            "member", name="faq", options={"question": "삼성이랑 하는 프로그램"}, locale="ko"
        )
        await weak.response()
        member = standin.users["member"].id
        await (await standin.click("member", weak.original, f"faq:pick:daegu:{member}")).response()
        for user, question in (
            ("member", "토크콘서트 연사님들께: 앞으로 가장 중요한 과제는?"),
            ("member2", "Will the slides be shared?"),
        ):
            asked = await standin.slash(user, name="ask", options={"question": question})
            await asked.wait_original()  # deferred while the question is posted
        slides = next(m for m in standin.messages("qna") if "Will the slides" in m["content"])
        await (await standin.click("member", slides, "qna:vote:2")).response()
        await viewers_at(14, 10, 300)
        mark = await admin(
            standin, "moderator", "start", group="session", session="talk-concert", at="14:03:20"
        )
        assert "14:03:20" in await reply(mark)
        await viewers_at(14, 40, 420)
        clock.set(seoul(15))
        await (await admin(standin, "moderator", "delay", minutes=5)).response()
        answered = await admin(standin, "moderator", "questions", number=1, action="answered")
        await answered.response()
        await viewers_at(15, 20, 260)
        await viewers_at(15, 50, 200)
        await viewers_at(16, 10, 90)
        await viewers_at(16, 30, 60)

        # The end, the chapters, /replay while YouTube prepares the recording.
        youtube.end(VIDEO, seoul(16, 40))
        await poll_at(16, 40, 10)
        clock.set(seoul(16, 41))
        chapters = await admin(standin, "moderator", "chapters", locale="en-US")
        chapters_text = await reply(chapters)
        assert f"```\n{CHAPTERS}\n```" in chapters_text
        processing = await standin.slash("member", name="replay", locale="en-US")
        assert await reply(processing) == (
            f"⏹️ The stream ran from <t:{int(seoul(12, 58, 30).timestamp())}:F> to "
            f"<t:{int(seoul(16, 40).timestamp())}:t>. YouTube is preparing the recording: it will "
            "be linked here when it is ready."
        )

        # The recording is asked about once per poll_idle; while it is processing nothing is
        # posted, also after the stand-in has it ready but before the relay has looked again.
        asked = youtube.calls["videos.list"]
        await poll_at(16, 42)
        assert youtube.calls["videos.list"] == asked
        await poll_at(16, 45, 10)
        assert youtube.calls["videos.list"] == asked + 1
        clock.set(seoul(16, 46))
        youtube.make_recording_available(VIDEO)
        await poll_at(16, 47)
        assert youtube.calls["videos.list"] == asked + 1
        assert relay.broadcasts[VIDEO].recording == "processing"
        await standin.gateway_barrier()
        assert [m for m in standin.messages("announce") if is_replay(m)] == []

        cursor = standin.cursor()
        await poll_at(16, 50, 10)
        assert youtube.calls["videos.list"] == asked + 2
        post = await standin.wait_for_message("announce", predicate=is_replay, after=cursor)
        # The last line is the outbox's marker (a post made once: docs/reliability.md).
        text, marker = post["content"].rsplit("\n", 1)
        assert marker.startswith("-# ")
        assert text == (
            "📺 **2022 창조경제혁신센터 공동 오픈이노베이션** 다시보기가 올라왔어요!\n"
            f"{REPLAY}\n"
            "세션별로 바로 보기:\n"
            f"• 강연: 오픈이노베이션, 무엇에 집중해야 하는가?: <{REPLAY}?t=90>\n"
            "• 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?: "
            f"<{REPLAY}?t=3890>\n"
            f"• 성과공유회: <{REPLAY}?t=8190>\n"
            f"• 네트워킹: <{REPLAY}?t=11190>"
        )
        # Once: more polls and another attempt find it made.
        await poll_at(16, 55, 10)
        record = await relay.stream_record()
        assert record is not None
        assert record.replay_link == REPLAY
        feature: Any = services.session_marks
        assert await feature.post_replay(record) == 0
        assert youtube.calls["videos.list"] == asked + 2
        assert [m["id"] for m in standin.messages("announce") if is_replay(m)] == [post["id"]]
        after = await standin.slash("member", name="replay", locale="ko")
        assert await reply(after) == text
        faq = await standin.slash(
            "member2", name="faq", options={"question": "다시보기 되나요?"}, locale="ko"
        )
        assert f"다시보기로 볼 수 있어요: {REPLAY}\n" in await reply(faq)

        # The report: every figure from what happened above.
        report = await admin(standin, "moderator", "report", locale="en-US")
        await report.response()
        message = await report.wait_original()
        embed = message["embeds"][0]
        assert embed["description"] == (
            f"**Stream** 12:58–16:40 KST (3 h 41 min) · {REPLAY}\n"
            "Peak concurrent viewers 420 (14:40) · average 222"
        )
        fields = {f["name"]: f["value"] for f in embed["fields"]}
        assert fields["Viewers per session (peak · average)"] == (
            "• **Lecture: Open innovation - what should we focus on?** 13:00:00 — 180 · 146\n"
            "• **Talk concert: Open innovation - what is the role of a public accelerator?** "
            "14:03:20 (+3 min) — 420 · 365\n"
            "• **Results-sharing session** 15:15:00 (+5 min) — 260 · 240\n"
            "• **Networking** 16:05:00 (+5 min) — 90 · 84"
        )
        # The schedule's own record of the day (its numbers are the schedule tests' business).
        assert services.reminder_records is not None
        reminders = await services.reminder_records.reminder_record()
        assert reminders.sent > 0
        assert fields["Reminders"] == (
            f"{reminders.sent} channel reminders · {reminders.dm_sent} DMs\n"
            f"Opted in: {reminders.role_optins} by role · {reminders.dm_optins} by DM"
        )
        assert fields["FAQ"] == (
            "Answered 4 · suggestions only 1 · unanswered 1\nMost asked:\n"
            "1. Where is the venue? (2×)\n"
            "2. Will there be a replay? (1×)\n"
            "3. What is the Daegu center doing? (1×)"
        )
        assert fields["Unanswered questions"] == "• 주차 가능한가요? (×1)"
        assert fields["/ask questions (👍 votes)"] == (
            "• ⬜ Will the slides be shared? — 👍 1\n"
            "• ✅ 토크콘서트 연사님들께: 앞으로 가장 중요한 과제는? — 👍 0"
        )
        actions = Counter(e["action"] for e in await services.store.audit_entries(standin.guild_id))
        assert fields["Moderator actions (event day)"] == "\n".join(
            f"`{action}` ×{count}" for action, count in sorted(actions.items())
        )
        assert set(actions) == {"session_start", "delay", "question_answered"}

        files = {
            a["filename"]: standin.store.attachment_files[int(a["id"])].data
            for a in message["attachments"]
        }
        with Image.open(io.BytesIO(files["viewer-chart.png"])) as image:
            assert (image.format, image.size) == ("PNG", (1000, 400))
        assert band_runs(files["viewer-chart.png"]) == [*SHADES, *SHADES]  # four sessions
        samples = csv_rows(files["viewer-samples.csv"])
        assert samples[0] == ["time_utc", "time_local", "viewers", "session_id", "session_title"]
        assert [(row[1][11:19], row[2], row[3]) for row in samples[1:]] == [
            ("12:58:30", "10", ""),
            ("13:10:00", "120", "lecture"),
            ("13:40:00", "180", "lecture"),
            ("14:10:00", "300", "talk-concert"),
            ("14:40:00", "420", "talk-concert"),
            ("15:20:00", "260", "results"),
            ("15:50:00", "200", "results"),
            ("16:10:00", "90", "networking"),
            ("16:30:00", "60", "networking"),
        ]
        assert datetime.fromisoformat(samples[1][0]) == seoul(12, 58, 30).astimezone(UTC)
        questions = csv_rows(files["questions-asked.csv"])
        assert [row[:5] for row in questions] == [
            ["kind", "text", "times_asked", "votes", "answered"],
            ["faq_unanswered", "주차 가능한가요?", "1", "", "no"],
            ["ask", "Will the slides be shared?", "1", "1", "no"],
            ["ask", "토크콘서트 연사님들께: 앞으로 가장 중요한 과제는?", "1", "0", "yes"],
        ]
        await running.stop()
