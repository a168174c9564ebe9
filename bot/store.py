"""SQLite storage (aiosqlite, WAL) with numbered migrations applied at start-up.

Only storage modules write SQL: this core (key/value settings, audit log, the write probe, backups) and
each feature's storage module, which receive a :class:`Store` and use :attr:`Store.db`. Migrations are
``bot/migrations/NNNN_name.sql`` files applied in order, each in one transaction, and recorded in
``schema_migrations``.

Opening refuses, with one line for the operator (:class:`StorageError`), a data directory it cannot
write, a database from a newer version of the bot (checked read-only, before anything changes), a locked
database and a full disk.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import aiosqlite


def to_db_time(moment: datetime) -> str:
    """An aware instant as every table keeps it: ISO 8601 in UTC, so that times compare as text."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: store aware datetimes only")
    return moment.astimezone(UTC).isoformat()


def from_db_time(text: str) -> datetime:
    """The aware instant (UTC) :func:`to_db_time` wrote."""
    return datetime.fromisoformat(text).astimezone(UTC)


log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DATABASE_NAME = "ccei.sqlite3"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
#: How long a statement waits for another connection's lock before "database is locked".
BUSY_TIMEOUT = 5.0

StorageProblem = Literal["unwritable", "newer", "locked", "full", "readonly", "corrupt", "io"]


class StorageError(Exception):
    """The database or its directory cannot be used. ``str()`` is one line: what, where, what to do."""

    def __init__(self, problem: StorageProblem, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        #: The underlying error's own words (SQLite's or the system's), for notices.
        self.detail = detail or message


def storage_error(error: sqlite3.Error, path: Path) -> StorageError:
    """An SQLite error as the operator's one line (SQLITE_FULL, SQLITE_BUSY, ... by primary code)."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    where = path.parent
    problem: StorageProblem
    if code == sqlite3.SQLITE_FULL:
        problem = "full"
        todo = f"free space on the disk of {where} (or move CCEI_DATA_DIR) and start again"
    elif code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        problem = "locked"
        todo = f"is another ccei-bot or an sqlite3 shell using {where}? Stop it, then start again"
    elif code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        problem = "readonly"
        todo = f"give the bot's user write access to {where} and the files in it"
    elif code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        problem = "corrupt"
        todo = "restore a backup (docs/operations.md, 'Restore')"
    else:
        problem = "io"
        todo = f"check the disk of {where}"
    what = {
        "full": "the disk is full",
        "locked": "the database is locked by another process",
        "readonly": "the database cannot be written",
        "corrupt": "not a usable database",
        "io": "the database failed",
    }[problem]
    return StorageError(problem, f"{path}: {what} ({error}); {todo}", str(error))


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory and prove it is writable (a file is created and removed)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise StorageError(
            "unwritable",
            f"{data_dir}: the data directory cannot be written ({reason}); create it and give "
            f"the bot's user (uid {os.getuid()}) write access, or point CCEI_DATA_DIR elsewhere",
        ) from None


def known_migrations(migrations_dir: Path = MIGRATIONS_DIR) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted(migrations_dir.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"migration file name {path.name!r} is not NNNN_name.sql")
        found[int(match[1])] = path
    return found


def _read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that cannot change the file (no journal-mode switch, no migration)."""
    return sqlite3.connect(
        path.resolve().as_uri() + "?mode=ro", uri=True, timeout=busy_timeout, isolation_level=None
    )


def _applied_versions(db: sqlite3.Connection) -> set[int]:
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
    ).fetchone()
    if exists is None:
        return set()
    return {int(row[0]) for row in db.execute("SELECT version FROM schema_migrations")}


def _refuse_unknown(path: Path, applied: set[int], known: set[int]) -> None:
    unknown = sorted(applied - known)
    if unknown:
        names = ", ".join(f"{v:04d}" for v in unknown)
        raise StorageError(
            "newer",
            f"{path}: written by a newer version of the bot (migration {names} is unknown to this "
            "one); nothing was changed. Run the newer version, or restore a backup made with "
            "this one",
        )


def check_schema(
    path: Path, migrations_dir: Path = MIGRATIONS_DIR, *, busy_timeout: float = BUSY_TIMEOUT
) -> set[int]:
    """Read-only: the migrations the database at ``path`` has; refuses one from a newer bot."""
    try:
        db = _read_only(path, busy_timeout)
        try:
            applied = _applied_versions(db)
        finally:
            db.close()
    except sqlite3.Error as error:
        raise storage_error(error, path) from None
    _refuse_unknown(path, applied, set(known_migrations(migrations_dir)))
    return applied


