"""YouTube failing mid-stream: no crash, no false "ended", moderators told once, the key kept secret."""

from __future__ import annotations

import logging

import pytest

from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.youtube_standin import YouTubeStandIn
from tests.cogs.live.conftest import (
    KEY,
    TITLE,
    VIDEO,
    WAIT,
    LiveLauncher,
    assert_ledger_matches,
    polls,
    relay_of,
)


async def test_500_and_quota_exceeded_mid_stream(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # googleapiclient logs request URLs (with key=) at DEBUG: capture them too.
    caplog.set_level(logging.DEBUG, logger="googleapiclient")
    caplog.set_level(logging.DEBUG, logger="cogs.live")
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 50)
    cursor = standin.cursor()
    running = await start_live()
    relay = relay_of(running)
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)

    # A 500: backed off and retried; the stream stays live and keeps being edited.
    youtube.fail_next("videos", "backendError")
    await polls(youtube, 2)
    youtube.set_viewers(VIDEO, 80)
    await standin.wait_for_edit(
        live["id"], lambda m: "80명" in message_text(m), after=cursor, timeout=WAIT
    )
    assert "attempt 1" in caplog.text  # the backoff was logged

    # quotaExceeded: moderators hear it once, in the audit channel; the feed is still read.
    cursor = standin.cursor()
    youtube.exhaust_quota()
    notice = await standin.wait_for_message(
        "audit", predicate=lambda m: "할당량" in m["content"], after=cursor, timeout=WAIT
    )
    assert "<t:" in notice["content"]  # when the quota resets
    assert standin.allowed_mentions_for(notice["id"])["parse"] == []
    await polls(youtube, 2)  # two more probes (one per quota_probe), both refused
    await polls(youtube, 3, method="feed")
    assert [m["id"] for m in standin.messages("audit")] == [notice["id"]]
    assert relay.broadcasts[VIDEO].phase == "live"
    assert relay.status().mode == "quota_exceeded"

    # /admin status shows the state and the (redacted) error, never the key.
    handle = await standin.slash("owner", name="admin", subcommand="status", locale="en-US")
    status_text = message_text((await handle.response())["data"])
    assert "quota exhausted" in status_text
    assert "Last error" in status_text
    assert KEY not in status_text

    # The quota comes back: told once more, and the viewer count moves again.
    cursor = standin.cursor()
    youtube.restore_quota()
    youtube.set_viewers(VIDEO, 95)
    restored = await standin.wait_for_message(
        "audit", predicate=lambda m: "확인에 성공" in m["content"], after=cursor, timeout=WAIT
    )
    assert restored["content"].startswith("✅ ")  # good news, not another warning
    await standin.wait_for_edit(
        live["id"], lambda m: "95명" in message_text(m), after=cursor, timeout=WAIT
    )
    # No false "ended" at any point before the real end.
    assert not any(
        "종료" in message_text(e.message)
        for e in standin.message_log
        if e.message_id == int(live["id"])
    )

    youtube.end(VIDEO)
    await standin.wait_for_edit(
        live["id"], lambda m: "종료" in message_text(m), after=cursor, timeout=WAIT
    )
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert "95명" in message_text(summary)
    assert len(standin.messages("announce")) == 2
    assert len(standin.messages("audit")) == 2
    await polls(youtube, 2, method="feed")
    await assert_ledger_matches(relay, youtube)
    assert relay._task is not None
    assert not relay._task.done()

    assert "key=***" in caplog.text  # googleapiclient's URLs were logged, redacted
    assert KEY not in caplog.text
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_rejected_key_is_told_once_even_across_a_restart(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "AIzaSyWRONG-key-for-the-live-relay-000000"
    youtube.go_live(VIDEO, title=TITLE)
    cursor = standin.cursor()
    # The first poll is refused, often before READY: the notice waits for the gateway cache.
    first = await start_live(key=wrong)
    notice = await standin.wait_for_message(
        "audit", predicate=lambda m: "YOUTUBE_API_KEY" in m["content"], after=cursor, timeout=WAIT
    )
    assert notice["content"].startswith("⚠️ ")
    assert standin.allowed_mentions_for(notice["id"])["parse"] == []
    await first.stop()

    second = await start_live(key=wrong)
    await standin.gateway_barrier()
    await polls(youtube, 2, method="channels.list")  # refused again, twice: nothing new to say
    assert [m["id"] for m in standin.messages("audit")] == [notice["id"]]
    assert relay_of(second).status().mode == "bad_key"
    assert standin.messages("announce") == []
    assert wrong not in caplog.text
    assert wrong not in notice["content"]
