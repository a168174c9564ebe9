"""A test-only feature that takes as long to load as the test wants (``slow_gate.release``)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

# discord.py executes an extension's module afresh on every load: its state lives elsewhere.
from tests.bot import slow_gate


class Slow(commands.Cog):
    @app_commands.command(name="slow", description="answers once loaded")
    async def slow(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("loaded", ephemeral=True)


async def setup(bot: commands.Bot) -> None:
    slow_gate.loading.set()
    if slow_gate.release is not None:
        await slow_gate.release.wait()
    await bot.add_cog(Slow())
