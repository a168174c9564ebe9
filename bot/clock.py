"""Injected time.

Everything that asks "what time is it" goes through a :class:`Clock`, so tests and the rehearsal can run
the event's afternoon compressed into minutes. A clock maps between *event time* (what the bot reasons
about: session starts, reminder due times) and *real time* (what asyncio and APScheduler sleep on).
"""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current event time, timezone-aware (UTC)."""
        ...

    def real_time(self, event_time: datetime) -> datetime:
        """The real (wall-clock, aware UTC) instant at which ``event_time`` will be reached."""
        ...

    def real_seconds(self, event_seconds: float) -> float:
        """How many real seconds an interval of ``event_seconds`` takes."""
        ...


class SystemClock:
    """Event time is real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def real_time(self, event_time: datetime) -> datetime:
        return event_time.astimezone(UTC)

    def real_seconds(self, event_seconds: float) -> float:
        return event_seconds


class ScaledClock:
    """Event time that starts at ``start`` now and runs ``speed`` times faster than real time.

    Used by the rehearsal (``--speed 60`` turns an afternoon into minutes) and by end-to-end tests.
    """

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        if start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware start time")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._event_origin = start.astimezone(UTC)
        self._mono_origin = _time.monotonic()
        self._real_origin = datetime.now(UTC)

    def now(self) -> datetime:
        elapsed = _time.monotonic() - self._mono_origin
        return self._event_origin + timedelta(seconds=elapsed * self.speed)

    def real_time(self, event_time: datetime) -> datetime:
        offset = (event_time - self._event_origin).total_seconds() / self.speed
        return self._real_origin + timedelta(seconds=offset)

    def real_seconds(self, event_seconds: float) -> float:
        return event_seconds / self.speed


class FrozenClock:
    """A clock that moves only when told to: for unit tests of pure logic."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware start time")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment.astimezone(UTC)

    def real_time(self, event_time: datetime) -> datetime:
        return event_time.astimezone(UTC)

    def real_seconds(self, event_seconds: float) -> float:
        return event_seconds
