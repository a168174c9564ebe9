"""The schedule feature's one owner: the day's program, its reminders, delays and the Discord event.

A reminder, from the config to Discord:

1. :meth:`ScheduleFeature.start` (and every delay or reload) runs :meth:`~ScheduleFeature._reschedule`:
   config + delay history → sessions → a :class:`ReminderPlan` → one APScheduler job per reminder,
   in memory only (never pickled); a reminder that fell due while the bot was down runs at once.
2. The job is :meth:`~ScheduleFeature.remind`, which calls :meth:`~ScheduleFeature._deliver` per
   target (each server's announce channel, and the DM batch): decide from the store, claim an
   ``intent``, :meth:`~ScheduleFeature._post` with the reminder's nonce, mark it ``sent``.

Whether a reminder goes out is decided when its job runs, from the ledger, not from the job's
existence: a stale job that slips through a rebuild finds itself outdated and does nothing.
Decisions are pure (``_reminders.py``), SQL is in ``_store.py``, texts in ``_render.py``; the cogs
parse interactions and render what this returns. Posts and the start-up lookup use REST only
(``get_partial_messageable``), so they work in ``setup_hook`` before the gateway is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger

from bot.config import Config
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS, only_role
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
from cogs.schedule._discord_event import DiscordEventSync
from cogs.schedule._reminders import (
    DEFAULT_ON_TIME,
    DM_TARGET,
    RECORDED_SKIPS,
    Decision,
    ProgramEdge,
    Rebuild,
    Reminder,
    ReminderPlan,
    SendLate,
    Skip,
    Wait,
    guild_target,
    plan_rebuild,
    program_edges,
    retry_time,
    still_to_post,
    target_guild_id,
)
from cogs.schedule._render import EmbedData, MessageData, RemindReply, ScheduleTexts
from cogs.schedule._store import PendingIntent, ScheduleStore

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

FEATURE = "schedule"
STATUS_REMINDERS = 5
REMINDER_JOB_PREFIX = "reminder:"
EDGE_JOB_PREFIX = "schedule-day:"
RETRY_SUFFIX = ":retry"
#: How long a stop waits for a reminder post under way. The core gives ``bot.close()`` 4 s in all
#: (``bot.lifecycle.SHUTDOWN_TIMEOUT``), the live relay may take 1.5 s and audit posts 1 s of them;
#: a post cut off here is not lost: start-up reconciliation finds it or posts it late.
STOP_DRAIN_SECONDS = 1.0
#: How far back the start-up lookup reads an announce channel for a reminder's marker. The announce
#: channel is quiet (moderators and the bot post there), so the last 100 messages cover hours.
HISTORY_LIMIT = 100


def to_embed(data: EmbedData) -> discord.Embed:
    return discord.Embed.from_dict(data.to_dict())


def embeds_of(message: MessageData) -> list[discord.Embed]:
    return [] if message.embed is None else [to_embed(message.embed)]


class ReminderNotSent(Exception):
    """The post certainly did not happen (e.g. 403, no channel): the claim is released and the
    reminder retried. Any other failure keeps the claim (the post may exist) for reconciliation."""


class LookupFailed(Exception):
    """The start-up lookup cannot tell whether a reminder was posted (it then counts as sent)."""


@dataclass(frozen=True, slots=True)
class DelayApplied:
    """An accepted and persisted delay; ``sessions`` is the program after it."""

    plan: DelayPlan
    version_before: int
    version: int
    sessions: tuple[Session, ...]


class ScheduleFeature:
    def __init__(self, bot: CompanionBot) -> None:
        services = bot.services
        self.bot = bot
        self.config = services.config
        self.clock = services.clock
        self.store = ScheduleStore(services.store.db)
        self.texts = ScheduleTexts(services.config, services.t)
        self.discord_events = DiscordEventSync(bot, self.store)
        #: The sessions as they run now (config + delays), and the schedule version.
        self.program: tuple[Session, ...] = tuple(effective_program(services.config))
        self.version = 1
        self.plan = ReminderPlan(0, ())
        self.paused = False
        #: A reminder posted up to this long after its due time still counts as on time.
        self.on_time = DEFAULT_ON_TIME
        self._scheduler = services.scheduler
        self._salt = ""
        # One program change at a time: two moderators delaying at once must not both plan on the
        # old program and shift it twice.
        self._lock = asyncio.Lock()
        # Jobs running right now, so that a clean stop can let a post finish and be recorded.
        self._running: set[asyncio.Task[Any]] = set()
        self._background: set[asyncio.Task[None]] = set()

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve a crash's leftovers, schedule the day, answer for the program, and sync the
        Discord event once the gateway has delivered the servers.

        Called from ``cog_load``, before the core starts the scheduler: the jobs wait in its pending
        list and catch-up jobs run as soon as it starts.
        """
        self._salt = await self.store.salt()
        self.paused = await self.store.paused()
        reconciled = await self.store.reconcile(self._find_posted)
        for intent in reconciled.uncertain:
            log.warning(
                "reminder %s/%ss to %s may have been posted before the restart; not repeating",
                intent.session_id,
                intent.offset_seconds,
                intent.target,
            )
        async with self._lock:
            rebuild = await self._reschedule()
        log.info(
            "schedule started: version %s, %s sessions, %s reminders pending, %s caught up",
            self.version,
            len(self.program),
            len(rebuild.scheduled),
            len(rebuild.catch_up),
        )
        services = self.bot.services
        services.use_program(self)
        services.status_sources[FEATURE] = self
        self.spawn(self._sync_discord_events_when_ready(), "Discord event sync at start-up")

    async def stop(self, *, drain: float = STOP_DRAIN_SECONDS) -> None:
        """Drop the jobs (a job running meanwhile sees it is stale) and give a post under way up to
        ``drain`` seconds to be recorded; the store keeps its state."""
        services = self.bot.services
        services.status_sources.pop(FEATURE, None)
        services.use_program(None)
        for task in self._background:
            task.cancel()
        self.plan = ReminderPlan(0, ())
        self._remove_jobs()
        if self._running:
            await asyncio.wait(set(self._running), timeout=drain)

    async def reconfigure(self, config: Config) -> None:
        """A reloaded config: new texts and grace, and the program again (a changed program bumps
        the version)."""
        self.config = config
        self.texts = ScheduleTexts(config, self.bot.services.t)
        async with self._lock:
            await self._reschedule()
        self.spawn(
            self.discord_events.sync(self.texts, self.program),
            "Discord event sync after a config reload",
        )

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
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def settle(self) -> None:
        """Wait for the work under way (reminder jobs, Discord event syncs); for tests."""
        while self._background or self._running:
            await asyncio.gather(*self._background, *self._running, return_exceptions=True)

    # -- what other features and the cogs read ----------------------------------------------------

    async def sessions(self) -> Sequence[Session]:
        """``services.program`` while this runs: the sessions after delays."""
        return self.program

    async def status_fields(self, locale: str) -> list[tuple[str, str]]:
        """For ``/admin status``: the schedule version, what is on, and the next reminders."""
        lang = locale_for(locale)
        t = self.bot.services.t
        current, upcoming = current_and_next(self.program, self.clock.now())
        summary = t(
            "schedule.status.summary",
            lang,
            version=self.version,
            current=current.title.get(lang) if current else "-",
            next=upcoming.title.get(lang) if upcoming else "-",
        )
        coming = await self.upcoming_reminders(STATUS_REMINDERS)
        preview = self.texts.preview(coming, lang, paused=self.paused)
        return [(t("schedule.status.field", lang), f"{summary}\n{preview.description}")]

    async def upcoming_reminders(self, limit: int) -> list[Reminder]:
        """The next reminders still to be posted (to at least one target), soonest first."""
        plan = self.plan
        states = {target: await self.store.states(target, plan) for target in await self._targets()}
        grace = self.config.reminders.grace
        pending = still_to_post(plan, self.clock.now(), grace, states, on_time=self.on_time)
        return pending[:limit]

    # -- changes by moderators and viewers --------------------------------------------------------

    async def delay(
        self, minutes: int, *, guild_id: int, user_id: int
    ) -> DelayApplied | DelayRefusal:
        """Shift the sessions not yet started: persist, rebuild the reminders, post the one notice
        and move the Discord event. A refusal changes nothing. The cog writes the audit entry."""
        async with self._lock:
            version_before, now = self.version, self.clock.now()
            plan = plan_delay(self.program, now, minutes, max_minutes=DEFAULT_MAX_DELAY_MINUTES)
            if isinstance(plan, DelayRefusal):
                log.info("delay of %s min refused: %s", minutes, plan.reason)
                return plan
            await self.store.record_delay(plan, guild_id=guild_id, user_id=user_id, now=now)
            await self._reschedule()
            applied = DelayApplied(plan, version_before, self.version, self.program)
        log.info(
            "delay of %+d min by user %s moved %s sessions (version %s)",
            minutes,
            user_id,
            len(plan.moved),
            applied.version,
        )
        await self._post_delay_notice(applied)
        self.spawn(
            self.discord_events.sync(self.texts, self.program), "Discord event sync after a delay"
        )
        return applied

    async def set_paused(self, paused: bool) -> bool:
        """Pause or resume reminder posts (reminders falling due while paused are skipped, not
        posted late); whether anything changed."""
        changed = await self.store.set_paused(paused)
        self.paused = paused
        return changed

    async def set_dm_reminders(self, user_id: int, enabled: bool, locale: str) -> RemindReply:
        """Opt a user in or out of DM reminders; opting in first sends a welcome DM, and closed
        DMs leave the user out."""
        now = self.clock.now()
        if not enabled:
            await self.store.set_dm(user_id, False, locale=locale, now=now)
            return "dm_off"
        welcome = MessageData(self.bot.services.t("schedule.remind.dm_welcome", locale))
        try:
            await self._send_dm(user_id, welcome)
        except discord.Forbidden:
            await self.store.set_dm(user_id, False, locale=locale, now=now)
            return "dm_closed"
        await self.store.set_dm(user_id, True, locale=locale, now=now)
        return "dm_on"

    # -- reminder jobs ----------------------------------------------------------------------------

    async def _reschedule(self) -> Rebuild:
        """Load the program (config + delay history) and replace every reminder job; hold the
        lock. Reminders due and not yet posted get a job right away."""
        fingerprint = program_fingerprint(self.config)
        self.version = await self.store.note_program(fingerprint, now=self.clock.now())
        self.program = tuple(effective_program(self.config, await self.store.shifts()))
        plan = ReminderPlan.build(self.program, self.config.reminders.before, self.version)
        # Switch plans before the next await: a job of the old plan running meanwhile sees that it
        # is stale and stays silent.
        self.plan = plan
        self._remove_jobs()
        states = {target: await self.store.states(target, plan) for target in await self._targets()}
        now = self.clock.now()
        rebuild = plan_rebuild(plan, now, self.config.reminders.grace, states, on_time=self.on_time)
        for reminder, target, reason in rebuild.skipped:
            await self.store.record_skip(target, reminder, reason, now=now)
        if self.plan is not plan:  # stopped meanwhile
            return rebuild
        # APScheduler sleeps in real time: catch-up jobs run at the real instant of event-time now.
        for reminder in rebuild.catch_up:
            self._add_job(reminder, self.clock.real_time(now), catch_up=True)
        for reminder in rebuild.scheduled:
            self._add_job(reminder, self.clock.real_time(reminder.due))
        for edge, at in program_edges(plan, now):
            self._scheduler.add_job(
                self._program_edge,
                trigger=DateTrigger(run_date=self.clock.real_time(at), timezone=UTC),
                args=(edge,),
                id=f"{EDGE_JOB_PREFIX}{edge}",
                name=f"program {edge}",
                replace_existing=True,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )
        log.info(
            "schedule v%s: %s reminders scheduled, %s to catch up, %s skipped (%s targets)",
            plan.version,
            len(rebuild.scheduled),
            len(rebuild.catch_up),
            len(rebuild.skipped),
            len(states),
        )
        return rebuild

    def _add_job(
        self, reminder: Reminder, run_at: datetime, *, catch_up: bool = False, retry: bool = False
    ) -> None:
        self._scheduler.add_job(
            self.remind,
            trigger=DateTrigger(run_date=run_at, timezone=UTC),
            args=(reminder, catch_up),
            id=reminder.job_id + (RETRY_SUFFIX if retry else ""),
            name=f"reminder {reminder.session_id} -{reminder.offset_seconds}s"
            + (" (retry)" if retry else ""),
            replace_existing=True,
            # Lateness is judged by decide() against reminders.grace; never let APScheduler drop a
            # job silently because the loop was busy.
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )

    def _remove_jobs(self) -> None:
        for job in self._scheduler.get_jobs():
            if job.id.startswith((REMINDER_JOB_PREFIX, EDGE_JOB_PREFIX)):
                # A job that ran meanwhile is already gone.
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job.id)

    def job_ids(self) -> list[str]:
        return sorted(
            job.id for job in self._scheduler.get_jobs() if job.id.startswith(REMINDER_JOB_PREFIX)
        )

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._running.discard(task)

    async def remind(self, reminder: Reminder, catch_up: bool = False) -> dict[str, Decision]:
        """The job of one reminder: post it to every target, exactly once each; the decision per
        target. Never raises into APScheduler: failures are logged with the job's id."""
        with self._tracked():
            try:
                plan = self.plan
                current = plan.get(reminder.key)
                if current is None or (current.version, current.due) != (
                    reminder.version,
                    reminder.due,
                ):
                    log.debug("stale reminder job %s ignored", reminder.job_id)
                    return {}
                now = self.clock.now()
                if not catch_up:
                    # The job runs because its real time came; the clocks may differ by microseconds.
                    now = max(now, reminder.due)
                targets = await self._targets()
                # Targets are independent: one slow server must not delay another's reminder.
                decisions = await asyncio.gather(
                    *(self._deliver(plan, reminder, target, now) for target in targets)
                )
                return dict(zip(targets, decisions, strict=True))
            except Exception:
                log.exception("reminder job %s failed", reminder.job_id)
                return {}

    async def _deliver(
        self, plan: ReminderPlan, reminder: Reminder, target: str, now: datetime
    ) -> Decision:
        """One reminder to one target: decide, claim the intent, post, record the message."""
        try:
            grace = self.config.reminders.grace
            states = await self.store.states(target, plan)
            decision = plan.decision_for(reminder, now, grace, states, on_time=self.on_time)
            if isinstance(decision, Wait):
                return decision
            if isinstance(decision, Skip):
                if decision.reason in RECORDED_SKIPS:
                    await self.store.record_skip(target, reminder, decision.reason, now=now)
                log.info("reminder %s to %s skipped: %s", reminder.job_id, target, decision.reason)
                return decision
            if self.paused:
                await self.store.record_skip(target, reminder, "paused", now=now)
                log.info("reminder %s to %s skipped: reminders are paused", reminder.job_id, target)
                return Skip("paused")
            late = isinstance(decision, SendLate)
            nonce = reminder.nonce(self._salt, target)
            if not await self.store.claim(target, reminder, nonce, now=now, late=late):
                return Skip("already_sent")
            try:
                message_id = await self._post(target, reminder, late=late, now=now, nonce=nonce)
            except ReminderNotSent:
                log.warning(
                    "reminder %s to %s not posted; retrying in a minute (event time) if still "
                    "within grace",
                    reminder.job_id,
                    target,
                    exc_info=True,
                )
                await self.store.release(target, reminder.key)
                self._schedule_retry(plan, reminder, now)
                return decision
            except Exception:
                # The post may or may not exist: keep the claim, start-up reconciliation decides.
                log.exception(
                    "reminder %s to %s: outcome unknown, not retrying", reminder.job_id, target
                )
                return decision
            await self.store.mark_sent(target, reminder.key, message_id, now=self.clock.now())
            return decision
        except Exception:
            log.exception("reminder %s to %s failed", reminder.job_id, target)
            return Skip("error")

    def _schedule_retry(self, plan: ReminderPlan, reminder: Reminder, now: datetime) -> None:
        """One more try of a reminder whose post certainly failed: its own job has run, so nothing
        else would post it before the next rebuild. One job whichever targets failed."""
        if self.plan is not plan:  # rebuilt or stopped meanwhile: the new plan has its own jobs
            return
        at = retry_time(reminder, now, self.config.reminders.grace)
        if at is None:
            log.info("reminder %s is not retried: it would be too late", reminder.job_id)
            return
        self._add_job(reminder, self.clock.real_time(at), catch_up=True, retry=True)

    async def _targets(self) -> list[str]:
        """Every event server with an announce channel, plus the DM batch when anyone opted in."""
        found = [
            guild_target(settings.guild_id)
            for settings in await self.bot.services.event_guilds()
            if settings.announce_channel_id
        ]
        if await self.store.dm_users():
            found.append(DM_TARGET)
        return found

    # -- posting ----------------------------------------------------------------------------------

    async def _post(
        self, target: str, reminder: Reminder, *, late: bool, now: datetime, nonce: str
    ) -> int:
        """Post one reminder to one target; the message id (0 for the DM batch).

        A server's announce channel gets it with ``nonce`` (discord.py sends ``enforce_nonce``, so
        a repeat returns the first message) and the nonce in the footer as the marker, pinging at
        most the server's reminder role.
        """
        if target == DM_TARGET:
            await self._post_dms(reminder, late=late, now=now)
            return 0
        guild_id = target_guild_id(target)
        if guild_id is None:
            raise ReminderNotSent(f"unknown target {target!r}")
        settings = await self.bot.services.guild(guild_id)
        if not settings.announce_channel_id:
            raise ReminderNotSent(f"server {guild_id} has no announce channel")
        pings = self.config.reminders.pings_at(reminder.offset)
        role_id = settings.reminder_role_id if pings else 0
        guild = self.bot.get_guild(guild_id)
        if role_id and guild is not None and guild.get_role(role_id) is None:
            # The role was deleted: post without a ping rather than "@deleted-role", and say so.
            role_id = 0
            await self.bot.notices.tell_once(
                guild_id, "reminder_role_missing", "notice.reminder_role_missing"
            )
        message = self.texts.reminder(
            reminder, settings.locale, late=late, now=now, marker=nonce, role_id=role_id
        )
        channel = self.bot.get_partial_messageable(settings.announce_channel_id, guild_id=guild_id)
        try:
            posted = await channel.send(
                message.content,
                embeds=embeds_of(message),
                nonce=nonce,
                allowed_mentions=only_role(message.mention_role_id),
            )
        except (discord.Forbidden, discord.NotFound) as error:
            await self.bot.notices.tell_once(
                guild_id,
                "announce_unavailable",
                "notice.announce_unavailable",
                avoid_channel=settings.announce_channel_id,
                channel=f"<#{settings.announce_channel_id}>",
                error=f"{error.status} {error.text}",
            )
            raise ReminderNotSent(
                f"announce channel {settings.announce_channel_id}: {error}"
            ) from error
        await self.bot.notices.clear(guild_id, "announce_unavailable")
        self.bot.services.metrics.reminder_sent(late=late)
        return posted.id

    async def _post_dms(self, reminder: Reminder, *, late: bool, now: datetime) -> None:
        """The DM batch: a copy for every user who opted in, in the language they asked in."""
        for user_id, stored_locale in (await self.store.dm_users()).items():
            locale = locale_for(stored_locale)
            message = self.texts.dm_reminder(reminder, locale, late=late, now=now)
            try:
                await self._send_dm(user_id, message)
            except discord.Forbidden:
                # DMs closed (or no server in common any more): stop trying this user.
                await self.store.set_dm(user_id, False, locale=locale, now=self.clock.now())
                log.info("user %s no longer accepts DMs; opted out of DM reminders", user_id)
            except discord.HTTPException as error:
                log.warning("DM reminder to user %s failed: %s", user_id, error)

    async def _send_dm(self, user_id: int, message: MessageData) -> discord.Message:
        channel = await self.bot.create_dm(discord.Object(id=user_id))
        return await channel.send(
            message.content, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS
        )

    async def _find_posted(self, intent: PendingIntent) -> int | None:
        """Start-up reconciliation: the id of the message carrying ``intent``'s marker, None if it
        is certainly not there.

        Message history does not return nonces, so the marker in the embed footer is what is
        searched. The DM batch cannot be searched: it raises, and the intent counts as sent.
        """
        if intent.target == DM_TARGET:
            raise LookupFailed("DM reminders cannot be looked up")
        guild_id = target_guild_id(intent.target)
        if guild_id is None:
            raise LookupFailed(f"unknown target {intent.target!r}")
        settings = await self.bot.services.guild(guild_id)
        if not settings.announce_channel_id:
            raise LookupFailed(f"server {guild_id} has no announce channel any more")
        me = self.bot.user
        if me is None:
            raise LookupFailed("not logged in")
        channel = self.bot.get_partial_messageable(settings.announce_channel_id, guild_id=guild_id)
        async for message in channel.history(limit=HISTORY_LIMIT):
            if message.author.id != me.id:
                continue
            if any(self.texts.marker_in(e.footer.text or "", intent.nonce) for e in message.embeds):
                self.bot.services.metrics.reminder_duplicate_suppressed()
                return message.id
        return None

    async def _post_delay_notice(self, applied: DelayApplied) -> None:
        """The one notice of a delay, in every event server's announce channel (no mentions)."""
        for settings in await self.bot.services.event_guilds():
            if not settings.announce_channel_id:
                continue
            message = self.texts.delay_notice(applied.plan, applied.sessions, settings.locale)
            channel = self.bot.get_partial_messageable(
                settings.announce_channel_id, guild_id=settings.guild_id
            )
            try:
                await channel.send(
                    message.content, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS
                )
            except discord.HTTPException as error:
                log.warning(
                    "delay notice to %s in server %s failed: %s",
                    settings.announce_channel_id,
                    settings.guild_id,
                    error,
                )

    # -- the Discord Scheduled Event --------------------------------------------------------------

    async def _sync_discord_events_when_ready(self) -> None:
        await self.bot.wait_until_ready()
        await self.discord_events.sync(self.texts, self.program)

    async def _program_edge(self, edge: ProgramEdge) -> None:
        """The job at the program's start and end: start or end the Discord event if Discord did
        not."""
        with self._tracked():
            try:
                if not self.bot.is_ready() or not self.program:
                    return  # the sync that follows the gateway's READY covers it
                sessions = self.program
                at = (
                    min(s.start for s in sessions)
                    if edge == "start"
                    else max(s.end for s in sessions)
                )
                # The job runs when its real time comes; the clocks may differ by microseconds.
                await self.discord_events.sync(self.texts, sessions, at=max(self.clock.now(), at))
            except Exception:
                log.exception("program %s job failed", edge)
