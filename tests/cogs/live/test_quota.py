"""Quota days (Pacific time, DST), budget, polling interval and backoff arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cogs.live._quota import (
    PACIFIC,
    ProgramWindow,
    api_urgent,
    backoff_delay,
    can_spend,
    day_length,
    day_start,
    idle_reserve,
    next_interval,
    next_reset,
    pacific_day,
    probe_due,
    units_left,
    wants_active,
)

ACTIVE = timedelta(seconds=10)
IDLE = timedelta(minutes=5)


def test_quota_day_turns_at_pacific_midnight() -> None:
    # 2022-12-15 07:59:59 UTC is 23:59:59 PST on the 14th; a second later is the 15th.
    assert pacific_day(datetime(2022, 12, 15, 7, 59, 59, tzinfo=UTC)) == date(2022, 12, 14)
    assert pacific_day(datetime(2022, 12, 15, 8, 0, 0, tzinfo=UTC)) == date(2022, 12, 15)
    # Summer: PDT is UTC-7, so the day turns at 07:00 UTC.
    assert pacific_day(datetime(2026, 7, 1, 6, 59, tzinfo=UTC)) == date(2026, 6, 30)
    assert pacific_day(datetime(2026, 7, 1, 7, 0, tzinfo=UTC)) == date(2026, 7, 1)


def test_the_seed_event_window_ends_exactly_at_the_quota_reset() -> None:
    # 12:30-17:00 KST is 19:30-24:00 PST: the whole fast-polling window is spent from one day.
    window = ProgramWindow(
        datetime(2022, 12, 15, 4, 0, tzinfo=UTC), datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
    )
    assert pacific_day(window.opens) == date(2022, 12, 14)
    assert window.closes == next_reset(window.opens)


def test_next_reset() -> None:
    moment = datetime(2022, 12, 15, 5, 0, tzinfo=UTC)  # 21:00 PST on the 14th
    assert next_reset(moment) == datetime(2022, 12, 15, 8, 0, tzinfo=UTC)
    assert next_reset(moment).astimezone(PACIFIC).hour == 0


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 3, 8), 23),  # spring forward
        (date(2026, 11, 1), 25),  # fall back
        (date(2026, 3, 9), 24),
        (date(2022, 12, 14), 24),
    ],
)
def test_dst_days_have_23_or_25_hours(day: date, hours: int) -> None:
    assert day_length(day) == timedelta(hours=hours)


def test_reset_across_dst_changes() -> None:
    # During the 25-hour day, 01:30 happens twice; both are still 2026-11-01.
    first = datetime(2026, 11, 1, 8, 30, tzinfo=UTC)  # 01:30 PDT
    second = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)  # 01:30 PST
    assert pacific_day(first) == pacific_day(second) == date(2026, 11, 1)
    assert next_reset(first) == next_reset(second) == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    # On the 23-hour day the reset after 23:30 PDT is half an hour away.
    late = datetime(2026, 3, 9, 6, 30, tzinfo=UTC)  # 23:30 PDT on the 8th
    assert pacific_day(late) == date(2026, 3, 8)
    assert next_reset(late) - late == timedelta(minutes=30)
    assert day_start(date(2026, 3, 8)) == datetime(2026, 3, 8, 8, 0, tzinfo=UTC)
    assert day_start(date(2026, 3, 9)) == datetime(2026, 3, 9, 7, 0, tzinfo=UTC)


def test_budget_never_lets_a_call_cross_the_daily_quota() -> None:
    assert can_spend(10_000, 9_999, 1)
    assert not can_spend(10_000, 10_000, 1)
    assert not can_spend(100, 99, 2)
    assert units_left(10_000, 10_500) == 0


def test_idle_reserve_covers_the_rest_of_the_day() -> None:
    now = datetime(2022, 12, 15, 7, 0, tzinfo=UTC)  # one hour before the reset
    assert idle_reserve(now, IDLE, 1) == 12
    assert idle_reserve(now, IDLE, 2) == 24


def test_interval_honours_poll_active_while_units_last() -> None:
    now = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
    common = {"poll_active": ACTIVE, "poll_idle": IDLE, "units_per_poll": 1}
    assert next_interval(now, active=True, units_left=9_000, **common) == ACTIVE
    assert next_interval(now, active=False, units_left=9_000, **common) == IDLE


def test_interval_stretches_when_the_budget_runs_low() -> None:
    now = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)  # four hours before the reset
    common = {"poll_active": ACTIVE, "poll_idle": IDLE, "units_per_poll": 1}
    reserve = idle_reserve(now, IDLE, 1)
    assert reserve == 48
    # Just above the reserve: still fast.
    assert next_interval(now, active=True, units_left=reserve + 1, **common) == ACTIVE
    # At the reserve: the remaining units are spread evenly until the reset.
    stretched = next_interval(now, active=True, units_left=reserve, **common)
    assert stretched == timedelta(hours=4) / reserve
    assert stretched >= IDLE
    # Fewer units than idle polling would need: stretch beyond poll_idle.
    assert next_interval(now, active=False, units_left=8, **common) == timedelta(minutes=30)


def test_interval_with_nothing_to_spend_or_ask_is_the_feed_cadence() -> None:
    now = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
    common = {"poll_active": ACTIVE, "poll_idle": IDLE}
    assert next_interval(now, active=True, units_left=0, units_per_poll=1, **common) == ACTIVE
    assert next_interval(now, active=True, units_left=50, units_per_poll=0, **common) == ACTIVE


def test_interval_never_plans_past_the_budget() -> None:
    """Simulate a whole day of active polling on a small quota: spend never exceeds it."""
    now = datetime(2022, 12, 14, 8, 0, tzinfo=UTC)  # Pacific midnight
    end = next_reset(now)
    quota, used, polls_in_last_hour = 2_000, 0, 0
    while now < end:
        if can_spend(quota, used, 1):
            used += 1
            if end - now <= timedelta(hours=1):
                polls_in_last_hour += 1
        now += next_interval(
            now,
            active=True,
            poll_active=ACTIVE,
            poll_idle=IDLE,
            units_left=quota - used,
            units_per_poll=1,
        )
    assert used <= quota
    # The reserve kept the bot polling (at least at the idle rate) until the very end.
    assert polls_in_last_hour >= 12


def test_event_window_has_30_minute_margins() -> None:
    window = ProgramWindow(
        datetime(2022, 12, 15, 4, 0, tzinfo=UTC), datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
    )
    assert window.contains(datetime(2022, 12, 15, 3, 30, tzinfo=UTC))
    assert not window.contains(datetime(2022, 12, 15, 3, 29, 59, tzinfo=UTC))
    assert window.contains(datetime(2022, 12, 15, 8, 0, tzinfo=UTC))
    assert not window.contains(datetime(2022, 12, 15, 8, 0, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="aware"):
        ProgramWindow(datetime(2022, 12, 15), datetime(2022, 12, 15))  # noqa: DTZ001


def test_fast_polling_conditions() -> None:
    now = datetime(2022, 12, 10, 0, 0, tzinfo=UTC)
    assert not wants_active(now, window=None, live=False, upcoming_starts=[])
    assert wants_active(now, window=None, live=True, upcoming_starts=[])
    soon = [now + timedelta(minutes=59)]
    assert wants_active(now, window=None, live=False, upcoming_starts=soon)
    later = [now + timedelta(minutes=61)]
    assert not wants_active(now, window=None, live=False, upcoming_starts=later)
    late_start = [now - timedelta(minutes=20)]  # scheduled, not started yet: keep watching
    assert wants_active(now, window=None, live=False, upcoming_starts=late_start)
    abandoned = [now - timedelta(days=3)]
    assert not wants_active(now, window=None, live=False, upcoming_starts=abandoned)


def test_backoff_doubles_with_jitter_and_caps() -> None:
    base, cap = timedelta(seconds=1), timedelta(seconds=10)
    low = [backoff_delay(n, base=base, cap=cap, rand=lambda: 0.0) for n in range(1, 7)]
    high = [backoff_delay(n, base=base, cap=cap, rand=lambda: 0.999999) for n in range(1, 7)]
    assert [d.total_seconds() for d in low] == [0.5, 1, 2, 4, 5, 5]
    assert all(
        abs(h.total_seconds() - 2 * lo.total_seconds()) < 1e-4
        for h, lo in zip(high, low, strict=True)
    )
    assert backoff_delay(0, base=base, cap=cap, rand=lambda: 0.5) == timedelta(0)
    # Huge failure counts do not overflow.
    assert backoff_delay(10_000, base=base, cap=cap, rand=lambda: 1.0) == cap


def test_quota_probe_spacing() -> None:
    now = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
    probe = timedelta(minutes=5)
    assert probe_due(now, None, probe)
    assert not probe_due(now, now - timedelta(minutes=4), probe)
    assert probe_due(now, now - timedelta(minutes=5), probe)


def test_paid_checks_follow_fast_polls_only_when_an_answer_could_matter() -> None:
    window = ProgramWindow(
        datetime(2022, 12, 15, 4, 0, tzinfo=UTC), datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
    )
    inside = datetime(2022, 12, 15, 7, 40, tzinfo=UTC)
    tomorrow = [inside + timedelta(days=1)]
    common = {"window": window, "live": False, "unchecked": False}
    assert not api_urgent(inside, upcoming_starts=tomorrow, **common)
    assert api_urgent(inside, upcoming_starts=[inside + timedelta(minutes=15)], **common)
    # Inside the window, anything due before it closes is urgent even if more than an hour away.
    early = datetime(2022, 12, 15, 3, 30, tzinfo=UTC)
    assert api_urgent(early, upcoming_starts=[early + timedelta(hours=3, minutes=30)], **common)
    assert api_urgent(inside, window=window, live=True, unchecked=False, upcoming_starts=[])
    assert api_urgent(inside, window=window, live=False, unchecked=True, upcoming_starts=[])
    assert not api_urgent(inside, window=None, live=False, unchecked=False, upcoming_starts=[])
