from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.program import (
    DelayPlan,
    DelayRefusal,
    current_and_next,
    effective_program,
    plan_delay,
    shifts_from_changes,
    started_by,
)
from tests.programs import make_config

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")


def seoul(hour: int, minute: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, tzinfo=SEOUL)


def test_effective_program_is_the_config_in_utc() -> None:
    sessions = effective_program(make_config())
    assert [s.id for s in sessions] == ["lecture", "talk-concert", "results", "networking"]
    assert sessions[0].start == datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
    assert sessions[0].start.tzinfo is UTC
    assert sessions[0].local_start.strftime("%H:%M %Z") == "13:00 KST"
    assert [s.index for s in sessions] == [0, 1, 2, 3]
    assert all(s.shift == timedelta(0) for s in sessions)


def test_shifts_apply_per_session() -> None:
    sessions = effective_program(
        make_config(), {"results": timedelta(minutes=15), "networking": timedelta(minutes=15)}
    )
    assert sessions[0].local_start == seoul(13)
    assert sessions[2].local_start == seoul(15, 25)
    assert sessions[2].local_end == seoul(16, 15)
    assert sessions[3].shift == timedelta(minutes=15)


def test_shifts_from_changes_accumulates() -> None:
    shifts = shifts_from_changes([(10, ["a", "b"]), (-5, ["b"]), (20, ["c"])])
    assert shifts == {
        "a": timedelta(minutes=10),
        "b": timedelta(minutes=5),
        "c": timedelta(minutes=20),
    }


@pytest.mark.parametrize(
    ("now", "current", "upcoming"),
    [
        (seoul(12, 0), None, "lecture"),
        (seoul(13, 0), "lecture", "talk-concert"),
        (seoul(13, 55), None, "talk-concert"),
        (seoul(16, 0), "networking", None),
        (seoul(16, 30), None, None),
    ],
)
def test_current_and_next(now: datetime, current: str | None, upcoming: str | None) -> None:
    got_current, got_next = current_and_next(effective_program(make_config()), now)
    assert (got_current.id if got_current else None) == current
    assert (got_next.id if got_next else None) == upcoming


def test_current_and_next_rejects_naive_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        current_and_next(effective_program(make_config()), datetime(2022, 12, 15, 13))  # noqa: DTZ001


# -- delay planning ---------------------------------------------------------------------------------


def test_delay_moves_only_sessions_not_started() -> None:
    sessions = effective_program(make_config())
    plan = plan_delay(sessions, seoul(13, 30), 15)
    assert isinstance(plan, DelayPlan)
    assert [m.session_id for m in plan.moved] == ["talk-concert", "results", "networking"]
    assert plan.moved[0].new_start.astimezone(SEOUL) == seoul(14, 15)
    moved = effective_program(make_config(), plan.apply({}))
    assert moved[0].local_start == seoul(13)
    assert moved[1].local_start == seoul(14, 15)
    assert moved[3].local_end == seoul(16, 45)


def test_delays_accumulate() -> None:
    config = make_config()
    first = plan_delay(effective_program(config), seoul(12), 10)
    assert isinstance(first, DelayPlan)
    shifts = first.apply({})
    second = plan_delay(effective_program(config, shifts), seoul(13, 15), 5)
    assert isinstance(second, DelayPlan)
    shifts = second.apply(shifts)
    assert shifts["lecture"] == timedelta(minutes=10)
    assert shifts["talk-concert"] == timedelta(minutes=15)


@pytest.mark.parametrize("minutes", [0, 181, -181, 10_000])
def test_delay_out_of_range_is_refused(minutes: int) -> None:
    refusal = plan_delay(effective_program(make_config()), seoul(12), minutes)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == ("zero" if minutes == 0 else "out_of_range")
    assert refusal.max_minutes == 180


def test_delay_bound_is_configurable_and_inclusive() -> None:
    sessions = effective_program(make_config())
    assert isinstance(plan_delay(sessions, seoul(12), 180), DelayPlan)
    assert isinstance(plan_delay(sessions, seoul(12), 31, max_minutes=30), DelayRefusal)


