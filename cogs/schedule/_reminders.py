"""Which reminders exist and whether one should be posted now: pure, testable in microseconds.

A reminder is one (session, offset) pair: "the lecture starts in 10 minutes". Its *due* time is the
session's effective start minus the offset. Every change to the program (a delay, an edit) bumps the
schedule *version*; job ids carry the version so a rebuilt schedule never shares a job with the old
one.

Already-sent checks are keyed by (session, offset) only, not by version: the issue asks that
"reminders already sent are not repeated", and the delay notice already tells everyone the new
times. So after "+15 min" a 30-minute reminder that went out stays sent; the 10-minute and "starting
now" reminders fire at their new times. The version is kept in the ledger row for the audit trail.

A reminder goes to every *target* (each server's announce channel, ``guild:<id>``, and the DM batch)
exactly once each. :func:`plan_rebuild` says which reminders need a job after a start or a change,
:func:`post_window` how long the core outbox keeps trying one wording of a post, :func:`retry_time`
when a post that did not happen is tried again, :func:`program_edges` when the Discord event is
started and ended; ``_feature.py`` acts on the answers.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.program import Session, following

#: Why a reminder is not posted. "stale": its job belongs to an older schedule version; "error":
#: the ledger or the send failed unexpectedly (logged).
SkipReason = Literal[
    "already_sent",
    "already_skipped",
    "too_late",
    "superseded",
    "session_over",
    "paused",
    "stale",
    "error",
]

#: A reminder posted up to this long after its due time still counts as on time (event time).
DEFAULT_ON_TIME = timedelta(minutes=1)

#: After a post that certainly failed (403/404, a database that cannot be written), try again this
#: much later (event time) while the reminder is still within grace: a moderator may have fixed the
#: channel (or freed the disk) meanwhile.
RETRY_AFTER = timedelta(minutes=1)

#: Skips worth a ledger row (audit); the others are not decisions about this reminder.
RECORDED_SKIPS: frozenset[SkipReason] = frozenset(
    {"too_late", "superseded", "session_over", "paused"}
)

#: The batch of DM reminders to users who opted in (one ledger row per reminder, not per user).
DM_TARGET = "dm"

ProgramEdge = Literal["start", "end"]


def guild_target(guild_id: int) -> str:
    """The target of a server's announce channel. Every target gets each reminder once."""
    return f"guild:{guild_id}"


def target_guild_id(target: str) -> int | None:
    """The server id of a ``guild:<id>`` target, else None."""
    prefix, _, rest = target.partition(":")
    return int(rest) if prefix == "guild" and rest.isdigit() else None


class LedgerState(enum.StrEnum):
    """What the ledger knows about one (session, offset)."""

    NONE = "none"
    #: Claimed: a send was about to happen (or happened, and the bot died before recording it).
    INTENT = "intent"
    SENT = "sent"
    #: Decided not to send (too late, superseded, paused) for the due time it had then. Final for
    #: that due time; the ledger reports it as NONE once a delay moves the due time.
    SKIPPED = "skipped"
    #: An intent that start-up reconciliation could not resolve; treated as sent (never twice).
    UNCERTAIN = "uncertain"

    @property
    def done(self) -> bool:
        """Whether this reminder must not be posted (again)."""
        return self is not LedgerState.NONE

    @property
    def posted(self) -> bool:
        """Whether this reminder was (or may have been) posted."""
        return self in (LedgerState.INTENT, LedgerState.SENT, LedgerState.UNCERTAIN)


ReminderKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Reminder:
    session: Session
    #: The session after this one, if any (a reminder may mention what follows).
    next_session: Session | None
    offset: timedelta
    due: datetime
    version: int

    @property
    def session_id(self) -> str:
        return self.session.id

    @property
    def offset_seconds(self) -> int:
        return int(self.offset.total_seconds())

    @property
    def key(self) -> ReminderKey:
        """The exactly-once key: one post per (session, offset), whatever the version."""
        return (self.session.id, self.offset_seconds)

    @property
    def job_id(self) -> str:
        return f"reminder:{self.session.id}:{self.offset_seconds}:v{self.version}"

    @property
    def starts_now(self) -> bool:
        return self.offset == timedelta(0)

    def post_key(self, target: str) -> str:
        """The outbox key of this reminder's post to ``target`` (``reminder:guild:<id>:<session>:
        <offset s>``): one message per ledger row, whatever the version. A delay must not turn an
        already-posted reminder into a "new" message, and a reminder skipped and re-armed by a
        delay is still the one message that was never posted."""
        return f"reminder:{target}:{self.session.id}:{self.offset_seconds}"


