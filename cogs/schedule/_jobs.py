"""Reminder jobs on APScheduler, rebuilt from the program at start-up and after every change.

Jobs live in APScheduler's memory store only: pickled jobs would outlive the program they were
built from, while rebuilding from (config + delay history + ledger) is always right. Whether a
reminder is posted is decided when its job runs, from the ledger, not from the job's existence: a
stale job that slips through a rebuild finds itself outdated and does nothing.

One job per reminder serves every *target* (each server's announce channel, and the DM batch); the
ledger keeps exactly-once per target, so a server added mid-day or a failed post to one server does
not affect the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from cogs.schedule._ledger import IntentLookup, ReconcileReport, ScheduleLedger
from cogs.schedule._reminders import (
    DEFAULT_ON_TIME,
    Decision,
    Reminder,
    ReminderKey,
    ReminderPlan,
    Send,
    SendLate,
    Skip,
    SkipReason,
    Wait,
)

log = logging.getLogger(__name__)

REMINDER_JOB_PREFIX = "reminder:"
BOUNDARY_JOB_PREFIX = "schedule-day:"

#: The announce channel of the config's own server, when the integrator does not list targets.
DEFAULT_TARGET = "announce"
#: The batch of DM reminders to users who opted in (one ledger row per reminder, not per user).
DM_TARGET = "dm"

#: After a post that certainly failed (403/404), try again this much later (event time) while the
#: reminder is still within grace: a moderator may have fixed the channel meanwhile.
RETRY_AFTER = timedelta(minutes=1)
RETRY_SUFFIX = ":retry"

#: Skips worth a ledger row (audit); the others are not decisions about this reminder.
_RECORDED_SKIPS: frozenset[SkipReason] = frozenset(
    {"too_late", "superseded", "session_over", "paused"}
)

DayBoundary = Literal["start", "end"]


def guild_target(guild_id: int) -> str:
    return f"guild:{guild_id}"


def target_guild_id(target: str) -> int | None:
    """The server id of a ``guild:<id>`` target, else None."""
    prefix, _, rest = target.partition(":")
    return int(rest) if prefix == "guild" and rest.isdigit() else None


class ReminderNotSent(Exception):
    """Raised by the send callback when the post certainly did not happen (e.g. 403, no channel).

    The claim is released so the reminder can be tried again; any other exception leaves the claim
    in place (the post may have happened) for start-up reconciliation.
    """


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the send callback gets: the reminder, where it goes and how to post it."""

    reminder: Reminder
    target: str
    late: bool
    lateness: timedelta
    #: Pass as the message nonce with ``enforce_nonce=True``, and show as the embed footer marker
    #: so start-up reconciliation can find the message in the channel's history.
    nonce: str
    #: Event time at the decision, for "starts in N minutes" texts of late reminders.
    now: datetime

    @property
    def guild_id(self) -> int | None:
        return target_guild_id(self.target)


#: The integrator's coroutine that posts a reminder; returns the Discord message id (any int for
#: the DM batch).
SendReminder = Callable[[Delivery], Awaitable[int]]
#: Where reminders go right now, e.g. ``["guild:1", "dm"]``.
TargetsProvider = Callable[[], Awaitable[Sequence[str]]]
#: Called at the program's start and end (to start/end the Discord Scheduled Event).
BoundaryCallback = Callable[[DayBoundary], Awaitable[None]]


async def default_targets() -> Sequence[str]:
    """Just the config's announce channel."""
    return (DEFAULT_TARGET,)


