"""SQLite storage for the live relay: the only module with SQL (tables from
``bot/migrations/0003_live.sql``; 0006 dropped the notice table, moderator notices are the core's;
0011 added the recording's state).

Each write is one autocommitted statement: the connection is shared with other features, so an explicit
transaction here could swallow their statements. Every write is an idempotent upsert, so a crash between
two statements leaves nothing that the next save does not repair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast, get_args

from bot.services import RecordingState
from bot.store import Store, from_db_time, to_db_time
from cogs.live._state import Broadcast, MessageRef, Phase, ViewerSample
from cogs.live._youtube import ChannelInfo


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else to_db_time(moment)


def _time(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


@dataclass(frozen=True)
class QuotaUsage:
    day: date
    units: int = 0
    calls: int = 0
    failures: int = 0
    by_method: dict[str, int] = field(default_factory=dict)


class LiveStore:
    def __init__(self, store: Store) -> None:
        self._db = store.db

    # -- channel cache ------------------------------------------------------------------------------

    async def channel(self, ref: str) -> ChannelInfo | None:
        async with self._db.execute(
            "SELECT channel_id, title, uploads_playlist FROM live_channels WHERE ref = ?", (ref,)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else ChannelInfo(row[0], row[1], row[2])

    async def save_channel(self, ref: str, info: ChannelInfo, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO live_channels (ref, channel_id, title, uploads_playlist, resolved_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (ref) DO UPDATE SET channel_id = excluded.channel_id,"
            " title = excluded.title, uploads_playlist = excluded.uploads_playlist,"
            " resolved_at = excluded.resolved_at",
            (ref, info.channel_id, info.title, info.uploads_playlist, _text(at)),
        )

    # -- broadcasts ---------------------------------------------------------------------------------

    async def broadcasts(self) -> list[Broadcast]:
        """Every broadcast the bot knows, with its samples and message references."""
        samples: dict[str, list[ViewerSample]] = {}
        async with self._db.execute(
            "SELECT video_id, at, viewers FROM live_samples ORDER BY video_id, at"
        ) as cursor:
            async for row in cursor:
                samples.setdefault(row[0], []).append(
                    ViewerSample(from_db_time(row[1]), int(row[2]))
                )
        messages: dict[tuple[str, str], list[MessageRef]] = {}
        async with self._db.execute(
            "SELECT video_id, kind, channel_id, message_id FROM live_messages"
            " ORDER BY video_id, kind, channel_id"
        ) as cursor:
            async for row in cursor:
                messages.setdefault((row[0], row[1]), []).append(MessageRef(row[2], row[3]))
        async with self._db.execute(
            "SELECT video_id, phase, title, channel_id, thumbnail_url, premiere, scheduled_start,"
            " actual_start, actual_end, viewers, reported_viewers, first_seen, last_seen,"
            " missing_since, upcoming_announced, live_announced, ended_announced, recording,"
            " recording_announced FROM live_broadcasts ORDER BY first_seen, video_id"
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Broadcast(
                video_id=row[0],
                phase=Phase(row[1]),
                title=row[2],
                channel_id=row[3],
                thumbnail_url=row[4],
                premiere=bool(row[5]),
                scheduled_start=_time(row[6]),
                actual_start=_time(row[7]),
                actual_end=_time(row[8]),
                viewers=row[9],
                reported_viewers=row[10],
                first_seen=from_db_time(row[11]),
                last_seen=_time(row[12]),
                missing_since=_time(row[13]),
                upcoming_announced=bool(row[14]),
                live_announced=bool(row[15]),
                ended_announced=bool(row[16]),
                recording=_recording(row[17]),
                recording_announced=bool(row[18]),
                samples=tuple(samples.get(row[0], ())),
                upcoming_messages=tuple(messages.get((row[0], "upcoming"), ())),
                live_messages=tuple(messages.get((row[0], "live"), ())),
            )
            for row in rows
        ]

    async def save_broadcast(self, b: Broadcast, at: datetime, previous: Broadcast | None) -> None:
        """Persist ``b``; ``previous`` (what was saved before) limits the writes to what changed."""
        await self._db.execute(
            "INSERT INTO live_broadcasts (video_id, phase, title, channel_id, thumbnail_url, premiere,"
            " scheduled_start, actual_start, actual_end, viewers, reported_viewers, peak_viewers,"
            " first_seen, last_seen, missing_since, upcoming_announced, live_announced,"
            " ended_announced, recording, recording_announced, updated_at) VALUES (?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (video_id) DO UPDATE SET"
            " phase = excluded.phase,"
            " title = excluded.title, channel_id = excluded.channel_id,"
            " thumbnail_url = excluded.thumbnail_url, premiere = excluded.premiere,"
            " scheduled_start = excluded.scheduled_start, actual_start = excluded.actual_start,"
            " actual_end = excluded.actual_end, viewers = excluded.viewers,"
            " reported_viewers = excluded.reported_viewers, peak_viewers = excluded.peak_viewers,"
            " last_seen = excluded.last_seen, missing_since = excluded.missing_since,"
            " upcoming_announced = excluded.upcoming_announced,"
            " live_announced = excluded.live_announced, ended_announced = excluded.ended_announced,"
            " recording = excluded.recording, recording_announced = excluded.recording_announced,"
            " updated_at = excluded.updated_at",
            (
                b.video_id,
                b.phase.value,
                b.title,
                b.channel_id,
                b.thumbnail_url,
                int(b.premiere),
                _text(b.scheduled_start),
                _text(b.actual_start),
                _text(b.actual_end),
                b.viewers,
                b.reported_viewers,
                b.peak_viewers,
                _text(b.first_seen),
                _text(b.last_seen),
                _text(b.missing_since),
                int(b.upcoming_announced),
                int(b.live_announced),
                int(b.ended_announced),
                b.recording,
                int(b.recording_announced),
                _text(at),
            ),
        )
        known = len(previous.samples) if previous is not None else 0
        if len(b.samples) > known:
            await self._db.executemany(
                "INSERT OR IGNORE INTO live_samples (video_id, at, viewers) VALUES (?, ?, ?)",
                [(b.video_id, _text(s.at), s.viewers) for s in b.samples[known:]],
            )
        for kind, refs, before in (
            ("upcoming", b.upcoming_messages, previous.upcoming_messages if previous else ()),
            ("live", b.live_messages, previous.live_messages if previous else ()),
        ):
            if refs != before:
                await self._save_messages(b.video_id, kind, refs)

    async def _save_messages(self, video_id: str, kind: str, refs: Iterable[MessageRef]) -> None:
        await self._db.executemany(
            "INSERT INTO live_messages (video_id, kind, channel_id, message_id) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (video_id, kind, channel_id) DO UPDATE SET message_id = excluded.message_id",
            [(video_id, kind, ref.channel_id, ref.message_id) for ref in refs],
        )

    # -- quota ledger -------------------------------------------------------------------------------

    async def charge(self, day: date, method: str, units: int, *, failed: bool) -> None:
        await self._db.execute(
            "INSERT INTO live_quota (pacific_day, method, calls, units, failures)"
            " VALUES (?, ?, 1, ?, ?) ON CONFLICT (pacific_day, method) DO UPDATE SET"
            " calls = calls + 1, units = units + excluded.units,"
            " failures = failures + excluded.failures",
            (day.isoformat(), method, units, int(failed)),
        )

    async def usage(self, day: date) -> QuotaUsage:
        async with self._db.execute(
            "SELECT method, calls, units, failures FROM live_quota WHERE pacific_day = ?",
            (day.isoformat(),),
        ) as cursor:
            rows = await cursor.fetchall()
        return QuotaUsage(
            day=day,
            units=sum(r[2] for r in rows),
            calls=sum(r[1] for r in rows),
            failures=sum(r[3] for r in rows),
            by_method={r[0]: r[1] for r in rows},
        )


def _recording(text: str) -> RecordingState:
    if text not in get_args(RecordingState):
        raise ValueError(f"unknown recording state {text!r}")
    return cast(RecordingState, text)
