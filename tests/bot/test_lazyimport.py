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
        "from bot.lazyimport import defer\n"
        "defer('xml.dom.minidom')\n"
        "from xml.dom import minidom\n"
        "imported = 'xml.dom.minidom' in sys.modules\n"
        "before = 'xml.dom.minicompat' in sys.modules\n"
        "tag = minidom.parseString('<talk/>').documentElement.tagName\n"
        "after = 'xml.dom.minicompat' in sys.modules\n"
        "print(json.dumps([imported, before, tag, after]))\n"
    )
    # Imported (so `from ... import` works); its code, and with it its own imports, runs only at
    # the first attribute.
    assert run_fresh(code) == [True, False, "talk", True]


def test_modules_loaded_before_are_left_alone_and_others_are_not_deferred() -> None:
    code = (
        "import json, sys, csv\n"
        "loaded = sys.modules['csv']\n"
        "from bot.lazyimport import defer\n"
        "defer('csv')\n"
        "import csv, tomllib\n"
        "print(json.dumps([sys.modules['csv'] is loaded, 'tomllib._parser' in sys.modules]))\n"
    )
    # csv stays the module it was; tomllib, not named, runs its code (and imports) at once.
    assert run_fresh(code) == [True, True]
