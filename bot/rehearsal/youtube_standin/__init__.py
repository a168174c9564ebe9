"""A local stand-in for the YouTube Data API v3, the channel feed and the WebSub hub (tests, rehearsal)."""

from bot.rehearsal.youtube_standin._app import (
    DEFAULT_CHANNEL_ID,
    DEFAULT_HANDLE,
    DEFAULT_KEY,
    YouTubeStandIn,
    topic_for,
)
from bot.rehearsal.youtube_standin._hub import HubRequest, HubStandIn, HubSubscription
from bot.rehearsal.youtube_standin._model import FakeChannel, FakeVideo, iso_duration
from bot.rehearsal.youtube_standin._script import audience, play_stream

__all__ = [
    "DEFAULT_CHANNEL_ID",
    "DEFAULT_HANDLE",
    "DEFAULT_KEY",
    "FakeChannel",
    "FakeVideo",
    "HubRequest",
    "HubStandIn",
    "HubSubscription",
    "YouTubeStandIn",
    "audience",
    "iso_duration",
    "play_stream",
    "topic_for",
]
