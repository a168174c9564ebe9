"""A recorded day for the recap tests: the shipped program, a stream, viewers, reminders, questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Localized
from bot.services import (
    AskedQuestion,
    FaqUse,
    QuestionRecord,
    RecordingState,
    ReminderRecord,
    StreamRecord,
    UnansweredText,
    ViewerCount,
)

SEOUL = ZoneInfo("Asia/Seoul")
VIDEO_ID = "ccei2022live"


def seoul(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL).astimezone(UTC)


#: (local time, viewers): polls every 10 minutes from the stream's start, 12:58:30.
VIEWERS = [
    ((12, 58, 30), 10),
    ((13, 8, 30), 100),
    ((13, 18, 30), 200),
    ((13, 58, 30), 150),
    ((14, 18, 30), 400),
    ((15, 18, 30), 300),
    ((16, 8, 30), 50),
]


def samples() -> tuple[ViewerCount, ...]:
    return tuple(ViewerCount(seoul(*at), viewers) for at, viewers in VIEWERS)


def stream(recording: RecordingState = "processing", *, ended: bool = True) -> StreamRecord:
    return StreamRecord(
        video_id=VIDEO_ID,
        actual_start=seoul(12, 58, 30),
        actual_end=seoul(16, 35) if ended else None,
        samples=samples(),
        recording=recording if ended else "none",
    )


def reminders() -> ReminderRecord:
    return ReminderRecord(sent=12, dm_sent=30, dm_optins=10, role_optins=45)


def questions() -> QuestionRecord:
    return QuestionRecord(
        faq_answered=40,
        faq_suggested=12,
        faq_unanswered=5,
        top_faq=(
            FaqUse("replay", Localized(ko="다시보기가 있나요?", en="Will there be a replay?"), 9),
            FaqUse("venue", Localized(ko="장소가 어디인가요?", en="Where is it?"), 4),
        ),
        unanswered=(
            UnansweredText("주차 가능한가요?", 3),
            UnansweredText('=HYPERLINK("x") @everyone *bold*', 1),
        ),
        asked=(
            AskedQuestion("공공액셀러레이터의 역할은?", 7, answered=True, asked_at=seoul(14, 10)),
            AskedQuestion("Will slides be shared?", 2, answered=False, asked_at=seoul(14, 20)),
        ),
    )


def at_offset(minutes: float) -> datetime:
    return seoul(12, 58, 30) + timedelta(minutes=minutes)
