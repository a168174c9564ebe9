"""What the recap says: the chapters reply, the replay post and /replay, the report embed."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

import pytest

from bot.config import Config
from bot.i18n import Catalog
from bot.program import effective_program
from bot.services import AskedQuestion, QuestionRecord, UnansweredText
from cogs.recap._chapters import NoteKind, build_chapters
from cogs.recap._render import (
    MESSAGE_CHARS,
    chapters_reply,
    inert,
    lines_within,
    replay_reply,
    replay_text,
    report_embed,
    session_links,
)
from cogs.recap._report import build_report
from cogs.recap._timeline import DaySession, Mark, day_sessions
from tests.cogs.recap.records import SEOUL, VIDEO_ID, questions, reminders, seoul, stream

EVENT = "2022 창조경제혁신센터 공동 오픈이노베이션"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def marked_day(config: Config, *, skip: bool = True) -> list[DaySession]:
    marks = {"talk-concert": Mark("talk-concert", "start", seoul(14, 3, 20))}
    if skip:
        marks["networking"] = Mark("networking", "skip")
    return day_sessions(effective_program(config, {"results": timedelta(minutes=5)}), marks)


def test_every_chapter_note_has_a_text(catalog: Catalog) -> None:
    for kind in get_args(NoteKind):
        assert catalog.has(f"recap.chapters.note.{kind}"), kind


def test_the_chapters_reply(base_config: Config, catalog: Catalog) -> None:
    record = stream()
    assert record.actual_start is not None
    chapters = build_chapters(
        marked_day(base_config), record.actual_start, record.actual_end, "ko", intro_title="오프닝"
    )
    assert chapters_reply(chapters, catalog.t, "en") == (
        "📑 Chapters to paste into the YouTube description:\n"
        "```\n"
        "0:00 오프닝\n"
        "1:30 강연: 오픈이노베이션, 무엇에 집중해야 하는가?\n"
        "1:04:50 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?\n"
        "2:16:30 성과공유회\n"
        "```\n"
        "Adjusted to YouTube's rules:\n"
        "• **네트워킹** is marked as skipped and left out.\n"
        "• The time before the first session has its own `0:00` line."
    )


def test_session_links_start_at_each_actual_start_rounded_down(base_config: Config) -> None:
    day = marked_day(base_config, skip=False)
    late = stream().__class__(
        video_id=VIDEO_ID,
        actual_start=seoul(12, 58, 30) + timedelta(milliseconds=400),
        actual_end=seoul(16),
        recording="ready",
    )
    links = session_links(late, day, "en")
    assert [(link.session_id, link.url) for link in links] == [
        ("lecture", f"https://youtu.be/{VIDEO_ID}?t=89"),  # 89.6 s
        ("talk-concert", f"https://youtu.be/{VIDEO_ID}?t=3889"),
        ("results", f"https://youtu.be/{VIDEO_ID}?t=8189"),
    ]  # networking starts at 16:00, when the stream ended: not in the recording
    assert links[0].title == "Lecture: Open innovation - what should we focus on?"


def test_a_session_that_started_before_the_stream_links_to_zero(base_config: Config) -> None:
    early = stream("ready").__class__(
        video_id=VIDEO_ID, actual_start=seoul(13, 5), actual_end=seoul(16, 35), recording="ready"
    )
    links = session_links(early, marked_day(base_config), "ko")
    assert links[0].url == f"https://youtu.be/{VIDEO_ID}?t=0"


def test_the_replay_post(base_config: Config, catalog: Catalog) -> None:
    text = replay_text(stream("ready"), marked_day(base_config), EVENT, catalog.t, "ko")
    assert text == (
        f"📺 **{EVENT}** 다시보기가 올라왔어요!\n"
        f"https://youtu.be/{VIDEO_ID}\n"
        "세션별로 바로 보기:\n"
        f"• 강연: 오픈이노베이션, 무엇에 집중해야 하는가?: <https://youtu.be/{VIDEO_ID}?t=90>\n"
        f"• 토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?: <https://youtu.be/{VIDEO_ID}?t=3890>\n"
        f"• 성과공유회: <https://youtu.be/{VIDEO_ID}?t=8190>"
    )


def test_a_long_program_stays_within_one_message(base_config: Config, catalog: Catalog) -> None:
    many = [*marked_day(base_config, skip=False)] * 40
    text = replay_text(stream("ready"), many, EVENT, catalog.t, "en")
    assert len(text) <= MESSAGE_CHARS
    assert text.endswith("more")


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            None,
            "📅 The stream is scheduled <t:1671076800:F> to <t:1671089400:t> (<t:1671076800:R>).\n"
            "The recording will be linked here when it is ready.",
        ),
        (
            stream(ended=False),
            f"🔴 The stream is live now (since <t:1671076710:F>): https://youtu.be/{VIDEO_ID}\n"
            "The recording will be linked here when it is ready after the stream.",
        ),
        (
            stream("processing"),
            "⏹️ The stream ran from <t:1671076710:F> to <t:1671089700:t>. YouTube is preparing the "
            "recording: it will be linked here when it is ready.",
        ),
        (
            stream("unavailable"),
            "⏹️ The stream ran from <t:1671076710:F> to <t:1671089700:t>. YouTube has not "
            "published a recording.",
        ),
    ],
)
def test_replay_before_the_recording(
    base_config: Config, catalog: Catalog, record: object, expected: str
) -> None:
    text = replay_reply(
        record,  # type: ignore[arg-type]
        marked_day(base_config),
        program_start=seoul(13),
        program_end=seoul(16, 30),
        event_name=EVENT,
        t=catalog.t,
        locale="en",
    )
    assert text == expected


def test_replay_after_the_recording_is_the_post(base_config: Config, catalog: Catalog) -> None:
    day = marked_day(base_config)
    text = replay_reply(
        stream("ready"),
        day,
        program_start=seoul(13),
        program_end=seoul(16, 30),
        event_name=EVENT,
        t=catalog.t,
        locale="ko",
    )
    assert text == replay_text(stream("ready"), day, EVENT, catalog.t, "ko")


def test_the_report_embed(base_config: Config, catalog: Catalog) -> None:
    report = build_report(
        marked_day(base_config), stream(), reminders(), questions(), (("delay", 2),)
    )
    embed = report_embed(report, event_name=EVENT, tz=SEOUL, t=catalog.t, locale="ko")
    assert embed["title"] == f"📊 {EVENT} 보고서"
    assert embed["description"] == (
        f"**생중계** 12:58–16:35 KST (3시간 36분) · https://youtu.be/{VIDEO_ID}\n"
        "최고 동시 시청자 400명 (14:18) · 평균 242명"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["세션별 시청자 (최고 · 평균)"] == (
        "• **강연: 오픈이노베이션, 무엇에 집중해야 하는가?** 13:00:00 — 200 · 177\n"
        "• **토크콘서트: 오픈이노베이션, 공공액셀러레이터의 역할은 무엇인가?** 14:03:20 (+3분) — 400 · 400\n"
        "• **성과공유회** 15:15:00 (+5분) — 300 · 300\n"
        "• **네트워킹** — 건너뜀"
    )
    assert fields["알림"] == "채널 알림 12회 · DM 30통\n알림 신청: 역할 45명 · DM 10명"
    assert fields["FAQ"] == (
        "답변 40 · 추천만 12 · 미답변 5\n많이 찾은 질문:\n1. 다시보기가 있나요? (9회)\n"
        "2. 장소가 어디인가요? (4회)"
    )
    assert fields["답하지 못한 질문"] == (
        '• 주차 가능한가요? (×3)\n• =HYPERLINK("x") @\u200beveryone \\*bold\\* (×1)'
    )
    assert fields["/ask 질문 (👍 투표)"] == (
        "• ✅ 공공액셀러레이터의 역할은? — 👍 7\n• ⬜ Will slides be shared? — 👍 2"
    )
    assert fields["운영진 작업 (행사 당일)"] == "`delay` ×2"
    assert embed["image"] == {"url": "attachment://viewer-chart.png"}


def test_a_report_with_the_other_features_off(base_config: Config, catalog: Catalog) -> None:
    report = build_report(marked_day(base_config), None, None, None, ())
    embed = report_embed(report, event_name=EVENT, tz=SEOUL, t=catalog.t, locale="en")
    assert embed["description"] == (
        "**Stream** not available (the live relay is off or saw no stream)\nNo viewer counts"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    off = "not available (that feature is off)"
    assert fields["Reminders"] == off
    assert fields["FAQ"] == off
    assert fields["/ask questions (👍 votes)"] == off
    assert fields["Moderator actions (event day)"] == "none"
    assert fields["Viewers per session (peak · average)"].startswith(
        "• **Lecture: Open innovation - what should we focus on?** 13:00:00 — - · -"
    )


def test_a_busy_day_fits_discords_embed_limits(base_config: Config, catalog: Catalog) -> None:
    flood = QuestionRecord(
        faq_answered=1,
        faq_suggested=1,
        faq_unanswered=300,
        unanswered=tuple(UnansweredText("질문 " * 100, 1) for _ in range(300)),
        asked=tuple(AskedQuestion("q" * 500, 1, False, seoul(14)) for _ in range(300)),
    )
    actions = tuple((f"action_{i}", i) for i in range(100))
    report = build_report(marked_day(base_config), stream(), reminders(), flood, actions)
    embed = report_embed(report, event_name=EVENT, tz=SEOUL, t=catalog.t, locale="en")
    values = [f["value"] for f in embed["fields"]]
    assert all(0 < len(v) <= 1024 for v in values)
    total = len(embed["title"]) + len(embed["description"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert total <= 6000
    assert "… and 29" in values[3] or "more" in values[3]


def test_inert_text_and_lines_within() -> None:
    assert inert("a\nb  *c* @here", 100) == "a b \\*c\\* @\u200bhere"
    assert len(inert("x" * 500)) == 150
    assert lines_within(["aaaa", "bbbb", "cccc"], 13, "+{count}") == "aaaa\nbbbb\n+1"
    assert lines_within(["aaaa", "bbbb", "cccc"], 14, "+{count}") == "aaaa\nbbbb\ncccc"
    assert lines_within(["aaaa", "bbbb"], 9, "+{count}") == "aaaa\nbbbb"
    assert lines_within([], 9, "+{count}") == ""
