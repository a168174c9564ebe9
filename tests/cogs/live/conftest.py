"""Helpers for the live relay end to end: the real bot against the Discord stand-in and the YouTube
stand-in, with the real google-api-python-client and SQLite.

Event time runs ``SPEED`` times faster than real time (one ScaledClock shared by the bot and the YouTube
stand-in) and the polls are short, so a whole stream fits in a few real seconds. Tests never sleep:
they wait on what either stand-in recorded (messages, edits, gateway frames, API and feed requests).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from pydantic import SecretStr

from bot.clock import ScaledClock
from bot.config import Config, YouTubeSection
from bot.rehearsal.discord_standin import (
    DiscordStandIn,
    GatewayFrame,
    InteractionHandle,
    message_text,
)
from bot.rehearsal.run import StandInBot, standin_settings
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.settings import Settings
from cogs.live._chart import PNG_SIGNATURE
from cogs.live._quota import pacific_day
from cogs.live._relay import LiveRelay
from tests.conftest import Launcher

#: A key that must never show up in a log line or a Discord message.
KEY = "AIzaSyTEST-live-relay-key-0123456789abc"
VIDEO = "cceiLive001"
TITLE = "2022 창조경제혁신센터 공동 오픈이노베이션 생중계"
LINK = f"https://www.youtube.com/watch?v={VIDEO}"
SPEED = 60.0
#: 12:40 KST on the event day: the relay's fast-polling window (from 12:30) is open, and the first
#: session (13:00) is still ahead.
T0 = datetime(2022, 12, 15, 3, 40, tzinfo=UTC)
EXTENSIONS = ["cogs.admin", "cogs.live"]
#: Polls every 5 s of event time (~0.08 s real); a quota probe every 30 s (0.5 s real).
FAST = YouTubeSection(
    channel="@CCEISAY",
    poll_active=timedelta(seconds=5),
    poll_idle=timedelta(seconds=30),
    quota_probe=timedelta(seconds=30),
)
#: Real seconds a test waits for something the relay should do within a poll or two.
WAIT = 10.0

LiveLauncher = Callable[..., Awaitable[StandInBot]]


@pytest.fixture
def clock() -> ScaledClock:
    return ScaledClock(T0, SPEED)


@pytest.fixture
async def youtube(clock: ScaledClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=clock, api_key=KEY, timeout_delay=0.5) as server:
        yield server


@pytest.fixture
def live_config(event_config: Config) -> Config:
    """The shipped event on the stand-in's server, polling fast."""
    return event_config.model_copy(update={"youtube": FAST})


def with_discord(config: Config, **changes: Any) -> Config:
    return config.model_copy(update={"discord": config.discord.model_copy(update=changes)})


def youtube_settings(standin: DiscordStandIn, youtube: YouTubeStandIn, key: str = KEY) -> Settings:
    base = Settings(
        youtube_api_key=SecretStr(key),
        youtube_api_base=youtube.api_base,
        youtube_feed_base=youtube.feed_base,
    )
    return standin_settings(standin, base)


@pytest.fixture
def start_live(
    launch: Launcher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
    live_config: Config,
) -> LiveLauncher:
    """``await start_live(config=...)``; again after ``stop()`` (same data dir) for a restart."""

    async def start(*, config: Config | None = None, key: str = KEY) -> StandInBot:
        return await launch(
            config=config or live_config,
            clock=clock,
            settings=youtube_settings(standin, youtube, key),
            extensions=EXTENSIONS,
        )

    return start


def relay_of(running: StandInBot) -> LiveRelay:
    # Not isinstance: discord.py drops an extension's modules when it unloads, so a restarted bot
    # runs freshly imported classes (compare phases as strings for the same reason).
    cog = running.bot.get_cog("LiveCog")
    assert cog is not None
    return cast(LiveRelay, cog.relay)  # type: ignore[attr-defined]


def watching(name: str | None) -> Callable[[GatewayFrame], bool]:
    """A presence update (op 3) showing "Watching: name", or no activity for None."""

    def matches(frame: GatewayFrame) -> bool:
        activities = (frame.data or {}).get("activities") or []
        if name is None:
            return activities == []
        return any(a.get("type") == 3 and a.get("name") == name for a in activities)

    return matches


def edits_of(standin: DiscordStandIn, message_id: str | int) -> int:
    return sum(
        1 for e in standin.message_log if e.kind == "edit" and e.message_id == int(message_id)
    )


async def polls(youtube: YouTubeStandIn, count: int, method: str = "videos.list") -> None:
    """Wait until ``count`` more polls have finished (``count + 1`` more requests arrived)."""
    start = youtube.calls[method] if method != "feed" else youtube.feed_calls

    def seen() -> int:
        return youtube.calls[method] if method != "feed" else youtube.feed_calls

    await youtube.wait_until(lambda: seen() >= start + count + 1, within=WAIT)


async def ask_live(standin: DiscordStandIn, locale: str, user: str = "member") -> str:
    handle: InteractionHandle = await standin.slash(user, name="live", locale=locale)
    reply = await handle.response()
    assert handle.ephemeral
    return message_text(reply["data"])


async def assert_ledger_matches(relay: LiveRelay, youtube: YouTubeStandIn) -> None:
    """Every request the stand-in received was charged, nothing else, and search.list never."""
    usage = await relay.repo.usage(pacific_day(relay.clock.now()))
    assert usage.units == relay.ledger.used() == youtube.api_calls
    assert usage.by_method == dict(youtube.calls)
    assert youtube.search_calls == 0


def chart_uploads(standin: DiscordStandIn, start: int = 0) -> list[bytes]:
    """PNG files the bot uploaded with a channel message (multipart), in order."""
    return [
        f.data
        for r in standin.requests[start:]
        if r.method == "POST" and r.route == "/channels/{channel_id}/messages" and r.is_multipart
        for f in r.files
        if f.filename == "viewers.png" and f.data.startswith(PNG_SIGNATURE)
    ]
