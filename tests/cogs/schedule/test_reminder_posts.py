"""Reminders end to end: the real bot and cog against the Discord stand-in, real SQLite, a compressed
program (one real second is one event minute)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, timedelta
from pathlib import Path

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from bot.store import Store
from cogs.schedule._reminders import LedgerState
from tests.cogs.schedule.conftest import feature_of, is_reminder
from tests.conftest import Launcher
from tests.programs import SteppedClock, compressed, seoul

SPEED = 60.0
MESSAGES = "/channels/{channel_id}/messages"


async def test_each_reminder_once_on_time_pinging_only_the_role_across_a_restart(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    config = compressed(
        event_config,
        [("a", "13:00:00", "13:03:00"), ("b", "13:04:00", "13:06:00")],
        before=["1m", "0s"],
        grace="5m",
    )
    clock = SteppedClock(seoul(12, 57), SPEED)  # a/60 due in 2 s, a/0 in 3 s
    data_dir = tmp_path / "data"
    role = standin.roles["reminder"]
    announce = standin.channels["announce"]

    cursor = standin.cursor()
    first = await launch(config=config, clock=clock, data_dir=data_dir)
    await standin.wait_for_message("announce", predicate=is_reminder, after=cursor, timeout=5)
    await first.stop()

    # Down while "a starts now" falls due: two event minutes pass in an instant.
    clock.jump(timedelta(minutes=2))
    cursor = standin.cursor()
    second = await launch(config=config, clock=clock, data_dir=data_dir)

    # Someone opts in to DMs after the restart: the later reminders reach them too.
    optin = await standin.slash(
        "member2", name="remind", subcommand="dm", options={"enabled": True}, locale="en-US"
    )
    await optin.response()
    assert "by DM" in message_text(await optin.wait_followup())

    late = await standin.wait_for_message(
        "announce",
        predicate=lambda m: is_reminder(m) and "(늦은 알림)" in m["content"],
        after=cursor,
    )
    assert "세션 a" in late["content"]
    await standin.wait_for_message(
        "announce",
        predicate=lambda m: is_reminder(m) and "세션 b" in m["content"] and "지금" in m["content"],
        after=cursor,
        timeout=8,
    )

    posts = [
        e
        for e in standin.message_log
        if e.kind == "create" and e.channel_id == announce and is_reminder(e.message)
    ]
    assert len(posts) == 4
    assert max(Counter(str(e.message["nonce"]) for e in posts).values()) == 1
    for event in posts:
        assert event.message["content"].startswith(f"<@&{role}> ")
        allowed = standin.allowed_mentions_for(event.message_id)
        assert allowed["parse"] == []
        assert [int(r) for r in allowed["roles"]] == [role]
        assert not allowed.get("users")
    a60, a0, b60, b0 = posts
    assert "세션 a" in a60.message["content"]
    assert "1분 후" in a60.message["content"]
    assert a0.message["id"] == late["id"]  # caught up after the restart, marked late
    assert "세션 b" in b60.message["content"]
    assert "1분 후" in b60.message["content"]
    for event in (a60, b60, b0):  # on time: within a minute (event time) of its due time
        assert "(늦은 알림)" not in event.message["content"]

    # The ledger agrees: each reminder claimed once for the server, a/0 marked late. (b/0's row
    # may still be an intent: it turns "sent" when Discord's answer reaches the bot.)
    entries = await feature_of(second).store.entries(f"guild:{standin.guild_id}")
    states = {(e.session_id, e.offset_seconds): e.state for e in entries}
    assert states.pop(("b", 0)) in (LedgerState.INTENT, LedgerState.SENT)
    assert states == {key: LedgerState.SENT for key in (("a", 60), ("a", 0), ("b", 60))}
    assert [e.late for e in entries] == [False, True, False, False]

    # The DM copies: the welcome, then b's two reminders, in English, pinging nobody.
    dm_channel = standin.dm_channel_id("member2")
    assert dm_channel is not None
    await standin.wait_for_message(
        dm_channel,
        predicate=lambda m: "**Session b** is starting now" in m["content"],
        after=cursor,
    )
    dms = standin.messages(dm_channel)
    assert "Session reminders will arrive in this DM" in dms[0]["content"]
    assert [m["content"].startswith("⏰ **Session b** starts in 1 min") for m in dms[1:]] == [
        True,
        False,
    ]
    for message in dms:
        allowed = standin.allowed_mentions_for(message["id"])
        assert allowed["parse"] == []
        assert not allowed.get("roles")


async def test_a_post_cut_off_by_a_crash_is_found_in_the_channel_and_not_repeated(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    config = compressed(event_config, [("a", "13:00:00", "13:05:00")], before=["10m", "1m"])
    clock = SteppedClock(seoul(12, 49, 55), SPEED)  # a/600 due at once, a/60 9 s later
    data_dir = tmp_path / "data"
    cursor = standin.cursor()
    first = await launch(config=config, clock=clock, data_dir=data_dir)
    posted = await standin.wait_for_message(
        "announce", predicate=is_reminder, after=cursor, timeout=5
    )
    await first.stop()

    # As if the bot had died before recording either post: a/600 was posted (Discord took the
    # POST, the answer never came), a/60 was claimed and never reached the outbox. The bot is back
    # shortly before a/60 falls due, long past Discord's nonce window: only the channel can tell.
    store = await Store.open(data_dir)
    await store.db.execute(
        "UPDATE schedule_reminder_ledger SET state = 'intent', message_id = NULL"
        " WHERE session_id = 'a' AND offset_seconds = 600"
    )
    await store.db.execute(
        "UPDATE outbox SET state = 'pending', message_id = NULL, unsure_since = created_at"
        " WHERE key = ?",
        (f"reminder:guild:{standin.guild_id}:a:600",),
    )
    await store.db.execute(
        "INSERT INTO schedule_reminder_ledger (target, session_id, offset_seconds, version, state,"
        " nonce, due_at, claimed_at) VALUES (?, 'a', 60, 1, 'intent', 'reminder:never-posted', ?, ?)",
        (
            f"guild:{standin.guild_id}",
            seoul(12, 59).astimezone(UTC).isoformat(),
            clock.now().astimezone(UTC).isoformat(),
        ),
    )
    await store.close()
    clock.jump(seoul(12, 58, 30) - clock.now())

    cursor = standin.cursor()
    second = await launch(config=config, clock=clock, data_dir=data_dir)
    a60 = await standin.wait_for_message("announce", predicate=is_reminder, after=cursor)
    assert "세션 a" in a60["content"]
    reminders = [m for m in standin.messages("announce") if is_reminder(m)]
    assert [m["id"] for m in reminders] == [posted["id"], a60["id"]]
    await feature_of(second).settle()
    entries = await feature_of(second).store.entries(f"guild:{standin.guild_id}")
    assert {e.offset_seconds: e.message_id for e in entries} == {
        600: int(posted["id"]),
        60: int(a60["id"]),
    }
    found = next(e for e in entries if e.offset_seconds == 600)
    assert (found.state, found.message_id) == (LedgerState.SENT, int(posted["id"]))
    assert found.note == "reconciled at start-up"
    history_reads = [r for r in standin.requests if r.method == "GET" and r.route == MESSAGES]
    assert history_reads  # the outbox looked for the post's marker before deciding


async def test_an_announce_channel_set_up_mid_day_gets_the_next_reminders(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    unset = dataclasses.replace(event_config.discord, announce_channel_id=0)
    config = compressed(
        dataclasses.replace(event_config, discord=unset),
        [("a", "13:00:00", "13:05:00")],
        before=["1m"],
    )
    await launch(config=config, clock=SteppedClock(seoul(12, 57, 30), SPEED))  # due in 1.5 s
    handle = await standin.slash(
        "moderator", name="admin", subcommand="setup", options={"announce_channel": "announce"}
    )
    await handle.response()
    posted = await standin.wait_for_message("announce", predicate=is_reminder, timeout=5)
    assert "세션 a" in posted["content"]


async def test_a_reminder_refused_by_discord_is_posted_once_on_the_retry(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    config = compressed(event_config, [("a", "13:00:00", "13:05:00")], before=["1m"])
    standin.deny_bot_permission("announce", "send_messages")
    running = await launch(config=config, clock=SteppedClock(seoul(12, 57, 30), SPEED))

    # a/60 falls due in 1.5 s: Discord answers 403, the moderators hear of it in #audit.
    notice = await standin.wait_for_message("audit", timeout=5)
    assert f"<#{standin.channels['announce']}>" in notice["content"]
    assert "403" in notice["content"]
    # A moderator gives the permission back; the retry (one event minute later) posts it.
    standin.set_channel_permission_overwrite(
        "announce", standin.bot_user_id, allow=0, deny=0, target_type="member"
    )
    posted = await standin.wait_for_message("announce", predicate=is_reminder, timeout=10)
    assert "세션 a" in posted["content"]
    assert "(늦은 알림)" in posted["content"]

    feature = feature_of(running)
    await feature.settle()  # the job records the post once Discord answers
    entries = await feature.store.entries(f"guild:{standin.guild_id}")
    assert [(e.state, e.late) for e in entries] == [(LedgerState.SENT, True)]
    assert len([m for m in standin.messages("announce") if is_reminder(m)]) == 1
