"""The day's Discord Scheduled Event in every event server, kept in step with the program.

:func:`~cogs.schedule._discord_event_plan.plan_discord_event` decides; this module reads Discord's
side into an :class:`ExistingDiscordEvent` and applies the actions. The event's id is stored per
server and day, so a restart edits the event instead of creating a second one. Without Create Events
/ Manage Events the moderators are told once per server (``bot.notices``).

Discord works in real time and the bot in event time; they are the same except under a compressed
clock (rehearsal, tests), where times are converted at this boundary.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import discord
from discord.utils import MISSING

from bot.clock import Clock
from bot.config import Locale
from bot.program import Session
from cogs.schedule._discord_event_plan import (
    DEFAULT_MIN_LEAD,
    CreateDiscordEvent,
    DiscordEventAction,
    DiscordEventStatus,
    EditDiscordEvent,
    EndDiscordEvent,
    ExistingDiscordEvent,
    StartDiscordEvent,
    plan_discord_event,
)
from cogs.schedule._render import ScheduleTexts
from cogs.schedule._store import ScheduleStore

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

#: The ``bot.notices`` kind of "the bot may not create the Discord event here".
NO_PERMISSION_NOTICE = "no_event_permission"
_STATUS: dict[int, DiscordEventStatus] = {
    1: "scheduled",
    2: "active",
    3: "completed",
    4: "canceled",
}
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


class DiscordEventSync:
    """Applies the program to each event server's Discord Scheduled Event; the schedule feature
    says when (start-up, delays, reloads, the program's start and end)."""

    def __init__(self, bot: CompanionBot, store: ScheduleStore) -> None:
        self.bot = bot
        self.store = store
        # Syncs from start-up, the program's edges and delays may overlap: two could both create.
        self._lock = asyncio.Lock()

    @property
    def clock(self) -> Clock:
        return self.bot.services.clock

    async def sync(
        self, texts: ScheduleTexts, sessions: Sequence[Session], *, at: datetime | None = None
    ) -> None:
        """Bring every event server's Discord event in step with ``sessions`` at ``at`` (now)."""
        async with self._lock:
            for settings in await self.bot.services.event_guilds():
                guild = self.bot.get_guild(settings.guild_id)
                if guild is None:
                    continue
                try:
                    await self._sync_guild(
                        guild, texts, sessions, settings.locale, at or self.clock.now()
                    )
                except discord.HTTPException as error:
                    log.warning("Discord event sync in server %s failed: %s", guild.id, error)
                except Exception:
                    log.exception("Discord event sync in server %s failed", guild.id)

    async def _sync_guild(
        self,
        guild: discord.Guild,
        texts: ScheduleTexts,
        sessions: Sequence[Session],
        locale: Locale,
        now: datetime,
    ) -> None:
        permissions = guild.me.guild_permissions
        if not (permissions.manage_events or permissions.create_events):
            await self._tell_no_permission(guild.id)
            return
        await self.bot.notices.clear(guild.id, NO_PERMISSION_NOTICE)
        day = texts.config.event.date
        discord_event = await self._stored_event(guild, day)
        existing = None if discord_event is None else self._existing(discord_event)
        spec = texts.discord_event_spec(sessions, locale)
        for action in plan_discord_event(existing, spec, now, min_lead=min_lead(self.clock)):
            discord_event = await self._apply(guild, discord_event, action, day)

    async def _stored_event(self, guild: discord.Guild, day: date) -> discord.ScheduledEvent | None:
        event_id = await self.store.scheduled_event_id(guild.id, day)
        if event_id is None:
            return None
        try:
            return await guild.fetch_scheduled_event(event_id)
        except discord.NotFound:
            # Deleted by a moderator: forget it (a cancelled one is kept and never revived).
            await self.store.set_scheduled_event_id(guild.id, day, None)
            return None

    def _existing(self, discord_event: discord.ScheduledEvent) -> ExistingDiscordEvent:
        return ExistingDiscordEvent(
            id=discord_event.id,
            name=discord_event.name,
            description=discord_event.description or "",
            location=discord_event.location or "",
            start=event_time(self.clock, discord_event.start_time),
            end=None
            if discord_event.end_time is None
            else event_time(self.clock, discord_event.end_time),
            status=_STATUS.get(discord_event.status.value, "completed"),
        )

    async def _apply(
        self,
        guild: discord.Guild,
        discord_event: discord.ScheduledEvent | None,
        action: DiscordEventAction,
        day: date,
    ) -> discord.ScheduledEvent | None:
        real = self.clock.real_time
        if isinstance(action, CreateDiscordEvent):
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
                await self._tell_no_permission(guild.id)
                return None
            # Stored before anything else can fail: the next sync edits it, never duplicates it.
            await self.store.set_scheduled_event_id(guild.id, day, created.id)
            log.info("created Discord event %s in server %s", created.id, guild.id)
            return await created.start() if action.start_now else created
        if discord_event is None:
            return None
        if isinstance(action, EditDiscordEvent):
            return await discord_event.edit(
                name=MISSING if action.name is None else action.name,
                description=MISSING if action.description is None else action.description,
                location=MISSING if action.location is None else action.location,
                start_time=MISSING if action.start is None else real(action.start),
                end_time=MISSING if action.end is None else real(action.end),
            )
        if isinstance(action, StartDiscordEvent):
            return await discord_event.start()
        if isinstance(action, EndDiscordEvent):
            return await discord_event.end()
        return discord_event

    async def _tell_no_permission(self, guild_id: int) -> None:
        if await self.bot.notices.tell_once(
            guild_id, NO_PERMISSION_NOTICE, "schedule.event.no_permission"
        ):
            log.info("server %s: no permission to manage events; moderators told", guild_id)
