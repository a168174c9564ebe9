"""The broadcast state machine: pure functions from what YouTube said to what Discord is owed.

A broadcast moves NEW → UPCOMING → LIVE → ENDED and never backwards. Only YouTube moves it:
``actualEndTime`` (or liveBroadcastContent "completed") ends it whatever liveBroadcastContent says, a
failed call is no observation at all, and a video missing from a videos.list answer is only "missing"
until it has been gone for ``vanish_after``.

What Discord is owed is computed from announcement flags, not from transitions: an announcement the sink
failed to deliver is simply owed again at the next poll, and a restart (flags in SQLite) owes nothing
already said. A video first seen ended (an old VOD, or a VOD being reprocessed) owes nothing.

After an announced stream ends, its recording is followed too: YouTube describes it with a zero
``contentDetails.duration`` and ``status.uploadStatus`` "uploaded" until the archive can be watched
(:func:`recording_state`). The broadcast stays watched while the recording is "processing", for at
most :data:`RECORDING_GIVE_UP` after the end; "ready" is owed once (:class:`RecordingReady`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from bot.services import RecordingState, StreamRecord, ViewerCount
from cogs.live._quota import ProgramWindow

#: An upcoming broadcast is announced once its scheduled start is this close.
ANNOUNCE_AHEAD = timedelta(hours=24)
#: Abandoned "upcoming" broadcasts stay upcoming on YouTube forever: do not announce those.
STALE_UPCOMING = timedelta(hours=6)
#: How long a known video may be missing from videos.list before it is considered gone.
VANISH_AFTER = timedelta(minutes=30)
#: How long after a stream's end the relay waits for its recording before calling it unavailable.
RECORDING_GIVE_UP = timedelta(hours=24)
#: ``contentDetails.duration`` of a live stream, and of its recording until it is processed.
ZERO_DURATIONS = frozenset({"", "P0D", "PT0S"})
#: ``status.uploadStatus`` values after which no recording will come.
FAILED_UPLOADS = frozenset({"failed", "rejected", "deleted"})


class Phase(StrEnum):
    NEW = "new"  # known id (feed, config, push) not yet described by videos.list
    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"
    NOT_LIVE = "not_live"  # an ordinary upload: never announced, never polled again
    VANISHED = "vanished"  # missing from videos.list for longer than VANISH_AFTER


TERMINAL = frozenset({Phase.ENDED, Phase.NOT_LIVE, Phase.VANISHED})
_ORDER = {Phase.NEW: 0, Phase.UPCOMING: 1, Phase.LIVE: 2, Phase.ENDED: 3}


@dataclass(frozen=True)
class ViewerSample:
    at: datetime
    viewers: int


@dataclass(frozen=True)
class MessageRef:
    """Where the sink said something, so it can be edited later (also after a restart)."""

    channel_id: int
    message_id: int


@dataclass(frozen=True)
class Observation:
    """One video as a videos.list answer described it at ``at``."""

    video_id: str
    at: datetime
    title: str = ""
    channel_id: str = ""
    thumbnail_url: str = ""
    broadcast_content: str = "none"  # none | upcoming | live | completed
    is_stream: bool = False  # liveStreamingDetails present
    premiere: bool = False
    scheduled_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    viewers: int | None = None
    #: ``contentDetails.duration`` (ISO 8601) and ``status.uploadStatus``, as sent ("" if absent).
    duration: str = ""
    upload_status: str = ""


@dataclass(frozen=True)
class Broadcast:
    video_id: str
    first_seen: datetime
    phase: Phase = Phase.NEW
    title: str = ""
    channel_id: str = ""
    thumbnail_url: str = ""
    premiere: bool = False
    scheduled_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    viewers: int | None = None
    samples: tuple[ViewerSample, ...] = ()
    last_seen: datetime | None = None
    missing_since: datetime | None = None
    upcoming_announced: bool = False
    live_announced: bool = False
    #: Set once the end (or the vanishing) of an announced broadcast has been told.
    ended_announced: bool = False
    reported_viewers: int | None = None
    upcoming_messages: tuple[MessageRef, ...] = ()
    live_messages: tuple[MessageRef, ...] = ()
    #: The recording of an announced stream after its end ("none" before, and for any other video).
    recording: RecordingState = "none"
    #: Set once "the recording is ready" has been told.
    recording_announced: bool = False

    @property
    def link(self) -> str:
        return f"https://www.youtube.com/watch?v={self.video_id}"

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL

    @property
    def peak_viewers(self) -> int | None:
        return max((s.viewers for s in self.samples), default=None)

    @property
    def announced(self) -> bool:
        return self.upcoming_announced or self.live_announced


# -- relay state changes: what Discord is owed about a broadcast ------------------------------------


@dataclass(frozen=True)
class Upcoming:
    broadcast: Broadcast


@dataclass(frozen=True)
class WentLive:
    broadcast: Broadcast


@dataclass(frozen=True)
class ViewersChanged:
    broadcast: Broadcast


@dataclass(frozen=True)
class Ended:
    broadcast: Broadcast


@dataclass(frozen=True)
class Vanished:
    broadcast: Broadcast


@dataclass(frozen=True)
class RecordingReady:
    broadcast: Broadcast


#: A live-relay state change the sink is told about (not a gateway event, not the conference).
BroadcastChange = Upcoming | WentLive | ViewersChanged | Ended | Vanished | RecordingReady


@dataclass(frozen=True)
class Step:
    broadcast: Broadcast
    changes: list[BroadcastChange] = field(default_factory=list)


# -- transitions -------------------------------------------------------------------------------------


def _target_phase(obs: Observation) -> Phase | None:
    if obs.actual_end is not None or obs.broadcast_content == "completed":
        return Phase.ENDED
    if obs.actual_start is not None or obs.broadcast_content == "live":
        return Phase.LIVE
    if obs.broadcast_content == "upcoming":
        return Phase.UPCOMING
    return None


def recording_state(duration: str, upload_status: str) -> RecordingState:
    """What one videos.list answer says about an ended stream's recording.

    Ready only when both signs agree: a length (a live stream and its unprocessed archive say
    ``P0D``) and ``uploadStatus`` "processed" (it says "uploaded" while YouTube works on it).
    """
    if upload_status in FAILED_UPLOADS:
        return "unavailable"
    if duration not in ZERO_DURATIONS and upload_status == "processed":
        return "ready"
    return "processing"


def absorb(b: Broadcast, obs: Observation) -> Broadcast:
    """Fold one observation into the record (no announcements decided here)."""
    if obs.video_id != b.video_id:
        raise ValueError(f"observation of {obs.video_id} applied to {b.video_id}")
    phase = b.phase
    if not b.terminal:
        target = _target_phase(obs)
        if target is None:
            # An ordinary upload (or a record with nothing to go on) seen before anything else.
            if phase is Phase.NEW:
                phase = Phase.NOT_LIVE
        elif _ORDER[target] > _ORDER[phase]:
            phase = target
    viewers = b.viewers
    samples = b.samples
    if phase is Phase.LIVE:
        viewers = obs.viewers
        if obs.viewers is not None:
            samples = (*b.samples, ViewerSample(obs.at, obs.viewers))
    elif phase in TERMINAL:
        viewers = None
    recording = b.recording
    # Only the recording of a stream the bot announced is followed (never an old VOD's).
    if phase is Phase.ENDED and b.announced and recording in ("none", "processing"):
        recording = recording_state(obs.duration, obs.upload_status)
    return replace(
        b,
        phase=phase,
        title=obs.title or b.title,
        channel_id=obs.channel_id or b.channel_id,
        thumbnail_url=obs.thumbnail_url or b.thumbnail_url,
        # Judged before the end only: a recording has a length too. Sticky once seen.
        premiere=b.premiere or (phase not in TERMINAL and obs.is_stream and obs.premiere),
        last_seen=obs.at,
        missing_since=None,
        scheduled_start=obs.scheduled_start or b.scheduled_start,
        # Fields YouTube sometimes leaves out for a moment are kept, never cleared.
        actual_start=obs.actual_start or b.actual_start,
        actual_end=obs.actual_end or b.actual_end,
        viewers=viewers,
        samples=samples,
        recording=recording,
    )


def expire_recording(b: Broadcast, now: datetime) -> Broadcast:
    """``b`` with its recording given up when it was still not ready a day after the end."""
    if b.recording != "processing":
        return b
    ended = b.actual_end or b.last_seen or b.first_seen
    if now - ended < RECORDING_GIVE_UP:
        return b
    return replace(b, recording="unavailable")


def absorb_missing(b: Broadcast, at: datetime, vanish_after: timedelta = VANISH_AFTER) -> Broadcast:
    """The video was absent from a successful videos.list answer at ``at``."""
    if b.terminal:
        return b
    since = b.missing_since or at
    if at - since >= vanish_after:
        return replace(b, missing_since=since, phase=Phase.VANISHED, viewers=None)
    return replace(b, missing_since=since)


def due(b: Broadcast, now: datetime) -> list[BroadcastChange]:
    """What Discord is owed about ``b`` now, given what has been announced already."""
    if b.phase is Phase.UPCOMING:
        start = b.scheduled_start
        if (
            not b.announced
            and start is not None
            and now - STALE_UPCOMING <= start <= now + ANNOUNCE_AHEAD
        ):
            return [Upcoming(b)]
        return []
    if b.phase is Phase.LIVE:
        if not b.live_announced:
            return [WentLive(b)]
        if b.viewers is not None and b.viewers != b.reported_viewers:
            return [ViewersChanged(b)]
        return []
    if b.phase is Phase.ENDED and b.announced:
        owed: list[BroadcastChange] = [] if b.ended_announced else [Ended(b)]
        if b.recording == "ready" and not b.recording_announced:
            owed.append(RecordingReady(b))  # after the end, in that order
        return owed
    if b.phase is Phase.VANISHED and b.announced and not b.ended_announced:
        return [Vanished(b)]
    return []


def advance(
    b: Broadcast, seen: Observation | None, at: datetime, vanish_after: timedelta = VANISH_AFTER
) -> Step:
    """Apply one poll's result (an observation, or ``None`` for "absent from the answer")."""
    after = absorb(b, seen) if seen is not None else absorb_missing(b, at, vanish_after)
    return Step(after, due(after, at))