def read_settings(path: Path, scope: str) -> dict[str, Any]:
    """Read-only: the key/value settings of ``scope`` in the database at ``path`` ({} if none)."""
    if not path.is_file():
        return {}
    try:
        db = _read_only(path, BUSY_TIMEOUT)
        try:
            exists = db.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'settings'"
            ).fetchone()
            if exists is None:
                return {}
            rows = db.execute("SELECT key, value FROM settings WHERE scope = ?", (scope,))
            return {str(row[0]): json.loads(row[1]) for row in rows}
        finally:
            db.close()
    except sqlite3.Error as error:
        raise storage_error(error, path) from None


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    size_bytes: int
    integrity: str


def backup_database(
    source: Path, target: Path, *, busy_timeout: float = BUSY_TIMEOUT
) -> BackupResult:
    """Copy the database at ``source`` to ``target`` consistently, even while the bot writes to it.

    SQLite's online backup API copies a snapshot; the copy is written beside ``target`` and renamed
    into place once complete and checked, so ``target`` is never a half-written file. The copy is a
    single self-contained file (rollback journal mode), ready to be restored.
    """
    if not source.is_file():
        raise StorageError(
            "corrupt", f"{source}: no database to back up (is CCEI_DATA_DIR / --data-dir right?)"
        )
    partial = target.with_name(target.name + ".partial")
    try:
        partial.unlink(missing_ok=True)
        src = _read_only(source, busy_timeout)
        try:
            dst = sqlite3.connect(partial, isolation_level=None)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
                integrity = str(dst.execute("PRAGMA integrity_check").fetchone()[0])
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as error:
        partial.unlink(missing_ok=True)
        raise storage_error(error, source) from None
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise StorageError(
            "unwritable", f"{target}: cannot write the backup ({error.strerror or error})"
        ) from None
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise StorageError("corrupt", f"{source}: the copy failed its integrity check: {integrity}")
    partial.replace(target)
    return BackupResult(target, pages, target.stat().st_size, integrity)


class Store:
    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self.db = db
        self.path = path
        self.closed = False

    @classmethod
    async def open(
        cls,
        data_dir: Path,
        *,
        migrations_dir: Path = MIGRATIONS_DIR,
        busy_timeout: float = BUSY_TIMEOUT,
    ) -> Store:
        """Open (creating) the database in ``data_dir``, migrate it and prove it can be written.

        Raises :class:`StorageError` for an unusable directory or database; a database from a newer
        bot is refused before the file is touched.
        """
        prepare_data_dir(data_dir)
        path = data_dir / DATABASE_NAME
        if path.exists():
            check_schema(path, migrations_dir, busy_timeout=busy_timeout)
        try:
            db = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise storage_error(error, path) from None
        try:
            db.row_factory = aiosqlite.Row
            # First: the journal-mode switch below waits for another process's lock, not fails.
            await db.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            await db.execute("PRAGMA journal_mode=WAL")
            # With WAL, NORMAL loses nothing committed on a crash or kill -9 (only on power loss) and
            # does not fsync every commit: writes on a reply's path take ~0.1 ms instead of ~0.5 ms.
            await db.execute("PRAGMA synchronous=NORMAL")
            await db.execute("PRAGMA foreign_keys=ON")
            store = cls(db, path)
            await store.migrate(migrations_dir)
            await store.probe_write()
        except sqlite3.Error as error:
            await db.close()
            raise storage_error(error, path) from None
        except BaseException:
            await db.close()
            raise
        return store

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.db.close()

    async def migrate(self, migrations_dir: Path = MIGRATIONS_DIR) -> list[int]:
        known = known_migrations(migrations_dir)
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.db.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] async for row in cursor}
        _refuse_unknown(self.path, applied, set(known))
        done: list[int] = []
        for version, path in known.items():
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

    async def probe_write(self) -> None:
        """Commit a write that needs one free page, then drop the older probes; raises
        ``sqlite3.Error`` when the database cannot be written (full, locked, read-only).

        Two autocommitted statements, never a transaction: the connection is shared, and a
        BEGIN here would swallow (or roll back) another feature's statements.
        """
        async with self.db.execute("PRAGMA page_size") as cursor:
            row = await cursor.fetchone()
        page_size = int(row[0]) if row is not None else 4096
        cursor = await self.db.execute(
            "INSERT INTO ops_probe (at, pad) VALUES (?, zeroblob(?))", (_utcnow_text(), page_size)
        )
        await self.db.execute("DELETE FROM ops_probe WHERE id < ?", (cursor.lastrowid or 0,))

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
                to_db_time(at),
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