@dataclass(slots=True)
class RebuildReport:
    version: int
    scheduled: list[Reminder] = field(default_factory=list)
    catch_up: list[Reminder] = field(default_factory=list)
    skipped: list[tuple[Reminder, str, SkipReason]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StartReport:
    reconcile: ReconcileReport
    rebuild: RebuildReport


class ReminderScheduler:
    """Owns the reminder jobs on an ``AsyncIOScheduler`` it is given (started by the bot)."""

    def __init__(
        self,
        scheduler: AsyncIOScheduler,
        clock: Clock,
        ledger: ScheduleLedger,
        send: SendReminder,
        *,
        grace: timedelta,
        on_time: timedelta = DEFAULT_ON_TIME,
        targets: TargetsProvider = default_targets,
        boundary: BoundaryCallback | None = None,
        retry_after: timedelta = RETRY_AFTER,
    ) -> None:
        self._scheduler = scheduler
        self._clock = clock
        self._ledger = ledger
        self._send = send
        self._grace = grace
        self._on_time = on_time
        self._targets = targets
        self._boundary = boundary
        self._retry_after = retry_after
        self._plan = ReminderPlan(0, ())
        self._salt = ""
        self._paused = False
        # Jobs running right now, so that a clean shutdown can let a post finish and be recorded.
        self._running: set[asyncio.Task[object]] = set()

    @property
    def plan(self) -> ReminderPlan:
        return self._plan

    @property
    def paused(self) -> bool:
        return self._paused

    async def start(self, plan: ReminderPlan, *, lookup: IntentLookup | None) -> StartReport:
        """Reconcile a crash's leftovers, then schedule the day (catching up what fell due)."""
        self._salt = await self._ledger.salt()
        self._paused = await self._ledger.paused()
        report = await self._ledger.reconcile(lookup)
        for intent in report.uncertain:
            log.warning(
                "reminder %s/%ss to %s may have been posted before the restart; not repeating",
                intent.session_id,
                intent.offset_seconds,
                intent.target,
            )
        return StartReport(report, await self.rebuild(plan))

    async def rebuild(self, plan: ReminderPlan) -> RebuildReport:
        """Replace every reminder job with ``plan``'s; due-but-unsent ones run right away."""
        if not self._salt:
            self._salt = await self._ledger.salt()
        # Switch plans before the first await: a job of the old plan running meanwhile sees that
        # it is stale and stays silent.
        self._plan = plan
        self._remove_jobs()
        report = RebuildReport(plan.version)
        targets = list(await self._targets())
        per_target = {t: await self._ledger.states(t, plan) for t in targets}
        if self._plan is not plan:  # a newer rebuild started while we awaited: it wins
            return report
        now = self._clock.now()
        wanted: dict[ReminderKey, bool] = {}  # key -> needs catch-up now (else wait for due)
        for target, states in per_target.items():
            for reminder, decision in plan.decide_all(
                now, self._grace, states, on_time=self._on_time
            ):
                if isinstance(decision, Send | SendLate):
                    wanted[reminder.key] = True
                elif isinstance(decision, Wait):
                    wanted.setdefault(reminder.key, False)
                elif decision.reason in _RECORDED_SKIPS:
                    await self._ledger.record_skip(target, reminder, decision.reason, now=now)
                    report.skipped.append((reminder, target, decision.reason))
        if not targets:
            # Nowhere to post yet (no announce channel set up): keep the jobs of the reminders to
            # come, so that a server set up later today gets them without a restart.
            for reminder, decision in plan.decide_all(now, self._grace, {}, on_time=self._on_time):
                if isinstance(decision, Wait):
                    wanted.setdefault(reminder.key, False)
        if self._plan is not plan:  # superseded while recording skips
            return report
        # APScheduler sleeps in real time: catch-up jobs run at the real instant of event-time now.
        real_now = self._clock.real_time(now)
        for reminder in plan.reminders:
            if reminder.key not in wanted:
                continue
            if wanted[reminder.key]:
                self._add_job(reminder, real_now, catch_up=True)
                report.catch_up.append(reminder)
            else:
                self._add_job(reminder, self._clock.real_time(reminder.due), catch_up=False)
                report.scheduled.append(reminder)
        self._add_boundaries(plan, now)
        log.info(
            "schedule v%s: %s reminders scheduled, %s to catch up, %s skipped (%s targets)",
            plan.version,
            len(report.scheduled),
            len(report.catch_up),
            len(report.skipped),
            len(targets),
        )
        return report

    async def preview(self, limit: int = 10) -> list[Reminder]:
        """The next reminders still to be posted (to at least one target), soonest first."""
        now = self._clock.now()
        pending: set[ReminderKey] = set()
        for target in await self._targets():
            states = await self._ledger.states(target, self._plan)
            for reminder, decision in self._plan.decide_all(
                now, self._grace, states, on_time=self._on_time
            ):
                if isinstance(decision, Wait | Send | SendLate):
                    pending.add(reminder.key)
        return [r for r in self._plan.reminders if r.key in pending][:limit]

    async def pause(self) -> bool:
        """Stop posting; reminders falling due while paused are skipped. False if already paused."""
        changed = await self._ledger.set_paused(True)
        self._paused = True
        return changed

    async def resume(self) -> bool:
        changed = await self._ledger.set_paused(False)
        self._paused = False
        return changed

    def set_grace(self, grace: timedelta) -> None:
        """Use a reloaded config's ``reminders.grace`` from the next decision on."""
        self._grace = grace

    def stop(self) -> None:
        """Drop every job (the feature is unloading); a job running meanwhile sees it is stale."""
        self._plan = ReminderPlan(0, ())
        self._remove_jobs()

    async def drain(self, seconds: float) -> None:
        """Wait up to ``seconds`` for running jobs, so that a post under way at shutdown is
        recorded as sent instead of being left for start-up reconciliation."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=seconds)

    def job_ids(self) -> list[str]:
        return sorted(
            job.id for job in self._scheduler.get_jobs() if job.id.startswith(REMINDER_JOB_PREFIX)
        )

    # -- jobs -------------------------------------------------------------------------------------

    def _remove_jobs(self) -> None:
        for job in self._scheduler.get_jobs():
            if job.id.startswith((REMINDER_JOB_PREFIX, BOUNDARY_JOB_PREFIX)):
                # A job that ran meanwhile is already gone.
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(job.id)

    def _add_job(
        self, reminder: Reminder, run_at: datetime, *, catch_up: bool, retry: bool = False
    ) -> None:
        self._scheduler.add_job(
            self._run_job,
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

    def _add_boundaries(self, plan: ReminderPlan, now: datetime) -> None:
        if self._boundary is None or not plan.reminders:
            return
        sessions = {r.session.id: r.session for r in plan.reminders}.values()
        start = min(s.start for s in sessions)
        end = max(s.end for s in sessions)
        if now >= end:
            return
        # Past the start (a restart mid-day, or a delay): run the start hook now; it is idempotent.
        for kind, at in (("start", max(start, now)), ("end", end)):
            self._scheduler.add_job(
                self._run_boundary,
                trigger=DateTrigger(run_date=self._clock.real_time(at), timezone=UTC),
                args=(kind,),
                id=f"{BOUNDARY_JOB_PREFIX}{kind}",
                replace_existing=True,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
            )

    @contextlib.contextmanager
    def _tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            yield
        finally:
            self._running.discard(task)

    async def _run_boundary(self, kind: DayBoundary) -> None:
        assert self._boundary is not None
        with self._tracked():
            try:
                await self._boundary(kind)
            except Exception:
                log.exception("day %s hook failed", kind)

    async def _run_job(self, reminder: Reminder, catch_up: bool) -> None:
        # A scheduled job must never raise into APScheduler: log with context and carry on.
        with self._tracked():
            try:
                await self.fire(reminder, catch_up=catch_up)
            except Exception:
                log.exception("reminder job %s failed", reminder.job_id)

    def _schedule_retry(self, plan: ReminderPlan, reminder: Reminder, now: datetime) -> None:
        """One more try of a reminder whose post certainly failed: its own job has run, so nothing
        else would post it before the next rebuild. When the retry runs, :meth:`fire` decides
        afresh (late marker, superseded, grace), so a retry can never double a post."""
        if self._plan is not plan:  # rebuilt or stopped meanwhile: the new plan has its own jobs
            return
        retry_at = now + self._retry_after
        if retry_at - reminder.due > self._grace or retry_at >= reminder.session.end:
            log.info("reminder %s is not retried: it would be too late", reminder.job_id)
            return
        # One job per reminder, whichever targets failed; fire() skips those already served.
        self._add_job(reminder, self._clock.real_time(retry_at), catch_up=True, retry=True)

    # -- delivery ---------------------------------------------------------------------------------

    async def fire(self, reminder: Reminder, *, catch_up: bool = False) -> dict[str, Decision]:
        """Decide and, if due, post one reminder to every target, exactly once each.

        Returns the decision taken per target.
        """
        plan = self._plan
        current = plan.get(reminder.key)
        if current is None or current.version != reminder.version or current.due != reminder.due:
            log.debug("stale reminder job %s ignored", reminder.job_id)
            return {}
        now = self._clock.now()
        if not catch_up:
            # The job runs because its real time came; the clocks may differ by microseconds.
            now = max(now, reminder.due)
        targets = list(await self._targets())
        # Targets are independent (one slow server must not delay another's reminder).
        results = await asyncio.gather(
            *(self._deliver(plan, reminder, target, now) for target in targets)
        )
        return dict(zip(targets, results, strict=True))

    async def _deliver(
        self, plan: ReminderPlan, reminder: Reminder, target: str, now: datetime
    ) -> Decision:
        try:
            return await self._deliver_unguarded(plan, reminder, target, now)
        except Exception:
            log.exception("reminder %s to %s failed", reminder.job_id, target)
            return Skip("error")

    async def _deliver_unguarded(
        self, plan: ReminderPlan, reminder: Reminder, target: str, now: datetime
    ) -> Decision:
        states = await self._ledger.states(target, plan)
        decision = plan.decision_for(reminder, now, self._grace, states, on_time=self._on_time)
        if isinstance(decision, Wait):
            return decision
        if isinstance(decision, Skip):
            if decision.reason in _RECORDED_SKIPS:
                await self._ledger.record_skip(target, reminder, decision.reason, now=now)
            log.info("reminder %s to %s skipped: %s", reminder.job_id, target, decision.reason)
            return decision
        if self._paused:
            await self._ledger.record_skip(target, reminder, "paused", now=now)
            log.info("reminder %s to %s skipped: reminders are paused", reminder.job_id, target)
            return Skip("paused")
        late = isinstance(decision, SendLate)
        nonce = reminder.nonce(self._salt, target)
        if not await self._ledger.claim(target, reminder, nonce, now=now, late=late):
            return Skip("already_sent")
        lateness = decision.lateness if isinstance(decision, SendLate) else now - reminder.due
        delivery = Delivery(reminder, target, late, lateness, nonce, now)
        try:
            message_id = await self._send(delivery)
        except ReminderNotSent:
            log.warning(
                "reminder %s to %s not posted; retrying in %s (event time) if still within grace",
                reminder.job_id,
                target,
                self._retry_after,
                exc_info=True,
            )
            await self._ledger.release(target, reminder.key)
            self._schedule_retry(plan, reminder, now)
            return decision
        except Exception:
            # The post may or may not exist: keep the claim, start-up reconciliation decides.
            log.exception(
                "reminder %s to %s: outcome unknown, not retrying", reminder.job_id, target
            )
            return decision
        await self._ledger.mark_sent(target, reminder.key, message_id, now=self._clock.now())
        return decision
