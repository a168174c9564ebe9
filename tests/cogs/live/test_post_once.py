"""The relay's own posts are made once (issue 14): through a 503 after Discord took the live post,
and through a kill between Discord taking the live post or the summary and the bot reading the
answer. After the restart the bot keeps editing the one message it made."""

from __future__ import annotations

from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.rehearsal.run import StandInBot
from bot.rehearsal.youtube_standin import YouTubeStandIn
from tests.cogs.admin.test_announce_delivery import kill
from tests.cogs.live.conftest import TITLE, VIDEO, WAIT, LiveLauncher, polls, relay_of

POST = "/channels/{channel_id}/messages"


def key(standin: DiscordStandIn, kind: str) -> str:
    return f"live:{standin.guild_id}:{VIDEO}:{kind}"


def recorded(running: StandInBot) -> list[int]:
    """The status messages the relay recorded (and edits after a restart)."""
    return [ref.message_id for ref in relay_of(running).broadcasts[VIDEO].live_messages]


async def test_a_503_after_discord_took_the_live_post_gives_one_message(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 40)
    standin.fail_next("POST", POST, 503, processed=True)
    cursor = standin.cursor()
    running = await start_live()
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    youtube.set_viewers(VIDEO, 55)
    await standin.wait_for_edit(
        live["id"], lambda m: "55명" in message_text(m), after=cursor, timeout=WAIT
    )
    assert [m["id"] for m in standin.messages("announce")] == [live["id"]]
    assert standin.nonce_replays == 1  # the retry was answered with the first message
    assert recorded(running) == [int(live["id"])]
    assert await running.bot.outbox.message_id(key(standin, "live")) == int(live["id"])


async def test_a_kill_while_the_live_post_is_in_flight_leaves_one_message_that_is_edited(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 40)
    standin.fail_next("POST", POST, "hang", processed=True)
    cursor = standin.cursor()
    first = await start_live()
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await kill(first)  # Discord has the message; the bot never read the answer

    youtube.set_viewers(VIDEO, 65)
    cursor = standin.cursor()
    second = await start_live()
    # The message made before the kill is found, brought up to date and edited from then on.
    await standin.wait_for_edit(
        live["id"], lambda m: "65명" in message_text(m), after=cursor, timeout=WAIT
    )
    youtube.set_viewers(VIDEO, 80)
    await standin.wait_for_edit(
        live["id"], lambda m: "80명" in message_text(m), after=cursor, timeout=WAIT
    )
    youtube.end(VIDEO)
    await standin.wait_for_edit(
        live["id"], lambda m: "종료" in message_text(m), after=cursor, timeout=WAIT
    )
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    assert [m["id"] for m in standin.messages("announce")] == [live["id"], summary["id"]]
    assert recorded(second) == [int(live["id"])]
    assert await second.bot.outbox.message_id(key(standin, "live")) == int(live["id"])


async def test_a_kill_while_the_summary_is_in_flight_leaves_one_summary(
    start_live: LiveLauncher, standin: DiscordStandIn, youtube: YouTubeStandIn
) -> None:
    youtube.go_live(VIDEO, title=TITLE)
    youtube.set_viewers(VIDEO, 40)
    cursor = standin.cursor()
    first = await start_live()
    live = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await youtube.wait_until(lambda: bool(recorded(first)), within=WAIT)
    standin.fail_next("POST", POST, "hang", processed=True)
    cursor = standin.cursor()
    youtube.end(VIDEO)
    summary = await standin.wait_for_message("announce", after=cursor, timeout=WAIT)
    await kill(first)

    cursor = standin.cursor()
    second = await start_live()
    # The end is told again after the restart: to the same status message, and no second summary.
    await standin.wait_for_edit(
        live["id"], lambda m: "종료" in message_text(m), after=cursor, timeout=WAIT
    )
    relay = relay_of(second)
    await youtube.wait_until(lambda: relay.broadcasts[VIDEO].ended_announced, within=WAIT)
    await polls(youtube, 2, method="feed")
    assert [m["id"] for m in standin.messages("announce")] == [live["id"], summary["id"]]
    [shown] = [m for m in standin.messages("announce") if m["id"] == summary["id"]]
    assert [a["filename"] for a in shown["attachments"]] == ["viewers.png"]
    assert await second.bot.outbox.message_id(key(standin, "summary")) == int(summary["id"])
