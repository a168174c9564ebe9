"""A restart while live keeps editing the same message (state in SQLite), in English, without a role."""

from __future__ import annotations

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.youtube_standin import YouTubeStandIn
from tests.cogs.live.conftest import (
    LINK,
    TITLE,
    VIDEO,
    WAIT,
    LiveLauncher,
    chart_uploads,
    polls,
    watching,
    with_discord,
)


async def test_restart_while_live_edits_the_same_message(
    start_live: LiveLauncher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    live_config: Config,
) -> None:
    config = with_discord(live_config, locale="en", reminder_role_id=0)
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 1200)
    cursor = standin.cursor()
    first = await start_live(config=config)
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert live["content"].startswith("🔴 Live now")
    assert LINK in live["content"]
    assert "<@&" not in live["content"]  # no reminder role configured: nobody is pinged
    allowed = standin.allowed_mentions_for(live["id"])
    assert allowed["parse"] == []
    assert not allowed.get("roles")
    assert live["mention_roles"] == []
    await standin.wait_for_gateway_event(op=3, predicate=watching(TITLE), after=cursor)
    await first.stop()

    youtube.set_viewers(VIDEO, 1500)
    cursor = standin.cursor()
    await start_live(config=config)
    await standin.wait_for_edit(
        live["id"], lambda m: "1,500" in message_text(m), after=cursor, timeout=WAIT
    )
    # The new gateway session shows the stream again.
    await standin.wait_for_gateway_event(op=3, predicate=watching(TITLE), after=cursor)
    await polls(youtube, 3)
    assert [m["id"] for m in standin.messages("announce")] == [live["id"]]

    youtube.end(VIDEO)
    ended = await standin.wait_for_edit(
        live["id"], lambda m: "ended" in m["content"], after=cursor, timeout=WAIT
    )
    assert "Peak concurrent viewers: 1,500" in ended["content"]
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    fields = {f["name"]: f["value"] for f in summary["embeds"][0]["fields"]}
    assert fields["Peak concurrent viewers"] == "1,500"
    assert set(fields) == {"Duration", "Peak concurrent viewers", "Average concurrent viewers"}
    assert len(chart_uploads(standin)) == 1
    assert len(standin.messages("announce")) == 2
