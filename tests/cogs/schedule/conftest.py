"""Fixtures and helpers of the schedule tests (programs and clocks are in tests/programs.py)."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.rehearsal.run import StandInBot
from bot.store import Store
from cogs.schedule._feature import ScheduleFeature
from cogs.schedule._jobs import Delivery
from cogs.schedule._ledger import ScheduleLedger


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
