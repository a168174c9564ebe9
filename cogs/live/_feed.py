"""The channel's Atom feed (free, no quota) and WebSub notifications, which share its format.

The feed lists the 15 newest videos (``yt:videoId``); pushes carry the same entries, or an
``at:deleted-entry`` when a video is removed. The feed is cached by YouTube and sometimes answers 404/500
for minutes: a :class:`FeedError` must never be read as "no videos".
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

import aiohttp

log = logging.getLogger(__name__)

_ATOM = "{http://www.w3.org/2005/Atom}"
_YT = "{http://www.youtube.com/xml/schemas/2015}"
_TOMBSTONE = "{http://purl.org/atompub/tombstones/1.0}"
_MAX_BYTES = 2 * 1024 * 1024
_FRACTION = re.compile(r"(?<=\d\d:\d\d:\d\d)(\.\d+)")


class FeedError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FeedEntry:
    video_id: str
    channel_id: str
    title: str
    published: datetime | None
    updated: datetime | None


@dataclass(frozen=True)
class FeedDocument:
    entries: tuple[FeedEntry, ...]
    deleted: tuple[str, ...] = ()

    @property
    def video_ids(self) -> list[str]:
        return [e.video_id for e in self.entries]


def _time(text: str | None) -> datetime | None:
    if not text:
        return None
    # YouTube writes nanoseconds ("...24.552394234+00:00"); Python takes at most microseconds.
    text = _FRACTION.sub(lambda m: m.group(1)[:7], text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_feed(body: bytes | str) -> FeedDocument:
    """Parse a channel feed or a WebSub notification. Raises :class:`FeedError` on malformed XML."""
    try:
        # ElementTree never fetches external entities and the bundled expat (>= 2.4.1) limits entity
        # expansion, so a hostile feed cannot read files or blow up memory; bodies are size-capped too.
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError as error:
        raise FeedError(f"malformed feed XML: {error}") from None
    if root.tag != f"{_ATOM}feed":
        raise FeedError(f"not an Atom feed (root element {root.tag!r})")
    entries: list[FeedEntry] = []
    for entry in root.iter(f"{_ATOM}entry"):
        video_id = (entry.findtext(f"{_YT}videoId") or "").strip()
        if not video_id:
            entry_id = (entry.findtext(f"{_ATOM}id") or "").strip()
            video_id = (
                entry_id.removeprefix("yt:video:") if entry_id.startswith("yt:video:") else ""
            )
        if not video_id:
            continue
        entries.append(
            FeedEntry(
                video_id=video_id,
                channel_id=(entry.findtext(f"{_YT}channelId") or "").strip(),
                title=(entry.findtext(f"{_ATOM}title") or "").strip(),
                published=_time(entry.findtext(f"{_ATOM}published")),
                updated=_time(entry.findtext(f"{_ATOM}updated")),
            )
        )
    deleted = [
        ref.removeprefix("yt:video:")
        for element in root.iter(f"{_TOMBSTONE}deleted-entry")
        if (ref := element.get("ref", "")).startswith("yt:video:")
    ]
    return FeedDocument(tuple(entries), tuple(deleted))


def feed_url(feed_base: str, channel_id: str) -> str:
    return f"{feed_base.rstrip('/')}/feeds/videos.xml?channel_id={channel_id}"


async def fetch_feed(
    session: aiohttp.ClientSession, feed_base: str, channel_id: str, *, limit_seconds: float = 10.0
) -> FeedDocument:
    """Fetch and parse the channel feed. Any failure is a :class:`FeedError` (never "empty")."""
    url = feed_url(feed_base, channel_id)
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=limit_seconds)) as response:
            if response.status != 200:
                raise FeedError(f"feed answered HTTP {response.status}", response.status)
            body = await response.content.read(_MAX_BYTES + 1)
    except (aiohttp.ClientError, TimeoutError) as error:
        raise FeedError(f"feed unreachable: {type(error).__name__}: {error}") from None
    if len(body) > _MAX_BYTES:
        raise FeedError("feed larger than 2 MiB")
    return parse_feed(body)
