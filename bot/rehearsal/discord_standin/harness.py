"""Running a real discord.py client against a started `DiscordStandIn`."""

# The waiting API takes `timeout=` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import discord

from bot.rehearsal.discord_standin.server import DiscordStandIn

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def connect_client(
    standin: DiscordStandIn, client: discord.Client, *, timeout: float = 10.0
) -> AsyncIterator[discord.Client]:
    """Log `client` in against the stand-in, connect, wait for ready; close it on exit.

    Give the client a small `guild_ready_timeout` (e.g. 0.05) or on_ready waits 2 s, and
    override `before_identify_hook` to return at once or each re-IDENTIFY waits 5 s.
    """
    with standin.patch_discord():
        await client.login(standin.token)
        task = asyncio.create_task(client.connect(reconnect=True), name="standin-client-connect")
        try:
            ready = asyncio.ensure_future(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {ready, task}, timeout=timeout, return_when="FIRST_COMPLETED"
            )
            if ready not in done:
                ready.cancel()
                if task in done:
                    task.result()  # re-raise why the client stopped
                raise TimeoutError("discord.py client did not become ready")
            yield client
        finally:
            await client.close()
            with contextlib.suppress(asyncio.CancelledError, discord.ConnectionClosed):
                await asyncio.wait_for(task, timeout=5)
