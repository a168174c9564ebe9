"""The recap's storage: moderators' session marks and the posts made once. The only SQL of the feature."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.store import Store, from_db_time, to_db_time
from cogs.recap._timeline import Mark, MarkKind

PostKind = Literal["replay", "report"]
PostState = Literal["intent", "sent", "logged"]


@dataclass(frozen=True, slots=True)
class PostClaim:
    """Leave to make a post. The post itself goes through the core outbox (which makes it once);
    ``nonce`` and ``retry`` only record whether an earlier attempt was under way."""

    kind: PostKind
    key: str
    guild_id: int
    nonce: str
    #: A previous attempt may have reached Discord (the outbox finds it rather than repeating it).
    retry: bool


class RecapStore:
    def __init__(self, store: Store, event_date: date) -> None:
        self._db = store.db
        self._event_date = event_date.isoformat()

    # -- marks --------------------------------------------------------------------------------------

    async def add_mark(
        self,
        session_id: str,
        kind: MarkKind,
        at: datetime | None,
        *,
        guild_id: int,
        user_id: int,
        now: datetime,
    ) -> None:
        await self._db.execute(
            "INSERT INTO recap_marks"
            " (event_date, session_id, kind, at, guild_id, user_id, marked_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                self._event_date,
                session_id,
                kind,
                None if at is None else to_db_time(at),
                guild_id,
                user_id,
                to_db_time(now),
            ),
        )

    async def marks(self) -> dict[str, Mark]:
        """The latest mark of each session of this event."""
        async with self._db.execute(
            "SELECT session_id, kind, at FROM recap_marks WHERE id IN"
            " (SELECT MAX(id) FROM recap_marks WHERE event_date = ? GROUP BY session_id)",
            (self._event_date,),
        ) as cursor:
            rows = await cursor.fetchall()
        return {
            row[0]: Mark(row[0], row[1], None if row[2] is None else from_db_time(row[2]))
            for row in rows
        }

    # -- posts made once ------------------------------------------------------------------------------

    async def claim_post(
        self, kind: PostKind, key: str, guild_id: int, *, now: datetime
    ) -> PostClaim | None:
        """Leave to post, or None when it was already made (or logged)."""
        async with self._db.execute(
            "SELECT state, nonce FROM recap_posts WHERE kind = ? AND key = ? AND guild_id = ?",
            (kind, key, guild_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return None if row[0] != "intent" else PostClaim(kind, key, guild_id, row[1], True)
        nonce = secrets.token_hex(12)
        await self._db.execute(
            "INSERT INTO recap_posts (kind, key, guild_id, state, nonce, at)"
            " VALUES (?, ?, ?, 'intent', ?, ?)",
            (kind, key, guild_id, nonce, to_db_time(now)),
        )
        return PostClaim(kind, key, guild_id, nonce, False)

    async def finish_post(
        self,
        claim: PostClaim,
        state: PostState,
        *,
        now: datetime,
        channel_id: int | None = None,
        message_id: int | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE recap_posts SET state = ?, channel_id = ?, message_id = ?, at = ?"
            " WHERE kind = ? AND key = ? AND guild_id = ?",
            (state, channel_id, message_id, to_db_time(now), claim.kind, claim.key, claim.guild_id),
        )

    async def release_post(self, claim: PostClaim) -> None:
        """The send certainly failed (Discord refused it): allow a later attempt."""
        await self._db.execute(
            "DELETE FROM recap_posts WHERE kind = ? AND key = ? AND guild_id = ? AND state = 'intent'",
            (claim.kind, claim.key, claim.guild_id),
        )

    async def post_state(self, kind: PostKind, key: str, guild_id: int) -> PostState | None:
        async with self._db.execute(
            "SELECT state FROM recap_posts WHERE kind = ? AND key = ? AND guild_id = ?",
            (kind, key, guild_id),
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else row[0]
