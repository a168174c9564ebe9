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


def test_the_youtube_client_leaves_signing_and_http_login_code_unloaded() -> None:
    # A key-based client never signs (google-auth's signers load cryptography) nor logs in to a
    # server (httplib2's WWW-Authenticate grammar loads pyparsing): both stay unloaded through a
    # real request against the stand-in, and the answer is still right.
    code = (
        "import asyncio, json, sys\n"
        "from bot.rehearsal.youtube_standin import YouTubeStandIn\n"
        "from cogs.live._youtube import YouTubeClient\n"
        "class Ledger:\n"
        "    async def charge(self, method, units, *, failed): pass\n"
        "async def main():\n"
        "    async with YouTubeStandIn() as youtube:\n"
        "        client = YouTubeClient(api_key=youtube.api_key, api_base=youtube.api_base,\n"
        "                               ledger=Ledger(), timeout=5)\n"
        "        info = await client.channel('@cceisay')\n"
        "    heavy = ('cryptography', 'pyparsing', 'google.auth.crypt')\n"
        "    print(json.dumps([info.title, 'googleapiclient.discovery' in sys.modules,\n"
        "                      [m for m in heavy if m in sys.modules]]))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == ["CCEI SAY", True, []]
