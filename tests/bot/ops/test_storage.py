"""The database failing while the bot runs: logged, told to moderators once, seen by /healthz, and
forgotten once writes work again (the next episode is told again)."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.config import Config, OpsSection
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.store import Store
from tests.bot.ops.conftest import free_port, get, sample
from tests.conftest import Launcher


async def fill_up(store: Store) -> None:
    """Make the database full the way a full disk does (SQLITE_FULL): a few pages of filler, the
    file capped at its size, then every free byte taken, so any write that needs space fails."""
    await store.db.execute("CREATE TABLE IF NOT EXISTS test_filler (pad BLOB NOT NULL)")
    for _ in range(8):
        await store.db.execute("INSERT INTO test_filler VALUES (zeroblob(4096))")
    async with store.db.execute("PRAGMA page_count") as cursor:
        pages = (await cursor.fetchone())[0]  # type: ignore[index]
    await store.db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        await insert_until_it_fails(store)


async def insert_until_it_fails(store: Store) -> None:
    for _ in range(10_000):
        await store.db.execute("INSERT INTO test_filler VALUES (zeroblob(512))")


async def make_room(store: Store) -> None:
    await store.db.execute("DELETE FROM test_filler")


def storage_notices(standin: DiscordStandIn) -> list[str]:
    return [
        message_text(m) for m in standin.messages("audit") if "디스크가 가득" in message_text(m)
    ]


async def test_a_full_disk_at_run_time_is_logged_told_once_and_recovers(
    launch: Launcher,
    standin: DiscordStandIn,
    event_config: Config,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
) -> None:
    port = free_port()
    config = dataclasses.replace(event_config, ops=OpsSection(http_port=port))
    running = await launch(config=config)
    bot, store = running.bot, running.bot.services.store
    await fill_up(store)

    status, _, body = await get(port, "/healthz")
    assert status == 503
    assert body["database"] == {"writable": False, "error": "database or disk is full"}
    assert body["problems"] == ["database cannot be written: database or disk is full"]
    errors = [r for r in caplog.records if r.name == "bot.ops.storage"]
    assert [r.levelno for r in errors] == [logging.ERROR]
    assert str(store.path) in errors[0].getMessage()
    assert len(storage_notices(standin)) == 1

    # Still full half a minute later: no second notice, no second error line.
    assert (await bot.storage_watch.check()) is not None
    assert len(storage_notices(standin)) == 1
    assert len([r for r in caplog.records if r.name == "bot.ops.storage"]) == 1
    _, metrics, _ = await get(port, "/metrics")
    assert sample(metrics, "ccei_database_writable") == 0.0
    assert sample(metrics, 'ccei_messages_posted_total{kind="channel"}') == 1.0  # the notice

    await make_room(store)
    status, _, body = await get(port, "/healthz")
    assert status == 200
    assert body["database"]["writable"] is True
    assert any("database writable again" in r.getMessage() for r in caplog.records)

    # A new episode is a new notice.
    await fill_up(store)
    assert (await bot.storage_watch.check()) is not None
    assert len(storage_notices(standin)) == 2
    await make_room(store)
    assert (await bot.storage_watch.check()) is None

    # Another process holding the write lock: "locked", with its own notice.
    await store.db.execute("PRAGMA busy_timeout = 50")
    holder = sqlite3.connect(store.path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        problem = await bot.storage_watch.check()
    finally:
        holder.close()
    assert problem is not None
    assert problem.problem == "locked"
    assert [m for m in standin.messages("audit") if "잠겨 있어" in message_text(m)]
    assert (await bot.storage_watch.check()) is None
