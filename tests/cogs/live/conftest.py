"""Fixtures for the live relay's tests, unit and end to end.

Unit tests (``test_<module>.py``) run the relay's parts against the YouTube stand-in with event time
frozen (``frozen_clock``, ``frozen_youtube``, a :class:`RecordingSink`) and run each poll explicitly.

End-to-end tests run the real bot against the Discord stand-in and the YouTube stand-in, with the real
google-api-python-client and SQLite. Event time runs ``SPEED`` times faster than real time (``clock``:
one ScaledClock shared by the bot and the YouTube stand-in) and the polls are short, so a whole stream
fits in a few real seconds. Tests never sleep: they wait on what either stand-in recorded (messages,
edits, gateway frames, API and feed requests).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from bot.clock import Clock, FrozenClock, ScaledClock
from bot.config import Config, YouTubeSection
from bot.rehearsal.discord_standin import (
    DiscordStandIn,
    GatewayFrame,
    InteractionHandle,
    message_text,
)
from bot.rehearsal.run import StandInBot, standin_settings
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.settings import SecretStr, Settings
from bot.store import Store
from cogs.live._chart import PNG_SIGNATURE
from cogs.live._notices import ModeratorNotice
from cogs.live._quota import ProgramWindow, pacific_day
from cogs.live._relay import Dispatch, LiveRelay, Watch, build_relay
from cogs.live._state import Broadcast, MessageRef, Summary
from cogs.live._youtube import Endpoints
from tests.conftest import Launcher

# -- unit tests: frozen time, one poll at a time ------------------------------------------------------

#: 2022-12-15 12:00 KST, an hour before the event's first session (03:00 UTC).
FROZEN_T0 = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)
PROGRAM_WINDOW = ProgramWindow(
    datetime(2022, 12, 15, 4, 0, tzinfo=UTC), datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
)


@dataclass
class RecordingSink:
    """Implements LiveSink; records every call. ``fail`` makes the named method raise once."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    notices: list[ModeratorNotice] = field(default_factory=list)
    withdrawn: list[ModeratorNotice] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)
    next_message_id: int = 1000
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def _record(self, name: str, value: Any) -> None:
        if name in self.fail:
            self.fail.discard(name)
            raise RuntimeError(f"sink {name} failed (test)")
        self.calls.append((name, value))
        self.changed.set()

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def of(self, name: str) -> list[Any]:
        return [value for n, value in self.calls if n == name]

    def notice_kinds(self) -> list[type]:
        return [type(notice) for notice in self.notices]

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self._record("upcoming", broadcast)
        self.next_message_id += 1
        return [MessageRef(10, self.next_message_id)]

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self._record("live", broadcast)
        self.next_message_id += 1
        return [MessageRef(10, self.next_message_id)]

    async def on_viewers(self, broadcast: Broadcast) -> None:
        self._record("viewers", broadcast)

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        self._record("ended", broadcast)
        self.summaries.append(summary)

    async def on_vanished(self, broadcast: Broadcast) -> None:
        self._record("vanished", broadcast)

    async def tell_moderators(self, notice: ModeratorNotice) -> None:
        self._record("notice", notice)
        self.notices.append(notice)

    async def withdraw_notice(self, notice: ModeratorNotice) -> None:
        self.withdrawn.append(notice)

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
def frozen_clock() -> FrozenClock:
    return FrozenClock(FROZEN_T0)


@pytest.fixture
async def frozen_youtube(frozen_clock: FrozenClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=frozen_clock, timeout_delay=1.0) as server:
        yield server


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


def endpoints_of(youtube: YouTubeStandIn, timeout: float = 0.5) -> Endpoints:
    """The stand-in's API, feed and hub; the WebSub callback on loopback only."""
    return Endpoints(
        api_base=youtube.api_base,
        feed_base=youtube.feed_base,
        websub_hub=youtube.hub_url,
        websub_host="127.0.0.1",
        timeout=timeout,
    )


RelayFactory = Callable[..., LiveRelay]


@pytest.fixture
async def make_relay(
    frozen_youtube: YouTubeStandIn, store: Store, sink: RecordingSink, frozen_clock: FrozenClock
) -> AsyncIterator[RelayFactory]:
    """``make_relay(...)``: a relay on the frozen stand-in (stopped after the test)."""
    made: list[LiveRelay] = []

    def factory(
        *,
        youtube: YouTubeSection | None = None,
        relay_store: Store | None = None,
        relay_clock: Clock | None = None,
        relay_sink: RecordingSink | None = None,
        window: ProgramWindow | None = PROGRAM_WINDOW,
        api_key: str | None = None,
        dispatch: Dispatch | None = None,
    ) -> LiveRelay:
        relay = build_relay(
            Watch(youtube or YouTubeSection(channel="@CCEISAY"), window),
            api_key=frozen_youtube.api_key if api_key is None else api_key,
            endpoints=endpoints_of(frozen_youtube),
            store=relay_store or store,
            clock=relay_clock or frozen_clock,
            sink=relay_sink or sink,
            rand=lambda: 0.5,
            dispatch=dispatch,
        )
        made.append(relay)
        return relay

    yield factory
    for relay in made:
        await relay.stop()


TEN = timedelta(seconds=10)


async def advance_and_poll(
    relay: LiveRelay, frozen_clock: FrozenClock, by: timedelta = TEN
) -> timedelta:
    """Move frozen time on by ``by`` and run one poll; returns the delay the relay planned."""
    frozen_clock.advance(by)
    return await relay.poll_once()


# -- the relay's own loop: event time ten times faster ------------------------------------------------

LOOP_SPEED = 10.0


@pytest.fixture
def scaled_clock() -> ScaledClock:
    return ScaledClock(FROZEN_T0, speed=LOOP_SPEED)


@pytest.fixture
async def scaled_youtube(scaled_clock: ScaledClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=scaled_clock) as server:
        yield server


def running_relay(
    youtube: YouTubeStandIn,
    store: Store,
    sink: RecordingSink,
    clock: Clock,
    section: YouTubeSection | None = None,
) -> LiveRelay:
    """A relay for its own loop (``start``/``stop``), WebSub on loopback."""
    return build_relay(
        Watch(section or YouTubeSection(channel="@CCEISAY")),
        api_key=youtube.api_key,
        endpoints=endpoints_of(youtube, timeout=2.0),
        store=store,
        clock=clock,
        sink=sink,
    )


# -- end to end: the real bot, event time compressed ---------------------------------------------------

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
    """Event time for the end-to-end tests (the unit tests use ``frozen_clock``)."""
    return ScaledClock(T0, SPEED)


@pytest.fixture
async def youtube(clock: ScaledClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=clock, api_key=KEY, timeout_delay=0.5) as server:
        yield server


@pytest.fixture
def live_config(event_config: Config) -> Config:
    """The shipped event on the stand-in's server, polling fast."""
    return dataclasses.replace(event_config, youtube=FAST)


def with_discord(config: Config, **changes: Any) -> Config:
    return dataclasses.replace(config, discord=dataclasses.replace(config.discord, **changes))


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
    usage = await relay.store.usage(pacific_day(relay.clock.now()))
    assert usage.units == relay.api.ledger.used() == youtube.api_calls
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
