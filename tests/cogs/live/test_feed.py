"""Feed and WebSub notification parsing; fetch failures are errors, never "no videos"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from bot.rehearsal.youtube_standin import DEFAULT_CHANNEL_ID, YouTubeStandIn
from cogs.live._feed import FeedError, fetch_feed, parse_feed

# Shaped like a real notification from YouTube's hub (nanosecond timestamps included).
PUSH = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:yt="http://www.youtube.com/xml/schemas/2015" xmlns="http://www.w3.org/2005/Atom">
  <link rel="hub" href="https://pubsubhubbub.appspot.com"/>
  <link rel="self" href="https://www.youtube.com/xml/feeds/videos.xml?channel_id=UCxyz"/>
  <title>YouTube video feed</title>
  <updated>2015-04-01T19:05:24.552394234+00:00</updated>
  <entry>
    <id>yt:video:VIDEO_ID_01</id>
    <yt:videoId>VIDEO_ID_01</yt:videoId>
    <yt:channelId>UCxyz</yt:channelId>
    <title>Video title</title>
    <link rel="alternate" href="http://www.youtube.com/watch?v=VIDEO_ID_01"/>
    <author><name>Channel title</name><uri>http://www.youtube.com/channel/UCxyz</uri></author>
    <published>2015-03-06T21:40:57+00:00</published>
    <updated>2015-03-09T19:05:24.552394234+00:00</updated>
  </entry>
</feed>"""

DELETED = b"""<feed xmlns:at="http://purl.org/atompub/tombstones/1.0" xmlns="http://www.w3.org/2005/Atom">
  <at:deleted-entry ref="yt:video:VIDEO_ID_02" when="2015-03-09T19:05:24.552394234+00:00">
    <link href="https://www.youtube.com/watch?v=VIDEO_ID_02"/>
  </at:deleted-entry>
</feed>"""


def test_parse_push_notification() -> None:
    document = parse_feed(PUSH)
    assert document.video_ids == ["VIDEO_ID_01"]
    entry = document.entries[0]
    assert entry.channel_id == "UCxyz"
    assert entry.title == "Video title"
    assert entry.updated == datetime(2015, 3, 9, 19, 5, 24, 552394, tzinfo=UTC)
    assert entry.published == datetime(2015, 3, 6, 21, 40, 57, tzinfo=UTC)


def test_parse_deleted_entry() -> None:
    document = parse_feed(DELETED)
    assert document.entries == ()
    assert document.deleted == ("VIDEO_ID_02",)


@pytest.mark.parametrize(
    "body",
    [b"", b"<html><body>Error 404</body></html>", b"<feed xmlns='http://www.w3.org/2005/Atom'>"],
)
def test_malformed_or_foreign_documents_are_errors(body: bytes) -> None:
    with pytest.raises(FeedError):
        parse_feed(body)


async def test_fetch_the_standin_feed_newest_first_15_at_most(
    frozen_youtube: YouTubeStandIn,
) -> None:
    now = frozen_youtube.clock.now()
    for index in range(20):
        frozen_youtube.upload(
            f"upload{index:05d}", f"Upload {index}", now - timedelta(days=20 - index)
        )
    frozen_youtube.schedule("scheduled01", "Scheduled", now + timedelta(hours=2))
    async with aiohttp.ClientSession() as session:
        document = await fetch_feed(session, frozen_youtube.feed_base, DEFAULT_CHANNEL_ID)
    assert len(document.entries) == 15
    assert document.video_ids[0] == "scheduled01"
    assert document.video_ids[1] == "upload00019"
    assert frozen_youtube.feed_calls == 1
    assert sum(frozen_youtube.calls.values()) == 0  # the feed costs no API call


@pytest.mark.parametrize("kind", ["404", "500", "503"])
async def test_feed_http_errors_raise(frozen_youtube: YouTubeStandIn, kind: str) -> None:
    frozen_youtube.fail_next("feed", kind)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FeedError) as caught:
            await fetch_feed(session, frozen_youtube.feed_base, DEFAULT_CHANNEL_ID)
        assert caught.value.status == int(kind)
        # And it recovers on the next fetch.
        await fetch_feed(session, frozen_youtube.feed_base, DEFAULT_CHANNEL_ID)


async def test_feed_timeout_and_unknown_channel_raise(frozen_youtube: YouTubeStandIn) -> None:
    frozen_youtube.timeout_delay = 0.3
    frozen_youtube.fail_next("feed", "timeout")
    async with aiohttp.ClientSession() as session:
        with pytest.raises(FeedError, match="unreachable"):
            await fetch_feed(
                session, frozen_youtube.feed_base, DEFAULT_CHANNEL_ID, limit_seconds=0.1
            )
        with pytest.raises(FeedError) as caught:
            await fetch_feed(session, frozen_youtube.feed_base, "UCnobody0000000000000000")
        assert caught.value.status == 404
