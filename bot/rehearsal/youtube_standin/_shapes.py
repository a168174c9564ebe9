"""JSON and XML the stand-in answers with, shaped like YouTube's.

Resource shapes follow the discovery document shipped in google-api-python-client
(``googleapiclient/discovery_cache/documents/youtube.v3.json``: VideoListResponse, Video, VideoSnippet,
VideoLiveStreamingDetails, ChannelListResponse, PlaylistItemListResponse, SearchListResponse); error bodies
copy the ones Google's front end returns, including ``status`` and ``details`` where the real API has them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

YT_NS = "http://www.youtube.com/xml/schemas/2015"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_NS = "http://search.yahoo.com/mrss/"
TOMBSTONE_NS = "http://purl.org/atompub/tombstones/1.0"


def rfc3339(moment: datetime) -> str:
    """YouTube's timestamp format: UTC with a ``Z`` and no fraction."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def etag(*parts: object) -> str:
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:27]
    return digest


def thumbnails(video_id: str) -> dict[str, Any]:
    base = f"https://i.ytimg.com/vi/{video_id}"
    return {
        "default": {"url": f"{base}/default_live.jpg", "width": 120, "height": 90},
        "medium": {"url": f"{base}/mqdefault_live.jpg", "width": 320, "height": 180},
        "high": {"url": f"{base}/hqdefault_live.jpg", "width": 480, "height": 360},
        "standard": {"url": f"{base}/sddefault_live.jpg", "width": 640, "height": 480},
        "maxres": {"url": f"{base}/maxresdefault_live.jpg", "width": 1280, "height": 720},
    }


@dataclass(frozen=True)
class GoogleError:
    status: int
    body: dict[str, Any]


def _error(
    code: int,
    message: str,
    *,
    reason: str,
    domain: str,
    status: str | None = None,
    details: list[dict[str, Any]] | None = None,
    extended_help: str | None = None,
) -> GoogleError:
    item: dict[str, Any] = {"message": message, "domain": domain, "reason": reason}
    if extended_help:
        item["extendedHelp"] = extended_help
    error: dict[str, Any] = {"code": code, "message": message, "errors": [item]}
    if status:
        error["status"] = status
    if details:
        error["details"] = details
    return GoogleError(code, {"error": error})


_QUOTA_MESSAGE = (
    'The request cannot be completed because you have exceeded your <a href="/youtube/v3/'
    'getting-started#quota">quota</a>.'
)


def error_for(kind: str) -> GoogleError:
    """Google's error body for a failure kind the stand-in can be told to produce."""
    if kind == "quotaExceeded":
        return _error(403, _QUOTA_MESSAGE, reason="quotaExceeded", domain="youtube.quota")
    if kind == "rateLimitExceeded":
        return _error(
            403,
            "Rate Limit Exceeded",
            reason="rateLimitExceeded",
            domain="usageLimits",
            status="PERMISSION_DENIED",
        )
    if kind == "tooManyRequests":
        return _error(
            429,
            "Resource has been exhausted (e.g. check quota).",
            reason="rateLimitExceeded",
            domain="global",
            status="RESOURCE_EXHAUSTED",
        )
    if kind == "backendError":
        return _error(
            500, "Backend Error", reason="backendError", domain="global", status="INTERNAL"
        )
    if kind == "serviceUnavailable":
        return _error(
            503,
            "The service is currently unavailable.",
            reason="backendError",
            domain="global",
            status="UNAVAILABLE",
        )
    if kind == "badKey":
        message = "API key not valid. Please pass a valid API key."
        return _error(
            400,
            message,
            reason="badRequest",
            domain="global",
            status="INVALID_ARGUMENT",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "youtube.googleapis.com"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                    "locale": "en-US",
                    "message": message,
                },
            ],
        )
    if kind == "missingKey":
        return _error(
            403,
            "The request is missing a valid API key.",
            reason="forbidden",
            domain="global",
            status="PERMISSION_DENIED",
        )
    if kind == "accessNotConfigured":
        project = "123456789012"
        message = (
            f"YouTube Data API v3 has not been used in project {project} before or it is disabled. "
            "Enable it by visiting https://console.developers.google.com/apis/api/"
            f"youtube.googleapis.com/overview?project={project} then retry. If you enabled this API "
            "recently, wait a few minutes for the action to propagate to our systems and retry."
        )
        return _error(
            403,
            message,
            reason="accessNotConfigured",
            domain="usageLimits",
            status="PERMISSION_DENIED",
            extended_help="https://console.developers.google.com",
            details=[
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "SERVICE_DISABLED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "youtube.googleapis.com",
                        "consumer": f"projects/{project}",
                    },
                }
            ],
        )
    raise ValueError(f"unknown failure kind {kind!r}")


def bad_parameter(message: str, reason: str = "invalidParameter") -> GoogleError:
    return _error(
        400, message, reason=reason, domain="youtube.parameter", status="INVALID_ARGUMENT"
    )


