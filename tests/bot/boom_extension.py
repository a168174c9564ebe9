"""A test-only extension whose command fails unexpectedly, to exercise the tree's error handler."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands


class Boom(commands.Cog):
    @app_commands.command(name="boom", description="always fails")
    async def boom(self, interaction: discord.Interaction[Any]) -> None:
        raise RuntimeError("kaboom: an unexpected bug")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Boom())
