"""The services container handed to every cog: no module-level singletons, no reaching across cogs."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.config import Config, ProgramTimes
from bot.guilds import GuildSettings, event_guild_ids, guild_settings
from bot.i18n import Catalog
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass
class Services:
    config: Config
    settings: Settings
    store: Store
    clock: Clock
    catalog: Catalog
    scheduler: AsyncIOScheduler
    http: aiohttp.ClientSession | None = None
    #: Feature services register themselves here by name (e.g. "live", "schedule") so the admin
    #: console can report on them without importing the feature's cog.
    features: dict[str, Any] = field(default_factory=dict)

    def t(self, key: str, locale: str, /, **values: object) -> str:
        return self.catalog.t(key, locale, **values)

    async def program_times(self) -> ProgramTimes:
        """Each session's (start, end) as the day runs now: after delays when the schedule feature
        runs (it registers ``features["schedule"]`` with ``program_times()``), else as configured."""
        schedule = self.features.get("schedule")
        source = getattr(schedule, "program_times", None)
        if source is not None:
            try:
                return dict(await source())
            except Exception:
                log.exception("the schedule's program times failed; using the configured times")
        config = self.config
        return {item.id: (config.at(item.start), config.at(item.end)) for item in config.program}

    async def guild(self, guild_id: int) -> GuildSettings:
        return await guild_settings(self.store, self.config, guild_id)

    async def event_guilds(self) -> list[GuildSettings]:
        return [await self.guild(gid) for gid in event_guild_ids(self.config)]


def new_scheduler() -> AsyncIOScheduler:
    # Jobs live in memory and are rebuilt from the program at start-up (never pickled); lateness is
    # handled by the features' own ledgers, so APScheduler may run a slightly late job.
    return AsyncIOScheduler(
        timezone="UTC",
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
