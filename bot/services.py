"""The services container handed to every cog, and the typed seams between features.

No module-level singletons and no reaching across cogs: a feature that others read implements one of
the Protocols below and registers itself here; the others read it through the Protocol, so mypy
checks every seam.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.config import Config, ProgramTimes
from bot.guilds import GuildSettings, event_guild_ids, guild_settings
from bot.i18n import Catalog
from bot.ops.metrics import Metrics
from bot.program import Session, effective_program
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")


class ProgramSource(Protocol):
    """The program as the day runs now (after moderators' delays)."""

    async def sessions(self) -> Sequence[Session]: ...


class StatusSource(Protocol):
    """A feature that reports on itself in ``/admin status``."""

    async def status_fields(self, locale: str) -> list[tuple[str, str]]: ...


class YouTubeStatus(Protocol):
    """The live relay's state as ``/healthz`` and ``/metrics`` read it."""

    @property
    def mode(self) -> str: ...
    @property
    def last_success(self) -> datetime | None: ...
    @property
    def units_used(self) -> int: ...
    @property
    def units_left(self) -> int: ...
    @property
    def live(self) -> Sequence[object]: ...


class YouTubeUsage(Protocol):
    """Requests sent in the current quota day."""

    @property
    def calls(self) -> int: ...
    @property
    def failures(self) -> int: ...


class QuotaLedgerView(Protocol):
    def usage(self) -> YouTubeUsage: ...


class YouTubeStatusSource(Protocol):
    """The live feature registers its relay here while it runs (``services.youtube_status``)."""

    def status(self) -> YouTubeStatus: ...
    @property
    def ledger(self) -> QuotaLedgerView: ...


class ConfiguredProgram:
    """The program exactly as configured: what features read when the schedule feature is not loaded."""

    def __init__(self, config: Config) -> None:
        self._config = config

    async def sessions(self) -> Sequence[Session]:
        return effective_program(self._config)


@dataclass
class Services:
    config: Config
    settings: Settings
    store: Store
    clock: Clock
    catalog: Catalog
    scheduler: AsyncIOScheduler
    http: aiohttp.ClientSession | None = None
    #: Counters for ``/metrics`` (counts nothing while the endpoint is off).
    metrics: Metrics = field(default_factory=Metrics)
    #: The live relay while the live feature runs, for ``/healthz`` and ``/metrics``.
    youtube_status: YouTubeStatusSource | None = None
    #: Replaced by the schedule feature while it runs (delays move sessions).
    program: ProgramSource = field(init=False)
    #: ``/admin status`` sections by feature name, in the order the features registered.
    status_sources: dict[str, StatusSource] = field(default_factory=dict)
    #: Feature objects that other parts of the same feature reach without a constructor (persistent
    #: views that discord.py builds from a custom id), keyed by their class.
    _provided: dict[type, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.program = ConfiguredProgram(self.config)

    def t(self, key: str, locale: str, /, **values: object) -> str:
        return self.catalog.t(key, locale, **values)

    def use_program(self, source: ProgramSource | None) -> None:
        """Let ``source`` answer for the program; ``None`` goes back to the configured one."""
        self.program = source if source is not None else ConfiguredProgram(self.config)

    async def program_times(self) -> ProgramTimes:
        """Each session's (start, end) as the day runs now; the configured times if the source fails."""
        try:
            sessions = await self.program.sessions()
        except Exception:
            log.exception("the program source failed; using the configured times")
            sessions = effective_program(self.config)
        return {session.id: (session.start, session.end) for session in sessions}

    def provide(self, kind: type[T], value: T) -> None:
        self._provided[kind] = value

    def withdraw(self, kind: type[object]) -> None:
        self._provided.pop(kind, None)

    def provided(self, kind: type[T]) -> T | None:
        value = self._provided.get(kind)
        return value if isinstance(value, kind) else None

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
