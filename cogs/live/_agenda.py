"""The next program session, for ``/live`` when nothing is live or scheduled on YouTube.

Session times come from ``Services.program_times()``: after ``/admin delay`` when the schedule
feature runs, else the config's program as written.
"""

from __future__ import annotations

from datetime import datetime

from bot.config import Config, Locale, ProgramTimes


def next_session(
    config: Config, now: datetime, locale: Locale, times: ProgramTimes | None = None
) -> tuple[str, datetime] | None:
    """``(title, start)`` of the first session that starts after ``now``, or None."""
    upcoming = []
    for item in config.program:
        effective = times.get(item.id) if times else None
        start = effective[0] if effective else config.at(item.start)
        if start > now:
            upcoming.append((start, item.title.get(locale)))
    if not upcoming:
        return None
    start, title = min(upcoming, key=lambda pair: pair[0])
    return title, start
