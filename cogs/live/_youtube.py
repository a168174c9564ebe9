"""Async access to the YouTube Data API v3 through google-api-python-client.

The client library is synchronous over httplib2, whose ``Http`` objects are not thread-safe: every call
runs in a worker thread (``asyncio.to_thread``) with a fresh ``Http``. The library is imported in the
worker thread that builds the client, at the first call: never at start-up, so it does not delay READY.
Two modules it imports eagerly but a key-based client never runs are deferred
(:data:`NOT_USED_WITH_A_KEY`, :mod:`bot.lazyimport`): the library then costs ~5 MB and ~0.05 s
instead of ~18 MB and ~0.25 s. The library never retries here
(``num_retries=0``): backoff is the relay's job, and every request that leaves must be charged to the
quota ledger exactly once, failed ones included, because YouTube charges them.

Errors become a small family (:class:`QuotaExceeded`, :class:`RateLimited`, :class:`Transient`,
:class:`BadKey`, :class:`ApiDisabled`, :class:`ApiError`) whose messages never contain the API key:
googleapiclient's own ``HttpError`` text includes the request URL with ``key=...``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.lazyimport import defer
from cogs.live._quota import UNIT_COST
from cogs.live._state import Observation

log = logging.getLogger(__name__)

#: One videos.list costs one unit whatever the parts. contentDetails is asked for as well because its
#: ``duration`` is the only sign of a premiere (an uploaded file has a length, a live stream "P0D"),
#: and with ``status.uploadStatus`` it says when an ended stream's recording can be watched.
VIDEO_PARTS = "snippet,liveStreamingDetails,contentDetails,status"
MAX_IDS_PER_CALL = 50
#: Imported by googleapiclient and httplib2 at module level, used only for service-account signing
#: (google-auth's signers, which load ``cryptography``) and for HTTP logins (httplib2's
#: WWW-Authenticate grammar, which loads ``pyparsing``): loaded only if something ever touches them.
NOT_USED_WITH_A_KEY = ("google.oauth2.service_account", "httplib2.auth")

_KEY_IN_URL = re.compile(r"(\bkey=)[^&\s\"'<>]+")
_HTML_TAG = re.compile(r"<[^>]+>")


def redact(text: str, api_key: str = "") -> str:
    """``text`` without the API key (as a query parameter or anywhere verbatim)."""
    text = _KEY_IN_URL.sub(r"\1***", text)
    if api_key:
        text = text.replace(api_key, "***")
    return text


class _RedactKeyFilter(logging.Filter):
    """googleapiclient logs request URLs (with ``key=``) at DEBUG: scrub them before any handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "key=" in message:
            record.msg = redact(message)
            record.args = ()
        return True


_REDACT_FILTER = _RedactKeyFilter()


def _install_log_redaction() -> None:
    for name in ("googleapiclient.discovery", "googleapiclient.http", "googleapiclient.model"):
        logger = logging.getLogger(name)
        if _REDACT_FILTER not in logger.filters:
            logger.addFilter(_REDACT_FILTER)


# -- errors ------------------------------------------------------------------------------------------


class YouTubeError(Exception):
    """A failed API call. ``message`` is safe to log and to show moderators."""

    kind = "other"

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.reason = reason

    def __str__(self) -> str:
        status = f"HTTP {self.status} " if self.status else ""
        reason = f"{self.reason}: " if self.reason else ""
        return f"{status}{reason}{self.message}"


class QuotaExceeded(YouTubeError):
    kind = "quota_exceeded"


class RateLimited(YouTubeError):
    kind = "rate_limited"


class Transient(YouTubeError):
    """5xx, timeouts, connection failures: retry with backoff."""

    kind = "transient"


class BadKey(YouTubeError):
    kind = "bad_key"


class ApiDisabled(YouTubeError):
    kind = "api_disabled"


class ApiError(YouTubeError):
    """Anything else (a malformed request, a 404): a bug or a config problem, not worth retrying fast."""

    kind = "other"


