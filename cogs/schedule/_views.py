"""The buttons under ``/schedule`` and the answers shared by buttons and commands.

:class:`AgendaView` is persistent (fixed custom ids, no timeout) and registered when the cog loads,
so "Remind me" and the calendar button keep working on agendas posted before a restart.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.tree import report_component_error, send_ephemeral

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.guilds import GuildSettings
    from cogs.schedule._feature import ScheduleFeature

log = logging.getLogger(__name__)

ICS_BUTTON_ID = "schedule:ics"
REMIND_BUTTON_ID = "schedule:remind"


async def answer_ics(
    feature: ScheduleFeature, interaction: discord.Interaction[CompanionBot]
) -> None:
    """The program as an .ics attachment, privately (as a follow-up if already answered)."""
    locale = locale_for(interaction.locale)
    name, data = feature.service.ics(locale)
    text = feature.bot.services.t("schedule.ics.sent", locale)
    file = discord.File(io.BytesIO(data), filename=name)
    if interaction.response.is_done():
        await interaction.followup.send(
            text, file=file, ephemeral=True, allowed_mentions=NO_MENTIONS
        )
    else:
        await interaction.response.send_message(
            text, file=file, ephemeral=True, allowed_mentions=NO_MENTIONS
        )


def unsafe_reminder_role(role: discord.Role, settings: GuildSettings) -> bool:
    """Whether ``role`` must not be self-assigned: it grants any permission, or it is the server's
    moderator role (whose rights come from the bot's own check, not from Discord permissions)."""
    return role.permissions.value != 0 or role.id == settings.moderator_role_id


async def answer_remind(
    feature: ScheduleFeature, interaction: discord.Interaction[CompanionBot], *, on: bool
) -> None:
    """Give or take the server's reminder role (the only thing reminder posts ping)."""
    locale = locale_for(interaction.locale)
    texts = feature.service.texts
    guild, member = interaction.guild, interaction.user
    if guild is None or not isinstance(member, discord.Member):
        raise app_commands.NoPrivateMessage()
    settings = await feature.bot.services.guild(guild.id)
    role = guild.get_role(settings.reminder_role_id) if settings.reminder_role_id else None
    if role is None:
        await send_ephemeral(interaction, texts.remind_reply("no_role", locale))
        return
    if unsafe_reminder_role(role, settings):
        # Anyone may press "Remind me": handing out a role with rights would be a way to get them.
        log.warning(
            "reminder role %s in server %s grants permissions or is the moderator role; "
            "not changing it for user %s",
            role.id,
            guild.id,
            member.id,
        )
        await send_ephemeral(interaction, texts.remind_reply("unsafe_role", locale, role=role.name))
        return
    has_role = member.get_role(role.id) is not None
    if on == has_role:
        await send_ephemeral(
            interaction,
            texts.remind_reply("already_on" if on else "already_off", locale, role=role.name),
        )
        return
    try:
        if on:
            await member.add_roles(role, reason="opted in to session reminders")
        else:
            await member.remove_roles(role, reason="opted out of session reminders")
    except discord.Forbidden:
        log.warning("cannot change the reminder role %s in server %s", role.id, guild.id)
        await send_ephemeral(interaction, texts.remind_reply("cannot_assign", locale))
        return
    await send_ephemeral(
        interaction, texts.remind_reply("on" if on else "off", locale, role=role.name)
    )


class AgendaView(discord.ui.View):
    """The calendar file and "Remind me" buttons under an agenda."""

    def __init__(self, feature: ScheduleFeature, locale: str, *, remind: bool = True) -> None:
        super().__init__(timeout=None)
        self.feature = feature
        t = feature.bot.services.t
        self.ics.label = t("schedule.button.ics", locale)
        self.remind.label = t("schedule.button.remind", locale)
        if not remind:  # in DMs there is no role to give
            self.remove_item(self.remind)

    @discord.ui.button(custom_id=ICS_BUTTON_ID, style=discord.ButtonStyle.secondary)
    async def ics(
        self, interaction: discord.Interaction[CompanionBot], button: discord.ui.Button[Any]
    ) -> None:
        await answer_ics(self.feature, interaction)

    @discord.ui.button(custom_id=REMIND_BUTTON_ID, style=discord.ButtonStyle.primary)
    async def remind(
        self, interaction: discord.Interaction[CompanionBot], button: discord.ui.Button[Any]
    ) -> None:
        await answer_remind(self.feature, interaction, on=True)

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        await report_component_error(interaction, error)