def test_delay_with_nothing_left_to_move_is_refused() -> None:
    refusal = plan_delay(effective_program(make_config()), seoul(16, 10), 10)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "nothing_to_move"


def test_negative_delay_within_the_break_is_accepted() -> None:
    # 13:55, lecture ended 13:50: talk concert may move 5 minutes earlier (to 13:55, i.e. now).
    plan = plan_delay(effective_program(make_config()), seoul(13, 55), -5)
    assert isinstance(plan, DelayPlan)
    assert plan.moved[0].new_start.astimezone(SEOUL) == seoul(13, 55)


def test_negative_delay_into_the_past_is_refused() -> None:
    refusal = plan_delay(effective_program(make_config()), seoul(13, 55), -6)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "before_now"
    assert refusal.earliest_minutes == -5


def test_negative_delay_overlapping_the_running_session_is_refused() -> None:
    # 13:30, lecture runs until 13:50: talk concert at 14:00 can come forward at most 10 minutes.
    refusal = plan_delay(effective_program(make_config()), seoul(13, 30), -15)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "overlap"
    assert refusal.conflict is not None
    assert refusal.conflict.id == "lecture"
    assert refusal.earliest_minutes == -10
    assert isinstance(plan_delay(effective_program(make_config()), seoul(13, 30), -10), DelayPlan)


def test_negative_delay_before_the_day_is_bounded_by_now() -> None:
    refusal = plan_delay(effective_program(make_config()), seoul(12, 50), -11)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "before_now"
    assert refusal.earliest_minutes == -10


def test_running_session_is_never_moved() -> None:
    plan = plan_delay(effective_program(make_config()), seoul(13, 0), 20)
    assert isinstance(plan, DelayPlan)
    assert "lecture" not in {m.session_id for m in plan.moved}


# -- time zones -------------------------------------------------------------------------------------


def test_spring_forward_day_in_new_york() -> None:
    # 2026-03-08: clocks jump 02:00 EST -> 03:00 EDT. 01:30-03:30 lasts one real hour.
    config = make_config(
        timezone="America/New_York",
        date="2026-03-08",
        program=[("early", "01:00", "01:45"), ("late", "03:30", "04:00")],
    )
    early, late = effective_program(config)
    assert early.start == datetime(2026, 3, 8, 6, 0, tzinfo=UTC)  # EST, UTC-5
    assert late.start == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # EDT, UTC-4
    assert late.start - early.end == timedelta(minutes=45)  # not the 1h45 the wall clock suggests
    # A delay across the jump lands on the right wall time: 01:45 EST + 30 min = 03:15 EDT.
    plan = plan_delay([early, late], datetime(2026, 3, 8, 5, 0, tzinfo=UTC), 30)
    assert isinstance(plan, DelayPlan)
    shifted = effective_program(config, {"early": timedelta(minutes=60)})[0]
    assert shifted.local_start.strftime("%H:%M %Z") == "03:00 EDT"
    assert shifted.local_end.strftime("%H:%M %Z") == "03:45 EDT"


def test_fall_back_day_in_new_york() -> None:
    # 2026-11-01: 02:00 EDT -> 01:00 EST, so 01:30 happens twice.
    config = make_config(
        timezone="America/New_York",
        date="2026-11-01",
        program=[("a", "00:30", "01:00"), ("b", "02:00", "03:00")],
    )
    a, b = effective_program(config)
    assert a.start == datetime(2026, 11, 1, 4, 30, tzinfo=UTC)  # EDT
    assert b.start == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)  # EST
    assert b.start - a.end == timedelta(hours=2)  # wall clock says 1h
    shifted = effective_program(config, {"a": timedelta(minutes=60)})[0]
    # 00:30 EDT + 1 h = 01:30 EDT (the first 01:30), and +2 h would be 01:30 EST.
    assert shifted.local_start.strftime("%H:%M %Z") == "01:30 EDT"
    again = effective_program(config, {"a": timedelta(minutes=120)})[0]
    assert again.local_start.strftime("%H:%M %Z") == "01:30 EST"
    # current/next compares instants, not wall times, across the repeated hour.
    current, upcoming = current_and_next([again, b], datetime(2026, 11, 1, 6, 40, tzinfo=UTC))
    assert current is again
    assert upcoming is b


