from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.program import effective_program
from cogs.schedule._reminders import (
    LedgerState,
    Reminder,
    ReminderPlan,
    Send,
    SendLate,
    Skip,
    Wait,
    decide,
)
from tests.programs import make_config

SEOUL = ZoneInfo("Asia/Seoul")
GRACE = timedelta(minutes=10)


def seoul(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL)


def plan(version: int = 1, shifts: dict[str, timedelta] | None = None) -> ReminderPlan:
    config = make_config()
    return ReminderPlan.build(effective_program(config, shifts), config.reminders.before, version)


def reminder(p: ReminderPlan, session_id: str, minutes: int) -> Reminder:
    found = p.get((session_id, minutes * 60))
    assert found is not None
    return found


def test_plan_has_one_reminder_per_session_and_offset_in_due_order() -> None:
    p = plan()
    assert len(p.reminders) == 4 * 3
    dues = [r.due for r in p.reminders]
    assert dues == sorted(dues)
    first = p.reminders[0]
    assert (first.session_id, first.offset_seconds) == ("lecture", 1800)
    assert first.due == seoul(12, 30)
    assert first.job_id == "reminder:lecture:1800:v1"
    assert first.next_session is not None
    assert first.next_session.id == "talk-concert"
    assert p.reminders[-1].next_session is None
    assert reminder(p, "lecture", 0).starts_now


def test_job_ids_change_with_the_version_but_keys_do_not() -> None:
    old, new = reminder(plan(1), "results", 10), reminder(plan(2), "results", 10)
    assert old.job_id != new.job_id
    assert old.key == new.key == ("results", 600)


def test_nonce_is_deterministic_short_and_salted() -> None:
    r = reminder(plan(1), "results", 10)
    assert r.nonce("abc") == reminder(plan(7), "results", 10).nonce("abc")
    assert len(r.nonce("abc")) <= 25
    assert r.nonce("abc") != r.nonce("xyz")
    assert r.nonce("abc") != reminder(plan(1), "results", 30).nonce("abc")


@pytest.mark.parametrize(
    ("now", "state", "expected"),
    [
        (seoul(12, 49), LedgerState.NONE, Wait(seoul(12, 50).astimezone(UTC))),
        (seoul(12, 50), LedgerState.NONE, Send()),
        (seoul(12, 50, 59), LedgerState.NONE, Send()),
        (seoul(12, 55), LedgerState.NONE, SendLate(timedelta(minutes=5))),
        (seoul(13, 0), LedgerState.NONE, SendLate(timedelta(minutes=10))),
        (seoul(13, 0, 1), LedgerState.NONE, Skip("too_late")),
        (seoul(12, 50), LedgerState.SENT, Skip("already_sent")),
        (seoul(12, 50), LedgerState.INTENT, Skip("already_sent")),
        (seoul(12, 50), LedgerState.UNCERTAIN, Skip("already_sent")),
        (seoul(12, 50), LedgerState.SKIPPED, Skip("already_skipped")),
    ],
)
def test_decide(now: datetime, state: LedgerState, expected: object) -> None:
    r = reminder(plan(), "lecture", 10)
    assert decide(r, now, GRACE, state) == expected


def test_decide_skips_a_session_already_over_whatever_the_grace() -> None:
    r = reminder(plan(), "lecture", 0)
    assert decide(r, seoul(13, 51), timedelta(hours=2), LedgerState.NONE) == Skip("session_over")


def test_restart_catch_up_sends_only_the_latest_due_reminder_of_a_session() -> None:
    p = plan()
    decisions = {r.key: d for r, d in p.decide_all(seoul(12, 55), timedelta(minutes=30), {})}
    assert decisions[("lecture", 1800)] == Skip("superseded")
    assert decisions[("lecture", 600)] == SendLate(timedelta(minutes=5))
    assert isinstance(decisions[("lecture", 0)], Wait)
    assert isinstance(decisions[("talk-concert", 1800)], Wait)


def test_never_twice_and_no_older_reminder_after_a_newer_one() -> None:
    # The 10-minute reminder went out; a +60 min delay makes the 30-minute one due in the future
    # again, but repeating it after the 10-minute one would be noise.
    shifted = plan(2, {s: timedelta(minutes=60) for s in ("lecture", "talk-concert")})
    states = {("lecture", 600): LedgerState.SENT}
    decisions = {r.key: d for r, d in shifted.decide_all(seoul(12, 52), GRACE, states)}
    assert decisions[("lecture", 1800)] == Skip("superseded")
    assert decisions[("lecture", 600)] == Skip("already_sent")
    assert isinstance(decisions[("lecture", 0)], Wait)


def test_sent_reminder_is_not_repeated_after_a_delay() -> None:
    shifted = plan(2, {"lecture": timedelta(minutes=15)})
    states = {("lecture", 1800): LedgerState.SENT}
    r = reminder(shifted, "lecture", 30)
    assert r.due == seoul(12, 45)
    assert shifted.decision_for(r, seoul(12, 45), GRACE, states) == Skip("already_sent")


def test_decision_for_an_unknown_reminder_is_stale() -> None:
    other = ReminderPlan.build(
        effective_program(make_config(program=[("x", "10:00", "11:00")])), [timedelta(0)], 1
    )
    assert plan().decision_for(other.reminders[0], seoul(10), GRACE, {}) == Skip("stale")


def test_upcoming() -> None:
    p = plan()
    upcoming = p.upcoming(seoul(13, 50), limit=2)
    assert [(r.session_id, r.offset_seconds) for r in upcoming] == [
        ("talk-concert", 600),
        ("talk-concert", 0),
    ]
