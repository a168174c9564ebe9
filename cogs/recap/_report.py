"""The organisers' report as numbers: computed from plain records, no Discord, no storage.

Viewer averages are time-weighted like the live relay's end-of-stream summary (polls are not evenly
spaced, so each sample counts for as long as it stood), over the samples inside each range: a
session's range runs from its actual start to the next session's actual start, the last one's to its
scheduled end (after delays); the stream's from its start to its end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from bot.services import QuestionRecord, ReminderRecord, StreamRecord, ViewerCount
from cogs.recap._timeline import DaySession

#: The automatic report waits this long after the end, so the last counts are in.
REPORT_AFTER_END = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ViewerStats:
    peak: int | None
    average: int | None
    #: When the peak was first reached.
    peak_at: datetime | None = None
    samples: int = 0


NO_VIEWERS = ViewerStats(None, None)


@dataclass(frozen=True, slots=True)
class SessionReport:
    session: DaySession
    #: The range the figures cover: [session.start, until).
    until: datetime
    viewers: ViewerStats


@dataclass(frozen=True, slots=True)
class AuditEntry:
    action: str
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class Report:
    """Every part is None when the feature behind it is not running ("not available")."""

    stream: StreamRecord | None
    duration: timedelta | None
    viewers: ViewerStats
    sessions: tuple[SessionReport, ...]
    reminders: ReminderRecord | None
    questions: QuestionRecord | None
    #: Moderator actions of the event day by name, most frequent first.
    actions: tuple[tuple[str, int], ...]


def viewer_stats(
    samples: Sequence[ViewerCount], start: datetime | None, until: datetime | None
) -> ViewerStats:
    """Peak and time-weighted average of the samples in ``[start, until)`` (open ends: all)."""
    inside = [
        s for s in samples if (start is None or s.at >= start) and (until is None or s.at < until)
    ]
    if not inside:
        return NO_VIEWERS
    peak_sample = max(inside, key=lambda s: s.viewers)  # max keeps the first of equals
    total_weight = 0.0
    weighted = 0.0
    for index, sample in enumerate(inside):
        if index + 1 < len(inside):
            stop = inside[index + 1].at
        else:
            stop = until if until is not None and until > sample.at else sample.at
        weight = (stop - sample.at).total_seconds()
        total_weight += weight
        weighted += weight * sample.viewers
    if total_weight > 0:
        average = round(weighted / total_weight)
    else:
        average = round(sum(s.viewers for s in inside) / len(inside))
    return ViewerStats(peak_sample.viewers, average, peak_sample.at, len(inside))


def session_ranges(sessions: Sequence[DaySession]) -> list[tuple[DaySession, datetime]]:
    """Each session that was not skipped with the end of its range, in order of actual start."""
    held = sorted((s for s in sessions if not s.skipped), key=lambda s: (s.start, s.index))
    ranges = []
    for position, session in enumerate(held):
        following = held[position + 1] if position + 1 < len(held) else None
        until = following.start if following is not None else session.end
        ranges.append((session, max(until, session.start)))
    return ranges


def event_day_actions(
    entries: Sequence[AuditEntry], event_date: date, tz: tzinfo
) -> tuple[tuple[str, int], ...]:
    """Moderator actions on the event's date (in its zone), counted by action."""
    counts = Counter(e.action for e in entries if e.at.astimezone(tz).date() == event_date)
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def build_report(
    sessions: Sequence[DaySession],
    stream: StreamRecord | None,
    reminders: ReminderRecord | None,
    questions: QuestionRecord | None,
    actions: tuple[tuple[str, int], ...],
) -> Report:
    samples = stream.samples if stream is not None else ()
    duration = None
    if stream is not None and stream.actual_start is not None and stream.actual_end is not None:
        duration = max(timedelta(0), stream.actual_end - stream.actual_start)
    overall = viewer_stats(
        samples,
        stream.actual_start if stream is not None else None,
        stream.actual_end if stream is not None else None,
    )
    per_session = tuple(
        SessionReport(session, until, viewer_stats(samples, session.start, until))
        for session, until in session_ranges(sessions)
    )
    skipped = tuple(SessionReport(s, s.start, NO_VIEWERS) for s in sessions if s.skipped)
    return Report(
        stream=stream,
        duration=duration,
        viewers=overall,
        sessions=per_session + skipped,
        reminders=reminders,
        questions=questions,
        actions=actions,
    )


def report_due(stream: StreamRecord | None, program_end: datetime) -> datetime | None:
    """When the automatic report is due: 10 minutes after the stream ended, or after the program's
    end when no stream was seen; None while the stream is still live (it is due once it ends)."""
    if stream is not None and stream.actual_end is not None:
        return stream.actual_end + REPORT_AFTER_END
    if stream is not None and stream.actual_start is not None:
        return None
    return program_end + REPORT_AFTER_END
