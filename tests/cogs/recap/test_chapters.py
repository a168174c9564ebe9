"""Chapter lists YouTube accepts, with the exact text, and the notes that explain each adjustment."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Localized
from cogs.recap._chapters import ChapterList, ChapterNote, build_chapters, timestamp
from cogs.recap._timeline import DaySession

SEOUL = ZoneInfo("Asia/Seoul")
STREAM_START = datetime(2022, 12, 15, 12, 58, 30, tzinfo=SEOUL)


def at(clock: str) -> datetime:
    hour, minute, second = (int(part) for part in (clock + ":00")[:8].split(":"))
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL).astimezone(UTC)


def session(
    index: int, start: str, *, ko: str = "", en: str = "", skipped: bool = False
) -> DaySession:
    title = Localized(ko=ko or f"세션 {index}", en=en or f"Session {index}")
    return DaySession(
        id=f"s{index}",
        index=index,
        title=title,
        planned_start=at(start),
        start=at(start),
        end=at(start) + timedelta(minutes=50),
        skipped=skipped,
    )


def chapters(
    *sessions: DaySession,
    start: datetime = STREAM_START,
    end: datetime | None = None,
    locale: str = "ko",
) -> ChapterList:
    return build_chapters(
        sessions, start, end, "ko" if locale == "ko" else "en", intro_title="오프닝"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0:00"),
        (9, "0:09"),
        (61, "1:01"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (37230, "10:20:30"),
    ],
)
def test_timestamps(seconds: int, text: str) -> None:
    assert timestamp(seconds) == text


def test_the_day_with_a_pre_stream_segment_and_an_hour_mark() -> None:
    result = chapters(
        session(1, "13:00:00", ko="강연: 오픈이노베이션"),
        session(2, "14:03:20", ko="토크콘서트"),
        session(3, "15:10:05", ko="성과공유회"),
    )
    assert (
        result.text
        == "0:00 오프닝\n1:30 강연: 오픈이노베이션\n1:04:50 토크콘서트\n2:11:35 성과공유회"
    )
    assert result.valid
    assert result.notes == (ChapterNote("intro"),)


def test_english_titles_on_request() -> None:
    result = chapters(session(1, "13:00"), session(2, "13:30"), session(3, "14:00"), locale="en")
    assert result.text == "0:00 오프닝\n1:30 Session 1\n31:30 Session 2\n1:01:30 Session 3"


def test_a_pre_stream_segment_under_ten_seconds_is_folded_into_the_first_session() -> None:
    result = chapters(
        session(1, "12:58:39"), session(2, "13:30"), session(3, "14:00"), start=STREAM_START
    )
    assert result.text == "0:00 세션 1\n31:30 세션 2\n1:01:30 세션 3"
    assert result.notes == (ChapterNote("first_at_zero", "세션 1"),)


def test_exactly_ten_seconds_before_the_first_session_gets_its_own_line() -> None:
    result = chapters(session(1, "12:58:40"), session(2, "13:30"), session(3, "14:00"))
    assert result.text.splitlines()[:2] == ["0:00 오프닝", "0:10 세션 1"]


def test_a_session_that_started_before_the_stream_starts_at_zero() -> None:
    result = chapters(session(1, "12:50"), session(2, "13:30"), session(3, "14:00"))
    assert result.text == "0:00 세션 1\n31:30 세션 2\n1:01:30 세션 3"
    assert result.notes == (ChapterNote("before_stream", "세션 1"),)


def test_two_starts_under_ten_seconds_apart_keep_the_later_one() -> None:
    result = chapters(
        session(1, "13:00"), session(2, "13:30:00"), session(3, "13:30:09"), session(4, "14:00")
    )
    assert result.text == "0:00 오프닝\n1:30 세션 1\n31:39 세션 3\n1:01:30 세션 4"
    assert ChapterNote("too_close", "세션 2", "세션 3") in result.notes


def test_ten_seconds_apart_is_enough() -> None:
    result = chapters(session(1, "13:00:00"), session(2, "13:00:10"), session(3, "14:00"))
    assert result.text == "0:00 오프닝\n1:30 세션 1\n1:40 세션 2\n1:01:30 세션 3"


def test_a_chain_of_close_starts_keeps_only_the_last() -> None:
    result = chapters(
        session(1, "13:00:00"),
        session(2, "13:00:05"),
        session(3, "13:00:12"),
        session(4, "14:00"),
        session(5, "15:00"),
    )
    assert result.text == "0:00 오프닝\n1:42 세션 3\n1:01:30 세션 4\n2:01:30 세션 5"
    assert [n.kind for n in result.notes] == ["too_close", "too_close", "intro"]


def test_sessions_before_the_stream_collapse_onto_zero_keeping_the_later() -> None:
    # The stream began late, after two sessions had started: both would be 0:00.
    result = chapters(
        session(1, "12:40"), session(2, "12:50"), session(3, "13:30"), session(4, "14:00")
    )
    assert result.text == "0:00 세션 2\n31:30 세션 3\n1:01:30 세션 4"
    assert [n.kind for n in result.notes] == ["before_stream", "before_stream", "too_close"]


def test_skipped_sessions_and_those_after_the_end_are_left_out() -> None:
    end = at("15:30")
    result = chapters(
        session(1, "13:00"),
        session(2, "14:00", skipped=True),
        session(3, "14:30"),
        session(4, "15:00"),
        session(5, "15:29:51"),
        session(6, "16:00"),
        end=end,
    )
    assert result.text == "0:00 오프닝\n1:30 세션 1\n1:31:30 세션 3\n2:01:30 세션 4"
    assert [(n.kind, n.title) for n in result.notes] == [
        ("skipped", "세션 2"),
        ("after_end", "세션 5"),
        ("after_end", "세션 6"),
        ("intro", ""),
    ]


def test_order_follows_the_actual_starts_not_the_program() -> None:
    # Session 3 was brought forward and marked before session 2.
    result = chapters(session(1, "13:00"), session(3, "13:40"), session(2, "14:10"))
    assert result.text == "0:00 오프닝\n1:30 세션 1\n41:30 세션 3\n1:11:30 세션 2"


def test_fewer_than_three_chapters_is_said() -> None:
    result = chapters(session(1, "12:58:30"), session(2, "13:30"))
    assert result.text == "0:00 세션 1\n31:30 세션 2"
    assert not result.valid
    assert result.notes == (ChapterNote("too_few"),)


def test_no_session_at_all_leaves_only_the_intro() -> None:
    result = chapters(session(1, "13:00", skipped=True))
    assert result.text == "0:00 오프닝"
    assert [n.kind for n in result.notes] == ["skipped", "intro", "too_few"]


def test_titles_are_one_line_each() -> None:
    result = chapters(
        session(1, "12:58:30", ko="첫째\n줄  바꿈"), session(2, "13:30"), session(3, "14:00")
    )
    assert result.text.splitlines()[0] == "0:00 첫째 줄 바꿈"


def test_offsets_round_down_to_whole_seconds() -> None:
    late = session(2, "13:30")
    late = DaySession(
        late.id,
        late.index,
        late.title,
        late.planned_start,
        late.start + timedelta(seconds=0.999),
        late.end,
    )
    result = chapters(session(1, "12:58:30"), late, session(3, "14:00"))
    assert result.text.splitlines()[1] == "31:30 세션 2"


def test_every_list_follows_youtubes_rules() -> None:
    """Whatever the input: 0:00 first, ascending, at least 10 s apart (and before the end)."""
    starts = ["12:50", "12:58:35", "13:00", "13:00:04", "13:20", "13:20:09", "14:59:55", "15:10"]
    end = at("15:00")
    for count in range(1, len(starts) + 1):
        result = chapters(*(session(i, s) for i, s in enumerate(starts[:count])), end=end)
        offsets = [c.offset for c in result.chapters]
        assert offsets[0] == 0
        assert all(b - a >= 10 for a, b in itertools.pairwise(offsets))
        assert all((end - STREAM_START).total_seconds() - o >= 10 for o in offsets)
        assert result.valid == (len(offsets) >= 3)
