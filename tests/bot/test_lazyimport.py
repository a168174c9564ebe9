"""Deferred modules import as usual but run their code only when first used (bot/lazyimport.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_fresh(code: str) -> object:
    # A fresh interpreter: this test process has imported most of the standard library already.
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_a_deferred_module_runs_only_when_first_used() -> None:
    code = (
        "import json, sys\n"
        "from bot.lazyimport import defer, is_loaded\n"
        "defer('xml.dom.minidom')\n"
        "from xml.dom import minidom\n"
        "imported = 'xml.dom.minidom' in sys.modules\n"
        "before = is_loaded('xml.dom.minidom'), 'xml.dom.minicompat' in sys.modules\n"
        "tag = minidom.parseString('<talk/>').documentElement.tagName\n"
        "after = is_loaded('xml.dom.minidom'), 'xml.dom.minicompat' in sys.modules\n"
        "print(json.dumps([imported, before, tag, after]))\n"
    )
    # Imported (so `from ... import` works), its own imports not run until the first attribute.
    assert run_fresh(code) == [True, [False, False], "talk", [True, True]]


def test_modules_loaded_before_are_left_alone_and_others_are_not_deferred() -> None:
    code = (
        "import json, sys, csv\n"
        "from bot.lazyimport import defer, is_loaded\n"
        "defer('csv')\n"
        "import csv, tomllib\n"
        "print(json.dumps([is_loaded('csv'), is_loaded('tomllib'), is_loaded('nothing.here')]))\n"
    )
    assert run_fresh(code) == [True, True, False]