def test_seoul_has_no_dst_and_is_utc_plus_9_all_year() -> None:
    for date in ("2022-01-15", "2022-07-15", "2022-12-15"):
        session = effective_program(make_config(date=date))[0]
        assert session.local_start.utcoffset() == timedelta(hours=9)
        assert session.start.hour == 4


# -- moderators' marks of a session's actual start ---------------------------------------------------


def test_actual_start_is_the_scheduled_start_after_delays_unless_marked() -> None:
    shifts = {"talk-concert": timedelta(minutes=10)}
    plain = effective_program(make_config(), shifts)
    assert plain[1].marked is None
    assert plain[1].actual_start == seoul(14, 10)
    marked = effective_program(make_config(), shifts, {"talk-concert": seoul(14, 3)})
    assert marked[1].actual_start == seoul(14, 3)
    assert marked[1].actual_start.tzinfo is UTC
    # A mark does not move the schedule: reminders and /schedule still read start and end.
    assert (marked[1].start, marked[1].end) == (plain[1].start, plain[1].end)
    assert marked[0] == plain[0]


def test_a_session_marked_early_counts_as_started() -> None:
    session = effective_program(make_config(), marks={"talk-concert": seoul(13, 52)})[1]
    assert not session.has_started(seoul(13, 51))
    assert session.has_started(seoul(13, 52))
    assert started_by(session, seoul(13, 55))
    unmarked = effective_program(make_config())[1]
    assert not started_by(unmarked, seoul(13, 55))
    assert started_by(unmarked, seoul(13, 55), {"talk-concert": seoul(13, 52)})
    assert not started_by(unmarked, seoul(13, 55), {"talk-concert": seoul(13, 58)})


def test_delay_does_not_move_a_marked_session() -> None:
    # 13:55: the talk concert began at 13:52, before its 14:00 slot; a 10-minute delay moves the rest.
    sessions = effective_program(make_config())
    marks = {"talk-concert": seoul(13, 52)}
    plan = plan_delay(sessions, seoul(13, 55), 10, marks=marks)
    assert isinstance(plan, DelayPlan)
    assert [m.session_id for m in plan.moved] == ["results", "networking"]
    # The same marks carried by the sessions themselves count the same way.
    carried = plan_delay(effective_program(make_config(), marks=marks), seoul(13, 55), 10)
    assert carried == plan
    # Without the mark the talk concert would have moved.
    unmarked = plan_delay(sessions, seoul(13, 55), 10)
    assert isinstance(unmarked, DelayPlan)
    assert unmarked.moved[0].session_id == "talk-concert"


def test_negative_delay_respects_a_marked_running_session() -> None:
    # The talk concert (14:00-15:00) was marked started at 13:52: at 13:55 it is the running
    # session, so the results session (15:10) may come forward by at most 10 minutes.
    marks = {"talk-concert": seoul(13, 52)}
    sessions = effective_program(make_config())
    refusal = plan_delay(sessions, seoul(13, 55), -15, marks=marks)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "overlap"
    assert refusal.conflict is not None
    assert refusal.conflict.id == "talk-concert"
    assert refusal.earliest_minutes == -10


def test_everything_marked_leaves_nothing_to_move() -> None:
    now = seoul(13, 5)
    marks = {s.id: seoul(13, 0) for s in effective_program(make_config())}
    refusal = plan_delay(effective_program(make_config()), now, 10, marks=marks)
    assert isinstance(refusal, DelayRefusal)
    assert refusal.reason == "nothing_to_move"


def test_a_mark_later_than_now_does_not_count_yet() -> None:
    plan = plan_delay(
        effective_program(make_config()), seoul(13, 55), 10, marks={"talk-concert": seoul(13, 58)}
    )
    assert isinstance(plan, DelayPlan)
    assert plan.moved[0].session_id == "talk-concert"


def test_marks_must_be_aware() -> None:
    with pytest.raises(ValueError, match="naive"):
        effective_program(make_config(), marks={"lecture": datetime(2022, 12, 15, 13)})  # noqa: DTZ001
