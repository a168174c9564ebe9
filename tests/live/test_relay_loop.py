"""The relay's own loop and WebSub, with event time compressed (ScaledClock) instead of long sleeps."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import aiohttp
import pytest

from bot.clock import ScaledClock
from bot.config import YouTubeSection
from bot.lifecycle import SHUTDOWN_TIMEOUT
from bot.rehearsal.youtube_standin import (
    DEFAULT_CHANNEL_ID,
    YouTubeStandIn,
    audience,
    play_stream,
    topic_for,
)
from bot.store import Store
from cogs.live._relay import LiveRelay
from cogs.live._state import Broadcast, MessageRef, Phase
from cogs.schedule._feature import STOP_DRAIN_SECONDS
from tests.live.conftest import T0, RecordingSink

SPEED = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def scaled() -> ScaledClock:
    return ScaledClock(T0, speed=SPEED)


@pytest.fixture
async def fast_standin(scaled: ScaledClock) -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=scaled) as server:
        yield server


def relay_for(
    standin: YouTubeStandIn,
    store: Store,
    sink: RecordingSink,
    clock: ScaledClock,
    youtube: YouTubeSection | None = None,
) -> LiveRelay:
    return LiveRelay(
        youtube=youtube or YouTubeSection(channel="@CCEISAY"),
        store=store,
        clock=clock,
        sink=sink,
        api_key=standin.api_key,
        api_base=standin.api_base,
        feed_base=standin.feed_base,
        websub_hub_url=standin.hub_url,
        websub_host="127.0.0.1",
        http_timeout=2.0,
    )


async def test_loop_detects_go_live_within_one_poll(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    sink = RecordingSink()
    fast_standin.schedule("cceiLive001", "CCEI", scaled.now() + timedelta(minutes=20))
    relay = relay_for(fast_standin, store, sink, scaled)
    await relay.start()
    try:
        await sink.wait_for(lambda: "upcoming" in sink.names())
        await asyncio.sleep(0.37)  # somewhere inside a poll interval
        fast_standin.go_live("cceiLive001")
        went_live = time.monotonic()
        await sink.wait_for(lambda: "live" in sink.names())
        latency = (sink.live_times[0] - went_live) * SPEED
        # One poll interval (10 s of event time) plus generous slack for a loaded machine.
        assert latency <= 10 + 3, latency
        status = relay.status()
        assert status.mode == "active"
        assert status.next_poll is not None
        assert status.last_success is not None
    finally:
        await relay.stop()
    assert relay.status().mode == "stopped"
    assert fast_standin.search_calls == 0
    assert relay.ledger.used() == fast_standin.api_calls


async def test_loop_survives_a_failing_poll(
    fast_standin: YouTubeStandIn,
    store: Store,
    scaled: ScaledClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = RecordingSink()
    fast_standin.go_live("cceiLive001")
    relay = relay_for(fast_standin, store, sink, scaled)
    original = relay._discover
    failures = {"left": 2}

    async def flaky(now: object) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("database is locked (test)")
        await original(now)  # type: ignore[arg-type]

    monkeypatch.setattr(relay, "_discover", flaky)
    with caplog.at_level(logging.ERROR):
        await relay.start()
        try:
            await sink.wait_for(lambda: "live" in sink.names())
        finally:
            await relay.stop()
    assert "poll failed" in caplog.text
    assert failures["left"] == 0


async def test_hint_wakes_an_idle_relay(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    sink = RecordingSink()
    # Nothing in the feed, outside any window: the relay sleeps poll_idle (5 min = 30 s real).
    relay = relay_for(fast_standin, store, sink, scaled)
    await relay.start()
    try:
        await asyncio.sleep(0.3)
        assert relay.status().mode == "idle"
        fast_standin.go_live("unlisted001", title="Unlisted")  # not in the feed... yet
        fast_standin.delete("unlisted001")
        fast_standin.undelete("unlisted001")
        relay.hint(["unlisted001"])
        await sink.wait_for(lambda: "live" in sink.names(), within=3.0)
    finally:
        await relay.stop()


async def test_websub_subscribe_verify_push_and_ignore_bad_signatures(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    sink = RecordingSink()
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY",
        websub_callback_url=f"http://127.0.0.1:{port}/websub/youtube",
        websub_port=port,
    )
    relay = relay_for(fast_standin, store, sink, scaled, youtube)
    await relay.start()
    try:
        requests = await fast_standin.hub.wait_for_verifications(1)
        assert requests[0].verified, requests[0].notes
        assert requests[0].topic == topic_for(DEFAULT_CHANNEL_ID)
        assert requests[0].secret  # signed pushes
        assert relay.websub is not None
        await sink.wait_for(lambda: relay.status().websub_expires_at is not None, within=2.0)
        await asyncio.sleep(0.2)
        assert relay.status().mode == "idle"

        # A forged push: answered 2xx, ignored, no poll.
        fast_standin.schedule("pushed00001", "Pushed", scaled.now() + timedelta(hours=5))
        api_calls = fast_standin.api_calls
        assert await fast_standin.push("pushed00001", signature="bad") == [202]
        assert await fast_standin.push("pushed00001", signature="missing") == [202]
        await asyncio.sleep(0.3)
        assert relay.websub.rejected == 2
        assert fast_standin.api_calls == api_calls
        assert "pushed00001" not in relay.broadcasts

        # A signed push wakes the relay at once; videos.list confirms the state.
        assert await fast_standin.push("pushed00001") == [204]
        await sink.wait_for(lambda: "upcoming" in sink.names(), within=3.0)
        assert relay.broadcasts["pushed00001"].phase is Phase.UPCOMING
        assert fast_standin.api_calls == api_calls + 1
        # A deletion push is only a hint too: missing is not ended.
        fast_standin.delete("pushed00001")
        assert await fast_standin.push_deleted("pushed00001") == [204]
        await asyncio.sleep(0.3)
        assert relay.broadcasts["pushed00001"].phase is Phase.UPCOMING
    finally:
        await relay.stop()


async def test_websub_lease_is_renewed_before_it_ends(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    fast_standin.hub.max_lease = timedelta(seconds=10)  # the hub grants 10 s of event time
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY",
        websub_callback_url=f"http://127.0.0.1:{port}/hook",
        websub_port=port,
        poll_idle=timedelta(seconds=2),
        poll_active=timedelta(seconds=2),
    )
    relay = relay_for(fast_standin, store, RecordingSink(), scaled, youtube)
    await relay.start()
    try:
        # Renewal at 80% of the lease, i.e. about every 8 s of event time (0.8 s real).
        requests = await fast_standin.hub.wait_for_verifications(3, within=8.0)
        assert all(r.verified for r in requests)
        assert fast_standin.hub.active(topic_for(DEFAULT_CHANNEL_ID))
    finally:
        await relay.stop()


async def test_a_challenge_for_another_topic_is_refused(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY", websub_callback_url=f"http://127.0.0.1:{port}/cb", websub_port=port
    )
    relay = relay_for(fast_standin, store, RecordingSink(), scaled, youtube)
    await relay.start()
    try:
        await fast_standin.hub.wait_for_verifications(1)
        async with aiohttp.ClientSession() as session:
            params = {
                "hub.mode": "subscribe",
                "hub.topic": topic_for("UCsomeoneElse00000000000"),
                "hub.challenge": "abc",
            }
            async with session.get(f"http://127.0.0.1:{port}/cb", params=params) as response:
                assert response.status == 404
    finally:
        await relay.stop()


async def test_a_scripted_afternoon_end_to_end(store: Store) -> None:
    """The rehearsal script against the running relay: one of everything, in order, nothing twice."""
    clock = ScaledClock(T0, speed=900)  # fifteen minutes of event time per real second
    sink = RecordingSink()
    async with YouTubeStandIn(clock=clock) as standin:
        youtube = YouTubeSection(
            channel="@CCEISAY", poll_active=timedelta(seconds=30), poll_idle=timedelta(minutes=5)
        )
        relay = relay_for(standin, store, sink, clock, youtube)
        await relay.start()
        try:
            start = clock.now() + timedelta(minutes=10)
            await play_stream(
                standin,
                clock,
                video_id="rehearsal01",
                title="Rehearsal",
                starts_at=start,
                ends_at=start + timedelta(minutes=20),
                peak=500,
                viewer_step=timedelta(minutes=1),
                make_vod_after=timedelta(minutes=2),
            )
            await sink.wait_for(lambda: "ended" in sink.names(), within=3.0)
            await asyncio.sleep(0.2)  # a few more polls after the VOD appeared
        finally:
            await relay.stop()
        names = sink.names()
        assert names[:2] == ["upcoming", "live"]
        assert names[-1] == "ended"
        assert names.count("viewers") >= 5
        summary = sink.summaries[0]
        assert summary.peak is not None
        assert 400 <= summary.peak <= 520
        assert summary.chart_png is not None
        assert standin.search_calls == 0
        assert relay.ledger.used() == standin.api_calls


def test_audience_curve() -> None:
    assert audience(0, 1000) == 0
    assert audience(0.5, 1000) > 900
    assert audience(1.0, 1000) < audience(0.5, 1000)


class _GatedSink(RecordingSink):
    """on_live waits for ``gate``: a Discord post still in flight when the relay is told to stop."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self.entered.set()
        await self.gate.wait()
        return await super().on_live(broadcast)


