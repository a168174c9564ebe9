"""Shared fixtures: the shipped config, the real catalog, a real SQLite store in tmp_path, a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Config, load_config
from bot.i18n import Catalog
from bot.store import Store
from cogs.faq._repo import FaqRepo
from cogs.faq._service import FaqService

ROOT = Path(__file__).resolve().parents[2]
# 12:30 KST on the event day, half an hour before the start.
EVENT_MORNING = datetime(2022, 12, 15, 3, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "config" / "event.toml")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(EVENT_MORNING)


@pytest.fixture
def repo(store: Store) -> FaqRepo:
    return FaqRepo(store)


@pytest.fixture
async def service(
    config: Config, repo: FaqRepo, clock: FrozenClock, catalog: Catalog
) -> FaqService:
    svc = FaqService(config, repo, clock, catalog.t, auto_answer_channel_ids=[42])
    await svc.load()
    return svc
