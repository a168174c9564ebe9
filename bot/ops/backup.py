"""``ccei-bot backup PATH``: a consistent copy of the live database, also while the bot runs.

The copy is made with SQLite's online backup API from a read-only connection (bot/store.py), so the
running bot is never blocked for long and never sees a change. How to restore: docs/operations.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from bot.store import DATABASE_NAME, StorageError, backup_database


def backup_target(path: Path, now: datetime) -> Path:
    """``path`` itself, or a time-stamped file inside it when it is a directory."""
    if path.is_dir():
        return path / f"ccei-{now.astimezone(UTC):%Y%m%d-%H%M%S}.sqlite3"
    return path


def run_backup(
    data_dir: Path, path: Path, *, out: TextIO, err: TextIO, now: datetime | None = None
) -> int:
    source = data_dir / DATABASE_NAME
    target = backup_target(path, now or datetime.now(UTC))
    if not target.parent.is_dir():
        err.write(f"ccei-bot backup: {target.parent}: no such directory\n")
        return 1
    if target.resolve() == source.resolve():
        err.write(f"ccei-bot backup: {target} is the live database itself; pick another path\n")
        return 1
    try:
        result = backup_database(source, target)
    except StorageError as error:
        err.write(f"ccei-bot backup: {error}\n")
        return 1
    out.write(
        f"backed up {source} to {result.path} ({result.size_bytes / 1024:.0f} KiB, "
        f"{result.pages} pages, integrity {result.integrity})\n"
        f"to restore: stop the bot, copy {result.path.name} to {source}, delete "
        f"{DATABASE_NAME}-wal and {DATABASE_NAME}-shm beside it, start the bot\n"
    )
    return 0
