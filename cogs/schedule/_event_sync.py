"""The day's Discord Scheduled Event in every event server, kept in step with the program.

:func:`~cogs.schedule._events.plan_event_sync` decides; this module reads Discord's side into an
:class:`ExistingEvent` and applies the actions. The event's id is stored per server and day, so a
restart edits the event instead of creating a second one. Without Create Events / Manage Events the
moderators are told once per server (the audit channel if set, else the announce channel).

Discord works in real time and the bot in event time; they are the same except under a compressed
clock (rehearsal, tests), where times are converted at this boundary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord.utils import MISSING

from bot.clock import Clock
from bot.guilds import GuildSettings
from bot.mentions import NO_MENTIONS
from cogs.schedule._events import (
    DEFAULT_MIN_LEAD,
    CreateEvent,
    EditEvent,
    EndEvent,
    EventAction,
    EventStatus,
    ExistingEvent,
    StartEvent,
    plan_event_sync,
)
from cogs.schedule._jobs import DayBoundary
from cogs.schedule._ledger import ScheduleLedger
from cogs.schedule._service import ScheduleService

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

NO_PERMISSION_NOTICE = "no_event_permission"
_STATUS: dict[int, EventStatus] = {1: "scheduled", 2: "active", 3: "completed", 4: "canceled"}
#: Discord must see a new event's start at least this far in the future (real seconds).
_REAL_LEAD_SECONDS = 2.0


def event_time(clock: Clock, real: datetime) -> datetime:
    """The event time reached at the real instant ``real`` (the inverse of ``clock.real_time``),
    to the second: Discord's copy of our times must compare equal to ours."""
    now = clock.now()
    real_now = clock.real_time(now)
    elapsed = (real - real_now).total_seconds() / clock.real_seconds(1.0)
    moment = now + timedelta(seconds=elapsed)
    return datetime.fromtimestamp(round(moment.timestamp()), UTC)


def min_lead(clock: Clock) -> timedelta:
    """How far ahead a new event must start, in event time: Discord's minute, or a couple of real
    seconds under a compressed clock."""
    compressed = timedelta(seconds=_REAL_LEAD_SECONDS / clock.real_seconds(1.0))
    return max(DEFAULT_MIN_LEAD, compressed)


class ScheduledEventSync:
    def __init__(
        self,
        bot: CompanionBot,
        ledger: ScheduleLedger,
        service: Callable[[], ScheduleService],
    ) -> None:
        self.bot = bot
        self.ledger = ledger
        self._service = service
        # Syncs from start-up, boundaries and delays may overlap: two could both create an event.
        self._lock = asyncio.Lock()

    @property
    def clock(self) -> Clock:
        return self.bot.services.clock

    async def on_boundary(self, kind: DayBoundary) -> None:
        """The program's start or end: start or end the event if Discord did not."""
        if not self.bot.is_ready():
            return  # the sync that follows the gateway's READY covers it
        sessions = self._service().sessions
        if not sessions:
            return
        edge = min(s.start for s in sessions) if kind == "start" else max(s.end for s in sessions)
        # The job runs when its real time comes; the clocks may differ by microseconds.
        await self.sync_all(at=max(self.clock.now(), edge))

    async def sync_all(self, *, at: datetime | None = None) -> None:
        """Bring every event server's Scheduled Event in step with the program."""
        async with self._lock:
            for settings in await self.bot.services.event_guilds():
                guild = self.bot.get_guild(settings.guild_id)
                if guild is None:
                    continue
                try:
                    await self._sync(guild, settings, at or self.clock.now())
                except discord.HTTPException as error:
                    log.warning("scheduled event sync in server %s failed: %s", guild.id, error)
                except Exception:
                    log.exception("scheduled event sync in server %s failed", guild.id)

    async def _sync(self, guild: discord.Guild, settings: GuildSettings, now: datetime) -> None:
        permissions = guild.me.guild_permissions
        if not (permissions.manage_events or permissions.create_events):
            await self._tell_moderators(guild, settings)
            return
        await self.ledger.reset_notice(guild.id, NO_PERMISSION_NOTICE)
        service = self._service()
        event_date = service.config.event.date
        event = await self._stored_event(guild, event_date)
        existing = None if event is None else self._existing(event)
        spec = service.event_spec(settings.locale)
        for action in plan_event_sync(existing, spec, now, min_lead=min_lead(self.clock)):
            event = await self._apply(guild, event, action, event_date)

    async def _stored_event(
        self, guild: discord.Guild, event_date: date
    ) -> discord.ScheduledEvent | None:
        event_id = await self.ledger.scheduled_event_id(guild.id, event_date)
        if event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(event_id)
        except discord.NotFound:
            # Deleted by a moderator: forget it (a cancelled one is kept and never revived).
            await self.ledger.set_scheduled_event_id(guild.id, event_date, None)
            return None

    def _existing(self, event: discord.ScheduledEvent) -> ExistingEvent:
        return ExistingEvent(
            id=event.id,
            name=event.name,
            description=event.description or "",
            location=event.location or "",
            start=event_time(self.clock, event.start_time),
            end=None if event.end_time is None else event_time(self.clock, event.end_time),
            status=_STATUS.get(event.status.value, "completed"),
        )

    async def _apply(
        self,
        guild: discord.Guild,
        event: discord.ScheduledEvent | None,
        action: EventAction,
        event_date: date,
    ) -> discord.ScheduledEvent | None:
        real = self.clock.real_time
        if isinstance(action, CreateEvent):
            spec = action.spec
            try:
                created = await guild.create_scheduled_event(
                    name=spec.name,
                    description=spec.description,
                    start_time=real(spec.start),
                    end_time=real(spec.end),
                    entity_type=discord.EntityType.external,
                    privacy_level=discord.PrivacyLevel.guild_only,
                    location=spec.location,
                )
            except discord.Forbidden:
                await self._tell_moderators(guild, await self.bot.services.guild(guild.id))
                return None
            # Stored before anything else can fail: the next sync edits it, never duplicates it.
            await self.ledger.set_scheduled_event_id(guild.id, event_date, created.id)
            log.info("created scheduled event %s in server %s", created.id, guild.id)
            return await created.start() if action.start_now else created
        if event is None:
            return None
        if isinstance(action, EditEvent):
            return await event.edit(
                name=MISSING if action.name is None else action.name,
                description=MISSING if action.description is None else action.description,
                location=MISSING if action.location is None else action.location,
                start_time=MISSING if action.start is None else real(action.start),
                end_time=MISSING if action.end is None else real(action.end),
            )
        if isinstance(action, StartEvent):
            return await event.start()
        if isinstance(action, EndEvent):
            return await event.end()
        return event

    async def _tell_moderators(self, guild: discord.Guild, settings: GuildSettings) -> None:
        """Post the missing-permission notice once per server."""
        channel_id = settings.audit_channel_id or settings.announce_channel_id
        if not channel_id:
            return
        if not await self.ledger.claim_notice(guild.id, NO_PERMISSION_NOTICE, now=self.clock.now()):
            return
        text = self._service().texts.no_event_permission(settings.locale)
        channel = self.bot.get_partial_messageable(channel_id, guild_id=guild.id)
        try:
            await channel.send(text, allowed_mentions=NO_MENTIONS)
        except discord.HTTPException as error:
            log.warning("could not tell server %s about event permissions: %s", guild.id, error)
            await self.ledger.reset_notice(guild.id, NO_PERMISSION_NOTICE)
        else:
            log.info("server %s: no permission to manage events; moderators told", guild.id)
