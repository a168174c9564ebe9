"""LiveRelay end to end against the YouTube stand-in: real google-api-python-client, real SQLite.

Time is a FrozenClock shared with the stand-in and each poll is run explicitly (``poll_once``), so
every scenario is deterministic; test_relay_loop.py covers the running loop.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.clock import FrozenClock
from bot.config import YouTubeSection
from bot.rehearsal.youtube_standin import DEFAULT_CHANNEL_ID, YouTubeStandIn
from bot.store import Store
from cogs.live._chart import PNG_SIGNATURE
from cogs.live._quota import next_reset, pacific_day
from cogs.live._relay import LiveRelay
from cogs.live._state import MessageRef, Phase
from tests.live.conftest import EVENT_WINDOW, RecordingSink, RelayFactory

VIDEO = "cceiLive001"
TEN = timedelta(seconds=10)


async def poll(relay: LiveRelay, clock: FrozenClock, advance: timedelta = TEN) -> timedelta:
    clock.advance(advance)
    return await relay.poll_once()


async def assert_ledger_matches(relay: LiveRelay, standin: YouTubeStandIn) -> None:
    """Every request the stand-in received was charged, and nothing else."""
    usage = await relay.repo.usage(pacific_day(relay.clock.now()))
    assert usage.units == relay.ledger.used() == standin.api_calls
    assert usage.by_method == dict(standin.calls)
    assert standin.search_calls == 0


async def test_upcoming_live_viewers_ended_with_summary_and_chart(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.upload("oldUpload01", "An old upload", clock.now() - timedelta(days=30))
    standin.schedule(VIDEO, "2022 CCEI 공동 오픈이노베이션", clock.now() + timedelta(minutes=30))
    relay = make_relay()

    delay = await relay.poll_once()
    assert sink.names() == ["upcoming"]
    upcoming = sink.of("upcoming")[0]
    assert upcoming.video_id == VIDEO
    assert upcoming.scheduled_start == clock.now() + timedelta(minutes=30)
    assert delay == TEN  # upcoming within the hour: fast polling
    assert relay.status().upcoming[0].video_id == VIDEO

    clock.advance(timedelta(minutes=30))
    standin.go_live(VIDEO)
    standin.set_viewers(VIDEO, 12)
    await poll(relay, clock, timedelta(0))
    assert sink.names() == ["upcoming", "live"]
    assert sink.of("live")[0].viewers == 12
    live_refs = relay.broadcasts[VIDEO].live_messages
    assert live_refs == (MessageRef(10, 1002),)

    standin.set_viewers(VIDEO, 30)
    await poll(relay, clock)
    await poll(relay, clock)  # unchanged count: no edit
    standin.set_viewers(VIDEO, 25)
    await poll(relay, clock)
    edits = sink.of("viewers")
    assert [b.viewers for b in edits] == [30, 25]
    assert all(b.live_messages == live_refs for b in edits)
    status = relay.status()
    assert status.live[0].viewers == 25
    assert status.mode == "active"

    clock.advance(timedelta(hours=3))
    standin.end(VIDEO, content="live")  # actualEndTime set while the content still lags
    await poll(relay, clock, timedelta(0))
    assert sink.names()[-1] == "ended"
    summary = sink.summaries[0]
    assert summary.peak == 30
    assert summary.duration == timedelta(hours=3, seconds=30)
    assert summary.average is not None
    assert 25 <= summary.average <= 30
    assert summary.chart_png is not None
    assert summary.chart_png.startswith(PNG_SIGNATURE)
    assert relay.broadcasts[VIDEO].phase is Phase.ENDED

    # The VOD becomes available (and shows up in the feed again): nothing more is said.
    standin.make_vod(VIDEO)
    calls_before = standin.api_calls
    for _ in range(3):
        await poll(relay, clock)
    assert sink.names() == ["upcoming", "live", "viewers", "viewers", "ended"]
    assert standin.api_calls == calls_before  # nothing left to ask about
    assert standin.calls["channels.list"] == 1
    await assert_ledger_matches(relay, standin)


async def test_500_and_quota_exceeded_mid_stream_cause_no_crash_and_no_false_end(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO, title="CCEI live")
    standin.set_viewers(VIDEO, 100)
    relay = make_relay()
    await relay.poll_once()
    assert sink.names() == ["live"]

    # A 500: no state change, quick retry (backoff capped at poll_active), then recovery.
    standin.fail_next("videos", "backendError")
    delay = await poll(relay, clock)
    assert relay.status().mode == "backoff"
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    assert timedelta(0) < delay <= TEN
    assert "500" in (relay.status().last_error or "")
    standin.set_viewers(VIDEO, 150)
    await poll(relay, clock, delay)
    assert sink.of("viewers")[-1].viewers == 150
    assert relay.status().mode == "active"

    # A 503 and a 429 in a row back off further; the stream stays live.
    standin.fail_next("videos", "serviceUnavailable")
    standin.fail_next("videos", "tooManyRequests")
    first = await poll(relay, clock)
    second = await poll(relay, clock, first)
    assert second >= first
    await poll(relay, clock, second)
    assert relay.status().mode == "active"

    # quotaExceeded: moderators are told once, API calls stop but for one probe per quota_probe.
    standin.exhaust_quota()
    await poll(relay, clock)
    assert sink.notices[-1][0] == "quota_exceeded"
    assert relay.status().mode == "quota_exceeded"
    api_calls, feed_calls = standin.api_calls, standin.feed_calls
    for _ in range(20):  # 200 s: under the 5-minute probe interval
        await poll(relay, clock)
    assert standin.api_calls == api_calls
    assert standin.feed_calls == feed_calls + 20  # the free feed is still read
    # A new video appears meanwhile: the feed finds it, it waits for the API.
    standin.schedule("nextStream1", "Next", clock.now() + timedelta(hours=2))
    await poll(relay, clock)
    assert relay.broadcasts["nextStream1"].phase is Phase.NEW

    await poll(relay, clock, timedelta(minutes=5))  # one probe, still exhausted
    assert standin.api_calls == api_calls + 1
    assert [n for n, _ in sink.notices].count("quota_exceeded") == 1

    standin.restore_quota()
    standin.set_viewers(VIDEO, 90)
    await poll(relay, clock, timedelta(minutes=5))  # the probe succeeds
    assert sink.notices[-1][0] == "quota_restored"
    assert relay.status().mode == "active"
    assert relay.broadcasts["nextStream1"].phase is Phase.UPCOMING
    assert sink.of("viewers")[-1].viewers == 90

    assert "ended" not in sink.names()
    assert sink.names().count("live") == 1
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    await assert_ledger_matches(relay, standin)


async def test_quota_block_lifts_at_pacific_midnight(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    relay = make_relay()
    await relay.poll_once()
    standin.exhaust_quota()
    await poll(relay, clock)
    assert relay.status().mode == "quota_exceeded"
    blocked_day = pacific_day(clock.now())
    standin.restore_quota()
    # Jump to one second after the reset: the block lifts without waiting for a probe.
    clock.set(next_reset(clock.now()) + timedelta(seconds=1))
    assert pacific_day(clock.now()) != blocked_day
    calls = standin.api_calls
    await relay.poll_once()
    assert standin.api_calls == calls + 1
    assert relay.status().mode == "active"
    assert relay.status().units_used == 1  # a fresh day in the ledger


async def test_restart_while_live_keeps_editing_the_same_message(
    standin: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    clock: FrozenClock,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    store = await Store.open(data_dir)
    standin.go_live(VIDEO, title="CCEI live")
    standin.set_viewers(VIDEO, 40)
    first = make_relay(relay_store=store)
    await first.poll_once()
    await poll(first, clock)
    refs = first.broadcasts[VIDEO].live_messages
    assert sink.names() == ["live"]
    await first.stop()
    await store.close()

    # A new process: new store connection on the same data dir, new relay, new sink.
    reopened = await Store.open(data_dir)
    after = RecordingSink()
    second = make_relay(relay_store=reopened, relay_sink=after)
    await poll(second, clock)
    # Not announced again; one refresh of the same message (restores presence too).
    assert after.names() == ["viewers"]
    assert after.of("viewers")[0].live_messages == refs
    standin.set_viewers(VIDEO, 55)
    await poll(second, clock)
    assert after.names() == ["viewers", "viewers"]
    assert standin.calls["channels.list"] == 1  # the resolved channel was cached in SQLite
    standin.end(VIDEO)
    await poll(second, clock)
    assert after.names()[-1] == "ended"
    # Samples from before the restart count for the summary.
    assert after.summaries[0].peak == 55
    assert len(after.summaries[0].samples) == 4
    assert second.ledger.used() == standin.api_calls
    await second.stop()
    await reopened.close()


async def test_only_streams_are_announced_and_old_vods_never(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    for index in range(5):
        standin.upload(f"upload{index:05d}", "upload", clock.now() - timedelta(days=index + 1))
    standin.go_live("pastStream1", clock.now() - timedelta(days=7), title="Last week")
    standin.end("pastStream1", clock.now() - timedelta(days=7) + timedelta(hours=2))
    standin.make_vod("pastStream1")
    relay = make_relay()
    await relay.poll_once()
    calls = standin.api_calls
    assert calls == 2  # channels.list + one videos.list for all 6 feed entries
    for _ in range(5):
        await poll(relay, clock)
    assert sink.calls == []
    assert standin.api_calls == calls  # everything is settled: nothing to poll
    assert {b.phase for b in relay.broadcasts.values()} == {Phase.NOT_LIVE, Phase.ENDED}


async def test_premiere_is_announced_as_a_premiere(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.schedule("premiere001", "Highlights", clock.now() + timedelta(hours=3), premiere=True)
    relay = make_relay()
    await relay.poll_once()
    assert sink.of("upcoming")[0].premiere
    standin.go_live("premiere001")
    await poll(relay, clock, timedelta(hours=3))
    assert sink.of("live")[0].premiere


async def test_configured_video_id_without_channel(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.schedule(VIDEO, "Configured", clock.now() + timedelta(hours=2))
    relay = make_relay(youtube=YouTubeSection(video_id=VIDEO))
    await relay.poll_once()
    assert sink.names() == ["upcoming"]
    assert standin.feed_calls == 0
    assert standin.calls["channels.list"] == 0


async def test_bad_key_is_reported_once_with_what_to_fix(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    relay = make_relay(api_key="AIzaWRONGKEY", youtube=YouTubeSection(channel=DEFAULT_CHANNEL_ID))
    await relay.poll_once()
    for _ in range(30):  # five minutes of fast polls
        await poll(relay, clock)
    kinds = [k for k, _ in sink.notices]
    assert kinds == ["bad_key"]
    assert "API key not valid" in sink.notices[0][1]["message"]
    assert "YOUTUBE_API_KEY" in sink.notices[0][1]["fix"]
    assert "AIzaWRONGKEY" not in str(sink.notices)
    assert relay.status().mode == "bad_key"
    # Retried at most once per five minutes, not every poll.
    assert standin.api_calls <= 2
    assert relay.ledger.used() == standin.api_calls


async def test_disabled_api_is_reported_once_and_recovers(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    standin.disable_api()
    relay = make_relay(youtube=YouTubeSection(channel=DEFAULT_CHANNEL_ID))
    await relay.poll_once()
    await poll(relay, clock)
    assert [k for k, _ in sink.notices] == ["api_disabled"]
    assert relay.status().mode == "api_disabled"
    standin.enable_api()
    await poll(relay, clock, timedelta(minutes=5))
    assert sink.names()[-1] == "live"
    assert relay.status().mode == "active"


async def test_daily_budget_is_never_exceeded(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    relay = make_relay(youtube=YouTubeSection(channel="@CCEISAY", daily_quota=6))
    for _ in range(20):
        await poll(relay, clock)
    assert standin.api_calls == 6
    assert relay.ledger.used() == 6
    status = relay.status()
    assert status.units_left == 0
    assert status.mode == "budget_exhausted"
    assert [k for k, _ in sink.notices] == ["budget_exhausted"]
    assert standin.feed_calls == 20  # still watching the free feed
    assert "ended" not in sink.names()


async def test_feed_outage_keeps_broadcasts_and_falls_back_to_the_playlist(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    standin.set_viewers(VIDEO, 5)
    relay = make_relay()
    await relay.poll_once()
    standin.fail_next("feed", "500", times=10)
    standin.fail_next("feed", "404", times=10)
    standin.go_live("surprise001", title="Unscheduled")
    for index in range(6):
        standin.set_viewers(VIDEO, 6 + index)
        await poll(relay, clock)
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE
    assert sink.names().count("viewers") == 6
    # After three failed feed reads the uploads playlist (one unit) found the new stream.
    assert standin.calls["playlistItems.list"] == 1
    assert "surprise001" in [b.video_id for b in sink.of("live")]
    await assert_ledger_matches(relay, standin)


async def test_a_deleted_stream_vanishes_without_a_false_end(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    relay = make_relay()
    await relay.poll_once()
    standin.delete(VIDEO)
    await poll(relay, clock)
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE  # briefly missing: nothing happens
    standin.undelete(VIDEO)
    await poll(relay, clock)
    standin.delete(VIDEO)
    await poll(relay, clock)
    await poll(relay, clock, timedelta(minutes=31))
    assert sink.names() == ["live", "vanished"]
    assert "ended" not in sink.names()


async def test_a_failed_announcement_is_retried_not_lost_or_doubled(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    sink.fail.add("live")
    relay = make_relay()
    await relay.poll_once()
    assert sink.names() == []
    await poll(relay, clock)
    await poll(relay, clock)
    assert sink.names() == ["live"]


async def test_an_end_the_sink_failed_to_take_is_owed_again_without_asking_youtube(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    standin.go_live(VIDEO)
    standin.set_viewers(VIDEO, 40)
    relay = make_relay()
    await relay.poll_once()
    standin.end(VIDEO)
    sink.fail.add("ended")
    await poll(relay, clock)
    assert "ended" not in sink.names()
    assert relay.broadcasts[VIDEO].phase is Phase.ENDED
    calls = standin.api_calls
    await poll(relay, clock)
    assert sink.names().count("ended") == 1
    assert sink.summaries[0].peak == 40
    for _ in range(3):
        await poll(relay, clock)
    assert sink.names().count("ended") == 1
    assert standin.api_calls == calls  # a finished broadcast is never asked about again
    stored = {b.video_id: b for b in await relay.repo.broadcasts()}
    assert stored[VIDEO].ended_announced


async def test_not_configured_does_nothing(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink
) -> None:
    relay = make_relay(youtube=YouTubeSection())
    assert await relay.poll_once() == YouTubeSection().poll_idle
    assert relay.status().mode == "not_configured"
    no_key = make_relay(api_key="")
    await no_key.poll_once()
    assert no_key.status().mode == "not_configured"
    assert standin.api_calls == 0
    assert sink.calls == []


async def test_unknown_handle_is_told_once(
    standin: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink, clock: FrozenClock
) -> None:
    relay = make_relay(youtube=YouTubeSection(channel="@nobodyhere"))
    for _ in range(3):
        await poll(relay, clock)
    assert [k for k, _ in sink.notices] == ["channel_not_found"]
    assert standin.calls["channels.list"] == 1


async def test_idle_polling_outside_the_window(
    standin: YouTubeStandIn, make_relay: RelayFactory, clock: FrozenClock
) -> None:
    standin.schedule(VIDEO, "Tomorrow", clock.now() + timedelta(days=1, hours=2))
    relay = make_relay(window=None)
    delay = await relay.poll_once()
    assert delay == timedelta(minutes=5)
    assert relay.status().mode == "idle"
    # An hour before the scheduled start, the relay wakes up and polls fast.
    clock.advance(timedelta(days=1, hours=1, minutes=3))
    delay = await relay.poll_once()
    assert delay == TEN


async def test_inside_the_window_a_far_broadcast_is_checked_at_the_idle_rate(
    standin: YouTubeStandIn, make_relay: RelayFactory, clock: FrozenClock
) -> None:
    clock.set(EVENT_WINDOW.start)  # the window is on: fast ticks
    standin.schedule(VIDEO, "Tomorrow's stream", clock.now() + timedelta(days=1))
    relay = make_relay()
    await relay.poll_once()
    videos_calls = standin.calls["videos.list"]
    for _ in range(29):  # 290 s of fast ticks
        assert await poll(relay, clock) == TEN
    assert standin.calls["videos.list"] == videos_calls
    assert standin.feed_calls == 30  # the free feed is read every tick
    await poll(relay, clock)  # 300 s after the last check
    assert standin.calls["videos.list"] == videos_calls + 1