@dataclass(frozen=True, slots=True)
class Send:
    """Post now, on time."""


@dataclass(frozen=True, slots=True)
class SendLate:
    """Post now, marked as late (the bot was down or slow when it fell due)."""

    lateness: timedelta


@dataclass(frozen=True, slots=True)
class Skip:
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class Wait:
    until: datetime


Decision = Send | SendLate | Skip | Wait


def decide(
    reminder: Reminder,
    now: datetime,
    grace: timedelta,
    ledger_state: LedgerState,
    *,
    on_time: timedelta = DEFAULT_ON_TIME,
) -> Decision:
    """What to do with one reminder at ``now`` (event time), given what the ledger holds for it."""
    if ledger_state is LedgerState.SKIPPED:
        return Skip("already_skipped")
    if ledger_state.done:
        return Skip("already_sent")
    if now < reminder.due:
        return Wait(reminder.due)
    lateness = now - reminder.due
    if lateness > grace:
        return Skip("too_late")
    if now >= reminder.session.end:
        # A "starts soon" for a session that is already over helps nobody, whatever the grace.
        return Skip("session_over")
    if lateness <= on_time:
        return Send()
    return SendLate(lateness)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """Every reminder of the day for one schedule version, ordered by due time."""

    version: int
    reminders: tuple[Reminder, ...]

    @classmethod
    def build(
        cls, sessions: Sequence[Session], offsets: Sequence[timedelta], version: int
    ) -> ReminderPlan:
        reminders = [
            Reminder(
                session=session,
                next_session=following(sessions, session),
                offset=offset,
                due=session.start - offset,
                version=version,
            )
            for session in sessions
            for offset in offsets
        ]
        reminders.sort(key=lambda r: (r.due, r.session.index, -r.offset_seconds))
        return cls(version, tuple(reminders))

    def get(self, key: ReminderKey) -> Reminder | None:
        return next((r for r in self.reminders if r.key == key), None)

    def upcoming(self, now: datetime, limit: int | None = None) -> list[Reminder]:
        """Reminders due at or after ``now``, soonest first."""
        pending = [r for r in self.reminders if r.due >= now]
        return pending if limit is None else pending[:limit]

    def decide_all(
        self,
        now: datetime,
        grace: timedelta,
        states: Mapping[ReminderKey, LedgerState],
        *,
        on_time: timedelta = DEFAULT_ON_TIME,
    ) -> list[tuple[Reminder, Decision]]:
        """:func:`decide` for every reminder, plus the rules that need the whole session's view.

        A reminder is *superseded* when a smaller offset of the same session is already sent or is
        also due now: after a restart at 12:55 only "starts in 10 minutes" goes out, not the stale
        "30 minutes" as well, and a delay never brings back a 30-minute reminder after the 10-minute
        one was posted.
        """
        decisions = {
            r.key: decide(r, now, grace, states.get(r.key, LedgerState.NONE), on_time=on_time)
            for r in self.reminders
        }
        result: list[tuple[Reminder, Decision]] = []
        for reminder in self.reminders:
            decision = decisions[reminder.key]
            if isinstance(decision, Send | SendLate | Wait):
                for other in self.reminders:
                    if other.session.id != reminder.session.id or other.offset >= reminder.offset:
                        continue
                    other_state = states.get(other.key, LedgerState.NONE)
                    if other_state.posted or (
                        not isinstance(decision, Wait)
                        and isinstance(decisions[other.key], Send | SendLate)
                    ):
                        decision = Skip("superseded")
                        break
            result.append((reminder, decision))
        return result

    def decision_for(
        self,
        reminder: Reminder,
        now: datetime,
        grace: timedelta,
        states: Mapping[ReminderKey, LedgerState],
        *,
        on_time: timedelta = DEFAULT_ON_TIME,
    ) -> Decision:
        for candidate, decision in self.decide_all(now, grace, states, on_time=on_time):
            if candidate.key == reminder.key:
                return decision
        return Skip("stale")


