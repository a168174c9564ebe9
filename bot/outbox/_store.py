"""All SQL of the outbox (table ``outbox``, migration 0008).

Every write is one autocommitted statement: the Store's connection is shared by all features, and a
multi-statement transaction could swallow another feature's writes that interleave at an await.
Each write that precedes a POST is committed before the POST starts, so a kill at any moment leaves
a row that says what might have happened.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.outbox._draft import Draft
from bot.store import Store, from_db_time, to_db_time


class State(enum.StrEnum):
    #: Recorded before the first POST; being sent, or cut short by a crash.
    PENDING = "pending"
    SENT = "sent"
    #: Certainly not posted: Discord refused it, or the grace ran out and history shows no post.
    FAILED = "failed"
    #: The grace ran out and history could not be read: reconciled at the next start.
    UNKNOWN = "unknown"
    #: Posted, then deleted by someone: never sent again.
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Intent:
    """One row: a message the bot means to post (or posted) under a stable key."""

    key: str
    guild_id: int | None
    channel_id: int
    nonce: str
    marker: str
    state: State
    draft: Draft
    created_at: datetime
    deadline: datetime
    unsure_since: datetime | None
    attempts: int
    message_id: int | None
    last_error: str | None


def _maybe_moment(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


_COLUMNS = (
    "key, guild_id, channel_id, nonce, marker, state, draft, created_at, deadline, unsure_since,"
    " attempts, message_id, last_error"
)


def _intent(row: aiosqlite.Row) -> Intent:
    return Intent(
        key=row[0],
        guild_id=None if row[1] is None else int(row[1]),
        channel_id=int(row[2]),
        nonce=row[3],
        marker=row[4],
        state=State(row[5]),
        draft=Draft.from_json(row[6]),
        created_at=from_db_time(row[7]),
        deadline=from_db_time(row[8]),
        unsure_since=_maybe_moment(row[9]),
        attempts=int(row[10]),
        message_id=None if row[11] is None else int(row[11]),
        last_error=row[12],
    )


class OutboxStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    @property
    def _db(self) -> aiosqlite.Connection:
        return self._store.db

    async def salt(self) -> str:
        """This installation's random id, mixed into nonces and markers (made on first use)."""
        value = await self._store.get_setting("salt", scope="outbox")
        if not value:
            value = secrets.token_hex(8)
            await self._store.set_setting("salt", value, scope="outbox")
        return str(value)

    async def get(self, key: str) -> Intent | None:
        async with self._db.execute(f"SELECT {_COLUMNS} FROM outbox WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        return None if row is None else _intent(row)

    async def unfinished(self) -> list[Intent]:
        """Pending and unknown rows, oldest first: what start-up recovery resolves."""
        async with self._db.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE state IN ('pending', 'unknown')"
            " ORDER BY created_at, key"
        ) as cursor:
            return [_intent(row) async for row in cursor]

    async def counts(self) -> dict[State, int]:
        async with self._db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state") as cur:
            return {State(row[0]): int(row[1]) async for row in cur}

    async def open(
        self,
        key: str,
        *,
        guild_id: int | None,
        channel_id: int,
        nonce: str,
        marker: str,
        draft: Draft,
        now: datetime,
        deadline: datetime,
    ) -> None:
        """Record the intent to post, before any attempt. A row left by an earlier call (failed,
        unknown, or pending after a crash) is re-armed: new draft and deadline, same nonce and
        marker, and the doubt about earlier attempts (``unsure_since``) is kept."""
        await self._db.execute(
            "INSERT INTO outbox (key, guild_id, channel_id, nonce, marker, state, draft,"
            " created_at, deadline, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)"
            " ON CONFLICT (key) DO UPDATE SET state = 'pending', draft = excluded.draft,"
            "  deadline = excluded.deadline, updated_at = excluded.updated_at"
            " WHERE outbox.state IN ('pending', 'failed', 'unknown')",
            (
                key,
                guild_id,
                channel_id,
                nonce,
                marker,
                draft.to_json(),
                to_db_time(now),
                to_db_time(deadline),
                to_db_time(now),
            ),
        )

    async def attempting(self, key: str, *, now: datetime) -> None:
        """About to POST: from now on the message may exist unseen."""
        await self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1,"
            " unsure_since = COALESCE(unsure_since, ?), updated_at = ? WHERE key = ?",
            (to_db_time(now), to_db_time(now), key),
        )

    async def absent(self, key: str, *, now: datetime) -> None:
        """The channel's history shows no such message: earlier attempts created nothing."""
        await self._db.execute(
            "UPDATE outbox SET unsure_since = NULL, updated_at = ? WHERE key = ?",
            (to_db_time(now), key),
        )

    async def note_error(self, key: str, error: str, *, now: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET last_error = ?, updated_at = ? WHERE key = ?",
            (error[:500], to_db_time(now), key),
        )

    async def sent(self, key: str, message_id: int, *, now: datetime) -> None:
        await self._db.execute(
            "UPDATE outbox SET state = 'sent', message_id = ?, sent_at = ?, unsure_since = NULL,"
            " updated_at = ? WHERE key = ?",
            (message_id, to_db_time(now), to_db_time(now), key),
        )

    async def finish(
        self, key: str, state: State, *, now: datetime, error: str | None = None
    ) -> None:
        """End a row in ``state`` (failed, unknown or deleted), keeping the last error seen."""
        await self._db.execute(
            "UPDATE outbox SET state = ?, last_error = COALESCE(?, last_error), updated_at = ?"
            " WHERE key = ?",
            (state.value, None if error is None else error[:500], to_db_time(now), key),
        )

    async def edited(self, key: str, draft: Draft, *, now: datetime) -> None:
        """Keep the latest content of a posted message (what a recovery would see)."""
        await self._db.execute(
            "UPDATE outbox SET draft = ?, updated_at = ? WHERE key = ?",
            (draft.to_json(), to_db_time(now), key),
        )
