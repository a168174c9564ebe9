"""Shared builders for the schedule tests: small configs, a real migrated Store, a recording sender."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, parse_config
from bot.store import Store
from cogs.schedule._jobs import Delivery
from cogs.schedule._ledger import ScheduleLedger


def make_config(
    *,
    timezone: str = "Asia/Seoul",
    date: str = "2022-12-15",
    program: list[tuple[str, str, str]] | None = None,
    before: list[str] | None = None,
    grace: str = "10m",
) -> Config:
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


@pytest.fixture
def ledger(store: Store) -> ScheduleLedger:
    return ScheduleLedger(store.db)


@dataclass
class RecordingSender:
    """Stands in for the cog's send: records each delivery with the real (monotonic) time."""

    received: list[tuple[Delivery, float]] = field(default_factory=list)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def __call__(self, delivery: Delivery) -> int:
        self.received.append((delivery, time.monotonic()))
        async with self.arrived:
            self.arrived.notify_all()
        return next(self.ids)

    async def wait_for(self, count: int) -> None:
        # Generous: a loaded CI machine may be slow, and a wait that succeeds returns at once.
        async with asyncio.timeout(10), self.arrived:
            await self.arrived.wait_for(lambda: len(self.received) >= count)

    @property
    def keys(self) -> list[tuple[str, int]]:
        return [d.reminder.key for d, _ in self.received]
