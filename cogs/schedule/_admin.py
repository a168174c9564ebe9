"""Moderator side of the schedule: ``/admin delay`` and ``/admin reminders pause|resume|preview``.

Thin like the viewer cog: parse, ask :class:`~cogs.schedule._feature.ScheduleFeature`, render, and
write the audit entry. The core moves the commands named in ``admin_commands`` under ``/admin``,
whose moderator check covers them at any depth.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.checks import ModeratorGroup
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.program import DelayRefusal
from bot.tree import send_ephemeral
from cogs.schedule._feature import ScheduleFeature, to_embed

if TYPE_CHECKING:
    from bot.core import CompanionBot

PREVIEW_REMINDERS = 10


class ScheduleAdminCog(commands.Cog):
    admin_commands = ("delay", "reminders")

    reminders = ModeratorGroup(
        name=locale_str("reminders", key="cmd.admin.reminders.name"),
        description=locale_str(
            "Manage the session reminders", key="cmd.admin.reminders.description"
        ),
    )

    def __init__(self, feature: ScheduleFeature) -> None:
        self.feature = feature
        self.bot = feature.bot

    # -- delay ------------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("delay", key="cmd.admin.delay.name"),
        description=locale_str(
            "Shift every session that has not started by N minutes",
            key="cmd.admin.delay.description",
        ),
    )
    @app_commands.rename(minutes=locale_str("minutes", key="cmd.admin.delay.minutes.name"))
    @app_commands.describe(
        minutes=locale_str(
            "Minutes to shift; negative brings sessions forward",
            key="cmd.admin.delay.minutes.description",
        )
    )
    async def delay(self, interaction: discord.Interaction[CompanionBot], minutes: int) -> None:
        locale = locale_for(interaction.locale)
        texts = self.feature.texts
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.feature.delay(
            minutes, guild_id=interaction.guild_id or 0, user_id=interaction.user.id
        )
        if isinstance(result, DelayRefusal):
            await interaction.followup.send(
                texts.delay_refusal(result, locale), ephemeral=True, allowed_mentions=NO_MENTIONS
            )
            return

        def hm(moment: datetime) -> str:
            return texts.hm(moment, seconds=bool(moment.second))

        await self.bot.audit(
            interaction,
            "delay",
            before={
                "version": result.version_before,
                "starts": {m.session_id: hm(m.old_start) for m in result.plan.moved},
            },
            after={
                "version": result.version,
                "minutes": result.plan.minutes,
                "starts": {m.session_id: hm(m.new_start) for m in result.plan.moved},
            },
        )
        await interaction.followup.send(
            texts.delay_done(result.plan, result.version, locale),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- reminders --------------------------------------------------------------------------------

    async def _set_paused(
        self, interaction: discord.Interaction[CompanionBot], *, paused: bool
    ) -> None:
        locale = locale_for(interaction.locale)
        texts = self.feature.texts
        changed = await self.feature.set_paused(paused)
        if changed:
            action, states = (
                ("reminders_pause", ("running", "paused"))
                if paused
                else ("reminders_resume", ("paused", "running"))
            )
            await self.bot.audit(interaction, action, before=states[0], after=states[1])
        reply = texts.pause_reply if paused else texts.resume_reply
        await send_ephemeral(interaction, reply(changed, locale))

    @reminders.command(
        name=locale_str("pause", key="cmd.admin.reminders.pause.name"),
        description=locale_str(
            "Pause the session reminders", key="cmd.admin.reminders.pause.description"
        ),
    )
    async def reminders_pause(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await self._set_paused(interaction, paused=True)

    @reminders.command(
        name=locale_str("resume", key="cmd.admin.reminders.resume.name"),
        description=locale_str(
            "Resume the session reminders", key="cmd.admin.reminders.resume.description"
        ),
    )
    async def reminders_resume(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await self._set_paused(interaction, paused=False)

    @reminders.command(
        name=locale_str("preview", key="cmd.admin.reminders.preview.name"),
        description=locale_str(
            "The next reminders and when they go out",
            key="cmd.admin.reminders.preview.description",
        ),
    )
    async def reminders_preview(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        upcoming = await self.feature.upcoming_reminders(PREVIEW_REMINDERS)
        embed = self.feature.texts.preview(upcoming, locale, paused=self.feature.paused)
        await interaction.response.send_message(
            embed=to_embed(embed), ephemeral=True, allowed_mentions=NO_MENTIONS
        )
