"""The day as it happened: each session's actual start (a moderator's mark, else the scheduled start
after delays), whether it was skipped, and the time a moderator types for a mark.

Pure: no Discord, no storage. Times are aware and compared as UTC instants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import Localized
from bot.errors import UserError
from bot.program import Session

MarkKind = Literal["start", "skip"]

_MARK_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


@dataclass(frozen=True, slots=True)
class Mark:
    """A moderator's latest word on a session: it started at ``at``, or it was skipped."""

    session_id: str
    kind: MarkKind
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DaySession:
    """One program item as it happened."""

    id: str
    index: int
    title: Localized
    #: The configured start, before any delay.
    planned_start: datetime
    #: The actual start: the moderator's mark, else the scheduled start after delays.
    start: datetime
    #: The scheduled end after delays (nobody marks ends).
    end: datetime
    marked: bool = False
    skipped: bool = False

    @property
    def late_by(self) -> timedelta:
        """How much later than configured it started (negative: earlier)."""
        return self.start - self.planned_start


def day_sessions(sessions: Sequence[Session], marks: Mapping[str, Mark]) -> list[DaySession]:
    """The program with the moderators' marks applied, in order of actual start."""
    day = []
    for session in sessions:
        mark = marks.get(session.id)
        start, marked = session.actual_start, session.marked is not None
        if mark is not None and mark.kind == "start" and mark.at is not None:
            start, marked = mark.at.astimezone(UTC), True
        day.append(
            DaySession(
                id=session.id,
                index=session.index,
                title=session.title,
                planned_start=session.start - session.shift,
                start=start,
                end=session.end,
                marked=marked,
                skipped=mark is not None and mark.kind == "skip",
            )
        )
    return sorted(day, key=lambda s: (s.start, s.index))


def resolve_mark_time(text: str, event_date: date, tz: ZoneInfo, now: datetime) -> datetime:
    """``HH:MM`` or ``HH:MM:SS`` on the event's date in the event's zone, as aware UTC.

    Refuses (a :class:`UserError`) a malformed time, one the clocks skip on that date, and one in
    the future: a session cannot be marked as started before it has.
    """
    match = _MARK_TIME.match(text.strip())
    if not match:
        raise UserError("recap.mark.bad_time", text=text[:16])
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise UserError("recap.mark.bad_time", text=text[:16])
    local = datetime.combine(event_date, time(hour, minute, second), tzinfo=tz)
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        # A spring-forward gap: that wall time never happened on this date.
        raise UserError("recap.mark.bad_time", text=text[:16])
    if moment > now:
        raise UserError("recap.mark.future", time=local.strftime("%H:%M:%S"))
    return moment
