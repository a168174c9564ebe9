"""Viewer side of the recap: ``/replay``, and the lifecycle (start, stop, the live feature's events).

Thin: parse the interaction, ask :class:`~cogs.recap._feature.RecapFeature`, send its text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.config import Config
from bot.i18n import locale_for
from bot.services import StreamRecord
from bot.tree import send_ephemeral
from cogs.recap._feature import RecapFeature

if TYPE_CHECKING:
    from bot.core import CompanionBot


class RecapCog(commands.Cog):
    def __init__(self, feature: RecapFeature) -> None:
        self.feature = feature

    async def cog_load(self) -> None:
        await self.feature.start()

    async def cog_unload(self) -> None:
        await self.feature.stop()

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        await self.feature.reconfigure()

    # The live feature's events (bot.services.STREAM_ENDED_EVENT / RECORDING_READY_EVENT).

    @commands.Cog.listener()
    async def on_stream_ended(self, record: StreamRecord) -> None:
        await self.feature.plan_report()

    @commands.Cog.listener()
    async def on_recording_ready(self, record: StreamRecord) -> None:
        await self.feature.post_replay(record)

    @app_commands.command(
        name=locale_str("replay", key="cmd.replay.name"),
        description=locale_str(
            "The stream's recording, with a link to each session", key="cmd.replay.description"
        ),
    )
    async def replay(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        await send_ephemeral(interaction, await self.feature.replay_reply(locale))