def mark_announced(
    b: Broadcast, change: BroadcastChange, refs: tuple[MessageRef, ...] = ()
) -> Broadcast:
    """Record that the sink took ``change`` (with the messages it posted, if any)."""
    if isinstance(change, Upcoming):
        return replace(b, upcoming_announced=True, upcoming_messages=refs or b.upcoming_messages)
    if isinstance(change, WentLive):
        return replace(
            b,
            live_announced=True,
            live_messages=refs or b.live_messages,
            reported_viewers=change.broadcast.viewers,
        )
    if isinstance(change, ViewersChanged):
        return replace(b, reported_viewers=change.broadcast.viewers)
    if isinstance(change, RecordingReady):
        return replace(b, recording_announced=True)
    return replace(b, ended_announced=True)


def new_broadcast(video_id: str, at: datetime) -> Broadcast:
    return Broadcast(video_id=video_id, first_seen=at)


def watched(b: Broadcast) -> bool:
    """Whether videos.list keeps describing ``b`` at each poll: until it is finished, and after an
    announced stream's end until its recording is ready (or given up)."""
    return not b.terminal or (b.phase is Phase.ENDED and b.recording == "processing")


# -- the event's stream, for the after-stream recap (bot.services.StreamRecordSource) ---------------


def event_broadcast(
    broadcasts: Iterable[Broadcast], *, video_id: str = "", window: ProgramWindow | None = None
) -> Broadcast | None:
    """The event's stream among the broadcasts the bot announced and saw start: the configured
    video if it is one of them, else the one that ran longest inside the program's window (the one
    starting nearest to it when none overlaps; the latest without a window)."""
    started = [b for b in broadcasts if b.announced and b.actual_start is not None]
    configured = [b for b in started if b.video_id == video_id]
    if configured:
        return configured[0]
    if not started:
        return None
    if window is None:
        return max(started, key=lambda b: (b.actual_start, b.video_id))

    def closeness(b: Broadcast) -> tuple[float, float]:
        assert b.actual_start is not None
        until = b.actual_end or b.last_seen or b.actual_start
        overlap = min(until, window.closes) - max(b.actual_start, window.opens)
        distance = abs(b.actual_start - window.start)
        return max(0.0, overlap.total_seconds()), -distance.total_seconds()

    return max(started, key=closeness)


