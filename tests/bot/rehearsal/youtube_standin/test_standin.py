"""The YouTube stand-in answers in the shapes of the discovery document shipped with the client;
the rehearsal script's audience curve."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import googleapiclient
import pytest

from bot.clock import FrozenClock, ScaledClock
from bot.rehearsal.youtube_standin import (
    DEFAULT_CHANNEL_ID,
    YouTubeStandIn,
    audience,
    iso_duration,
    play_stream,
)

T0 = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)

DISCOVERY = json.loads(
    (Path(googleapiclient.__file__).parent / "discovery_cache/documents/youtube.v3.json").read_text(
        "utf-8"
    )
)
SCHEMAS: dict[str, Any] = DISCOVERY["schemas"]
_TYPES = {"string": str, "boolean": bool, "integer": int, "number": (int, float)}


def check(value: Any, schema: dict[str, Any], path: str) -> None:
    """Every key the stand-in sends exists in the schema with the declared type."""
    if "$ref" in schema:
        check(value, SCHEMAS[schema["$ref"]], path)
        return
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), path
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                check(item, properties[key], f"{path}.{key}")
            else:
                assert extra is not None, f"{path}.{key} is not in the discovery document"
                check(item, extra, f"{path}.{key}")
    elif kind == "array":
        assert isinstance(value, list), path
        for index, item in enumerate(value):
            check(item, schema["items"], f"{path}[{index}]")
    elif kind in _TYPES:
        assert isinstance(value, _TYPES[kind]), f"{path}: {value!r} is not {kind}"
        if kind == "string" and schema.get("format") == "uint64":
            assert value.isdigit(), path
        if "enum" in schema:
            assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"


async def get(youtube: YouTubeStandIn, resource: str, **params: str) -> tuple[int, Any]:
    query = {"key": youtube.api_key, **params}
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{youtube.api_base}/youtube/v3/{resource}", params=query) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
async def youtube() -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn(clock=FrozenClock(T0), timeout_delay=1.0) as server:
        yield server


@pytest.fixture
def world(youtube: YouTubeStandIn) -> YouTubeStandIn:
    now = youtube.clock.now()
    youtube.schedule("upcoming001", "Soon", now + timedelta(minutes=30), premiere=True)
    youtube.go_live("live0000001", title="Live")
    youtube.set_viewers("live0000001", 77)
    youtube.go_live("ended000001", title="Ended")
    youtube.end("ended000001")
    youtube.upload("upload00001", "Upload")
    return youtube


ALL_VIDEO_PARTS = "id,snippet,liveStreamingDetails,contentDetails,statistics,status"


async def test_videos_list_matches_the_discovery_document(world: YouTubeStandIn) -> None:
    ids = "upcoming001,live0000001,ended000001,upload00001"
    status, body = await get(world, "videos", part=ALL_VIDEO_PARTS, id=ids)
    assert status == 200
    check(body, {"$ref": "VideoListResponse"}, "videos")
    assert [item["id"] for item in body["items"]] == ids.split(",")
    live = body["items"][1]["liveStreamingDetails"]
    assert live["concurrentViewers"] == "77"
    assert "activeLiveChatId" in live
    assert "concurrentViewers" not in body["items"][2]["liveStreamingDetails"]
    assert "liveStreamingDetails" not in body["items"][3]
    assert [i["snippet"]["liveBroadcastContent"] for i in body["items"]] == [
        "upcoming",
        "live",
        "none",
        "none",
    ]


async def test_parts_are_honoured_and_missing_ids_are_absent(world: YouTubeStandIn) -> None:
    status, body = await get(world, "videos", part="snippet", id="live0000001,nope")
    assert status == 200
    assert set(body["items"][0]) == {"kind", "etag", "id", "snippet"}
    status, body = await get(world, "videos", part="snippet", id="nope")
    assert body["items"] == []
    assert body["pageInfo"]["totalResults"] == 0
    status, body = await get(world, "videos", part="bogus", id="nope")
    assert status == 400
    assert body["error"]["errors"][0]["reason"] == "unknownPart"


async def test_channels_and_playlist_items_match(world: YouTubeStandIn) -> None:
    status, body = await get(
        world, "channels", part="id,snippet,contentDetails", forHandle="@cceisay"
    )
    assert status == 200
    check(body, {"$ref": "ChannelListResponse"}, "channels")
    uploads = body["items"][0]["contentDetails"]["relatedPlaylists"]["uploads"]
    status, body = await get(world, "channels", part="id", forHandle="@nobody")
    assert status == 200
    assert "items" not in body
    status, body = await get(
        world, "playlistItems", part="snippet,contentDetails", playlistId=uploads, maxResults="50"
    )
    assert status == 200
    check(body, {"$ref": "PlaylistItemListResponse"}, "playlistItems")
    assert len(body["items"]) == 4
    status, body = await get(world, "playlistItems", part="snippet", playlistId="UUnope")
    assert status == 404
    assert body["error"]["errors"][0]["reason"] == "playlistNotFound"


async def test_search_answers_but_is_counted(world: YouTubeStandIn) -> None:
    status, body = await get(
        world,
        "search",
        part="snippet",
        channelId=DEFAULT_CHANNEL_ID,
        eventType="live",
        type="video",
    )
    assert status == 200
    check(body, {"$ref": "SearchListResponse"}, "search")
    assert [item["id"]["videoId"] for item in body["items"]] == ["live0000001"]
    assert world.search_calls == 1


@pytest.mark.parametrize(
    ("kind", "status", "reason"),
    [
        ("quotaExceeded", 403, "quotaExceeded"),
        ("rateLimitExceeded", 403, "rateLimitExceeded"),
        ("tooManyRequests", 429, "rateLimitExceeded"),
        ("backendError", 500, "backendError"),
        ("serviceUnavailable", 503, "backendError"),
        ("badKey", 400, "badRequest"),
        ("accessNotConfigured", 403, "accessNotConfigured"),
    ],
)
async def test_google_error_bodies(
    world: YouTubeStandIn, kind: str, status: int, reason: str
) -> None:
    world.fail_next("videos", kind)
    got_status, body = await get(world, "videos", part="snippet", id="live0000001")
    assert got_status == status
    error = body["error"]
    assert error["code"] == status
    assert error["message"]
    assert error["errors"][0]["reason"] == reason
    if kind == "quotaExceeded":
        assert error["errors"][0]["domain"] == "youtube.quota"
    if kind == "badKey":
        assert error["details"][0]["reason"] == "API_KEY_INVALID"
    # One failure only: the next call succeeds, and both were counted.
    assert (await get(world, "videos", part="snippet", id="live0000001"))[0] == 200
    assert world.calls["videos.list"] == 2


async def test_key_is_checked_and_quota_switch(world: YouTubeStandIn) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{world.api_base}/youtube/v3/videos", params={"part": "id"}) as response,
    ):
        assert response.status == 403
    world.exhaust_quota()
    status, body = await get(world, "videos", part="id", id="x")
    assert status == 403
    assert body["error"]["errors"][0]["reason"] == "quotaExceeded"
    world.restore_quota()
    world.disable_api()
    status, body = await get(world, "videos", part="id", id="x")
    assert body["error"]["errors"][0]["reason"] == "accessNotConfigured"
    world.enable_api()
    assert (await get(world, "videos", part="id", id="x"))[0] == 200
    assert world.calls["videos.list"] == 4


async def test_deleted_videos_leave_api_and_feed(world: YouTubeStandIn) -> None:
    world.delete("live0000001")
    _, body = await get(world, "videos", part="id", id="live0000001")
    assert body["items"] == []
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{world.feed_base}/feeds/videos.xml", params={"channel_id": DEFAULT_CHANNEL_ID}
        ) as response,
    ):
        text = await response.text()
    assert "live0000001" not in text
    assert "upcoming001" in text
    with pytest.raises(ValueError, match="unknown"):
        world.fail_next("videos", "nonsense")


async def test_an_ended_streams_recording_is_unprocessed_until_made_available(
    youtube: YouTubeStandIn,
) -> None:
    """As YouTube shows it: P0D and "uploaded" while live and after the end, then the length and
    "processed" once the archive can be watched."""
    clock = youtube.clock
    assert isinstance(clock, FrozenClock)
    youtube.go_live("stream00001", title="Live")

    async def recording() -> tuple[str, str, str]:
        _, body = await get(
            youtube, "videos", part="contentDetails,status,snippet", id="stream00001"
        )
        item = body["items"][0]
        check(item, {"$ref": "Video"}, "video")
        return (
            item["contentDetails"]["duration"],
            item["status"]["uploadStatus"],
            item["snippet"]["liveBroadcastContent"],
        )

    assert await recording() == ("P0D", "uploaded", "live")
    with pytest.raises(ValueError, match="has not ended"):
        youtube.make_recording_available("stream00001")
    clock.advance(timedelta(hours=3, minutes=30, seconds=12))
    youtube.end("stream00001")
    assert await recording() == ("P0D", "uploaded", "none")
    youtube.make_recording_available("stream00001")
    assert await recording() == ("PT3H30M12S", "processed", "none")
    youtube.make_recording_available("stream00001", duration=timedelta(minutes=59, seconds=1))
    assert await recording() == ("PT59M1S", "processed", "none")
    # Premieres and uploads are files: processed from the start.
    youtube.schedule("premiere001", "Premiere", clock.now() + timedelta(hours=1), premiere=True)
    youtube.upload("upload00001", "Upload")
    _, body = await get(
        youtube, "videos", part="contentDetails,status", id="premiere001,upload00001"
    )
    assert [
        (i["contentDetails"]["duration"], i["status"]["uploadStatus"]) for i in body["items"]
    ] == [
        ("PT12M34S", "processed"),
        ("PT4M10S", "processed"),
    ]


async def test_the_play_script_makes_the_recording_available_after_the_end() -> None:
    clock = ScaledClock(T0, speed=36000)  # ten event hours per real second
    async with YouTubeStandIn(clock=clock) as youtube:
        start = clock.now() + timedelta(minutes=5)
        end = start + timedelta(minutes=30)
        await play_stream(
            youtube,
            clock,
            video_id="script00001",
            title="Scripted",
            starts_at=start,
            ends_at=end,
            viewer_step=timedelta(minutes=5),
            recording_after=timedelta(minutes=3),
        )
        video = youtube.videos["script00001"]
        assert video.actual_start is not None
        assert video.actual_end is not None
        assert clock.now() >= end + timedelta(minutes=3)
        assert (video.duration, video.upload_status) == (
            iso_duration(video.actual_end - video.actual_start),
            "processed",
        )


def test_audience_curve() -> None:
    assert audience(0, 1000) == 0
    assert audience(0.5, 1000) > 900
    assert audience(1.0, 1000) < audience(0.5, 1000)
