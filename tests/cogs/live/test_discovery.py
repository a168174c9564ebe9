"""Discovery: which videos the relay watches (configured id, feed, uploads playlist, unknown handle)."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.config import YouTubeSection
from bot.rehearsal.youtube_standin import YouTubeStandIn
from cogs.live._notices import ChannelNotFoundNotice
from cogs.live._state import Phase
from tests.cogs.live.conftest import (
    RecordingSink,
    RelayFactory,
    advance_and_poll,
    assert_ledger_matches,
)

VIDEO = "cceiLive001"


async def test_configured_video_id_without_channel(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.schedule(VIDEO, "Configured", frozen_clock.now() + timedelta(hours=2))
    relay = make_relay(youtube=YouTubeSection(video_id=VIDEO))
    await relay.poll_once()
    assert sink.names() == ["upcoming"]
    assert frozen_youtube.feed_calls == 0
    assert frozen_youtube.calls["channels.list"] == 0


async def test_feed_outage_keeps_broadcasts_and_falls_back_to_the_playlist(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    frozen_youtube.set_viewers(VIDEO, 5)
    relay = make_relay()
    await relay.poll_once()
    frozen_youtube.fail_next("feed", "500", times=10)
    frozen_youtube.fail_next("feed", "404", times=10)
    frozen_youtube.go_live("surprise001", title="Unscheduled")
    for index in range(6):
        frozen_youtube.set_viewers(VIDEO, 6 + index)
        await advance_and_poll(relay, frozen_clock)
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    assert sink.names().count("viewers") == 6
    # After three failed feed reads the uploads playlist (one unit) found the new stream.
    assert frozen_youtube.calls["playlistItems.list"] == 1
    assert "surprise001" in [b.video_id for b in sink.of("live")]
    await assert_ledger_matches(relay, frozen_youtube)


async def test_unknown_handle_is_told_once(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    relay = make_relay(youtube=YouTubeSection(channel="@nobodyhere"))
    for _ in range(3):
        await advance_and_poll(relay, frozen_clock)
    assert sink.notices == [ChannelNotFoundNotice("@nobodyhere")]
    assert frozen_youtube.calls["channels.list"] == 1