#: What the store holds per target: ``{"guild:1": {(session, offset): state}, "dm": {...}}``.
StatesByTarget = Mapping[str, Mapping[ReminderKey, LedgerState]]


@dataclass(slots=True)
class Rebuild:
    """The reminder jobs of one plan, decided for every target at one moment."""

    version: int
    #: A job at its due time.
    scheduled: list[Reminder] = field(default_factory=list)
    #: A job right away: due and not yet posted to some target (after a restart or a delay).
    catch_up: list[Reminder] = field(default_factory=list)
    #: (reminder, target, reason): decisions not to post, for the ledger.
    skipped: list[tuple[Reminder, str, SkipReason]] = field(default_factory=list)


def plan_rebuild(
    plan: ReminderPlan,
    now: datetime,
    grace: timedelta,
    states: StatesByTarget,
    *,
    on_time: timedelta = DEFAULT_ON_TIME,
) -> Rebuild:
    """Which reminders need a job (now or at their due time) and which skips to record.

    A reminder gets one job whatever the number of targets; the job decides per target again when
    it runs. With no target at all (no announce channel set up yet) the reminders to come keep
    their jobs, so a server set up later today gets them without a restart.
    """
    rebuild = Rebuild(plan.version)
    wanted: dict[ReminderKey, bool] = {}  # key -> needs a job now (else at its due time)
    for target, target_states in states.items():
        for reminder, decision in plan.decide_all(now, grace, target_states, on_time=on_time):
            if isinstance(decision, Send | SendLate):
                wanted[reminder.key] = True
            elif isinstance(decision, Wait):
                wanted.setdefault(reminder.key, False)
            elif decision.reason in RECORDED_SKIPS:
                rebuild.skipped.append((reminder, target, decision.reason))
    if not states:
        for reminder, decision in plan.decide_all(now, grace, {}, on_time=on_time):
            if isinstance(decision, Wait):
                wanted.setdefault(reminder.key, False)
    for reminder in plan.reminders:
        if reminder.key in wanted:
            (rebuild.catch_up if wanted[reminder.key] else rebuild.scheduled).append(reminder)
    return rebuild


def still_to_post(
    plan: ReminderPlan,
    now: datetime,
    grace: timedelta,
    states: StatesByTarget,
    *,
    on_time: timedelta = DEFAULT_ON_TIME,
) -> list[Reminder]:
    """The reminders still to be posted to at least one target, soonest first."""
    pending: set[ReminderKey] = set()
    for target_states in states.values():
        for reminder, decision in plan.decide_all(now, grace, target_states, on_time=on_time):
            if isinstance(decision, Wait | Send | SendLate):
                pending.add(reminder.key)
    return [r for r in plan.reminders if r.key in pending]


def post_window(
    reminder: Reminder, now: datetime, grace: timedelta, *, on_time: timedelta = DEFAULT_ON_TIME
) -> timedelta:
    """How long the outbox may keep trying a post of ``reminder`` worded at ``now``.

    A post's words are true for about ``on_time`` ("starts in 10 min"); past that, the reminder
    is decided afresh (marked late, worded for the time really left, or skipped), never beyond
    its grace or its session's end. Zero still allows the outbox its one first attempt.
    """
    until = min(now + on_time, reminder.due + grace, reminder.session.end)
    return max(timedelta(0), until - now)


def retry_time(
    reminder: Reminder, now: datetime, grace: timedelta, retry_after: timedelta = RETRY_AFTER
) -> datetime | None:
    """When to try again a post that certainly did not happen at ``now``; None once it would be
    too late (beyond grace, or the session over). The retry decides afresh, and posts under the
    same outbox key, so it can never double a post."""
    at = now + retry_after
    if at - reminder.due > grace or at >= reminder.session.end:
        return None
    return at


def program_edges(plan: ReminderPlan, now: datetime) -> list[tuple[ProgramEdge, datetime]]:
    """When the program starts and ends (the Discord event is started and ended then). Past the
    start (a restart mid-day, a delay) the start is now; nothing once the program is over."""
    if not plan.reminders:
        return []
    sessions = {r.session.id: r.session for r in plan.reminders}.values()
    start = min(s.start for s in sessions)
    end = max(s.end for s in sessions)
    if now >= end:
        return []
    return [("start", max(start, now)), ("end", end)]
