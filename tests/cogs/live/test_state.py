"""The broadcast state machine: pure, microseconds per case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.services import StreamRecord, ViewerCount
from cogs.live._quota import ProgramWindow
from cogs.live._state import (
    RECORDING_GIVE_UP,
    Broadcast,
    Ended,
    MessageRef,
    Observation,
    Phase,
    RecordingReady,
    Upcoming,
    Vanished,
    ViewerSample,
    ViewersChanged,
    WentLive,
    advance,
    due,
    event_broadcast,
    expire_recording,
    mark_announced,
    new_broadcast,
    recording_state,
    stream_record,
    summarize,
    time_weighted_average,
    watched,
)

T = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)
VID = "abcdefghijk"


def obs(at: datetime, content: str = "upcoming", **kwargs: object) -> Observation:
    values: dict[str, object] = {
        "video_id": VID,
        "at": at,
        "title": "CCEI live",
        "broadcast_content": content,
        "is_stream": True,
        "scheduled_start": T + timedelta(hours=1),
    }
    values.update(kwargs)
    return Observation(**values)  # type: ignore[arg-type]


def run(b: Broadcast, seen: Observation | None, at: datetime) -> tuple[Broadcast, list[object]]:
    """Advance and acknowledge every state change (as a sink that always succeeds)."""
    step = advance(b, seen, at)
    current = step.broadcast
    for change in step.changes:
        current = mark_announced(current, change, (MessageRef(1, 2),))
    return current, [type(e) for e in step.changes]


def test_full_lifecycle_announces_each_stage_once() -> None:
    b = new_broadcast(VID, T)
    b, changes = run(b, obs(T), T)
    assert b.phase is Phase.UPCOMING
    assert changes == [Upcoming]
    b, changes = run(b, obs(T + timedelta(seconds=10)), T + timedelta(seconds=10))
    assert changes == []
    start = T + timedelta(hours=1)
    b, changes = run(b, obs(start, "live", actual_start=start, viewers=5), start)
    assert b.phase is Phase.LIVE
    assert changes == [WentLive]
    assert b.reported_viewers == 5
    b, changes = run(b, obs(start, "live", actual_start=start, viewers=5), start)
    assert changes == []  # same count: no edit
    later = start + timedelta(seconds=10)
    b, changes = run(b, obs(later, "live", actual_start=start, viewers=9), later)
    assert changes == [ViewersChanged]
    end = start + timedelta(hours=2)
    b, changes = run(b, obs(end, "none", actual_start=start, actual_end=end), end)
    assert b.phase is Phase.ENDED
    assert changes == [Ended]
    b, changes = run(b, obs(end, "none", actual_start=start, actual_end=end), end)
    assert changes == []


def test_actual_end_ends_even_while_content_still_says_live() -> None:
    start, end = T, T + timedelta(hours=1)
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=start, viewers=3), T)
    b, changes = run(b, obs(end, "live", actual_start=start, actual_end=end), end)
    assert b.phase is Phase.ENDED
    assert changes == [Ended]


def test_completed_content_ends_without_actual_end() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T), T)
    b, changes = run(b, obs(T, "completed", actual_start=T), T)
    assert b.phase is Phase.ENDED
    assert changes == [Ended]


def test_missing_video_is_not_ended_until_it_has_been_gone_long() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=1), T)
    b, changes = run(b, None, T + timedelta(seconds=10))
    assert b.phase is Phase.LIVE
    assert changes == []
    assert b.missing_since == T + timedelta(seconds=10)
    # It comes back: nothing happened.
    b, changes = run(b, obs(T + timedelta(seconds=20), "live", actual_start=T, viewers=1), T)
    assert b.phase is Phase.LIVE
    assert b.missing_since is None
    assert changes == []
    b, _ = run(b, None, T + timedelta(minutes=1))
    b, changes = run(b, None, T + timedelta(minutes=40))
    assert b.phase is Phase.VANISHED
    assert changes == [Vanished]
    assert b.ended_announced


def test_a_vanished_video_that_was_never_announced_is_dropped_silently() -> None:
    b, _ = run(new_broadcast(VID, T), None, T)
    b, changes = run(b, None, T + timedelta(hours=1))
    assert b.phase is Phase.VANISHED
    assert changes == []


def test_state_never_moves_backwards() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=1), T)
    b, changes = run(b, obs(T, "upcoming"), T)  # a stale cache answer
    assert b.phase is Phase.LIVE
    assert changes == []
    assert b.actual_start == T


def test_vod_of_an_announced_stream_never_announces_again() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=1), T)
    end = T + timedelta(hours=1)
    b, changes = run(b, obs(end, "none", actual_start=T, actual_end=end), end)
    assert changes == [Ended]
    # The processed VOD: content none, same times, maybe a new title.
    b, changes = run(b, obs(end, "none", actual_start=T, actual_end=end, title="VOD"), end)
    assert changes == []
    assert b.phase is Phase.ENDED
    assert b.title == "VOD"


def test_old_vod_and_plain_uploads_are_never_announced() -> None:
    vod, changes = run(
        new_broadcast(VID, T),
        obs(T, "none", actual_start=T - timedelta(days=3), actual_end=T - timedelta(days=3)),
        T,
    )
    assert vod.phase is Phase.ENDED
    assert changes == []
    upload, changes = run(new_broadcast(VID, T), obs(T, "none", is_stream=False), T)
    assert upload.phase is Phase.NOT_LIVE
    assert changes == []
    assert upload.terminal


def test_first_seen_live_announces_live_without_upcoming() -> None:
    b, changes = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=3), T)
    assert changes == [WentLive]
    assert not b.upcoming_announced


def test_upcoming_is_announced_only_within_24_hours_and_not_when_stale() -> None:
    far = obs(T, scheduled_start=T + timedelta(hours=30))
    b, changes = run(new_broadcast(VID, T), far, T)
    assert b.phase is Phase.UPCOMING
    assert changes == []
    later = T + timedelta(hours=7)
    b, changes = run(b, obs(later, scheduled_start=T + timedelta(hours=30)), later)
    assert changes == [Upcoming]
    stale = obs(T, scheduled_start=T - timedelta(days=20))
    _, changes = run(new_broadcast(VID, T), stale, T)
    assert changes == []


def test_premiere_flag_is_sticky() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, premiere=True), T)
    assert b.premiere
    b, _ = run(b, obs(T, "live", actual_start=T, premiere=False), T)
    assert b.premiere


def test_failed_sink_call_is_owed_again() -> None:
    b = advance(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=1), T).broadcast
    assert [type(e) for e in due(b, T)] == [WentLive]
    # Not acknowledged: still owed at the next poll.
    step = advance(b, obs(T, "live", actual_start=T, viewers=2), T)
    assert [type(e) for e in step.changes] == [WentLive]


def test_live_announcement_records_messages_and_viewers() -> None:
    step = advance(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=7), T)
    b = mark_announced(step.broadcast, step.changes[0], (MessageRef(5, 6),))
    assert b.live_messages == (MessageRef(5, 6),)
    assert b.reported_viewers == 7


def test_hidden_viewer_count_records_no_sample_and_no_edit() -> None:
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=None), T)
    assert b.samples == ()
    assert b.viewers is None
    b, changes = run(b, obs(T, "live", actual_start=T, viewers=None), T)
    assert changes == []


def test_observation_for_another_video_is_rejected() -> None:
    with pytest.raises(ValueError, match="applied to"):
        advance(new_broadcast("other", T), obs(T), T)


def test_summary_duration_peak_and_time_weighted_average() -> None:
    start = T
    samples = (
        ViewerSample(start, 10),
        ViewerSample(start + timedelta(minutes=10), 40),
        ViewerSample(start + timedelta(minutes=20), 20),
    )
    b = Broadcast(
        video_id=VID,
        first_seen=T,
        phase=Phase.ENDED,
        actual_start=start,
        actual_end=start + timedelta(minutes=40),
        samples=samples,
    )
    summary = summarize(b)
    assert summary.duration == timedelta(minutes=40)
    assert summary.peak == 40
    # 10 for 10 min, 40 for 10 min, 20 for 20 min (until the end) -> 900/40 = 22.5
    assert summary.average == round((10 * 10 + 40 * 10 + 20 * 20) / 40)


def test_average_edge_cases() -> None:
    assert time_weighted_average((), T) is None
    assert time_weighted_average((ViewerSample(T, 5),), None) == 5
    same_time = (ViewerSample(T, 4), ViewerSample(T, 6))
    assert time_weighted_average(same_time, None) == 5
    assert summarize(new_broadcast(VID, T)).peak is None


# -- after the end: the recording --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "upload_status", "expected"),
    [
        ("P0D", "uploaded", "processing"),  # just ended
        ("PT0S", "processed", "processing"),  # processed, but no length yet: not watchable
        ("PT3H30M12S", "uploaded", "processing"),  # a length while still processing
        ("", "", "processing"),  # parts missing from the answer: nothing to go on
        ("PT3H30M12S", "processed", "ready"),
        ("P0D", "failed", "unavailable"),
        ("P0D", "rejected", "unavailable"),
        ("PT1H", "deleted", "unavailable"),
    ],
)
def test_recording_state_needs_a_length_and_processed(
    duration: str, upload_status: str, expected: str
) -> None:
    assert recording_state(duration, upload_status) == expected


def ended_stream() -> tuple[Broadcast, datetime]:
    """An announced stream that just ended (its end told), and its end."""
    b, _ = run(new_broadcast(VID, T), obs(T, "live", actual_start=T, viewers=1), T)
    end = T + timedelta(hours=3)
    b, changes = run(
        b,
        obs(end, "none", actual_start=T, actual_end=end, duration="P0D", upload_status="uploaded"),
        end,
    )
    assert changes == [Ended]
    return b, end


def test_an_ended_streams_recording_is_followed_until_ready_and_told_once() -> None:
    b, end = ended_stream()
    assert b.recording == "processing"
    assert watched(b)  # terminal, but still asked about
    later = end + timedelta(minutes=5)
    b, changes = run(
        b,
        obs(
            later, "none", actual_start=T, actual_end=end, duration="P0D", upload_status="uploaded"
        ),
        later,
    )
    assert (b.recording, changes) == ("processing", [])
    ready = obs(
        later, "none", actual_start=T, actual_end=end, duration="PT3H", upload_status="processed"
    )
    b, changes = run(b, ready, later)
    assert (b.recording, changes) == ("ready", [RecordingReady])
    assert b.recording_announced
    assert not watched(b)
    assert not b.premiere  # a recording has a length, but the stream was no premiere
    b, changes = run(b, ready, later)
    assert changes == []


def test_ready_is_owed_again_until_told_and_always_after_the_end() -> None:
    b, end = ended_stream()
    ready = obs(
        end, "none", actual_start=T, actual_end=end, duration="PT3H", upload_status="processed"
    )
    step = advance(b, ready, end)
    assert step.changes == [RecordingReady(step.broadcast)]
    # The sink failed: still owed at the next look.
    assert due(step.broadcast, end) == [RecordingReady(step.broadcast)]
    # Ended and ready seen at once (after a quota outage, say): the end is told first.
    untold = replace(step.broadcast, ended_announced=False)
    assert due(untold, end) == [Ended(untold), RecordingReady(untold)]


def test_only_announced_streams_have_their_recording_followed() -> None:
    old_vod, changes = run(
        new_broadcast(VID, T),
        obs(
            T,
            "none",
            actual_start=T - timedelta(days=3),
            actual_end=T - timedelta(days=2),
            duration="P0D",
            upload_status="uploaded",
        ),
        T,
    )
    assert (old_vod.recording, changes) == ("none", [])
    assert not watched(old_vod)


def test_a_failed_upload_stops_the_follow_at_once() -> None:
    b, end = ended_stream()
    b, changes = run(
        b, obs(end, "none", actual_start=T, actual_end=end, upload_status="failed"), end
    )
    assert (b.recording, changes) == ("unavailable", [])
    assert not watched(b)


def test_the_recording_is_given_up_a_day_after_the_end() -> None:
    b, end = ended_stream()
    almost = end + RECORDING_GIVE_UP - timedelta(seconds=1)
    assert expire_recording(b, almost) is b
    given_up = expire_recording(b, end + RECORDING_GIVE_UP)
    assert given_up.recording == "unavailable"
    assert not watched(given_up)
    assert due(given_up, end + RECORDING_GIVE_UP) == []
    ready = replace(b, recording="ready")
    assert expire_recording(ready, end + timedelta(days=3)) is ready


def test_the_event_broadcast_is_the_announced_one_that_ran_in_the_program() -> None:
    window = ProgramWindow(T + timedelta(hours=1), T + timedelta(hours=4))

    def started(video_id: str, start: datetime, hours: float, announced: bool = True) -> Broadcast:
        return replace(
            new_broadcast(video_id, start),
            phase=Phase.ENDED,
            actual_start=start,
            actual_end=start + timedelta(hours=hours),
            live_announced=announced,
        )

    rehearsal = started("rehearsal01", T - timedelta(days=1), 3)
    event = started("event000001", T + timedelta(hours=1), 3.5)
    short_test = started("testtest001", T + timedelta(minutes=20), 0.5)
    silent = started("notannounce", T + timedelta(hours=1), 3.5, announced=False)
    upcoming = replace(
        new_broadcast("upcoming001", T), phase=Phase.UPCOMING, upcoming_announced=True
    )
    everything = [rehearsal, event, short_test, silent, upcoming]
    assert event_broadcast(everything, window=window) is event
    assert event_broadcast(everything, window=window, video_id="testtest001") is short_test
    # A configured id that never went live: the program decides.
    assert event_broadcast(everything, window=window, video_id="upcoming001") is event
    # Nothing overlaps: the nearest to the program's start; no window: the latest.
    assert event_broadcast([rehearsal, short_test], window=window) is short_test
    assert event_broadcast([rehearsal, event], window=None) is event
    assert event_broadcast([silent, upcoming], window=window) is None


def test_stream_record_carries_times_samples_and_recording() -> None:
    b, end = ended_stream()
    record = stream_record(replace(b, recording="ready"))
    assert record == StreamRecord(
        video_id=VID,
        actual_start=T,
        actual_end=end,
        samples=(ViewerCount(T, 1),),
        recording="ready",
    )
    assert record.replay_link == f"https://youtu.be/{VID}"
    vanished = replace(b, phase=Phase.VANISHED)
    assert stream_record(vanished).recording == "unavailable"
