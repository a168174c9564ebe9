"""Builders for the schedule's end-to-end tests: compressed programs and a clock that can jump."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import ScaledClock
from bot.config import Config, Localized, ProgramItem, RemindersSection
from bot.rehearsal.run import StandInBot
from cogs.schedule._feature import ScheduleFeature

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant on the event's day (2022-12-15), in KST."""
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL)


def compressed(
    config: Config,
    program: Sequence[tuple[str, str, str]],
    *,
    before: Sequence[str],
    grace: str = "5m",
) -> Config:
    """``config`` with a short program: (id, start, end) items titled "세션 <id>" / "Session <id>"."""
    items = tuple(
        ProgramItem.model_validate(
            {
                "id": item_id,
                "start": start,
                "end": end,
                "title": Localized(ko=f"세션 {item_id}", en=f"Session {item_id}"),
            }
        )
        for item_id, start, end in program
    )
    reminders = RemindersSection.model_validate({"before": list(before), "grace": grace})
    return config.model_copy(update={"program": items, "reminders": reminders})


class SteppedClock:
    """A :class:`ScaledClock` that can also jump forward, e.g. while the bot is down.

    A jump is how a test lets a reminder fall due during a restart without sleeping through it.
    """

    def __init__(self, start: datetime, speed: float) -> None:
        self._scaled = ScaledClock(start, speed)
        self._jumped = timedelta(0)

    def now(self) -> datetime:
        return self._scaled.now() + self._jumped

    def real_time(self, event_time: datetime) -> datetime:
        return self._scaled.real_time(event_time - self._jumped)

    def real_seconds(self, event_seconds: float) -> float:
        return self._scaled.real_seconds(event_seconds)

    def jump(self, delta: timedelta) -> None:
        self._jumped += delta


def monotonic_at(clock: ScaledClock | SteppedClock, moment: datetime) -> float:
    """The ``time.monotonic()`` value at which ``clock`` reaches ``moment`` (what the stand-in
    stamps its records with), under the clock's current mapping."""
    return time.monotonic() + (clock.real_time(moment) - datetime.now(UTC)).total_seconds()


def feature_of(running: StandInBot) -> ScheduleFeature:
    """The running schedule feature. Not checked with isinstance: stopping a bot unloads its
    extensions, which drops ``cogs.schedule.*`` from ``sys.modules``, so the next bot's classes
    are new objects."""
    feature: ScheduleFeature = running.bot.services.program  # type: ignore[assignment]
    assert hasattr(feature, "service")
    return feature


def is_reminder(message: dict[str, Any]) -> bool:
    """A reminder post: sent with a nonce, which its embed footer repeats as the marker."""
    nonce = str(message.get("nonce") or "")
    footers = [str((e.get("footer") or {}).get("text", "")) for e in message["embeds"]]
    return bool(nonce) and any(nonce in footer for footer in footers)
