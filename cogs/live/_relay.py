"""LiveRelay: owns the live feature's lifecycle and tells a :class:`LiveSink` what Discord should see.

One asyncio task polls. Each poll takes the candidate video ids from :class:`Discovery` (feed,
WebSub, configured id), asks videos.list through the :class:`ApiGate` about every broadcast still
watched (one unit per 50 ids), folds the answers into the pure state machine (``_state``) and hands
the state changes Discord is owed to the sink. The task never dies: a poll's exception is logged and
the next poll comes as planned. It sleeps through the injected clock and can be woken early (WebSub
pushes, tests).

Where to extend it: :meth:`LiveRelay._check` is where watched videos are asked about again at every
poll (``_state.watched`` says which ones); :meth:`LiveRelay._stream_ended` is where the end of a
stream is handled (summary, chart, the sink's ``on_ended``).

After the stream: an announced stream stays watched until its recording is ready (``_state``), at
the idle rate (nothing about it is urgent), for at most a day. The relay is the bot's
:class:`~bot.services.StreamRecordSource` (:meth:`LiveRelay.stream_record`) and tells the recap
through ``dispatch`` when the event's stream ended and when its recording is ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Protocol

import aiohttp

from bot.clock import Clock
from bot.config import Config, YouTubeSection
from bot.services import RECORDING_READY_EVENT, STREAM_ENDED_EVENT, StreamRecord
from bot.store import Store
from cogs.live._chart import viewers_chart
from cogs.live._discovery import Discovery
from cogs.live._gate import ApiGate, Moderators, NotAsked, QuotaLedger
from cogs.live._notices import RecordingUnavailableNotice
from cogs.live._quota import (
    UPCOMING_SOON,
    UPCOMING_STALE,
    ProgramWindow,
    api_urgent,
    next_interval,
    next_reset,
    wants_active,
)
from cogs.live._state import (
    VANISH_AFTER,
    Broadcast,
    BroadcastChange,
    Ended,
    MessageRef,
    Mode,
    Observation,
    Phase,
    RecordingReady,
    RelayStatus,
    Summary,
    Upcoming,
    Vanished,
    ViewersChanged,
    WentLive,
    advance,
    due,
    event_broadcast,
    expire_recording,
    mark_announced,
    new_broadcast,
    stream_record,
    summarize,
    watched,
)
from cogs.live._store import LiveStore
from cogs.live._youtube import MAX_IDS_PER_CALL, Endpoints, YouTubeClient

log = logging.getLogger(__name__)

#: A WebSub push or an explicit wake never polls sooner than this after the previous poll.
HINT_MIN_GAP = timedelta(seconds=1)
#: A hung Discord call must not stall detection.
SINK_TIMEOUT = 30.0
#: How long ``stop`` lets a poll in progress finish. The bot's whole shutdown has 4 s
#: (bot.lifecycle.SHUTDOWN_TIMEOUT), and the schedule's stop may wait for a reminder post too.
STOP_GRACE = 1.5

#: How the relay tells the rest of the bot about the event's stream (``bot.dispatch``): the event's
#: name (``bot.services.STREAM_ENDED_EVENT`` / ``RECORDING_READY_EVENT``) and the record.
Dispatch = Callable[[str, StreamRecord], None]


class LiveSink(Moderators, Protocol):
    """What Discord does with the relay's state changes (the cog's ``DiscordLiveSink``).

    Each ``on_*`` call may raise: the relay logs it and owes the change again at the next poll
    (announcements are recorded only after the sink returns).
    """

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        """A broadcast scheduled within 24 h: announce it; return the messages posted."""
        ...

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        """It went live: post the status message (link, role ping if configured); return it."""
        ...

    async def on_viewers(self, broadcast: Broadcast) -> None:
        """Concurrent viewers changed (also once after each start-up): edit ``live_messages``."""
        ...

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        """It ended: edit the status message (ended, peak) and post the summary with the chart."""
        ...

    async def on_vanished(self, broadcast: Broadcast) -> None:
        """An announced broadcast disappeared from YouTube for good (deleted or made private)."""
        ...


@dataclass(frozen=True)
class Watch:
    """What the relay watches and how: ``[youtube]``, the program window, the chart's time zone."""

    youtube: YouTubeSection
    window: ProgramWindow | None = None
    zone: tzinfo = UTC
    #: How long a known video may be missing from videos.list before it is "vanished".
    vanish_after: timedelta = VANISH_AFTER

    @classmethod
    def from_config(cls, config: Config) -> Watch:
        return cls(config.youtube, ProgramWindow(config.starts_at, config.ends_at), config.tz)


