"""``/admin delay`` end to end: reminders move, old times stay silent, one notice, audited; refusals
change nothing."""

from __future__ import annotations

from typing import Any

from bot.clock import ScaledClock
from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, InteractionHandle, message_text
from tests.cogs.schedule.conftest import feature_of, is_reminder
from tests.conftest import Launcher, admin
from tests.programs import compressed, seoul

SPEED = 60.0  # one real second is one event minute


async def delay(
    standin: DiscordStandIn, user: str, minutes: int, locale: str = "en-US"
) -> tuple[InteractionHandle, str]:
    """Run ``/admin delay`` and return the handle and the text of the (ephemeral) answer."""
    handle = await standin.slash(
        user, name="admin", subcommand="delay", options={"minutes": minutes}, locale=locale
    )
    reply = await handle.response()
    data: dict[str, Any] = reply["data"] if reply["type"] == 4 else await handle.wait_followup()
    return handle, message_text(data)


async def test_moderator_delay_moves_reminders_posts_one_notice_and_is_audited(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    config = compressed(
        event_config,
        [("a", "13:00:00", "13:05:00"), ("b", "13:05:00", "13:10:00")],
        before=["1m", "0s"],
    )
    # a/60 falls due at 12:59, 2 s real after the clock starts: the delay comes first.
    running = await launch(config=config, clock=ScaledClock(seoul(12, 57), SPEED))
    cursor = standin.cursor()

    handle, text = await delay(standin, "moderator", 1)
    assert handle.ephemeral
    assert "Moved 2 sessions by +1 min (schedule version 2)" in text

    notice = await standin.wait_for_message(
        "announce", predicate=lambda m: not is_reminder(m), after=cursor
    )
    assert "1분 늦춰졌어요" in notice["content"]  # the server's language
    lines = notice["embeds"][0]["description"]
    assert "세션 a: ~~13:00~~ → **13:01** KST" in lines
    assert "세션 b: ~~13:05~~ → **13:06** KST" in lines
    assert standin.allowed_mentions_for(notice["id"])["parse"] == []

    reminder = await standin.wait_for_message(
        "announce", predicate=is_reminder, after=cursor, timeout=5
    )
    assert "세션 a" in reminder["content"]
    assert "1분 후" in reminder["content"]
    assert "(늦은 알림)" not in reminder["content"]
    # Posted by the job of the new time, never the old one: the ledger has the new due time.
    feature = feature_of(running)
    await feature.settle()
    (entry,) = await feature.store.entries(f"guild:{standin.guild_id}")
    assert (entry.session_id, entry.offset_seconds) == ("a", 60)
    assert (entry.due, entry.version, entry.message_id) == (seoul(13), 2, int(reminder["id"]))
    posted = [e for e in standin.message_log[cursor.messages :] if e.kind == "create"]
    announce = [e for e in posted if e.channel_id == standin.channels["announce"]]
    assert [is_reminder(e.message) for e in announce] == [False, True]

    entries = await running.bot.services.store.audit_entries(standin.guild_id)
    assert [e["action"] for e in entries] == ["delay"]
    audit = await standin.wait_for_message(
        "audit", predicate=lambda m: "delay" in m["content"], after=cursor
    )
    assert '"minutes": 1' in audit["content"]
    assert '"a": "13:01"' in audit["content"]

    # What the FAQ reads: the sessions' effective times.
    times = await running.bot.services.program_times()
    assert times["a"] == (seoul(13, 1), seoul(13, 6))


async def test_refused_delays_change_nothing_and_say_why(
    launch: Launcher, standin: DiscordStandIn
) -> None:
    # 13:20: the lecture (13:00-13:50) is on, the talk concert (14:00) is next.
    running = await launch(clock=ScaledClock(seoul(13, 20), 1.0))
    feature = feature_of(running)
    before = feature.program
    cursor = standin.cursor()

    handle, text = await delay(standin, "member", 10, locale="ko")
    assert handle.ephemeral
    assert "운영진" in text

    _, text = await delay(standin, "moderator", 181)
    assert "at most 180 minutes either way" in text
    assert text.endswith("Nothing was changed.")

    _, text = await delay(standin, "moderator", 0)
    assert "0 minutes changes nothing" in text

    _, text = await delay(standin, "moderator", -30, locale="ko")
    assert text.startswith(
        "그만큼 당기면 진행 중인 세션과 겹쳐요 "
        "('강연: 오픈이노베이션, 무엇에 집중해야 하는가?', 13:50 KST 종료)."
    )
    assert "최대 10분까지 당길 수 있어요" in text
    assert text.endswith("아무것도 바꾸지 않았어요.")

    assert feature.program == before
    assert feature.version == 1
    assert await running.bot.services.store.audit_entries(standin.guild_id) == []
    posted = [e for e in standin.message_log[cursor.messages :] if e.kind == "create"]
    assert all(e.message["flags"] & 64 for e in posted)  # only the ephemeral answers


async def test_a_session_marked_as_started_is_not_moved_by_later_delays(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    config = compressed(
        event_config, [("a", "13:00", "13:30"), ("b", "13:30", "14:00")], before=["10m"]
    )
    running = await launch(config=config, clock=ScaledClock(seoul(12, 55), 1.0))
    feature = feature_of(running)

    _, text = await delay(standin, "moderator", 5)  # nothing marked yet: both move
    assert "Moved 2 sessions by +5 min" in text
    # The organisers start a early; the recap records the mark, the next delay reads it.
    mark = await admin(standin, "moderator", "start", group="session", session="a")
    assert "no longer moves this session" in message_text((await mark.response())["data"])

    _, text = await delay(standin, "moderator", 10)
    assert "Moved 1 session by +10 min" in text
    assert [(s.id, s.local_start) for s in feature.program] == [
        ("a", seoul(13, 5)),
        ("b", seoul(13, 45)),
    ]
