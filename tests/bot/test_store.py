"""The core store's connection settings."""

from __future__ import annotations

from bot.store import Store


async def test_the_store_uses_wal_without_an_fsync_per_commit(store: Store) -> None:
    async with store.db.execute("PRAGMA journal_mode") as cursor:
        assert (await cursor.fetchone())[0] == "wal"
    # 1 = NORMAL: durable against a crash of the process in WAL mode (docs/performance.md).
    async with store.db.execute("PRAGMA synchronous") as cursor:
        assert (await cursor.fetchone())[0] == 1
