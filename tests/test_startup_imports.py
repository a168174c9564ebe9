"""The slow path is paid only when used (issue 10): importing what ``ccei-bot run`` loads before
READY (the CLI, the core and every feature module) loads none of the heavy libraries that only
some moments of the day need. (How long start-up takes is measured by benchmarks/floor.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Package → where it belongs instead.
LATER = {
    "matplotlib": "the end-of-stream and report charts (cogs/live/_chart.py, cogs/recap/_chart.py)",
    "numpy": "matplotlib",
    "PIL": "matplotlib",
    "googleapiclient": "the relay's first YouTube request (cogs/live/_youtube.py)",
    "httplib2": "googleapiclient",
    "google": "googleapiclient (google-auth, google-api-core)",
    "cryptography": "google-auth",
    "aiohttp.web": "the WebSub callback and the ops endpoint, each only when configured",
    "prometheus_client": "the ops endpoint, only when configured",
}


def test_startup_path_leaves_heavy_libraries_for_later() -> None:
    modules = sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "cogs").rglob("*.py")
        if path.name != "__init__.py"
    )
    code = (
        "import importlib, json, sys\n"
        "import bot.cli, bot.lifecycle\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert "cogs.live._websub" in loaded  # the feature modules were really imported
    early = {
        name: why
        for name, why in LATER.items()
        if any(module == name or module.startswith(name + ".") for module in loaded)
    }
    assert early == {}


def test_the_core_leaves_the_scheduler_and_the_features_libraries_for_after_ready() -> None:
    # What runs before READY: the CLI and the core (bot/core.py loads the features after READY).
    code = (
        "import json, sys\n"
        "import bot.cli, bot.lifecycle, bot.core\n"
        "print(json.dumps(sorted(m for m in ('apscheduler', 'rapidfuzz', 'cogs.faq._matcher',\n"
        "    'cogs.live._relay', 'cogs.schedule._feature') if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []
