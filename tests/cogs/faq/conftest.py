"""Fixtures for the FAQ tests.

Unit tests: the shipped config, the real catalog, a real SQLite store (the shared ``store`` fixture),
a frozen ``clock`` at 12:30 KST on the event day, and a loaded :class:`FaqService`.

End-to-end tests: the real bot (admin + FAQ features) against the stand-in, with helpers to ask,
click and add viewers; ``day_before_clock`` freezes time the day before, so nothing time-driven is
due while a test runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import Clock, FrozenClock
from bot.config import Config, load_config
from bot.i18n import Catalog
from bot.rehearsal.discord_standin import (
    DiscordStandIn,
    InteractionHandle,
    message_text,
)
from bot.rehearsal.run import StandInBot
from bot.store import Store
from cogs.faq._forms import FaqForm
from cogs.faq._service import FaqService
from cogs.faq._store import FaqStore
from tests.conftest import Launcher

ROOT = Path(__file__).resolve().parents[3]
# 12:30 KST on the event day, half an hour before the start.
EVENT_MORNING = datetime(2022, 12, 15, 3, 30, tzinfo=UTC)
#: The day before the event, so nothing time-driven is due while a frozen clock stands still.
DAY_BEFORE = datetime(2022, 12, 14, 3, 0, tzinfo=UTC)
#: Only the features the end-to-end tests drive: quicker, and other features' jobs stay out.
EXTENSIONS = ["cogs.admin", "cogs.faq"]

# -- unit tests --------------------------------------------------------------------------------------


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
def faq_store(store: Store) -> FaqStore:
    return FaqStore(store)


@pytest.fixture
async def service(
    config: Config, faq_store: FaqStore, clock: FrozenClock, catalog: Catalog
) -> FaqService:
    svc = FaqService(config, faq_store, clock, catalog.t, auto_answer_channel_ids=[42])
    await svc.load()
    return svc


# -- end-to-end tests --------------------------------------------------------------------------------

FaqLauncher = Callable[..., Awaitable[StandInBot]]


@pytest.fixture
def start_faq(launch: Launcher) -> FaqLauncher:
    """``await start_faq(config=..., clock=...)``; call again after ``stop()`` for a restart."""

    async def start(*, config: Config | None = None, clock: Clock | None = None) -> StandInBot:
        return await launch(config=config, clock=clock, extensions=EXTENSIONS)

    return start


@pytest.fixture
async def running(start_faq: FaqLauncher) -> StandInBot:
    return await start_faq()


@pytest.fixture
def day_before_clock() -> FrozenClock:
    return FrozenClock(DAY_BEFORE)


def with_discord(config: Config, **changes: Any) -> Config:
    """``config`` with fields of ``[discord]`` replaced."""
    return dataclasses.replace(config, discord=dataclasses.replace(config.discord, **changes))


async def ask_faq(
    standin: DiscordStandIn, user: str, question: str, locale: str = "ko"
) -> tuple[InteractionHandle, str]:
    handle = await standin.slash(user, name="faq", options={"question": question}, locale=locale)
    reply = await handle.response()
    return handle, message_text(reply["data"])


def buttons(message: dict[str, Any] | None) -> list[dict[str, Any]]:
    assert message is not None
    return [c for row in message.get("components", []) for c in row.get("components", [])]


def button_ids(message: dict[str, Any] | None) -> list[str]:
    return [str(b["custom_id"]) for b in buttons(message)]


def parking_form(answer_ko: str = "주차장은 없어요. 대중교통을 이용해 주세요.") -> FaqForm:
    """A new entry as a moderator fills the form in: parking, in both languages."""
    return FaqForm(
        question_ko="주차할 수 있나요?",
        question_en="Is there parking?",
        answer_ko=answer_ko,
        answer_en="There is no parking; please come by public transport.",
        keywords="주차, 주차장, 차, parking, car",
    )
