"""Viewer side of the schedule: ``/schedule``, ``/next``, ``/remind on|off|dm`` and the agenda's
buttons.

Thin on purpose: parse the interaction, ask :class:`~cogs.schedule._feature.ScheduleFeature`, render
its texts. The moderator commands are in ``_admin.py``.
"""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.config import Config
from bot.cooldown import per_user_cooldown
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.tree import report_component_error, send_ephemeral
from cogs.schedule._feature import ScheduleFeature, to_embed
from cogs.schedule._ics import ics_filename, program_ics_bytes
from cogs.schedule._render import AgendaCache

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.guilds import GuildSettings

log = logging.getLogger(__name__)

#: /schedule and /next answer in the channel; one viewer may ask once per this many seconds so
#: nobody can flood it (the tree answers a refused call privately).
VIEWER_COOLDOWN_SECONDS = 15.0
ICS_BUTTON_ID = "schedule:ics"
REMIND_BUTTON_ID = "schedule:remind"


class ScheduleCog(commands.Cog):
    def __init__(self, feature: ScheduleFeature) -> None:
        self.feature = feature
        self.bot = feature.bot
        self._agendas = AgendaCache()

    async def cog_load(self) -> None:
        await self.feature.start()
        # Persistent: the buttons of agendas posted before a restart keep working.
        self.bot.add_view(AgendaView(self.feature, self.bot.services.config.discord.locale))

    async def cog_unload(self) -> None:
        await self.feature.stop()

    @commands.Cog.listener()
    async def on_config_reloaded(self, old: Config, new: Config) -> None:
        await self.feature.reconfigure(new)

    # -- /schedule, /next -------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("schedule", key="cmd.schedule.name"),
        description=locale_str(
            "Today's program, with the current session highlighted", key="cmd.schedule.description"
        ),
    )
    @app_commands.rename(calendar=locale_str("calendar", key="cmd.schedule.calendar.name"))
    @app_commands.describe(
        calendar=locale_str(
            "Also get an .ics file for your calendar app", key="cmd.schedule.calendar.description"
        )
    )
    @per_user_cooldown(1, VIEWER_COOLDOWN_SECONDS)
    async def schedule(
        self, interaction: discord.Interaction[CompanionBot], calendar: bool = False
    ) -> None:
        locale = locale_for(interaction.locale)
        feature = self.feature
        agenda = self._agendas.agenda(feature.texts, feature.program, feature.clock.now(), locale)
        view = AgendaView(feature, locale, remind=interaction.guild is not None)
        # Its buttons are answered by the persistent AgendaView added at load: sent stopped, this
        # one only gives its components and is not kept in discord.py's view store per message.
        view.stop()
        await interaction.response.send_message(
            embed=to_embed(agenda),
            view=view,
            allowed_mentions=NO_MENTIONS,
        )
        if calendar:
            # Like the button: the file is for the asker, not for the whole channel.
            await answer_ics(feature, interaction)

    @app_commands.command(
        name=locale_str("next", key="cmd.next.name"),
        description=locale_str(
            "The next session and how long until it starts", key="cmd.next.description"
        ),
    )
    @per_user_cooldown(1, VIEWER_COOLDOWN_SECONDS)
    async def next_session(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        feature = self.feature
        text = feature.texts.next_text(feature.program, feature.clock.now(), locale)
        await interaction.response.send_message(text, allowed_mentions=NO_MENTIONS)

    # -- /remind ----------------------------------------------------------------------------------

    remind = app_commands.Group(
        name=locale_str("remind", key="cmd.remind.name"),
        description=locale_str("Session reminder settings", key="cmd.remind.description"),
        guild_only=True,
    )

    @remind.command(
        name=locale_str("on", key="cmd.remind.on.name"),
        description=locale_str(
            "Ping me with the session reminders", key="cmd.remind.on.description"
        ),
    )
    async def remind_on(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await answer_remind(self.feature, interaction, on=True)

    @remind.command(
        name=locale_str("off", key="cmd.remind.off.name"),
        description=locale_str(
            "Stop pinging me with the session reminders", key="cmd.remind.off.description"
        ),
    )
    async def remind_off(self, interaction: discord.Interaction[CompanionBot]) -> None:
        await answer_remind(self.feature, interaction, on=False)

    @remind.command(
        name=locale_str("dm", key="cmd.remind.dm.name"),
        description=locale_str(
            "Also get the session reminders by direct message", key="cmd.remind.dm.description"
        ),
    )
    @app_commands.rename(enabled=locale_str("enabled", key="cmd.remind.dm.enabled.name"))
    @app_commands.describe(
        enabled=locale_str("Send me reminders by DM?", key="cmd.remind.dm.enabled.description")
    )
    async def remind_dm(
        self, interaction: discord.Interaction[CompanionBot], enabled: bool = True
    ) -> None:
        locale = locale_for(interaction.locale)
        if enabled:
            # Opening the DM channel and the test message are two round trips.
            await interaction.response.defer(ephemeral=True, thinking=True)
        reply = await self.feature.set_dm_reminders(interaction.user.id, enabled, locale)
        await send_ephemeral(interaction, self.feature.texts.remind_reply(reply, locale))


# -- answers shared by the buttons and the commands ---------------------------------------------


async def answer_ics(
    feature: ScheduleFeature, interaction: discord.Interaction[CompanionBot]
) -> None:
    """The program as an .ics attachment, privately (as a follow-up if already answered)."""
    locale = locale_for(interaction.locale)
    data = program_ics_bytes(
        feature.config,
        feature.program,
        now=feature.clock.now(),
        version=feature.version,
        locale=locale,
    )
    text = feature.bot.services.t("schedule.ics.sent", locale)
    file = discord.File(io.BytesIO(data), filename=ics_filename(feature.config))
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
    texts = feature.texts
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
    """The calendar file and "Remind me" buttons under an agenda. Persistent (fixed custom ids, no
    timeout): registered when the cog loads, so agendas posted before a restart keep working."""

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
