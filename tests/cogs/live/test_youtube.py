"""The async YouTube client against the stand-in: real google-api-python-client, real HTTP."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.rehearsal.youtube_standin import DEFAULT_CHANNEL_ID, YouTubeStandIn
from cogs.live._youtube import (
    ApiDisabled,
    ApiError,
    BadKey,
    QuotaExceeded,
    RateLimited,
    Transient,
    YouTubeClient,
    YouTubeError,
    classify_http_error,
    redact,
)


@dataclass
class ListLedger:
    charges: list[tuple[str, int, bool]] = field(default_factory=list)

    async def charge(self, method: str, units: int, *, failed: bool) -> None:
        self.charges.append((method, units, failed))


def client_for(
    frozen_youtube: YouTubeStandIn, ledger: ListLedger, key: str | None = None
) -> YouTubeClient:
    return YouTubeClient(
        api_key=frozen_youtube.api_key if key is None else key,
        api_base=frozen_youtube.api_base,
        ledger=ledger,
        timeout=0.5,
    )


async def test_resolve_handle_and_channel_id(frozen_youtube: YouTubeStandIn) -> None:
    ledger = ListLedger()
    client = client_for(frozen_youtube, ledger)
    info = await client.channel("@cceisay")
    assert info is not None
    assert info.channel_id == DEFAULT_CHANNEL_ID
    assert info.uploads_playlist == "UU" + DEFAULT_CHANNEL_ID[2:]
    assert info.title == "CCEI SAY"
    assert await client.channel(DEFAULT_CHANNEL_ID) == info
    assert await client.channel("@nobody") is None
    assert ledger.charges == [("channels.list", 1, False)] * 3
    assert frozen_youtube.calls["channels.list"] == 3


async def test_videos_parse_states_and_missing(frozen_youtube: YouTubeStandIn) -> None:
    now = frozen_youtube.clock.now()
    frozen_youtube.schedule("upcoming001", "Soon", now + timedelta(minutes=30))
    frozen_youtube.schedule("premiere001", "Premiere", now + timedelta(minutes=30), premiere=True)
    frozen_youtube.go_live("live0000001", title="Live")
    frozen_youtube.set_viewers("live0000001", 1234)
    frozen_youtube.upload("upload00001", "Plain")
    ledger = ListLedger()
    client = client_for(frozen_youtube, ledger)
    ids = ["upcoming001", "premiere001", "live0000001", "upload00001", "missing0001"]
    seen = {o.video_id: o for o in await client.videos(ids, now)}
    assert set(seen) == set(ids) - {"missing0001"}
    assert seen["upcoming001"].broadcast_content == "upcoming"
    assert seen["upcoming001"].scheduled_start == now.replace(microsecond=0) + timedelta(minutes=30)
    assert not seen["upcoming001"].premiere
    assert seen["premiere001"].premiere
    assert seen["live0000001"].viewers == 1234
    assert seen["live0000001"].actual_start is not None
    assert seen["upload00001"].is_stream is False
    assert seen["live0000001"].thumbnail_url.endswith("maxresdefault_live.jpg")
    assert ledger.charges == [("videos.list", 1, False)]
    method, params = frozen_youtube.requests[-1]
    assert method == "videos.list"
    assert params["part"] == "snippet,liveStreamingDetails,contentDetails,status"
    # What the recording check reads: a live stream has no length and is not processed yet.
    assert (seen["live0000001"].duration, seen["live0000001"].upload_status) == ("P0D", "uploaded")
    assert (seen["upload00001"].duration, seen["upload00001"].upload_status) == (
        "PT4M10S",
        "processed",
    )


async def test_videos_rejects_more_than_50_ids(frozen_youtube: YouTubeStandIn) -> None:
    client = client_for(frozen_youtube, ListLedger())
    with pytest.raises(ValueError, match="1-50"):
        await client.videos([f"v{i}" for i in range(51)], frozen_youtube.clock.now())


async def test_recent_uploads(frozen_youtube: YouTubeStandIn) -> None:
    now = frozen_youtube.clock.now()
    for index in range(7):
        frozen_youtube.upload(f"upload{index:05d}", "u", now - timedelta(hours=index))
    ledger = ListLedger()
    ids = await client_for(frozen_youtube, ledger).recent_uploads("UU" + DEFAULT_CHANNEL_ID[2:])
    assert ids == [f"upload{index:05d}" for index in range(5)]
    assert ledger.charges == [("playlistItems.list", 1, False)]


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("quotaExceeded", QuotaExceeded),
        ("rateLimitExceeded", RateLimited),
        ("tooManyRequests", RateLimited),
        ("backendError", Transient),
        ("serviceUnavailable", Transient),
        ("badKey", BadKey),
        ("missingKey", BadKey),
        ("accessNotConfigured", ApiDisabled),
    ],
)
async def test_errors_are_classified_and_charged(
    frozen_youtube: YouTubeStandIn,
    kind: str,
    family: type[YouTubeError],
    caplog: pytest.LogCaptureFixture,
) -> None:
    ledger = ListLedger()
    client = client_for(frozen_youtube, ledger)
    frozen_youtube.fail_next("videos", kind)
    with caplog.at_level(logging.DEBUG), pytest.raises(family) as caught:
        await client.videos(["x"], frozen_youtube.clock.now())
    assert ledger.charges == [("videos.list", 1, True)]
    assert frozen_youtube.api_key not in str(caught.value)
    assert frozen_youtube.api_key not in repr(caught.value)
    assert frozen_youtube.api_key not in caplog.text
    assert "<a href" not in caught.value.message


async def test_a_wrong_key_is_a_bad_key_and_never_shown(
    frozen_youtube: YouTubeStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = ListLedger()
    client = client_for(frozen_youtube, ledger, key="AIzaSyWRONGWRONGWRONG")
    with caplog.at_level(logging.DEBUG), pytest.raises(BadKey) as caught:
        await client.channel("@CCEISAY")
    assert "API key not valid" in caught.value.message
    assert "AIzaSyWRONG" not in caplog.text
    assert "AIzaSyWRONG" not in repr(client)
    assert ledger.charges == [("channels.list", 1, True)]


async def test_timeouts_and_refused_connections_are_transient(
    frozen_youtube: YouTubeStandIn,
) -> None:
    ledger = ListLedger()
    frozen_youtube.timeout_delay = 1.0
    frozen_youtube.fail_next("videos", "timeout")
    with pytest.raises(Transient):
        await client_for(frozen_youtube, ledger).videos(["x"], frozen_youtube.clock.now())
    refused = YouTubeClient(api_key="k", api_base="http://127.0.0.1:9", ledger=ledger, timeout=0.5)
    with pytest.raises(Transient):
        await refused.videos(["x"], frozen_youtube.clock.now())
    assert ledger.charges == [("videos.list", 1, True)] * 2


def test_classification_of_unusual_bodies() -> None:
    assert isinstance(classify_http_error(502, b"<html>Bad Gateway</html>"), Transient)
    assert isinstance(classify_http_error(404, b'{"error": {"code": 404}}'), ApiError)
    error = classify_http_error(400, b'{"error": {"message": "bad key=SECRET123&x", "errors": []}}')
    assert "SECRET123" not in str(error)


def test_redact() -> None:
    url = "http://h/youtube/v3/videos?part=snippet&key=AIzaSECRET&alt=json"
    assert redact(url) == "http://h/youtube/v3/videos?part=snippet&key=***&alt=json"
    assert redact("the key AIzaSECRET leaked", "AIzaSECRET") == "the key *** leaked"