def build_relay(
    watch: Watch,
    *,
    api_key: str,
    endpoints: Endpoints,
    store: Store,
    clock: Clock,
    sink: LiveSink,
    session: aiohttp.ClientSession | None = None,
    rand: Callable[[], float] = random.random,
    dispatch: Dispatch | None = None,
) -> LiveRelay:
    """The relay with its parts: storage, the quota ledger, the API client and gate, discovery."""
    live_store = LiveStore(store)
    ledger = QuotaLedger(live_store, clock, watch.youtube.daily_quota)
    client = YouTubeClient(
        api_key=api_key, api_base=endpoints.api_base, ledger=ledger, timeout=endpoints.timeout
    )
    api = ApiGate(watch.youtube, client, ledger, sink, rand=rand)
    discovery = Discovery(watch.youtube, endpoints, api, live_store, sink, clock, session)
    return LiveRelay(watch, api, discovery, live_store, sink, clock, dispatch)


class LiveRelay:
    def __init__(
        self,
        watch: Watch,
        api: ApiGate,
        discovery: Discovery,
        store: LiveStore,
        sink: LiveSink,
        clock: Clock,
        dispatch: Dispatch | None = None,
    ) -> None:
        self.watch = watch
        self.api = api
        self.discovery = discovery
        self.store = store
        self.sink = sink
        self.clock = clock
        self.dispatch = dispatch
        self.broadcasts: dict[str, Broadcast] = {}
        self._saved: dict[str, Broadcast] = {}
        self._wake = asyncio.Event()
        self._poll_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._loaded = False
        self._last_poll: datetime | None = None
        self._last_videos_check: datetime | None = None
        self._next_poll: datetime | None = None
        self._mode: Mode = "stopped"

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        youtube = self.watch.youtube
        return self.api.client.has_key and bool(youtube.channel or youtube.video_id)

    async def load(self) -> None:
        """Read what earlier runs knew (idempotent; ``start`` calls it)."""
        if self._loaded:
            return
        await self.api.ledger.load()
        for b in await self.store.broadcasts():
            self._saved[b.video_id] = b
            # Owe one viewer refresh per announced live broadcast after a start-up, so the sink can
            # restore presence and bring the (same) status message up to date.
            if b.phase is Phase.LIVE and b.live_announced:
                b = replace(b, reported_viewers=None)
            self.broadcasts[b.video_id] = b
        await self.discovery.load()
        self._loaded = True

    async def start(self) -> None:
        if self._task is not None:
            return
        try:
            await self.load()
        except Exception:
            # The loop loads again before each poll: a database hiccup at start-up is not fatal.
            log.exception("live relay: could not read its state; retrying in the loop")
        await self.discovery.start(wake=self._wake.set)
        if self.configured:
            self._mode = "idle"
        else:
            self._mode = "not_configured"
            missing = (
                "YOUTUBE_API_KEY" if not self.api.client.has_key else "youtube.channel/video_id"
            )
            log.warning("live relay is off: %s is not set", missing)
        self._task = asyncio.create_task(self._run(), name="live-relay")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        task, self._task = self._task, None
        if task is not None:
            # A poll cut short could post a message and never record it (posted again after a
            # restart) or save a broadcast without its message ids: let it finish first.
            paused = False
            try:
                await asyncio.wait_for(self._poll_lock.acquire(), grace)
                paused = True
            except TimeoutError:
                log.warning("live relay: a poll still running after %.0f s is cut short", grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if paused:
                self._poll_lock.release()
        await self.discovery.stop()
        self._mode = "stopped"

    def hint(self, video_ids: Iterable[str]) -> None:
        """Candidate video ids from outside: checked at the next poll, which is now."""
        self.discovery.hint(video_ids)
        self._wake.set()

    async def _run(self) -> None:
        while True:
            started = self.clock.now()
            try:
                delay = await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # Whatever broke (a bug, the database), the loop must survive it.
                log.exception("live relay: poll failed; trying again")
                delay = self.api.backoff()
            self._next_poll = started + delay
            await self._sleep_until(self._next_poll)

    async def _sleep_until(self, due: datetime) -> None:
        while True:
            remaining = (due - self.clock.now()).total_seconds()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), self.clock.real_seconds(remaining))
            except TimeoutError:
                return
            self._wake.clear()
            # A wake polls now, but never sooner than HINT_MIN_GAP after the previous poll.
            earliest = (self._last_poll or self.clock.now()) + HINT_MIN_GAP
            due = min(due, max(earliest, self.clock.now()))

    # -- one poll -----------------------------------------------------------------------------------

    async def poll_once(self) -> timedelta:
        """Run one poll now; returns the delay until the next one. Used by the loop and by tests."""
        async with self._poll_lock:
            await self.load()
            now = self.clock.now()
            self._last_poll = now
            if not self.configured:
                self._mode = "not_configured"
                return self.watch.youtube.poll_idle
            fast = self._fast(now)
            self.api.begin_poll(now, fast=fast)
            for video_id in await self.discovery.candidates(now, fast=fast):
                if video_id not in self.broadcasts:
                    self.broadcasts[video_id] = new_broadcast(video_id, now)
            await self._deliver_owed(now)
            await self._give_up_recordings(now)
            await self._check(now)
            await self.discovery.maintain_websub()
            return self._plan(self.clock.now())

    async def _check(self, now: datetime) -> None:
        """Ask videos.list about every watched broadcast and tell the sink what changed."""
        pending = self._watched()
        if not pending:
            return
        if (
            not self._urgent(now)
            and self._last_videos_check is not None
            and now - self._last_videos_check < self.watch.youtube.poll_idle
        ):
            return  # nothing imminent: the idle rate is enough even while the feed is read fast
        for start in range(0, len(pending), MAX_IDS_PER_CALL):
            chunk = pending[start : start + MAX_IDS_PER_CALL]
            ids = [b.video_id for b in chunk]
            seen = await self.api.ask(now, "videos.list", partial(self._describe, ids, now))
            if isinstance(seen, NotAsked):
                return
            by_id = {o.video_id: o for o in seen}
            for b in chunk:
                step = advance(b, by_id.get(b.video_id), now, self.watch.vanish_after)
                await self._settle(step.broadcast, step.changes, now)

    async def _describe(
        self, ids: list[str], now: datetime, client: YouTubeClient
    ) -> list[Observation]:
        self._last_videos_check = now
        return await client.videos(ids, now)

    async def _deliver_owed(self, now: datetime) -> None:
        """An end (or vanishing) the sink failed to take is owed again: finished broadcasts are never
        asked about again, so it is delivered here without a call to YouTube."""
        for b in list(self.broadcasts.values()):
            owed = due(b, now) if b.terminal else []
            if owed:
                await self._settle(b, owed, now)

    async def _give_up_recordings(self, now: datetime) -> None:
        """A recording still not ready a day after the end will not be linked: stop asking."""
        for b in list(self.broadcasts.values()):
            expired = expire_recording(b, now)
            if expired is not b:
                log.warning(
                    "live: the recording of %s (%s) was not ready a day after the end; "
                    "no longer checking it",
                    b.video_id,
                    b.title,
                )
                self.broadcasts[b.video_id] = expired
                await self._save(expired, now)
                chosen = self.event_broadcast()
                if chosen is not None and chosen.video_id == expired.video_id:
                    # The event's stream: its replay post will not come by itself.
                    await self.sink.tell_moderators(
                        RecordingUnavailableNotice(expired.video_id, expired.title)
                    )

    async def _settle(
        self, b: Broadcast, changes: Sequence[BroadcastChange], now: datetime
    ) -> None:
        """Tell the sink each change in turn, then keep and save what was told. A change the sink
        failed to take stops the rest: they are owed again, in order, at the next poll."""
        for change in changes:
            told = await self._deliver(b, change)
            if told is b:
                break
            b = told
        self.broadcasts[b.video_id] = b
        await self._save(b, now)

    async def _deliver(self, b: Broadcast, change: BroadcastChange) -> Broadcast:
        """``b`` as recorded after the sink took ``change``; unchanged when the sink failed."""
        refs: Sequence[MessageRef] = ()
        try:
            if isinstance(change, Ended):
                await self._stream_ended(b)
            elif isinstance(change, RecordingReady):
                self._tell(RECORDING_READY_EVENT, b)
            else:
                async with asyncio.timeout(SINK_TIMEOUT):
                    if isinstance(change, Upcoming):
                        refs = await self.sink.on_upcoming(b)
                    elif isinstance(change, WentLive):
                        refs = await self.sink.on_live(b)
                    elif isinstance(change, ViewersChanged):
                        await self.sink.on_viewers(b)
                    elif isinstance(change, Vanished):
                        await self.sink.on_vanished(b)
        except Exception:
            # Not recorded as said: owed again at the next poll.
            log.exception("live relay: sink failed on %s for %s", type(change).__name__, b.video_id)
            return b
        # Viewer counts change at every poll; the stream's stages are worth a line each.
        level = logging.DEBUG if isinstance(change, ViewersChanged) else logging.INFO
        log.log(level, "live: %s %s (%s)", type(change).__name__, b.video_id, b.title)
        return mark_announced(b, change, tuple(refs))

    async def _stream_ended(self, b: Broadcast) -> None:
        """The stream is over: its summary (with the viewers chart) goes to the sink. Raises when the
        sink fails, and the end is then owed again at the next poll."""
        # Drawn before the sink's time limit starts: the limit is for Discord, not for matplotlib.
        summary = await self._summary(b)
        async with asyncio.timeout(SINK_TIMEOUT):
            await self.sink.on_ended(b, summary)
        self._tell(STREAM_ENDED_EVENT, b)

    def _tell(self, event: str, b: Broadcast) -> None:
        """Dispatch ``event`` when ``b`` is the event's stream (another stream of the channel has
        no chapters, no replay post and no report)."""
        if self.dispatch is None:
            return
        # ``b`` as just delivered, in place of the version the relay kept before this poll.
        chosen = self.event_broadcast({**self.broadcasts, b.video_id: b}.values())
        if chosen is None or chosen.video_id != b.video_id:
            log.info("live: %s of %s is not the event's stream: not dispatched", event, b.video_id)
            return
        self.dispatch(event, stream_record(b))

    async def _summary(self, b: Broadcast) -> Summary:
        summary = summarize(b)
        if not summary.samples:
            return summary
        zone = self.watch.zone
        label = summary.samples[0].at.astimezone(zone).tzname() or ""
        try:
            chart = await asyncio.to_thread(viewers_chart, summary.samples, zone, zone_label=label)
        except Exception:
            log.exception("live relay: viewer chart failed; summary without it")
            return summary
        return replace(summary, chart_png=chart)

    async def _save(self, b: Broadcast, now: datetime) -> None:
        previous = self._saved.get(b.video_id)
        if previous == b:
            return
        await self.store.save_broadcast(b, now, previous)
        self._saved[b.video_id] = b

    # -- planning -----------------------------------------------------------------------------------

    def _upcoming_starts(self) -> list[datetime]:
        return [
            b.scheduled_start
            for b in self.broadcasts.values()
            if b.phase is Phase.UPCOMING and b.scheduled_start is not None
        ]

    def _fast(self, now: datetime) -> bool:
        live = any(b.phase is Phase.LIVE for b in self.broadcasts.values())
        return wants_active(
            now, window=self.watch.window, live=live, upcoming_starts=self._upcoming_starts()
        )

    def _urgent(self, now: datetime) -> bool:
        phases = {b.phase for b in self.broadcasts.values()}
        return api_urgent(
            now,
            window=self.watch.window,
            live=Phase.LIVE in phases,
            unchecked=Phase.NEW in phases,
            upcoming_starts=self._upcoming_starts(),
        )

    def _watched(self) -> list[Broadcast]:
        """Broadcasts videos.list must describe: live first, then upcoming by start, then new."""
        rank = {Phase.LIVE: 0, Phase.UPCOMING: 1, Phase.NEW: 2}
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(
            (b for b in self.broadcasts.values() if watched(b)),
            key=lambda b: (rank.get(b.phase, 3), b.scheduled_start or far, b.first_seen),
        )

    def _plan(self, now: datetime) -> timedelta:
        youtube = self.watch.youtube
        fast = self._fast(now)
        retry = self.api.retry_delay(now)
        mode: Mode
        if retry is not None:
            delay, mode = retry, "backoff"
        else:
            # Fast polls that will not call videos.list cost nothing: plan them as free.
            pending = len(self._watched())
            calls = math.ceil(pending / MAX_IDS_PER_CALL) if self._urgent(now) else 0
            delay = next_interval(
                now,
                active=fast,
                poll_active=youtube.poll_active,
                poll_idle=youtube.poll_idle,
                units_left=self.api.ledger.left(now),
                units_per_poll=calls,
            )
            mode = "active" if fast else "idle"
        self._mode = self.api.mode(now, owed_calls=bool(self._watched())) or mode
        # Wake up when fast polling should begin (the window opens, a broadcast is an hour away).
        window = self.watch.window
        starts = [window.opens] if window is not None else []
        starts += [
            b.scheduled_start - UPCOMING_SOON
            for b in self.broadcasts.values()
            if b.phase is Phase.UPCOMING
            and b.scheduled_start is not None
            and b.scheduled_start > now - UPCOMING_STALE
        ]
        soonest = min((s for s in starts if s > now), default=None)
        if soonest is not None and not fast:
            delay = min(delay, soonest - now)
        return max(delay, timedelta(0))

    # -- the event's stream (bot.services.StreamRecordSource) ----------------------------------------

    def event_broadcast(self, broadcasts: Iterable[Broadcast] | None = None) -> Broadcast | None:
        """The event's stream among ``broadcasts`` (default: all the relay knows)."""
        return event_broadcast(
            self.broadcasts.values() if broadcasts is None else broadcasts,
            video_id=self.watch.youtube.video_id,
            window=self.watch.window,
        )

    async def stream_record(self) -> StreamRecord | None:
        """The event's stream as the recap reads it; None when no announced stream has started."""
        b = self.event_broadcast()
        return None if b is None else stream_record(b)

    # -- status -------------------------------------------------------------------------------------

    @property
    def ledger(self) -> QuotaLedger:
        """The quota day's calls and units (``/metrics`` reads it through ``services.youtube_status``)."""
        return self.api.ledger

    def status(self) -> RelayStatus:
        now = self.clock.now()
        live = tuple(
            sorted(
                (b for b in self.broadcasts.values() if b.phase is Phase.LIVE),
                key=lambda b: b.actual_start or b.first_seen,
            )
        )
        upcoming = tuple(
            sorted(
                (
                    b
                    for b in self.broadcasts.values()
                    if b.phase is Phase.UPCOMING
                    and b.scheduled_start is not None
                    and b.scheduled_start >= now - UPCOMING_STALE
                ),
                key=lambda b: b.scheduled_start or now,
            )
        )
        ended = [b for b in self.broadcasts.values() if b.phase is Phase.ENDED and b.announced]
        last_ended = max(ended, key=lambda b: b.actual_end or b.first_seen, default=None)
        ledger = self.api.ledger
        return RelayStatus(
            now=now,
            mode=self._mode,
            channel_id=self.discovery.channel_id,
            live=live,
            upcoming=upcoming,
            last_ended=last_ended,
            last_success=self.api.last_success,
            last_feed_success=self.discovery.last_feed_success,
            last_error=self.api.last_error,
            units_used=ledger.used(now),
            units_left=ledger.left(now),
            daily_quota=self.watch.youtube.daily_quota,
            quota_resets_at=next_reset(now),
            next_poll=self._next_poll,
            websub_expires_at=self.discovery.websub_expires_at,
        )