def classify_http_error(status: int, content: bytes, api_key: str = "") -> YouTubeError:
    """Map Google's error JSON to the family above."""
    reasons: list[str] = []  # errors[].reason first, then details[].reason, then the status name
    message = ""
    try:
        data = json.loads(content.decode("utf-8"))
        error = data.get("error", {}) if isinstance(data, dict) else {}
        if isinstance(error, dict):
            message = str(error.get("message", ""))
            for listed in ("errors", "details"):
                for item in error.get(listed, []) or []:
                    if isinstance(item, dict) and item.get("reason"):
                        reasons.append(str(item["reason"]))
            if error.get("status"):
                reasons.append(str(error["status"]))
    except (ValueError, AttributeError):
        message = content[:200].decode("utf-8", "replace")
    message = redact(_HTML_TAG.sub("", message), api_key).strip() or f"HTTP {status}"
    reason = reasons[0] if reasons else ""
    found = set(reasons)
    if found & {"quotaExceeded", "dailyLimitExceeded"}:
        return QuotaExceeded(message, status=status, reason="quotaExceeded")
    if status == 429 or found & {"rateLimitExceeded", "userRateLimitExceeded"}:
        return RateLimited(message, status=status, reason=reason or "rateLimitExceeded")
    if status >= 500:
        return Transient(message, status=status, reason=reason)
    if found & {"API_KEY_INVALID", "keyInvalid", "API_KEY_SERVICE_BLOCKED"} or (
        status == 403 and "forbidden" in found and "API key" in message
    ):
        return BadKey(message, status=status, reason=reason)
    if found & {"accessNotConfigured", "SERVICE_DISABLED"}:
        return ApiDisabled(message, status=status, reason="accessNotConfigured")
    return ApiError(message, status=status, reason=reason)


# -- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelInfo:
    channel_id: str
    title: str
    uploads_playlist: str


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _best_thumbnail(thumbnails: object) -> str:
    if not isinstance(thumbnails, dict):
        return ""
    for size in ("maxres", "standard", "high", "medium", "default"):
        entry = thumbnails.get(size)
        if isinstance(entry, dict) and entry.get("url"):
            return str(entry["url"])
    return ""


def parse_video(item: dict[str, Any], at: datetime) -> Observation:
    """A videos.list item (``youtube#video``) as an :class:`Observation` taken at ``at``."""
    snippet = item.get("snippet") or {}
    details = item.get("liveStreamingDetails")
    content = item.get("contentDetails") or {}
    viewers_text = (details or {}).get("concurrentViewers")
    viewers = (
        int(viewers_text) if isinstance(viewers_text, str) and viewers_text.isdigit() else None
    )
    duration = str(content.get("duration", "P0D"))
    status = item.get("status") or {}
    return Observation(
        video_id=str(item["id"]),
        at=at,
        title=str(snippet.get("title", "")),
        channel_id=str(snippet.get("channelId", "")),
        thumbnail_url=_best_thumbnail(snippet.get("thumbnails")),
        broadcast_content=str(snippet.get("liveBroadcastContent", "none")),
        is_stream=isinstance(details, dict),
        premiere=isinstance(details, dict) and duration not in ("P0D", "PT0S", ""),
        scheduled_start=_parse_time((details or {}).get("scheduledStartTime")),
        actual_start=_parse_time((details or {}).get("actualStartTime")),
        actual_end=_parse_time((details or {}).get("actualEndTime")),
        viewers=viewers,
        duration=duration,
        upload_status=str(status.get("uploadStatus", "")),
    )


# -- the client --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    """Where YouTube is: the real services by default, the stand-in in tests and rehearsals."""

    api_base: str
    feed_base: str
    websub_hub: str = "https://pubsubhubbub.appspot.com/subscribe"
    #: The hub must reach the WebSub callback (usually through a reverse proxy): all interfaces.
    websub_host: str = "0.0.0.0"  # noqa: S104
    #: Seconds one HTTP request (API, feed, hub) may take.
    timeout: float = 10.0


class UnitLedger(Protocol):
    async def charge(self, method: str, units: int, *, failed: bool) -> None:
        """Record a request that was sent (``failed``: it came back as an error or never came back)."""
        ...


