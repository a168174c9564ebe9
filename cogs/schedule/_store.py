"""The schedule's storage (all its SQL): the exactly-once reminder ledger, the delay history, DM
opt-ins, the Discord Scheduled Event ids and small run-time state.

Exactly once, intent first. The ledger decides *whether* a reminder is owed to a target; the core
outbox (``bot/outbox``) delivers it, retries it and finds it again after a crash:

1. ``claim(reminder)`` inserts an ``intent`` row keyed by (target, session, offset). The insert is a
   single autocommitted statement on a unique key, so of two racing deliveries only one wins. The
   row's ``nonce`` column holds the outbox key of the post (``Reminder.post_key``), one outbox row
   per ledger row.
2. The winner posts through the outbox under that key, then calls ``mark_sent(message_id)``. A
   post that certainly did not happen is ``release``d, and the reminder decided again later.
3. A crash between 1 and 2 leaves an ``intent`` row. At start-up the feature asks the outbox what
   became of the post (``settle``): posted → ``sent``, certainly not posted → released (the normal
   rules send it late within grace, or skip it), cannot tell → ``uncertain``, treated as sent. A
   doubtful reminder is dropped, never doubled.

Every write here is one statement: the Store's connection is shared by all features in autocommit
mode, and an explicit multi-statement transaction could swallow (or roll back) another feature's
writes that interleave at an ``await``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import aiosqlite

from bot.program import DelayPlan, shifts_from_changes
from bot.store import from_db_time, to_db_time
from cogs.schedule._reminders import (
    LedgerState,
    Reminder,
    ReminderKey,
    ReminderPlan,
    SkipReason,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingIntent:
    """A reminder claimed before a send whose outcome was never recorded."""

    target: str
    session_id: str
    offset_seconds: int
    version: int
    #: The outbox key the reminder is posted under.
    post_key: str
    due: datetime
    claimed_at: datetime
    late: bool

    @property
    def key(self) -> ReminderKey:
        return (self.session_id, self.offset_seconds)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    target: str
    session_id: str
    offset_seconds: int
    version: int
    state: LedgerState
    post_key: str
    due: datetime
    claimed_at: datetime
    sent_at: datetime | None
    message_id: int | None
    late: bool
    note: str | None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    """One row of the program's change history (for the audit trail and for deriving shifts)."""

    id: int
    kind: str
    minutes: int
    moved: tuple[dict[str, str], ...]
    guild_id: int
    user_id: int
    note: str
    at: datetime


