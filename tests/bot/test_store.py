"""The store at start-up: each unusable data directory or database is refused with one clear line,
and a database from a newer bot is refused before anything in it changes."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.store import (
    DATABASE_NAME,
    MIGRATIONS_DIR,
    StorageError,
    Store,
    backup_database,
    from_db_time,
    to_db_time,
)


async def make_database(data_dir: Path) -> Path:
    store = await Store.open(data_dir)
    await store.set_setting("marker", "kept")
    await store.close()
    return data_dir / DATABASE_NAME


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_data_dir_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should go", "utf-8")
    with pytest.raises(StorageError) as refused:
        await Store.open(blocker / "data")
    assert refused.value.problem == "unwritable"
    message = str(refused.value)
    assert message.startswith(f"{blocker / 'data'}: the data directory cannot be written")
    assert "CCEI_DATA_DIR" in message
    assert "\n" not in message


async def test_a_newer_database_is_refused_and_left_byte_identical(tmp_path: Path) -> None:
    path = await make_database(tmp_path)
    with sqlite3.connect(path, isolation_level=None) as db:
        db.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (99, '0099_from_the_future.sql', '2027-01-01T00:00:00+00:00')"
        )
        # A rollback-journal file: opening it for writing would switch it to WAL.
        db.execute("PRAGMA journal_mode=DELETE")
    db.close()
    before = digest(path)
    with pytest.raises(StorageError) as refused:
        await Store.open(tmp_path)
    assert refused.value.problem == "newer"
    assert "migration 0099 is unknown" in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert digest(path) == before
    assert path.read_bytes()[18:20] == b"\x01\x01"  # the header still says rollback journal
    assert not (tmp_path / f"{DATABASE_NAME}-wal").exists()


async def test_a_locked_database_is_one_line_after_the_busy_timeout(tmp_path: Path) -> None:
    path = await make_database(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process writing and never finishing
        with pytest.raises(StorageError) as refused:
            await Store.open(tmp_path, busy_timeout=0.05)
    finally:
        holder.close()
    assert refused.value.problem == "locked"
    assert "locked by another process" in str(refused.value)
    assert "is another ccei-bot" in str(refused.value)


async def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    # SQLite's own page cap stands in for a full disk: the same SQLITE_FULL error, raised here by
    # the start-up write probe (a test migration sets the cap on the bot's own connection).
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, migrations)
    (migrations / "0998_cap_the_file.sql").write_text("PRAGMA max_page_count = 1", "utf-8")
    with pytest.raises(StorageError) as refused:
        await Store.open(tmp_path / "data", migrations_dir=migrations)
    assert refused.value.problem == "full"
    assert "the disk is full (database or disk is full)" in str(refused.value)
    assert "free space" in str(refused.value)


async def test_backup_copies_committed_data_while_another_write_is_open(tmp_path: Path) -> None:
    path = await make_database(tmp_path / "data")
    running = await Store.open(tmp_path / "data")  # the bot, still running
    await running.set_setting("committed", 1)
    await running.db.execute("BEGIN")
    await running.set_setting("uncommitted", 2)
    try:
        result = backup_database(path, tmp_path / "copy.sqlite3")
    finally:
        await running.db.execute("ROLLBACK")
        await running.close()
    assert result.integrity == "ok"
    with sqlite3.connect(result.path) as copy:
        keys = {row[0] for row in copy.execute("SELECT key FROM settings")}
        mode = copy.execute("PRAGMA journal_mode").fetchone()[0]
    copy.close()
    assert {"marker", "committed"} <= keys
    assert "uncommitted" not in keys
    assert mode == "delete"  # one self-contained file
    assert not (tmp_path / "copy.sqlite3.partial").exists()
    # Restoring it is copying it into a data directory: the bot opens it as it is.
    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copy(result.path, restored / DATABASE_NAME)
    store = await Store.open(restored)
    assert await store.get_setting("committed") == 1
    await store.close()


async def test_the_store_uses_wal_without_an_fsync_per_commit(store: Store) -> None:
    async with store.db.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    # 1 = NORMAL: durable against a crash of the process in WAL mode (docs/performance.md).
    async with store.db.execute("PRAGMA synchronous") as cursor:
        assert (await cursor.fetchone())[0] == 1


def test_times_are_stored_as_utc_text_and_naive_ones_are_refused() -> None:
    # Every feature's table keeps instants this way: in UTC, so they compare as text.
    seoul = datetime(2022, 12, 15, 13, 0, tzinfo=timezone(timedelta(hours=9)))
    assert to_db_time(seoul) == "2022-12-15T04:00:00+00:00"
    assert from_db_time(to_db_time(seoul)) == seoul
    assert from_db_time(to_db_time(seoul)).tzinfo is UTC
    with pytest.raises(ValueError, match="naive"):
        to_db_time(datetime(2022, 12, 15))  # noqa: DTZ001
