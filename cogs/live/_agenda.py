"""The next program session, for ``/live`` when nothing is live or scheduled on YouTube.

Session times come from the schedule feature when it runs (it knows about ``/admin delay``), else
from the config's program as written.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

from bot.config import Config, Locale

log = logging.getLogger(__name__)

#: Session id → (start, end), as ``services.features["schedule"].program_times()`` returns them.
ProgramTimes = Mapping[str, tuple[datetime, datetime]]


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


async def program_times(features: Mapping[str, Any]) -> ProgramTimes | None:
    """Effective session times from the schedule feature, if it runs and answers."""
    reader: Callable[[], Awaitable[ProgramTimes]] | None = getattr(
        features.get("schedule"), "program_times", None
    )
    if reader is None:
        return None
    try:
        return await reader()
    except Exception:
        log.warning("live: the schedule's session times are unavailable", exc_info=True)
        return None
