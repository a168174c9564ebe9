"""Quota days, budget and polling-interval arithmetic. Pure: every function takes ``now``.

The Data API's daily quota resets at midnight Pacific time, so days are keyed by the date in
America/Los_Angeles; zoneinfo handles daylight saving (2026-03-08 has 23 hours, 2026-11-01 has 25).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PACIFIC = ZoneInfo("America/Los_Angeles")

#: The program window: the bot polls fast from this long before the conference's first session
#: until this long after its last one.
WINDOW_MARGIN = timedelta(minutes=30)

#: How far ahead an upcoming broadcast makes the bot poll fast (so "live" is seen within a poll).
UPCOMING_SOON = timedelta(hours=1)

#: YouTube keeps abandoned "upcoming" broadcasts forever; one whose start is this far in the past
#: no longer speeds up polling or gets announced.
UPCOMING_STALE = timedelta(hours=6)

#: Units per API method (videos.list, channels.list and playlistItems.list cost one unit each).
UNIT_COST = {"videos.list": 1, "channels.list": 1, "playlistItems.list": 1}


def pacific_day(moment: datetime) -> date:
    """The quota day ``moment`` falls in."""
    return moment.astimezone(PACIFIC).date()


def day_start(day: date) -> datetime:
    """Midnight Pacific at the start of ``day``, as an aware UTC datetime."""
    # Midnight always exists in Los Angeles (the clocks change at 02:00), so no fold/gap handling.
    return datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)


def next_reset(moment: datetime) -> datetime:
    """When the quota of the day containing ``moment`` resets."""
    return day_start(pacific_day(moment) + timedelta(days=1))


def day_length(day: date) -> timedelta:
    return day_start(day + timedelta(days=1)) - day_start(day)


@dataclass(frozen=True)
class ProgramWindow:
    """The conference program's span; the bot polls fast inside it (:data:`WINDOW_MARGIN` either side)."""

    start: datetime
    end: datetime
    margin: timedelta = WINDOW_MARGIN

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("ProgramWindow needs aware datetimes")
        if self.end < self.start:
            raise ValueError("ProgramWindow ends before it starts")

    @property
    def opens(self) -> datetime:
        return self.start - self.margin

    @property
    def closes(self) -> datetime:
        return self.end + self.margin

    def contains(self, moment: datetime) -> bool:
        return self.opens <= moment <= self.closes


def units_left(daily_quota: int, used: int) -> int:
    return max(0, daily_quota - used)


def can_spend(daily_quota: int, used: int, cost: int) -> bool:
    """Whether a call costing ``cost`` keeps the day's spend within ``daily_quota``."""
    return used + cost <= daily_quota


def idle_reserve(now: datetime, poll_idle: timedelta, units_per_poll: int) -> int:
    """Units needed to keep polling at the idle rate from ``now`` until the quota resets."""
    remaining = next_reset(now) - now
    return math.ceil(remaining / poll_idle) * units_per_poll


def next_interval(
    now: datetime,
    *,
    active: bool,
    poll_active: timedelta,
    poll_idle: timedelta,
    units_left: int,
    units_per_poll: int,
) -> timedelta:
    """How long until the next poll.

    ``poll_active`` is honoured while the day's units last beyond a reserve that keeps idle polling
    going until the reset; past that (or when idle polling alone would overspend) the rest of the day's
    units are spread evenly until the reset. With nothing to spend or nothing to ask (``units_per_poll``
    0) the wanted interval stands: the tick then only reads the free feed.
    """
    want = poll_active if active else poll_idle
    if units_per_poll <= 0 or units_left < units_per_poll:
        return want
    if active and units_left - units_per_poll >= idle_reserve(now, poll_idle, units_per_poll):
        return want
    affordable_polls = units_left // units_per_poll
    spread = (next_reset(now) - now) / affordable_polls
    return max(want, spread)


def wants_active(
    now: datetime,
    *,
    window: ProgramWindow | None,
    live: bool,
    upcoming_starts: list[datetime],
) -> bool:
    """Fast polling while a broadcast is live, one is due within the hour, or the program window is on."""
    if live:
        return True
    if window is not None and window.contains(now):
        return True
    return any(now - UPCOMING_STALE <= start <= now + UPCOMING_SOON for start in upcoming_starts)


def api_urgent(
    now: datetime,
    *,
    window: ProgramWindow | None,
    live: bool,
    unchecked: bool,
    upcoming_starts: list[datetime],
) -> bool:
    """Whether videos.list is worth a unit at every fast poll, not just once per poll_idle.

    Fast polls read the free feed; the paid call only follows them while an answer could change what
    Discord sees soon: something is live, a new id has never been checked, or an upcoming broadcast
    starts within the hour (or before the program window closes, while it is on). A broadcast scheduled
    for another day is checked at the idle rate even inside the window.
    """
    if live or unchecked:
        return True
    horizon = now + UPCOMING_SOON
    if window is not None and window.contains(now):
        horizon = max(horizon, window.closes)
    return any(now - UPCOMING_STALE <= start <= horizon for start in upcoming_starts)


def backoff_delay(
    failures: int,
    *,
    base: timedelta,
    cap: timedelta,
    rand: Callable[[], float],
) -> timedelta:
    """Exponential backoff with "equal jitter": between half and all of ``min(cap, base * 2^(n-1))``.

    Half is kept fixed so a failing API is never retried immediately; the random half spreads retries
    of several bots sharing a key. ``rand`` returns a float in [0, 1) and is injected for tests.
    """
    if failures <= 0:
        return timedelta(0)
    # Cap the exponent first: 2**1000 seconds would overflow timedelta.
    ceiling = min(cap, base * (1 << min(failures - 1, 30)))
    half = ceiling / 2
    return half + half * rand()


def probe_due(now: datetime, last_probe: datetime | None, quota_probe: timedelta) -> bool:
    """While YouTube says the quota is exceeded, one probe call per ``quota_probe`` is allowed."""
    return last_probe is None or now - last_probe >= quota_probe
