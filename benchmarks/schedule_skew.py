"""Reminder timing skew: due time → message received at the local Discord stand-in.

Runs the shipped program (config/event.toml) compressed by --speed against the stand-in, posting
every reminder through a real discord.py client the way the cog does (content with the role
mention, embed, nonce, allowed_mentions limited to that role). Part way through, the bot "crashes"
(scheduler and database dropped without a goodbye) just before a reminder falls due and comes back
after it fell due, as a restart would. Prints p50/p99/max skew on time and after the restart, how
long the missed reminder took after the restart, and checks nothing was posted twice.

    python benchmarks/schedule_skew.py --speed 600     # about 25 s
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import discord
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import ScaledClock
from bot.config import load_config
from bot.i18n import Catalog
from bot.standin import DiscordStandIn, connect_client
from bot.store import Store
from cogs.schedule._jobs import Delivery, ReminderScheduler
from cogs.schedule._ledger import ScheduleLedger
from cogs.schedule._program import effective_program, rehearsal_origin
from cogs.schedule._reminders import Reminder, ReminderPlan
from cogs.schedule._render import ScheduleTexts

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Sent:
    reminder: Reminder
    late: bool
    nonce: str


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<28} n=0"
    ms = [v * 1000 for v in values]
    return (
        f"{name:<28} n={len(ms):<3} p50={statistics.median(ms):7.1f} ms  "
        f"p99={percentile(ms, 99):7.1f} ms  max={max(ms):7.1f} ms"
    )


async def main(speed: float, verbose: bool) -> int:
    config = load_config(ROOT / "config" / "event.toml")
    catalog = Catalog.load()
    texts = ScheduleTexts(config, catalog.t)
    sessions = effective_program(config)
    plan = ReminderPlan.build(sessions, config.reminders.before, 1)
    origin = rehearsal_origin(sessions, config.reminders.before[0], speed=speed, lead_seconds=1.5)
    clock = ScaledClock(origin, speed)
    # Event due time → monotonic instant (the stand-in stamps messages with time.monotonic()).
    mono_now, wall_now = time.monotonic(), datetime.now(UTC)
    due_mono = {
        r.key: mono_now + (clock.real_time(r.due) - wall_now).total_seconds()
        for r in plan.reminders
    }
    # Crash 0.2 s before the 6th reminder, come back once it is 40% of the grace late.
    victim = plan.reminders[5]
    crash_at = due_mono[victim.key] - 0.2
    restart_at = due_mono[victim.key] + 0.4 * config.reminders.grace.total_seconds() / speed

    sent: dict[str, Sent] = {}
    async with DiscordStandIn() as standin:
        client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        async with connect_client(standin, client):
            channel = client.get_partial_messageable(standin.channels["announce"])
            role_id = standin.roles["reminder"]

            async def send(delivery: Delivery) -> int:
                message = texts.reminder(
                    delivery.reminder,
                    config.discord.locale,
                    late=delivery.late,
                    now=delivery.now,
                    marker=delivery.nonce,
                    role_id=role_id,
                )
                assert message.embed is not None
                posted = await channel.send(
                    message.content,
                    embed=discord.Embed.from_dict(message.embed.to_dict()),
                    nonce=delivery.nonce,
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False, users=False, roles=[discord.Object(role_id)]
                    ),
                )
                sent[delivery.nonce] = Sent(delivery.reminder, delivery.late, delivery.nonce)
                if verbose:
                    print(f"{delivery.now.astimezone(config.tz):%H:%M:%S} {message.content}")
                return posted.id

            with tempfile.TemporaryDirectory() as data_dir:
                store = await Store.open(Path(data_dir))
                scheduler = AsyncIOScheduler(timezone=UTC)
                scheduler.start()
                reminders = ReminderScheduler(
                    scheduler, clock, ScheduleLedger(store.db), send, grace=config.reminders.grace
                )
                await reminders.start(plan, lookup=None)
                await asyncio.sleep(max(0.0, crash_at - time.monotonic()))
                scheduler.shutdown(wait=False)  # the crash: no goodbye
                await store.close()
                await asyncio.sleep(max(0.0, restart_at - time.monotonic()))

                restarted = time.monotonic()
                store = await Store.open(Path(data_dir))
                scheduler = AsyncIOScheduler(timezone=UTC)
                scheduler.start()
                reminders = ReminderScheduler(
                    scheduler, clock, ScheduleLedger(store.db), send, grace=config.reminders.grace
                )
                report = await reminders.start(plan, lookup=None)
                last_due = max(due_mono.values())
                await asyncio.sleep(max(0.0, last_due - time.monotonic()) + 0.5)
                scheduler.shutdown(wait=False)
                await store.close()

        events = [
            e
            for e in standin.recorder.message_log
            if e.kind == "create" and e.channel_id == standin.channels["announce"]
        ]
        nonces = Counter(str(e.message.get("nonce")) for e in events)
        # Only the reminder role may be pinged: nothing parsed from text, exactly that role.
        mentions_ok = all(
            (am := standin.allowed_mentions_for(e.message_id)) is not None
            and am.get("parse") == []
            and [int(r) for r in am.get("roles", [])] == [role_id]
            for e in events
        )

    before, after, late = [], [], []
    catch_up_after_restart: list[float] = []
    for event in events:
        info = sent.get(str(event.message.get("nonce")))
        if info is None:
            continue
        skew = event.timestamp - due_mono[info.reminder.key]
        if info.late:
            late.append(skew)
            catch_up_after_restart.append(event.timestamp - restarted)
        elif event.timestamp < crash_at:
            before.append(skew)
        else:
            after.append(skew)

    print(
        f"program compressed {speed:g}x: {len(plan.reminders)} reminders, "
        f"grace {config.reminders.grace} (event time)"
    )
    print(summary("skew, before the crash", before))
    print(summary("skew, after the restart", after))
    print(summary("late (missed while down)", late))
    print(summary("restart → late reminder", catch_up_after_restart))
    print(f"caught up at restart: {[r.key for r in report.rebuild.catch_up]}")
    print(f"skipped at restart:   {[(r.key, why) for r, _, why in report.rebuild.skipped]}")
    duplicates = {n: c for n, c in nonces.items() if c > 1}
    print(
        f"posts: {len(events)}  duplicates: {len(duplicates)}  "
        f"allowed_mentions limited to the role: {mentions_ok}"
    )
    expected = len(plan.reminders)
    ok = not duplicates and len(events) + len(report.rebuild.skipped) == expected
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=600.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(asyncio.run(main(args.speed, args.verbose)))
