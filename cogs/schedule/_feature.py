"""The running schedule feature: the service wired to Discord, shared by the two cogs.

Registered as ``services.program`` (read through :class:`bot.services.ProgramSource`) and as a
status source for ``/admin status``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import discord

from bot.config import Config
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.program import Session
from cogs.schedule._delivery import ReminderPoster, embeds_of
from cogs.schedule._event_sync import ScheduledEventSync
from cogs.schedule._ledger import ScheduleLedger
from cogs.schedule._service import DelayApplied, ScheduleService

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FEATURE = "schedule"
STATUS_REMINDERS = 5


class ScheduleFeature:
    def __init__(self, bot: CompanionBot) -> None:
        services = bot.services
        self.bot = bot
        self.ledger = ScheduleLedger(services.store.db)
        self.poster = ReminderPoster(bot, self.ledger, lambda: self.service.texts)
        self.events = ScheduledEventSync(bot, self.ledger, lambda: self.service)
        self.service = ScheduleService(
            services.config,
            services.clock,
            self.ledger,
            services.scheduler,
            self.poster.send,
            services.t,
            targets=self.poster.targets,
            boundary=self.events.on_boundary,
        )
        self._tasks: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Reconcile, schedule the day (jobs wait for the core to start the scheduler), and sync
        the Scheduled Event once the gateway has delivered the servers."""
        await self.service.start(lookup=self.poster.lookup)
        self.spawn(self._sync_when_ready(), "scheduled event sync at start-up")

    async def _sync_when_ready(self) -> None:
        await self.bot.wait_until_ready()
        await self.events.sync_all()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await self.service.stop()

    async def reconfigure(self, config: Config) -> None:
        """A reloaded config: new texts, new program (the version bumps if times changed)."""
        self.service.replace_config(config)
        await self.service.reload()
        self.spawn(self.events.sync_all(), "scheduled event sync after a config reload")

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        """Run ``work`` in the background, logging its failure with ``what``."""

        async def guarded() -> None:
            try:
                await work
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed", what)

        task = asyncio.create_task(guarded(), name=f"schedule: {what}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settle(self) -> None:
        """Wait for the background work started so far (event syncs); for tests and shutdown."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # -- what other features read -----------------------------------------------------------------

    async def sessions(self) -> Sequence[Session]:
        """The sessions as the day runs now (after delays): ``services.program`` while this runs."""
        return self.service.sessions

    async def status_fields(self, locale: str) -> list[tuple[str, str]]:
        """For ``/admin status``: the schedule version, what is on, and the next reminders."""
        lang = locale_for(locale)
        service, t = self.service, self.bot.services.t
        current, upcoming = service.current_and_next()
        summary = t(
            "schedule.status.summary",
            lang,
            version=service.version,
            current=current.title.get(lang) if current else "-",
            next=upcoming.title.get(lang) if upcoming else "-",
        )
        preview = service.texts.preview(
            await service.preview(STATUS_REMINDERS), lang, paused=service.paused
        )
        return [(t("schedule.status.field", lang), f"{summary}\n{preview.description}")]

    # -- posts ------------------------------------------------------------------------------------

    async def post_delay_notice(self, applied: DelayApplied) -> int:
        """The one notice of a delay, in every event server's announce channel; how many posted."""
        posted = 0
        for settings in await self.bot.services.event_guilds():
            if not settings.announce_channel_id:
                continue
            message = self.service.texts.delay_notice(
                applied.plan, applied.sessions, settings.locale
            )
            channel = self.bot.get_partial_messageable(
                settings.announce_channel_id, guild_id=settings.guild_id
            )
            try:
                await channel.send(
                    message.content, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS
                )
                posted += 1
            except discord.HTTPException as error:
                log.warning(
                    "delay notice to %s in server %s failed: %s",
                    settings.announce_channel_id,
                    settings.guild_id,
                    error,
                )
        return posted
