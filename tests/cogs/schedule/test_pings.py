"""``[reminders] ping``: only the chosen reminders ping the opt-in role; the others ping nobody."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from bot.config import Config
from bot.rehearsal.discord_standin import DiscordStandIn
from tests.cogs.schedule.conftest import is_reminder
from tests.conftest import Launcher
from tests.programs import SteppedClock, compressed, seoul

SPEED = 60.0  # one real second is one event minute


async def test_only_the_chosen_reminders_ping_the_role(
    launch: Launcher, standin: DiscordStandIn, event_config: Config, tmp_path: Path
) -> None:
    config = compressed(
        event_config, [("a", "13:00:00", "13:02:00")], before=["1m", "0s"], grace="5m"
    )
    reminders = dataclasses.replace(config.reminders, ping=(timedelta(0),))
    config = dataclasses.replace(config, reminders=reminders)
    role = standin.roles["reminder"]
    cursor = standin.cursor()
    # a/60 falls due 1.5 s real after the clock starts, a/0 a second later: room for a cold start.
    await launch(config=config, clock=SteppedClock(seoul(12, 57, 30), SPEED), data_dir=tmp_path)

    early = await standin.wait_for_message("announce", predicate=is_reminder, after=cursor)
    start = await standin.wait_for_message(
        "announce",
        predicate=lambda m: is_reminder(m) and m["id"] != early["id"],
        after=cursor,
        timeout=8,
    )
    assert "1분 후" in early["content"]
    assert f"<@&{role}>" not in early["content"]
    assert not standin.allowed_mentions_for(early["id"]).get("roles")
    assert start["content"].startswith(f"<@&{role}> ")
    assert [int(r) for r in standin.allowed_mentions_for(start["id"])["roles"]] == [role]