def stream_record(b: Broadcast) -> StreamRecord:
    """The broadcast as the recap reads it."""
    return StreamRecord(
        video_id=b.video_id,
        actual_start=b.actual_start,
        actual_end=b.actual_end,
        samples=tuple(ViewerCount(s.at, s.viewers) for s in b.samples),
        # A stream that vanished (deleted, made private) has no recording to link.
        recording="unavailable" if b.phase is Phase.VANISHED else b.recording,
    )


# -- summary -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What the end-of-stream message reports. Viewer figures are None when YouTube never sent any."""

    started_at: datetime | None
    ended_at: datetime | None
    duration: timedelta | None
    peak: int | None
    average: int | None
    samples: tuple[ViewerSample, ...]
    #: PNG of viewers over time, drawn by the relay when there are samples.
    chart_png: bytes | None = None


def time_weighted_average(samples: tuple[ViewerSample, ...], until: datetime | None) -> int | None:
    """Average concurrent viewers, each sample weighted by how long it stood.

    Polls are not evenly spaced (backoff, quota stretching), so a plain mean would over-weight busy
    stretches. The last sample stands until ``until`` (the end of the stream) when that is later.
    """
    if not samples:
        return None
    total_weight = 0.0
    weighted = 0.0
    for index, sample in enumerate(samples):
        if index + 1 < len(samples):
            stop = samples[index + 1].at
        else:
            stop = until if until is not None and until > sample.at else sample.at
        weight = max(0.0, (stop - sample.at).total_seconds())
        total_weight += weight
        weighted += weight * sample.viewers
    if total_weight == 0:
        return round(sum(s.viewers for s in samples) / len(samples))
    return round(weighted / total_weight)


def summarize(b: Broadcast) -> Summary:
    duration = None
    if b.actual_start is not None and b.actual_end is not None:
        duration = max(timedelta(0), b.actual_end - b.actual_start)
    return Summary(
        started_at=b.actual_start,
        ended_at=b.actual_end,
        duration=duration,
        peak=b.peak_viewers,
        average=time_weighted_average(b.samples, b.actual_end),
        samples=b.samples,
    )


# -- what the relay shows (/live, /admin status) -----------------------------------------------------

Mode = Literal[
    "not_configured",
    "stopped",
    "active",
    "idle",
    "backoff",
    "quota_exceeded",
    "budget_exhausted",
    "bad_key",
    "api_disabled",
]


@dataclass(frozen=True)
class RelayStatus:
    """A snapshot of the relay for /live and /admin status."""

    now: datetime
    mode: Mode
    channel_id: str | None
    live: tuple[Broadcast, ...]
    upcoming: tuple[Broadcast, ...]
    last_ended: Broadcast | None
    last_success: datetime | None
    last_feed_success: datetime | None
    last_error: str | None
    units_used: int
    units_left: int
    daily_quota: int
    quota_resets_at: datetime
    next_poll: datetime | None
    websub_expires_at: datetime | None
