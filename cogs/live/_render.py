"""What the live relay's messages say, as plain data: content text plus a Discord embed dict.

Pure functions of (catalog, locale, state), no discord import. The sink turns a :class:`Rendered`
into a message with ``discord.Embed.from_dict(rendered.embed)``, attaches ``chart_png`` as
:data:`CHART_FILE_NAME` when ``attach_chart`` is set, and pings exactly ``mention_role_id`` (0:
nobody). Titles come from YouTube, so they are escaped: no markdown breakage, no @everyone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import Locale
from bot.i18n import Catalog
from bot.text import clip
from bot.timefmt import discord_ts
from cogs.live._notices import (
    ApiDisabledNotice,
    BadKeyNotice,
    BudgetExhaustedNotice,
    ChannelNotFoundNotice,
    ModeratorNotice,
    QuotaExceededNotice,
    QuotaRestoredNotice,
    RecordingUnavailableNotice,
    StreamVanishedNotice,
)
from cogs.live._state import Broadcast, Mode, RelayStatus, Summary

CHART_FILE_NAME = "viewers.png"
COLOUR_UPCOMING = 0x3498DB
COLOUR_LIVE = 0xFF0000
COLOUR_ENDED = 0x95A5A6
_MARKDOWN = re.compile(r"([\\*_~`|>\[\]])")
_MASS_MENTION = re.compile(r"@(everyone|here)")
_TITLE_LIMIT = 256
_PRESENCE_LIMIT = 128
_NOTICE_MESSAGE_LIMIT = 500


@dataclass(frozen=True)
class Rendered:
    content: str
    embed: dict[str, Any] | None = None
    #: The one role this message may ping (0: none). Edits never ping again.
    mention_role_id: int = 0
    #: Attach the summary's chart as CHART_FILE_NAME (the embed's image points at it).
    attach_chart: bool = False


def safe_text(text: str) -> str:
    """Text from YouTube made inert for Discord: markdown escaped, mass mentions broken."""
    return _MASS_MENTION.sub("@\u200b\\1", _MARKDOWN.sub(r"\\\1", text))


def _title(b: Broadcast) -> str:
    return safe_text(b.title or b.video_id)


def presence_text(b: Broadcast) -> str:
    """The activity name for "Watching: <title>" (Discord caps it at 128 characters)."""
    return clip(b.title or b.video_id, _PRESENCE_LIMIT)


def format_count(catalog: Catalog, locale: Locale, count: int | None) -> str:
    if count is None:
        return catalog.t("live.no_figure", locale)
    return catalog.t("live.viewers", locale, viewers=f"{count:,}")


def format_duration(catalog: Catalog, locale: Locale, duration: timedelta | None) -> str:
    if duration is None:
        return catalog.t("live.no_figure", locale)
    minutes_total = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes_total, 60)
    if hours:
        return catalog.t("live.duration.hours", locale, hours=hours, minutes=minutes)
    return catalog.t("live.duration.minutes", locale, minutes=minutes)


def _thumbnail(b: Broadcast) -> dict[str, str] | None:
    return {"url": b.thumbnail_url} if b.thumbnail_url else None


def _embed(
    title: str, url: str, colour: int, fields: list[tuple[str, str]], b: Broadcast
) -> dict[str, Any]:
    embed: dict[str, Any] = {
        "type": "rich",
        "title": clip(title, _TITLE_LIMIT),
        "url": url,
        "color": colour,
        "fields": [{"name": n, "value": v or "-", "inline": True} for n, v in fields],
    }
    thumbnail = _thumbnail(b)
    if thumbnail:
        embed["thumbnail"] = thumbnail
    return embed


# -- announcements -----------------------------------------------------------------------------------


def render_upcoming(catalog: Catalog, locale: Locale, b: Broadcast) -> Rendered:
    start = b.scheduled_start
    full = discord_ts(start, "F") if start else catalog.t("live.no_figure", locale)
    relative = discord_ts(start, "R") if start else ""
    values = {"title": _title(b), "link": b.link, "start_full": full, "start_relative": relative}
    if b.premiere:
        content = catalog.t("live.upcoming.content_premiere", locale, **values)
        title = catalog.t("live.upcoming.title_premiere", locale, title=b.title or b.video_id)
    else:
        content = catalog.t("live.upcoming.content", locale, **values)
        title = catalog.t("live.upcoming.title", locale, title=b.title or b.video_id)
    fields = [(catalog.t("live.field.starts", locale), f"{full}\n{relative}".strip())]
    return Rendered(content, _embed(title, b.link, COLOUR_UPCOMING, fields, b))


def render_live(catalog: Catalog, locale: Locale, b: Broadcast, *, role_id: int = 0) -> Rendered:
    """The live status message: for the first post and for every viewer-count edit."""
    key = "live.live.content_premiere" if b.premiere else "live.live.content"
    content = catalog.t(key, locale, title=_title(b), link=b.link)
    if role_id > 0:
        content = f"<@&{role_id}> {content}"
    title_key = "live.live.title_premiere" if b.premiere else "live.live.title"
    viewers = (
        format_count(catalog, locale, b.viewers)
        if b.viewers is not None
        else catalog.t("live.viewers_hidden", locale)
    )
    fields = [(catalog.t("live.field.viewers", locale), viewers)]
    if b.actual_start is not None:
        fields.append((catalog.t("live.field.started", locale), discord_ts(b.actual_start, "R")))
    embed = _embed(
        catalog.t(title_key, locale, title=b.title or b.video_id), b.link, COLOUR_LIVE, fields, b
    )
    return Rendered(content, embed, mention_role_id=max(0, role_id))


def render_ended(catalog: Catalog, locale: Locale, b: Broadcast, summary: Summary) -> Rendered:
    """The status message edited in place: ended (종료), with the peak as a number."""
    if summary.peak is not None:
        content = catalog.t(
            "live.ended.content", locale, title=_title(b), peak=f"{summary.peak:,}", link=b.link
        )
    else:
        content = catalog.t("live.ended.content_no_peak", locale, title=_title(b), link=b.link)
    fields = [
        (catalog.t("live.field.peak", locale), format_count(catalog, locale, summary.peak)),
        (
            catalog.t("live.field.duration", locale),
            format_duration(catalog, locale, summary.duration),
        ),
    ]
    title = catalog.t("live.ended.title", locale, title=b.title or b.video_id)
    return Rendered(content, _embed(title, b.link, COLOUR_ENDED, fields, b))


def render_summary(catalog: Catalog, locale: Locale, b: Broadcast, summary: Summary) -> Rendered:
    """The one short summary after the end: duration, peak, average, and the chart."""
    content = catalog.t("live.summary.content", locale, title=_title(b))
    fields = [
        (
            catalog.t("live.field.duration", locale),
            format_duration(catalog, locale, summary.duration),
        ),
        (catalog.t("live.field.peak", locale), format_count(catalog, locale, summary.peak)),
        (catalog.t("live.field.average", locale), format_count(catalog, locale, summary.average)),
    ]
    embed = _embed(catalog.t("live.summary.title", locale), b.link, COLOUR_ENDED, fields, b)
    embed.pop("thumbnail", None)
    attach = summary.chart_png is not None
    if attach:
        embed["image"] = {"url": f"attachment://{CHART_FILE_NAME}"}
    return Rendered(content, embed, attach_chart=attach)


def render_vanished(catalog: Catalog, locale: Locale, b: Broadcast) -> Rendered:
    return Rendered(catalog.t("live.vanished.content", locale, title=_title(b)))


# -- /live -------------------------------------------------------------------------------------------


def render_live_command(
    catalog: Catalog,
    locale: Locale,
    status: RelayStatus,
    *,
    stream_link: str = "",
    next_session: tuple[str, datetime] | None = None,
) -> Rendered:
    """The /live answer: live (link, viewers, since), upcoming (when), or nothing scheduled (and
    when the next program session starts, ``(title, start)`` from the program). With the relay off
    (no API key) it says so instead of guessing from what earlier runs stored."""
    off = status.mode == "not_configured"
    if status.live and not off:
        b = status.live[0]
        since = b.actual_start or b.first_seen
        viewers = (
            format_count(catalog, locale, b.viewers)
            if b.viewers is not None
            else catalog.t("live.viewers_hidden", locale)
        )
        text = catalog.t(
            "live.status.live",
            locale,
            title=_title(b),
            link=b.link,
            viewers=viewers,
            since_full=discord_ts(since, "t"),
            since_relative=discord_ts(since, "R"),
        )
        return Rendered(text)
    if status.upcoming and not off:
        b = status.upcoming[0]
        start = b.scheduled_start or status.now
        text = catalog.t(
            "live.status.upcoming",
            locale,
            title=_title(b),
            link=b.link,
            start_full=discord_ts(start, "F"),
            start_relative=discord_ts(start, "R"),
        )
        return Rendered(text)
    lines = [catalog.t("live.status.off" if off else "live.status.nothing", locale)]
    if next_session is not None:
        session, start = next_session
        lines.append(
            catalog.t(
                "live.status.next_session",
                locale,
                session=safe_text(session),
                start_full=discord_ts(start, "F"),
                start_relative=discord_ts(start, "R"),
            )
        )
    if not off and status.last_ended is not None and status.last_ended.actual_end is not None:
        lines.append(
            catalog.t(
                "live.status.last_ended",
                locale,
                title=_title(status.last_ended),
                ended_relative=discord_ts(status.last_ended.actual_end, "R"),
            )
        )
    if stream_link:
        lines.append(catalog.t("live.status.watch", locale, link=stream_link))
    return Rendered("\n".join(lines))


# -- moderators --------------------------------------------------------------------------------------


def notice_text(notice: ModeratorNotice) -> tuple[str, dict[str, Any]]:
    """The catalog key and values of a moderator notice (values are the same in every language)."""
    if isinstance(notice, QuotaExceededNotice):
        minutes = max(1, round(notice.probe_every.total_seconds() / 60))
        return "live.notice.quota_exceeded", {"probe_minutes": minutes, **_resets(notice.resets_at)}
    if isinstance(notice, QuotaRestoredNotice):
        return "live.notice.quota_restored", {}
    if isinstance(notice, BudgetExhaustedNotice):
        return "live.notice.budget_exhausted", {
            "used": f"{notice.used:,}",
            "daily_quota": f"{notice.daily_quota:,}",
            **_resets(notice.resets_at),
        }
    if isinstance(notice, BadKeyNotice):
        return "live.notice.bad_key", {"message": _youtube_message(notice.message)}
    if isinstance(notice, ApiDisabledNotice):
        return "live.notice.api_disabled", {"message": _youtube_message(notice.message)}
    if isinstance(notice, ChannelNotFoundNotice):
        return "live.notice.channel_not_found", {"channel": safe_text(notice.channel)}
    if isinstance(notice, StreamVanishedNotice):
        return "live.notice.vanished", {"title": safe_text(notice.title or notice.video_id)}
    if isinstance(notice, RecordingUnavailableNotice):
        return "live.notice.recording_unavailable", {
            "title": safe_text(notice.title or notice.video_id)
        }
    raise TypeError(f"unknown notice {notice!r}")


def _resets(moment: datetime) -> dict[str, str]:
    return {"resets_full": discord_ts(moment, "F"), "resets_relative": discord_ts(moment, "R")}


def _youtube_message(message: str) -> str:
    return clip(safe_text(message), _NOTICE_MESSAGE_LIMIT)


_MODE_KEYS: dict[Mode, str] = {
    "not_configured": "live.mode.not_configured",
    "stopped": "live.mode.stopped",
    "active": "live.mode.active",
    "idle": "live.mode.idle",
    "backoff": "live.mode.backoff",
    "quota_exceeded": "live.mode.quota_exceeded",
    "budget_exhausted": "live.mode.budget_exhausted",
    "bad_key": "live.mode.bad_key",
    "api_disabled": "live.mode.api_disabled",
}


def status_fields(catalog: Catalog, locale: Locale, status: RelayStatus) -> list[tuple[str, str]]:
    """Fields for /admin status: mode, units used/left today, last success, next poll."""
    never = catalog.t("live.admin.never", locale)
    lines = [
        catalog.t(
            "live.admin.value",
            locale,
            mode=catalog.t(_MODE_KEYS[status.mode], locale),
            used=f"{status.units_used:,}",
            daily_quota=f"{status.daily_quota:,}",
            left=f"{status.units_left:,}",
            resets_relative=discord_ts(status.quota_resets_at, "R"),
            last_success=discord_ts(status.last_success, "R") if status.last_success else never,
            next_poll=discord_ts(status.next_poll, "R") if status.next_poll else never,
        )
    ]
    if status.last_error:
        lines.append(catalog.t("live.admin.last_error", locale, error=safe_text(status.last_error)))
    if status.websub_expires_at is not None:
        lines.append(
            catalog.t(
                "live.admin.websub", locale, expires=discord_ts(status.websub_expires_at, "R")
            )
        )
    return [(catalog.t("live.admin.field", locale), "\n".join(lines)[:1024])]