def not_found() -> GoogleError:
    return _error(404, "Not Found", reason="notFound", domain="global", status="NOT_FOUND")


def playlist_not_found() -> GoogleError:
    message = "The playlist identified with the request's <code>playlistId</code> parameter cannot be found."
    error = _error(404, message, reason="playlistNotFound", domain="youtube.playlistItem")
    error.body["error"]["errors"][0].update(location="playlistId", locationType="parameter")
    return error


def list_response(kind: str, items: list[dict[str, Any]], *, per_page: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "kind": f"youtube#{kind}ListResponse",
        "etag": etag(kind, [item.get("id") for item in items]),
        "pageInfo": {"totalResults": len(items), "resultsPerPage": per_page},
    }
    # The real API leaves out "items" for an empty channel lookup but sends [] for videos.
    if items or kind != "channel":
        response["items"] = items
    return response


def feed_entry_xml(
    *,
    video_id: str,
    channel_id: str,
    channel_title: str,
    title: str,
    description: str,
    published: datetime,
    updated: datetime,
    with_media: bool = True,
) -> str:
    """One Atom entry; the channel feed adds a media:group, hub notifications do not."""
    link = f"https://www.youtube.com/watch?v={video_id}"
    media = (
        "<media:group>"
        f"<media:title>{escape(title)}</media:title>"
        f'<media:content url="https://www.youtube.com/v/{escape(video_id)}?version=3" '
        'type="application/x-shockwave-flash" width="640" height="390"/>'
        f'<media:thumbnail url="https://i1.ytimg.com/vi/{escape(video_id)}/hqdefault.jpg" '
        'width="480" height="360"/>'
        f"<media:description>{escape(description)}</media:description>"
        "</media:group>"
    )
    return (
        "<entry>"
        f"<id>yt:video:{escape(video_id)}</id>"
        f"<yt:videoId>{escape(video_id)}</yt:videoId>"
        f"<yt:channelId>{escape(channel_id)}</yt:channelId>"
        f"<title>{escape(title)}</title>"
        f'<link rel="alternate" href={quoteattr(link)}/>'
        f"<author><name>{escape(channel_title)}</name>"
        f"<uri>https://www.youtube.com/channel/{escape(channel_id)}</uri></author>"
        f"<published>{published.astimezone(UTC).isoformat()}</published>"
        f"<updated>{updated.astimezone(UTC).isoformat()}</updated>"
        + (media if with_media else "")
        + "</entry>"
    )


def feed_xml(
    *, channel_id: str, channel_title: str, published: datetime, entries: list[str]
) -> str:
    """The channel feed: Atom with yt: and media: namespaces, as www.youtube.com serves it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns:yt="{YT_NS}" xmlns:media="{MEDIA_NS}" xmlns="{ATOM_NS}">'
        '<link rel="self" href="http://www.youtube.com/feeds/videos.xml?channel_id='
        f'{escape(channel_id)}"/>'
        f"<id>yt:channel:{escape(channel_id.removeprefix('UC'))}</id>"
        f"<yt:channelId>{escape(channel_id.removeprefix('UC'))}</yt:channelId>"
        f"<title>{escape(channel_title)}</title>"
        f'<link rel="alternate" href="https://www.youtube.com/channel/{escape(channel_id)}"/>'
        f"<author><name>{escape(channel_title)}</name>"
        f"<uri>https://www.youtube.com/channel/{escape(channel_id)}</uri></author>"
        f"<published>{published.astimezone(UTC).isoformat()}</published>"
        + "".join(entries)
        + "</feed>"
    )


def push_xml(topic: str, hub_url: str, entries: list[str], updated: datetime) -> str:
    """A WebSub notification as YouTube's hub posts it (no media:group in pushes)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns:yt="{YT_NS}" xmlns="{ATOM_NS}">'
        f'<link rel="hub" href={quoteattr(hub_url)}/>'
        f'<link rel="self" href={quoteattr(topic)}/>'
        "<title>YouTube video feed</title>"
        f"<updated>{updated.astimezone(UTC).isoformat()}</updated>" + "".join(entries) + "</feed>"
    )


def deleted_push_xml(topic: str, video_id: str, channel_id: str, when: datetime) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns:at="{TOMBSTONE_NS}" xmlns="{ATOM_NS}">'
        f'<link rel="self" href={quoteattr(topic)}/>'
        f'<at:deleted-entry ref="yt:video:{escape(video_id)}" when="{when.astimezone(UTC).isoformat()}">'
        f'<link href="https://www.youtube.com/watch?v={escape(video_id)}"/>'
        f"<at:by><name>channel</name><uri>https://www.youtube.com/channel/{escape(channel_id)}</uri>"
        "</at:by></at:deleted-entry></feed>"
    )