async def test_stop_lets_a_poll_in_progress_finish_and_record_its_messages(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    sink = _GatedSink()
    fast_standin.go_live("cceiLive001")
    relay = relay_for(fast_standin, store, sink, scaled)
    await relay.start()
    await asyncio.wait_for(sink.entered.wait(), 5.0)
    stopping = asyncio.create_task(relay.stop())
    await asyncio.sleep(0)  # stop() is now waiting for the poll
    assert not stopping.done()
    sink.gate.set()
    await asyncio.wait_for(stopping, 5.0)
    saved = {b.video_id: b for b in await relay.repo.broadcasts()}["cceiLive001"]
    assert saved.live_announced
    assert saved.live_messages == (MessageRef(10, sink.next_message_id),)


async def test_stop_cuts_a_hung_poll_short_after_the_grace(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    sink = _GatedSink()  # the gate never opens
    fast_standin.go_live("cceiLive001")
    relay = relay_for(fast_standin, store, sink, scaled)
    await relay.start()
    await asyncio.wait_for(sink.entered.wait(), 5.0)
    await asyncio.wait_for(relay.stop(grace=0.2), 2.0)
    assert relay.status().mode == "stopped"


async def test_a_hung_poll_leaves_the_rest_of_the_shutdown_its_time(
    fast_standin: YouTubeStandIn, store: Store, scaled: ScaledClock
) -> None:
    """The bot must close within SHUTDOWN_TIMEOUT (the CLI promises an exit within 5 s); the
    schedule's drain of a reminder post under way takes its share of that, so the relay's default
    grace must fit in the rest."""
    sink = _GatedSink()  # the gate never opens
    fast_standin.go_live("cceiLive001")
    relay = relay_for(fast_standin, store, sink, scaled)
    await relay.start()
    await asyncio.wait_for(sink.entered.wait(), 5.0)
    await asyncio.wait_for(relay.stop(), SHUTDOWN_TIMEOUT - STOP_DRAIN_SECONDS - 0.25)
    assert relay.status().mode == "stopped"
