"""The program as it stands now: configured sessions plus the delays moderators applied.

Times are kept as aware datetimes in UTC and converted to the event's zone only for display.
Python's arithmetic on two datetimes that share a ``ZoneInfo`` is *wall-clock* arithmetic
(``01:30 + 1h`` on a spring-forward night gives the non-existent ``02:30``; comparisons ignore the
fold), so every shift and comparison here happens on UTC instants.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import Config, Localized

#: Why a delay was refused; each code has a catalog text ``schedule.delay.refused.<code>``.
DelayRefusalReason = Literal["zero", "out_of_range", "nothing_to_move", "before_now", "overlap"]

DEFAULT_MAX_DELAY_MINUTES = 180


@dataclass(frozen=True, slots=True)
class Session:
    """One program item with its effective (possibly delayed) times, both aware and in UTC."""

    id: str
    index: int
    title: Localized
    description: Localized | None
    speakers: Localized | None
    start: datetime
    end: datetime
    tz: ZoneInfo = field(compare=False)
    #: The accumulated delay applied to this session (zero when it runs as configured).
    shift: timedelta = timedelta(0)
    #: When a moderator marked it as actually started (UTC), if they did: see :attr:`actual_start`.
    marked: datetime | None = None

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.tz)

    @property
    def actual_start(self) -> datetime:
        """When it really started: the moderator's mark, else the scheduled start after delays."""
        return self.marked if self.marked is not None else self.start

    @property
    def local_end(self) -> datetime:
        return self.end.astimezone(self.tz)

    def is_running(self, now: datetime) -> bool:
        return self.start <= now < self.end

    def has_started(self, now: datetime) -> bool:
        return self.start <= now or (self.marked is not None and self.marked <= now)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: the schedule works with aware datetimes only")
    return moment.astimezone(UTC)


def effective_program(
    config: Config,
    shifts: Mapping[str, timedelta] | None = None,
    marks: Mapping[str, datetime] | None = None,
) -> list[Session]:
    """The configured program with each session moved by its accumulated shift.

    ``shifts`` maps session id to the total delay applied to that session; sessions without an
    entry run as configured. Shifts are per session because a delay moves only the sessions that had
    not started. ``marks`` maps session id to the moment a moderator marked it as actually started
    (:attr:`Session.marked`); it does not move the scheduled times.
    """
    shifts = shifts or {}
    marks = marks or {}
    sessions: list[Session] = []
    for index, item in enumerate(config.program):
        shift = shifts.get(item.id, timedelta(0))
        # config.at() resolves the wall time in the event zone: the config loader refuses a time
        # that a spring-forward jump skips, and a time a fall-back repeats means its first
        # occurrence (check-config warns). From there on we only add to UTC instants.
        start = _utc(config.at(item.start)) + shift
        end = _utc(config.at(item.end)) + shift
        sessions.append(
            Session(
                id=item.id,
                index=index,
                title=item.title,
                description=item.description,
                speakers=item.speakers,
                start=start,
                end=end,
                tz=config.tz,
                shift=shift,
                marked=_utc(marks[item.id]) if item.id in marks else None,
            )
        )
    return sessions


def started_by(
    session: Session, now: datetime, marks: Mapping[str, datetime] | None = None
) -> bool:
    """Whether ``session`` has started at ``now``: its scheduled start has passed, or a moderator
    marked it as started (in ``marks`` or on the session itself) at or before ``now``."""
    mark = (marks or {}).get(session.id, session.marked)
    return session.start <= now or (mark is not None and _utc(mark) <= now)


def current_and_next(
    sessions: Sequence[Session], now: datetime
) -> tuple[Session | None, Session | None]:
    """The session running at ``now`` and the first one that has not started (each may be None)."""
    now = _utc(now)
    current = next((s for s in sessions if s.is_running(now)), None)
    upcoming = next((s for s in sessions if s.start > now), None)
    return current, upcoming


def following(sessions: Sequence[Session], session: Session) -> Session | None:
    """The session after ``session`` in program order."""
    later = [s for s in sessions if s.index > session.index]
    return min(later, key=lambda s: s.index) if later else None


