"""Fixtures for the live relay: the YouTube stand-in, a store in tmp_path, a recording sink."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.clock import Clock, FrozenClock
from bot.config import YouTubeSection
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.store import Store
from cogs.live._quota import EventWindow
from cogs.live._relay import LiveRelay, NoticeKind
from cogs.live._state import Broadcast, MessageRef, Summary

# 2022-12-15 12:00 KST, an hour before the event's first session (03:00 UTC).
T0 = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)
EVENT_WINDOW = EventWindow(
    datetime(2022, 12, 15, 4, 0, tzinfo=UTC), datetime(2022, 12, 15, 7, 30, tzinfo=UTC)
)


@dataclass
class RecordingSink:
    """Implements LiveSink; records every call. ``fail`` makes the named method raise once."""

    calls: list[tuple[str, Any]] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    notices: list[tuple[NoticeKind, dict[str, str]]] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)
    next_message_id: int = 1000
    live_times: list[float] = field(default_factory=list)
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

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self._record("upcoming", broadcast)
        self.next_message_id += 1
        return [MessageRef(10, self.next_message_id)]

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self._record("live", broadcast)
        self.live_times.append(time.monotonic())
        self.next_message_id += 1
        return [MessageRef(10, self.next_message_id)]

    async def on_viewers(self, broadcast: Broadcast) -> None:
        self._record("viewers", broadcast)

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        self._record("ended", broadcast)
        self.summaries.append(summary)

    async def on_vanished(self, broadcast: Broadcast) -> None:
        self._record("vanished", broadcast)

    async def on_moderator_notice(self, kind: NoticeKind, details: Mapping[str, str]) -> None:
        self._record("notice", kind)
        self.notices.append((kind, dict(details)))

    async def wait_for(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(T0)


@pytest.fixture
async def standin(clock: FrozenClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=clock, timeout_delay=1.0) as server:
        yield server


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


RelayFactory = Callable[..., LiveRelay]


@pytest.fixture
async def make_relay(
    standin: YouTubeStandIn, store: Store, sink: RecordingSink, clock: FrozenClock
) -> AsyncIterator[RelayFactory]:
    made: list[LiveRelay] = []

    def factory(
        *,
        youtube: YouTubeSection | None = None,
        relay_store: Store | None = None,
        relay_clock: Clock | None = None,
        relay_sink: RecordingSink | None = None,
        window: EventWindow | None = EVENT_WINDOW,
        api_key: str | None = None,
        **kwargs: Any,
    ) -> LiveRelay:
        relay = LiveRelay(
            youtube=youtube or YouTubeSection(channel="@CCEISAY"),
            store=relay_store or store,
            clock=relay_clock or clock,
            sink=relay_sink or sink,
            api_key=standin.api_key if api_key is None else api_key,
            api_base=standin.api_base,
            feed_base=standin.feed_base,
            window=window,
            http_timeout=kwargs.pop("http_timeout", 0.5),
            rand=kwargs.pop("rand", lambda: 0.5),
            **kwargs,
        )
        made.append(relay)
        return relay

    yield factory
    for relay in made:
        await relay.stop()
