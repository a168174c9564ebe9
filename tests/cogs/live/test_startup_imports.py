"""Loading the live feature imports no chart library and no Google client: they cost about 370 ms
and 43 MB (matplotlib, numpy, Pillow) and 45 ms and 16 MB (googleapiclient, google-auth) and are
used only at the end of a stream and at the first API call (docs/live.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("matplotlib", "numpy", "PIL", "googleapiclient", "google.auth", "httplib2")


def test_loading_the_live_cog_imports_neither_matplotlib_nor_googleapiclient() -> None:
    # A fresh interpreter: this test process may have imported them already for other tests.
    code = (
        "import json, sys\n"
        "import cogs.live, cogs.live._cog\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
