"""YouTube Data API units per Pacific day for one channel, at the config's defaults.

Pure arithmetic: it steps through the quota day making the relay's own decisions (``wants_active`` for
the tick cadence, ``api_urgent`` for whether a tick pays for videos.list, ``next_interval`` for the
budget) and counts one unit per videos.list, plus the one-off channels.list for the handle. The feed is
free. Red-DiscordBot's model (feed + videos.list every 300 s) is counted the same way.

Run: ``python benchmarks/live_quota.py [--config config/event.toml]``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from cogs.live._quota import (  # noqa: E402
    ProgramWindow,
    api_urgent,
    can_spend,
    day_length,
    day_start,
    next_interval,
    pacific_day,
    wants_active,
)

RED_INTERVAL = timedelta(seconds=300)


@dataclass(frozen=True)
class Stream:
    scheduled: datetime
    live_from: datetime
    live_until: datetime


@dataclass(frozen=True)
class Day:
    units: int
    fast_calls: int
    slow_calls: int
    ticks: int


def simulate(
    streams: list[Stream],
    *,
    begin: datetime,
    end: datetime,
    window: ProgramWindow,
    poll_active: timedelta,
    poll_idle: timedelta,
    daily_quota: int,
) -> Day:
    now, used, fast, slow, ticks = begin, 1, 0, 0, 0  # 1 unit: resolving the @handle once
    last_call: datetime | None = None
    while now < end:
        ticks += 1
        live = any(s.live_from <= now < s.live_until for s in streams)
        upcoming = [s.scheduled for s in streams if now < s.live_from]
        pending = bool(live or upcoming)  # ended streams are never asked about again
        active = wants_active(now, window=window, live=live, upcoming_starts=upcoming)
        urgent = api_urgent(
            now, window=window, live=live, unchecked=False, upcoming_starts=upcoming
        )
        due = urgent or last_call is None or now - last_call >= poll_idle
        if pending and due and can_spend(daily_quota, used, 1):
            used += 1
            last_call = now
            fast += int(urgent)
            slow += int(not urgent)
        now += next_interval(
            now,
            active=active,
            poll_active=poll_active,
            poll_idle=poll_idle,
            units_left=daily_quota - used,
            units_per_poll=1 if pending and urgent else 0,
        )
    return Day(used, fast, slow, ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "event.toml")
    args = parser.parse_args()
    config = load_config(args.config)
    youtube = config.youtube
    start, stop = config.starts_at.astimezone(UTC), config.ends_at.astimezone(UTC)
    window = ProgramWindow(start, stop)
    day = pacific_day(window.opens)
    begin = day_start(day)
    end = begin + day_length(day)
    print(
        f"program {config.starts_at:%H:%M}-{config.ends_at:%H:%M} {config.event.timezone}; "
        f"fast window {window.opens:%Y-%m-%d %H:%M}-{window.closes:%H:%M} UTC"
    )
    print(f"Pacific quota day {day}: {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC")
    print(
        f"defaults: poll_active={youtube.poll_active.total_seconds():.0f}s "
        f"poll_idle={youtube.poll_idle.total_seconds():.0f}s daily_quota={youtube.daily_quota}"
    )
    seed = Stream(start, start, stop)
    tomorrow = Stream(
        start + timedelta(days=1), start + timedelta(days=1), stop + timedelta(days=1)
    )
    overrun = Stream(start, start, stop + timedelta(minutes=30))
    scenarios = [
        ("seed: scheduled the day before, live for the program", [seed]),
        ("seed + the next day's stream already scheduled", [seed, tomorrow]),
        ("stream overruns the program by 30 min", [overrun]),
        ("nothing scheduled (feed only)", []),
    ]
    common = {
        "begin": begin,
        "end": end,
        "window": window,
        "poll_active": youtube.poll_active,
        "poll_idle": youtube.poll_idle,
        "daily_quota": youtube.daily_quota,
    }
    print()
    print(f"{'scenario':54} {'units':>6} {'fast':>6} {'slow':>6} {'ticks':>6}")
    for name, streams in scenarios:
        result = simulate(streams, **common)  # type: ignore[arg-type]
        print(
            f"{name:54} {result.units:>6} {result.fast_calls:>6} {result.slow_calls:>6}"
            f" {result.ticks:>6}"
        )
    red = int(day_length(day) / RED_INTERVAL)
    print(f"{'Red-DiscordBot model (feed + videos.list every 300 s)':54} {red:>6} {'':>6} {red:>6}")
    print(
        f"{'(scale) videos.list every poll_active for 24 h':54} {int(day_length(day) / youtube.poll_active):>6}"
    )
    print()
    print("target: at most 2,000 units/day at the defaults for the seed's program window")


if __name__ == "__main__":
    main()
