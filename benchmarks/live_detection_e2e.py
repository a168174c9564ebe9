"""Detection latency end to end: the YouTube stand-in goes live → the Discord stand-in has the message.

Everything real but the two services: the bot (discord.py, the live cog, LiveRelay,
google-api-python-client, SQLite) against the local Discord stand-in and the YouTube stand-in, over
loopback, at the default ``poll_active`` (10 s). Event time is compressed with a ScaledClock
(``--speed``, default 10: a 10 s poll takes 1 s of wall time) and latencies are reported in event
seconds (wall time × speed), so every real overhead (HTTP, threads, SQLite, discord.py) counts ×speed
and the figures are pessimistic. ``--speed 1`` measures in real time (slow: ~15 s a trial).

Each trial schedules a stream (the event's stream is scheduled in advance), waits for its announcement
on Discord, lets it go live at a random moment of a poll interval, and times the live message's
arrival at the Discord stand-in; then ends it and waits for the summary before the next trial.

Run: ``python benchmarks/live_detection_e2e.py [--trials 40] [--speed 10] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bot.clock import ScaledClock  # noqa: E402
from bot.config import YouTubeSection, default_config_path, load_config  # noqa: E402
from bot.rehearsal.discord_standin import DiscordStandIn, MessageEvent  # noqa: E402
from bot.rehearsal.run import standin_config, standin_settings, start_against_standin  # noqa: E402
from bot.rehearsal.youtube_standin import YouTubeStandIn  # noqa: E402
from bot.settings import SecretStr, Settings  # noqa: E402

#: 12:40 KST on the event day: inside the fast-polling window (12:30 to 17:00), as on the day.
T0 = datetime(2022, 12, 15, 3, 40, tzinfo=UTC)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _posted(standin: DiscordStandIn, start: int, marker: str, within: float) -> MessageEvent:
    """The first new message in #announce after log position ``start`` with ``marker`` (the emoji
    of the kind of post: trials run one after another)."""
    channel = standin.channels["announce"]

    def find() -> MessageEvent | None:
        for event in standin.message_log[start:]:
            if (
                event.kind == "create"
                and event.channel_id == channel
                and marker in event.message["content"]
            ):
                return event
        return None

    return await standin.recorder.wait_until(find, within, lambda: f"a post with {marker!r}")


async def run(trials: int, speed: float, seed: int) -> None:
    rng = random.Random(seed)
    youtube_section = YouTubeSection(channel="@CCEISAY")  # the defaults: poll_active 10 s
    poll = youtube_section.poll_active.total_seconds()
    real_poll = poll / speed
    clock = ScaledClock(T0, speed=speed)
    latencies: list[float] = []
    async with DiscordStandIn() as standin, YouTubeStandIn(clock=clock) as youtube:
        config = standin_config(load_config(default_config_path()), standin)
        config = dataclasses.replace(config, youtube=youtube_section)
        settings = standin_settings(
            standin,
            Settings(
                youtube_api_key=SecretStr(youtube.api_key),
                youtube_api_base=youtube.api_base,
                youtube_feed_base=youtube.feed_base,
            ),
        )
        with tempfile.TemporaryDirectory() as data_dir:
            running = await start_against_standin(
                standin,
                config,
                data_dir=Path(data_dir),
                clock=clock,
                settings=settings,
                extensions=["cogs.live"],
            )
            try:
                for trial in range(trials):
                    video_id = f"e2elat{trial:05d}"
                    start = len(standin.message_log)
                    youtube.schedule(
                        video_id, f"Trial {trial}", clock.now() + timedelta(minutes=20)
                    )
                    await _posted(standin, start, "📅", 5 * real_poll + 5)
                    # Go live at a random point of a poll interval.
                    await asyncio.sleep(rng.random() * real_poll)
                    start = len(standin.message_log)
                    youtube.go_live(video_id)
                    youtube.set_viewers(video_id, 100 + trial)
                    went_live = time.monotonic()
                    live = await _posted(standin, start, "🔴", 5 * real_poll + 5)
                    latencies.append((live.timestamp - went_live) * speed)
                    start = len(standin.message_log)
                    youtube.end(video_id)
                    await _posted(standin, start, "📊", 5 * real_poll + 5)
            finally:
                await running.stop()
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"end to end (YouTube stand-in live → Discord stand-in message), {trials} trials, "
        f"speed x{speed:g}, poll_active {poll:.0f} s; event seconds:"
    )
    print(
        f"p50 {p50:.2f} s  p95 {p95:.2f} s  max {max(latencies):.2f} s  "
        f"mean {statistics.fmean(latencies):.2f} s  min {min(latencies):.2f} s"
    )
    verdict = "OK" if p95 <= poll + 1 else "OVER"
    print(f"target p95 <= poll_active + 1 s = {poll + 1:.0f} s: {verdict}")
    print(f"YouTube API requests {youtube.api_calls} (search.list {youtube.search_calls})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(args.trials, args.speed, args.seed))


if __name__ == "__main__":
    main()
