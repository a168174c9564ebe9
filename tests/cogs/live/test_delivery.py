"""Discord-side edge cases: Discord refusing a post, a deleted status message, an end never seen live."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.clock import ScaledClock
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.youtube_standin import YouTubeStandIn
from tests.cogs.live.conftest import (
    TITLE,
    VIDEO,
    WAIT,
    LiveLauncher,
    chart_uploads,
    polls,
    relay_of,
    watching,
)

POST = "/channels/{channel_id}/messages"


async def test_a_refused_post_is_made_once_at_a_later_poll(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 10)
    standin.fail_next("POST", POST, 403, code=50013, message="Missing Permissions")
    cursor = standin.cursor()
    running = await start_live()
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    refused = [
        r for r in standin.requests[cursor.requests :] if r.route == POST and r.status == 403
    ]
    assert len(refused) == 1
    await polls(youtube, 3)
    assert [m["id"] for m in standin.messages("announce")] == [live["id"]]
    assert relay_of(running).broadcasts[VIDEO].live_announced


async def test_a_deleted_status_message_gets_the_end_in_the_summary(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 70)
    cursor = standin.cursor()
    await start_live()
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    standin.store.delete(int(live["id"]))  # a moderator removed it
    cursor = standin.cursor()
    youtube.end(VIDEO)
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert "종료" in summary["content"]
    assert "최고 동시 시청자 70명" in summary["content"]
    assert len(chart_uploads(standin, cursor.requests)) == 1
    await polls(youtube, 2, method="feed")
    assert [m["id"] for m in standin.messages("announce")] == [summary["id"]]


async def test_a_stream_that_ended_during_a_quota_outage_edits_its_announcement(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    clock: ScaledClock,
) -> None:
    youtube.schedule(VIDEO, TITLE, clock.now() + timedelta(minutes=10))
    cursor = standin.cursor()
    await start_live()
    upcoming = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    youtube.exhaust_quota()
    await standin.wait_for_message(
        "audit", predicate=lambda m: "할당량" in m["content"], after=cursor, timeout=WAIT
    )
    # Live and over while the bot could not ask.
    youtube.go_live(VIDEO)
    youtube.end(VIDEO)
    cursor = standin.cursor()
    youtube.restore_quota()
    ended = await standin.wait_for_edit(
        upcoming["id"], lambda m: "종료" in message_text(m), after=cursor, timeout=WAIT
    )
    assert TITLE in ended["content"]
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert "생중계 요약" in summary["content"]
    assert summary["attachments"] == []  # no viewer samples, no chart
    assert [m["id"] for m in standin.messages("announce")] == [upcoming["id"], summary["id"]]


async def test_a_stream_that_vanishes_is_not_called_ended(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 33)
    cursor = standin.cursor()
    running = await start_live()
    # 30 minutes of absence make a stream "vanished"; ten seconds will do here.
    relay = relay_of(running)
    relay.watch = replace(relay.watch, vanish_after=timedelta(seconds=10))
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await standin.wait_for_gateway_event(op=3, predicate=watching(TITLE), after=cursor)
    cursor = standin.cursor()
    youtube.delete(VIDEO)  # deleted or made private
    gone = await standin.wait_for_edit(
        live["id"], lambda m: "찾을 수 없어요" in m["content"], after=cursor, timeout=WAIT
    )
    assert gone["embeds"] == []
    assert "종료" not in gone["content"]
    notice = await standin.wait_for_message("audit", after=cursor, timeout=WAIT)
    assert TITLE in notice["content"]
    await standin.wait_for_gateway_event(op=3, predicate=watching(None), after=cursor)
    assert len(standin.messages("announce")) == 1  # no summary for a stream that did not end
