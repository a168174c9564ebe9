"""Reminder jobs on APScheduler, rebuilt from the program at start-up and after every change.

Jobs live in APScheduler's memory store only: pickled jobs would outlive the program they were built
from, while rebuilding from (config + delay history + ledger) is always right. Whether a reminder is
posted is decided when its job runs, from the ledger, not from the job's existence: a stale job that
slips through a rebuild finds itself outdated and does nothing.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
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
    LedgerState,
    Reminder,
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

#: Skips worth a ledger row (audit); the others are not decisions about this reminder.
_RECORDED_SKIPS: frozenset[SkipReason] = frozenset(
    {"too_late", "superseded", "session_over", "paused"}
)

DayBoundary = Literal["start", "end"]


class ReminderNotSent(Exception):
    """Raised by the send callback when the post certainly did not happen (e.g. 403, no channel).

    The claim is released so the reminder can be tried again; any other exception leaves the claim
    in place (the post may have happened) for start-up reconciliation.
    """


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the send callback gets: the reminder and how to post it."""

    reminder: Reminder
    late: bool
    lateness: timedelta
    #: Pass as the message nonce with ``enforce_nonce=True``, and show as the embed footer marker.
    nonce: str
    #: Event time at the decision, for "starts in N minutes" texts of late reminders.
    now: datetime


#: The integrator's coroutine that posts a reminder; returns the Discord message id.
SendReminder = Callable[[Delivery], Awaitable[int]]
#: Called at the program's start and end (to start/end the Discord Scheduled Event).
BoundaryCallback = Callable[[DayBoundary], Awaitable[None]]


@dataclass(slots=True)
class RebuildReport:
    version: int
    scheduled: list[Reminder] = field(default_factory=list)
    catch_up: list[Reminder] = field(default_factory=list)
    skipped: list[tuple[Reminder, SkipReason]] = field(default_factory=list)


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
        boundary: BoundaryCallback | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._clock = clock
        self._ledger = ledger
        self._send = send
        self._grace = grace
        self._on_time = on_time
        self._boundary = boundary
        self._plan = ReminderPlan(0, ())
        self._salt = ""
        self._paused = False

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
                "reminder %s/%ss may or may not have been posted before the restart; not repeating",
                intent.session_id,
                intent.offset_seconds,
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
        states = await self._ledger.states(plan)
        if self._plan is not plan:  # a newer rebuild started while we awaited: it wins
            return report
        now = self._clock.now()
        real_now = datetime.now(UTC)
        for reminder, decision in plan.decide_all(now, self._grace, states, on_time=self._on_time):
            if isinstance(decision, Wait):
                self._add_job(reminder, self._clock.real_time(reminder.due), catch_up=False)
                report.scheduled.append(reminder)
            elif isinstance(decision, Send | SendLate):
                self._add_job(reminder, real_now, catch_up=True)
                report.catch_up.append(reminder)
            elif decision.reason in _RECORDED_SKIPS:
                if not states.get(reminder.key, LedgerState.NONE).posted:
                    await self._ledger.record_skip(reminder, decision.reason, now=now)
                report.skipped.append((reminder, decision.reason))
        self._add_boundaries(plan, now)
        log.info(
            "schedule v%s: %s reminders scheduled, %s to catch up, %s skipped",
            plan.version,
            len(report.scheduled),
            len(report.catch_up),
            len(report.skipped),
        )
        return report

    async def preview(self, limit: int = 10) -> list[Reminder]:
        """The next reminders that will be posted, soonest first (nothing is hidden while paused)."""
        states = await self._ledger.states(self._plan)
        now = self._clock.now()
        pending = [
            reminder
            for reminder, decision in self._plan.decide_all(
                now, self._grace, states, on_time=self._on_time
            )
            if isinstance(decision, Wait | Send | SendLate)
        ]
        return pending[:limit]

    async def pause(self) -> bool:
        """Stop posting reminders; ones falling due while paused are skipped. False if already."""
        changed = await self._ledger.set_paused(True)
        self._paused = True
        return changed

    async def resume(self) -> bool:
        changed = await self._ledger.set_paused(False)
        self._paused = False
        return changed

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

    def _add_job(self, reminder: Reminder, run_at: datetime, *, catch_up: bool) -> None:
        self._scheduler.add_job(
            self._run_job,
            trigger=DateTrigger(run_date=run_at, timezone=UTC),
            args=(reminder, catch_up),
            id=reminder.job_id,
            name=f"reminder {reminder.session_id} -{reminder.offset_seconds}s",
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

    async def _run_boundary(self, kind: DayBoundary) -> None:
        assert self._boundary is not None
        try:
            await self._boundary(kind)
        except Exception:
            log.exception("day %s hook failed", kind)

    async def _run_job(self, reminder: Reminder, catch_up: bool) -> None:
        # A scheduled job must never raise into APScheduler: log with context and carry on.
        try:
            await self.fire(reminder, catch_up=catch_up)
        except Exception:
            log.exception(
                "reminder %s/%ss (v%s) failed",
                reminder.session_id,
                reminder.offset_seconds,
                reminder.version,
            )

    # -- delivery ---------------------------------------------------------------------------------

    async def fire(self, reminder: Reminder, *, catch_up: bool = False) -> Decision:
        """Decide and, if due, post one reminder exactly once. Returns the decision taken."""
        plan = self._plan
        current = plan.get(reminder.key)
        if current is None or current.version != reminder.version or current.due != reminder.due:
            log.debug("stale reminder job %s ignored", reminder.job_id)
            return Skip("stale")
        now = self._clock.now()
        if not catch_up:
            # The job runs because its real time came; the clocks may differ by microseconds.
            now = max(now, reminder.due)
        states = await self._ledger.states(plan)
        decision = plan.decision_for(reminder, now, self._grace, states, on_time=self._on_time)
        if isinstance(decision, Wait):
            return decision
        if isinstance(decision, Skip):
            if decision.reason in _RECORDED_SKIPS:
                await self._ledger.record_skip(reminder, decision.reason, now=now)
            log.info("reminder %s skipped: %s", reminder.job_id, decision.reason)
            return decision
        if self._paused:
            await self._ledger.record_skip(reminder, "paused", now=now)
            log.info("reminder %s skipped: reminders are paused", reminder.job_id)
            return Skip("paused")
        late = isinstance(decision, SendLate)
        nonce = reminder.nonce(self._salt)
        if not await self._ledger.claim(reminder, nonce, now=now, late=late):
            return Skip("already_sent")
        lateness = decision.lateness if isinstance(decision, SendLate) else now - reminder.due
        delivery = Delivery(reminder, late, lateness, nonce, now)
        try:
            message_id = await self._send(delivery)
        except ReminderNotSent:
            log.warning("reminder %s not posted; it may be retried", reminder.job_id, exc_info=True)
            await self._ledger.release(reminder.key)
            return decision
        except Exception:
            # The post may or may not exist: keep the claim, start-up reconciliation decides.
            log.exception("reminder %s: send outcome unknown, not retrying", reminder.job_id)
            return decision
        await self._ledger.mark_sent(reminder, message_id, now=self._clock.now())
        return decision