class YouTubeClient:
    def __init__(
        self,
        *,
        api_key: str,
        api_base: str,
        ledger: UnitLedger,
        timeout: float = 10.0,
    ) -> None:
        self._api_key = api_key
        self._api_base = api_base.rstrip("/")
        self._ledger = ledger
        self._timeout = timeout
        self._service: Any = None
        self._build_lock = asyncio.Lock()
        _install_log_redaction()

    def __repr__(self) -> str:
        return f"YouTubeClient(api_base={self._api_base!r}, api_key='***')"

    @property
    def has_key(self) -> bool:
        return bool(self._api_key)

    @property
    def key_id(self) -> str:
        """A fingerprint of the key: tells keys apart (a notice per key) without showing one."""
        return hashlib.sha256(self._api_key.encode()).hexdigest()[:12]

    def _build(self) -> Any:
        """The service object; runs in a worker thread (the heavy imports happen here, once)."""
        defer(*NOT_USED_WITH_A_KEY)
        import httplib2
        from googleapiclient.discovery import build_from_document

        from cogs.live._discovery_doc import SUBSET_PATH

        # The library's own discovery document, cut down to the methods called here (no network
        # at build time, ~1 MB less memory than the whole API's).
        return build_from_document(
            SUBSET_PATH.read_text("utf-8"),
            developerKey=self._api_key,
            client_options={"api_endpoint": self._api_base},
            http=httplib2.Http(timeout=self._timeout),
        )

    async def _service_ready(self) -> Any:
        async with self._build_lock:
            if self._service is None:
                self._service = await asyncio.to_thread(self._build)
        return self._service

    def _execute(self, make_request: Callable[[Any], Any], service: Any) -> Any:
        """Send one request (in a worker thread); library errors become :class:`YouTubeError`."""
        import httplib2
        from googleapiclient.errors import HttpError

        try:
            return make_request(service).execute(
                http=httplib2.Http(timeout=self._timeout), num_retries=0
            )
        except HttpError as error:
            raise classify_http_error(error.status_code, error.content, self._api_key) from None
        except (TimeoutError, OSError, httplib2.HttpLib2Error) as error:
            raise Transient(redact(f"{type(error).__name__}: {error}", self._api_key)) from None
        except ValueError as error:  # a 2xx body that is not JSON
            raise Transient(redact(f"unreadable answer: {error}", self._api_key)) from None

    async def _call(self, method: str, make_request: Callable[[Any], Any]) -> Any:
        service = await self._service_ready()
        failed = True
        try:
            result = await asyncio.to_thread(self._execute, make_request, service)
            failed = False
            return result
        finally:
            # Charged after the fact but always: a cancelled await still let the thread send it.
            await self._ledger.charge(method, UNIT_COST[method], failed=failed)

    async def channel(self, ref: str) -> ChannelInfo | None:
        """Resolve ``@handle`` or ``UC...`` (one unit). ``None`` when YouTube knows no such channel."""
        if ref.startswith("@"):

            def make(service: Any) -> Any:
                return service.channels().list(part="id,snippet,contentDetails", forHandle=ref)

        else:

            def make(service: Any) -> Any:
                return service.channels().list(part="id,snippet,contentDetails", id=ref)

        answer = await self._call("channels.list", make)
        items = answer.get("items") or []
        if not items:
            return None
        item = items[0]
        uploads = item.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads", "")
        return ChannelInfo(
            channel_id=str(item["id"]),
            title=str(item.get("snippet", {}).get("title", "")),
            uploads_playlist=str(uploads),
        )

    async def videos(self, video_ids: Sequence[str], at: datetime) -> list[Observation]:
        """Describe up to 50 videos in one call (one unit). Missing videos are simply absent."""
        if not 0 < len(video_ids) <= MAX_IDS_PER_CALL:
            raise ValueError(f"videos.list takes 1-{MAX_IDS_PER_CALL} ids, got {len(video_ids)}")
        ids = ",".join(video_ids)

        def make(service: Any) -> Any:
            return service.videos().list(part=VIDEO_PARTS, id=ids)

        answer = await self._call("videos.list", make)
        return [parse_video(item, at) for item in answer.get("items") or [] if item.get("id")]

    async def recent_uploads(self, playlist_id: str, max_results: int = 5) -> list[str]:
        """The newest video ids of an uploads playlist (one unit)."""

        def make(service: Any) -> Any:
            return service.playlistItems().list(
                part="contentDetails", playlistId=playlist_id, maxResults=max_results
            )

        answer = await self._call("playlistItems.list", make)
        return [
            str(item["contentDetails"]["videoId"])
            for item in answer.get("items") or []
            if item.get("contentDetails", {}).get("videoId")
        ]
