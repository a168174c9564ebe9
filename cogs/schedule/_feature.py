"""The schedule feature's one owner: the day's program, its reminders, delays and the Discord event.

A reminder, from the config to Discord:

1. :meth:`ScheduleFeature.start` (and every delay or reload) runs :meth:`~ScheduleFeature._reschedule`:
   config + delay history → sessions → a :class:`ReminderPlan` → one APScheduler job per reminder,
   in memory only (never pickled); a reminder that fell due while the bot was down runs at once.
2. The job is :meth:`~ScheduleFeature.remind`, which calls :meth:`~ScheduleFeature._deliver` per
   target (each server's announce channel, and the DM batch): decide from the store, claim an
   ``intent``, :meth:`~ScheduleFeature._post` it through the core outbox (``bot.outbox``) under
   the reminder's key, mark it ``sent``.

The ledger decides whether a reminder is owed (once per target; late within grace; skipped); the
outbox delivers it: the nonce, retries of ambiguous failures, and the marker that finds a post
again after a crash. Whether a reminder goes out is decided when its job runs, from the ledger,
not from the job's existence: a stale job that slips through a rebuild finds itself outdated and
does nothing. Decisions are pure (``_reminders.py``), SQL is in ``_store.py``, texts in
``_render.py``; the cogs parse interactions and render what this returns. Posts use REST only, so
they work in ``setup_hook`` before the gateway is connected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import discord
from apscheduler.jobstores.base import JobLookupError
from apscheduler.triggers.date import DateTrigger

from bot.config import Config
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS, only_role
from bot.outbox import Draft, Failed, Posted
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
from bot.services import ReminderRecord
from bot.tasks import BackgroundTasks
from cogs.schedule._discord_event import DiscordEventSync
from cogs.schedule._reminders import (
    DEFAULT_ON_TIME,
    DM_TARGET,
    RECORDED_SKIPS,
    RETRY_AFTER,
    Decision,
    LedgerState,
    ProgramEdge,
    Rebuild,
    Reminder,
    ReminderPlan,
    Send,
    SendLate,
    Skip,
    Wait,
    guild_target,
    plan_rebuild,
    post_window,
    program_edges,
    retry_time,
    still_to_post,
    target_guild_id,
)
from cogs.schedule._render import EmbedData, MessageData, RemindReply, ScheduleTexts
from cogs.schedule._store import PendingIntent, ScheduleStore

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.guilds import GuildSettings

log = logging.getLogger(__name__)

FEATURE = "schedule"
STATUS_REMINDERS = 5
REMINDER_JOB_PREFIX = "reminder:"
EDGE_JOB_PREFIX = "schedule-day:"
RETRY_SUFFIX = ":retry"
#: How long a stop waits for a reminder post under way. The core gives ``bot.close()`` 4 s in all
#: (``bot.lifecycle.SHUTDOWN_TIMEOUT``), the live relay may take 1.5 s and audit posts 1 s of them;
#: a post cut off here is not lost: the outbox carries it on at the next start, or finds it.
STOP_DRAIN_SECONDS = 1.0
#: How long the outbox keeps trying a delay notice (event time).
DELAY_NOTICE_GRACE = timedelta(minutes=5)


def to_embed(data: EmbedData) -> discord.Embed:
    return discord.Embed.from_dict(data.to_dict())


def embeds_of(message: MessageData) -> list[discord.Embed]:
    return [] if message.embed is None else [to_embed(message.embed)]


class ReminderNotSent(Exception):
    """The post cannot be made (unknown target, no announce channel): the claim is released and
    the reminder retried."""


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
        # One program change at a time: two moderators delaying at once must not both plan on the
        # old program and shift it twice.
        self._lock = asyncio.Lock()
        # Jobs running right now, so that a clean stop can let a post finish and be recorded.
        self._running: set[asyncio.Task[Any]] = set()
        self.background = BackgroundTasks("schedule", log)

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Resolve a crash's leftovers, schedule the day, answer for the program, and sync the
        Discord event once the gateway has delivered the servers.

        Called from ``cog_load``, before the core starts the scheduler: the jobs wait in its pending
        list and catch-up jobs run as soon as it starts.
        """
        self.paused = await self.store.paused()
        # Claimed by the last run and never recorded (it was killed mid-post): they count as
        # posted until the outbox says what became of them, in the background (it may retry).
        leftovers = await self.store.pending_intents()
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
        services.reminder_records = self
        if leftovers:
            self.background.spawn(
                self._settle_leftovers(leftovers), "settling the last run's reminders"
            )
        self.background.spawn(
            self._sync_discord_events_when_ready(), "Discord event sync at start-up"
        )

    async def stop(self, *, drain: float = STOP_DRAIN_SECONDS) -> None:
        """Drop the jobs (a job running meanwhile sees it is stale) and give a post under way up to
        ``drain`` seconds to be recorded; the store keeps its state."""
        services = self.bot.services
        services.status_sources.pop(FEATURE, None)
        services.use_program(None)
        if services.reminder_records is self:
            services.reminder_records = None
        self.background.cancel()
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
        self.background.spawn(
            self.discord_events.sync(self.texts, self.program),
            "Discord event sync after a config reload",
        )

    async def settle(self) -> None:
        """Wait for the work under way (reminder jobs, Discord event syncs); for tests."""
        while self.background.pending() or self._running:
            await asyncio.gather(*self.background.pending(), *self._running, return_exceptions=True)

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

    async def reminder_record(self) -> ReminderRecord:
        """``services.reminder_records`` while this runs (the recap's report): reminders posted to
        announce channels, reminder DMs delivered, and who opted in by DM and by role."""
        return ReminderRecord(
            sent=await self.store.sent_count(dm=False),
            dm_sent=await self.store.dms_delivered(),
            dm_optins=len(await self.store.dm_users()),
            role_optins=await self._role_optins(),
        )

    async def _role_optins(self) -> int | None:
        """Members holding each event server's reminder role, summed; None if any server cannot
        tell (not in the cache, or Discord refuses the count)."""
        total = 0
        for settings in await self.bot.services.event_guilds():
            if not settings.reminder_role_id:
                continue
            guild = self.bot.get_guild(settings.guild_id)
            if guild is None:
                return None
            try:
                counts = await guild.role_member_counts()
            except discord.HTTPException as error:
                log.warning("reminder role members in server %s: %s", guild.id, error)
                return None
            total += next((n for r, n in counts.items() if r.id == settings.reminder_role_id), 0)
        return total

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
            # Read afresh each time: a session a moderator marked as started stays where it is.
            source = self.bot.services.session_marks
            marks = await source.start_marks() if source else None
            plan = plan_delay(
                self.program, now, minutes, max_minutes=DEFAULT_MAX_DELAY_MINUTES, marks=marks
            )
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
        self.background.spawn(self._post_delay_notices(applied), "delay notice")
        self.background.spawn(
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
        """One reminder to one target: decide and claim the intent, post, record the message."""
        try:
            try:
                decision = await self._claim(plan, reminder, target, now)
            except sqlite3.Error as error:
                # Nothing was claimed, so nothing was posted: tried again like a refused post.
                log.warning(
                    "reminder %s to %s not posted: the database cannot be written (%s); trying "
                    "again in a minute (event time) if still within grace",
                    reminder.job_id,
                    target,
                    error,
                )
                await self._storage_failing()
                self._schedule_retry(plan, reminder, now)
                return Skip("error")
            if not isinstance(decision, Send | SendLate):
                return decision
            late = isinstance(decision, SendLate)
            if target == DM_TARGET:
                delivered = await self._post_dms(reminder, late=late, now=now)
                await self._record_sent(target, reminder, 0)
                with contextlib.suppress(sqlite3.Error):  # only a figure for the report
                    await self.store.count_dms(delivered)
                return decision
            try:
                result = await self._post(target, reminder, late=late, now=now)
            except Exception as error:
                # Certainly not posted (no channel), or the outbox broke off (a database error):
                # whatever it sent, a new try under the same key cannot post a second message.
                log.warning(
                    "reminder %s to %s not posted (%s); trying again in a minute (event time) "
                    "if still within grace",
                    reminder.job_id,
                    target,
                    error,
                    exc_info=not isinstance(error, ReminderNotSent | sqlite3.Error),
                )
                await self.store.release(target, reminder.key)
                self._schedule_retry(plan, reminder, now)
                return decision
            await self._posted(plan, reminder, target, result, late=late)
            return decision
        except Exception:
            log.exception("reminder %s to %s failed", reminder.job_id, target)
            return Skip("error")

    async def _claim(
        self, plan: ReminderPlan, reminder: Reminder, target: str, now: datetime
    ) -> Decision:
        """Decide from the ledger; a Send or SendLate comes back only with the claim made."""
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
        if not await self.store.claim(target, reminder, now=now, late=late):
            return Skip("already_sent")
        return decision

    async def _posted(
        self,
        plan: ReminderPlan,
        reminder: Reminder,
        target: str,
        result: Posted | Failed,
        *,
        late: bool,
    ) -> None:
        """Record what the outbox did with a reminder's post."""
        if isinstance(result, Posted):
            metrics = self.bot.services.metrics
            metrics.reminder_sent(late=late)
            if result.recovered:
                metrics.reminder_duplicate_suppressed()
            await self._record_sent(target, reminder, result.message_id)
            return
        if result.reason == "deleted":
            log.info("reminder %s to %s was posted and deleted since", reminder.job_id, target)
            await self._record_sent(target, reminder, None)
        elif result.maybe_posted:
            # The claim stays: the outbox settles it at the next start, never posting twice.
            log.warning(
                "reminder %s to %s may or may not be posted (%s); not trying again",
                reminder.job_id,
                target,
                result.reason,
            )
        else:
            # Certainly not posted: refused (403, 404: tried again in a minute, when a moderator
            # may have fixed the channel), or not through within its words' window (decided
            # again at once: late, with words for the time really left).
            after = timedelta(0) if result.reason == "expired" else RETRY_AFTER
            log.warning(
                "reminder %s to %s not posted to the announce channel (%s: %s); deciding again "
                "in %s s (event time) if still within grace",
                reminder.job_id,
                target,
                result.reason,
                result.detail or "-",
                int(after.total_seconds()),
            )
            await self.store.release(target, reminder.key)
            self._schedule_retry(plan, reminder, self.clock.now(), after=after)

    async def _record_sent(self, target: str, reminder: Reminder, message_id: int | None) -> None:
        try:
            await self.store.mark_sent(target, reminder.key, message_id, now=self.clock.now())
        except sqlite3.Error as error:
            # Posted all the same; its claim (and the outbox row) keep it from being posted again.
            log.warning(
                "reminder %s to %s was posted (message %s) but the ledger cannot record it: %s",
                reminder.job_id,
                target,
                message_id,
                error,
            )
            await self._storage_failing()

    async def _storage_failing(self) -> None:
        """Probe the database now, so moderators hear at once, not at the watch's next round."""
        try:
            await self.bot.storage_watch.check()
        except Exception:
            log.exception("storage check failed")

    def _schedule_retry(
        self,
        plan: ReminderPlan,
        reminder: Reminder,
        now: datetime,
        *,
        after: timedelta = RETRY_AFTER,
    ) -> None:
        """One more try of a reminder that was not posted: its own job has run, so nothing else
        would post it before the next rebuild. One job whichever targets failed."""
        if self.plan is not plan:  # rebuilt or stopped meanwhile: the new plan has its own jobs
            return
        at = retry_time(reminder, now, self.config.reminders.grace, after)
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
        self, target: str, reminder: Reminder, *, late: bool, now: datetime
    ) -> Posted | Failed:
        """Post one reminder to a server's announce channel through the outbox, pinging at most the
        server's reminder role; the outbox keeps trying these words for :func:`post_window`."""
        guild_id = target_guild_id(target)
        if guild_id is None:
            raise ReminderNotSent(f"unknown target {target!r}")
        settings = await self.bot.services.guild(guild_id)
        channel_id = settings.announce_channel_id
        if not channel_id:
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
            reminder, settings.locale, late=late, now=now, role_id=role_id
        )
        result = await self.bot.outbox.post(
            channel_id,
            key=reminder.post_key(target),
            draft=Draft.of(
                message.content,
                mentions=only_role(message.mention_role_id),
                embeds=embeds_of(message),
            ),
            grace=post_window(reminder, now, self.config.reminders.grace, on_time=self.on_time),
            guild_id=guild_id,
        )
        # Told after the post is settled: a failing notice must not hide what the outbox did.
        with contextlib.suppress(sqlite3.Error):
            if isinstance(result, Posted):
                await self.bot.notices.clear(guild_id, "announce_unavailable")
            elif result.reason == "refused":
                await self.bot.notices.tell_once(
                    guild_id,
                    "announce_unavailable",
                    "notice.announce_unavailable",
                    avoid_channel=channel_id,
                    channel=f"<#{channel_id}>",
                    error=result.detail,
                )
        return result

    async def _post_dms(self, reminder: Reminder, *, late: bool, now: datetime) -> int:
        """The DM batch: a copy for every user who opted in, in the language they asked in; how
        many were delivered. Sent directly, not through the outbox: a DM cannot be looked up
        again, so a batch cut off by a crash counts as sent (never twice)."""
        delivered = 0
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
            else:
                delivered += 1
        return delivered

    async def _send_dm(self, user_id: int, message: MessageData) -> discord.Message:
        channel = await self.bot.create_dm(discord.Object(id=user_id))
        return await channel.send(
            message.content, embeds=embeds_of(message), allowed_mentions=NO_MENTIONS
        )

    async def _settle_leftovers(self, leftovers: Sequence[PendingIntent]) -> None:
        """Reminders the last run claimed and never recorded: the outbox says what became of each
        post (it carries on one still within its window, or looks for its marker in the
        channel). Certainly not posted → released and decided again (late within grace, or
        skipped); cannot tell → ``uncertain``, counted as sent: dropped, never doubled."""
        released = await asyncio.gather(*(self._settle_leftover(i) for i in leftovers))
        if any(released):
            async with self._lock:
                await self._reschedule()

    async def _settle_leftover(self, intent: PendingIntent) -> bool:
        """Settle one leftover intent; whether it was released."""
        what = f"reminder {intent.session_id}/{intent.offset_seconds}s to {intent.target}"
        if intent.target == DM_TARGET:
            result: Posted | Failed = Failed(intent.post_key, "unknown", "DMs cannot be looked up")
        else:
            result = await self.bot.outbox.settle(intent.post_key)
        if isinstance(result, Posted):
            if result.recovered:
                self.bot.services.metrics.reminder_duplicate_suppressed()
            await self.store.settle(intent, LedgerState.SENT, result.message_id)
        elif result.reason == "deleted":
            await self.store.settle(intent, LedgerState.SENT)
        elif result.reason == "unknown":
            log.warning("%s may have been posted before the restart; not repeating", what)
            await self.store.settle(intent, LedgerState.UNCERTAIN)
        elif result.reason != "stopped":  # stopped: shutting down again, left for the next start
            log.info("%s was claimed but never posted; it may be sent late", what)
            await self.store.release(intent.target, intent.key)
            return True
        return False

    async def _post_delay_notices(self, applied: DelayApplied) -> None:
        """The one notice of a delay, in every event server's announce channel (no mentions)."""
        await asyncio.gather(
            *(
                self._post_delay_notice(settings, applied)
                for settings in await self.bot.services.event_guilds()
                if settings.announce_channel_id
            )
        )

    async def _post_delay_notice(self, settings: GuildSettings, applied: DelayApplied) -> None:
        message = self.texts.delay_notice(applied.plan, applied.sessions, settings.locale)
        result = await self.bot.outbox.post(
            settings.announce_channel_id,
            key=f"delay:{guild_target(settings.guild_id)}:v{applied.version}",
            draft=Draft.of(message.content, mentions=NO_MENTIONS, embeds=embeds_of(message)),
            grace=DELAY_NOTICE_GRACE,
            guild_id=settings.guild_id,
        )
        if isinstance(result, Failed):
            log.warning(
                "delay notice to %s in server %s not posted: %s %s",
                settings.announce_channel_id,
                settings.guild_id,
                result.reason,
                result.detail,
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
