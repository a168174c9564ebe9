"""How often each entry answered, and how often "did you mean" was offered and picked from: counted
in memory, written in batches off the reply's path.

A ``/faq`` answer must not wait for SQLite (a commit through aiosqlite's thread). Each use is counted
here at once; one statement per table writes everything counted so far a few seconds later, and the
feature's stop writes the rest, so a clean shutdown loses nothing. (A crash loses at most the last few
seconds of statistics: acceptable for a popularity count.)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from datetime import datetime

from ._store import FaqStore, Outcome, UsageBatch

__all__ = ["FLUSH_DELAY", "UsageCounts"]

log = logging.getLogger(__name__)

FLUSH_DELAY = 5.0
"""Seconds between a first uncounted use and the write that takes it and every use since."""


class UsageCounts:
    def __init__(self, store: FaqStore, *, delay: float = FLUSH_DELAY) -> None:
        self.store = store
        self.delay = delay
        self._pending: UsageBatch = {}
        self._outcomes: Counter[Outcome] = Counter()
        self._timer: asyncio.Task[None] | None = None
        self._writing = asyncio.Lock()

    @property
    def pending(self) -> int:
        """Uses counted but not written yet."""
        return sum(uses for uses, _ in self._pending.values())

    def add(self, entry_id: str, now: datetime) -> None:
        """Count one use; never waits (a write is scheduled, not awaited)."""
        uses, _ = self._pending.get(entry_id, (0, now))
        self._pending[entry_id] = (uses + 1, now)
        self._write_soon()

    def add_outcome(self, outcome: Outcome) -> None:
        """Count a "did you mean" reply or a pick from one; never waits."""
        self._outcomes[outcome] += 1
        self._write_soon()

    def _write_soon(self) -> None:
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later(), name="faq usage counts")

    async def flush(self) -> None:
        """Write everything counted so far (a statement per table); kept for the next try if a
        write fails."""
        async with self._writing:  # one write at a time, so counts are never written twice
            batch, self._pending = self._pending, {}
            outcomes, self._outcomes = self._outcomes, Counter()
            try:
                if batch:
                    await self.store.add_uses(batch)
                    batch = {}
                if outcomes:
                    await self.store.add_outcomes(outcomes)
            except Exception:
                log.exception("could not write FAQ usage counts; keeping them for later")
                for entry_id, (uses, last) in batch.items():
                    pending, latest = self._pending.get(entry_id, (0, last))
                    self._pending[entry_id] = (uses + pending, max(last, latest))
                self._outcomes.update(outcomes)
                raise

    async def close(self) -> None:
        """Stop the timer and write what is left (the feature's stop)."""
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.delay)
        try:
            # Shielded: close() cancels a sleeping timer, but a write under way finishes (close
            # then waits for it through the lock) instead of losing its batch.
            await asyncio.shield(self.flush())
        except Exception:  # noqa: BLE001 - logged in flush; the counts wait for the next write
            return
