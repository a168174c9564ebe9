"""The broadcast state machine: pure functions from what YouTube said to what Discord is owed.

A broadcast moves NEW → UPCOMING → LIVE → ENDED and never backwards. Only YouTube moves it:
``actualEndTime`` (or liveBroadcastContent "completed") ends it whatever liveBroadcastContent says, a
failed call is no observation at all, and a video missing from a videos.list answer is only "missing"
until it has been gone for ``vanish_after``.

What Discord is owed is computed from announcement flags, not from transitions: an announcement the sink
failed to deliver is simply owed again at the next poll, and a restart (flags in SQLite) owes nothing
already said. A video first seen ended (an old VOD, or a VOD being reprocessed) owes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

#: An upcoming broadcast is announced once its scheduled start is this close.
ANNOUNCE_AHEAD = timedelta(hours=24)
#: Abandoned "upcoming" broadcasts stay upcoming on YouTube forever: do not announce those.
STALE_UPCOMING = timedelta(hours=6)
#: How long a known video may be missing from videos.list before it is considered gone.
VANISH_AFTER = timedelta(minutes=30)


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


#: A live-relay state change the sink is told about (not a gateway event, not the conference).
BroadcastChange = Upcoming | WentLive | ViewersChanged | Ended | Vanished


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
    return replace(
        b,
        phase=phase,
        title=obs.title or b.title,
        channel_id=obs.channel_id or b.channel_id,
        thumbnail_url=obs.thumbnail_url or b.thumbnail_url,
        # Sticky: a premiere's recording later looks like any other video.
        premiere=b.premiere or (obs.is_stream and obs.premiere),
        last_seen=obs.at,
        missing_since=None,
        scheduled_start=obs.scheduled_start or b.scheduled_start,
        # Fields YouTube sometimes leaves out for a moment are kept, never cleared.
        actual_start=obs.actual_start or b.actual_start,
        actual_end=obs.actual_end or b.actual_end,
        viewers=viewers,
        samples=samples,
    )


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
    if b.phase is Phase.ENDED and b.announced and not b.ended_announced:
        return [Ended(b)]
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
    return replace(b, ended_announced=True)


def new_broadcast(video_id: str, at: datetime) -> Broadcast:
    return Broadcast(video_id=video_id, first_seen=at)


def watched(b: Broadcast) -> bool:
    """Whether videos.list keeps describing ``b`` at each poll: until it is finished.

    After-stream work that waits for the recording (its processing, its duration) extends this.
    """
    return not b.terminal


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