class ScheduleStore:
    """All SQL of the schedule feature, on the shared ``Store.db`` connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    # -- scalar state -----------------------------------------------------------------------------

    async def _get_state(self, key: str) -> str | None:
        async with self.db.execute(
            "SELECT value FROM schedule_state WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def _set_state(self, key: str, value: str) -> None:
        await self.db.execute(
            "INSERT INTO schedule_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    async def paused(self) -> bool:
        return await self._get_state("paused") == "1"

    async def set_paused(self, paused: bool) -> bool:
        """Persist the paused flag; returns whether it changed."""
        before = await self.paused()
        await self._set_state("paused", "1" if paused else "0")
        return before != paused

    # -- reminder ledger --------------------------------------------------------------------------
    # Rows are per *target*: where a reminder goes ("guild:<id>" for a server's announce channel,
    # "dm" for the batch of DM reminders). Each target gets each reminder exactly once.

    async def states(
        self, target: str, plan: ReminderPlan | None = None
    ) -> dict[ReminderKey, LedgerState]:
        """The state of every (session, offset) with a row for ``target``.

        With ``plan``, a skip recorded for a different due time than the plan's is reported as
        NONE: a delay moved that reminder, so the old decision no longer applies.
        """
        async with self.db.execute(
            "SELECT session_id, offset_seconds, state, due_at FROM schedule_reminder_ledger"
            " WHERE target = ?",
            (target,),
        ) as cursor:
            rows = await cursor.fetchall()
        states: dict[ReminderKey, LedgerState] = {}
        for row in rows:
            key, state = (str(row[0]), int(row[1])), LedgerState(row[2])
            if state is LedgerState.SKIPPED and plan is not None:
                current = plan.get(key)
                if current is None or to_db_time(current.due) != row[3]:
                    continue
            states[key] = state
        return states

    async def state(self, target: str, key: ReminderKey) -> LedgerState:
        async with self.db.execute(
            "SELECT state FROM schedule_reminder_ledger"
            " WHERE target = ? AND session_id = ? AND offset_seconds = ?",
            (target, *key),
        ) as cursor:
            row = await cursor.fetchone()
        return LedgerState.NONE if row is None else LedgerState(row[0])

    async def claim(self, target: str, reminder: Reminder, *, now: datetime, late: bool) -> bool:
        """Record the intent to post ``reminder`` to ``target``; False if claimed or sent already.

        A 'skipped' row may be claimed once a delay gave the reminder a different due time.
        Raises ``sqlite3.Error`` when the database cannot be written: then nothing is claimed.
        """
        cursor = await self.db.execute(
            "INSERT INTO schedule_reminder_ledger (target, session_id, offset_seconds, version,"
            " state, nonce, due_at, claimed_at, late)"
            " VALUES (?, ?, ?, ?, 'intent', ?, ?, ?, ?)"
            " ON CONFLICT (target, session_id, offset_seconds) DO UPDATE SET"
            "  version = excluded.version, state = 'intent', nonce = excluded.nonce,"
            "  due_at = excluded.due_at, claimed_at = excluded.claimed_at,"
            "  late = excluded.late, note = NULL"
            " WHERE schedule_reminder_ledger.state = 'skipped'"
            "  AND schedule_reminder_ledger.due_at != excluded.due_at",
            (
                target,
                reminder.session_id,
                reminder.offset_seconds,
                reminder.version,
                reminder.post_key(target),
                to_db_time(reminder.due),
                to_db_time(now),
                int(late),
            ),
        )
        return cursor.rowcount == 1

    async def mark_sent(
        self, target: str, key: ReminderKey, message_id: int | None, *, now: datetime
    ) -> None:
        await self.db.execute(
            "UPDATE schedule_reminder_ledger SET state = 'sent', sent_at = ?, message_id = ?"
            " WHERE target = ? AND session_id = ? AND offset_seconds = ?",
            (to_db_time(now), message_id, target, *key),
        )

    async def release(self, target: str, key: ReminderKey) -> None:
        """Forget an intent whose post certainly did not happen (or that the outbox alone may still
        make, under the same key), so the reminder is decided again."""
        await self.db.execute(
            "DELETE FROM schedule_reminder_ledger"
            " WHERE target = ? AND session_id = ? AND offset_seconds = ? AND state = 'intent'",
            (target, *key),
        )

    async def record_skip(
        self, target: str, reminder: Reminder, reason: SkipReason, *, now: datetime
    ) -> None:
        """Note that a reminder was deliberately not posted (audit); never overrides a send."""
        await self.db.execute(
            "INSERT INTO schedule_reminder_ledger (target, session_id, offset_seconds, version,"
            " state, nonce, due_at, claimed_at, note)"
            " VALUES (?, ?, ?, ?, 'skipped', '', ?, ?, ?)"
            " ON CONFLICT (target, session_id, offset_seconds) DO UPDATE SET"
            "  version = excluded.version, due_at = excluded.due_at,"
            "  claimed_at = excluded.claimed_at, note = excluded.note"
            " WHERE schedule_reminder_ledger.state = 'skipped'",
            (
                target,
                reminder.session_id,
                reminder.offset_seconds,
                reminder.version,
                to_db_time(reminder.due),
                to_db_time(now),
                reason,
            ),
        )

    async def entries(self, target: str | None = None) -> list[LedgerEntry]:
        """Ledger rows (all targets, or one), in due order: the audit trail of reminders."""
        async with self.db.execute(
            "SELECT target, session_id, offset_seconds, version, state, nonce, due_at, claimed_at,"
            " sent_at, message_id, late, note FROM schedule_reminder_ledger"
            " WHERE ? IS NULL OR target = ? ORDER BY due_at, session_id, target",
            (target, target),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            LedgerEntry(
                target=row[0],
                session_id=row[1],
                offset_seconds=int(row[2]),
                version=int(row[3]),
                state=LedgerState(row[4]),
                post_key=row[5],
                due=from_db_time(row[6]),
                claimed_at=from_db_time(row[7]),
                sent_at=None if row[8] is None else from_db_time(row[8]),
                message_id=None if row[9] is None else int(row[9]),
                late=bool(row[10]),
                note=row[11],
            )
            for row in rows
        ]

    async def pending_intents(self) -> list[PendingIntent]:
        return [
            PendingIntent(
                e.target,
                e.session_id,
                e.offset_seconds,
                e.version,
                e.post_key,
                e.due,
                e.claimed_at,
                e.late,
            )
            for e in await self.entries()
            if e.state is LedgerState.INTENT
        ]

    async def settle(
        self, intent: PendingIntent, state: LedgerState, message_id: int | None = None
    ) -> None:
        """Resolve an intent a crash left behind as ``sent`` (with its message) or ``uncertain``."""
        await self.db.execute(
            "UPDATE schedule_reminder_ledger SET state = ?, message_id = ?,"
            " note = 'reconciled at start-up'"
            " WHERE target = ? AND session_id = ? AND offset_seconds = ? AND state = 'intent'",
            (state.value, message_id, intent.target, intent.session_id, intent.offset_seconds),
        )

    async def sent_count(self, *, dm: bool) -> int:
        """How many reminders were posted: to announce channels, or DM batches (``dm``)."""
        async with self.db.execute(
            "SELECT COUNT(*) FROM schedule_reminder_ledger"
            " WHERE state = 'sent' AND (target = 'dm') = ?",
            (dm,),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def count_dms(self, delivered: int) -> None:
        """Add to the number of reminder DMs delivered (one per user per reminder)."""
        await self.db.execute(
            "INSERT INTO schedule_state (key, value) VALUES ('dms_delivered', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + excluded.value",
            (delivered,),
        )

    async def dms_delivered(self) -> int:
        return int(await self._get_state("dms_delivered") or 0)

    # -- program changes --------------------------------------------------------------------------

    async def changes(self) -> list[ScheduleChange]:
        async with self.db.execute(
            "SELECT id, kind, minutes, moved, guild_id, user_id, note, at"
            " FROM schedule_changes ORDER BY id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            ScheduleChange(
                id=int(row[0]),
                kind=row[1],
                minutes=int(row[2]),
                moved=tuple(json.loads(row[3])),
                guild_id=int(row[4]),
                user_id=int(row[5]),
                note=row[6],
                at=from_db_time(row[7]),
            )
            for row in rows
        ]

    async def version(self) -> int:
        """The schedule version: 1 for the program as configured, +1 per change."""
        async with self.db.execute("SELECT COUNT(*) FROM schedule_changes") as cursor:
            row = await cursor.fetchone()
        return 1 + (int(row[0]) if row else 0)

    async def shifts(self) -> dict[str, timedelta]:
        """Accumulated per-session shifts from the delay history."""
        changes = await self.changes()
        return shifts_from_changes(
            (c.minutes, [m["id"] for m in c.moved]) for c in changes if c.kind == "delay"
        )

    async def record_delay(
        self, plan: DelayPlan, *, guild_id: int, user_id: int, now: datetime
    ) -> int:
        """Persist an accepted delay (one row, so shifts and version change atomically).

        Returns the new schedule version.
        """
        moved = [
            {"id": m.session_id, "old": to_db_time(m.old_start), "new": to_db_time(m.new_start)}
            for m in plan.moved
        ]
        await self.db.execute(
            "INSERT INTO schedule_changes (kind, minutes, moved, guild_id, user_id, at)"
            " VALUES ('delay', ?, ?, ?, ?, ?)",
            (plan.minutes, json.dumps(moved), guild_id, user_id, to_db_time(now)),
        )
        return await self.version()

    async def note_program(self, fingerprint: str, *, now: datetime) -> int:
        """Bump the version when the configured program changed since the last start.

        Returns the current version. The first start records the fingerprint without a bump.
        """
        previous = await self._get_state("program_fingerprint")
        if previous is not None and previous != fingerprint:
            await self.db.execute(
                "INSERT INTO schedule_changes (kind, note, at) VALUES ('edit', ?, ?)",
                (f"program changed: {previous[:12]} -> {fingerprint[:12]}", to_db_time(now)),
            )
        if previous != fingerprint:
            await self._set_state("program_fingerprint", fingerprint)
        return await self.version()

    # -- DM opt-in --------------------------------------------------------------------------------

    async def set_dm(self, user_id: int, enabled: bool, *, locale: str, now: datetime) -> bool:
        """Opt a user in or out of DM reminders; returns whether anything changed."""
        if enabled:
            cursor = await self.db.execute(
                "INSERT INTO schedule_dm_optin (user_id, locale, since) VALUES (?, ?, ?)"
                " ON CONFLICT (user_id) DO UPDATE SET locale = excluded.locale"
                " WHERE schedule_dm_optin.locale != excluded.locale",
                (user_id, locale, to_db_time(now)),
            )
        else:
            cursor = await self.db.execute(
                "DELETE FROM schedule_dm_optin WHERE user_id = ?", (user_id,)
            )
        return cursor.rowcount == 1

    async def dm_users(self) -> dict[int, str]:
        """Users who asked for DM reminders, with the locale they asked in."""
        async with self.db.execute(
            "SELECT user_id, locale FROM schedule_dm_optin ORDER BY since"
        ) as cursor:
            return {int(row[0]): str(row[1]) async for row in cursor}

    # -- Discord Scheduled Event ------------------------------------------------------------------

    async def scheduled_event_id(self, guild_id: int, day: date) -> int | None:
        async with self.db.execute(
            "SELECT scheduled_event_id FROM schedule_discord_events"
            " WHERE guild_id = ? AND event_date = ?",
            (guild_id, day.isoformat()),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else int(row[0])

    async def set_scheduled_event_id(self, guild_id: int, day: date, event_id: int | None) -> None:
        if event_id is None:
            await self.db.execute(
                "DELETE FROM schedule_discord_events WHERE guild_id = ? AND event_date = ?",
                (guild_id, day.isoformat()),
            )
            return
        await self.db.execute(
            "INSERT INTO schedule_discord_events (guild_id, event_date, scheduled_event_id)"
            " VALUES (?, ?, ?) ON CONFLICT (guild_id, event_date)"
            " DO UPDATE SET scheduled_event_id = excluded.scheduled_event_id",
            (guild_id, day.isoformat(), event_id),
        )
