"""What the test shares with ``slow_extension`` (which discord.py loads as a fresh module)."""

from __future__ import annotations

import asyncio

#: Set by the test before the bot starts; the feature finishes loading once it is set.
release: asyncio.Event | None = None
#: Set when the feature has started loading.
loading = asyncio.Event()
