"""Which videos the relay watches: the configured ``youtube.video_id``, WebSub pushes, the channel's
free feed and, during a long feed outage while polling fast, the uploads playlist.

Discovery only names candidate video ids; videos.list (the relay) says what each one is. A feed error
never means "no videos": known broadcasts stay as they are. A WebSub push is only a hint that wakes the
relay, because YouTube pushes when a stream is created, not when it goes live.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime

import aiohttp

from bot.clock import Clock
from bot.config import YouTubeSection
from cogs.live._feed import FeedDocument, FeedError, fetch_feed
from cogs.live._gate import ApiGate, Moderators, NotAsked
from cogs.live._notices import ChannelNotFoundNotice
from cogs.live._store import LiveStore
from cogs.live._websub import WebSubSubscriber
from cogs.live._youtube import ChannelInfo, Endpoints, YouTubeClient

log = logging.getLogger(__name__)

#: Consecutive feed failures after which the uploads playlist (one unit) is read instead.
FEED_FAILURES_BEFORE_PLAYLIST = 3


class Discovery:
    def __init__(
        self,
        youtube: YouTubeSection,
        endpoints: Endpoints,
        api: ApiGate,
        store: LiveStore,
        moderators: Moderators,
        clock: Clock,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.youtube = youtube
        self._endpoints = endpoints
        self._api = api
        self._store = store
        self._moderators = moderators
        self._clock = clock
        self._session = session
        self._own_session = session is None
        self._channel: ChannelInfo | None = None
        self._channel_missing = False
        self._hinted: set[str] = set()
        self._feed_failures = 0
        self._last_playlist_read: datetime | None = None
        self.last_feed_success: datetime | None = None
        self.websub: WebSubSubscriber | None = None

    @property
    def channel_id(self) -> str | None:
        return self._channel.channel_id if self._channel else None

    @property
    def websub_expires_at(self) -> datetime | None:
        return self.websub.expires_at if self.websub else None

    async def load(self) -> None:
        """The channel resolved by an earlier run (a handle costs a unit to resolve)."""
        ref = self.youtube.channel
        if not ref:
            return
        if ref.startswith("UC"):
            # A channel id needs no lookup: the feed wants the id, uploads is its UU twin.
            self._channel = ChannelInfo(ref, "", "UU" + ref[2:])
        else:
            self._channel = await self._store.channel(ref)

    async def start(self, wake: Callable[[], None]) -> None:
        """Serve the WebSub callback when configured; a valid push hints its ids and calls ``wake``."""
        if not self.youtube.websub_callback_url or self.websub is not None:
            return

        def on_push(document: FeedDocument) -> None:
            self.hint([*document.video_ids, *document.deleted])
            wake()

        self.websub = WebSubSubscriber(
            callback_url=self.youtube.websub_callback_url,
            port=self.youtube.websub_port,
            host=self._endpoints.websub_host,
            hub_url=self._endpoints.websub_hub,
            session=self._session_ready(),
            clock=self._clock,
            on_notification=on_push,
            request_timeout=self._endpoints.timeout,
        )
        try:
            await self.websub.start()
        except OSError:
            log.exception("WebSub callback server could not start; polling only")
            self.websub = None

    async def stop(self) -> None:
        if self.websub is not None:
            await self.websub.stop()
            self.websub = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def hint(self, video_ids: Iterable[str]) -> None:
        """Ids from outside (a WebSub push, a test): candidates at the next poll."""
        self._hinted.update(v for v in video_ids if v)

    async def candidates(self, now: datetime, *, fast: bool) -> list[str]:
        """The video ids worth asking about at this poll (known ones included; the relay dedupes)."""
        await self._resolve_channel(now)
        ids = [self.youtube.video_id] if self.youtube.video_id else []
        hinted, self._hinted = self._hinted, set()
        ids.extend(hinted)
        if self._channel is None:
            return ids
        try:
            document = await fetch_feed(
                self._session_ready(),
                self._endpoints.feed_base,
                self._channel.channel_id,
                limit_seconds=self._endpoints.timeout,
            )
        except FeedError as error:
            self._feed_failures += 1
            log.warning("channel feed failed (%d in a row): %s", self._feed_failures, error)
            if fast:
                ids.extend(await self._playlist_fallback(now, self._channel))
            return ids
        self._feed_failures = 0
        self.last_feed_success = now
        ids.extend(document.video_ids)
        return ids

    async def maintain_websub(self) -> None:
        """Subscribe, or renew before the lease ends; failures are logged and polling goes on."""
        if self.websub is None or self._channel is None:
            return
        try:
            await self.websub.maintain(self._channel.channel_id)
        except Exception:
            log.exception("live relay: WebSub upkeep failed")

    def _session_ready(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _resolve_channel(self, now: datetime) -> None:
        ref = self.youtube.channel
        if not ref or self._channel is not None or self._channel_missing:
            return
        info = await self._api.ask(now, "channels.list", lambda client: client.channel(ref))
        if isinstance(info, NotAsked):
            return
        if info is None:
            self._channel_missing = True
            log.error("YouTube knows no channel %r: check youtube.channel", ref)
            await self._moderators.tell_moderators(ChannelNotFoundNotice(ref))
            return
        log.info("resolved %s to %s (%s)", ref, info.channel_id, info.title)
        self._channel = info
        await self._store.save_channel(ref, info, now)

    async def _playlist_fallback(self, now: datetime, channel: ChannelInfo) -> list[str]:
        """During a long feed outage while polling fast, the uploads playlist (one unit, at most
        once per ``poll_idle``) stands in for the feed."""
        if self._feed_failures < FEED_FAILURES_BEFORE_PLAYLIST or (
            self._last_playlist_read is not None
            and now - self._last_playlist_read < self.youtube.poll_idle
        ):
            return []

        async def read_uploads(client: YouTubeClient) -> list[str]:
            self._last_playlist_read = now  # a failed read waits its turn too
            return await client.recent_uploads(channel.uploads_playlist)

        ids = await self._api.ask(now, "playlistItems.list", read_uploads)
        return [] if isinstance(ids, NotAsked) else ids
