"""A stream from announcement to summary, as Discord sees it (docs/live.md, "What Discord sees")."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot.clock import ScaledClock
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.youtube_standin import YouTubeStandIn
from tests.cogs.live.conftest import (
    LINK,
    TITLE,
    VIDEO,
    WAIT,
    LiveLauncher,
    assert_ledger_matches,
    chart_uploads,
    edits_of,
    polls,
    relay_of,
    watching,
)


async def test_upcoming_live_viewers_and_end_with_summary_and_chart(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    youtube.upload("oldUpload01", "An old upload", clock.now() - timedelta(days=30))
    scheduled = clock.now() + timedelta(minutes=20)
    youtube.schedule(VIDEO, TITLE, scheduled)
    cursor = standin.cursor()
    running = await start_live()
    relay = relay_of(running)

    # Scheduled: one announcement with title, link, thumbnail and both timestamps.
    upcoming = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    text = message_text(upcoming)
    unix = int(scheduled.timestamp())
    assert TITLE in text
    assert LINK in upcoming["content"]
    assert f"<t:{unix}:F>" in upcoming["content"]
    assert f"<t:{unix}:R>" in upcoming["content"]
    embed = upcoming["embeds"][0]
    assert embed["url"] == LINK
    assert embed["thumbnail"]["url"].startswith("https://")
    assert standin.allowed_mentions_for(upcoming["id"])["parse"] == []
    assert not standin.allowed_mentions_for(upcoming["id"]).get("roles")

    # Live: one new message with the link, pinging the reminder role through allowed_mentions only.
    cursor = standin.cursor()
    youtube.go_live(VIDEO)
    youtube.set_viewers(VIDEO, 120)
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    role = standin.roles["reminder"]
    assert live["content"].startswith(f"<@&{role}> ")
    assert LINK in live["content"]
    assert "120" in message_text(live)
    allowed = standin.allowed_mentions_for(live["id"])
    assert [int(r) for r in allowed["roles"]] == [role]
    assert allowed.get("parse", []) == []
    assert not allowed.get("users")
    assert live["mention_roles"] == [str(role)]
    await standin.wait_for_gateway_event(op=3, predicate=watching(TITLE), after=cursor)
    videos_at_live = youtube.calls["videos.list"]

    # Viewers: the same message edited in place, no new message.
    youtube.set_viewers(VIDEO, 345)
    await standin.wait_for_edit(
        live["id"], lambda m: "345" in message_text(m), after=cursor, timeout=WAIT
    )
    edits = edits_of(standin, live["id"])
    await polls(youtube, 3)  # an unchanged count edits nothing
    assert edits_of(standin, live["id"]) == edits
    youtube.set_viewers(VIDEO, 300)
    await standin.wait_for_edit(
        live["id"], lambda m: "300" in message_text(m), after=cursor, timeout=WAIT
    )
    # At most one edit per poll while live (here: one per change).
    assert edits_of(standin, live["id"]) <= youtube.calls["videos.list"] - videos_at_live
    assert edits_of(standin, live["id"]) == 2
    assert [m["id"] for m in standin.messages("announce")] == [upcoming["id"], live["id"]]

    # Ended: the status message says so with the peak; one summary with the chart.
    cursor = standin.cursor()
    youtube.end(VIDEO, content="live")  # actualEndTime set while the content still lags
    ended = await standin.wait_for_edit(
        live["id"], lambda m: "종료" in message_text(m), after=cursor, timeout=WAIT
    )
    assert "최고 동시 시청자 345명" in ended["content"]
    assert LINK in ended["content"]
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    fields = {f["name"]: f["value"] for f in summary["embeds"][0]["fields"]}
    assert fields["최고 동시 시청자"] == "345명"
    video = youtube.videos[VIDEO]
    assert video.actual_start is not None
    assert video.actual_end is not None
    minutes = int((video.actual_end - video.actual_start).total_seconds() // 60)
    assert fields["방송 시간"] == f"{minutes}분"
    average = int(fields["평균 동시 시청자"].removesuffix("명"))
    assert 120 <= average <= 345
    assert summary["embeds"][0]["image"]["url"] == "attachment://viewers.png"
    assert [a["filename"] for a in summary["attachments"]] == ["viewers.png"]
    assert len(chart_uploads(standin, cursor.requests)) == 1
    assert not standin.allowed_mentions_for(summary["id"]).get("roles")
    await standin.wait_for_gateway_event(op=3, predicate=watching(None), after=cursor)

    # The recording becoming a VOD says nothing more in the channel (the recap, not loaded here,
    # would post the replay); once it is seen ready, nothing is asked about the finished stream.
    youtube.make_recording_available(VIDEO)
    await youtube.wait_until(lambda: relay.broadcasts[VIDEO].recording == "ready", within=WAIT)
    calls = youtube.api_calls
    await polls(youtube, 3, method="feed")
    assert youtube.api_calls == calls
    assert [m["id"] for m in standin.messages("announce")] == [
        upcoming["id"],
        live["id"],
        summary["id"],
    ]
    assert relay.broadcasts[VIDEO].phase == "ended"
    assert relay.broadcasts["oldUpload01"].phase == "not_live"
    await assert_ledger_matches(relay, youtube)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
