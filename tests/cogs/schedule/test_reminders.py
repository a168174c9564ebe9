from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.program import effective_program
from cogs.schedule._reminders import (
    DM_TARGET,
    LedgerState,
    Reminder,
    ReminderPlan,
    Send,
    SendLate,
    Skip,
    Wait,
    decide,
    guild_target,
    plan_rebuild,
    post_window,
    program_edges,
    retry_time,
    still_to_post,
    target_guild_id,
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


def test_the_post_key_names_target_session_and_offset_but_not_the_version() -> None:
    # A delay re-plans a reminder (new version, new due time): still the one message.
    r = reminder(plan(1), "results", 10)
    assert r.post_key("guild:7") == "reminder:guild:7:results:600"
    assert r.post_key("guild:7") == reminder(plan(7), "results", 10).post_key("guild:7")
    assert r.post_key("guild:7") != reminder(plan(1), "results", 30).post_key("guild:7")


def test_a_post_keeps_its_words_for_a_minute_within_grace_and_the_session() -> None:
    r = reminder(plan(), "lecture", 10)  # due 12:50, the session 13:00-13:50
    grace = timedelta(minutes=10)
    assert post_window(r, seoul(12, 50), grace) == timedelta(minutes=1)
    assert post_window(r, seoul(12, 59, 30), grace) == timedelta(seconds=30)
    assert post_window(r, seoul(13, 1), grace) == timedelta(0)
    starting = reminder(plan(), "lecture", 0)
    assert post_window(starting, seoul(13, 49, 45), timedelta(hours=2)) == timedelta(seconds=15)


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


# -- rebuilding the jobs ----------------------------------------------------------------------------


def keys(reminders: list[Reminder]) -> list[tuple[str, int]]:
    return [r.key for r in reminders]


def test_a_rebuild_before_the_day_schedules_every_reminder_at_its_due_time() -> None:
    p = plan()
    rebuild = plan_rebuild(p, seoul(12), GRACE, {"guild:1": {}})
    assert keys(rebuild.scheduled) == keys(list(p.reminders))
    assert (rebuild.catch_up, rebuild.skipped) == ([], [])


def test_a_restart_catches_up_the_latest_due_reminder_and_records_the_stale_one() -> None:
    # Back at 12:52 after being down since 12:25: only "10 min before" goes out (late), the
    # 30-minute one is superseded and recorded as such.
    rebuild = plan_rebuild(plan(), seoul(12, 52), timedelta(minutes=30), {"guild:1": {}})
    assert keys(rebuild.catch_up) == [("lecture", 600)]
    assert [(r.key, target, reason) for r, target, reason in rebuild.skipped] == [
        (("lecture", 1800), "guild:1", "superseded")
    ]
    assert ("lecture", 0) in keys(rebuild.scheduled)


def test_a_restart_beyond_grace_records_skips_and_catches_up_nothing() -> None:
    p = plan()
    # 13:03 with a one-minute grace: both lecture reminders before the start are too late, and
    # so is "starting now".
    rebuild = plan_rebuild(p, seoul(13, 3), timedelta(minutes=1), {"guild:1": {}})
    assert rebuild.catch_up == []
    assert {(r.key, reason) for r, _, reason in rebuild.skipped} == {
        (("lecture", 1800), "too_late"),
        (("lecture", 600), "too_late"),
        (("lecture", 0), "too_late"),
    }
    assert keys(rebuild.scheduled) == keys(p.upcoming(seoul(13, 3)))


def test_one_job_per_reminder_whatever_the_targets() -> None:
    # guild:1 already has the 10-minute reminder, the DM batch does not: one catch-up job serves
    # the DM batch (the job decides per target again when it runs).
    states = {"guild:1": {("lecture", 600): LedgerState.SENT}, DM_TARGET: {}}
    rebuild = plan_rebuild(plan(), seoul(12, 52), GRACE, states)
    assert keys(rebuild.catch_up) == [("lecture", 600)]
    assert len(rebuild.scheduled) == len(set(keys(rebuild.scheduled)))


def test_without_any_target_the_reminders_to_come_keep_their_jobs() -> None:
    # No announce channel set up yet: a server set up later today still gets them.
    rebuild = plan_rebuild(plan(), seoul(12, 52), GRACE, {})
    assert ("lecture", 0) in keys(rebuild.scheduled)
    assert ("lecture", 600) not in keys(rebuild.scheduled)  # due: nobody to catch up for
    assert (rebuild.catch_up, rebuild.skipped) == ([], [])


def test_still_to_post_counts_a_reminder_any_target_still_needs() -> None:
    p = plan()
    states = {
        "guild:1": {("lecture", 600): LedgerState.SENT, ("lecture", 0): LedgerState.SENT},
        "guild:2": {("lecture", 600): LedgerState.SENT},
    }
    assert keys(still_to_post(p, seoul(12, 55), GRACE, states)[:2]) == [
        ("lecture", 0),
        ("talk-concert", 1800),
    ]
    assert still_to_post(p, seoul(12, 55), GRACE, {}) == []


def test_a_failed_post_is_retried_a_minute_later_only_within_grace() -> None:
    r = reminder(plan(), "lecture", 0)  # due 13:00, the session ends 13:50
    assert retry_time(r, seoul(13), GRACE) == seoul(13, 1)
    assert retry_time(r, seoul(13, 9, 30), GRACE) is None  # 13:10:30 would be beyond grace
    assert retry_time(r, seoul(13, 49, 30), timedelta(hours=1)) is None  # the session is over


def test_program_edges() -> None:
    p = plan()
    assert program_edges(p, seoul(12)) == [("start", seoul(13)), ("end", seoul(16, 30))]
    # A restart mid-day starts the Discord event now; nothing once the day is over.
    assert program_edges(p, seoul(14)) == [("start", seoul(14)), ("end", seoul(16, 30))]
    assert program_edges(p, seoul(16, 30)) == []
    assert program_edges(ReminderPlan(1, ()), seoul(12)) == []


def test_targets_and_their_post_keys() -> None:
    assert target_guild_id(guild_target(42)) == 42
    assert target_guild_id(DM_TARGET) is None
    assert target_guild_id("guild:") is None
    r = reminder(plan(), "lecture", 10)
    keys = {r.post_key(target) for target in (guild_target(1), guild_target(2), DM_TARGET)}
    assert len(keys) == 3
