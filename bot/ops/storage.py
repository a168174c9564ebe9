"""The database at run time: a write probe every half minute, and what happens when it fails.

A full disk, a lock held by another process or a file turned read-only is logged as an error (once
per episode, with the operator's one line) and told to the moderators once through
``bot.notices``; when writes work again it is logged and the notice is cleared, so a new episode is
told again. ``/healthz`` reads the same probe.

The notice itself stores a "told" flag in the database, which cannot be written just then: the
watch remembers in memory that it told, so a failing disk never makes it repeat itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import TYPE_CHECKING

from bot.store import StorageError, storage_error

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: Real seconds between two probes while the bot runs.
CHECK_INTERVAL = 30.0
NOTICE_KIND = "storage"
_NOTICE_KEYS = {"full": "notice.storage_full", "locked": "notice.storage_locked"}


class StorageWatch:
    def __init__(self, bot: CompanionBot, *, interval: float = CHECK_INTERVAL) -> None:
        self._bot = bot
        self._interval = interval
        self.problem: StorageError | None = None
        self._told = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="storage-watch")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check()
            except Exception:
                log.exception("storage check failed")

    async def check(self) -> StorageError | None:
        """Probe now (one probe at a time: concurrent callers share its answer)."""
        if self._lock.locked():
            async with self._lock:
                return self.problem
        async with self._lock:
            store = self._bot.services.store
            try:
                await store.probe_write()
            except sqlite3.Error as error:
                await self._failing(storage_error(error, store.path))
            else:
                await self._working()
            return self.problem

    async def _failing(self, problem: StorageError) -> None:
        if self.problem is None or self.problem.problem != problem.problem:
            log.error("database cannot be written: %s", problem)
        self.problem = problem
        if self._told:
            return
        key = _NOTICE_KEYS.get(problem.problem, "notice.storage_failed")
        for settings in await self._bot.services.event_guilds():
            # Posted, but the "told" flag may not be saved: ``_told`` remembers it instead.
            with contextlib.suppress(sqlite3.Error):
                await self._bot.notices.tell_once(
                    settings.guild_id, NOTICE_KIND, key, error=problem.detail[:200]
                )
        self._told = True

    async def _working(self) -> None:
        if self.problem is None:
            return
        log.info("database writable again (was: %s)", self.problem.problem)
        self.problem = None
        self._told = False
        for settings in await self._bot.services.event_guilds():
            await self._bot.notices.clear(settings.guild_id, NOTICE_KIND)
