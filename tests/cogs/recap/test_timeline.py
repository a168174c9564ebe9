"""Actual starts from the program and the moderators' marks; the time a moderator types."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Config
from bot.errors import UserError
from bot.program import effective_program
from cogs.recap._timeline import Mark, day_sessions, resolve_mark_time

SEOUL = ZoneInfo("Asia/Seoul")
DAY = date(2022, 12, 15)


def seoul(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL)


def test_without_marks_the_actual_start_is_the_scheduled_start_after_delays(
    base_config: Config,
) -> None:
    sessions = effective_program(base_config, {"results": timedelta(minutes=15)})
    day = day_sessions(sessions, {})
    assert [s.id for s in day] == ["lecture", "talk-concert", "results", "networking"]
    results = day[2]
    assert results.start == seoul(15, 25)
    assert results.planned_start == seoul(15, 10)
    assert results.late_by == timedelta(minutes=15)
    assert not results.marked
    assert not results.skipped


def test_a_mark_sets_the_actual_start_and_a_skip_is_kept(base_config: Config) -> None:
    marks = {
        "talk-concert": Mark("talk-concert", "start", seoul(14, 3, 20)),
        "networking": Mark("networking", "skip"),
    }
    day = {s.id: s for s in day_sessions(effective_program(base_config), marks)}
    talk = day["talk-concert"]
    assert talk.start == seoul(14, 3, 20)
    assert talk.start.tzinfo is UTC
    assert talk.marked
    assert talk.late_by == timedelta(minutes=3, seconds=20)
    assert talk.end == seoul(15)  # ends are not marked
    assert day["networking"].skipped
    assert day["networking"].start == seoul(16)


def test_sessions_are_in_order_of_actual_start(base_config: Config) -> None:
    marks = {"results": Mark("results", "start", seoul(13, 55))}
    day = day_sessions(effective_program(base_config), marks)
    assert [s.id for s in day] == ["lecture", "results", "talk-concert", "networking"]


def test_marks_carried_by_the_program_count_too(base_config: Config) -> None:
    sessions = effective_program(base_config, marks={"lecture": seoul(13, 2)})
    lecture = day_sessions(sessions, {})[0]
    assert lecture.start == seoul(13, 2)
    assert lecture.marked


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:03", seoul(14, 3)),
        ("14:03:20", seoul(14, 3, 20)),
        (" 9:05 ", seoul(9, 5)),
        ("00:00:00", seoul(0)),
    ],
)
def test_mark_times_are_on_the_event_date_in_its_zone(text: str, expected: datetime) -> None:
    moment = resolve_mark_time(text, DAY, SEOUL, now=seoul(15))
    assert moment == expected
    assert moment.tzinfo is UTC


@pytest.mark.parametrize("text", ["", "14", "14:3", "24:00", "14:60", "14:00:60", "2pm", "14-03"])
def test_malformed_mark_times_are_refused(text: str) -> None:
    with pytest.raises(UserError) as refused:
        resolve_mark_time(text, DAY, SEOUL, now=seoul(15))
    assert refused.value.key == "recap.mark.bad_time"


def test_a_mark_in_the_future_is_refused_and_now_is_accepted() -> None:
    assert resolve_mark_time("15:00:00", DAY, SEOUL, now=seoul(15)) == seoul(15)
    with pytest.raises(UserError) as refused:
        resolve_mark_time("15:00:01", DAY, SEOUL, now=seoul(15))
    assert refused.value.key == "recap.mark.future"
    assert refused.value.values == {"time": "15:00:01"}


def test_a_wall_time_the_clocks_skip_is_refused() -> None:
    new_york = ZoneInfo("America/New_York")
    now = datetime(2026, 3, 8, 12, tzinfo=new_york)
    with pytest.raises(UserError) as refused:
        resolve_mark_time("02:30", date(2026, 3, 8), new_york, now=now)
    assert refused.value.key == "recap.mark.bad_time"
    assert resolve_mark_time("03:30", date(2026, 3, 8), new_york, now=now) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )
