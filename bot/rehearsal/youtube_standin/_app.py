"""YouTubeStandIn: the Data API v3, the channel feed and a WebSub hub on 127.0.0.1.

The real google-api-python-client talks to it (``client_options={"api_endpoint": standin.api_base}``),
so tests exercise the same request building, query encoding and error parsing as production. Every API
request is counted per method (``calls``) before anything else happens, because YouTube charges failed and
invalid requests too; ``search.list`` answers but is counted so tests can assert it is never used.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.rehearsal.youtube_standin._hub import HubStandIn
from bot.rehearsal.youtube_standin._model import FakeChannel, FakeVideo, iso_duration
from bot.rehearsal.youtube_standin._shapes import (
    GoogleError,
    bad_parameter,
    deleted_push_xml,
    error_for,
    feed_entry_xml,
    feed_xml,
    list_response,
    not_found,
    playlist_not_found,
    push_xml,
)

log = logging.getLogger(__name__)

DEFAULT_CHANNEL_ID = "UCcceisayStandIn00000000"
DEFAULT_HANDLE = "@CCEISAY"
DEFAULT_KEY = "standin-api-key"
FEED_SIZE = 15
TOPIC_BASE = "https://www.youtube.com/xml/feeds/videos.xml?channel_id="

_API_METHODS = {
    "videos": "videos.list",
    "channels": "channels.list",
    "playlistItems": "playlistItems.list",
    "search": "search.list",
}
_VIDEO_PARTS = {"id", "snippet", "liveStreamingDetails", "contentDetails", "statistics", "status"}
_CHANNEL_PARTS = {"id", "snippet", "contentDetails", "statistics", "status", "brandingSettings"}
_PLAYLIST_ITEM_PARTS = {"id", "snippet", "contentDetails", "status"}
_FEED_FAILURES = {"404": 404, "500": 500, "503": 503}


def topic_for(channel_id: str) -> str:
    return TOPIC_BASE + channel_id


class YouTubeStandIn:
    """Local YouTube. Start it, point the client at ``api_base``/``feed_base``, drive it with controls."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        api_key: str = DEFAULT_KEY,
        channel_id: str = DEFAULT_CHANNEL_ID,
        handle: str = DEFAULT_HANDLE,
        channel_title: str = "CCEI SAY",
        timeout_delay: float = 3.0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.api_key = api_key
        self.timeout_delay = timeout_delay
        self.channels: dict[str, FakeChannel] = {}
        self.videos: dict[str, FakeVideo] = {}
        self.calls: Counter[str] = Counter()
        self.feed_calls = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.quota_exhausted = False
        self.api_disabled = False
        self.hub = HubStandIn(self.clock)
        self._failures: defaultdict[str, deque[str]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._changed = asyncio.Event()
        self.default_channel = self.add_channel(channel_id, handle, channel_title)

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> Self:
        app = web.Application()
        app.router.add_get("/youtube/v3/{resource}", self._api)
        app.router.add_get("/feeds/videos.xml", self._feed)
        app.router.add_post("/hub", self.hub.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])
        await self.hub.start()
        return self

    async def stop(self) -> None:
        await self.hub.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def feed_base(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def hub_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/hub"

    @property
    def search_calls(self) -> int:
        return self.calls["search.list"]

    @property
    def api_calls(self) -> int:
        """All Data API requests received (each costs at least one unit on the real API)."""
        return sum(self.calls.values())

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_until(self, predicate: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``predicate()`` holds, re-checking whenever a request (API or feed) arrives.

        Requests are counted on arrival: "N more videos.list calls" means N-1 polls have finished.
        """
        try:
            async with asyncio.timeout(within):
                while not predicate():
                    await self._changed.wait()
        except TimeoutError:
            state = self.describe()
            raise TimeoutError(f"stand-in condition not met within {within}s: {state}") from None

    # -- controls -----------------------------------------------------------------------------------

    def add_channel(self, channel_id: str, handle: str, title: str) -> FakeChannel:
        channel = FakeChannel(channel_id, handle, title, datetime(2015, 3, 1, tzinfo=UTC))
        self.channels[channel_id] = channel
        return channel

    def _channel(self, channel_id: str | None) -> FakeChannel:
        return self.channels[channel_id] if channel_id else self.default_channel

    def _video(self, video_id: str) -> FakeVideo:
        try:
            return self.videos[video_id]
        except KeyError:
            raise KeyError(f"stand-in has no video {video_id!r}") from None

    def schedule(
        self,
        video_id: str,
        title: str,
        scheduled_start: datetime,
        premiere: bool = False,
        *,
        channel_id: str | None = None,
        premiere_length: timedelta = timedelta(minutes=12, seconds=34),
    ) -> FakeVideo:
        """Create an upcoming live stream (or premiere) that appears in the feed."""
        now = self.clock.now()
        video = FakeVideo(
            video_id=video_id,
            channel=self._channel(channel_id),
            title=title,
            published_at=now,
            updated_at=now,
            is_stream=True,
            premiere=premiere,
            duration=iso_duration(premiere_length) if premiere else "P0D",
            scheduled_start=scheduled_start,
            broadcast_content="upcoming",
        )
        self.videos[video_id] = video
        return video

    def go_live(
        self, video_id: str, actual_start: datetime | None = None, *, title: str | None = None
    ) -> FakeVideo:
        """Start a scheduled stream, or create one that goes live without a schedule."""
        now = self.clock.now()
        video = self.videos.get(video_id)
        if video is None:
            video = FakeVideo(
                video_id=video_id,
                channel=self.default_channel,
                title=title or video_id,
                published_at=now,
                updated_at=now,
            )
            self.videos[video_id] = video
        video.actual_start = actual_start or now
        video.broadcast_content = "live"
        video.updated_at = now
        if video.viewers is None:
            video.viewers = 0
        return video

    def set_viewers(self, video_id: str, viewers: int | None) -> None:
        """``None`` hides the count, as a channel owner can."""
        self._video(video_id).viewers = viewers

    def end(
        self, video_id: str, actual_end: datetime | None = None, *, content: str = "none"
    ) -> FakeVideo:
        """End a stream. ``content="live"`` imitates the lag where liveBroadcastContent still says
        live although actualEndTime is set; "completed" is the other value seen in the wild."""
        video = self._video(video_id)
        now = self.clock.now()
        video.actual_end = actual_end or now
        video.broadcast_content = content
        video.updated_at = now
        return video

    def make_recording_available(
        self, video_id: str, duration: timedelta | None = None
    ) -> FakeVideo:
        """YouTube has processed the ended stream's recording: contentDetails.duration becomes its
        length (default: from the actual start to the end) and status.uploadStatus "processed";
        it is a regular video now (the feed shows it updated)."""
        video = self._video(video_id)
        if video.actual_start is None or video.actual_end is None:
            raise ValueError(f"{video_id} has not ended: it has no recording yet")
        video.duration = iso_duration(duration or video.actual_end - video.actual_start)
        video.recording_available = True
        video.broadcast_content = "none"
        video.updated_at = self.clock.now()
        video.view_count += 100
        return video

    def upload(self, video_id: str, title: str, published: datetime | None = None) -> FakeVideo:
        """An ordinary upload: no liveStreamingDetails; must never be announced."""
        moment = published or self.clock.now()
        video = FakeVideo(
            video_id=video_id,
            channel=self.default_channel,
            title=title,
            published_at=moment,
            updated_at=moment,
            is_stream=False,
            duration="PT4M10S",
        )
        self.videos[video_id] = video
        return video

    def delete(self, video_id: str) -> None:
        self._video(video_id).deleted = True

    def undelete(self, video_id: str) -> None:
        self._video(video_id).deleted = False

    def fail_next(self, endpoint: str, kind: str, times: int = 1) -> None:
        """Make the next ``times`` requests to ``endpoint`` fail.

        endpoint: "videos", "channels", "playlistItems", "search", "feed" or "*" (any API method).
        kind (API): backendError (500), serviceUnavailable (503), quotaExceeded, rateLimitExceeded (403),
        tooManyRequests (429), badKey, missingKey, accessNotConfigured, timeout (answers after
        ``timeout_delay`` seconds). kind (feed): "404", "500", "503", "timeout".
        """
        if endpoint == "feed":
            if kind not in _FEED_FAILURES and kind != "timeout":
                raise ValueError(f"unknown feed failure {kind!r}")
        elif kind != "timeout":
            error_for(kind)  # raises on an unknown kind now rather than mid-test
        self._failures[endpoint].extend([kind] * times)

    def exhaust_quota(self) -> None:
        self.quota_exhausted = True

    def restore_quota(self) -> None:
        self.quota_exhausted = False

    def disable_api(self) -> None:
        self.api_disabled = True

    def enable_api(self) -> None:
        self.api_disabled = False

    # -- WebSub -------------------------------------------------------------------------------------

    async def push(self, video_id: str, *, signature: str = "valid") -> list[int]:
        """Notify subscribers that ``video_id`` was created or updated (as YouTube's hub does)."""
        video = self._video(video_id)
        topic = topic_for(video.channel.channel_id)
        entry = feed_entry_xml(
            video_id=video.video_id,
            channel_id=video.channel.channel_id,
            channel_title=video.channel.title,
            title=video.title,
            description=video.description,
            published=video.published_at,
            updated=video.updated_at,
            with_media=False,
        )
        body = push_xml(topic, self.hub_url, [entry], self.clock.now())
        return await self.hub.deliver(topic, body, signature=signature)

    async def push_deleted(self, video_id: str, *, signature: str = "valid") -> list[int]:
        video = self._video(video_id)
        topic = topic_for(video.channel.channel_id)
        body = deleted_push_xml(topic, video_id, video.channel.channel_id, self.clock.now())
        return await self.hub.deliver(topic, body, signature=signature)

    # -- HTTP handlers ------------------------------------------------------------------------------

    def _next_failure(self, endpoint: str) -> str | None:
        for key in (endpoint, "*"):
            queue = self._failures.get(key)
            if queue:
                return queue.popleft()
        return None

    @staticmethod
    def _error(error: GoogleError) -> web.Response:
        return web.json_response(error.body, status=error.status)

    async def _api(self, request: web.Request) -> web.StreamResponse:
        resource = request.match_info["resource"]
        method = _API_METHODS.get(resource)
        if method is None:
            return self._error(not_found())
        query = {k: v for k, v in request.query.items()}
        self.calls[method] += 1
        self.requests.append((method, {k: v for k, v in query.items() if k != "key"}))
        self._notify()
        key = query.get("key")
        if not key:
            return self._error(error_for("missingKey"))
        if key != self.api_key:
            return self._error(error_for("badKey"))
        failure = self._next_failure(resource)
        if failure == "timeout":
            await asyncio.sleep(self.timeout_delay)
        elif failure is not None:
            return self._error(error_for(failure))
        if self.api_disabled:
            return self._error(error_for("accessNotConfigured"))
        if self.quota_exhausted:
            return self._error(error_for("quotaExceeded"))
        parts = {p.strip() for p in query.get("part", "").split(",") if p.strip()}
        if not parts:
            return self._error(
                bad_parameter(
                    "No filter selected. Expected one of: ...", reason="missingRequiredParameter"
                )
            )
        if resource == "videos":
            return self._videos(query, parts)
        if resource == "channels":
            return self._channels(query, parts)
        if resource == "playlistItems":
            return self._playlist_items(query, parts)
        return self._search(query)

    def _unknown_part(self, parts: set[str], allowed: set[str]) -> web.Response | None:
        unknown = sorted(parts - allowed)
        if unknown:
            return self._error(bad_parameter(f"'{unknown[0]}'", reason="unknownPart"))
        return None

    def _videos(self, query: dict[str, str], parts: set[str]) -> web.Response:
        if (bad := self._unknown_part(parts, _VIDEO_PARTS)) is not None:
            return bad
        ids = [i for i in query.get("id", "").split(",") if i]
        if len(ids) > 50:
            return self._error(
                bad_parameter(
                    "The request specifies an invalid filter parameter.", "invalidFilters"
                )
            )
        items = [
            self.videos[i].as_json(parts)
            for i in ids
            if i in self.videos and not self.videos[i].deleted
        ]
        return web.json_response(list_response("video", items, per_page=len(items)))

    def _channels(self, query: dict[str, str], parts: set[str]) -> web.Response:
        if (bad := self._unknown_part(parts, _CHANNEL_PARTS)) is not None:
            return bad
        found: list[FakeChannel] = []
        if "forHandle" in query:
            wanted = query["forHandle"].lstrip("@").lower()
            found = [c for c in self.channels.values() if c.handle.lstrip("@").lower() == wanted]
        elif "id" in query:
            ids = query["id"].split(",")
            found = [self.channels[i] for i in ids if i in self.channels]
        else:
            return self._error(
                bad_parameter(
                    "No filter selected. Expected one of: forHandle, id, mine, ...",
                    reason="missingRequiredParameter",
                )
            )
        items = [c.as_json(parts) for c in found]
        return web.json_response(list_response("channel", items, per_page=5))

    def _channel_videos(self, channel: FakeChannel) -> list[FakeVideo]:
        mine = [v for v in self.videos.values() if v.channel is channel and not v.deleted]
        return sorted(mine, key=lambda v: v.published_at, reverse=True)

    def _playlist_items(self, query: dict[str, str], parts: set[str]) -> web.Response:
        if (bad := self._unknown_part(parts, _PLAYLIST_ITEM_PARTS)) is not None:
            return bad
        playlist = query.get("playlistId", "")
        channel = next((c for c in self.channels.values() if c.uploads_playlist == playlist), None)
        if channel is None:
            return self._error(playlist_not_found())
        limit = min(50, max(0, int(query.get("maxResults", "5") or 5)))
        videos = self._channel_videos(channel)
        items = [v.playlist_item_json(i, parts) for i, v in enumerate(videos[:limit])]
        response = list_response("playlistItem", items, per_page=limit)
        response["pageInfo"]["totalResults"] = len(videos)
        return web.json_response(response)

    def _search(self, query: dict[str, str]) -> web.Response:
        channel_id = query.get("channelId")
        event_type = query.get("eventType")
        videos = [
            v
            for v in self.videos.values()
            if not v.deleted
            and (channel_id is None or v.channel.channel_id == channel_id)
            and (event_type is None or v.broadcast_content == event_type)
        ]
        items = [v.search_result_json() for v in videos]
        response = list_response("search", items, per_page=5)
        response["regionCode"] = "KR"
        return web.json_response(response)

    async def _feed(self, request: web.Request) -> web.Response:
        self.feed_calls += 1
        self._notify()
        failure = self._next_failure("feed")
        if failure == "timeout":
            await asyncio.sleep(self.timeout_delay)
        elif failure is not None:
            return web.Response(status=_FEED_FAILURES[failure], text="Error")
        channel = self.channels.get(request.query.get("channel_id", ""))
        if channel is None:
            return web.Response(status=404, text="Not Found")
        entries = [
            feed_entry_xml(
                video_id=v.video_id,
                channel_id=channel.channel_id,
                channel_title=channel.title,
                title=v.title,
                description=v.description,
                published=v.published_at,
                updated=v.updated_at,
            )
            for v in self._channel_videos(channel)[:FEED_SIZE]
        ]
        body = feed_xml(
            channel_id=channel.channel_id,
            channel_title=channel.title,
            published=channel.published_at,
            entries=entries,
        )
        return web.Response(text=body, content_type="application/atom+xml", charset="utf-8")

    def describe(self) -> dict[str, Any]:
        """A snapshot for debugging a failing test."""
        return {
            "calls": dict(self.calls),
            "feed_calls": self.feed_calls,
            "videos": {
                v.video_id: (
                    v.broadcast_content,
                    v.actual_start,
                    v.actual_end,
                    v.viewers,
                    v.duration,
                    v.upload_status,
                )
                for v in self.videos.values()
            },
            "quota_exhausted": self.quota_exhausted,
        }
