"""Nothing in the schedule depends on the machine's time zone: the same program, reminders and
calendar come out under TZ=UTC, TZ=America/Los_Angeles and TZ=Asia/Seoul."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = """
import time
from datetime import UTC, datetime
time.tzset()
from cogs.schedule._ics import program_ics
from bot.program import effective_program, plan_delay
from cogs.schedule._reminders import ReminderPlan
from tests.programs import make_config

for zone, date in (("Asia/Seoul", "2022-12-15"), ("America/New_York", "2026-03-08"),
                   ("America/New_York", "2026-11-01")):
    config = make_config(timezone=zone, date=date,
                         program=[("a", "00:30", "01:30"), ("b", "03:00", "04:00")])
    sessions = effective_program(config)
    plan = ReminderPlan.build(sessions, config.reminders.before, 1)
    print([(r.job_id, r.due.isoformat()) for r in plan.reminders])
    print([s.local_start.strftime("%H:%M %Z") for s in sessions])
    delay = plan_delay(sessions, sessions[0].start, 45)
    print(delay)
    print(program_ics(config, sessions, now=datetime(2022, 1, 1, tzinfo=UTC)))
"""


def start_with_tz(tz: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TZ": tz, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_same_output_whatever_the_machine_zone() -> None:
    # The three interpreters run side by side: each spends most of its time importing.
    running = {tz: start_with_tz(tz) for tz in ("UTC", "America/Los_Angeles", "Asia/Seoul")}
    outputs = {}
    for tz, process in running.items():
        stdout, stderr = process.communicate(timeout=60)
        assert process.returncode == 0, stderr
        outputs[tz] = stdout
    assert len(set(outputs.values())) == 1, outputs
    assert "reminder:a:1800:v1" in outputs["UTC"]
