"""APScheduler imported through bot.scheduler: no scan of every package, its own plugins intact."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.scheduler import AsyncIOScheduler

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_scheduler_reads_only_apschedulers_own_entry_points() -> None:
    # A fresh interpreter: this one imported APScheduler long ago.
    code = (
        "import json\n"
        "from importlib import metadata\n"
        "scans = []\n"
        "everyones = metadata.entry_points\n"
        "def counting(**selection):\n"
        "    scans.append(selection)\n"
        "    return everyones(**selection)\n"
        "metadata.entry_points = counting\n"
        "import bot.scheduler\n"
        "from apscheduler.schedulers.base import BaseScheduler as B\n"
        "print(json.dumps([len(scans), metadata.entry_points is counting,\n"
        "    sorted(B._trigger_plugins), sorted(B._executor_plugins), sorted(B._jobstore_plugins)]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    scans, restored, triggers, executors, stores = json.loads(done.stdout)
    assert scans == 0
    assert restored  # the lookup is put back as it was once the module is imported
    assert {"date", "interval", "cron"} <= set(triggers)
    assert {"asyncio", "threadpool"} <= set(executors)
    assert "memory" in stores


async def test_built_in_plugins_still_resolve_by_name() -> None:
    # The recap plans its report with the trigger named "date".
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.start(paused=True)
    try:
        run_at = datetime.now(UTC) + timedelta(hours=1)
        job = scheduler.add_job(print, "date", run_date=run_at, id="named")
        assert type(job.trigger).__name__ == "DateTrigger"
        assert job.next_run_time == run_at
    finally:
        scheduler.shutdown(wait=False)
