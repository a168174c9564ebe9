"""Reminders posted through a real discord.py client to the local Discord stand-in.

The cog is not involved (it is the integrator's); ``send`` below posts the way it will: content
with the role mention, the embed, the delivery nonce, and allowed_mentions limited to that role.
A compressed program (seconds) runs across a crash and restart.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import ScaledClock
from bot.i18n import Catalog
from bot.standin import DiscordStandIn, connect_client
from bot.store import Store
from cogs.schedule._jobs import Delivery, ReminderScheduler
from cogs.schedule._ledger import ScheduleLedger
from cogs.schedule._program import effective_program
from cogs.schedule._reminders import ReminderPlan
from cogs.schedule._render import ScheduleTexts
from tests.schedule.conftest import make_config

SEOUL = ZoneInfo("Asia/Seoul")
SPEED = 20.0


async def test_posted_once_on_time_with_role_only_across_a_restart(tmp_path: Path) -> None:
    config = make_config(
        program=[("a", "13:00:00", "13:00:10"), ("b", "13:00:10", "13:00:20")],
        before=["4s", "0s"],
        grace="1m",
    )
    texts = ScheduleTexts(config, Catalog.load().t)
    plan = ReminderPlan.build(effective_program(config), config.reminders.before, 1)
    clock = ScaledClock(datetime(2022, 12, 15, 12, 59, 55, tzinfo=SEOUL), SPEED)
    mono, wall = time.monotonic(), datetime.now(UTC)
    due = {r.key: mono + (clock.real_time(r.due) - wall).total_seconds() for r in plan.reminders}
    late: set[str] = set()

    async with DiscordStandIn() as standin:
        client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)
        async with connect_client(standin, client):
            channel = client.get_partial_messageable(standin.channels["announce"])
            role_id = standin.roles["reminder"]

            async def send(delivery: Delivery) -> int:
                message = texts.reminder(
                    delivery.reminder,
                    "ko",
                    late=delivery.late,
                    now=delivery.now,
                    marker=delivery.nonce,
                    role_id=role_id,
                )
                assert message.embed is not None
                if delivery.late:
                    late.add(delivery.nonce)
                posted = await channel.send(
                    message.content,
                    embed=discord.Embed.from_dict(message.embed.to_dict()),
                    nonce=delivery.nonce,
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False, users=False, roles=[discord.Object(message.mention_role_id)]
                    ),
                )
                return posted.id

            async def run(until: float) -> None:
                store = await Store.open(tmp_path)
                scheduler = AsyncIOScheduler(timezone=UTC)
                scheduler.start()
                try:
                    reminders = ReminderScheduler(
                        scheduler,
                        clock,
                        ScheduleLedger(store.db),
                        send,
                        grace=config.reminders.grace,
                        # Event seconds: 2 s (0.1 s real) of scheduling jitter still counts as on
                        # time; the reminder missed while down is 4 s (0.2 s real) late.
                        on_time=timedelta(seconds=2),
                    )
                    await reminders.start(plan, lookup=None)
                    await asyncio.sleep(max(0.0, until - time.monotonic()))
                finally:
                    scheduler.shutdown(wait=False)
                    await store.close()

            # Down from just after a/4s until after a/0s fell due; back for the rest.
            await run(until=due[("a", 4)] + 0.1)
            await asyncio.sleep(max(0.0, due[("a", 0)] + 0.2 - time.monotonic()))
            restarted = time.monotonic()
            await run(until=due[("b", 0)] + 0.3)

        posts = [
            e
            for e in standin.recorder.message_log
            if e.kind == "create" and e.channel_id == standin.channels["announce"]
        ]
        assert len(posts) == 4
        assert max(Counter(str(e.message["nonce"]) for e in posts).values()) == 1
        for event in posts:
            allowed = standin.allowed_mentions_for(event.message_id)
            assert allowed["parse"] == []
            assert [int(r) for r in allowed["roles"]] == [role_id]
            assert event.message["content"].startswith(f"<@&{role_id}> ")
        contents = [e.message["content"] for e in posts]
        assert "세션 a" in contents[1]
        assert "(늦은 알림)" in contents[1]
        assert posts[1].timestamp - restarted < 1.0  # issue: within 10 s of starting
        on_time = [posts[0], posts[2], posts[3]]
        keys = [("a", 4), ("b", 4), ("b", 0)]
        for event, key in zip(on_time, keys, strict=True):
            assert abs(event.timestamp - due[key]) < 2.0  # the bound
    assert len(late) == 1
