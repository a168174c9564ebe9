"""What the live relay tells moderators, as typed values (worded by ``_render.notice_text``).

Each notice is told once per server through the core (``bot.notices.tell_once``) under its
``once_kind``; the scope in that kind says how often a cause is worth telling: once per Pacific quota
day, once per API key, once per channel reference or per video.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class QuotaExceededNotice:
    """YouTube answered quotaExceeded: only one probe per ``probe_every`` until the reset."""

    day: date  # the Pacific quota day
    probe_every: timedelta
    resets_at: datetime
    message: str

    @property
    def once_kind(self) -> str:
        return f"live_quota_exceeded:{self.day.isoformat()}"


@dataclass(frozen=True)
class QuotaRestoredNotice:
    """A quota probe succeeded: polling is back to normal."""

    day: date

    @property
    def once_kind(self) -> str:
        return f"live_quota_restored:{self.day.isoformat()}"


@dataclass(frozen=True)
class BudgetExhaustedNotice:
    """The day's ``youtube.daily_quota`` is spent: no API call until the reset."""

    day: date
    used: int
    daily_quota: int
    resets_at: datetime

    @property
    def once_kind(self) -> str:
        return f"live_budget_exhausted:{self.day.isoformat()}"


@dataclass(frozen=True)
class BadKeyNotice:
    """YouTube rejected the API key (``key_id`` is a fingerprint, never the key)."""

    key_id: str
    message: str

    @property
    def once_kind(self) -> str:
        return f"live_bad_key:{self.key_id}"


@dataclass(frozen=True)
class ApiDisabledNotice:
    """YouTube Data API v3 is not enabled for the key's project."""

    key_id: str
    message: str

    @property
    def once_kind(self) -> str:
        return f"live_api_disabled:{self.key_id}"


@dataclass(frozen=True)
class ChannelNotFoundNotice:
    """YouTube knows no channel ``youtube.channel`` names."""

    channel: str

    @property
    def once_kind(self) -> str:
        return f"live_channel_not_found:{self.channel}"


@dataclass(frozen=True)
class StreamVanishedNotice:
    """An announced stream disappeared from YouTube (deleted or made private)."""

    video_id: str
    title: str

    @property
    def once_kind(self) -> str:
        return f"live_stream_vanished:{self.video_id}"


@dataclass(frozen=True)
class RecordingUnavailableNotice:
    """The stream's recording was still not ready a day after the end: no replay post will come."""

    video_id: str
    title: str

    @property
    def once_kind(self) -> str:
        return f"live_recording_unavailable:{self.video_id}"


ModeratorNotice = (
    QuotaExceededNotice
    | QuotaRestoredNotice
    | BudgetExhaustedNotice
    | BadKeyNotice
    | ApiDisabledNotice
    | ChannelNotFoundNotice
    | StreamVanishedNotice
    | RecordingUnavailableNotice
)
#: Good news (a problem is gone): shown with ✅, not ⚠️.
GoodNews = QuotaRestoredNotice
#: Notices about the API key, withdrawn (told again if they recur) once the API answers again.
KeyNotice = BadKeyNotice | ApiDisabledNotice
