"""Reminder timing skew through the real bot: due time → message received at the local Discord stand-in.

Runs the shipped program (config/event.toml) compressed by --speed with the real CompanionBot and
schedule feature against the stand-in (real SQLite, real discord.py, APScheduler), the way
``ccei-bot rehearse`` does. Part way through, the bot is stopped just before a reminder falls due and
started again on the same data directory after it fell due, as a restart would. Prints p50/p99/max
skew on time and after the restart, how long the missed reminder took after the restart, and checks
that nothing was posted twice and that only the reminder role could be pinged, by the reminders
``[reminders] ping`` names.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import ScaledClock
from bot.config import default_config_path, load_config
from bot.outbox._store import OutboxStore
from bot.program import effective_program
from bot.rehearsal.discord_standin import DiscordStandIn, MessageEvent
from bot.rehearsal.run import standin_config, start_against_standin
from bot.store import Store
from cogs.schedule._reminders import ReminderPlan
from cogs.schedule._store import ScheduleStore

#: Real seconds from the start to the first reminder: a cold first start (imports) takes 1-2 s.
LEAD_SECONDS = 3.0


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
    shipped = load_config(default_config_path())
    plan = ReminderPlan.build(effective_program(shipped), shipped.reminders.before, 1)
    first_due = plan.reminders[0].due
    clock = ScaledClock(first_due - timedelta(seconds=LEAD_SECONDS * speed), speed)
    # Event due time → monotonic instant (the stand-in stamps messages with time.monotonic()).
    mono_now, wall_now = time.monotonic(), datetime.now(UTC)
    due_mono = {
        r.key: mono_now + (clock.real_time(r.due) - wall_now).total_seconds()
        for r in plan.reminders
    }
    # Stop 0.2 s before the 6th reminder, come back once it is 40% of the grace late.
    victim = plan.reminders[5]
    stop_at = due_mono[victim.key] - 0.2
    restart_at = due_mono[victim.key] + 0.4 * shipped.reminders.grace.total_seconds() / speed

    async with DiscordStandIn() as standin:
        config = standin_config(shipped, standin)
        role_id = standin.roles["reminder"]
        announce = standin.channels["announce"]
        if verbose:
            standin.subscribe(lambda e: print(standin.describe(e.message)))
        with tempfile.TemporaryDirectory() as directory:
            data_dir = Path(directory)
            running = await start_against_standin(standin, config, data_dir=data_dir, clock=clock)
            await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
            await running.stop()
            stopped = time.monotonic()
            await asyncio.sleep(max(0.0, restart_at - time.monotonic()))
            restarted = time.monotonic()
            running = await start_against_standin(standin, config, data_dir=data_dir, clock=clock)
            await asyncio.sleep(max(0.0, max(due_mono.values()) - time.monotonic()) + 0.5)
            await running.stop()
            # Which reminder each nonce stands for (the outbox row of the ledger's post key), and
            # whether it went out late: the ledger.
            store = await Store.open(data_dir)
            entries = await ScheduleStore(store.db).entries(f"guild:{standin.guild_id}")
            rows = [await OutboxStore(store).get(e.post_key) for e in entries]
            await store.close()
            ledger = {row.nonce: e for row, e in zip(rows, entries, strict=True) if row}

        events = [
            e
            for e in standin.recorder.message_log
            if e.kind == "create" and e.channel_id == announce and e.message.get("nonce")
        ]
        nonces = Counter(str(e.message["nonce"]) for e in events)

        def pings(event: MessageEvent) -> list[int]:
            """The reminder role for the reminders ``[reminders] ping`` names, else nobody."""
            entry = ledger[str(event.message["nonce"])]
            offset = timedelta(seconds=entry.offset_seconds)
            return [role_id] if shipped.reminders.pings_at(offset) else []

        # Nothing parsed from text; exactly the reminder role, and only where it should ping.
        mentions_ok = all(
            (am := standin.allowed_mentions_for(e.message_id)) is not None
            and am.get("parse") == []
            and [int(r) for r in am.get("roles", [])] == pings(e)
            for e in events
        )

    before, after, late, catch_up = [], [], [], []
    for event in events:
        entry = ledger[str(event.message["nonce"])]
        skew = event.timestamp - due_mono[(entry.session_id, entry.offset_seconds)]
        if entry.late:
            late.append(skew)
            catch_up.append(event.timestamp - restarted)
        elif event.timestamp < stopped:
            before.append(skew)
        else:
            after.append(skew)

    print(
        f"program compressed {speed:g}x through the real bot: {len(plan.reminders)} reminders, "
        f"grace {shipped.reminders.grace} (event time)"
    )
    print(summary("skew, before the restart", before))
    print(summary("skew, after the restart", after))
    print(summary("late (missed while down)", late))
    print(summary("restart → late reminder", catch_up))
    duplicates = {n: c for n, c in nonces.items() if c > 1}
    print(
        f"posts: {len(events)}  duplicates: {len(duplicates)}  "
        f"allowed_mentions limited to the role: {mentions_ok}"
    )
    ok = not duplicates and mentions_ok and len(events) == len(plan.reminders) and len(late) == 1
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=float, default=600.0)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(asyncio.run(main(args.speed, args.verbose)))
