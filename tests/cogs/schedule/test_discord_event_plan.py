from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cogs.schedule._discord_event_plan import (
    CreateDiscordEvent,
    EditDiscordEvent,
    EndDiscordEvent,
    ExistingDiscordEvent,
    StartDiscordEvent,
    plan_discord_event,
)
from cogs.schedule._render import DiscordEventSpec

START = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
END = datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
SPEC = DiscordEventSpec(
    "행사", "13:00–13:50 강연", "https://www.youtube.com/@CCEISAY/live", START, END
)


def existing(status: str = "scheduled", **changes: object) -> ExistingDiscordEvent:
    event = ExistingDiscordEvent(
        id=9,
        name=SPEC.name,
        description=SPEC.description,
        location=SPEC.location,
        start=SPEC.start,
        end=SPEC.end,
        status=status,  # type: ignore[arg-type]
    )
    return replace(event, **changes)  # type: ignore[arg-type]


def test_create_once_before_the_day() -> None:
    assert plan_discord_event(None, SPEC, START - timedelta(hours=3)) == [CreateDiscordEvent(SPEC)]
    # In step: nothing to do (a restart does not duplicate).
    assert plan_discord_event(existing(), SPEC, START - timedelta(hours=2)) == []


def test_create_mid_day_starts_in_the_future_then_starts_it() -> None:
    now = START + timedelta(minutes=30)
    (action,) = plan_discord_event(None, SPEC, now)
    assert isinstance(action, CreateDiscordEvent)
    assert action.spec.start == now + timedelta(seconds=60)
    assert action.start_now


def test_no_event_after_the_day() -> None:
    assert plan_discord_event(None, SPEC, END + timedelta(minutes=1)) == []


def test_no_event_when_the_lead_would_start_it_after_its_end() -> None:
    # 30 s before the end: a start 60 s ahead would come after the end, which Discord refuses.
    assert plan_discord_event(None, SPEC, END - timedelta(seconds=30)) == []


def test_start_it_if_discord_did_not() -> None:
    assert plan_discord_event(existing(), SPEC, START) == [StartDiscordEvent(9)]
    assert plan_discord_event(existing("active"), SPEC, START + timedelta(minutes=1)) == []


def test_end_it_at_the_end() -> None:
    assert plan_discord_event(existing("active"), SPEC, END) == [EndDiscordEvent(9)]
    assert plan_discord_event(existing("completed"), SPEC, END) == []


def test_delay_updates_times_and_never_duplicates() -> None:
    delayed = replace(SPEC, start=START + timedelta(minutes=15), end=END + timedelta(minutes=15))
    actions = plan_discord_event(existing(), delayed, START - timedelta(hours=1))
    assert actions == [EditDiscordEvent(9, start=delayed.start, end=delayed.end)]
    # Once active, only the end can move.
    active = plan_discord_event(existing("active"), delayed, START + timedelta(minutes=20))
    assert active == [EditDiscordEvent(9, end=delayed.end)]


def test_text_changes_are_edited() -> None:
    actions = plan_discord_event(existing(name="old"), SPEC, START - timedelta(hours=1))
    assert actions == [EditDiscordEvent(9, name=SPEC.name)]


def test_cancelled_by_a_moderator_stays_cancelled() -> None:
    assert plan_discord_event(existing("canceled"), SPEC, START - timedelta(hours=1)) == []
