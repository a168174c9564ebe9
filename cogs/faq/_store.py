"""FAQ and viewer Q&A storage: the only module of the feature with SQL (always parameterised).

* FAQ overrides: moderators add, edit and remove entries at run time. The config file stays the base;
  every change is a row of ``faq_history`` (who, when, before, after) and the latest row per id is the
  override. The effective set is config ⊕ overrides (:meth:`FaqStore.effective_entries`).
* Usage counts per entry, "did you mean" replies and picks (``faq_outcomes``), and the questions no
  entry answered (grouped by normalised text).
* Viewer questions for the speakers, with one vote per user, ordered by votes then age.

All times are stored as UTC ISO-8601 text and returned as aware UTC datetimes. Every write is a single
autocommitted statement, because the Store's connection is shared by all features.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import aiosqlite

from bot.config import FaqEntry
from bot.schema import validate
from bot.store import Store, from_db_time, to_db_time

__all__ = [
    "ASK_INTERVAL",
    "FaqChange",
    "FaqOutcomes",
    "FaqStore",
    "Outcome",
    "Question",
    "QuestionStatus",
    "UnansweredQuestion",
    "UsageBatch",
    "VoteResult",
]

QuestionStatus = Literal["open", "answered", "hidden"]
QUESTION_STATUSES: tuple[QuestionStatus, ...] = ("open", "answered", "hidden")
ASK_INTERVAL = timedelta(minutes=1)
"""One /ask per user per this interval."""
#: Uses to add per entry id: (how many, the latest).
UsageBatch = dict[str, tuple[int, datetime]]
#: A /faq question got "did you mean" choices (suggested), or its asker picked one (picked).
Outcome = Literal["suggested", "picked"]


@dataclass(frozen=True, slots=True)
class FaqOutcomes:
    """How FAQ questions ended, as stored: answers (every use of an entry: /faq, a pick, an
    auto-answer), "did you mean" replies, picks from them, and unanswered questions."""

    answered: int
    suggested: int
    picked: int
    unanswered: int

    @property
    def suggested_only(self) -> int:
        """Questions answered only with suggestions: the asker picked none of them."""
        return max(0, self.suggested - self.picked)


@dataclass(frozen=True, slots=True)
class FaqChange:
    id: int
    entry_id: str
    action: str
    before: FaqEntry | None
    after: FaqEntry | None
    user_id: int
    at: datetime


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    id: int
    text: str
    locale: str
    asked: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    author_id: int
    text: str
    locale: str
    created_at: datetime
    status: QuestionStatus
    votes: int
    status_by: int | None = None
    status_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VoteResult:
    """``added`` is False when the user had already voted (or the question is not open)."""

    added: bool
    votes: int
    status: QuestionStatus


def _entry_json(entry: FaqEntry) -> str:
    return json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True)


def _entry_from(text: str | None) -> FaqEntry | None:
    return None if text is None else validate(FaqEntry, json.loads(text))


_QUESTION_COLUMNS = (
    "q.id, q.guild_id, q.channel_id, q.message_id, q.author_id, q.text, q.locale, q.created_at, q.status,"
    " (SELECT COUNT(*) FROM qna_vote v WHERE v.question_id = q.id) AS votes, q.status_by, q.status_at"
)


def _question(row: aiosqlite.Row | Sequence[Any]) -> Question:
    status = str(row[8])
    if status not in QUESTION_STATUSES:
        raise ValueError(f"unknown question status {status!r}")
    return Question(
        id=int(row[0]),
        guild_id=int(row[1]),
        channel_id=int(row[2]),
        message_id=None if row[3] is None else int(row[3]),
        author_id=int(row[4]),
        text=str(row[5]),
        locale=str(row[6]),
        created_at=from_db_time(row[7]),
        status=status,
        votes=int(row[9]),
        status_by=None if row[10] is None else int(row[10]),
        status_at=None if row[11] is None else from_db_time(row[11]),
    )


class FaqStore:
    def __init__(self, store: Store) -> None:
        self._db = store.db

    # -- FAQ overrides ------------------------------------------------------------------------------

    async def _overrides(self) -> dict[str, tuple[FaqEntry | None, bool]]:
        """Latest change per entry id, in the order the ids were first touched: (entry, removed)."""
        async with self._db.execute(
            "SELECT h.entry_id, h.after, h.action FROM faq_history h"
            " JOIN (SELECT entry_id, MAX(id) AS last_id, MIN(id) AS first_id FROM faq_history"
            " GROUP BY entry_id) latest ON h.id = latest.last_id ORDER BY latest.first_id"
        ) as cursor:
            rows = await cursor.fetchall()
        return {str(row[0]): (_entry_from(row[1]), row[2] == "remove") for row in rows}

    async def effective_entries(self, base: Sequence[FaqEntry]) -> list[FaqEntry]:
        """The config entries with moderators' edits applied and removals dropped, then added ones."""
        overrides = await self._overrides()
        result: list[FaqEntry] = []
        base_ids: set[str] = set()
        for entry in base:
            base_ids.add(entry.id)
            override = overrides.get(entry.id)
            if override is None:
                result.append(entry)
            elif not override[1] and override[0] is not None:
                result.append(override[0])
        for entry_id, (added, removed) in overrides.items():
            if entry_id not in base_ids and not removed and added is not None:
                result.append(added)
        return result

    async def _write(
        self,
        *,
        entry_id: str,
        action: str,
        before: FaqEntry | None,
        after: FaqEntry | None,
        user_id: int,
        now: datetime,
    ) -> None:
        # One autocommitted statement: the connection is shared by every feature, so no BEGIN/COMMIT.
        await self._db.execute(
            "INSERT INTO faq_history (entry_id, action, before, after, user_id, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                entry_id,
                action,
                None if before is None else _entry_json(before),
                None if after is None else _entry_json(after),
                user_id,
                to_db_time(now),
            ),
        )

    async def add_entry(
        self, entry: FaqEntry, base: Sequence[FaqEntry], *, user_id: int, now: datetime
    ) -> bool:
        """Add a new entry; False (and nothing written) if the id is in the effective set."""
        current = {e.id for e in await self.effective_entries(base)}
        if entry.id in current:
            return False
        await self._write(
            entry_id=entry.id, action="add", before=None, after=entry, user_id=user_id, now=now
        )
        return True

    async def edit_entry(
        self, entry: FaqEntry, base: Sequence[FaqEntry], *, user_id: int, now: datetime
    ) -> FaqEntry | None:
        """Replace the entry with the same id; returns the previous version (None: no such entry)."""
        before = next((e for e in await self.effective_entries(base) if e.id == entry.id), None)
        if before is None:
            return None
        await self._write(
            entry_id=entry.id, action="edit", before=before, after=entry, user_id=user_id, now=now
        )
        return before

    async def remove_entry(
        self, entry_id: str, base: Sequence[FaqEntry], *, user_id: int, now: datetime
    ) -> FaqEntry | None:
        """Hide the entry (config entries are soft-deleted); returns what was removed (or None)."""
        before = next((e for e in await self.effective_entries(base) if e.id == entry_id), None)
        if before is None:
            return None
        await self._write(
            entry_id=entry_id, action="remove", before=before, after=None, user_id=user_id, now=now
        )
        return before

    async def history(self, entry_id: str | None = None, limit: int = 20) -> list[FaqChange]:
        """Latest changes first, for one entry or all."""
        sql = "SELECT id, entry_id, action, before, after, user_id, at FROM faq_history"
        params: tuple[Any, ...] = ()
        if entry_id is not None:
            sql += " WHERE entry_id = ?"
            params = (entry_id,)
        async with self._db.execute(sql + " ORDER BY id DESC LIMIT ?", (*params, limit)) as cursor:
            rows = await cursor.fetchall()
        return [
            FaqChange(
                id=int(r[0]),
                entry_id=str(r[1]),
                action=str(r[2]),
                before=_entry_from(r[3]),
                after=_entry_from(r[4]),
                user_id=int(r[5]),
                at=from_db_time(r[6]),
            )
            for r in rows
        ]

    # -- usage and unanswered questions -------------------------------------------------------------

    async def add_uses(self, batch: UsageBatch) -> None:
        """Add counted uses (entry → (uses, last use)) in one statement, so one commit."""
        if not batch:
            return
        rows = ", ".join("(?, ?, ?)" for _ in batch)
        params: list[object] = []
        for entry_id, (uses, last) in batch.items():
            params += [entry_id, uses, to_db_time(last)]
        await self._db.execute(
            f"INSERT INTO faq_usage (entry_id, uses, last_used_at) VALUES {rows}"
            " ON CONFLICT (entry_id) DO UPDATE SET uses = uses + excluded.uses,"
            " last_used_at = max(last_used_at, excluded.last_used_at)",
            params,
        )

    async def add_outcomes(self, counts: Mapping[Outcome, int]) -> None:
        """Add counted outcomes in one statement."""
        rows = [(kind, count) for kind, count in counts.items() if count]
        if not rows:
            return
        marks = ", ".join("(?, ?)" for _ in rows)
        await self._db.execute(
            f"INSERT INTO faq_outcomes (kind, count) VALUES {marks}"
            " ON CONFLICT (kind) DO UPDATE SET count = count + excluded.count",
            [value for row in rows for value in row],
        )

    async def outcomes(self) -> FaqOutcomes:
        """Every outcome counted so far (unanswered: the questions not dismissed)."""
        async with self._db.execute(
            "SELECT (SELECT COALESCE(SUM(uses), 0) FROM faq_usage),"
            " (SELECT COALESCE(SUM(count), 0) FROM faq_outcomes WHERE kind = 'suggested'),"
            " (SELECT COALESCE(SUM(count), 0) FROM faq_outcomes WHERE kind = 'picked'),"
            " (SELECT COALESCE(SUM(asked), 0) FROM faq_unanswered WHERE dismissed = 0)"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return FaqOutcomes(int(row[0]), int(row[1]), int(row[2]), int(row[3]))

    async def top_used(self, limit: int = 10) -> list[tuple[str, int]]:
        async with self._db.execute(
            "SELECT entry_id, uses FROM faq_usage ORDER BY uses DESC, last_used_at DESC LIMIT ?",
            (limit,),
        ) as cursor:
            return [(str(r[0]), int(r[1])) for r in await cursor.fetchall()]

    async def record_unanswered(
        self, text: str, normalized: str, locale: str, now: datetime
    ) -> None:
        """Log a question nothing answered; the same normalised question only raises its count."""
        key = normalized or text.strip().lower()
        await self._db.execute(
            "INSERT INTO faq_unanswered (normalized, text, locale, asked, first_at, last_at)"
            " VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT (normalized) DO UPDATE SET asked = asked + 1,"
            " text = excluded.text, last_at = excluded.last_at, dismissed = 0",
            (key, text, locale, to_db_time(now), to_db_time(now)),
        )

    async def unanswered(self, limit: int = 10) -> list[UnansweredQuestion]:
        async with self._db.execute(
            "SELECT id, text, locale, asked, first_at, last_at FROM faq_unanswered"
            " WHERE dismissed = 0 ORDER BY asked DESC, last_at DESC LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            UnansweredQuestion(
                int(r[0]), str(r[1]), str(r[2]), int(r[3]), from_db_time(r[4]), from_db_time(r[5])
            )
            for r in rows
        ]

    async def dismiss_unanswered(self, item_id: int) -> bool:
        cursor = await self._db.execute(
            "UPDATE faq_unanswered SET dismissed = 1 WHERE id = ? AND dismissed = 0", (item_id,)
        )
        return cursor.rowcount > 0

    async def counts(self) -> tuple[int, int]:
        """(unanswered questions not dismissed, open viewer questions) for the status page."""
        async with self._db.execute(
            "SELECT (SELECT COUNT(*) FROM faq_unanswered WHERE dismissed = 0),"
            " (SELECT COUNT(*) FROM qna_question WHERE status = 'open')"
        ) as cursor:
            row = await cursor.fetchone()
        return (0, 0) if row is None else (int(row[0]), int(row[1]))

    # -- viewer questions for the speakers ----------------------------------------------------------

    async def add_question(
        self,
        *,
        guild_id: int,
        author_id: int,
        text: str,
        locale: str,
        now: datetime,
        channel_id: int = 0,
    ) -> Question:
        cursor = await self._db.execute(
            "INSERT INTO qna_question (guild_id, channel_id, author_id, text, locale, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (guild_id, channel_id, author_id, text, locale, to_db_time(now)),
        )
        question = await self.question(int(cursor.lastrowid or 0))
        assert question is not None
        return question

    async def set_question_message(
        self, question_id: int, channel_id: int, message_id: int
    ) -> None:
        """Remember where the question was posted (for the vote button and edits)."""
        await self._db.execute(
            "UPDATE qna_question SET channel_id = ?, message_id = ? WHERE id = ?",
            (channel_id, message_id, question_id),
        )

    async def delete_question(self, question_id: int) -> None:
        """Drop a question that could not be posted (so it does not count against the rate limit)."""
        await self._db.execute("DELETE FROM qna_question WHERE id = ?", (question_id,))

    async def question(self, question_id: int) -> Question | None:
        async with self._db.execute(
            f"SELECT {_QUESTION_COLUMNS} FROM qna_question q WHERE q.id = ?", (question_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _question(row)

    async def question_by_message(self, message_id: int) -> Question | None:
        async with self._db.execute(
            f"SELECT {_QUESTION_COLUMNS} FROM qna_question q WHERE q.message_id = ?", (message_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else _question(row)

    async def vote(self, question_id: int, user_id: int, now: datetime) -> VoteResult | None:
        """One vote per user per open question; None if the question does not exist."""
        question = await self.question(question_id)
        if question is None:
            return None
        added = False
        if question.status == "open":
            cursor = await self._db.execute(
                "INSERT OR IGNORE INTO qna_vote (question_id, user_id, at) VALUES (?, ?, ?)",
                (question_id, user_id, to_db_time(now)),
            )
            added = cursor.rowcount > 0
        return VoteResult(added=added, votes=await self.votes(question_id), status=question.status)

    async def votes(self, question_id: int) -> int:
        async with self._db.execute(
            "SELECT COUNT(*) FROM qna_vote WHERE question_id = ?", (question_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def top_questions(
        self,
        guild_id: int,
        limit: int = 10,
        statuses: Sequence[QuestionStatus] = ("open",),
    ) -> list[Question]:
        """Most votes first; among equal votes the older question first."""
        wanted = [s for s in statuses if s in QUESTION_STATUSES] or ["open"]
        marks = ", ".join("?" for _ in wanted)
        async with self._db.execute(
            f"SELECT {_QUESTION_COLUMNS} FROM qna_question q"
            f" WHERE q.guild_id = ? AND q.status IN ({marks})"
            " ORDER BY votes DESC, q.created_at ASC, q.id ASC LIMIT ?",
            (guild_id, *wanted, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_question(row) for row in rows]

    async def set_question_status(
        self, question_id: int, status: QuestionStatus, *, user_id: int, now: datetime
    ) -> Question | None:
        if status not in QUESTION_STATUSES:
            raise ValueError(f"unknown question status {status!r}")
        await self._db.execute(
            "UPDATE qna_question SET status = ?, status_by = ?, status_at = ? WHERE id = ?",
            (status, user_id, to_db_time(now), question_id),
        )
        return await self.question(question_id)

    async def ask_wait(
        self, guild_id: int, author_id: int, now: datetime, interval: timedelta = ASK_INTERVAL
    ) -> timedelta:
        """How long ``author_id`` must still wait before the next /ask (zero: may ask now)."""
        async with self._db.execute(
            "SELECT MAX(created_at) FROM qna_question WHERE guild_id = ? AND author_id = ?",
            (guild_id, author_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None or row[0] is None:
            return timedelta(0)
        wait = from_db_time(row[0]) + interval - now.astimezone(UTC)
        return max(wait, timedelta(0))
