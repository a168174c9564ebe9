"""Fixtures and helpers of the schedule tests (programs and clocks are in tests/programs.py)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.rehearsal.run import StandInBot
from bot.store import Store
from cogs.schedule._feature import ScheduleFeature
from cogs.schedule._store import ScheduleStore


@pytest.fixture
def schedule_store(store: Store) -> ScheduleStore:
    return ScheduleStore(store.db)


def feature_of(running: StandInBot) -> ScheduleFeature:
    """The running schedule feature. Not checked with isinstance: stopping a bot unloads its
    extensions, which drops ``cogs.schedule.*`` from ``sys.modules``, so the next bot's classes
    are new objects."""
    feature: ScheduleFeature = running.bot.services.program  # type: ignore[assignment]
    assert hasattr(feature, "store")
    return feature


#: A reminder's footer: the event, "reminder", and the outbox's marker (bot/outbox/_draft.py).
REMINDER_FOOTER = re.compile(r" · (알림|reminder) · [a-z2-7]{6}$")


def is_reminder(message: dict[str, Any]) -> bool:
    """A reminder post: sent through the outbox (with a nonce), its footer ending in the marker."""
    footers = [str((e.get("footer") or {}).get("text", "")) for e in message["embeds"]]
    return bool(message.get("nonce")) and any(REMINDER_FOOTER.search(f) for f in footers)
