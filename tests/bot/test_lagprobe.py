"""The benchmarks' event-loop lag probe: what it samples and the report it leaves behind."""

from __future__ import annotations

import asyncio
import gc
import json
import math
from pathlib import Path

from bot.lagprobe import LagProbe, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 99) == 3.0
    assert math.isnan(percentile([], 99))


async def test_the_probe_records_lateness_and_reports_what_a_full_gc_walks(tmp_path: Path) -> None:
    probe = LagProbe.start(interval=0.001)
    # The probe's 1 ms timer falls due before this one: at least one sample exists afterwards.
    await asyncio.sleep(0.01)
    path = tmp_path / "lag.json"
    await probe.stop(path)
    assert probe.task is not None
    assert probe.task.done()
    report = json.loads(path.read_text("utf-8"))
    assert len(report["samples"]) >= 1
    assert all(lag >= 0 for _, lag in report["samples"])
    assert report["p99"] == percentile([lag for _, lag in report["samples"]], 99)
    assert report["gc_tracked"] > 0
    assert report["gc_frozen"] == gc.get_freeze_count()
    assert report["full_gc_seconds"] >= 0
