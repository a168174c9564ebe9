"""The schedule feature's logic for a thin discord.py cog: one object the cog talks to.

Data flow: the cog builds a :class:`ScheduleService` in ``cog_load`` with its own ``send`` (posts a
:class:`~cogs.schedule._jobs.Delivery` and returns the message id), ``targets`` and ``boundary``
callbacks, then awaits :meth:`ScheduleService.start` with a ``lookup`` for reconciliation.
``/schedule`` and ``/next`` render :attr:`sessions` with :class:`ScheduleTexts`; ``/admin delay``
calls :meth:`delay` and posts the returned notice; ``/admin reminders`` calls :meth:`pause`,
:meth:`resume`, :meth:`preview`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.config import Config, Locale
from bot.program import (
    DEFAULT_MAX_DELAY_MINUTES,
    DelayPlan,
    DelayRefusal,
    Session,
    current_and_next,
    effective_program,
    plan_delay,
    program_fingerprint,
)
from cogs.schedule._ics import ics_filename, program_ics_bytes
from cogs.schedule._jobs import (
    BoundaryCallback,
    RebuildReport,
    ReminderScheduler,
    SendReminder,
    StartReport,
    TargetsProvider,
    default_targets,
)
from cogs.schedule._ledger import IntentLookup, ScheduleLedger
from cogs.schedule._reminders import Reminder, ReminderPlan
from cogs.schedule._render import EventSpec, ScheduleTexts, Translate

log = logging.getLogger(__name__)

#: How long a stop waits for a reminder post under way. The core gives ``bot.close()`` 4 s in all
#: (``bot.lifecycle.SHUTDOWN_TIMEOUT``), the live relay may take 1.5 s and audit posts 1 s of them; a post cut off
#: here is not lost: start-up reconciliation finds it or posts it late.
STOP_DRAIN_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class DelayApplied:
    """An accepted and persisted delay; ``sessions`` is the program after it."""

    plan: DelayPlan
    version: int
    sessions: tuple[Session, ...]


class ScheduleService:
    def __init__(
        self,
        config: Config,
        clock: Clock,
        ledger: ScheduleLedger,
        scheduler: AsyncIOScheduler,
        send: SendReminder,
        t: Translate,
        *,
        targets: TargetsProvider = default_targets,
        boundary: BoundaryCallback | None = None,
        max_delay_minutes: int = DEFAULT_MAX_DELAY_MINUTES,
    ) -> None:
        self.config = config
        self.clock = clock
        self.ledger = ledger
        self.texts = ScheduleTexts(config, t)
        self.max_delay_minutes = max_delay_minutes
        self.reminders = ReminderScheduler(
            scheduler,
            clock,
            ledger,
            send,
            grace=config.reminders.grace,
            targets=targets,
            boundary=boundary,
        )
        self._sessions: tuple[Session, ...] = tuple(effective_program(config))
        self._version = 1
        # One change at a time: two moderators delaying at once must not both plan on the old
        # program and shift it twice.
        self._lock = asyncio.Lock()

    # -- state ------------------------------------------------------------------------------------

    @property
    def sessions(self) -> tuple[Session, ...]:
        return self._sessions

    @property
    def version(self) -> int:
        return self._version

    @property
    def paused(self) -> bool:
        return self.reminders.paused

    def now(self) -> datetime:
        return self.clock.now()

    def current_and_next(self) -> tuple[Session | None, Session | None]:
        return current_and_next(self._sessions, self.clock.now())

    async def _load(self) -> ReminderPlan:
        self._version = await self.ledger.note_program(
            program_fingerprint(self.config), now=self.clock.now()
        )
        self._sessions = tuple(effective_program(self.config, await self.ledger.shifts()))
        return ReminderPlan.build(self._sessions, self.config.reminders.before, self._version)

    async def start(self, *, lookup: IntentLookup | None) -> StartReport:
        """Load the program (config + delays), reconcile, schedule; call once from cog_load."""
        async with self._lock:
            plan = await self._load()
            report = await self.reminders.start(plan, lookup=lookup)
        log.info(
            "schedule started: version %s, %s sessions, %s reminders pending, %s caught up",
            self._version,
            len(self._sessions),
            len(report.rebuild.scheduled),
            len(report.rebuild.catch_up),
        )
        return report

    # -- changes ----------------------------------------------------------------------------------

    async def delay(
        self, minutes: int, *, guild_id: int, user_id: int
    ) -> DelayApplied | DelayRefusal:
        """Shift the sessions not yet started; persist, rebuild the reminders. Refusals change
        nothing. The cog posts ``texts.delay_notice`` and writes the audit log entry."""
        async with self._lock:
            now = self.clock.now()
            result = plan_delay(self._sessions, now, minutes, max_minutes=self.max_delay_minutes)
            if isinstance(result, DelayRefusal):
                log.info("delay of %s min refused: %s", minutes, result.reason)
                return result
            await self.ledger.record_delay(result, guild_id=guild_id, user_id=user_id, now=now)
            plan = await self._load()
            await self.reminders.rebuild(plan)
            log.info(
                "delay of %+d min by user %s moved %s sessions (version %s)",
                minutes,
                user_id,
                len(result.moved),
                self._version,
            )
            return DelayApplied(result, self._version, self._sessions)

    async def reload(self) -> RebuildReport:
        """Rebuild the reminders from the current config and delay history (after
        :meth:`replace_config`, or whenever the program may have changed)."""
        async with self._lock:
            plan = await self._load()
            return await self.reminders.rebuild(plan)

    def replace_config(self, config: Config) -> None:
        """Use a reloaded config from now on; follow with :meth:`reload`."""
        self.config = config
        self.texts = ScheduleTexts(config, self.texts.t)
        self.reminders.set_grace(config.reminders.grace)

    async def stop(self, *, drain: float = STOP_DRAIN_SECONDS) -> None:
        """Remove the reminder jobs (when the cog unloads) and give a post under way up to
        ``drain`` seconds to be recorded; the ledger keeps its state."""
        self.reminders.stop()
        await self.reminders.drain(drain)

    # -- reminders admin --------------------------------------------------------------------------

    async def pause(self) -> bool:
        return await self.reminders.pause()

    async def resume(self) -> bool:
        return await self.reminders.resume()

    async def preview(self, limit: int = 10) -> list[Reminder]:
        return await self.reminders.preview(limit)

    # -- files and Discord event ------------------------------------------------------------------

    def ics(self, locale: Locale) -> tuple[str, bytes]:
        """(file name, content) of the program as an .ics calendar."""
        data = program_ics_bytes(
            self.config, self._sessions, now=self.clock.now(), version=self._version, locale=locale
        )
        return ics_filename(self.config), data

    def event_spec(self, locale: Locale) -> EventSpec:
        return self.texts.event_spec(self._sessions, locale)
