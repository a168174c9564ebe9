"""Fire-and-forget work a feature starts (a sync, a catch-up, a notice), kept and accounted for.

asyncio holds tasks only weakly, and an exception in a task nobody awaits is lost: this keeps a
reference to each, logs its failure with what it was, and lets the owner wait for or cancel them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any


class BackgroundTasks:
    def __init__(self, owner: str, log: logging.Logger) -> None:
        self._owner = owner
        self._log = log
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``work`` in the background, logging its failure with ``what``."""

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - logged with its traceback just below
                self._log.exception("%s: %s failed", self._owner, what)

        task = asyncio.create_task(guarded(), name=f"{self._owner}: {what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def pending(self) -> set[asyncio.Task[None]]:
        return set(self._tasks)

    def cancel(self) -> None:
        for task in self._tasks:
            task.cancel()

    async def settle(self) -> None:
        """Wait for the work started so far, and for any work it starts in turn."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
