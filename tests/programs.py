"""Small programs and clocks for tests of the schedule and of the features that read it."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.clock import ScaledClock
from bot.config import Config, Localized, ProgramItem, RemindersSection, parse_config
from bot.schema import validate

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(hour: int, minute: int = 0, second: int = 0) -> datetime:
    """An instant on the event's day (2022-12-15), in KST."""
    return datetime(2022, 12, 15, hour, minute, second, tzinfo=SEOUL)


def make_config(
    *,
    timezone: str = "Asia/Seoul",
    date: str = "2022-12-15",
    program: list[tuple[str, str, str]] | None = None,
    before: list[str] | None = None,
    grace: str = "10m",
) -> Config:
    """A minimal event config: by default the shipped day's four sessions, titled by their ids."""
    program = program or [
        ("lecture", "13:00", "13:50"),
        ("talk-concert", "14:00", "15:00"),
        ("results", "15:10", "16:00"),
        ("networking", "16:00", "16:30"),
    ]
    data: dict[str, Any] = {
        "event": {
            "name": {"ko": "행사", "en": "Event"},
            "date": date,
            "timezone": timezone,
            "venue": {"ko": "판교 창업존", "en": "Pangyo Startup Zone"},
        },
        "program": [
            {
                "id": item_id,
                "start": start,
                "end": end,
                "title": {"ko": f"세션 {item_id}", "en": f"Session {item_id}"},
            }
            for item_id, start, end in program
        ],
        "reminders": {"before": before or ["30m", "10m", "0s"], "grace": grace},
        "youtube": {"channel": "@CCEISAY"},
    }
    return parse_config(data, Path("test.toml"))


def compressed(
    config: Config,
    program: Sequence[tuple[str, str, str]],
    *,
    before: Sequence[str],
    grace: str = "5m",
) -> Config:
    """``config`` with a short program: (id, start, end) items titled "세션 <id>" / "Session <id>"."""
    items = tuple(
        validate(
            ProgramItem,
            {
                "id": item_id,
                "start": start,
                "end": end,
                "title": Localized(ko=f"세션 {item_id}", en=f"Session {item_id}"),
            },
        )
        for item_id, start, end in program
    )
    reminders = validate(RemindersSection, {"before": list(before), "grace": grace})
    return dataclasses.replace(config, program=items, reminders=reminders)


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
