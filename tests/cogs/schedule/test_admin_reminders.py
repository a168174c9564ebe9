"""``/admin reminders preview|pause|resume`` and the schedule's lines in ``/admin status``."""

from __future__ import annotations

from bot.clock import ScaledClock
from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn, message_text
from cogs.schedule._reminders import LedgerState
from tests.cogs.schedule.conftest import feature_of, is_reminder
from tests.conftest import Launcher
from tests.programs import compressed, seoul

SPEED = 120.0  # one real second is two event minutes
ONE_EVENT = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"


async def admin(standin: DiscordStandIn, *path: str) -> str:
    group, sub = (None, path[0]) if len(path) == 1 else path
    handle = await standin.slash(
        "moderator", name="admin", group=group, subcommand=sub, locale="en-US"
    )
    reply = await handle.response()
    assert handle.ephemeral
    return message_text(reply["data"])


async def test_preview_pause_and_resume(
    launch: Launcher, standin: DiscordStandIn, event_config: Config
) -> None:
    config = compressed(
        event_config,
        [("a", "13:00:00", "13:02:00"), ("b", "13:04:00", "13:06:00")],
        before=["2m", "1m"],
    )
    # a's reminders at 12:58 and 12:59, the day's start (the event is started) at 13:00, b's at
    # 13:02 and 13:03. From 12:52, the bot has 3 s real to start and be paused before a's first.
    running = await launch(config=config, clock=ScaledClock(seoul(12, 52), SPEED))

    preview = await admin(standin, "reminders", "preview")
    assert "Upcoming reminders" in preview
    assert "(12:58 KST) · Session a · 2 min before" in preview
    assert "(13:03 KST) · Session b · 1 min before" in preview
    status = await admin(standin, "status")
    assert "Session reminders" in status
    assert "Schedule version 1 · on now: - · next: Session a" in status

    assert "Reminders paused" in await admin(standin, "reminders", "pause")
    assert "already paused" in await admin(standin, "reminders", "pause")
    assert "Reminders are paused" in await admin(standin, "reminders", "preview")
    cursor = standin.cursor()
    # Once the event is started at 13:00, both of a's reminders fell due while paused.
    await standin.wait_for_request(
        "PATCH", ONE_EVENT, predicate=lambda r: r.json.get("status") == 2, after=cursor
    )
    assert "Reminders resumed" in await admin(standin, "reminders", "resume")

    posted = await standin.wait_for_message("announce", predicate=is_reminder, after=cursor)
    assert "세션 b" in posted["content"]
    assert "2분 후" in posted["content"]
    assert not [m for m in standin.messages("announce") if "세션 a" in m["content"]]
    entries = await feature_of(running).store.entries(f"guild:{standin.guild_id}")
    skipped = {(e.session_id, e.offset_seconds): (e.state, e.note) for e in entries}
    assert skipped[("a", 120)] == (LedgerState.SKIPPED, "paused")
    assert skipped[("a", 60)] == (LedgerState.SKIPPED, "paused")
    actions = [
        e["action"] for e in await running.bot.services.store.audit_entries(standin.guild_id)
    ]
    assert sorted(actions) == ["reminders_pause", "reminders_resume"]
