"""The stand-in's world: channels and videos, and how each looks through the Data API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.rehearsal.youtube_standin._shapes import etag, rfc3339, thumbnails


@dataclass
class FakeChannel:
    channel_id: str
    handle: str
    title: str
    published_at: datetime

    @property
    def uploads_playlist(self) -> str:
        return "UU" + self.channel_id[2:]

    def as_json(self, parts: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": "youtube#channel",
            "etag": etag("channel", self.channel_id, self.title),
            "id": self.channel_id,
        }
        if "snippet" in parts:
            item["snippet"] = {
                "title": self.title,
                "description": f"{self.title} official channel",
                "customUrl": self.handle.lower(),
                "publishedAt": rfc3339(self.published_at),
                "thumbnails": {
                    "default": {"url": "https://yt3.ggpht.com/ccei=s88", "width": 88, "height": 88},
                    "medium": {
                        "url": "https://yt3.ggpht.com/ccei=s240",
                        "width": 240,
                        "height": 240,
                    },
                    "high": {"url": "https://yt3.ggpht.com/ccei=s800", "width": 800, "height": 800},
                },
                "localized": {"title": self.title, "description": f"{self.title} official channel"},
                "country": "KR",
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "relatedPlaylists": {"likes": "", "uploads": self.uploads_playlist}
            }
        return item


@dataclass
class FakeVideo:
    video_id: str
    channel: FakeChannel
    title: str
    published_at: datetime
    updated_at: datetime
    is_stream: bool = True
    premiere: bool = False
    # A premiere plays an uploaded file, so contentDetails.duration is its length; a live stream says
    # P0D, and so does its recording until YouTube has processed it (make_recording_available).
    duration: str = "P0D"
    #: An ended stream's archive can be watched: uploadStatus "processed" instead of "uploaded".
    recording_available: bool = False
    scheduled_start: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None
    viewers: int | None = None
    broadcast_content: str = "none"
    deleted: bool = False
    view_count: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def description(self) -> str:
        return f"{self.title} - CCEI SAY"

    def as_json(self, parts: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": "youtube#video",
            "etag": etag(
                "video", self.video_id, self.broadcast_content, self.viewers, self.actual_end
            ),
            "id": self.video_id,
        }
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": rfc3339(self.published_at),
                "channelId": self.channel.channel_id,
                "title": self.title,
                "description": self.description,
                "thumbnails": thumbnails(self.video_id),
                "channelTitle": self.channel.title,
                "categoryId": "28",
                "liveBroadcastContent": self.broadcast_content,
                "defaultAudioLanguage": "ko",
                "localized": {"title": self.title, "description": self.description},
            }
        if "liveStreamingDetails" in parts and self.is_stream:
            details: dict[str, Any] = {}
            if self.actual_start is not None:
                details["actualStartTime"] = rfc3339(self.actual_start)
            if self.actual_end is not None:
                details["actualEndTime"] = rfc3339(self.actual_end)
            if self.scheduled_start is not None:
                details["scheduledStartTime"] = rfc3339(self.scheduled_start)
            live_now = self.actual_start is not None and self.actual_end is None
            if live_now and self.viewers is not None:
                # The API sends concurrentViewers as a string (format: uint64).
                details["concurrentViewers"] = str(self.viewers)
            if live_now:
                details["activeLiveChatId"] = f"Cg0KC{self.video_id}"
            item["liveStreamingDetails"] = details
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "duration": self.duration,
                "dimension": "2d",
                "definition": "hd",
                "caption": "false",
                "licensedContent": False,
                "contentRating": {},
                "projection": "rectangular",
            }
        if "statistics" in parts:
            item["statistics"] = {
                "viewCount": str(self.view_count),
                "likeCount": "0",
                "favoriteCount": "0",
                "commentCount": "0",
            }
        if "status" in parts:
            item["status"] = {
                "uploadStatus": self.upload_status,
                "privacyStatus": "public",
                "license": "youtube",
                "embeddable": True,
                "publicStatsViewable": True,
                "madeForKids": False,
            }
        return item

    @property
    def upload_status(self) -> str:
        """An uploaded file (an upload, a premiere) is processed; a live stream is "uploaded" while
        live and after its end until its recording is available."""
        if not self.is_stream or self.premiere or self.recording_available:
            return "processed"
        return "uploaded"

    def playlist_item_json(self, position: int, parts: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {
            "kind": "youtube#playlistItem",
            "etag": etag("playlistItem", self.video_id, position),
            "id": f"VVU{self.video_id}",
        }
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": rfc3339(self.published_at),
                "channelId": self.channel.channel_id,
                "title": self.title,
                "description": self.description,
                "thumbnails": thumbnails(self.video_id),
                "channelTitle": self.channel.title,
                "playlistId": self.channel.uploads_playlist,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": self.video_id},
                "videoOwnerChannelTitle": self.channel.title,
                "videoOwnerChannelId": self.channel.channel_id,
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "videoId": self.video_id,
                "videoPublishedAt": rfc3339(self.published_at),
            }
        return item

    def search_result_json(self) -> dict[str, Any]:
        return {
            "kind": "youtube#searchResult",
            "etag": etag("search", self.video_id),
            "id": {"kind": "youtube#video", "videoId": self.video_id},
            "snippet": {
                "publishedAt": rfc3339(self.published_at),
                "channelId": self.channel.channel_id,
                "title": self.title,
                "description": self.description,
                "thumbnails": thumbnails(self.video_id),
                "channelTitle": self.channel.title,
                "liveBroadcastContent": self.broadcast_content,
            },
        }


def iso_duration(length: timedelta) -> str:
    """``contentDetails.duration``: ISO 8601, e.g. ``PT3H30M12S``."""
    seconds = int(length.total_seconds())
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return (
        "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{seconds}S"
    )
