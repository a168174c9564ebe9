"""WebSub through the running relay: subscribe, verify, signed and forged pushes, lease renewal."""

from __future__ import annotations

import socket
from datetime import timedelta

import aiohttp

from bot.clock import ScaledClock
from bot.config import YouTubeSection
from bot.rehearsal.youtube_standin import DEFAULT_CHANNEL_ID, YouTubeStandIn, topic_for
from bot.store import Store
from cogs.live._state import Phase
from tests.cogs.live.conftest import RecordingSink, running_relay


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_websub_subscribe_verify_push_and_ignore_bad_signatures(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    sink = RecordingSink()
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY",
        websub_callback_url=f"http://127.0.0.1:{port}/websub/youtube",
        websub_port=port,
    )
    relay = running_relay(scaled_youtube, store, sink, scaled_clock, youtube)
    await relay.start()
    try:
        requests = await scaled_youtube.hub.wait_for_verifications(1)
        assert requests[0].verified, requests[0].notes
        assert requests[0].topic == topic_for(DEFAULT_CHANNEL_ID)
        assert requests[0].secret  # signed pushes
        websub = relay.discovery.websub
        assert websub is not None
        assert relay.status().websub_expires_at is not None  # set when the hub verified
        async with relay._poll_lock:  # the first poll is over: the relay sleeps for poll_idle
            assert relay.status().mode == "idle"

        # A forged push: answered 2xx and ignored (the handler ran before it answered).
        scaled_youtube.schedule("pushed00001", "Pushed", scaled_clock.now() + timedelta(hours=5))
        api_calls = scaled_youtube.api_calls
        assert await scaled_youtube.push("pushed00001", signature="bad") == [202]
        assert await scaled_youtube.push("pushed00001", signature="missing") == [202]
        assert (websub.rejected, websub.notifications) == (2, 0)
        assert scaled_youtube.api_calls == api_calls
        assert "pushed00001" not in relay.broadcasts

        # A signed push wakes the relay at once; videos.list confirms the state.
        assert await scaled_youtube.push("pushed00001") == [204]
        await sink.wait_for(lambda: "upcoming" in sink.names(), within=3.0)
        assert relay.broadcasts["pushed00001"].phase is Phase.UPCOMING
        assert scaled_youtube.api_calls == api_calls + 1
        # A deletion push is only a hint too: it wakes a poll, which does not end anything.
        scaled_youtube.delete("pushed00001")
        feed_calls = scaled_youtube.feed_calls
        assert await scaled_youtube.push_deleted("pushed00001") == [204]
        await scaled_youtube.wait_until(lambda: scaled_youtube.feed_calls > feed_calls)
        async with relay._poll_lock:  # the woken poll is over
            assert relay.broadcasts["pushed00001"].phase is Phase.UPCOMING
        assert sink.names() == ["upcoming"]
    finally:
        await relay.stop()


async def test_websub_lease_is_renewed_before_it_ends(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    scaled_youtube.hub.max_lease = timedelta(seconds=10)  # the hub grants 10 s of event time
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY",
        websub_callback_url=f"http://127.0.0.1:{port}/hook",
        websub_port=port,
        poll_idle=timedelta(seconds=2),
        poll_active=timedelta(seconds=2),
    )
    relay = running_relay(scaled_youtube, store, RecordingSink(), scaled_clock, youtube)
    await relay.start()
    try:
        # Renewal at 80% of the lease, i.e. about every 8 s of event time (0.8 s real).
        requests = await scaled_youtube.hub.wait_for_verifications(3, within=8.0)
        assert all(r.verified for r in requests)
        assert scaled_youtube.hub.active(topic_for(DEFAULT_CHANNEL_ID))
    finally:
        await relay.stop()


async def test_a_challenge_for_another_topic_is_refused(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    port = free_port()
    youtube = YouTubeSection(
        channel="@CCEISAY", websub_callback_url=f"http://127.0.0.1:{port}/cb", websub_port=port
    )
    relay = running_relay(scaled_youtube, store, RecordingSink(), scaled_clock, youtube)
    await relay.start()
    try:
        await scaled_youtube.hub.wait_for_verifications(1)
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
