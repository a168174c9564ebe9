"""Renderers: both languages, Discord markup, limits, escaping; the chart is a PNG."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import get_args

import pytest

from bot.i18n import Catalog
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
from cogs.live._render import (
    _MODE_KEYS,
    CHART_FILE_NAME,
    format_duration,
    notice_text,
    presence_text,
    render_ended,
    render_live,
    render_live_command,
    render_summary,
    render_upcoming,
    render_vanished,
    safe_text,
    status_fields,
)
from cogs.live._state import Broadcast, Mode, Phase, RelayStatus, ViewerSample, summarize

T = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)
UNIX = int(T.timestamp())


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def live_broadcast(**kwargs: object) -> Broadcast:
    values: dict[str, object] = {
        "video_id": "abcdefghijk",
        "first_seen": T,
        "phase": Phase.LIVE,
        "title": "2022 CCEI 오픈이노베이션",
        "thumbnail_url": "https://i.ytimg.com/vi/abcdefghijk/maxresdefault_live.jpg",
        "scheduled_start": T,
        "actual_start": T,
        "viewers": 1234,
    }
    values.update(kwargs)
    return Broadcast(**values)  # type: ignore[arg-type]


def status(**kwargs: object) -> RelayStatus:
    values: dict[str, object] = {
        "now": T,
        "mode": "active",
        "channel_id": "UC",
        "live": (),
        "upcoming": (),
        "last_ended": None,
        "last_success": T,
        "last_feed_success": T,
        "last_error": None,
        "units_used": 120,
        "units_left": 9880,
        "daily_quota": 10000,
        "quota_resets_at": T + timedelta(hours=4),
        "next_poll": T + timedelta(seconds=10),
        "websub_expires_at": None,
    }
    values.update(kwargs)
    return RelayStatus(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_upcoming_has_title_link_thumbnail_and_both_timestamps(
    catalog: Catalog, locale: str
) -> None:
    b = live_broadcast(phase=Phase.UPCOMING, actual_start=None, viewers=None)
    rendered = render_upcoming(catalog, locale, b)  # type: ignore[arg-type]
    assert f"<t:{UNIX}:F>" in rendered.content
    assert f"<t:{UNIX}:R>" in rendered.content
    assert "https://www.youtube.com/watch?v=abcdefghijk" in rendered.content
    assert rendered.embed is not None
    assert rendered.embed["thumbnail"]["url"].endswith("maxresdefault_live.jpg")
    assert b.title in rendered.embed["title"]
    assert rendered.mention_role_id == 0


def test_premiere_is_announced_as_a_premiere(catalog: Catalog) -> None:
    b = live_broadcast(phase=Phase.UPCOMING, premiere=True)
    assert "최초 공개" in render_upcoming(catalog, "ko", b).content
    assert "premiere" in render_upcoming(catalog, "en", b).content.lower()
    assert "Premiering" in render_live(catalog, "en", b).content


def test_live_message_pings_the_role_only_when_configured(catalog: Catalog) -> None:
    plain = render_live(catalog, "ko", live_broadcast())
    assert "<@&" not in plain.content
    assert plain.mention_role_id == 0
    pinged = render_live(catalog, "ko", live_broadcast(), role_id=42)
    assert pinged.content.startswith("<@&42>")
    assert pinged.mention_role_id == 42
    assert "https://www.youtube.com/watch?v=abcdefghijk" in pinged.content
    assert pinged.embed is not None
    assert any(f["value"] == "1,234명" for f in pinged.embed["fields"])
    english = render_live(catalog, "en", live_broadcast(viewers=None))
    assert english.embed is not None
    assert any(f["value"] == "hidden" for f in english.embed["fields"])


@pytest.mark.parametrize(("locale", "word"), [("ko", "종료"), ("en", "ended")])
def test_ended_edit_says_ended_with_the_peak(catalog: Catalog, locale: str, word: str) -> None:
    samples = (ViewerSample(T, 100), ViewerSample(T + timedelta(minutes=5), 2500))
    b = live_broadcast(
        phase=Phase.ENDED, actual_end=T + timedelta(hours=3, minutes=30), samples=samples
    )
    rendered = render_ended(catalog, locale, b, summarize(b))  # type: ignore[arg-type]
    assert word in rendered.content
    assert "2,500" in rendered.content


def test_summary_has_duration_peak_average_and_chart(catalog: Catalog) -> None:
    samples = (ViewerSample(T, 100), ViewerSample(T + timedelta(minutes=30), 300))
    b = live_broadcast(phase=Phase.ENDED, actual_end=T + timedelta(hours=1), samples=samples)
    summary = summarize(b)
    rendered = render_summary(catalog, "en", b, summary)
    assert rendered.embed is not None
    values = {f["name"]: f["value"] for f in rendered.embed["fields"]}
    assert values == {
        "Duration": "1 h 0 min",
        "Peak concurrent viewers": "300",
        "Average concurrent viewers": "200",
    }
    assert not rendered.attach_chart
    with_chart = render_summary(catalog, "ko", b, replace(summary, chart_png=b"png"))
    assert with_chart.attach_chart
    assert with_chart.embed is not None
    assert with_chart.embed["image"]["url"] == f"attachment://{CHART_FILE_NAME}"
    no_viewers = render_summary(catalog, "ko", b, replace(summary, peak=None, average=None))
    assert no_viewers.embed is not None
    assert "정보 없음" in [f["value"] for f in no_viewers.embed["fields"]]


def test_durations(catalog: Catalog) -> None:
    assert (
        format_duration(catalog, "ko", timedelta(hours=3, minutes=29, seconds=59)) == "3시간 29분"
    )
    assert format_duration(catalog, "en", timedelta(minutes=42)) == "42 min"
    assert format_duration(catalog, "en", None) == "not available"


def test_titles_are_escaped_and_cannot_ping(catalog: Catalog) -> None:
    b = live_broadcast(title="**LIVE** @everyone @here _now_")
    content = render_live(catalog, "en", b).content
    assert "@everyone" not in content
    assert "@here" not in content
    assert "\\*\\*LIVE\\*\\*" in content
    assert safe_text("a|b`c") == "a\\|b\\`c"
    long = live_broadcast(title="x" * 300)
    embed = render_live(catalog, "en", long).embed
    assert embed is not None
    assert len(embed["title"]) <= 256
    assert len(presence_text(long)) == 128
    assert "x" in render_vanished(catalog, "ko", long).content


@pytest.mark.parametrize("locale", ["ko", "en"])
def test_live_command_states(catalog: Catalog, locale: str) -> None:
    live = render_live_command(catalog, locale, status(live=(live_broadcast(),)))  # type: ignore[arg-type]
    assert "abcdefghijk" in live.content
    assert "1,234" in live.content
    assert f"<t:{UNIX}:R>" in live.content
    upcoming_b = live_broadcast(phase=Phase.UPCOMING, viewers=None)
    upcoming = render_live_command(catalog, locale, status(upcoming=(upcoming_b,)))  # type: ignore[arg-type]
    assert f"<t:{UNIX}:F>" in upcoming.content
    session_start = T + timedelta(days=1)
    nothing = render_live_command(
        catalog,
        locale,  # type: ignore[arg-type]
        status(),
        stream_link="https://www.youtube.com/@CCEISAY/live",
        next_session=("Lecture", session_start),
    )
    assert f"<t:{int(session_start.timestamp())}:F>" in nothing.content
    assert "Lecture" in nothing.content
    assert "https://www.youtube.com/@CCEISAY/live" in nothing.content


@pytest.mark.parametrize(("locale", "word"), [("ko", "꺼져"), ("en", "is off")])
def test_live_command_says_the_relay_is_off_without_stale_state(
    catalog: Catalog, locale: str, word: str
) -> None:
    # What an earlier run stored is not shown as if it were current.
    off = status(mode="not_configured", live=(live_broadcast(),))
    session_start = T + timedelta(hours=1)
    text = render_live_command(
        catalog,
        locale,  # type: ignore[arg-type]
        off,
        stream_link="https://www.youtube.com/@CCEISAY/live",
        next_session=("Lecture", session_start),
    ).content
    assert word in text
    assert "abcdefghijk" not in text
    assert f"<t:{int(session_start.timestamp())}:F>" in text
    assert "https://www.youtube.com/@CCEISAY/live" in text


RESETS = T + timedelta(hours=4)
NOTICES: list[ModeratorNotice] = [
    QuotaExceededNotice(date(2022, 12, 14), timedelta(minutes=5), RESETS, "quota"),
    QuotaRestoredNotice(date(2022, 12, 14)),
    BudgetExhaustedNotice(date(2022, 12, 14), 10000, 10000, RESETS),
    BadKeyNotice("fingerprint", "API key not valid. @everyone"),
    ApiDisabledNotice("fingerprint", "YouTube Data API v3 has not been used"),
    ChannelNotFoundNotice("@CCEISAY"),
    StreamVanishedNotice("abcdefghijk", "**CCEI** live"),
    RecordingUnavailableNotice("abcdefghijk", "**CCEI** live"),
]


def test_every_kind_of_notice_is_listed() -> None:
    assert {type(n) for n in NOTICES} == set(get_args(ModeratorNotice))
    assert len({n.once_kind for n in NOTICES}) == len(NOTICES)


@pytest.mark.parametrize("notice", NOTICES, ids=lambda n: type(n).__name__)
@pytest.mark.parametrize("locale", ["ko", "en"])
def test_every_notice_renders(catalog: Catalog, notice: ModeratorNotice, locale: str) -> None:
    key, values = notice_text(notice)
    text = catalog.t(key, locale, **values)
    assert text
    assert "{" not in text
    assert "@everyone" not in text
    if isinstance(notice, BadKeyNotice):
        assert "YOUTUBE_API_KEY" in text
    if isinstance(notice, QuotaExceededNotice | BudgetExhaustedNotice):
        assert f"<t:{int(RESETS.timestamp())}:F>" in text
    if isinstance(notice, QuotaExceededNotice):
        assert "5" in text
    if isinstance(notice, BudgetExhaustedNotice):
        assert "10,000/10,000" in text
    if isinstance(notice, StreamVanishedNotice | RecordingUnavailableNotice):
        assert "\\*\\*CCEI\\*\\*" in text


@pytest.mark.parametrize("mode", get_args(Mode))
def test_admin_status_fields_for_every_mode(catalog: Catalog, mode: Mode) -> None:
    assert catalog.has(_MODE_KEYS[mode])
    fields = status_fields(catalog, "en", status(mode=mode, last_error="HTTP 500 backendError"))
    assert len(fields) == 1
    name, value = fields[0]
    assert name == "YouTube live relay"
    assert "120/10,000" in value
    assert "9,880 left" in value
    assert "backendError" in value
    assert len(value) <= 1024
