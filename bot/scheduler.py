"""APScheduler 3's asyncio scheduler, imported without scanning every installed package.

The class body of ``apscheduler.schedulers.base`` looks up trigger, executor and job-store plugins
by reading the entry points of every installed distribution, three times over (~11 ms each with
the ~90 distributions of a development environment: a third of APScheduler's start-up cost). The
bot uses only APScheduler's own plugins (the ``date`` trigger, the asyncio executor, the memory job
store), so while that one module is imported the lookup reads APScheduler's own entry points
only: every built-in name still resolves, plugins from other packages are not looked for. Import
APScheduler's schedulers through this module (``bot.services`` does); its triggers, job stores and
errors import as usual.
"""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Any


def _apschedulers_own(**selection: Any) -> metadata.EntryPoints:
    return metadata.distribution("apscheduler").entry_points.select(**selection)


def _import_scheduler_module() -> None:
    if "apscheduler.schedulers.base" in sys.modules:
        return
    everyones = metadata.entry_points
    metadata.entry_points = _apschedulers_own  # type: ignore[assignment]
    try:
        import apscheduler.schedulers.base  # noqa: F401
    finally:
        metadata.entry_points = everyones


_import_scheduler_module()

from apscheduler.schedulers.asyncio import AsyncIOScheduler  # noqa: E402

__all__ = ["AsyncIOScheduler", "new_scheduler"]


def new_scheduler() -> AsyncIOScheduler:
    # Jobs live in memory and are rebuilt from the program at start-up (never pickled); lateness is
    # handled by the features' own ledgers, so APScheduler may run a slightly late job.
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
