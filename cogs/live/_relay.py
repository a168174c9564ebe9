"""LiveRelay: watches the YouTube channel and tells a :class:`LiveSink` what Discord should see.

One asyncio task polls; each poll (a "tick") reads the free feed, asks videos.list about every
broadcast that is not finished (one unit per 50 ids), folds the answers into the pure state machine
(``_state``) and hands the owed announcements to the sink. The task never dies: a tick's exception is
logged and the next tick comes as scheduled. It sleeps through the injected clock and can be woken early
(WebSub pushes, tests).

Quota: every request goes through the ledger (``QuotaLedger``, SQLite, per Pacific day). A call is
only made when it keeps the day's spend within ``youtube.daily_quota``; after YouTube says
quotaExceeded only one probe per ``youtube.quota_probe`` goes out until a probe succeeds or the Pacific
day ends. Transient failures back off exponentially with jitter; none of them changes a broadcast.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal, Protocol

import aiohttp

from bot.clock import Clock
from bot.config import Config, YouTubeSection
from bot.store import Store
from cogs.live._chart import viewers_chart
from cogs.live._feed import FeedDocument, FeedError, fetch_feed
from cogs.live._quota import (
    UPCOMING_SOON,
    UPCOMING_STALE,
    EventWindow,
    api_urgent,
    backoff_delay,
    can_spend,
    next_interval,
    next_reset,
    pacific_day,
    probe_due,
    wants_active,
)
from cogs.live._repo import LiveRepo, QuotaLedger
from cogs.live._state import (
    VANISH_AFTER,
    Broadcast,
    Ended,
    Event,
    MessageRef,
    Phase,
    Summary,
    Upcoming,
    Vanished,
    ViewersChanged,
    WentLive,
    advance,
    due,
    mark_announced,
    new_broadcast,
    summarize,
)
from cogs.live._websub import DEFAULT_HUB_URL, WebSubSubscriber
from cogs.live._youtube import (
    MAX_IDS_PER_CALL,
    ApiDisabled,
    BadKey,
    ChannelInfo,
    QuotaExceeded,
    YouTubeClient,
    YouTubeError,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE = "https://youtube.googleapis.com"
DEFAULT_FEED_BASE = "https://www.youtube.com"
#: A WebSub push or an explicit wake never polls sooner than this after the previous poll.
HINT_MIN_GAP = timedelta(seconds=1)
#: Consecutive feed failures after which the uploads playlist (one unit) is read instead.
FEED_FAILURES_BEFORE_PLAYLIST = 3
#: A hung Discord call must not stall detection.
SINK_TIMEOUT = 30.0
#: How long ``stop`` lets a poll in progress finish. The bot's whole shutdown has 4 s
#: (bot.lifecycle.SHUTDOWN_TIMEOUT), and the schedule's stop may wait for a reminder post too.
STOP_GRACE = 1.5

NoticeKind = Literal[
    "quota_exceeded",
    "quota_restored",
    "budget_exhausted",
    "bad_key",
    "api_disabled",
    "channel_not_found",
]
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


class LiveSink(Protocol):
    """What the cog implements. Each call may raise: the relay logs it and owes the event again at the
    next poll (announcements are recorded only after the sink returns)."""

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

    async def on_moderator_notice(self, kind: NoticeKind, details: Mapping[str, str]) -> None:
        """Something moderators must know (each kind told once per day or per cause)."""
        ...


@dataclass(frozen=True)
class RelayStatus:
    """A snapshot for /live and /admin status."""

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

    @property
    def current(self) -> Broadcast | None:
        """The live broadcast, else the next upcoming one."""
        if self.live:
            return self.live[0]
        return self.upcoming[0] if self.upcoming else None


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class LiveRelay:
    def __init__(
        self,
        *,
        youtube: YouTubeSection,
        store: Store,
        clock: Clock,
        sink: LiveSink,
        api_key: str,
        api_base: str = DEFAULT_API_BASE,
        feed_base: str = DEFAULT_FEED_BASE,
        window: EventWindow | None = None,
        session: aiohttp.ClientSession | None = None,
        chart_tz: tzinfo = UTC,
        websub_hub_url: str = DEFAULT_HUB_URL,
        websub_host: str = "0.0.0.0",  # noqa: S104 - the hub must reach the callback
        http_timeout: float = 10.0,
        rand: Callable[[], float] = random.random,
        vanish_after: timedelta = VANISH_AFTER,
    ) -> None:
        self.youtube = youtube
        self.clock = clock
        self.sink = sink
        self.window = window
        self.repo = LiveRepo(store)
        self.ledger = QuotaLedger(self.repo, clock, youtube.daily_quota)
        self._client = YouTubeClient(
            api_key=api_key, api_base=api_base, ledger=self.ledger, timeout=http_timeout
        )
        self._key_id = _fingerprint(api_key)
        self._has_key = bool(api_key)
        self._feed_base = feed_base
        self._session = session
        self._own_session = session is None
        self._http_timeout = http_timeout
        self._chart_tz = chart_tz
        self._websub_hub_url = websub_hub_url
        self._websub_host = websub_host
        self._rand = rand
        self._vanish_after = vanish_after

        self.broadcasts: dict[str, Broadcast] = {}
        self._saved: dict[str, Broadcast] = {}
        self._hinted: set[str] = set()
        self._channel: ChannelInfo | None = None
        self._channel_missing = False
        self._wake = asyncio.Event()
        self._tick_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._loaded = False
        self.websub: WebSubSubscriber | None = None

        self._failures = 0
        self._retry_at: datetime | None = None
        self._quota_blocked_day: date | None = None
        self._last_probe: datetime | None = None
        self._fatal: Literal["bad_key", "api_disabled"] | None = None
        self._fatal_retry_at: datetime | None = None
        self._feed_failures = 0
        self._last_playlist_read: datetime | None = None
        self._last_videos_check: datetime | None = None
        self._last_tick: datetime | None = None
        self._last_success: datetime | None = None
        self._last_feed_success: datetime | None = None
        self._last_error: str | None = None
        self._next_poll: datetime | None = None
        self._mode: Mode = "stopped"

    @classmethod
    def from_config(
        cls,
        config: Config,
        *,
        store: Store,
        clock: Clock,
        sink: LiveSink,
        api_key: str,
        api_base: str = DEFAULT_API_BASE,
        feed_base: str = DEFAULT_FEED_BASE,
        session: aiohttp.ClientSession | None = None,
    ) -> LiveRelay:
        """The relay for an event config: event window from the program, chart in the event's zone."""
        return cls(
            youtube=config.youtube,
            store=store,
            clock=clock,
            sink=sink,
            api_key=api_key,
            api_base=api_base,
            feed_base=feed_base,
            window=EventWindow(config.starts_at, config.ends_at),
            session=session,
            chart_tz=config.tz,
        )

    # -- lifecycle ----------------------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return self._has_key and bool(self.youtube.channel or self.youtube.video_id)

    async def load(self) -> None:
        """Read what earlier runs knew (idempotent; ``start`` calls it)."""
        if self._loaded:
            return
        await self.ledger.load()
        for b in await self.repo.broadcasts():
            self._saved[b.video_id] = b
            # Owe one viewer refresh per announced live broadcast after a start-up, so the sink can
            # restore presence and bring the (same) status message up to date.
            if b.phase is Phase.LIVE and b.live_announced:
                b = replace(b, reported_viewers=None)
            self.broadcasts[b.video_id] = b
        if self.youtube.channel:
            self._channel = await self._cached_channel(self.youtube.channel)
        self._loaded = True

    async def start(self) -> None:
        if self._task is not None:
            return
        try:
            await self.load()
        except Exception:
            # The loop loads again before each poll: a database hiccup at start-up is not fatal.
            log.exception("live relay: could not read its state; retrying in the loop")
        if self._session is None:
            self._session = aiohttp.ClientSession()
        if self.youtube.websub_callback_url and self.websub is None:
            self.websub = WebSubSubscriber(
                callback_url=self.youtube.websub_callback_url,
                port=self.youtube.websub_port,
                host=self._websub_host,
                hub_url=self._websub_hub_url,
                session=self._session,
                clock=self.clock,
                on_notification=self._on_push,
                request_timeout=self._http_timeout,
            )
            try:
                await self.websub.start()
            except OSError:
                log.exception("WebSub callback server could not start; polling only")
                self.websub = None
        if self.configured:
            self._mode = "idle"
        else:
            self._mode = "not_configured"
            missing = "YOUTUBE_API_KEY" if not self._has_key else "youtube.channel/video_id"
            log.warning("live relay is off: %s is not set", missing)
        self._task = asyncio.create_task(self._run(), name="live-relay")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        task, self._task = self._task, None
        if task is not None:
            # A poll cut short could post a message and never record it (posted again after a
            # restart) or save a broadcast without its message ids: let it finish first.
            paused = False
            try:
                await asyncio.wait_for(self._tick_lock.acquire(), grace)
                paused = True
            except TimeoutError:
                log.warning("live relay: a poll still running after %.0f s is cut short", grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            if paused:
                self._tick_lock.release()
        if self.websub is not None:
            await self.websub.stop()
            self.websub = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None
        self._mode = "stopped"

    def hint(self, video_ids: Iterable[str] = ()) -> None:
        """Candidate video ids from outside (a WebSub push): checked at the next poll, which is now."""
        self._hinted.update(v for v in video_ids if v)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def _on_push(self, document: FeedDocument) -> None:
        self.hint([*document.video_ids, *document.deleted])

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
                delay = self._failure_delay(started)
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
            earliest = (self._last_tick or self.clock.now()) + HINT_MIN_GAP
            due = min(due, max(earliest, self.clock.now()))

    # -- one poll -----------------------------------------------------------------------------------

    async def poll_once(self) -> timedelta:
        """Run one poll now; returns the delay until the next one. Used by the loop and by tests."""
        async with self._tick_lock:
            await self.load()
            now = self.clock.now()
            self._last_tick = now
            if not self.configured:
                self._mode = "not_configured"
                return self.youtube.poll_idle
            if self._session is None:
                self._session = aiohttp.ClientSession()
            self._maybe_clear_quota_block(now)
            await self._ensure_channel(now)
            await self._discover(now)
            await self._deliver_owed(now)
            await self._check(now)
            await self._maintain_websub()
            return self._plan(self.clock.now())

    def _failure_delay(self, now: datetime) -> timedelta:
        active = self._active(now)
        cap = self.youtube.poll_active if active else self.youtube.poll_idle
        base = min(timedelta(seconds=1), self.youtube.poll_active)
        return backoff_delay(max(1, self._failures), base=base, cap=cap, rand=self._rand)

    def _upcoming_starts(self) -> list[datetime]:
        return [
            b.scheduled_start
            for b in self.broadcasts.values()
            if b.phase is Phase.UPCOMING and b.scheduled_start is not None
        ]

    def _active(self, now: datetime) -> bool:
        live = any(b.phase is Phase.LIVE for b in self.broadcasts.values())
        return wants_active(
            now, window=self.window, live=live, upcoming_starts=self._upcoming_starts()
        )

    def _urgent(self, now: datetime) -> bool:
        phases = {b.phase for b in self.broadcasts.values()}
        return api_urgent(
            now,
            window=self.window,
            live=Phase.LIVE in phases,
            unchecked=Phase.NEW in phases,
            upcoming_starts=self._upcoming_starts(),
        )

    def _pending(self) -> list[Broadcast]:
        """Broadcasts videos.list must describe: live first, then upcoming by start, then new."""
        rank = {Phase.LIVE: 0, Phase.UPCOMING: 1, Phase.NEW: 2}
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(
            (b for b in self.broadcasts.values() if not b.terminal),
            key=lambda b: (rank.get(b.phase, 3), b.scheduled_start or far, b.first_seen),
        )

    def _plan(self, now: datetime) -> timedelta:
        active = self._active(now)
        if self._failures:
            # The retry time drawn when the call failed (one jitter draw per failure).
            retry_at = self._retry_at or now + self._failure_delay(now)
            delay = retry_at - now
            self._mode = "backoff"
        else:
            # Fast ticks that will not call videos.list cost nothing: plan them as free.
            urgent = self._urgent(now)
            calls = math.ceil(len(self._pending()) / MAX_IDS_PER_CALL) if urgent else 0
            delay = next_interval(
                now,
                active=active,
                poll_active=self.youtube.poll_active,
                poll_idle=self.youtube.poll_idle,
                units_left=self.ledger.left(now),
                units_per_poll=calls,
            )
            self._mode = "active" if active else "idle"
        if self._fatal is not None:
            self._mode = self._fatal
        elif self._quota_blocked_day is not None:
            self._mode = "quota_exceeded"
        elif self.ledger.left(now) < 1 and self._pending():
            self._mode = "budget_exhausted"
        # Wake up when fast polling should begin (the window opens, a broadcast is an hour away).
        starts = [self.window.opens] if self.window is not None else []
        starts += [
            b.scheduled_start - UPCOMING_SOON
            for b in self.broadcasts.values()
            if b.phase is Phase.UPCOMING
            and b.scheduled_start is not None
            and b.scheduled_start > now - UPCOMING_STALE
        ]
        soonest = min((s for s in starts if s > now), default=None)
        if soonest is not None and not active:
            delay = min(delay, soonest - now)
        return max(delay, timedelta(0))

    # -- API gate -----------------------------------------------------------------------------------

    def _maybe_clear_quota_block(self, now: datetime) -> None:
        if self._quota_blocked_day is not None and pacific_day(now) != self._quota_blocked_day:
            log.info("new Pacific day: YouTube quota available again")
            self._quota_blocked_day = None
            self._last_probe = None

    async def _may_call(self, now: datetime) -> bool:
        """Whether one more (one-unit) request may go out now."""
        if (
            self._fatal is not None
            and self._fatal_retry_at is not None
            and now < self._fatal_retry_at
        ):
            return False
        if self._retry_at is not None and now < self._retry_at:
            return False
        probing = self._quota_blocked_day is not None
        if probing and not probe_due(now, self._last_probe, self.youtube.quota_probe):
            return False
        if not can_spend(self.youtube.daily_quota, self.ledger.used(now), 1):
            await self._notice_once(
                "budget_exhausted",
                pacific_day(now).isoformat(),
                {
                    "used": str(self.ledger.used(now)),
                    "daily_quota": str(self.youtube.daily_quota),
                    "resets_at": next_reset(now).isoformat(),
                },
            )
            return False
        if probing:
            self._last_probe = now
            log.info("YouTube quota exceeded earlier today: probing with one call")
        return True

    async def _api_ok(self, now: datetime) -> None:
        self._failures = 0
        self._retry_at = None
        self._last_success = now
        self._last_error = None
        if self._fatal is not None:
            log.info("YouTube API works again")
            await self.repo.clear_notice(self._fatal)
            self._fatal = None
            self._fatal_retry_at = None
        if self._quota_blocked_day is not None:
            log.info("YouTube quota probe succeeded: polling resumes")
            day = self._quota_blocked_day.isoformat()
            self._quota_blocked_day = None
            self._last_probe = None
            await self._notice_once("quota_restored", day, {"day": day})

    async def _api_failed(self, now: datetime, error: YouTubeError, what: str) -> None:
        self._last_error = f"{what}: {error}"
        if isinstance(error, QuotaExceeded):
            day = pacific_day(now)
            if self._quota_blocked_day is None:
                log.warning(
                    "YouTube quota exceeded (%s); one probe per %s", what, self.youtube.quota_probe
                )
            self._quota_blocked_day = day
            self._last_probe = now
            await self._notice_once(
                "quota_exceeded",
                day.isoformat(),
                {
                    "probe_every": str(int(self.youtube.quota_probe.total_seconds())),
                    "resets_at": next_reset(now).isoformat(),
                    "message": error.message,
                },
            )
            return
        if isinstance(error, BadKey | ApiDisabled):
            kind: Literal["bad_key", "api_disabled"] = (
                "bad_key" if isinstance(error, BadKey) else "api_disabled"
            )
            if self._fatal != kind:
                log.error("YouTube API %s: %s", kind, error)
            self._fatal = kind
            self._fatal_retry_at = now + max(self.youtube.quota_probe, self.youtube.poll_idle)
            fix = (
                "Set YOUTUBE_API_KEY to a valid key from Google Cloud Console "
                "(APIs & Services > Credentials) and restart the bot."
                if kind == "bad_key"
                else "Enable 'YouTube Data API v3' for the key's project in Google Cloud Console "
                "(APIs & Services > Library); no restart needed."
            )
            await self._notice_once(kind, self._key_id, {"message": error.message, "fix": fix})
            return
        self._failures += 1
        delay = self._failure_delay(now)
        self._retry_at = now + delay
        log.warning(
            "YouTube %s failed (%s); attempt %d, retrying in %.1fs",
            what,
            error,
            self._failures,
            delay.total_seconds(),
        )

    async def _notice_once(self, kind: NoticeKind, scope: str, details: Mapping[str, str]) -> None:
        if not await self.repo.mark_notice(kind, scope, self.clock.now()):
            return
        try:
            async with asyncio.timeout(SINK_TIMEOUT):
                await self.sink.on_moderator_notice(kind, details)
        except Exception:
            log.exception("live relay: could not deliver the %s notice", kind)

    # -- steps of a poll ----------------------------------------------------------------------------

    async def _cached_channel(self, ref: str) -> ChannelInfo | None:
        if ref.startswith("UC"):
            # A channel id needs no lookup: the feed wants the id, uploads is its UU twin.
            return ChannelInfo(ref, "", "UU" + ref[2:])
        return await self.repo.channel(ref)

    async def _ensure_channel(self, now: datetime) -> None:
        ref = self.youtube.channel
        if not ref or self._channel is not None or self._channel_missing:
            return
        if not await self._may_call(now):
            return
        try:
            info = await self._client.channel(ref)
        except YouTubeError as error:
            await self._api_failed(now, error, "channels.list")
            return
        await self._api_ok(now)
        if info is None:
            self._channel_missing = True
            log.error("YouTube knows no channel %r: check youtube.channel", ref)
            await self._notice_once("channel_not_found", ref, {"channel": ref})
            return
        log.info("resolved %s to %s (%s)", ref, info.channel_id, info.title)
        self._channel = info
        await self.repo.save_channel(ref, info, now)

    def _learn(self, video_id: str, now: datetime) -> None:
        if video_id not in self.broadcasts:
            self.broadcasts[video_id] = new_broadcast(video_id, now)

    async def _discover(self, now: datetime) -> None:
        if self.youtube.video_id:
            self._learn(self.youtube.video_id, now)
        hinted, self._hinted = self._hinted, set()
        for video_id in hinted:
            self._learn(video_id, now)
        if self._channel is None or self._session is None:
            return
        try:
            document = await fetch_feed(
                self._session,
                self._feed_base,
                self._channel.channel_id,
                limit_seconds=self._http_timeout,
            )
        except FeedError as error:
            # Never "no videos": known broadcasts stay as they are.
            self._feed_failures += 1
            log.warning("channel feed failed (%d in a row): %s", self._feed_failures, error)
            await self._playlist_fallback(now)
            return
        self._feed_failures = 0
        self._last_feed_success = now
        for video_id in document.video_ids:
            self._learn(video_id, now)

    async def _playlist_fallback(self, now: datetime) -> None:
        """During a long feed outage in fast mode, read the uploads playlist instead (one unit)."""
        if (
            self._channel is None
            or self._feed_failures < FEED_FAILURES_BEFORE_PLAYLIST
            or not self._active(now)
            or (
                self._last_playlist_read is not None
                and now - self._last_playlist_read < self.youtube.poll_idle
            )
            or not await self._may_call(now)
        ):
            return
        self._last_playlist_read = now
        try:
            ids = await self._client.recent_uploads(self._channel.uploads_playlist)
        except YouTubeError as error:
            await self._api_failed(now, error, "playlistItems.list")
            return
        await self._api_ok(now)
        for video_id in ids:
            self._learn(video_id, now)

    async def _check(self, now: datetime) -> None:
        pending = self._pending()
        if not pending:
            return
        if (
            not self._urgent(now)
            and self._last_videos_check is not None
            and now - self._last_videos_check < self.youtube.poll_idle
        ):
            return  # nothing imminent: the idle rate is enough even while the feed is read fast
        for start in range(0, len(pending), MAX_IDS_PER_CALL):
            chunk = pending[start : start + MAX_IDS_PER_CALL]
            if not await self._may_call(now):
                return
            self._last_videos_check = now
            try:
                seen = await self._client.videos([b.video_id for b in chunk], now)
            except YouTubeError as error:
                await self._api_failed(now, error, "videos.list")
                return
            await self._api_ok(now)
            by_id = {o.video_id: o for o in seen}
            for b in chunk:
                step = advance(b, by_id.get(b.video_id), now, self._vanish_after)
                current = step.broadcast
                for event in step.events:
                    current = await self._deliver(current, event)
                self.broadcasts[b.video_id] = current
                await self._save(current, now)

    async def _deliver_owed(self, now: datetime) -> None:
        """An end (or vanishing) the sink failed to take is owed again: finished broadcasts are never
        asked about again, so it is delivered here without a call to YouTube."""
        for b in list(self.broadcasts.values()):
            if not b.terminal:
                continue
            current = b
            for event in due(b, now):
                current = await self._deliver(current, event)
            if current is not b:
                self.broadcasts[b.video_id] = current
                await self._save(current, now)

    async def _deliver(self, b: Broadcast, event: Event) -> Broadcast:
        refs: tuple[MessageRef, ...] = ()
        # Drawn before the sink's time limit starts: the limit is for Discord, not for matplotlib.
        summary = await self._summary(b) if isinstance(event, Ended) else None
        try:
            async with asyncio.timeout(SINK_TIMEOUT):
                if isinstance(event, Upcoming):
                    refs = tuple(await self.sink.on_upcoming(b))
                elif isinstance(event, WentLive):
                    refs = tuple(await self.sink.on_live(b))
                elif isinstance(event, ViewersChanged):
                    await self.sink.on_viewers(b)
                elif isinstance(event, Ended) and summary is not None:
                    await self.sink.on_ended(b, summary)
                elif isinstance(event, Vanished):
                    await self.sink.on_vanished(b)
        except Exception:
            # Not recorded as said: owed again at the next poll.
            log.exception("live relay: sink failed on %s for %s", type(event).__name__, b.video_id)
            return b
        log.info("live: %s %s (%s)", type(event).__name__, b.video_id, b.title)
        return mark_announced(b, event, refs)

    async def _summary(self, b: Broadcast) -> Summary:
        summary = summarize(b)
        if not summary.samples:
            return summary
        label = summary.samples[0].at.astimezone(self._chart_tz).tzname() or ""
        try:
            chart = await asyncio.to_thread(
                viewers_chart, summary.samples, self._chart_tz, zone_label=label
            )
        except Exception:
            log.exception("live relay: viewer chart failed; summary without it")
            return summary
        return replace(summary, chart_png=chart)

    async def _save(self, b: Broadcast, now: datetime) -> None:
        previous = self._saved.get(b.video_id)
        if previous == b:
            return
        await self.repo.save_broadcast(b, now, previous)
        self._saved[b.video_id] = b

    async def _maintain_websub(self) -> None:
        if self.websub is None or self._channel is None:
            return
        try:
            await self.websub.maintain(self._channel.channel_id)
        except Exception:
            log.exception("live relay: WebSub upkeep failed")

    # -- status -------------------------------------------------------------------------------------

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
        return RelayStatus(
            now=now,
            mode=self._mode,
            channel_id=self._channel.channel_id if self._channel else None,
            live=live,
            upcoming=upcoming,
            last_ended=last_ended,
            last_success=self._last_success,
            last_feed_success=self._last_feed_success,
            last_error=self._last_error,
            units_used=self.ledger.used(now),
            units_left=self.ledger.left(now),
            daily_quota=self.youtube.daily_quota,
            quota_resets_at=next_reset(now),
            next_poll=self._next_poll,
            websub_expires_at=self.websub.expires_at if self.websub else None,
        )
