"""LiveRelay against the YouTube stand-in: real google-api-python-client, real SQLite.

Most tests freeze time (a FrozenClock shared with the stand-in) and run each poll explicitly
(``poll_once``), so every scenario is deterministic; the last ones run the relay's own loop with
event time compressed (ScaledClock) and wait on what the sink or the stand-in recorded.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock, ScaledClock
from bot.config import YouTubeSection
from bot.lifecycle import SHUTDOWN_TIMEOUT
from bot.rehearsal.youtube_standin import YouTubeStandIn, play_stream
from bot.services import StreamRecord, ViewerCount
from bot.store import Store
from cogs.live._chart import PNG_SIGNATURE
from cogs.live._notices import RecordingUnavailableNotice
from cogs.live._relay import STOP_GRACE
from cogs.live._state import Broadcast, MessageRef, Phase
from cogs.schedule._feature import STOP_DRAIN_SECONDS
from tests.cogs.live.conftest import (
    FROZEN_T0,
    PROGRAM_WINDOW,
    TEN,
    RecordingSink,
    RelayFactory,
    advance_and_poll,
    assert_ledger_matches,
    running_relay,
)

VIDEO = "cceiLive001"


async def test_upcoming_live_viewers_ended_with_summary_and_chart(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.upload("oldUpload01", "An old upload", frozen_clock.now() - timedelta(days=30))
    frozen_youtube.schedule(
        VIDEO, "2022 CCEI 공동 오픈이노베이션", frozen_clock.now() + timedelta(minutes=30)
    )
    relay = make_relay()

    delay = await relay.poll_once()
    assert sink.names() == ["upcoming"]
    upcoming = sink.of("upcoming")[0]
    assert upcoming.video_id == VIDEO
    assert upcoming.scheduled_start == frozen_clock.now() + timedelta(minutes=30)
    assert delay == TEN  # upcoming within the hour: fast polling
    assert relay.status().upcoming[0].video_id == VIDEO

    frozen_clock.advance(timedelta(minutes=30))
    frozen_youtube.go_live(VIDEO)
    frozen_youtube.set_viewers(VIDEO, 12)
    await advance_and_poll(relay, frozen_clock, timedelta(0))
    assert sink.names() == ["upcoming", "live"]
    assert sink.of("live")[0].viewers == 12
    live_refs = relay.broadcasts[VIDEO].live_messages
    assert live_refs == (MessageRef(10, 1002),)

    frozen_youtube.set_viewers(VIDEO, 30)
    await advance_and_poll(relay, frozen_clock)
    await advance_and_poll(relay, frozen_clock)  # unchanged count: no edit
    frozen_youtube.set_viewers(VIDEO, 25)
    await advance_and_poll(relay, frozen_clock)
    edits = sink.of("viewers")
    assert [b.viewers for b in edits] == [30, 25]
    assert all(b.live_messages == live_refs for b in edits)
    status = relay.status()
    assert status.live[0].viewers == 25
    assert status.mode == "active"

    frozen_clock.advance(timedelta(hours=3))
    frozen_youtube.end(VIDEO, content="live")  # actualEndTime set while the content still lags
    await advance_and_poll(relay, frozen_clock, timedelta(0))
    assert sink.names()[-1] == "ended"
    summary = sink.summaries[0]
    assert summary.peak == 30
    assert summary.duration == timedelta(hours=3, seconds=30)
    assert summary.average is not None
    assert 25 <= summary.average <= 30
    assert summary.chart_png is not None
    assert summary.chart_png.startswith(PNG_SIGNATURE)
    assert relay.broadcasts[VIDEO].phase is Phase.ENDED

    # The recording becomes available (and shows up in the feed again): nothing more is said,
    # and once the relay has seen it ready there is nothing left to ask about.
    frozen_youtube.make_recording_available(VIDEO)
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert relay.broadcasts[VIDEO].recording == "ready"
    calls_before = frozen_youtube.api_calls
    for _ in range(3):
        await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert sink.names() == ["upcoming", "live", "viewers", "viewers", "ended"]
    assert frozen_youtube.api_calls == calls_before
    assert frozen_youtube.calls["channels.list"] == 1
    await assert_ledger_matches(relay, frozen_youtube)


async def test_after_the_end_the_recording_is_checked_at_the_idle_rate_until_ready(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
    store: Store,
) -> None:
    told: list[tuple[str, StreamRecord]] = []
    frozen_youtube.upload("oldUpload01", "An old upload", frozen_clock.now() - timedelta(days=3))
    frozen_youtube.go_live(VIDEO, title="CCEI live")
    frozen_youtube.set_viewers(VIDEO, 40)
    relay = make_relay(relay_store=store, dispatch=lambda name, record: told.append((name, record)))
    await relay.poll_once()
    assert await relay.stream_record() == StreamRecord(
        VIDEO, frozen_clock.now(), samples=(ViewerCount(frozen_clock.now(), 40),)
    )
    frozen_clock.advance(timedelta(hours=1))
    end = frozen_clock.now()
    frozen_youtube.end(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    assert [name for name, _ in told] == ["stream_ended"]
    ended = told[0][1]
    assert (ended.actual_end, ended.recording) == (end, "processing")
    requests = len(frozen_youtube.requests)

    # Processing: one batched videos.list (with status) per poll_idle, not per fast poll.
    for _ in range(29):  # 4 min 50 s of fast polls inside the program window
        await advance_and_poll(relay, frozen_clock)
    assert frozen_youtube.requests[requests:] == []
    await advance_and_poll(relay, frozen_clock)
    asked = [params for method, params in frozen_youtube.requests[requests:]]
    assert asked == [
        {"part": "snippet,liveStreamingDetails,contentDetails,status", "id": VIDEO, "alt": "json"}
    ]
    assert relay.broadcasts[VIDEO].recording == "processing"
    assert told[1:] == []

    # A new relay on the same database (a restart) carries on: the state is in SQLite.
    await relay.stop()
    relay = make_relay(relay_store=store, dispatch=lambda name, record: told.append((name, record)))
    frozen_youtube.make_recording_available(VIDEO)
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert [name for name, _ in told] == ["stream_ended", "recording_ready"]
    ready = told[1][1]
    assert ready.recording == "ready"
    assert ready.replay_link == f"https://youtu.be/{VIDEO}"
    assert (await relay.stream_record()) == ready
    # Told once; nothing more to ask about.
    calls = frozen_youtube.api_calls
    for _ in range(3):
        await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert frozen_youtube.api_calls == calls
    assert len(told) == 2
    assert sink.names() == ["live", "ended"]
    await assert_ledger_matches(relay, frozen_youtube)


async def test_a_recording_not_ready_a_day_after_the_end_is_given_up(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    frozen_clock: FrozenClock,
    sink: RecordingSink,
    caplog: pytest.LogCaptureFixture,
) -> None:
    told: list[str] = []
    frozen_youtube.go_live(VIDEO)
    relay = make_relay(dispatch=lambda name, record: told.append(name))
    await relay.poll_once()
    frozen_clock.advance(timedelta(hours=1))
    frozen_youtube.end(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    await advance_and_poll(relay, frozen_clock, timedelta(hours=23, minutes=59))
    assert relay.broadcasts[VIDEO].recording == "processing"
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=1))
    assert relay.broadcasts[VIDEO].recording == "unavailable"
    assert "was not ready a day after the end" in caplog.text
    # Moderators are told: the replay post will not come by itself.
    assert sink.notices[-1] == RecordingUnavailableNotice(VIDEO, relay.broadcasts[VIDEO].title)
    calls = frozen_youtube.api_calls
    frozen_youtube.make_recording_available(VIDEO)  # too late: nobody is asking any more
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert frozen_youtube.api_calls == calls
    assert told == ["stream_ended"]
    record = await relay.stream_record()
    assert record is not None
    assert (record.recording, record.replay_link) == ("unavailable", None)


async def test_only_the_events_stream_is_dispatched(
    frozen_youtube: YouTubeStandIn, make_relay: RelayFactory, frozen_clock: FrozenClock
) -> None:
    """A test stream the day before the event ends and becomes a recording: no recap events."""
    told: list[str] = []
    day_before = frozen_clock.now() - timedelta(days=1)
    frozen_clock.set(day_before)
    frozen_youtube.go_live("testStream1", title="Sound check")
    relay = make_relay(dispatch=lambda name, record: told.append(name))
    await relay.poll_once()
    frozen_clock.advance(timedelta(minutes=10))
    frozen_youtube.end("testStream1")
    frozen_youtube.make_recording_available("testStream1")
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=5))
    assert relay.broadcasts["testStream1"].recording == "ready"
    assert told == ["stream_ended", "recording_ready"]  # the only stream so far: the event's
    told.clear()
    frozen_clock.set(day_before + timedelta(days=1, hours=1))
    frozen_youtube.go_live(VIDEO, title="The event")
    await relay.poll_once()
    frozen_youtube.end(VIDEO)
    await advance_and_poll(relay, frozen_clock, timedelta(hours=3))
    assert told == ["stream_ended"]
    record = await relay.stream_record()
    assert record is not None
    assert record.video_id == VIDEO


async def test_restart_while_live_keeps_editing_the_same_message(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    store = await Store.open(data_dir)
    frozen_youtube.go_live(VIDEO, title="CCEI live")
    frozen_youtube.set_viewers(VIDEO, 40)
    first = make_relay(relay_store=store)
    await first.poll_once()
    await advance_and_poll(first, frozen_clock)
    refs = first.broadcasts[VIDEO].live_messages
    assert sink.names() == ["live"]
    await first.stop()
    await store.close()

    # A new process: new store connection on the same data dir, new relay, new sink.
    reopened = await Store.open(data_dir)
    after = RecordingSink()
    second = make_relay(relay_store=reopened, relay_sink=after)
    await advance_and_poll(second, frozen_clock)
    # Not announced again; one refresh of the same message (restores presence too).
    assert after.names() == ["viewers"]
    assert after.of("viewers")[0].live_messages == refs
    frozen_youtube.set_viewers(VIDEO, 55)
    await advance_and_poll(second, frozen_clock)
    assert after.names() == ["viewers", "viewers"]
    assert frozen_youtube.calls["channels.list"] == 1  # the resolved channel was cached in SQLite
    frozen_youtube.end(VIDEO)
    await advance_and_poll(second, frozen_clock)
    assert after.names()[-1] == "ended"
    # Samples from before the restart count for the summary.
    assert after.summaries[0].peak == 55
    assert len(after.summaries[0].samples) == 4
    assert second.api.ledger.used() == frozen_youtube.api_calls
    await second.stop()
    await reopened.close()


async def test_only_streams_are_announced_and_old_vods_never(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    for index in range(5):
        frozen_youtube.upload(
            f"upload{index:05d}", "upload", frozen_clock.now() - timedelta(days=index + 1)
        )
    frozen_youtube.go_live("pastStream1", frozen_clock.now() - timedelta(days=7), title="Last week")
    frozen_youtube.end("pastStream1", frozen_clock.now() - timedelta(days=7) + timedelta(hours=2))
    frozen_youtube.make_recording_available("pastStream1")
    relay = make_relay()
    await relay.poll_once()
    calls = frozen_youtube.api_calls
    assert calls == 2  # channels.list + one videos.list for all 6 feed entries
    for _ in range(5):
        await advance_and_poll(relay, frozen_clock)
    assert sink.calls == []
    assert frozen_youtube.api_calls == calls  # everything is settled: nothing to poll
    assert {b.phase for b in relay.broadcasts.values()} == {Phase.NOT_LIVE, Phase.ENDED}


async def test_premiere_is_announced_as_a_premiere(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.schedule(
        "premiere001", "Highlights", frozen_clock.now() + timedelta(hours=3), premiere=True
    )
    relay = make_relay()
    await relay.poll_once()
    assert sink.of("upcoming")[0].premiere
    frozen_youtube.go_live("premiere001")
    await advance_and_poll(relay, frozen_clock, timedelta(hours=3))
    assert sink.of("live")[0].premiere


async def test_a_deleted_stream_vanishes_without_a_false_end(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    relay = make_relay()
    await relay.poll_once()
    frozen_youtube.delete(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    assert relay.broadcasts[VIDEO].phase is Phase.LIVE  # briefly missing: nothing happens
    frozen_youtube.undelete(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    frozen_youtube.delete(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    await advance_and_poll(relay, frozen_clock, timedelta(minutes=31))
    assert sink.names() == ["live", "vanished"]
    assert "ended" not in sink.names()


async def test_a_failed_announcement_is_retried_not_lost_or_doubled(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    sink.fail.add("live")
    relay = make_relay()
    await relay.poll_once()
    assert sink.names() == []
    await advance_and_poll(relay, frozen_clock)
    await advance_and_poll(relay, frozen_clock)
    assert sink.names() == ["live"]


async def test_an_end_the_sink_failed_to_take_is_owed_again_without_asking_youtube(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    sink: RecordingSink,
    frozen_clock: FrozenClock,
) -> None:
    frozen_youtube.go_live(VIDEO)
    frozen_youtube.set_viewers(VIDEO, 40)
    relay = make_relay()
    await relay.poll_once()
    frozen_youtube.end(VIDEO)
    sink.fail.add("ended")
    await advance_and_poll(relay, frozen_clock)
    assert "ended" not in sink.names()
    assert relay.broadcasts[VIDEO].phase is Phase.ENDED
    calls = frozen_youtube.api_calls
    await advance_and_poll(relay, frozen_clock)
    assert sink.names().count("ended") == 1
    assert sink.summaries[0].peak == 40
    for _ in range(3):
        await advance_and_poll(relay, frozen_clock)
    assert sink.names().count("ended") == 1
    assert frozen_youtube.api_calls == calls  # a finished broadcast is never asked about again
    stored = {b.video_id: b for b in await relay.store.broadcasts()}
    assert stored[VIDEO].ended_announced


async def test_not_configured_does_nothing(
    frozen_youtube: YouTubeStandIn, make_relay: RelayFactory, sink: RecordingSink
) -> None:
    relay = make_relay(youtube=YouTubeSection())
    assert await relay.poll_once() == YouTubeSection().poll_idle
    assert relay.status().mode == "not_configured"
    no_key = make_relay(api_key="")
    await no_key.poll_once()
    assert no_key.status().mode == "not_configured"
    assert frozen_youtube.api_calls == 0
    assert sink.calls == []


async def test_idle_polling_outside_the_window(
    frozen_youtube: YouTubeStandIn, make_relay: RelayFactory, frozen_clock: FrozenClock
) -> None:
    frozen_youtube.schedule(VIDEO, "Tomorrow", frozen_clock.now() + timedelta(days=1, hours=2))
    relay = make_relay(window=None)
    delay = await relay.poll_once()
    assert delay == timedelta(minutes=5)
    assert relay.status().mode == "idle"
    # An hour before the scheduled start, the relay wakes up and polls fast.
    frozen_clock.advance(timedelta(days=1, hours=1, minutes=3))
    delay = await relay.poll_once()
    assert delay == TEN


async def test_inside_the_window_a_far_broadcast_is_checked_at_the_idle_rate(
    frozen_youtube: YouTubeStandIn, make_relay: RelayFactory, frozen_clock: FrozenClock
) -> None:
    frozen_clock.set(PROGRAM_WINDOW.start)  # the window is on: fast ticks
    frozen_youtube.schedule(VIDEO, "Tomorrow's stream", frozen_clock.now() + timedelta(days=1))
    relay = make_relay()
    await relay.poll_once()
    videos_calls = frozen_youtube.calls["videos.list"]
    for _ in range(29):  # 290 s of fast ticks
        assert await advance_and_poll(relay, frozen_clock) == TEN
    assert frozen_youtube.calls["videos.list"] == videos_calls
    assert frozen_youtube.feed_calls == 30  # the free feed is read every tick
    await advance_and_poll(relay, frozen_clock)  # 300 s after the last check
    assert frozen_youtube.calls["videos.list"] == videos_calls + 1


async def test_stream_stages_log_at_info_and_viewer_counts_at_debug(
    frozen_youtube: YouTubeStandIn,
    make_relay: RelayFactory,
    frozen_clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="cogs.live")
    frozen_youtube.go_live(VIDEO, title="CCEI live")
    frozen_youtube.set_viewers(VIDEO, 10)
    relay = make_relay()
    await relay.poll_once()
    for viewers in (20, 30, 30):
        frozen_youtube.set_viewers(VIDEO, viewers)
        await advance_and_poll(relay, frozen_clock)
    frozen_youtube.end(VIDEO)
    await advance_and_poll(relay, frozen_clock)
    said = [
        (r.levelno, r.getMessage().split()[1])
        for r in caplog.records
        if r.getMessage().startswith("live: ")
    ]
    assert said == [
        (logging.INFO, "WentLive"),
        (logging.DEBUG, "ViewersChanged"),
        (logging.DEBUG, "ViewersChanged"),
        (logging.INFO, "Ended"),
    ]
    # Five polls, and INFO has only the channel lookup and the two stages.
    info = [r for r in caplog.records if r.levelno == logging.INFO]
    assert len(info) == 3


# -- the running loop ------------------------------------------------------------------------------


async def test_the_loop_announces_upcoming_then_live(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    sink = RecordingSink()
    scaled_youtube.schedule("cceiLive001", "CCEI", scaled_clock.now() + timedelta(minutes=20))
    relay = running_relay(scaled_youtube, store, sink, scaled_clock)
    await relay.start()
    try:
        await sink.wait_for(lambda: "upcoming" in sink.names())
        scaled_youtube.go_live("cceiLive001")
        # How fast is a benchmark's question (benchmarks/live_latency.py); here: it is seen.
        await sink.wait_for(lambda: "live" in sink.names())
        status = relay.status()
        assert status.mode == "active"
        assert status.next_poll is not None
        assert status.last_success is not None
    finally:
        await relay.stop()
    assert relay.status().mode == "stopped"
    assert scaled_youtube.search_calls == 0
    assert relay.api.ledger.used() == scaled_youtube.api_calls


async def test_loop_survives_a_failing_poll(
    scaled_youtube: YouTubeStandIn,
    store: Store,
    scaled_clock: ScaledClock,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sink = RecordingSink()
    scaled_youtube.go_live("cceiLive001")
    relay = running_relay(scaled_youtube, store, sink, scaled_clock)
    original = relay.discovery.candidates
    failures = {"left": 2}

    async def flaky(now: datetime, *, fast: bool) -> list[str]:
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("database is locked (test)")
        return await original(now, fast=fast)

    monkeypatch.setattr(relay.discovery, "candidates", flaky)
    with caplog.at_level(logging.ERROR):
        await relay.start()
        try:
            await sink.wait_for(lambda: "live" in sink.names())
        finally:
            await relay.stop()
    assert "poll failed" in caplog.text
    assert failures["left"] == 0


async def test_hint_wakes_an_idle_relay(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    sink = RecordingSink()
    # Nothing in the feed, outside any window: the relay sleeps poll_idle (5 min = 30 s real).
    relay = running_relay(scaled_youtube, store, sink, scaled_clock)
    await relay.start()
    try:
        await scaled_youtube.wait_until(lambda: scaled_youtube.feed_calls >= 1)
        async with relay._poll_lock:  # the first poll is over: the relay sleeps for poll_idle
            assert relay.status().mode == "idle"
        scaled_youtube.go_live("unlisted001", title="Unlisted")  # not in the feed... yet
        scaled_youtube.delete("unlisted001")
        scaled_youtube.undelete("unlisted001")
        relay.hint(["unlisted001"])
        # Well before the next planned poll (30 s real away): the hint woke it.
        await sink.wait_for(lambda: "live" in sink.names(), within=10.0)
    finally:
        await relay.stop()


async def test_a_scripted_afternoon_end_to_end(store: Store) -> None:
    """The rehearsal script against the running relay: one of everything, in order, nothing twice."""
    clock = ScaledClock(FROZEN_T0, speed=900)  # fifteen minutes of event time per real second
    sink = RecordingSink()
    async with YouTubeStandIn(clock=clock) as standin:
        youtube = YouTubeSection(
            channel="@CCEISAY", poll_active=timedelta(seconds=30), poll_idle=timedelta(minutes=5)
        )
        relay = running_relay(standin, store, sink, clock, youtube)
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
                recording_after=timedelta(minutes=2),
            )
            await sink.wait_for(lambda: "ended" in sink.names(), within=10.0)
            # A few more polls read the feed after the VOD appeared: nothing more is said.
            feed_calls = standin.feed_calls
            await standin.wait_until(lambda: standin.feed_calls >= feed_calls + 3)
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
        assert relay.api.ledger.used() == standin.api_calls


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
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    sink = _GatedSink()
    scaled_youtube.go_live("cceiLive001")
    relay = running_relay(scaled_youtube, store, sink, scaled_clock)
    await relay.start()
    await asyncio.wait_for(sink.entered.wait(), 5.0)
    stopping = asyncio.create_task(relay.stop())
    sink.gate.set()  # the post comes back while stop() waits for the poll
    await asyncio.wait_for(stopping, 5.0)
    saved = {b.video_id: b for b in await relay.store.broadcasts()}["cceiLive001"]
    assert saved.live_announced
    assert saved.live_messages == (MessageRef(10, sink.next_message_id),)


async def test_stop_cuts_a_hung_poll_short_after_the_grace(
    scaled_youtube: YouTubeStandIn, store: Store, scaled_clock: ScaledClock
) -> None:
    sink = _GatedSink()  # the gate never opens
    scaled_youtube.go_live("cceiLive001")
    relay = running_relay(scaled_youtube, store, sink, scaled_clock)
    await relay.start()
    await asyncio.wait_for(sink.entered.wait(), 5.0)
    await asyncio.wait_for(relay.stop(grace=0.2), 2.0)
    assert relay.status().mode == "stopped"


def test_the_stop_grace_leaves_the_rest_of_the_shutdown_its_time() -> None:
    """The bot must close within SHUTDOWN_TIMEOUT (the CLI promises an exit within 5 s); the
    schedule's drain of a reminder post under way takes its share of that, so the relay's grace for
    a hung poll must fit in the rest (test_stop_cuts_a_hung_poll_short_after_the_grace: it is kept)."""
    assert STOP_GRACE <= SHUTDOWN_TIMEOUT - STOP_DRAIN_SECONDS - 0.25
