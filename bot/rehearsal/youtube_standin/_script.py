"""A scripted stream for rehearsals: scheduled, live with a plausible audience curve, ended, and its
recording available a few minutes later.

``ccei-bot rehearse`` (or a test) runs :func:`play_stream` beside the bot with the same clock; with a
ScaledClock the afternoon passes in minutes. Sleeps go through ``clock.real_seconds`` so the script keeps
event time, not wall time.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.rehearsal.youtube_standin._app import YouTubeStandIn

log = logging.getLogger(__name__)


def audience(progress: float, peak: int) -> int:
    """Viewers at ``progress`` (0..1) through the stream: a quick rise, a plateau, a slow fade."""
    progress = min(1.0, max(0.0, progress))
    rise = 1 - math.exp(-progress * 12)
    fade = 1 - 0.45 * max(0.0, progress - 0.6) / 0.4
    wobble = 1 + 0.04 * math.sin(progress * 40)
    return max(0, round(peak * rise * fade * wobble))


async def _sleep_until(clock: Clock, moment: datetime) -> None:
    remaining = (moment - clock.now()).total_seconds()
    if remaining > 0:
        await asyncio.sleep(clock.real_seconds(remaining))


async def play_stream(
    standin: YouTubeStandIn,
    clock: Clock,
    *,
    video_id: str,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    peak: int = 850,
    viewer_step: timedelta = timedelta(seconds=30),
    recording_after: timedelta | None = timedelta(minutes=3),
) -> None:
    """Schedule ``video_id`` now, go live at ``starts_at``, update viewers, end at ``ends_at``; the
    recording becomes available ``recording_after`` the end (None: never)."""
    if ends_at <= starts_at:
        raise ValueError("the stream must end after it starts")
    standin.schedule(video_id, title, starts_at)
    log.info("stand-in: %s scheduled for %s", video_id, starts_at.isoformat())
    await _sleep_until(clock, starts_at)
    # The times the script says (a busy machine at high speed wakes a little late).
    standin.go_live(video_id, starts_at)
    log.info("stand-in: %s is live", video_id)
    length = (ends_at - starts_at).total_seconds()
    moment = starts_at
    while moment < ends_at:
        progress = (moment - starts_at).total_seconds() / length
        standin.set_viewers(video_id, audience(progress, peak))
        moment = min(ends_at, moment + viewer_step)
        await _sleep_until(clock, moment)
    standin.end(video_id, ends_at)
    log.info("stand-in: %s ended", video_id)
    if recording_after is None:
        return
    await _sleep_until(clock, ends_at + recording_after)
    standin.make_recording_available(video_id)
    log.info("stand-in: the recording of %s is available", video_id)
