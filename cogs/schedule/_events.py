"""Keeping the day's Discord Scheduled Event in step with the program: a pure planner.

The cog reads the event it created (its id is in the ledger), describes it as an
:class:`ExistingEvent`, and applies the actions this module returns. Rules from Discord: an event
cannot be created or moved to start in the past; SCHEDULED → ACTIVE → COMPLETED, or → CANCELED; an
ACTIVE event's start cannot change. Whether Discord starts EXTERNAL events by itself is reported
both ways, so we start it ourselves if it is still SCHEDULED at its start time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cogs.schedule._render import EventSpec

EventStatus = Literal["scheduled", "active", "completed", "canceled"]

#: Discord rejects start times in the past; creating "now" needs a little lead.
DEFAULT_MIN_LEAD = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ExistingEvent:
    id: int
    name: str
    description: str
    location: str
    start: datetime
    end: datetime | None
    status: EventStatus


@dataclass(frozen=True, slots=True)
class CreateEvent:
    spec: EventSpec
    #: Start it right after creating it (the day has already begun).
    start_now: bool = False


@dataclass(frozen=True, slots=True)
class EditEvent:
    """Change only the fields that are not None."""

    event_id: int
    name: str | None = None
    description: str | None = None
    location: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class StartEvent:
    event_id: int


@dataclass(frozen=True, slots=True)
class EndEvent:
    event_id: int


EventAction = CreateEvent | EditEvent | StartEvent | EndEvent


def plan_event_sync(
    existing: ExistingEvent | None,
    spec: EventSpec,
    now: datetime,
    *,
    min_lead: timedelta = DEFAULT_MIN_LEAD,
) -> list[EventAction]:
    """The actions that bring Discord's event to ``spec`` at ``now`` (idempotent: [] when in step)."""
    if existing is None:
        if now >= spec.end:
            return []  # the day is over: an event now would only confuse
        earliest = now + min_lead
        if spec.start >= earliest:
            return [CreateEvent(spec)]
        if earliest >= spec.end:
            return []  # too little of the day left for Discord to accept a start time
        adjusted = EventSpec(spec.name, spec.description, spec.location, earliest, spec.end)
        return [CreateEvent(adjusted, start_now=now >= spec.start)]
    if existing.status in ("completed", "canceled"):
        # Ended or cancelled (perhaps by a moderator): never resurrect it as a duplicate.
        return []
    actions: list[EventAction] = []
    edit = _edit_for(existing, spec, now, min_lead)
    if edit is not None:
        actions.append(edit)
    if existing.status == "scheduled" and spec.start <= now < spec.end:
        actions.append(StartEvent(existing.id))
    elif existing.status == "active" and now >= spec.end:
        actions.append(EndEvent(existing.id))
    return actions


def _edit_for(
    existing: ExistingEvent, spec: EventSpec, now: datetime, min_lead: timedelta
) -> EditEvent | None:
    name = spec.name if existing.name != spec.name else None
    description = spec.description if existing.description != spec.description else None
    location = spec.location if existing.location != spec.location else None
    start = None
    if (
        existing.status == "scheduled"
        and existing.start != spec.start
        and spec.start >= now + min_lead
    ):
        start = spec.start
    end = spec.end if existing.end != spec.end and spec.end > now else None
    if all(v is None for v in (name, description, location, start, end)):
        return None
    return EditEvent(existing.id, name, description, location, start, end)
