"""SQLite storage (aiosqlite, WAL) with numbered migrations applied at start-up.

Only storage modules write SQL: this core (key/value settings, audit log) and each feature's ``_repo.py``,
which receive a :class:`Store` and use :attr:`Store.db`. Migrations are ``bot/migrations/NNNN_name.sql``
files applied in order, each in one transaction, and recorded in ``schema_migrations``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.closed = False

    @classmethod
    async def open(cls, data_dir: Path, *, migrations_dir: Path = MIGRATIONS_DIR) -> Store:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "ccei.sqlite3"
        db = await aiosqlite.connect(path, isolation_level=None)
        db.row_factory = aiosqlite.Row
        await db.execute("PRAGMA journal_mode=WAL")
        # With WAL, NORMAL loses nothing committed on a crash or kill -9 (only on power loss) and
        # does not fsync every commit: writes on a reply's path take ~0.1 ms instead of ~0.5 ms.
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA foreign_keys=ON")
        await db.execute("PRAGMA busy_timeout=5000")
        store = cls(db, path)
        await store.migrate(migrations_dir)
        return store

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.db.close()

    async def migrate(self, migrations_dir: Path = MIGRATIONS_DIR) -> list[int]:
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.db.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] async for row in cursor}
        done: list[int] = []
        for path in sorted(migrations_dir.glob("*.sql")):
            match = _MIGRATION_NAME.match(path.name)
            if not match:
                raise RuntimeError(f"migration file name {path.name!r} is not NNNN_name.sql")
            version = int(match[1])
            if version in applied:
                continue
            script = path.read_text("utf-8")
            # One transaction per migration: a failing file leaves the database as it was.
            await self.db.execute("BEGIN")
            try:
                for statement in _split_sql(script):
                    await self.db.execute(statement)
                await self.db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, path.name, _utcnow_text()),
                )
            except BaseException:
                await self.db.execute("ROLLBACK")
                raise
            await self.db.execute("COMMIT")
            log.info("applied migration %s", path.name)
            done.append(version)
        return done

    # -- key/value settings -------------------------------------------------------------------------

    async def get_setting(self, key: str, scope: str = "global") -> Any:
        async with self.db.execute(
            "SELECT value FROM settings WHERE scope = ? AND key = ?", (scope, key)
        ) as cursor:
            row = await cursor.fetchone()
        return None if row is None else json.loads(row[0])

    async def set_setting(self, key: str, value: Any, scope: str = "global") -> None:
        await self.db.execute(
            "INSERT INTO settings (scope, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value",
            (scope, key, json.dumps(value, ensure_ascii=False)),
        )

    async def settings_in(self, scope: str) -> dict[str, Any]:
        async with self.db.execute(
            "SELECT key, value FROM settings WHERE scope = ?", (scope,)
        ) as cursor:
            return {row[0]: json.loads(row[1]) async for row in cursor}

    # -- audit log ----------------------------------------------------------------------------------

    async def audit(
        self,
        *,
        guild_id: int,
        user_id: int,
        action: str,
        before: Any = None,
        after: Any = None,
        at: datetime,
    ) -> int:
        cursor = await self.db.execute(
            "INSERT INTO audit_log (guild_id, user_id, action, before, after, at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                guild_id,
                user_id,
                action,
                json.dumps(before, ensure_ascii=False, default=str),
                json.dumps(after, ensure_ascii=False, default=str),
                at.astimezone(UTC).isoformat(),
            ),
        )
        return int(cursor.lastrowid or 0)

    async def audit_entries(self, guild_id: int, limit: int = 20) -> list[dict[str, Any]]:
        async with self.db.execute(
            "SELECT id, guild_id, user_id, action, before, after, at FROM audit_log"
            " WHERE guild_id = ? ORDER BY id DESC LIMIT ?",
            (guild_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            {
                "id": row[0],
                "guild_id": row[1],
                "user_id": row[2],
                "action": row[3],
                "before": json.loads(row[4]),
                "after": json.loads(row[5]),
                "at": row[6],
            }
            for row in rows
        ]

    def size_bytes(self) -> int:
        return sum(
            p.stat().st_size
            for p in (self.path, self.path.with_name(self.path.name + "-wal"))
            if p.exists()
        )


def _utcnow_text() -> str:
    return datetime.now(UTC).isoformat()


def _split_sql(script: str) -> Sequence[str]:
    """Split a migration into statements (migrations hold no semicolons inside strings/triggers)."""
    return [part.strip() for part in script.split(";") if part.strip()]
