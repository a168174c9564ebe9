"""The floor: a bare discord.py bot to measure ``ccei-bot run`` against (benchmarks/floor.py).

The guilds intent and three slash commands named like the companion's (``/faq question``,
``/schedule``, ``/next``), each answering a fixed string. Nothing else: no config, no database, no
scheduler. It reads its Discord from the environment like the real bot (``DISCORD_TOKEN``,
``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``), syncs its commands at every start as a bare bot
does, and stops on SIGTERM. With ``CCEI_LAG_PROBE=<file>`` it runs the same event-loop lag probe as
the real bot (``bot.lagprobe``, imported only then).

    DISCORD_TOKEN=... python benchmarks/floor_bot.py
"""

from __future__ import annotations

import asyncio
import os
import signal

import discord
import yarl
from discord import app_commands

ANSWER = "Fixed answer."
NO_MENTIONS = discord.AllowedMentions.none()


class FloorBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents(guilds=True), allowed_mentions=NO_MENTIONS)
        self.tree = app_commands.CommandTree(self)

    async def setup_hook(self) -> None:
        await self.tree.sync()


def build() -> FloorBot:
    bot = FloorBot()

    @bot.tree.command(name="faq", description="Ask anything about the event")
    async def faq(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.send_message(ANSWER, allowed_mentions=NO_MENTIONS)

    @bot.tree.command(name="schedule", description="Today's program")
    async def schedule(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(ANSWER, allowed_mentions=NO_MENTIONS)

    @bot.tree.command(name="next", description="The next session")
    async def next_session(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(ANSWER, allowed_mentions=NO_MENTIONS)

    return bot


async def main() -> None:
    api_base = os.environ.get("DISCORD_API_BASE")
    if api_base:
        discord.http.Route.BASE = api_base.rstrip("/")
    gateway = os.environ.get("DISCORD_GATEWAY_URL")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    probe_path = os.environ.get("CCEI_LAG_PROBE")
    probe = None
    if probe_path:
        from bot.lagprobe import LagProbe

        probe = LagProbe.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bot = build()
    async with bot:
        await bot.login(os.environ["DISCORD_TOKEN"])
        gateway_task = asyncio.create_task(bot.connect())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({gateway_task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
    if probe is not None and probe_path:
        await probe.stop(probe_path)


if __name__ == "__main__":
    asyncio.run(main())
