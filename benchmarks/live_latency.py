"""Detection latency: the stand-in's stream goes live → the relay's sink hears ``on_live``.

The real LiveRelay, google-api-python-client, SQLite and the YouTube stand-in over loopback, with the
default ``poll_active`` (10 s). Event time is compressed with a ScaledClock (``--speed``, default 10:
one 10 s poll takes 1 s of wall time), and latencies are reported in event seconds, i.e. wall time
multiplied by the speed. That multiplies the HTTP and database overhead by the speed too, so the
figures are pessimistic. Each trial schedules a stream (the event's stream is scheduled in advance),
waits for its announcement, lets it go live at a random moment within a poll interval and times the
sink. The sink stands in for the cog; Discord's own REST latency comes on top.

Run: ``python benchmarks/live_latency.py [--trials 40] [--speed 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.clock import ScaledClock  # noqa: E402
from bot.config import YouTubeSection  # noqa: E402
from bot.rehearsal.youtube_standin import YouTubeStandIn  # noqa: E402
from bot.store import Store  # noqa: E402
from cogs.live._notices import ModeratorNotice  # noqa: E402
from cogs.live._relay import Watch, build_relay  # noqa: E402
from cogs.live._state import Broadcast, MessageRef, Summary  # noqa: E402
from cogs.live._youtube import Endpoints  # noqa: E402


class TimingSink:
    def __init__(self) -> None:
        self.upcoming: dict[str, asyncio.Event] = {}
        self.live_at: dict[str, float] = {}
        self.live: dict[str, asyncio.Event] = {}

    def expect(self, video_id: str) -> None:
        self.upcoming[video_id] = asyncio.Event()
        self.live[video_id] = asyncio.Event()

    async def on_upcoming(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self.upcoming[broadcast.video_id].set()
        return []

    async def on_live(self, broadcast: Broadcast) -> Sequence[MessageRef]:
        self.live_at[broadcast.video_id] = time.monotonic()
        self.live[broadcast.video_id].set()
        return [MessageRef(1, 1)]

    async def on_viewers(self, broadcast: Broadcast) -> None:
        return None

    async def on_ended(self, broadcast: Broadcast, summary: Summary) -> None:
        return None

    async def on_vanished(self, broadcast: Broadcast) -> None:
        return None

    async def tell_moderators(self, notice: ModeratorNotice) -> None:
        print(f"notice: {notice}")

    async def withdraw_notice(self, notice: ModeratorNotice) -> None:
        print(f"notice withdrawn: {notice}")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def run(trials: int, speed: float, seed: int) -> None:
    rng = random.Random(seed)
    youtube = YouTubeSection(channel="@CCEISAY")  # the defaults: poll_active 10 s
    poll = youtube.poll_active.total_seconds()
    clock = ScaledClock(datetime(2022, 12, 15, 3, 0, tzinfo=UTC), speed=speed)
    latencies: list[float] = []
    with tempfile.TemporaryDirectory() as data_dir:
        store = await Store.open(Path(data_dir))
        async with YouTubeStandIn(clock=clock) as standin:
            sink = TimingSink()
            relay = build_relay(
                Watch(youtube),
                api_key=standin.api_key,
                endpoints=Endpoints(api_base=standin.api_base, feed_base=standin.feed_base),
                store=store,
                clock=clock,
                sink=sink,
            )
            await relay.start()
            try:
                for trial in range(trials):
                    video_id = f"latency{trial:04d}"
                    sink.expect(video_id)
                    standin.schedule(
                        video_id, f"Trial {trial}", clock.now() + timedelta(minutes=20)
                    )
                    await asyncio.wait_for(sink.upcoming[video_id].wait(), 60 * poll / speed)
                    # Go live at a random point of a poll interval.
                    await asyncio.sleep(rng.random() * poll / speed)
                    standin.go_live(video_id)
                    went_live = time.monotonic()
                    await asyncio.wait_for(sink.live[video_id].wait(), 5 * poll / speed)
                    latencies.append((sink.live_at[video_id] - went_live) * speed)
                    standin.end(video_id)
            finally:
                await relay.stop()
            units, calls = relay.api.ledger.used(), standin.api_calls
        await store.close()
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"trials: {trials}, speed x{speed:g}, poll_active {poll:.0f} s (event seconds below)")
    print(
        f"detection latency: p50 {p50:.2f} s  p95 {p95:.2f} s  max {max(latencies):.2f} s"
        f"  mean {statistics.fmean(latencies):.2f} s"
    )
    verdict = "OK" if p95 <= poll + 1 else "OVER"
    print(f"target p95 <= poll_active + 1 s = {poll + 1:.0f} s: {verdict}")
    print(f"API units charged {units}, requests received by the stand-in {calls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.trials, args.speed, args.seed))


if __name__ == "__main__":
    main()
