"""An opt-in event-loop lag probe for benchmarks (``CCEI_LAG_PROBE=<file>``).

A task sleeps a short interval again and again and records how late each wake-up is: whatever blocks
the loop (a slow callback, a full garbage collection, a thread holding the GIL) shows up as lateness.
On stop it writes every sample, with its ``time.monotonic()`` stamp (shared by all processes on the
machine, so a benchmark can keep only its own window), plus what a full garbage collection walks then
and which packages the process has imported.
Nothing of this is imported or run unless the variable is set.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Seconds between wake-ups: fine enough to see a 10 ms stall, cheap enough to leave on for minutes.
INTERVAL = 0.005


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0-100) of ``values``; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LagProbe:
    interval: float = INTERVAL
    samples: list[tuple[float, float]] = field(default_factory=list)  # (monotonic, lag seconds)
    task: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, interval: float = INTERVAL) -> LagProbe:
        probe = cls(interval)
        probe.task = asyncio.create_task(probe._run(), name="lag-probe")
        return probe

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            asked = loop.time()
            await asyncio.sleep(self.interval)
            woke = loop.time()
            self.samples.append((time.monotonic(), max(0.0, woke - asked - self.interval)))

    def report(self) -> dict[str, Any]:
        lags = [lag for _, lag in self.samples]
        started = time.perf_counter()
        gc.collect()
        full_gc = time.perf_counter() - started
        return {
            "interval": self.interval,
            "samples": self.samples,
            "p99": percentile(lags, 99),
            "max": max(lags, default=math.nan),
            # What a full collection walks now, and what gc.freeze() took out of its way.
            "gc_tracked": len(gc.get_objects()),
            "gc_frozen": gc.get_freeze_count(),
            "full_gc_seconds": full_gc,
            # What the process imported by now (start-up and everything used since).
            "modules": len(sys.modules),
            "packages": sorted({name.split(".")[0] for name in sys.modules}),
        }

    async def stop(self, path: str | Path) -> None:
        """Stop sampling and write the report as JSON to ``path``."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        report = self.report()
        Path(path).write_text(json.dumps(report), "utf-8")
        log.info(
            "lag probe: p99 %.1f ms, max %.1f ms over %d samples; written to %s",
            report["p99"] * 1000,
            report["max"] * 1000,
            len(self.samples),
            path,
        )