@dataclass(frozen=True, slots=True)
class MovedSession:
    session_id: str
    old_start: datetime
    new_start: datetime
    new_end: datetime


@dataclass(frozen=True, slots=True)
class DelayPlan:
    """An accepted delay: which sessions move and where to."""

    minutes: int
    moved: tuple[MovedSession, ...]

    @property
    def delta(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    def apply(self, shifts: Mapping[str, timedelta]) -> dict[str, timedelta]:
        """The accumulated shifts after this delay."""
        result = dict(shifts)
        for moved in self.moved:
            result[moved.session_id] = result.get(moved.session_id, timedelta(0)) + self.delta
        return result


@dataclass(frozen=True, slots=True)
class DelayRefusal:
    """A refused delay; nothing changes. The fields fill the refusal text's placeholders."""

    reason: DelayRefusalReason
    minutes: int
    max_minutes: int
    #: The unmoved session the moved ones would run into (reason "overlap").
    conflict: Session | None = None
    #: The most negative delay that would have been accepted (reasons "before_now"/"overlap").
    earliest_minutes: int | None = None


def plan_delay(
    sessions: Sequence[Session],
    now: datetime,
    minutes: int,
    *,
    max_minutes: int = DEFAULT_MAX_DELAY_MINUTES,
    marks: Mapping[str, datetime] | None = None,
) -> DelayPlan | DelayRefusal:
    """Shift every session that has not started by ``minutes`` (negative brings them forward).

    Pure: the caller persists the plan (shifts + a new schedule version) and rebuilds the reminders.
    A running session is never moved, so a negative delay may not pull the next session into it, nor
    make a moved session start in the past. A session a moderator marked as started (``marks``, or
    :attr:`Session.marked`) counts as started even before its scheduled start.
    """
    now = _utc(now)
    if minutes == 0:
        return DelayRefusal("zero", minutes, max_minutes)
    if abs(minutes) > max_minutes:
        return DelayRefusal("out_of_range", minutes, max_minutes)
    ordered = sorted(sessions, key=lambda s: s.index)
    to_move = [s for s in ordered if not started_by(s, now, marks)]
    if not to_move:
        return DelayRefusal("nothing_to_move", minutes, max_minutes)
    delta = timedelta(minutes=minutes)
    first = to_move[0]
    if minutes < 0:
        started = [s for s in ordered if started_by(s, now, marks)]
        running = started[-1] if started and started[-1].end > now else None
        floor = running.end if running is not None else now
        # The most negative whole-minute delay keeping the first moved session at or after `floor`:
        # told to the moderator so a refused request can be corrected in one go.
        earliest = min(0, -math.floor((first.start - floor).total_seconds() / 60))
        new_start = first.start + delta
        if running is not None and new_start < running.end:
            return DelayRefusal("overlap", minutes, max_minutes, running, earliest)
        if new_start < now:
            return DelayRefusal("before_now", minutes, max_minutes, None, earliest)
    moved = tuple(MovedSession(s.id, s.start, s.start + delta, s.end + delta) for s in to_move)
    return DelayPlan(minutes, moved)


def shifts_from_changes(changes: Iterable[tuple[int, Sequence[str]]]) -> dict[str, timedelta]:
    """Fold a delay history (minutes, moved session ids) into accumulated per-session shifts."""
    shifts: dict[str, timedelta] = {}
    for minutes, moved_ids in changes:
        for session_id in moved_ids:
            shifts[session_id] = shifts.get(session_id, timedelta(0)) + timedelta(minutes=minutes)
    return shifts


def program_fingerprint(config: Config) -> str:
    """A digest of what decides reminder times (date, zone, session times, offsets).

    Compared at start-up with the last one seen: a config edit bumps the schedule version.
    Titles are left out on purpose, since a typo fix does not move any reminder.
    """
    data = {
        "date": config.event.date.isoformat(),
        "tz": config.event.timezone,
        "program": [[p.id, p.start.isoformat(), p.end.isoformat()] for p in config.program],
        "before": [int(b.total_seconds()) for b in config.reminders.before],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
