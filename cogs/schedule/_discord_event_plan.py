"""The day's Discord Scheduled Event: what to do to bring it in step with the program (pure).

:mod:`cogs.schedule._discord_event` reads the event the bot created (its id is in the store),
describes it as an :class:`ExistingDiscordEvent`, and applies the actions returned here. Rules from
Discord: an event cannot be created or moved to start in the past; SCHEDULED → ACTIVE → COMPLETED,
or → CANCELED; an ACTIVE event's start cannot change. Whether Discord starts EXTERNAL events by
itself is reported both ways, so we start it ourselves if it is still SCHEDULED at its start time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from cogs.schedule._render import DiscordEventSpec

DiscordEventStatus = Literal["scheduled", "active", "completed", "canceled"]

#: Discord rejects start times in the past; creating "now" needs a little lead.
DEFAULT_MIN_LEAD = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class ExistingDiscordEvent:
    id: int
    name: str
    description: str
    location: str
    start: datetime
    end: datetime | None
    status: DiscordEventStatus


@dataclass(frozen=True, slots=True)
class CreateDiscordEvent:
    spec: DiscordEventSpec
    #: Start it right after creating it (the day has already begun).
    start_now: bool = False


@dataclass(frozen=True, slots=True)
class EditDiscordEvent:
    """Change only the fields that are not None."""

    event_id: int
    name: str | None = None
    description: str | None = None
    location: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class StartDiscordEvent:
    event_id: int


@dataclass(frozen=True, slots=True)
class EndDiscordEvent:
    event_id: int


DiscordEventAction = CreateDiscordEvent | EditDiscordEvent | StartDiscordEvent | EndDiscordEvent


def plan_discord_event(
    existing: ExistingDiscordEvent | None,
    spec: DiscordEventSpec,
    now: datetime,
    *,
    min_lead: timedelta = DEFAULT_MIN_LEAD,
) -> list[DiscordEventAction]:
    """The actions that bring Discord's event to ``spec`` at ``now`` (idempotent: [] when in step)."""
    if existing is None:
        if now >= spec.end:
            return []  # the day is over: an event now would only confuse
        earliest = now + min_lead
        if spec.start >= earliest:
            return [CreateDiscordEvent(spec)]
        if earliest >= spec.end:
            return []  # too little of the day left for Discord to accept a start time
        adjusted = DiscordEventSpec(spec.name, spec.description, spec.location, earliest, spec.end)
        return [CreateDiscordEvent(adjusted, start_now=now >= spec.start)]
    if existing.status in ("completed", "canceled"):
        # Ended or cancelled (perhaps by a moderator): never resurrect it as a duplicate.
        return []
    actions: list[DiscordEventAction] = []
    edit = _edit_for(existing, spec, now, min_lead)
    if edit is not None:
        actions.append(edit)
    if existing.status == "scheduled" and spec.start <= now < spec.end:
        actions.append(StartDiscordEvent(existing.id))
    elif existing.status == "active" and now >= spec.end:
        actions.append(EndDiscordEvent(existing.id))
    return actions


def _edit_for(
    existing: ExistingDiscordEvent, spec: DiscordEventSpec, now: datetime, min_lead: timedelta
) -> EditDiscordEvent | None:
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
    return EditDiscordEvent(existing.id, name, description, location, start, end)
